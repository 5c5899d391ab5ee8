from datetime import UTC, datetime, timedelta

from ideas.ranking import hot_score, top_score

NOON = datetime(2026, 11, 1, 12, tzinfo=UTC)


def test_hot_prefers_more_votes_at_the_same_age():
    assert hot_score(upvotes=10, downvotes=0, posted_at=NOON) > hot_score(
        upvotes=2, downvotes=0, posted_at=NOON
    )


def test_hot_decays_with_age():
    # 12.5 hours newer weighs as much as ten times the net votes.
    older = hot_score(upvotes=100, downvotes=0, posted_at=NOON)
    newer = hot_score(upvotes=10, downvotes=0, posted_at=NOON + timedelta(seconds=45000))
    assert abs(older - newer) < 1e-6
    assert hot_score(upvotes=10, downvotes=0, posted_at=NOON + timedelta(days=2)) > older


def test_hot_goes_down_with_net_negative_votes():
    assert hot_score(upvotes=0, downvotes=10, posted_at=NOON) < hot_score(
        upvotes=0, downvotes=0, posted_at=NOON
    )


def test_top_is_wilson_lower_bound():
    assert top_score(upvotes=0, downvotes=0) == 0
    assert top_score(upvotes=50, downvotes=0) > top_score(upvotes=1, downvotes=0)
    assert top_score(upvotes=90, downvotes=10) > top_score(upvotes=9, downvotes=1)
    # Worked example: 9 up, 1 down → 0.5958 (Wilson, z = 1.96).
    assert round(top_score(upvotes=9, downvotes=1), 4) == 0.5958
