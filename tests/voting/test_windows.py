"""What follows votes (ranking scores, search vote counts) runs once per window, from durable marks."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ideas.models import Idea
from ideas.ranking import hot_score, top_score
from ideas.services import rescore_ideas
from operations import scheduler
from search.models import IdeaDocument
from voting import windows
from voting.models import PendingRescore, Vote
from voting.services import vote_cast, vote_withdraw, votes_set_discounted
from voting.tasks import rescore_pending

from ..factories import MemberFactory, make_idea

pytestmark = pytest.mark.django_db

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # backends rebuilt on change


def ranking(idea):
    return Idea.objects.values_list("upvote_count", "top_score", "trending_score").get(pk=idea.pk)


def pending():
    return set(PendingRescore.objects.values_list("idea_id", flat=True))


def test_votes_mark_their_ideas_and_one_sweep_rescores_them(
    settings, django_capture_on_commit_callbacks, alice, bob
):
    """With a queue that runs tasks later (production), a vote marks its idea in its own transaction and
    queues nothing; the window's one sweep rescores every marked idea and rewrites its search count."""
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=True):  # indexed at once
        first, second = make_idea(title="Fan noise"), make_idea(title="Quiet mode")
    settings.TASKS = DATABASE_QUEUE
    for voter, idea in ((alice, first), (bob, first), (alice, second), (bob, second)):
        with django_capture_on_commit_callbacks(execute=True):
            vote_cast(member=voter, idea_id=idea.pk)

    assert not DBTaskResult.objects.exists()  # a vote queues no task: the scheduler sweeps
    assert pending() == {first.pk, second.pk}
    assert ranking(first) == (2, 0.0, 0)  # counted at once, ranked later
    assert IdeaDocument.objects.get(pk=first.pk).votes == 0

    with django_capture_on_commit_callbacks(execute=True):
        assert rescore_pending.call() == 2
    for idea in (first, second):
        upvotes, top, trending = ranking(idea)
        assert (upvotes, trending) == (2, 2) and top > 0
        assert IdeaDocument.objects.get(pk=idea.pk).votes == 2
    assert pending() == set()
    assert rescore_pending.call() == 0  # taken: never twice


def test_marks_survive_a_failing_rescore(settings, monkeypatch, django_capture_on_commit_callbacks, alice):
    """A rescore that fails rolls back with its transaction, marks included: the next sweep does it."""
    idea = make_idea()
    settings.TASKS = DATABASE_QUEUE
    vote_cast(member=alice, idea_id=idea.pk)
    before = ranking(idea)

    def rescore_then_fail(idea_ids):
        rescore_ideas(idea_ids)
        raise ConnectionError("the database went away mid-rescore")

    monkeypatch.setattr(windows, "rescore_ideas", rescore_then_fail)
    with pytest.raises(ConnectionError), django_capture_on_commit_callbacks(execute=True) as callbacks:
        windows.rescore_pending()
    assert callbacks == []  # votes_counted waits for a commit that never came
    assert pending() == {idea.pk}
    assert ranking(idea) == before

    monkeypatch.undo()
    assert windows.rescore_pending() == 1
    assert pending() == set() and ranking(idea)[2] == 1


def test_a_vote_that_changes_nothing_marks_nothing(settings, alice):
    idea = make_idea()
    settings.TASKS = DATABASE_QUEUE
    vote_withdraw(member=alice, idea_id=idea.pk)
    assert pending() == set()
    vote_cast(member=alice, idea_id=idea.pk)
    PendingRescore.objects.all().delete()
    vote_cast(member=alice, idea_id=idea.pk)  # the same vote again
    assert pending() == set()


def test_discounted_votes_mark_their_ideas(settings, alice, bob):
    idea = make_idea()
    vote_cast(member=alice, idea_id=idea.pk)
    settings.TASKS = DATABASE_QUEUE
    votes_set_discounted(vote_ids=list(Vote.objects.values_list("pk", flat=True)), discounted=True)
    assert pending() == {idea.pk}


def test_the_scheduler_queues_one_sweep_per_window_while_marks_wait(settings, alice):
    """Nothing marked: nothing queued. Marked: one sweep, and no second one while it waits in the queue."""
    from django_tasks_db.models import DBTaskResult

    idea = make_idea()
    settings.TASKS = DATABASE_QUEUE
    now = timezone.now()
    job = scheduler.JOBS["voting.rescore_pending"]
    assert job.every == timedelta(seconds=windows.WINDOW_SECONDS)
    assert not scheduler.run_if_due(job, now)
    vote_cast(member=alice, idea_id=idea.pk)
    assert not scheduler.run_if_due(job, now + timedelta(seconds=1))  # not due yet
    assert scheduler.run_if_due(job, now + timedelta(seconds=10))
    assert not scheduler.run_if_due(job, now + timedelta(seconds=20))  # the first still waits
    (queued,) = DBTaskResult.objects.all()
    assert queued.task_path == "voting.tasks.rescore_pending"
    assert queued.task.call() == 1


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


@pytest.mark.django_db(transaction=True)
def test_a_vote_does_not_wait_for_a_sweep_holding_its_mark(settings):
    """PostgreSQL: a sweep has taken an idea's mark (FOR UPDATE) but not yet its row lock. A vote on the
    idea meanwhile neither waits for the mark (ON CONFLICT DO NOTHING) nor is lost: the sweep reads the
    counters after it, under the idea's lock."""
    import threading

    from django.db import connection, connections, transaction

    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL (DATABASE_URL); SQLite serialises every write")
    settings.TASKS = DATABASE_QUEUE
    idea, first, second = make_idea(), MemberFactory(), MemberFactory()
    vote_cast(member=first, idea_id=idea.pk)
    marks_taken, vote_done, errors = threading.Event(), threading.Event(), []

    def sweep():
        try:
            with transaction.atomic():
                list(
                    PendingRescore.objects.select_for_update(skip_locked=True).values_list(
                        "idea_id", flat=True
                    )
                )
                marks_taken.set()
                assert vote_done.wait(60)
                rescore_ideas([idea.pk])
                PendingRescore.objects.filter(idea_id=idea.pk).delete()
        except Exception as error:  # noqa: BLE001 - asserted below
            errors.append(error)
        finally:
            connections.close_all()

    sweeper = threading.Thread(target=sweep)
    sweeper.start()
    try:
        assert marks_taken.wait(60)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '30s'")  # a wait for the mark would fail here, not hang
        vote_cast(member=second, idea_id=idea.pk)
    finally:
        vote_done.set()
        sweeper.join(60)
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    assert not errors, errors
    assert ranking(idea) == (2, pytest.approx(top_score(upvotes=2, downvotes=0)), 2)
    assert pending() == set()
