"""Moderation that reads well: one reason box per decision with ready-made reasons, destructive actions
that look it, Markdown in the queue, and an audit log of labels, human values, links and filters."""

import re

import pytest

from community.roles import Role
from community.services import role_grant
from ideas.models import Visibility
from ideas.services import comment_post, idea_set_status
from moderation import services
from moderation.models import AuditEntry, Sanction

from ..factories import MemberFactory, ProductFactory, make_idea

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue_world(alice, bob, newcomer):
    from ideas.services import idea_submit

    idea = make_idea(author=alice, title="Camera app")
    rude = comment_post(author=bob, idea=idea, body="This is **garbage** <script>alert(1)</script>")
    services.flag_create(reporter=alice, kind="comment", object_id=rude.pk, reason="abuse", text="Insult")
    held = idea_submit(author=newcomer, title="Free money", body="Free money for everyone, click here")
    return idea, rude, held


def _items(page: str) -> list[str]:
    return re.findall(r'<li class="queue-item".*?</li>\s*(?=<li class="queue-item"|</ol>)', page, re.S)


def test_each_queue_item_has_one_reason_box_and_distinct_buttons(mona_client, queue_world):
    page = mona_client.get("/moderation/").content.decode()
    items = _items(page)
    assert len(items) == 2
    for item in items:
        assert item.count('name="reason"') == 1 and item.count('name="preset"') == 1
        assert item.count("<form") == 1
        assert re.search(r'class="danger"[^>]*data-action="hide"', item)
        assert re.search(r'class="secondary"[^>]*data-action="dismiss"', item)
        assert "Spam or advertising" in item and "Shares personal data" in item
    held_item = next(item for item in items if "Free money" in item)
    assert re.search(r'class="ok"[^>]*data-action="approve"', held_item)
    assert 'data-action="approve"' not in next(item for item in items if "garbage" in item)


def test_the_queue_shows_markdown_as_its_page_does(mona_client, queue_world):
    page = mona_client.get("/moderation/").content.decode()
    assert "<strong>garbage</strong>" in page
    assert "<script>alert(1)</script>" not in page


def test_a_ready_made_reason_alone_or_with_words(mona_client, queue_world):
    idea, rude, held = queue_world
    response = mona_client.post(
        f"/moderation/items/comment/{rude.pk}/hide/",
        {"preset": "abusive", "reason": "", "next": "/moderation/"},
    )
    assert response.status_code == 302
    rude.refresh_from_db()
    assert rude.visibility == Visibility.HIDDEN
    assert AuditEntry.objects.filter(action="hide").latest("id").reason == "Abusive or harassing"
    mona_client.post(
        f"/moderation/items/idea/{held.pk}/hide/", {"preset": "spam", "reason": "links to a shop"}
    )
    assert (
        AuditEntry.objects.filter(action="hide").latest("id").reason == "Spam or advertising: links to a shop"
    )


def test_a_decision_without_a_reason_or_with_a_forged_one_changes_nothing(mona_client, queue_world):
    idea, rude, held = queue_world
    entries = AuditEntry.objects.count()
    missing = mona_client.post(f"/moderation/items/comment/{rude.pk}/hide/", {"preset": "", "reason": " "})
    assert missing.status_code == 400 and "Give a reason" in missing.content.decode()
    forged = mona_client.post(
        f"/moderation/items/comment/{rude.pk}/hide/", {"preset": "because", "reason": ""}
    )
    assert forged.status_code == 400 and "Select a valid choice" in forged.content.decode()
    rude.refresh_from_db()
    assert rude.visibility == Visibility.PUBLIC and AuditEntry.objects.count() == entries


def test_a_ban_needs_a_confirmation(mona_client, bob):
    data = {"type": "ban", "preset": "abusive", "reason": "Threats"}
    refused = mona_client.post(f"/moderation/members/{bob.pk}/sanction/", data)
    assert refused.status_code == 400 and "confirm the ban" in refused.content.decode()
    bob.refresh_from_db()
    assert bob.banned_at is None
    mona_client.post(f"/moderation/members/{bob.pk}/sanction/", {**data, "confirm_ban": "on"})
    bob.refresh_from_db()
    assert (
        bob.banned_at is not None
        and Sanction.objects.get(member=bob).reason == "Abusive or harassing: Threats"
    )


