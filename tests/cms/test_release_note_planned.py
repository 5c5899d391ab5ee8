"""A release note that picks a release planned within capacity ships that release's backlog items."""

import pytest

from backlog.models import BacklogItem, Release
from cms.models import ReleaseNotePage
from ideas.models import Idea

from .test_release_notes import changelog, release_world  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def test_the_planned_release_items_ship_with_the_note(
    client,
    changelog,
    release_world,
    rita,
    adam,
    django_capture_on_commit_callbacks,  # noqa: F811
):
    planned = Release.objects.create(
        name="Spring", capacity=10, objective="equity", value=0, greedy_value=0, created_by=rita
    )
    release_world["item"].is_public = True
    release_world["item"].public_title = "Sharper nights"
    release_world["item"].save()
    planned.items.add(release_world["item"])
    note = ReleaseNotePage(
        title="Spring release", slug="spring", version="2.4", live=False, body="<p>Nights.</p>",
        planned_release=planned,
    )  # fmt: skip
    changelog.add_child(instance=note)
    note = ReleaseNotePage.objects.get(pk=note.pk)
    assert note.shipped_item_ids() == [release_world["item"].pk]
    with django_capture_on_commit_callbacks(execute=True):
        note.save_revision(user=adam).publish()
    assert BacklogItem.objects.get(pk=release_world["item"].pk).status == BacklogItem.Status.SHIPPED
    assert Idea.objects.get(pk=release_world["via_item"].pk).status == Idea.Status.SHIPPED
    assert "Sharper nights" in client.get(note.url).content.decode()
