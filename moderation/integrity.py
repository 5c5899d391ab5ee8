"""Finding suspicious voting, for moderators to review (moderation.services.votes_discount).

Two patterns, over the votes of the last `lookback` (default seven days) that still count:
- burst: at least BURST_VOTES up-votes on one idea within BURST_WINDOW from accounts created less than
  NEW_ACCOUNT_AGE before they voted;
- ring: at least RING_MEMBERS accounts whose up-votes overlap heavily (RING_IDEAS ideas in common and
  a Jaccard similarity of RING_SIMILARITY, chained into clusters): sock puppets run by one person, or a
  vote-trading group, even when each adds a few votes of its own to look different.
Each alert names its votes; the same votes are never reported twice (VoteAlert.signature).
"""

import hashlib
from collections import defaultdict
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import ngettext

from voting.models import Vote

from .models import VoteAlert

BURST_VOTES = 5
BURST_WINDOW = timedelta(hours=1)
NEW_ACCOUNT_AGE = timedelta(days=3)
RING_MEMBERS = 4
RING_IDEAS = 3
RING_SIMILARITY = 0.6
PAIR_IDEA_VOTERS = 300


def _signature(kind: str, vote_ids) -> str:
    return hashlib.sha256(f"{kind}:{','.join(map(str, sorted(vote_ids)))}".encode()).hexdigest()


def find_bursts(votes) -> list[dict]:
    """votes: (id, idea_id, member_id, created_at, date_joined) rows, ordered by created_at."""
    by_idea = defaultdict(list)
    for vote in votes:
        vote_id, idea_id, member_id, cast_at, joined = vote
        if timedelta(0) <= cast_at - joined < NEW_ACCOUNT_AGE:  # (imported votes may predate accounts)
            by_idea[idea_id].append(vote)
    found = []
    for idea_id, rows in by_idea.items():
        start, best = 0, []
        for end in range(len(rows)):
            while rows[end][3] - rows[start][3] > BURST_WINDOW:
                start += 1
            if end - start + 1 > len(best):
                best = rows[start : end + 1]
        if len(best) >= BURST_VOTES:
            found.append(
                {
                    "type": VoteAlert.Type.BURST,
                    "idea_ids": [idea_id],
                    "member_ids": sorted({r[2] for r in best}),
                    "vote_ids": sorted(r[0] for r in best),
                    "summary": ngettext(
                        "%(n)d vote from a new account within an hour on idea #%(idea)d",
                        "%(n)d votes from new accounts within an hour on idea #%(idea)d",
                        len(best),
                    )
                    % {"n": len(best), "idea": idea_id},
                }
            )
    return found


def find_rings(votes) -> list[dict]:
    """Accounts whose up-votes overlap heavily: at least RING_IDEAS ideas in common and a Jaccard
    similarity of RING_SIMILARITY, joined into clusters; a cluster of RING_MEMBERS or more is a ring.
    Its ideas are those most of the cluster voted for, and its votes are the cluster's votes on them.

    Pairs are counted through the ideas they share, skipping ideas with more than PAIR_IDEA_VOTERS
    voters in the window: a popular idea says little about collusion and would make the pairs grow
    with the square of its voters.
    """
    ideas_of, voters_of, vote_of = defaultdict(set), defaultdict(set), {}
    for vote_id, idea_id, member_id, _cast_at, _joined in votes:
        ideas_of[member_id].add(idea_id)
        voters_of[idea_id].add(member_id)
        vote_of[(member_id, idea_id)] = vote_id
    shared = defaultdict(int)
    for voters in voters_of.values():
        if len(voters) > PAIR_IDEA_VOTERS:
            continue
        ordered = sorted(m for m in voters if len(ideas_of[m]) >= RING_IDEAS)
        for i, first in enumerate(ordered):
            for second in ordered[i + 1 :]:
                shared[(first, second)] += 1
    parent = {}

    def root(member):
        parent.setdefault(member, member)
        while parent[member] != member:
            parent[member] = parent[parent[member]]
            member = parent[member]
        return member

    for (first, second), common in shared.items():
        union = len(ideas_of[first] | ideas_of[second])
        if common >= RING_IDEAS and common / union >= RING_SIMILARITY:
            parent[root(first)] = root(second)
    clusters = defaultdict(list)
    for member in parent:
        clusters[root(member)].append(member)
    found = []
    for members in clusters.values():
        if len(members) < RING_MEMBERS:
            continue
        counts = defaultdict(int)
        for member in members:
            for idea_id in ideas_of[member]:
                counts[idea_id] += 1
        ideas = sorted(idea for idea, n in counts.items() if n >= 0.75 * len(members))
        vote_ids = sorted(vote_of[(m, i)] for m in members for i in ideas if (m, i) in vote_of)
        found.append(
            {
                "type": VoteAlert.Type.RING,
                "idea_ids": ideas,
                "member_ids": sorted(members),
                "vote_ids": vote_ids,
                "summary": ngettext(
                    "%(members)d accounts voted for the same %(ideas)d idea",
                    "%(members)d accounts voted for the same %(ideas)d ideas",
                    len(ideas),
                )
                % {"members": len(members), "ideas": len(ideas)},
            }
        )
    return found


def detect(*, lookback: timedelta = timedelta(days=7), progress=None) -> list[VoteAlert]:
    """Scan recent counted up-votes and record new alerts; returns the alerts created."""
    since = timezone.now() - lookback
    rows = (
        Vote.objects.counted()
        .filter(created_at__gte=since, value=Vote.Value.UP)
        .order_by("created_at", "id")
        .values_list("id", "idea_id", "member_id", "created_at", "member__date_joined")
    )
    votes = []
    for row in rows.iterator(chunk_size=5000):
        votes.append(row)
        if progress is not None and len(votes) % 1000 == 0:
            progress(1000)
    created = []
    for found in [*find_bursts(votes), *find_rings(votes)]:
        try:
            with transaction.atomic():
                created.append(
                    VoteAlert.objects.create(signature=_signature(found["type"], found["vote_ids"]), **found)
                )
        except IntegrityError:
            continue  # reported before
    return created
