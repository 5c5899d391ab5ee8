"""The hot score's time term counts from a fixed instant, whatever time zone the server runs in."""

import importlib
import time
from datetime import UTC, datetime

import pytest

from ideas import ranking


def test_the_epoch_is_an_aware_instant():
    assert ranking.EPOCH == datetime(2020, 1, 1, tzinfo=UTC)
    assert ranking.EPOCH.tzinfo is not None


def test_scores_are_unchanged():
    # 2024-01-01 UTC is 1,461 days (126,230,400 s) after 2020-01-01 UTC: 2805.12 decay periods of 45,000 s,
    # plus log10(12 - 2) = 1 for the net votes.
    posted = datetime(2024, 1, 1, tzinfo=UTC)
    assert ranking.hot_score(upvotes=12, downvotes=2, posted_at=posted) == 2806.12


@pytest.fixture
def server_in_new_york(monkeypatch):
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield importlib.reload(ranking)
    monkeypatch.undo()
    time.tzset()
    importlib.reload(ranking)


def test_scores_do_not_depend_on_the_servers_time_zone(server_in_new_york):
    posted = datetime(2024, 1, 1, tzinfo=UTC)
    assert server_in_new_york.hot_score(upvotes=12, downvotes=2, posted_at=posted) == 2806.12
