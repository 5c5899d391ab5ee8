"""Release planning within capacity: the set of backlog items worth most that R&D can build.

An exact 0–1 integer program solved by scipy's `milp` (HiGHS), never a heuristic:

    maximise   Σ value_i · x_i
    subject to Σ effort_i · x_i ≤ capacity                   (person-weeks, all teams together)
               Σ effort_i · x_i ≤ capacity_t, i of team t     (for each team given a capacity)
               x_b ≤ x_a                                      (b needs a)
               x_m = 1                                        (must-haves)
               x_i ∈ {0, 1}

The value is the item's extrapolated customer equity or its priority score (docs/clv.md, "Release
planning"). Efforts are in hundredths of a person-week (the model's two decimals), so the capacity rows
are exact integers and "fits" means what it says. Before solving, the input is checked and refused
with a message that names what is wrong: capacity not positive, unknown items, a dependency cycle
(named), must-haves that cannot fit (named). `greedy_plan` is the "top score first" plan shown beside
the optimum; it is a comparison, never the answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from django.db import transaction
from django.utils.translation import gettext as _
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array

from .models import Release
from .scoring import item_score

HUNDREDTHS = Decimal("100")
# A plan is solved to proven optimality (a relative gap of 0), within this time at most.
SOLVER_TIME_LIMIT = 20.0


class PlanError(ValueError):
    """The input cannot be planned; the message says why and names the items."""


@dataclass(frozen=True)
class Candidate:
    """One estimated backlog item as the planner sees it."""

    pk: int
    title: str
    effort: Decimal  # person-weeks, > 0
    value: Decimal  # what the objective counts (extrapolated equity or priority score), ≥ 0
    score: Decimal = Decimal("0")  # the backlog's priority score: the greedy plan's order
    team: str = ""

    def __str__(self):
        return f"#{self.pk} {self.title}"


@dataclass
class Plan:
    """A chosen set of items and what it captures."""

    items: list[Candidate]
    capacity: Decimal
    team_capacities: dict[str, Decimal] = field(default_factory=dict)

    @property
    def pks(self) -> set[int]:
        return {c.pk for c in self.items}

    @property
    def value(self) -> Decimal:
        return sum((c.value for c in self.items), Decimal("0"))

    @property
    def effort(self) -> Decimal:
        return sum((c.effort for c in self.items), Decimal("0"))

    @property
    def spare(self) -> Decimal:
        return self.capacity - self.effort

    def team_effort(self) -> list[tuple[str, Decimal, Decimal | None]]:
        """(team, effort used, its capacity or None) for every team in the plan or given a capacity."""
        used: dict[str, Decimal] = {}
        for c in self.items:
            used[c.team] = used.get(c.team, Decimal("0")) + c.effort
        teams = sorted(set(used) | set(self.team_capacities))
        return [(t, used.get(t, Decimal("0")), self.team_capacities.get(t)) for t in teams]


def _hundredths(effort: Decimal) -> int:
    return int((Decimal(effort) * HUNDREDTHS).to_integral_value())


def find_cycle(pks: Iterable[int], needs: dict[int, set[int]]) -> list[int] | None:
    """A dependency cycle as a list of pks [a, b, …, a], or None. Iterative depth-first search."""
    WHITE, GREY, BLACK = 0, 1, 2
    colour = dict.fromkeys(pks, WHITE)
    for start in sorted(colour):
        if colour[start] != WHITE:
            continue
        stack = [(start, iter(sorted(needs.get(start, ()))))]
        path = [start]
        colour[start] = GREY
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                colour[node] = BLACK
                stack.pop()
                path.pop()
            elif colour.get(child, BLACK) == GREY:
                return [*path[path.index(child) :], child]
            elif colour.get(child) == WHITE:
                colour[child] = GREY
                path.append(child)
                stack.append((child, iter(sorted(needs.get(child, ())))))
    return None


def prerequisites(pk: int, needs: dict[int, set[int]]) -> set[int]:
    """Everything `pk` needs, directly or through other items (not `pk` itself)."""
    seen, todo = set(), list(needs.get(pk, ()))
    while todo:
        a = todo.pop()
        if a not in seen:
            seen.add(a)
            todo.extend(needs.get(a, ()))
    return seen


def _named(pks, by_pk) -> str:
    return ", ".join(str(by_pk[pk]) if pk in by_pk else f"#{pk}" for pk in sorted(pks))


def _check(candidates, capacity, team_capacities, must_haves, dependencies):
    """Refuse input that cannot be planned, with a message naming the items; returns (by_pk, needs)."""
    if capacity is None or Decimal(capacity) <= 0:
        raise PlanError(_("Capacity must be more than 0 person-weeks."))
    for team, weeks in team_capacities.items():
        if Decimal(weeks) <= 0:
            raise PlanError(
                _("The capacity of team %(team)s must be more than 0 person-weeks.") % {"team": team or "—"}
            )
    by_pk = {c.pk: c for c in candidates}
    if len(by_pk) != len(candidates):
        raise PlanError(_("An item is listed twice among the candidates."))
    for c in candidates:
        if c.effort is None or c.effort <= 0:
            raise PlanError(_("%(item)s has no effort estimate: it cannot be planned.") % {"item": c})
        if c.value < 0:
            raise PlanError(_("%(item)s has a negative value.") % {"item": c})
    unknown = set(must_haves) - set(by_pk)
    for b, a in dependencies:
        unknown |= {b, a} - set(by_pk)
    if unknown:
        raise PlanError(
            _("Unknown items (not among the candidates): %(items)s.") % {"items": _named(unknown, by_pk)}
        )
    needs: dict[int, set[int]] = {}
    for b, a in dependencies:
        if a == b:
            raise PlanError(_("%(item)s cannot need itself.") % {"item": by_pk[a]})
        needs.setdefault(b, set()).add(a)
    cycle = find_cycle(by_pk, needs)
    if cycle:
        raise PlanError(
            _("The dependencies form a cycle: %(cycle)s. Remove one of them.")
            % {"cycle": " → ".join(str(by_pk[pk]) for pk in cycle)}
        )
    # Must-haves bring their prerequisites: together they must fit the total and each team's capacity.
    required = set(must_haves)
    for m in must_haves:
        required |= prerequisites(m, needs)
    effort = sum((by_pk[pk].effort for pk in required), Decimal("0"))
    if effort > capacity:
        raise PlanError(
            _(
                "The must-haves do not fit: %(items)s need %(effort)s person-weeks (with what they depend "
                "on) and the capacity is %(capacity)s."
            )
            % {"items": _named(required, by_pk), "effort": effort, "capacity": capacity}
        )
    for team, weeks in team_capacities.items():
        in_team = {pk for pk in required if by_pk[pk].team == team}
        effort = sum((by_pk[pk].effort for pk in in_team), Decimal("0"))
        if effort > weeks:
            raise PlanError(
                _(
                    "The must-haves of team %(team)s do not fit: %(items)s need %(effort)s person-weeks and "
                    "the team's capacity is %(capacity)s."
                )
                % {"team": team or "—", "items": _named(in_team, by_pk), "effort": effort, "capacity": weeks}
            )
    return by_pk, needs


def plan_release(
    *,
    candidates: list[Candidate],
    capacity: Decimal,
    team_capacities: dict[str, Decimal] | None = None,
    must_haves: Iterable[int] = (),
    dependencies: Iterable[tuple[int, int]] = (),
) -> Plan:
    """The plan of greatest total value within capacity, proven optimal by HiGHS.

    `dependencies` are pairs (b, a): b needs a (b only in a plan that has a). Raises PlanError with a
    message naming the items when the input cannot be planned.
    """
    team_capacities = {t: Decimal(w) for t, w in (team_capacities or {}).items()}
    must_haves, dependencies = list(dict.fromkeys(must_haves)), list(dict.fromkeys(dependencies))
    capacity = Decimal(capacity) if capacity is not None else None
    by_pk, needs = _check(candidates, capacity, team_capacities, must_haves, dependencies)
    if not candidates:
        return Plan(items=[], capacity=capacity, team_capacities=team_capacities)
    order = list(by_pk)
    index = {pk: i for i, pk in enumerate(order)}
    n = len(order)
    efforts = np.array([_hundredths(by_pk[pk].effort) for pk in order], dtype=float)
    # Values are scaled to at most 1e6 so that HiGHS's tolerances mean the same for euros and scores.
    values = np.array([float(by_pk[pk].value) for pk in order])
    top = values.max()
    scaled = values * (1e6 / top) if top > 0 else values
    rows, cols, data, upper = [], [], [], []
    row = 0

    def add_row(coefficients: dict[int, float], bound: float):
        nonlocal row
        for col, coefficient in coefficients.items():
            rows.append(row)
            cols.append(col)
            data.append(coefficient)
        upper.append(bound)
        row += 1

    add_row({i: efforts[i] for i in range(n)}, _hundredths(capacity))
    for team, weeks in sorted(team_capacities.items()):
        members = {index[pk]: efforts[index[pk]] for pk in order if by_pk[pk].team == team}
        if members:
            add_row(members, _hundredths(weeks))
    for b, prerequisites_of_b in needs.items():
        for a in prerequisites_of_b:
            add_row({index[b]: 1.0, index[a]: -1.0}, 0.0)  # x_b − x_a ≤ 0
    matrix = coo_array((data, (rows, cols)), shape=(row, n)).tocsr()
    lower = np.zeros(n)
    for m in must_haves:
        lower[index[m]] = 1.0
    result = milp(
        c=-scaled,
        integrality=np.ones(n),
        bounds=Bounds(lower, np.ones(n)),
        constraints=LinearConstraint(matrix, -np.inf, np.array(upper, dtype=float)),
        options={"mip_rel_gap": 0.0, "time_limit": SOLVER_TIME_LIMIT},
    )
    if result.status != 0 or result.x is None:
        # Everything that makes the program infeasible is refused above; this is a time-out.
        raise PlanError(_("The planner found no proven optimum in time (%(m)s).") % {"m": result.message})
    chosen = [by_pk[order[i]] for i in range(n) if result.x[i] > 0.5]
    chosen.sort(key=lambda c: (-c.value, c.pk))
    return Plan(items=chosen, capacity=capacity, team_capacities=team_capacities)


def greedy_plan(
    *,
    candidates: list[Candidate],
    capacity: Decimal,
    team_capacities: dict[str, Decimal] | None = None,
    must_haves: Iterable[int] = (),
    dependencies: Iterable[tuple[int, int]] = (),
) -> Plan:
    """ "Top score first": the must-haves (with what they need), then down the priority ranking, each item
    taken with its missing prerequisites when they all still fit. For comparison with `plan_release`."""
    team_capacities = {t: Decimal(w) for t, w in (team_capacities or {}).items()}
    must_haves, dependencies = list(dict.fromkeys(must_haves)), list(dict.fromkeys(dependencies))
    capacity = Decimal(capacity) if capacity is not None else None
    by_pk, needs = _check(candidates, capacity, team_capacities, must_haves, dependencies)
    taken: set[int] = set()

    def fits(pks: set[int]) -> bool:
        group = [by_pk[pk] for pk in pks | taken]
        if sum((c.effort for c in group), Decimal("0")) > capacity:
            return False
        return all(
            sum((c.effort for c in group if c.team == team), Decimal("0")) <= weeks
            for team, weeks in team_capacities.items()
        )

    for m in must_haves:
        taken |= {m} | prerequisites(m, needs)
    for c in sorted(candidates, key=lambda c: (-c.score, -c.value, c.pk)):
        if c.pk in taken:
            continue
        group = ({c.pk} | prerequisites(c.pk, needs)) - taken
        if fits(group):
            taken |= group
    chosen = sorted((by_pk[pk] for pk in taken), key=lambda c: (-c.value, c.pk))
    return Plan(items=chosen, capacity=capacity, team_capacities=team_capacities)


# Planning backlog items from the database ---------------------------------------------------------


@dataclass
class PlanningInput:
    """The open backlog items a plan may choose from: the estimated ones as candidates, the others apart."""

    candidates: list[Candidate]
    not_estimated: list  # BacklogItem rows without an effort estimate: they cannot be planned
    items: dict  # pk → BacklogItem, for links and names


def planning_input(*, items, objective: str, market, weights) -> PlanningInput:
    """Candidates valued by `objective` ("equity": extrapolated customer equity; "score": the priority
    score), in one demand query for all items. Items without an effort estimate are returned apart."""
    items = list(items)
    demand = market.item_demand(items)
    candidates, not_estimated = [], []
    for item in items:
        if item.effort_estimate is None:
            not_estimated.append(item)
            continue
        score = item_score(item, demand[item.pk], weights)
        value = score if objective == "score" else demand[item.pk].extrapolated_equity
        candidates.append(
            Candidate(
                pk=item.pk,
                title=item.title,
                effort=item.effort_estimate,
                value=value,
                score=score,
                team=item.product.team,
            )
        )
    return PlanningInput(candidates=candidates, not_estimated=not_estimated, items={i.pk: i for i in items})


def release_create(
    *,
    name: str,
    version: str,
    target_date,
    objective: str,
    capacity: Decimal,
    team_capacities: dict[str, Decimal],
    must_haves: list[int],
    dependencies: list[tuple[int, int]],
    plan: Plan,
    greedy: Plan,
    created_by,
) -> Release:
    """Save a plan as a release: its items become the release's backlog items (for the release notes).

    The plan is the one the caller just solved from the same input; the input is stored beside it.
    """
    with transaction.atomic():
        release = Release.objects.create(
            name=name,
            version=version,
            target_date=target_date,
            objective=objective,
            capacity=capacity,
            team_capacities={team: str(weeks) for team, weeks in team_capacities.items()},
            must_haves=sorted(must_haves),
            dependencies=sorted([b, a] for b, a in dependencies),
            value=plan.value.quantize(Decimal("0.01")),
            greedy_value=greedy.value.quantize(Decimal("0.01")),
            created_by=created_by,
        )
        release.items.set(sorted(plan.pks))
    return release


@dataclass
class PlanComparison:
    """The optimal plan beside the greedy one, from the same input."""

    optimal: Plan
    greedy: Plan
    not_estimated: list
    items: dict  # pk → BacklogItem
    objective: str
    dropped_dependencies: list = field(default_factory=list)  # (b, a) whose a is already shipped

    @property
    def gain(self) -> Decimal:
        return self.optimal.value - self.greedy.value


def release_plan_compare(
    *,
    items,
    objective: str,
    capacity: Decimal,
    team_capacities: dict[str, Decimal],
    must_haves: list[int],
    dependencies: list[tuple[int, int]],
    market,
    weights,
    shipped: Iterable[int] = (),
) -> PlanComparison:
    """Plan the given open items: the optimum and the greedy plan. A dependency on an item in `shipped`
    is already met and dropped; a must-have or dependency naming an item without an estimate is refused."""
    prepared = planning_input(items=items, objective=objective, market=market, weights=weights)
    shipped = set(shipped)
    kept = [(b, a) for b, a in dependencies if a not in shipped and b not in shipped]
    dropped = [(b, a) for b, a in dependencies if (b, a) not in kept]
    unestimated = {i.pk: i for i in prepared.not_estimated}
    named = (set(must_haves) | {pk for pair in kept for pk in pair}) & set(unestimated)
    if named:
        raise PlanError(
            _("Not estimated, so they cannot be planned: %(items)s. Estimate their effort first.")
            % {"items": ", ".join(f"#{pk} {unestimated[pk].title}" for pk in sorted(named))}
        )
    arguments = {
        "candidates": prepared.candidates,
        "capacity": capacity,
        "team_capacities": team_capacities,
        "must_haves": must_haves,
        "dependencies": kept,
    }
    return PlanComparison(
        optimal=plan_release(**arguments),
        greedy=greedy_plan(**arguments),
        not_estimated=prepared.not_estimated,
        items=prepared.items,
        objective=objective,
        dropped_dependencies=dropped,
    )