def _row(page: str, entry: AuditEntry) -> str:
    return re.search(rf'<tr data-entry="{entry.pk}">.*?</tr>', page, re.S).group(0)


def test_the_audit_log_reads_as_labels_and_values_with_links(client, adam, mona, rita, alice, bob):
    idea = make_idea(author=alice, title="Solar charging")
    comment = comment_post(author=bob, idea=idea, body="Needs a bigger panel")
    idea_set_status(idea=idea, changed_by=rita, status="planned", note="Next quarter")
    status = AuditEntry.objects.get(action="status")
    services.content_hide(moderator=mona, kind="comment", object_id=comment.pk, reason="Rude")
    hide = AuditEntry.objects.get(action="hide")
    camera = ProductFactory(name="Camera app")
    services.idea_move(moderator=mona, idea_id=idea.pk, reason="Belongs there", product=camera)
    move = AuditEntry.objects.get(action="move")
    newbie = MemberFactory(display_name="Newbie")
    role_grant(member=newbie, role=Role.MODERATOR, granted_by=adam)
    grant = AuditEntry.objects.get(action="grant_role", member=newbie)
    client.force_login(adam)
    page = client.get("/moderation/audit/").content.decode()
    assert "{&#x27;" not in page and "{'" not in page  # no Python dicts
    row = _row(page, status)
    assert "Status: New → Planned" in row and f'href="/ideas/{idea.pk}/"' in row
    row = _row(page, hide)
    assert "Visibility: public → hidden by a moderator" in row
    assert f'href="/moderation/items/comment/{comment.pk}/"' in row
    assert "Product: none → Camera app" in _row(page, move)
    row = _row(page, grant)
    assert "Roles: none → Moderator" in row and f'href="/staff/members/{newbie.pk}/"' in row


def test_the_audit_log_filters_by_actor_action_and_target_type(mona_client, mona, rita, alice, bob):
    idea = make_idea(author=alice, title="Solar charging")
    comment = comment_post(author=bob, idea=idea, body="Needs a bigger panel")
    idea_set_status(idea=idea, changed_by=rita, status="planned", note="Next quarter")
    services.content_hide(moderator=mona, kind="comment", object_id=comment.pk, reason="Rude")
    services.idea_lock(moderator=mona, idea_id=idea.pk, locked=True, reason="Heated")

    def shown(query):
        page = mona_client.get("/moderation/audit/", query).content.decode()
        return set(re.findall(r"<td>(Next quarter|Rude|Heated)</td>", page))

    assert shown({}) == {"Next quarter", "Rude", "Heated"}
    assert shown({"actor": "Mona"}) == {"Rude", "Heated"}
    assert shown({"action": "status"}) == {"Next quarter"}
    assert shown({"kind": "comment"}) == {"Rude"}
    assert shown({"kind": "idea", "actor": "mona"}) == {"Heated"}
    assert mona_client.get("/moderation/audit/", {"kind": "spaceship"}).status_code == 400


@pytest.mark.parametrize("rounds", [1, 4])
def test_the_audit_log_costs_the_same_queries_however_many_entries(
    client, adam, mona, rita, alice, bob, rounds, django_assert_num_queries, member_cache
):
    product = ProductFactory()
    for n in range(rounds):
        idea = make_idea(author=alice, title=f"Idea {n}")
        comment = comment_post(author=bob, idea=idea, body=f"Comment {n}")
        idea_set_status(idea=idea, changed_by=rita, status="planned", note="Soon")
        services.content_hide(moderator=mona, kind="comment", object_id=comment.pk, reason="Rude")
        services.idea_move(moderator=mona, idea_id=idea.pk, reason="There", product=product)
        role_grant(member=MemberFactory(), role=Role.RND, granted_by=adam)
    client.force_login(adam)
    client.get("/moderation/audit/")
    # the two-factor check, the page of entries (actors and members joined), the products they name;
    # the logged-in member comes from the cache (member_cache: the same on SQLite and with Redis)
    with django_assert_num_queries(3):
        page = client.get("/moderation/audit/")
    assert page.content.decode().count("data-entry=") == AuditEntry.objects.count() == 3 + 4 * rounds
