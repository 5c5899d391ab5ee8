"""Bradley–Terry strengths from head-to-head choices, with confidence intervals, in plain Python.

The model: variant i beats j with probability p_i / (p_i + p_j). Strengths are fitted by Hunter's (2004)
minorisation–maximisation iterations. Each variant also gets one virtual win and one virtual loss against
a fixed reference of strength 1 — a weak prior that keeps a variant that never (or always) won finite and
anchors the scale, so no normalisation step is needed. Strengths are reported relative to their geometric
mean, and their 95 % confidence intervals come from the observed Fisher information of θ = log p (a k×k
matrix for k variants, inverted by Gauss–Jordan elimination) applied to the centred contrast θ_i − mean θ,
so the arbitrary anchor adds no uncertainty of its own.
"""

import math
from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Strength:
    item: Hashable
    strength: float  # p_i relative to the geometric mean of all items (the typical item has 1)
    log_strength: float  # θ_i − mean θ
    low: float  # 95 % interval for the relative strength
    high: float
    wins: int
    comparisons: int


def pair_counts(outcomes: Iterable[tuple[Hashable, Hashable]]) -> dict[tuple, int]:
    """(winner, loser) pairs → {(winner, loser): how often}."""
    counts: dict[tuple, int] = defaultdict(int)
    for winner, loser in outcomes:
        counts[(winner, loser)] += 1
    return dict(counts)


def fit(items: list[Hashable], wins: dict[tuple, int], *, iterations: int = 500, tolerance: float = 1e-10):
    """Strengths p_i for `items` given wins[(i, j)] = times i beat j, by MM iterations."""
    index = {item: n for n, item in enumerate(items)}
    k = len(items)
    won = [1.0] * k  # the virtual win
    games = [[0.0] * k for _ in range(k)]
    for (winner, loser), count in wins.items():
        if winner not in index or loser not in index or winner == loser:
            continue
        i, j = index[winner], index[loser]
        won[i] += count
        games[i][j] += count
        games[j][i] += count
    p = [1.0] * k
    for _ in range(iterations):
        change = 0.0
        new = []
        for i in range(k):
            # The two virtual games against the reference (strength 1) sit in the denominator too.
            denominator = 2.0 / (p[i] + 1.0)
            for j in range(k):
                if games[i][j]:
                    denominator += games[i][j] / (p[i] + p[j])
            new.append(won[i] / denominator)
        change = max(abs(math.log(a) - math.log(b)) for a, b in zip(new, p, strict=True)) if k else 0.0
        p = new
        if change < tolerance:
            break
    return p, games


def _invert(matrix: list[list[float]]) -> list[list[float]]:
    k = len(matrix)
    a = [row[:] + [1.0 if i == j else 0.0 for j in range(k)] for i, row in enumerate(matrix)]
    for col in range(k):
        pivot = max(range(col, k), key=lambda r: abs(a[r][col]))
        if abs(a[pivot][col]) < 1e-300:
            raise ZeroDivisionError("singular information matrix")
        a[col], a[pivot] = a[pivot], a[col]
        factor = a[col][col]
        a[col] = [value / factor for value in a[col]]
        for row in range(k):
            if row != col and a[row][col]:
                scale = a[row][col]
                a[row] = [x - scale * y for x, y in zip(a[row], a[col], strict=True)]
    return [row[k:] for row in a]


def rank(items: list[Hashable], outcomes: Iterable[tuple[Hashable, Hashable]]) -> list[Strength]:
    """Items from strongest to weakest, each with a 95 % confidence interval for its strength."""
    wins = pair_counts(outcomes)
    p, games = fit(items, wins)
    k = len(items)
    if not k:
        return []
    # Observed information of θ: diagonal Σ_j n_ij p_i p_j / (p_i + p_j)² plus the prior's two games,
    # off-diagonal −n_ij p_i p_j / (p_i + p_j)². The prior makes it positive definite.
    info = [[0.0] * k for _ in range(k)]
    for i in range(k):
        info[i][i] = 2.0 * p[i] / (p[i] + 1.0) ** 2
        for j in range(k):
            if i != j and games[i][j]:
                term = games[i][j] * p[i] * p[j] / (p[i] + p[j]) ** 2
                info[i][i] += term
                info[i][j] -= term
    covariance = _invert(info)
    won_counts = defaultdict(int)
    played = defaultdict(int)
    for (winner, loser), count in wins.items():
        won_counts[winner] += count
        played[winner] += count
        played[loser] += count
    thetas = [math.log(value) for value in p]
    mean_theta = sum(thetas) / k
    # Var(θ_i − mean θ) = cᵀ Σ c with c = e_i − 1/k.
    row_means = [sum(row) / k for row in covariance]
    grand_mean = sum(row_means) / k
    result = []
    for i, item in enumerate(items):
        theta = thetas[i] - mean_theta
        variance = covariance[i][i] - 2 * row_means[i] + grand_mean
        se = math.sqrt(max(variance, 0.0))
        result.append(
            Strength(
                item=item,
                strength=math.exp(theta),
                log_strength=theta,
                low=math.exp(theta - Z95 * se),
                high=math.exp(theta + Z95 * se),
                wins=won_counts[item],
                comparisons=played[item],
            )
        )
    result.sort(key=lambda s: (-s.strength, str(s.item)))
    return result


def win_probability(a: Strength, b: Strength) -> float:
    return a.strength / (a.strength + b.strength)


def most_informative_pair(items: list[Hashable], outcomes, *, exclude: Iterable[tuple] = ()):
    """The pair to ask about next: the fewest comparisons so far, then the closest current strengths.

    Closely matched, rarely compared pairs are where one more answer moves the ranking most. `exclude` holds
    pairs (in either order) the asker has already judged. None when no pair is left.
    """
    outcomes = list(outcomes)
    strengths = dict(zip(items, fit(items, pair_counts(outcomes))[0], strict=True)) if items else {}
    played: dict[frozenset, int] = defaultdict(int)
    for winner, loser in outcomes:
        played[frozenset((winner, loser))] += 1
    excluded = {frozenset(pair) for pair in exclude}
    candidates = [
        (played[frozenset((a, b))], abs(math.log(strengths[a]) - math.log(strengths[b])), n, m)
        for n, a in enumerate(items)
        for m, b in enumerate(items)
        if n < m and frozenset((a, b)) not in excluded
    ]
    if not candidates:
        return None
    _, _, n, m = min(candidates)
    return items[n], items[m]
