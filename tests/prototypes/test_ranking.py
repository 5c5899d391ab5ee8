import random

from prototypes import ranking


def simulate(true_strengths, n, seed):
    rng = random.Random(seed)
    items = list(true_strengths)
    outcomes = []
    for _ in range(n):
        a, b = rng.sample(items, 2)
        p = true_strengths[a] / (true_strengths[a] + true_strengths[b])
        outcomes.append((a, b) if rng.random() < p else (b, a))
    return outcomes


def test_a_truly_better_variant_ranks_first_with_a_separated_interval():
    truth = {"A": 1.0, "B": 3.0, "C": 0.6, "D": 1.2}
    result = ranking.rank(list(truth), simulate(truth, 600, seed=7))
    assert [s.item for s in result][0] == "B"
    best, second = result[0], result[1]
    assert best.low > second.high  # clearly separated with 600 answers
    assert best.low < best.strength < best.high
    # Relative strengths recover the truth's ratios roughly (B/C = 5).
    strengths = {s.item: s.strength for s in result}
    assert 3 < strengths["B"] / strengths["C"] < 8


def test_ranking_order_follows_the_true_order_over_many_runs():
    truth = {"A": 2.0, "B": 1.0, "C": 0.5}
    firsts = [ranking.rank(list(truth), simulate(truth, 150, seed=s))[0].item for s in range(20)]
    assert firsts.count("A") >= 18


def test_no_data_gives_equal_strengths_and_wide_intervals():
    result = ranking.rank(["x", "y"], [])
    assert [round(s.strength, 6) for s in result] == [1.0, 1.0]
    assert all(s.low < 0.5 and s.high > 2 for s in result)


def test_an_unbeaten_variant_stays_finite():
    result = ranking.rank(["x", "y"], [("x", "y")] * 10)
    assert result[0].item == "x" and result[0].strength < 1e6
    assert result[0].comparisons == 10 and result[0].wins == 10


def test_intervals_narrow_with_more_data():
    truth = {"A": 2.0, "B": 1.0}
    few = ranking.rank(list(truth), simulate(truth, 20, seed=1))
    many = ranking.rank(list(truth), simulate(truth, 2000, seed=1))
    assert (many[0].high / many[0].low) < (few[0].high / few[0].low)


def test_most_informative_pair_prefers_unasked_then_close_pairs():
    items = ["A", "B", "C"]
    outcomes = [("A", "B")] * 5 + [("B", "A")] * 5 + [("A", "C")] * 5
    # B–C never compared: asked first.
    assert set(ranking.most_informative_pair(items, outcomes)) == {"B", "C"}
    # Everything compared equally often: the closest pair (A and B, 5–5) wins over lopsided A–C.
    outcomes += [("B", "C")] * 4 + [("C", "B")] * 1 + [("A", "C")] * 5
    outcomes = outcomes + [("B", "C")] * 5
    assert set(ranking.most_informative_pair(items, outcomes)) == {"A", "B"}
    # Pairs the member already judged are skipped; none left gives None.
    assert set(ranking.most_informative_pair(items, outcomes, exclude=[("B", "A")])) != {"A", "B"}
    assert (
        ranking.most_informative_pair(items, outcomes, exclude=[("A", "B"), ("A", "C"), ("C", "B")]) is None
    )
