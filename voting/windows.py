"""What follows a vote, once per 10-second window rather than once per vote.

A vote changes its idea's counters at once, under the idea's row lock (voting.services), and the
counters are what members see. What is derived from them follows at the end of the window:
  - the stored ranking scores (hot, top, trending: ideas.services.rescore_ideas), so an idea's place in
    the sorted lists lags its votes by about ten seconds;
  - the vote count in the search index (search.tasks.update_votes, through voting.signals.votes_counted).

Keeping the scores off the vote itself means a vote rewrites no indexed column of the idea row: on
PostgreSQL the update is a HOT update that touches none of the table's indexes (bench/RESULTS.md).

What is pending is durable. The vote's own transaction marks its idea in `voting_pendingrescore`
(`PendingRescore`: INSERT … ON CONFLICT DO NOTHING, in the PostgreSQL vote function or the ORM path),
and only the transaction that rescores the idea deletes the mark (`rescore_pending`). A worker killed
mid-window, a failed task or a lost queue row forgets nothing: the marks wait for the next sweep. The
vote itself adds no round trip (the insert runs inside the vote's one statement on PostgreSQL) and no
Redis call.

Who sweeps: `manage.py run_scheduler` queues `voting.tasks.rescore_pending` every WINDOW_SECONDS while
marks exist (voting.apps), one task per window however many votes and web processes there are. A
queue that runs tasks at once (the tests, ImmediateBackend) has no scheduler: there each vote sweeps
right after its commit (voting.services).
"""

from django.db import transaction
from django.utils import timezone

from ideas.models import Idea
from ideas.services import rescore_ideas

from . import signals
from .models import PendingRescore

WINDOW_SECONDS = 10
# Ideas taken per transaction: their row locks are held until the batch commits, and a vote on one of
# them waits meanwhile (rescore_ideas itself commits every RESCORE_BATCH; here it runs inside ours).
SWEEP_BATCH = 200


def mark_pending(idea_ids, *, since=None) -> None:
    """Mark ideas whose counters changed outside a vote (moderators discounting votes): their scores
    and search counts follow with the next sweep. Call it inside the transaction that changed them."""
    since = since or timezone.now()
    PendingRescore.objects.bulk_create(
        [PendingRescore(idea_id=pk, since=since) for pk in sorted(set(idea_ids))], ignore_conflicts=True
    )


def has_pending() -> bool:
    """Whether any idea waits for its rescore (the scheduler's cheap question before queuing a sweep)."""
    return PendingRescore.objects.exists()


def rescore_pending(*, batch: int = SWEEP_BATCH) -> int:
    """Rescore every marked idea, `batch` at a time, and clear its mark; returns how many were rescored.

    Each batch is one transaction: take marks (FOR UPDATE SKIP LOCKED on PostgreSQL, so two sweeps
    never take the same idea and neither waits for the other), lock and rescore their ideas, delete the
    marks; `votes_counted` goes out once that has committed. If anything fails, the transaction rolls
    back and the marks stay for the next sweep. Locking: marks first, then the ideas (lowest id first);
    a vote takes its idea's lock and then inserts its mark without waiting for a mark's row lock
    (ON CONFLICT DO NOTHING), so the two never wait for each other in a circle. A vote that commits
    after the marks were taken is in the counters read under the idea's lock, or comes after this
    commit and marks the idea again.
    """
    rescored = 0
    while ideas := _rescore_batch(batch):
        rescored += len(ideas)
        if len(ideas) < batch:
            break
    return rescored


def _rescore_batch(limit: int) -> list[int]:
    with transaction.atomic():
        idea_ids = list(
            PendingRescore.objects.select_for_update(skip_locked=True)
            .order_by("idea_id")
            .values_list("idea_id", flat=True)[:limit]
        )
        if not idea_ids:
            return []
        rescore_ideas(idea_ids)
        PendingRescore.objects.filter(idea_id__in=idea_ids).delete()

        # A named function, not functools.partial: with robust=True Django logs a failing callback by
        # its __qualname__, which a partial lacks.
        def announce_votes_counted():
            signals.votes_counted.send(sender=Idea, idea_ids=idea_ids)

        transaction.on_commit(announce_votes_counted, robust=True)
    return idea_ids
