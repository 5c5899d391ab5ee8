"""Flags, hiding and restoring, holding and approving: content and counts come back exactly."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ideas.models import Comment, Idea, Visibility
from ideas.services import comment_post
from moderation import services
from moderation.models import AuditEntry, Case, Flag
from notifications.models import Notification
from voting.services import vote_cast

from ..factories import MemberFactory, make_idea

pytestmark = pytest.mark.django_db


def counters(idea):
    idea.refresh_from_db()
    return (idea.upvote_count, idea.downvote_count, idea.comment_count, idea.hot_score, idea.top_score)


def test_hide_and_restore_a_comment_leaves_content_and_counts_as_before(client, mona, alice, bob):
    idea = make_idea(author=alice, title="Dark mode")
    vote_cast(member=bob, idea_id=idea.pk)
    comment = comment_post(author=bob, idea=idea, body="You are all **idiots**")
    comment_post(author=alice, idea=idea, body="Please be kind", parent=comment)
    before = counters(idea)
    body, body_html = comment.body, comment.body_html

    services.content_hide(moderator=mona, kind="comment", object_id=comment.pk, reason="Insults")
    assert counters(idea)[2] == before[2] - 1
    page = client.get(idea.get_absolute_url()).content.decode()
    assert "idiots" not in page
    assert "This comment was hidden by a moderator." in page  # the reply under it still reads
    assert "Please be kind" in page

    services.content_restore(moderator=mona, kind="comment", object_id=comment.pk, reason="On appeal")
    comment.refresh_from_db()
    assert counters(idea) == before
    assert (comment.body, comment.body_html, comment.visibility) == (body, body_html, Visibility.PUBLIC)
    assert "idiots" in client.get(idea.get_absolute_url()).content.decode()


def test_hide_and_restore_an_idea_keeps_votes_comments_and_scores(client, mona, alice, bob):
    idea = make_idea(author=alice, title="Night mode for maps")
    vote_cast(member=bob, idea_id=idea.pk)
    comment_post(author=bob, idea=idea, body="Yes please")
    before = counters(idea)

    services.content_hide(moderator=mona, kind="idea", object_id=idea.pk, reason="Off-topic")
    assert client.get(idea.get_absolute_url()).status_code == 404
    assert "Night mode for maps" not in client.get("/ideas/").content.decode()
    assert counters(idea) == before

    services.content_restore(moderator=mona, kind="idea", object_id=idea.pk, reason="Belongs here after all")
    assert counters(idea) == before
    assert client.get(idea.get_absolute_url()).status_code == 200
    assert "Night mode for maps" in client.get("/ideas/").content.decode()


def test_the_author_sees_why_their_comment_was_hidden_and_is_told(
    client, mona, alice, bob, django_capture_on_commit_callbacks
):
    idea = make_idea(author=alice)
    comment = comment_post(author=bob, idea=idea, body="Buy my stuff")
    with django_capture_on_commit_callbacks(execute=True):
        entry = services.content_hide(
            moderator=mona, kind="comment", object_id=comment.pk, reason="Advertising"
        )
    client.force_login(bob)
    page = client.get(idea.get_absolute_url()).content.decode()
    assert "Hidden by a moderator" in page and "Advertising" in page and entry.get_absolute_url() in page
    notice = Notification.objects.get(recipient=bob, kind=Notification.Kind.MODERATION)
    assert "Advertising" in notice.message and notice.url == entry.get_absolute_url()
    client.force_login(alice)  # others see neither the text nor the reason
    page = client.get(idea.get_absolute_url()).content.decode()
    assert "Buy my stuff" not in page and "Advertising" not in page


def test_enough_trusted_flags_hold_content_pending_review(mona, alice, bob, newcomer, settings):
    settings.FLAGS_TO_HOLD = 2
    idea = make_idea(author=alice)
    comment = comment_post(author=bob, idea=idea, body="Rude remark")
    services.flag_create(reporter=newcomer, kind="comment", object_id=comment.pk, reason="abuse")
    comment.refresh_from_db()
    assert comment.visibility == Visibility.PUBLIC  # a newcomer's flag alone does not hide anything
    services.flag_create(reporter=alice, kind="comment", object_id=comment.pk, reason="abuse")
    services.flag_create(
        reporter=MemberFactory(), kind="comment", object_id=comment.pk, reason="other", text="Mean"
    )
    comment.refresh_from_db()
    assert comment.visibility == Visibility.HELD
    case = Case.objects.get(kind="comment", object_id=comment.pk, state="open")
    assert (case.flag_count, case.trusted_flag_count, case.held) == (3, 2, True)
    assert AuditEntry.objects.filter(action="hold", actor=None, object_id=comment.pk).exists()
    # Dismissing the flags publishes it again and closes the case.
    services.case_dismiss(moderator=mona, case=case, reason="Blunt but fine")
    comment.refresh_from_db()
    case.refresh_from_db()
    assert comment.visibility == Visibility.PUBLIC and case.state == "closed"
    assert Idea.objects.get(pk=idea.pk).comment_count == 1


def test_bad_flags_are_refused_and_change_nothing(alice, bob):
    idea = make_idea(author=alice)
    with pytest.raises(ValidationError, match="your own"):
        services.flag_create(reporter=alice, kind="idea", object_id=idea.pk, reason="spam")
    with pytest.raises(ValidationError):
        services.flag_create(reporter=bob, kind="idea", object_id=idea.pk, reason="boring")
    with pytest.raises(ValidationError):
        services.flag_create(reporter=bob, kind="idea", object_id=idea.pk, reason="other", text="  ")
    services.flag_create(reporter=bob, kind="idea", object_id=idea.pk, reason="duplicate")
    with pytest.raises(ValidationError, match="already flagged"):
        services.flag_create(reporter=bob, kind="idea", object_id=idea.pk, reason="spam")
    assert Flag.objects.count() == 1


def test_held_spam_is_invisible_to_others_until_approved(client, newcomer, mona, alice, bob):
    idea = make_idea(author=alice)
    client.force_login(newcomer)
    response = client.post(f"/ideas/{idea.pk}/comments/", {"body": "Great casino bonus, buy now at our site"})
    assert response.status_code == 302
    comment = Comment.objects.get(author=newcomer)
    assert comment.visibility == Visibility.HELD
    assert "waiting for a moderator" in client.get(response["Location"]).content.decode()
    idea.refresh_from_db()
    assert idea.comment_count == 0

    client.force_login(bob)
    assert "casino" not in client.get(idea.get_absolute_url()).content.decode()
    case = Case.objects.get(kind="comment", object_id=comment.pk)
    assert case.source == "spam" and any("spam phrases" in s for s in case.spam_signals)

    services.content_restore(moderator=mona, kind="comment", object_id=comment.pk, reason="Looks genuine")
    assert "casino" in client.get(idea.get_absolute_url()).content.decode()
    idea.refresh_from_db()
    assert idea.comment_count == 1
    assert AuditEntry.objects.filter(action="approve", object_id=comment.pk, actor=mona).exists()


def test_held_ideas_stay_out_of_lists_and_search_until_approved(client, newcomer, mona):
    from ideas.services import idea_submit

    idea = idea_submit(author=newcomer, title="Cheap SEO services", body="Click here for seo services")
    assert idea.visibility == Visibility.HELD
    assert "Cheap SEO" not in client.get("/ideas/").content.decode()
    assert client.get(idea.get_absolute_url()).status_code == 404
    services.content_restore(moderator=mona, kind="idea", object_id=idea.pk, reason="Fine")
    assert client.get(idea.get_absolute_url()).status_code == 200


def test_trusted_members_are_not_held_by_the_spam_filter(alice, bob):
    idea = make_idea(author=alice)
    comment = comment_post(author=bob, idea=idea, body="Click here: https://a.example https://b.example")
    assert comment.visibility == Visibility.PUBLIC


def test_repeated_text_and_posting_velocity_are_spam_signals(newcomer, alice):
    from moderation import spam

    idea = make_idea(author=alice)
    comment_post(author=alice, idea=idea, body="Totally legit message for everyone here")
    assert any(
        "repeated" in s
        for s in spam.signals(author=newcomer, text="Totally legit message for everyone here!")
    )
    assert spam.signals(author=newcomer, text="A different thought about offline maps") == []
    for n in range(4):
        Comment.objects.create(idea=idea, author=newcomer, body=f"note {n}", body_html="")
    assert any("velocity" in s for s in spam.signals(author=newcomer, text="And one more"))


def test_lock_stops_new_comments_and_unlock_reopens(client, mona, alice, bob):
    idea = make_idea(author=alice)
    services.idea_lock(moderator=mona, idea_id=idea.pk, locked=True, reason="Heated")
    client.force_login(bob)
    response = client.post(f"/ideas/{idea.pk}/comments/", {"body": "One more thing"})
    assert response.status_code == 400 and "locked this discussion" in response.content.decode()
    assert not Comment.objects.filter(idea=idea).exists()
    services.idea_lock(moderator=mona, idea_id=idea.pk, locked=False, reason="Calmer now")
    assert client.post(f"/ideas/{idea.pk}/comments/", {"body": "One more thing"}).status_code == 302


def test_edit_with_reason_keeps_the_old_text_in_history(mona, alice):
    from ideas.models import IdeaRevision

    idea = make_idea(author=alice, title="Offline maps", body="Call me at 555-1234")
    entry = services.content_edit(
        moderator=mona, kind="idea", object_id=idea.pk, title="Offline maps", body="Call me (removed)",
        reason="Personal data",
    )  # fmt: skip
    idea.refresh_from_db()
    assert idea.body == "Call me (removed)"
    assert IdeaRevision.objects.get(idea=idea).body == "Call me at 555-1234"
    assert entry.before["body"] == "Call me at 555-1234" and entry.after["body"] == "Call me (removed)"


def test_move_and_merge_from_moderation(mona, alice):
    from ..factories import ProductFactory

    product = ProductFactory()
    duplicate, original = make_idea(author=alice, title="Dup"), make_idea(title="Original")
    services.idea_move(moderator=mona, idea_id=duplicate.pk, product=product, reason="Wrong product")
    duplicate.refresh_from_db()
    assert duplicate.product == product
    services.flag_create(reporter=MemberFactory(), kind="idea", object_id=duplicate.pk, reason="duplicate")
    services.idea_merge_duplicate(moderator=mona, idea_id=duplicate.pk, target_id=original.pk, reason="Same")
    duplicate.refresh_from_db()
    assert duplicate.merged_into == original
    assert not Case.objects.filter(object_id=duplicate.pk, kind="idea", state="open").exists()


def test_moderation_needs_the_moderator_role(alice, rita, bob):
    idea = make_idea(author=bob)
    for user in (alice, rita):
        with pytest.raises(PermissionDenied):
            services.content_hide(moderator=user, kind="idea", object_id=idea.pk, reason="No")
    idea.refresh_from_db()
    assert idea.visibility == Visibility.PUBLIC


def test_hidden_pins_and_profiles(client, mona, alice, bob):
    bob.bio = "Visit my shop"
    bob.save(update_fields=["bio"])
    services.content_hide(moderator=mona, kind="member", object_id=bob.pk, reason="Advertising")
    page = client.get(bob.get_absolute_url()).content.decode()
    assert "Visit my shop" not in page and "hid this profile" in page
    services.content_restore(moderator=mona, kind="member", object_id=bob.pk, reason="Removed the ad")
    assert "Visit my shop" in client.get(bob.get_absolute_url()).content.decode()
