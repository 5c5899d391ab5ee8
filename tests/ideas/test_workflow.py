"""Status workflow with public notes that reach every supporter; follows, official responses, history."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from ideas.models import Comment, Idea
from ideas.services import comment_post, comment_update, follow_set, idea_set_status, idea_update
from notifications.models import Notification
from voting.services import vote_cast

from ..factories import MemberFactory, make_idea

pytestmark = pytest.mark.django_db


def test_status_change_notifies_every_voter_follower_and_the_author_once(
    client, alice, rita, django_capture_on_commit_callbacks
):
    idea = make_idea(author=alice)
    voters = MemberFactory.create_batch(3)
    for voter in voters:
        vote_cast(member=voter, idea_id=idea.pk)
    follower = MemberFactory()
    follow_set(member=follower, idea=idea, following=True)
    follow_set(member=voters[0], idea=idea, following=True)  # votes and follows: still one notification
    with django_capture_on_commit_callbacks(execute=True):
        idea_set_status(idea=idea, changed_by=rita, status="planned", note="Coming in the spring release.")
    recipients = list(
        Notification.objects.filter(kind="status_changed").values_list("recipient_id", flat=True)
    )
    assert sorted(recipients) == sorted([alice.pk, follower.pk, *[v.pk for v in voters]])
    client.force_login(follower)
    inbox = client.get("/notifications/")
    assert b"Coming in the spring release." in inbox.content
    assert b'class="count"' in client.get("/ideas/").content
    client.post("/notifications/read/")
    assert b'class="count"' not in client.get("/ideas/").content


def test_status_rules(alice, rita):
    idea = make_idea()
    with pytest.raises(PermissionDenied):
        idea_set_status(idea=idea, changed_by=alice, status="planned", note="x")
    with pytest.raises(ValidationError, match="public note"):
        idea_set_status(idea=idea, changed_by=rita, status="planned", note=" ")
    with pytest.raises(ValidationError, match="cannot become"):
        idea_set_status(idea=idea, changed_by=rita, status="shipped", note="skip ahead")
    with pytest.raises(ValidationError):
        idea_set_status(idea=idea, changed_by=rita, status="merged", note="use merge")
    for status in ("under_review", "planned", "in_progress", "shipped"):
        idea_set_status(idea=idea, changed_by=rita, status=status, note=f"now {status}")
    assert Idea.objects.get(pk=idea.pk).status == "shipped"
    assert idea.status_changes.count() == 4


def test_status_page_shows_errors_to_rnd(client, rita):
    idea = make_idea()
    client.force_login(rita)
    page = client.post(f"/ideas/{idea.pk}/status/", {"status": "shipped", "note": "x"}, follow=True)
    assert b"cannot become" in page.content


def test_official_responses_are_marked_pinned_and_refused_to_customers(
    client, alice, rita, carl, django_capture_on_commit_callbacks
):
    idea = make_idea(author=alice)
    with pytest.raises(PermissionDenied):
        comment_post(author=alice, idea=idea, body="I am official", official=True)
    with django_capture_on_commit_callbacks(execute=True):
        answer = comment_post(author=carl, idea=idea, body="We hear you", official=True)
    assert answer.is_official
    client.force_login(rita)
    client.post(f"/ideas/{idea.pk}/comments/{answer.pk}/pin/", {"pin": "1"})
    page = client.get(idea.get_absolute_url()).content.decode()
    assert "Official response" in page and f'id="pinned-{answer.pk}"' in page
    assert Notification.objects.filter(kind="official_response", recipient=alice).exists()
    client.force_login(alice)
    assert client.post(f"/ideas/{idea.pk}/comments/{answer.pk}/pin/", {"pin": "0"}).status_code == 403
    assert Comment.objects.get(pk=answer.pk).pinned_at is not None


def test_edit_history_for_ideas_and_comments(client, alice, bob, rita):
    idea = make_idea(author=alice, title="First title", body="First body")
    idea_update(idea=idea, editor=alice, title="Better title", body="Better body")
    comment = comment_post(author=alice, idea=idea, body="Typo here")
    comment_update(comment=comment, editor=alice, body="No typo")
    with pytest.raises(PermissionDenied):
        comment_update(comment=comment, editor=bob, body="hijack")
    for viewer, allowed in ((alice, True), (rita, True), (bob, False)):
        client.force_login(viewer)
        response = client.get(f"/ideas/{idea.pk}/history/")
        assert (response.status_code == 200) is allowed
        if allowed:
            assert b"First title" in response.content and b"Typo here" in response.content


def test_follow_without_voting(client, alice):
    idea = make_idea()
    client.force_login(alice)
    client.post(f"/ideas/{idea.pk}/follow/", {"follow": "1"})
    assert idea.follows.filter(member=alice).exists()
    assert b"Following" in client.get(idea.get_absolute_url()).content
    client.post(f"/ideas/{idea.pk}/follow/", {"follow": "0"})
    assert not idea.follows.filter(member=alice).exists()


def png(size=(1200, 900)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(buffer, format="PNG")
    return SimpleUploadedFile("sketch.png", buffer.getvalue(), content_type="image/png")


def test_images_are_attached_with_thumbnails(alice_client):
    response = alice_client.post(
        "/ideas/new/", {"title": "With a sketch", "body": "See image", "images": [png()]}
    )
    idea = Idea.objects.get()
    assert response.status_code == 302
    attachment = idea.images.get()
    with Image.open(attachment.thumbnail.path) as thumb:
        assert max(thumb.size) == 320
    assert attachment.thumbnail.url.encode() in alice_client.get(idea.get_absolute_url()).content


@pytest.mark.parametrize(
    "upload, message",
    [
        (
            SimpleUploadedFile("fake.png", b"GIF89a<script>alert(1)</script>", content_type="image/png"),
            b"not an image",
        ),
        (
            SimpleUploadedFile(
                "huge.png", b"\x89PNG" + b"0" * (8 * 1024 * 1024 + 1), content_type="image/png"
            ),
            b"too large",
        ),
    ],
)
def test_fake_or_oversize_images_refuse_the_post_and_keep_the_text(alice_client, upload, message):
    response = alice_client.post("/ideas/new/", {"title": "Keep me", "body": "My text", "images": [upload]})
    assert response.status_code == 400 and message in response.content
    assert b"My text" in response.content and not Idea.objects.exists()


def test_preview_uses_the_same_sanitiser(alice_client):
    html = alice_client.post("/ideas/preview/", {"body": "**bold** <script>x()</script>"}).json()["html"]
    assert "<strong>bold</strong>" in html and "<script>" not in html


@pytest.mark.parametrize("sort", ["discussed", "trending"])
def test_most_discussed_and_trending_sorts(django_capture_on_commit_callbacks, client, alice, bob, sort):
    busy = make_idea(title="Busy")
    make_idea(title="Quiet")  # newer: first when nothing else tells them apart
    with django_capture_on_commit_callbacks(execute=True):
        comment_post(author=alice, idea=busy, body="a")
        vote_cast(member=alice, idea_id=busy.pk)
        vote_cast(member=bob, idea_id=busy.pk)
    titles = [i.title for i in client.get(f"/ideas/?sort={sort}").context["page"].ideas]
    assert titles == ["Busy", "Quiet"]


def test_refresh_scores_ages_out_old_votes(django_capture_on_commit_callbacks, alice, bob):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from voting.models import Vote

    idea = make_idea()
    with django_capture_on_commit_callbacks(execute=True):
        vote_cast(member=alice, idea_id=idea.pk)
        vote_cast(member=bob, idea_id=idea.pk)
    assert Idea.objects.get(pk=idea.pk).trending_score == 2
    Vote.objects.filter(member=alice).update(created_at=timezone.now() - timedelta(days=8))
    call_command("refresh_scores", "--all", "--no-progress")
    assert Idea.objects.get(pk=idea.pk).trending_score == 1
