"""The voting app's reconciliation checks (operations.reconcile; registered in voting.apps).

  vote counters    each idea's up/down counters against its counted vote rows (plus the votes retired
                   from deleted accounts); repaired by ideas.services.idea_recount.
  ranking scores   each idea's stored hot and top scores against its counters; repaired by rescoring
                   (ideas.services.rescore_ideas, which also sets trending).

Both scan every idea in batches of BATCH ids, cheaply and without locks; a candidate is confirmed under
its idea's row lock before it counts as drift (a vote landing between two reads is not drift), and is
repaired in that same transaction. Ideas marked for the window's rescore (PendingRescore) are not drift:
their scores follow with the next sweep.
"""

import math

from django.db import transaction
from django.db.models import Count, Q

from ideas.models import Idea
from ideas.ranking import hot_score, top_score
from ideas.services import idea_recount, rescore_ideas
from operations.reconcile import Finding

from .models import PendingRescore, Vote

BATCH = 5000


def _id_batches():
    last = 0
    while ids := list(Idea.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:BATCH]):
        yield ids[0], ids[-1]
        last = ids[-1]


def _counted(first: int, last: int) -> dict[int, tuple[int, int]]:
    rows = (
        Vote.objects.counted()
        .filter(idea_id__gte=first, idea_id__lte=last)
        .order_by()
        .values("idea_id")
        .annotate(
            up=Count("pk", filter=Q(value=Vote.Value.UP)), down=Count("pk", filter=Q(value=Vote.Value.DOWN))
        )
    )
    return {row["idea_id"]: (row["up"], row["down"]) for row in rows}


def _counter_drift(ideas, counted) -> list[int]:
    return [
        pk
        for pk, up, down, retired_up, retired_down in ideas
        if (up, down)
        != tuple(a + b for a, b in zip(counted.get(pk, (0, 0)), (retired_up, retired_down), strict=True))
    ]


def _counter_rows(first: int, last: int, *, ids=None):
    ideas = (
        Idea.objects.filter(pk__gte=first, pk__lte=last) if ids is None else Idea.objects.filter(pk__in=ids)
    )
    return ideas.values_list("pk", "upvote_count", "downvote_count", "retired_upvotes", "retired_downvotes")


def check_vote_counters(*, repair: bool) -> Finding:
    finding = Finding()
    for first, last in _id_batches():
        ideas = list(_counter_rows(first, last))
        finding.checked += len(ideas)
        if not (candidates := _counter_drift(ideas, _counted(first, last))):
            continue
        with transaction.atomic():  # confirm under the ideas' locks, which every vote takes too
            list(
                Idea.objects.select_for_update(of=("self",))
                .filter(pk__in=candidates)
                .order_by("pk")
                .values("pk")
            )
            drifted = _counter_drift(_counter_rows(first, last, ids=candidates), _counted(first, last))
            if drifted and repair:
                idea_recount(idea_ids=drifted)
                finding.repaired += len(drifted)
        finding.drifted_ids += drifted
    return finding


def _same(stored: float, expected: float) -> bool:
    return math.isclose(stored, expected, rel_tol=0, abs_tol=1e-6)


def _score_drift(ideas) -> list[int]:
    return [
        pk
        for pk, created_at, up, down, hot, top in ideas
        if not (
            _same(hot, hot_score(upvotes=up, downvotes=down, posted_at=created_at))
            and _same(top, top_score(upvotes=up, downvotes=down))
        )
    ]


def _score_rows(ids):
    return Idea.objects.filter(pk__in=ids).values_list(
        "pk", "created_at", "upvote_count", "downvote_count", "hot_score", "top_score"
    )


def check_ranking_scores(*, repair: bool) -> Finding:
    finding = Finding()
    for first, last in _id_batches():
        ideas = list(
            Idea.objects.filter(pk__gte=first, pk__lte=last).values_list(
                "pk", "created_at", "upvote_count", "downvote_count", "hot_score", "top_score"
            )
        )
        finding.checked += len(ideas)
        # Read after the ideas: a vote that made a score stale before that read has its mark by now.
        pending = set(
            PendingRescore.objects.filter(idea_id__gte=first, idea_id__lte=last).values_list(
                "idea_id", flat=True
            )
        )
        if not (candidates := [pk for pk in _score_drift(ideas) if pk not in pending]):
            continue
        with transaction.atomic():
            list(
                Idea.objects.select_for_update(of=("self",))
                .filter(pk__in=candidates)
                .order_by("pk")
                .values("pk")
            )
            pending = set(
                PendingRescore.objects.filter(idea_id__in=candidates).values_list("idea_id", flat=True)
            )
            drifted = [pk for pk in _score_drift(_score_rows(candidates)) if pk not in pending]
            if drifted and repair:
                rescore_ideas(drifted)
                finding.repaired += len(drifted)
        finding.drifted_ids += drifted
    return finding
