"""What follows votes (ranking scores, search vote counts) runs once per idea and 10-second window."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cocreate.cache import shared_redis
from ideas.models import Idea
from ideas.ranking import hot_score, top_score
from ideas.services import rescore_ideas
from search.models import IdeaDocument
from voting import windows
from voting.models import Vote
from voting.services import vote_cast
from voting.tasks import refresh_voted_ideas_of_window

from ..factories import MemberFactory, make_idea

pytestmark = pytest.mark.django_db

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # backends rebuilt on change


def ranking(idea):
    return Idea.objects.values_list("upvote_count", "top_score", "trending_score").get(pk=idea.pk)


@pytest.mark.skipif(shared_redis() is None, reason="the vote windows gather in Redis")
def test_votes_of_one_window_are_one_queued_refresh(
    settings, django_capture_on_commit_callbacks, monkeypatch, alice, bob
):
    """With Redis and a queue that runs tasks later (production), every idea voted on in a window is
    rescored and its search document's count rewritten by one task queued for the window's end. Until
    then the counters are already exact; only the place in the sorted lists waits."""
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=True):  # indexed at once
        first, second = make_idea(title="Fan noise"), make_idea(title="Quiet mode")
    settings.TASKS = DATABASE_QUEUE
    monkeypatch.setattr(windows, "current_window", lambda: 177_000_000)
    monkeypatch.setattr(windows, "_added_here", {"window": None, "ideas": set(), "asked": False})
    for voter, idea in ((alice, first), (bob, first), (alice, second), (bob, second)):
        with django_capture_on_commit_callbacks(execute=True):
            vote_cast(member=voter, idea_id=idea.pk)

    (queued,) = DBTaskResult.objects.all()
    assert queued.task_path == "voting.tasks.refresh_voted_ideas_of_window"
    assert queued.run_after.timestamp() == 177_000_001 * windows.WINDOW_SECONDS + 1
    assert shared_redis().scard(windows._window_key(177_000_000)) == 2
    assert ranking(first) == (2, 0.0, 0)  # counted at once, ranked later
    assert IdeaDocument.objects.get(pk=first.pk).votes == 0

    assert refresh_voted_ideas_of_window.call(**queued.args_kwargs["kwargs"]) == 2
    for idea in (first, second):
        upvotes, top, trending = ranking(idea)
        assert (upvotes, trending) == (2, 2) and top > 0
        assert IdeaDocument.objects.get(pk=idea.pk).votes == 2
    assert refresh_voted_ideas_of_window.call(window=177_000_000) == 0  # taken: never twice


@pytest.mark.skipif(shared_redis() is None, reason="the vote windows gather in Redis")
def test_every_process_adds_to_the_window_and_only_the_first_queues_its_task(
    settings, django_capture_on_commit_callbacks, monkeypatch, alice, bob
):
    from django_tasks_db.models import DBTaskResult

    ideas = [make_idea(title=title) for title in ("Fan noise", "Quiet mode", "Dark theme")]
    settings.TASKS = DATABASE_QUEUE
    monkeypatch.setattr(windows, "current_window", lambda: 177_000_100)
    for idea in ideas:  # each vote as if from another web process, which has seen nothing of this window
        monkeypatch.setattr(windows, "_added_here", {"window": None, "ideas": set(), "asked": False})
        with django_capture_on_commit_callbacks(execute=True):
            vote_cast(member=alice, idea_id=idea.pk)

    assert DBTaskResult.objects.count() == 1
    assert shared_redis().scard(windows._window_key(177_000_100)) == 3
    assert refresh_voted_ideas_of_window.call(window=177_000_100) == 3


@pytest.mark.skipif(shared_redis() is not None, reason="without Redis only")
def test_votes_are_followed_per_idea_without_redis(settings, django_capture_on_commit_callbacks, alice, bob):
    """A process-local cache cannot gather ideas across processes: one task per idea and window."""
    from django_tasks_db.models import DBTaskResult

    idea = make_idea(title="Fan noise")
    settings.TASKS = DATABASE_QUEUE
    for voter in (alice, bob):
        with django_capture_on_commit_callbacks(execute=True):
            vote_cast(member=voter, idea_id=idea.pk)

    (queued,) = DBTaskResult.objects.all()
    assert queued.task_path == "voting.tasks.refresh_voted_ideas"
    assert queued.args_kwargs["kwargs"] == {"idea_ids": [idea.pk]}
    assert queued.run_after is not None  # the end of the window


def test_rescoring_counts_this_weeks_counted_up_votes_only():
    idea = make_idea()
    members = [MemberFactory() for _ in range(5)]
    for member, value in zip(members, (1, 1, 1, 1, -1), strict=True):
        vote_cast(member=member, idea_id=idea.pk, value=value)
    Vote.objects.filter(member=members[0]).update(created_at=timezone.now() - timedelta(days=8))  # aged out
    Vote.objects.filter(member=members[1]).update(discounted_at=timezone.now())  # set aside by moderators
    rescore_ideas([idea.pk, 987654])  # a missing idea is skipped
    idea.refresh_from_db()
    assert idea.trending_score == 2
    assert (idea.upvote_count, idea.downvote_count) == (4, 1)  # read, never moved
    assert idea.hot_score == hot_score(upvotes=4, downvotes=1, posted_at=idea.created_at)
    assert idea.top_score == top_score(upvotes=4, downvotes=1) > 0
