"""Saving the profile form writes the profile and the member's own segments together or not at all."""

import pytest

from community import services
from community.models import SegmentMembership

from ..factories import SegmentFactory

pytestmark = pytest.mark.django_db


def test_a_failure_saving_segments_leaves_the_profile_unchanged(monkeypatch, alice_client, alice):
    segment = SegmentFactory(is_public=True)

    def broken(**kwargs):
        raise RuntimeError("segments could not be saved")

    monkeypatch.setattr(services, "member_set_own_segments", broken)
    with pytest.raises(RuntimeError):
        alice_client.post(
            "/members/me/",
            {"display_name": "Alice Anders", "email_digest": "daily", "segments": [segment.pk]},
        )
    alice.refresh_from_db()
    assert alice.display_name == "Alice A."
    assert not SegmentMembership.objects.filter(member=alice).exists()
