"""The audit log: every staff action recorded with before/after, searchable, never editable."""

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from community.roles import Role
from community.services import role_grant
from ideas.services import comment_pin, comment_post, idea_merge, idea_set_status, idea_unmerge
from moderation import integrity, services
from moderation.models import AuditEntry, Sanction

from ..factories import MemberFactory, make_idea

pytestmark = pytest.mark.django_db


def test_every_staff_action_is_recorded(mona, rita, adam, alice, bob):
    idea = make_idea(author=alice, title="Solar charging")
    comment = comment_post(author=bob, idea=idea, body="Needs a bigger panel")
    start = AuditEntry.objects.count()
    services.content_hide(moderator=mona, kind="comment", object_id=comment.pk, reason="r1")
    services.content_restore(moderator=mona, kind="comment", object_id=comment.pk, reason="r2")
    services.content_edit(
        moderator=mona, kind="comment", object_id=comment.pk, body="Bigger panel", reason="r3"
    )
    services.idea_lock(moderator=mona, idea_id=idea.pk, locked=True, reason="r4")
    sanction = services.member_sanction(
        moderator=mona, member_id=bob.pk, type=Sanction.Type.WARNING, reason="r6"
    )
    services.sanction_lift(moderator=mona, sanction=sanction, reason="r7")
    idea_set_status(idea=idea, changed_by=rita, status="under_review", note="r8")
    comment_pin(comment=comment, pinned_by=mona, pinned=True)  # a member's comment: moderators pin it
    merge = idea_merge(source=make_idea(title="Dup"), target=idea, merged_by=rita, note="r9")
    idea_unmerge(merge=merge, undone_by=rita)
    role_grant(member=MemberFactory(), role=Role.MODERATOR, granted_by=adam)
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))[start:]
    assert actions == [
        "hide", "restore", "edit", "lock", "warn", "lift", "status", "pin", "merge", "unmerge", "grant_role",
    ]  # fmt: skip
    edit = AuditEntry.objects.get(action="edit")
    assert (edit.actor, edit.member, edit.reason) == (mona, bob, "r3")
    assert edit.before == {"body": "Needs a bigger panel"} and edit.after == {"body": "Bigger panel"}


def test_entries_cannot_be_changed_or_deleted(mona, alice):
    idea = make_idea(author=alice)
    entry = services.content_hide(moderator=mona, kind="idea", object_id=idea.pk, reason="Spam")
    entry.reason = "Nothing to see"
    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        entry.delete()
    with pytest.raises(DatabaseError), transaction.atomic():  # the database refuses an UPDATE too
        AuditEntry.objects.filter(pk=entry.pk).update(reason="Nothing to see")
    assert AuditEntry.objects.get(pk=entry.pk).reason == "Spam"


def test_the_admin_shows_entries_read_only(client, adam, mona, alice):
    entry = services.content_hide(
        moderator=mona, kind="idea", object_id=make_idea(author=alice).pk, reason="x"
    )
    client.force_login(adam)
    url = f"/admin/moderation/auditentry/{entry.pk}/change/"
    assert client.get(url).status_code == 200  # viewable
    client.post(url, {"reason": "rewritten"})
    assert client.post(f"/admin/moderation/auditentry/{entry.pk}/delete/").status_code == 403
    assert AuditEntry.objects.get(pk=entry.pk).reason == "x"
    assert client.post("/moderation/audit/", {"reason": "rewritten"}).status_code == 405


def test_moderators_search_the_log(mona_client, mona, alice, bob):
    idea = make_idea(author=alice, title="Wireless charging")
    services.content_hide(moderator=mona, kind="idea", object_id=idea.pk, reason="Duplicate of #12")
    services.member_sanction(moderator=mona, member_id=bob.pk, type="warning", reason="Tone in comments")
    integrity.detect()
    page = mona_client.get("/moderation/audit/?q=duplicate").content.decode()
    assert "Wireless charging" in page and "Tone in comments" not in page
    page = mona_client.get("/moderation/audit/?action=warn").content.decode()
    assert "Tone in comments" in page and "Duplicate of #12" not in page
    page = mona_client.get("/moderation/audit/?actor=mona").content.decode()
    assert "Tone in comments" in page and "Duplicate of #12" in page
    assert mona_client.get("/moderation/audit/?action=explode").status_code == 400
