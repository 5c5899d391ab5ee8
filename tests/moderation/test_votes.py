"""Suspicious voting: detection, discounting with exact counts, restoring the same numbers."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ideas.models import Idea
from ideas.selectors import idea_for_page
from moderation import integrity, services
from moderation.models import VoteAlert
from voting.models import Vote
from voting.services import vote_cast, vote_withdraw

from ..factories import MemberFactory, make_idea

pytestmark = pytest.mark.django_db


def counts(idea):
    idea.refresh_from_db()
    return idea.upvote_count, idea.downvote_count, idea.hot_score, idea.top_score


@pytest.fixture
def ring(django_capture_on_commit_callbacks):
    """Five fresh accounts voting for the same three ideas, and honest members voting as they like."""
    ideas = [make_idea(title=f"Pushed idea {n}") for n in range(3)]
    puppets = [MemberFactory(date_joined=timezone.now()) for _ in range(5)]
    with django_capture_on_commit_callbacks(execute=True):  # the scores follow the votes
        for puppet in puppets:
            for idea in ideas:
                vote_cast(member=puppet, idea_id=idea.pk)
        honest = MemberFactory(date_joined=timezone.now() - timedelta(days=300))
        vote_cast(member=honest, idea_id=ideas[0].pk)
    return ideas, puppets, honest


def test_detects_rings_and_bursts_once(ring):
    ideas, puppets, honest = ring
    created = integrity.detect()
    kinds = sorted(alert.type for alert in created)
    assert kinds == ["burst", "burst", "burst", "ring"]
    ring_alert = next(a for a in created if a.type == "ring")
    assert ring_alert.member_ids == sorted(p.pk for p in puppets)
    assert ring_alert.idea_ids == sorted(i.pk for i in ideas)
    assert honest.pk not in ring_alert.member_ids
    assert integrity.detect() == []  # the same votes are not reported twice


def test_quiet_voting_raises_no_alert():
    idea = make_idea()
    for _ in range(4):  # below the burst size
        vote_cast(member=MemberFactory(date_joined=timezone.now()), idea_id=idea.pk)
    for _ in range(3):  # old accounts
        vote_cast(member=MemberFactory(date_joined=timezone.now() - timedelta(days=90)), idea_id=idea.pk)
    assert integrity.detect() == []


def test_discount_changes_counts_and_restore_brings_the_same_numbers_back(ring, mona):
    ideas, puppets, honest = ring
    alert = next(a for a in integrity.detect() if a.type == "ring")
    before = [counts(idea) for idea in ideas]
    assert before[0][0] == 6

    services.votes_discount(moderator=mona, alert=alert, reason="Sock puppets")
    assert [counts(idea)[0] for idea in ideas] == [1, 0, 0]
    assert Vote.objects.filter(member__in=puppets).count() == 15  # nothing deleted
    # A discounted voter still sees their own vote.
    assert idea_for_page(user=puppets[0], pk=ideas[0].pk).my_vote == 1

    services.votes_restore(moderator=mona, alert=alert, reason="Turned out to be a real team")
    assert [counts(idea) for idea in ideas] == before


def test_votes_on_discounted_rows_keep_counts_exact(ring, mona):
    ideas, puppets, honest = ring
    alert = next(a for a in integrity.detect() if a.type == "ring")
    services.votes_discount(moderator=mona, alert=alert, reason="Sock puppets")
    vote_cast(member=puppets[0], idea_id=ideas[0].pk, value=-1)  # flipping a discounted vote
    vote_withdraw(member=puppets[1], idea_id=ideas[0].pk)  # withdrawing one
    vote_cast(member=MemberFactory(), idea_id=ideas[0].pk)  # an honest new vote
    idea = Idea.objects.get(pk=ideas[0].pk)
    counted = Vote.objects.counted().filter(idea=idea)
    assert idea.upvote_count == counted.filter(value=1).count() == 2
    assert idea.downvote_count == counted.filter(value=-1).count() == 0
    services.votes_restore(moderator=mona, alert=alert, reason="Real")
    idea.refresh_from_db()
    assert idea.upvote_count == Vote.objects.filter(idea=idea, value=1).count()
    assert idea.downvote_count == Vote.objects.filter(idea=idea, value=-1).count() == 1


def test_vote_review_actions_check_state_and_role(ring, mona, alice):
    from django.core.exceptions import PermissionDenied

    alert = integrity.detect()[0]
    with pytest.raises(PermissionDenied):
        services.votes_discount(moderator=alice, alert=alert, reason="x")
    with pytest.raises(services.AlreadyDone):
        services.votes_restore(moderator=mona, alert=alert, reason="nothing to restore")
    services.alert_dismiss(moderator=mona, alert=alert, reason="Launch day")
    alert.refresh_from_db()
    assert alert.state == VoteAlert.State.DISMISSED


def test_alerts_page_and_scan(mona_client, ring):
    response = mona_client.post("/moderation/votes/scan/")
    assert response.status_code == 302
    page = mona_client.get("/moderation/votes/").content.decode()
    assert "accounts voted for the same 3 ideas" in page
    alert = VoteAlert.objects.get(type="ring")
    ideas = ring[0]
    response = mona_client.post(f"/moderation/votes/{alert.pk}/discount/", {"reason": "Puppets"})
    assert response.status_code == 302
    assert Idea.objects.get(pk=ideas[1].pk).upvote_count == 0
    response = mona_client.post(f"/moderation/votes/{alert.pk}/discount/", {"reason": "Again"})
    assert response.status_code == 409
    response = mona_client.post(f"/moderation/votes/{alert.pk}/restore/", {"reason": ""})
    assert response.status_code == 400 and Idea.objects.get(pk=ideas[1].pk).upvote_count == 0


def test_scan_votes_command_reports_new_alerts(ring):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("scan_votes", "--no-progress", stdout=out)
    assert "4 new alerts." in out.getvalue() and "same 3 ideas" in out.getvalue()
    out = StringIO()
    call_command("scan_votes", "--no-progress", stdout=out)
    assert "0 new alerts." in out.getvalue()


def test_rings_that_add_a_few_votes_of_their_own_are_still_found():
    pushed = [make_idea(title=f"Pushed {n}") for n in range(4)]
    decoys = [make_idea(title=f"Decoy {n}") for n in range(5)]
    puppets = [MemberFactory(date_joined=timezone.now() - timedelta(days=60)) for _ in range(5)]
    for puppet, decoy in zip(puppets, decoys, strict=True):
        for idea in [*pushed, decoy]:  # the same four ideas plus one each, to look different
            vote_cast(member=puppet, idea_id=idea.pk)
    # Honest members share one or two popular ideas and otherwise vote their own way.
    popular = make_idea(title="Popular")
    for n in range(8):
        honest = MemberFactory(date_joined=timezone.now() - timedelta(days=200))
        vote_cast(member=honest, idea_id=popular.pk)
        vote_cast(member=honest, idea_id=pushed[n % 4].pk)
        vote_cast(member=honest, idea_id=make_idea(title=f"Own {n}").pk)
    (ring,) = [alert for alert in integrity.detect() if alert.type == "ring"]
    assert ring.member_ids == sorted(p.pk for p in puppets)
    assert ring.idea_ids == sorted(i.pk for i in pushed)
    assert len(ring.vote_ids) == 20
