"""Ranking scores stored on each idea, recomputed after its votes change (once per 10-second window of
votes: voting.windows) and by `manage.py refresh_scores`.

hot: log-scaled net votes plus a term that grows with posting time, so newer ideas need fewer votes
to rank as high (the Reddit "hot" formula: every 12.5 hours of age weigh as much as ten times the net
votes). Because the time term is fixed at posting, the score only changes when votes do: no periodic
rescoring is needed to keep the order right.

top: the Wilson score lower bound of the share of up-votes (95% confidence), so an idea with 50 of 50
up-votes ranks above one with 1 of 1.
"""

import math
from datetime import UTC, datetime, timedelta

# An instant, not a wall-clock time: a naive datetime would count from midnight in the server's zone.
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
EPOCH_SECONDS = EPOCH.timestamp()
HOT_DECAY_SECONDS = 45000
WILSON_Z = 1.959963984540054
# "Trending": the up-votes an idea took in this window.
TRENDING_WINDOW = timedelta(days=7)


def hot_score(*, upvotes: int, downvotes: int, posted_at: datetime) -> float:
    net = upvotes - downvotes
    order = math.log10(max(abs(net), 1))
    sign = (net > 0) - (net < 0)
    return round(sign * order + (posted_at.timestamp() - EPOCH_SECONDS) / HOT_DECAY_SECONDS, 7)


def top_score(*, upvotes: int, downvotes: int) -> float:
    n = upvotes + downvotes
    if n == 0:
        return 0.0
    z2 = WILSON_Z * WILSON_Z
    p = upvotes / n
    centre = p + z2 / (2 * n)
    margin = WILSON_Z * math.sqrt((p * (1 - p) + z2 / (4 * n)) / n)
    return round((centre - margin) / (1 + z2 / n), 9)
