"""Release notes: publishing ships the linked ideas and tells their supporters and followers once;
the changelog marks what is new since a member's last visit and has an Atom feed."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from wagtail.models import Revision

from backlog.models import BacklogItem, Release
from cms.models import (
    ReleaseAnnouncement,
    ReleaseNoteBacklogItem,
    ReleaseNoteIdea,
    ReleaseNotePage,
    ReleaseNotesIndexPage,
)
from ideas.models import Idea, StatusChange
from ideas.services import follow_set
from notifications.models import Notification
from voting.services import vote_cast

from ..factories import MemberFactory, make_idea
from . import roadmap_world
from .roadmap_world import ATOM, parse_atom

pytestmark = pytest.mark.django_db


@pytest.fixture
def changelog(wagtail_site):
    index = ReleaseNotesIndexPage(title="Changelog", slug="changelog", live=False)
    wagtail_site.add_child(instance=index)
    index.save_revision().publish()
    return ReleaseNotesIndexPage.objects.get(pk=index.pk)


@pytest.fixture
def release_world(rita):
    """Two ideas to ship (one directly, one through a backlog item), one already shipped; their people."""
    people = {
        name: MemberFactory(username=name)
        for name in ("author1", "author2", "voter", "follower", "both", "other")
    }
    direct = make_idea(author=people["author1"], title="Night mode for moving kids")
    roadmap_world.set_status(direct, Idea.Status.IN_PROGRESS)
    via_item = make_idea(author=people["author2"], title="Less blur at night")
    done = roadmap_world.set_status(make_idea(title="Already shipped"), Idea.Status.SHIPPED)
    vote_cast(member=people["voter"], idea_id=direct.pk)
    follow_set(member=people["follower"], idea=direct, following=True)
    for idea in (direct, via_item):  # a supporter and follower of both ideas
        vote_cast(member=people["both"], idea_id=idea.pk)
        follow_set(member=people["both"], idea=idea, following=True)
    vote_cast(member=people["other"], idea_id=done.pk)
    item = BacklogItem.objects.create(
        product=roadmap_world.ProductFactory(), title="Night", status="in_progress", created_by=rita
    )
    item.ideas.add(via_item)
    return {"people": people, "direct": direct, "via_item": via_item, "done": done, "item": item}


def draft_release(changelog, world, **fields):
    release = ReleaseNotePage(
        title="Spring release", slug="spring", version="2.4", live=False,
        body='<p>Sharper nights.</p>', summary="Night mode, finally.", **fields,
    )  # fmt: skip
    release.shipped_ideas = [ReleaseNoteIdea(idea=world["direct"]), ReleaseNoteIdea(idea=world["done"])]
    release.shipped_items = [ReleaseNoteBacklogItem(item=world["item"])]
    changelog.add_child(instance=release)
    return ReleaseNotePage.objects.get(pk=release.pk)


def release_notifications():
    return list(
        Notification.objects.filter(kind=Notification.Kind.RELEASE).values_list(
            "recipient__username", flat=True
        )
    )


def test_publishing_ships_the_ideas_and_tells_everyone_once(
    client, changelog, release_world, adam, django_capture_on_commit_callbacks
):
    release = draft_release(changelog, release_world)
    with django_capture_on_commit_callbacks(execute=True):
        release.save_revision(user=adam).publish()
    for name in ("direct", "via_item"):
        idea = Idea.objects.get(pk=release_world[name].pk)
        assert idea.status == Idea.Status.SHIPPED
        note = StatusChange.objects.filter(idea=idea).latest("created_at", "id")
        assert note.to_status == Idea.Status.SHIPPED and note.changed_by == adam
        assert release.get_full_url() in note.note and "Spring release (2.4)" in note.note
    # The already shipped idea is left alone: no second status change, its supporter not told.
    assert StatusChange.objects.filter(idea=release_world["done"]).count() == 1
    assert BacklogItem.objects.get(pk=release_world["item"].pk).status == BacklogItem.Status.SHIPPED
    told = release_notifications()
    assert sorted(told) == ["author1", "author2", "both", "follower", "voter"]  # each exactly once
    notice = Notification.objects.filter(kind=Notification.Kind.RELEASE).first()
    assert notice.url == release.get_full_url() and "Spring release (2.4)" in notice.message
    # The idea page shows the public note with a link to the release.
    page = Idea.objects.get(pk=release_world["direct"].pk).get_absolute_url()
    assert f'href="{release.get_full_url()}"' in client.get(page).content.decode()

    # Republishing, editing and reverting to the first revision tell nobody again.
    with django_capture_on_commit_callbacks(execute=True):
        release.save_revision(user=adam).publish()
        release = ReleaseNotePage.objects.get(pk=release.pk)
        release.body = "<p>Sharper nights, fewer blurs.</p>"
        release.save_revision(user=adam).publish()
        release.revisions.order_by("created_at", "id").first().publish(user=adam)
    assert sorted(release_notifications()) == sorted(told)
    assert ReleaseAnnouncement.objects.get().release_id == release.pk


def test_published_page_shows_its_public_ideas_only(client, changelog, release_world, adam, rita):
    release_world["item"].public_title = "Sharper night shots"
    release_world["item"].is_public = True
    release_world["item"].save()
    release = draft_release(changelog, release_world)
    release.save_revision(user=adam).publish()
    html = client.get(release.url).content.decode()
    assert "Sharper nights." in html and "Version 2.4" in html
    assert release_world["direct"].get_absolute_url() in html and "Sharper night shots" in html
    assert "Night</li>" not in html  # the item's internal title


def test_a_publisher_who_may_not_ship_leaves_it_for_one_who_may(
    changelog, release_world, adam, django_capture_on_commit_callbacks
):
    release = draft_release(changelog, release_world)
    with django_capture_on_commit_callbacks(execute=True):
        release.save_revision().publish()  # no user (a script), and the page has no owner
    assert not ReleaseAnnouncement.objects.exists() and release_notifications() == []
    assert Idea.objects.get(pk=release_world["direct"].pk).status == Idea.Status.IN_PROGRESS
    with django_capture_on_commit_callbacks(execute=True):
        release.save_revision(user=adam).publish()
    assert len(release_notifications()) == 5


def test_scheduled_publishing_announces_when_the_page_goes_live(
    changelog, release_world, adam, django_capture_on_commit_callbacks
):
    release = draft_release(changelog, release_world)
    release.go_live_at = timezone.now() + timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        release.save_revision(user=adam).publish(user=adam)
    assert not ReleaseNotePage.objects.get(pk=release.pk).live
    assert not ReleaseAnnouncement.objects.exists()  # page_published is sent, the page is not live yet
    past = timezone.now() - timedelta(minutes=1)
    revision = Revision.objects.get(approved_go_live_at__isnull=False)  # time passes:
    revision.approved_go_live_at = past
    revision.content["go_live_at"] = past.isoformat()
    revision.save(update_fields=["approved_go_live_at", "content"])
    ReleaseNotePage.objects.filter(pk=release.pk).update(go_live_at=past)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("publish_scheduled")
    assert ReleaseNotePage.objects.get(pk=release.pk).live
    assert ReleaseAnnouncement.objects.get().announced_by == adam
    assert len(release_notifications()) == 5


def test_publishing_through_the_admin(
    client, changelog, release_world, adam, django_capture_on_commit_callbacks
):
    from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

    release = draft_release(changelog, release_world)
    client.force_login(adam)
    linked = ReleaseNoteIdea.objects.filter(page=release).order_by("pk")
    item_row = ReleaseNoteBacklogItem.objects.get(page=release)
    data = nested_form_data(
        {
            "title": "Spring release",
            "slug": "spring",
            "version": "2.4",
            "released_on": "2026-03-01",
            "summary": "Night mode, finally.",
            "body": rich_text("<p>Sharper nights.</p>"),
            "shipped_ideas": inline_formset(
                [{"id": row.pk, "idea": row.idea_id} for row in linked], initial=2
            ),
            "shipped_items": inline_formset([{"id": item_row.pk, "item": item_row.item_id}], initial=1),
            "comments": inline_formset([]),
        }
    )
    data["action-publish"] = "action-publish"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/cms/pages/{release.pk}/edit/", data)
    assert response.status_code == 302, (
        response.context["form"].errors,
        [f.errors for f in response.context["form"].formsets.values()],
    )
    assert ReleaseNotePage.objects.get(pk=release.pk).live
    assert Idea.objects.get(pk=release_world["via_item"].pk).status == Idea.Status.SHIPPED
    assert len(release_notifications()) == 5


def test_changelog_marks_what_is_new_since_the_last_visit(client, changelog, release_world, adam, alice):
    old = draft_release(changelog, release_world)
    old.save_revision(user=adam).publish()
    ReleaseNotePage.objects.filter(pk=old.pk).update(first_published_at=timezone.now() - timedelta(days=30))
    alice.date_joined = timezone.now() - timedelta(days=60)
    alice.save(update_fields=["date_joined"])
    client.force_login(alice)
    first = client.get(changelog.url).content.decode()
    assert first.count("badge-new") == 1  # the first visit: what came out since she joined
    assert client.get(changelog.url).content.decode().count("badge-new") == 0  # seen now
    new = ReleaseNotePage(
        title="Summer release", slug="summer", version="2.5", body="<p>More.</p>", live=False
    )
    changelog.add_child(instance=new)
    new.save_revision(user=adam).publish()
    html = client.get(changelog.url).content.decode()
    assert html.count("badge-new") == 1 and html.index("Summer release") < html.index("badge-new")
    assert client.get(changelog.url).content.decode().count("badge-new") == 0
    client.logout()
    assert "badge-new" not in client.get(changelog.url).content.decode()  # visitors: no marks


def test_changelog_feed_is_atom(client, changelog, release_world, adam):
    release = draft_release(changelog, release_world)
    release.save_revision(user=adam).publish()
    draft = ReleaseNotePage(title="Unreleased", slug="next", version="3.0", body="<p>Soon</p>", live=False)
    changelog.add_child(instance=draft)
    entries = parse_atom(client.get(changelog.url + "feed/").content)
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["2.4 — Spring release"]
    assert entries[0].find(f"{ATOM}link").get("href") == f"http://testserver{release.url}"


def test_the_planned_release_items_ship_with_the_note(
    client,
    changelog,
    release_world,
    rita,
    adam,
    django_capture_on_commit_callbacks,
):
    """A release note that picks a release planned within capacity ships that release's items."""
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
