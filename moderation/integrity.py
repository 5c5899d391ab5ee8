"""Finding suspicious voting, for moderators to review (moderation.services.votes_discount).

Two patterns, over the votes of the last `lookback` (default seven days) that still count:
- burst: at least BURST_VOTES up-votes on one idea within BURST_WINDOW from accounts created less than
  NEW_ACCOUNT_AGE before they voted;
- ring: at least RING_MEMBERS accounts that voted for exactly the same set of at least RING_IDEAS ideas
  (sock puppets run by one person, or a vote-trading group).
Each alert names its votes; the same votes are never reported twice (VoteAlert.signature).
"""

import hashlib
from collections import defaultdict
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import VoteAlert

BURST_VOTES = 5
BURST_WINDOW = timedelta(hours=1)
NEW_ACCOUNT_AGE = timedelta(days=3)
RING_MEMBERS = 4
RING_IDEAS = 3


def _signature(kind: str, vote_ids) -> str:
    return hashlib.sha256(f"{kind}:{','.join(map(str, sorted(vote_ids)))}".encode()).hexdigest()


def find_bursts(votes) -> list[dict]:
    """votes: (id, idea_id, member_id, created_at, date_joined) rows, ordered by created_at."""
    by_idea = defaultdict(list)
    for vote in votes:
        vote_id, idea_id, member_id, cast_at, joined = vote
        if cast_at - joined < NEW_ACCOUNT_AGE:
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
                    "summary": _("%(n)d votes from new accounts within an hour on idea #%(idea)d")
                    % {"n": len(best), "idea": idea_id},
                }
            )
    return found


def find_rings(votes) -> list[dict]:
    ideas_of, votes_of = defaultdict(set), defaultdict(list)
    for vote_id, idea_id, member_id, _cast_at, _joined in votes:
        ideas_of[member_id].add(idea_id)
        votes_of[member_id].append(vote_id)
    groups = defaultdict(list)
    for member_id, ideas in ideas_of.items():
        if len(ideas) >= RING_IDEAS:
            groups[frozenset(ideas)].append(member_id)
    found = []
    for ideas, members in groups.items():
        if len(members) >= RING_MEMBERS:
            found.append(
                {
                    "type": VoteAlert.Type.RING,
                    "idea_ids": sorted(ideas),
                    "member_ids": sorted(members),
                    "vote_ids": sorted(v for m in members for v in votes_of[m]),
                    "summary": _("%(members)d accounts voted for the same %(ideas)d ideas")
                    % {"members": len(members), "ideas": len(ideas)},
                }
            )
    return found


def detect(*, lookback: timedelta = timedelta(days=7), progress=None) -> list[VoteAlert]:
    """Scan recent counted up-votes and record new alerts; returns the alerts created."""
    from voting.models import Vote

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
