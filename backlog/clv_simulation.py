"""Synthetic purchase histories drawn from known BG/NBD and Gamma-Gamma parameters, for the tests that
check the fits recover them and for the benchmark (bench/clv_fit.py). Not used by the site.

The BG/NBD story (Fader, Hardie & Lee 2005): each customer buys at rate λ ~ Gamma(r, α) per week while
alive and, after each repeat purchase, drops out with probability p ~ Beta(a, b). Gamma-Gamma (Fader &
Hardie 2013): each purchase's amount z ~ Gamma(p, ν) with the customer's ν ~ Gamma(q, γ).
"""

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np


@dataclass(frozen=True)
class Truth:
    r: float = 0.75
    alpha: float = 2.5
    a: float = 1.2
    b: float = 5.0
    p: float = 6.0
    q: float = 4.0
    gamma: float = 15.0


def simulate(
    customers: int,
    *,
    truth: Truth = Truth(),
    weeks: int = 104,
    cohort_weeks: int = 12,
    start=date(2024, 1, 1),
    seed=1,
):
    """Yield (customer index, date, amount) for every purchase; first purchases fall in the first
    `cohort_weeks`, observation ends `weeks` after `start`."""
    rng = np.random.default_rng(seed)
    rates = rng.gamma(truth.r, 1 / truth.alpha, customers)
    dropouts = rng.beta(truth.a, truth.b, customers)
    scales = rng.gamma(truth.q, 1 / truth.gamma, customers)
    firsts = rng.uniform(0, cohort_weeks, customers)
    for customer in range(customers):
        t = firsts[customer]
        while True:
            amount = round(float(rng.gamma(truth.p, 1 / scales[customer])), 2)
            yield customer, start + timedelta(days=int(t * 7)), max(amount, 0.01)
            t += rng.exponential(1 / rates[customer])
            if t >= weeks:
                break
            if t > firsts[customer] and rng.random() < dropouts[customer]:
                # BG/NBD: after each repeat purchase the customer leaves with probability p, so this
                # purchase is their last.
                amount = round(float(rng.gamma(truth.p, 1 / scales[customer])), 2)
                yield customer, start + timedelta(days=int(t * 7)), max(amount, 0.01)
                break
