import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from community.models import SegmentMembership
from community.services import member_activity

from ..factories import SegmentFactory, make_idea

pytestmark = pytest.mark.django_db
PROFILE = {
    "display_name": "Alice Anders",
    "bio": "I take photos.",
    "email_digest": "daily",
    "email_consent": "on",
    "notify_replies": "on",
}


def image_upload(size=(800, 600), fmt="JPEG", name="me.jpg"):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


def test_edit_profile_with_avatar_resized_to_a_square(alice_client, alice):
    response = alice_client.post("/members/me/", {**PROFILE, "avatar": image_upload()})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert (alice.display_name, alice.bio, alice.email_digest) == ("Alice Anders", "I take photos.", "daily")
    assert alice.email_consent and alice.email_consent_at is not None
    assert not alice.notify_status_changes and alice.notify_replies
    with Image.open(alice.avatar.path) as stored:
        assert stored.size == (256, 256) and stored.format == "PNG"


@pytest.mark.parametrize(
    "upload, message",
    [
        (
            SimpleUploadedFile("cat.png", b"<?php system($_GET['c']); ?>", content_type="image/png"),
            b"not an image",
        ),
        (SimpleUploadedFile("doc.pdf", b"%PDF-1.4 hello", content_type="application/pdf"), b"not an image"),
        (
            SimpleUploadedFile(
                "big.jpg", b"\xff\xd8" + b"0" * (8 * 1024 * 1024 + 10), content_type="image/jpeg"
            ),
            b"too large",
        ),
    ],
)
def test_bad_avatars_are_refused_and_nothing_changes(alice_client, alice, upload, message):
    response = alice_client.post("/members/me/", {**PROFILE, "avatar": upload})
    assert response.status_code == 400
    assert message in response.content
    alice.refresh_from_db()
    assert not alice.avatar and alice.display_name != "Alice Anders"


def test_members_pick_public_segments_only(alice_client, alice):
    public, private = SegmentFactory(), SegmentFactory(is_public=False)
    alice_client.post("/members/me/", {**PROFILE, "segments": [public.pk]})
    assert list(alice.segments.all()) == [public]
    forged = alice_client.post("/members/me/", {**PROFILE, "segments": [public.pk, private.pk]})
    assert forged.status_code == 400
    assert list(alice.segments.all()) == [public]


def test_customer_manager_assigns_only_their_segments(client, carl, alice):
    mine, other = SegmentFactory(), SegmentFactory()
    mine.managers.add(carl)
    client.force_login(carl)
    client.post(f"/members/{alice.pk}/segments/", {"segments": [mine.pk]})
    membership = SegmentMembership.objects.get(member=alice)
    assert (membership.segment, membership.source) == (mine, "manager")
    response = client.post(f"/members/{alice.pk}/segments/", {"segments": [other.pk]}, follow=True)
    assert b"only segments you manage" in response.content
    assert list(alice.segments.all()) == [mine]


def test_customers_cannot_assign_segments(alice_client, bob):
    segment = SegmentFactory()
    assert alice_client.post(f"/members/{bob.pk}/segments/", {"segments": [segment.pk]}).status_code == 403
    assert not bob.segments.exists()


def test_public_profile_shows_counts_but_not_private_data(client, alice, bob):
    from ideas.services import comment_post
    from voting.services import vote_cast

    segment = SegmentFactory(name="Secret segment")
    SegmentMembership.objects.create(member=alice, segment=segment)
    idea = make_idea(author=alice)
    comment_post(author=alice, idea=idea, body="hi")
    vote_cast(member=alice, idea_id=make_idea().pk)
    assert member_activity(alice) == {"ideas": 1, "comments": 1, "votes": 1}
    client.force_login(bob)
    page = client.get(f"/members/{alice.pk}/")
    assert b"Secret segment" not in page.content and b"alice@example.com" not in page.content
    assert b"<strong>1</strong> ideas" in page.content
    client.force_login(alice)
    assert b"Secret segment" in client.get(f"/members/{alice.pk}/").content
