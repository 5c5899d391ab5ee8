"""release.published: sent once, when a release note's first publication ships its ideas."""

import pytest

from ..cms.test_release_notes import changelog, draft_release, release_world  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def test_release_published_once(
    make_endpoint,
    receiver,
    changelog,  # noqa: F811
    release_world,  # noqa: F811
    adam,
    django_capture_on_commit_callbacks,
):
    make_endpoint(["release.published", "idea.status_changed"])
    release = draft_release(changelog, release_world)
    with django_capture_on_commit_callbacks(execute=True):
        release.save_revision(user=adam).publish()
        release.save_revision(user=adam).publish()  # republished: not announced again
    events = receiver.events()
    published = [e for e in events if e["type"] == "release.published"]
    assert len(published) == 1
    data = published[0]["data"]
    assert (data["title"], data["version"], data["url"]) == ("Spring release", "2.4", release.get_full_url())
    assert sorted(data["idea_ids"]) == sorted([release_world["direct"].pk, release_world["via_item"].pk])
    shipped = {e["data"]["id"] for e in events if e["type"] == "idea.status_changed"}
    assert shipped == set(data["idea_ids"])
