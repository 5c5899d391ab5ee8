"""Release planning within capacity: the MILP against brute force, the greedy plan, refusals, the pages."""

import itertools
import random
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backlog.models import BacklogItem, Release
from backlog.planning import Candidate, PlanError, greedy_plan, plan_release
from community import permissions
from tests.factories import MemberFactory, ProductFactory, make_idea
from voting.services import vote_cast

D = Decimal


def brute_force(candidates, capacity, team_capacities, must_haves, dependencies):
    """The best value over every subset that respects capacity, team capacities, must-haves and needs."""
    best = None
    for size in range(len(candidates) + 1):
        for chosen in itertools.combinations(candidates, size):
            pks = {c.pk for c in chosen}
            if not set(must_haves) <= pks:
                continue
            if any(b in pks and a not in pks for b, a in dependencies):
                continue
            if sum(c.effort for c in chosen) > capacity:
                continue
            if any(
                sum(c.effort for c in chosen if c.team == team) > weeks
                for team, weeks in team_capacities.items()
            ):
                continue
            value = sum((c.value for c in chosen), D(0))
            best = value if best is None or value > best else best
    return best


def random_instance(rng, n):
    candidates = [
        Candidate(
            pk=i + 1,
            title=f"Item {i + 1}",
            effort=D(rng.randint(10, 800)) / 100,
            value=D(rng.randint(0, 1_000_000)) / 100,
            score=D(rng.randint(0, 1000)),
            team=rng.choice(["Imaging", "Power", "Apps"]),
        )
        for i in range(n)
    ]
    # Dependencies only from later to earlier items: never a cycle.
    dependencies = {(b, rng.randint(1, b - 1)) for b in rng.sample(range(2, n + 1), k=rng.randint(0, n // 2))}
    must_haves = rng.sample(range(1, n + 1), k=rng.randint(0, min(2, n)))
    team_capacities = {"Imaging": D(rng.randint(3, 12))} if rng.random() < 0.5 else {}
    capacity = D(rng.randint(5, 25))
    return candidates, capacity, team_capacities, must_haves, sorted(dependencies)


@pytest.mark.parametrize("seed", range(60))
def test_the_plan_is_as_good_as_brute_force_and_feasible(seed):
    rng = random.Random(seed)
    candidates, capacity, teams, must, needs = random_instance(rng, rng.randint(1, 11))
    arguments = {
        "candidates": candidates,
        "capacity": capacity,
        "team_capacities": teams,
        "must_haves": must,
        "dependencies": needs,
    }
    best = brute_force(candidates, capacity, teams, must, needs)
    try:
        plan = plan_release(**arguments)
    except PlanError as error:
        # Refused only when brute force finds nothing feasible either (the must-haves cannot fit).
        assert best is None, str(error)
        assert "do not fit" in str(error)
        return
    assert best is not None
    assert plan.value == best
    pks = plan.pks
    assert set(must) <= pks
    assert all(a in pks for b, a in needs if b in pks)
    assert plan.effort <= capacity
    for team, weeks in teams.items():
        assert sum(c.effort for c in plan.items if c.team == team) <= weeks
    # The greedy plan is feasible too, and never better.
    greedy = greedy_plan(**arguments)
    assert set(must) <= greedy.pks and greedy.effort <= capacity
    assert all(a in greedy.pks for b, a in needs if b in greedy.pks)
    assert greedy.value <= plan.value


def c(pk, effort, value, score=None, team=""):
    return Candidate(
        pk=pk, title=f"Item {pk}", effort=D(effort), value=D(value), score=D(score or 0), team=team
    )


def test_greedy_top_score_first_misses_what_the_optimum_takes():
    # Capacity 10. Top score first takes #1 (score 9, 6 weeks, 60) and then nothing else fits;
    # the optimum takes #2 and #3 (5 + 5 weeks, 50 + 50 = 100).
    candidates = [c(1, 6, 60, score=9), c(2, 5, 50, score=8), c(3, 5, 50, score=7)]
    greedy = greedy_plan(candidates=candidates, capacity=D(10))
    best = plan_release(candidates=candidates, capacity=D(10))
    assert greedy.pks == {1} and greedy.value == 60
    assert best.pks == {2, 3} and best.value == 100 and best.spare == 0


def test_greedy_takes_prerequisites_along_when_they_fit():
    candidates = [c(1, 2, 5, score=1), c(2, 3, 40, score=9), c(3, 9, 1, score=5)]
    greedy = greedy_plan(candidates=candidates, capacity=D(5), dependencies=[(2, 1)])
    assert greedy.pks == {1, 2}


def test_dependencies_and_must_haves_are_respected():
    candidates = [c(1, 4, 1), c(2, 4, 100), c(3, 4, 50), c(4, 1, 0)]
    # #2 needs #1: taking #2 means taking #1, which leaves room for nothing else of value.
    plan = plan_release(candidates=candidates, capacity=D(8), dependencies=[(2, 1)])
    assert plan.pks == {1, 2} and plan.value == 101  # beats #3 + #4 (50)
    # With #3 a must-have, #2 (which would bring #1) no longer fits: #3 and #1 (51) beat #3 and #4 (50).
    plan = plan_release(candidates=candidates, capacity=D(8), must_haves=[3], dependencies=[(2, 1)])
    assert plan.pks == {1, 3} and plan.value == 51


def test_team_capacity_limits_the_team_only():
    candidates = [c(1, 5, 100, team="Imaging"), c(2, 5, 90, team="Imaging"), c(3, 5, 10, team="Power")]
    plan = plan_release(candidates=candidates, capacity=D(15), team_capacities={"Imaging": D(5)})
    assert plan.pks == {1, 3}
    assert plan.team_effort() == [("Imaging", D(5), D(5)), ("Power", D(5), None)]


def test_efforts_fit_exactly_to_the_hundredth():
    candidates = [c(1, "3.33", 1), c(2, "3.33", 1), c(3, "3.34", 1)]
    assert plan_release(candidates=candidates, capacity=D("10.00")).pks == {1, 2, 3}
    assert len(plan_release(candidates=candidates, capacity=D("9.99")).pks) == 2


@pytest.mark.parametrize("capacity", [D(0), D(-3)])
def test_capacity_must_be_positive(capacity):
    with pytest.raises(PlanError, match="Capacity must be more than 0 person-weeks"):
        plan_release(candidates=[c(1, 1, 1)], capacity=capacity)


def test_a_dependency_cycle_is_named():
    candidates = [c(1, 1, 1), c(2, 1, 1), c(3, 1, 1), c(4, 1, 1)]
    with pytest.raises(PlanError) as refused:
        plan_release(candidates=candidates, capacity=D(5), dependencies=[(1, 2), (2, 3), (3, 1), (4, 1)])
    assert "cycle: #1 Item 1 → #2 Item 2 → #3 Item 3 → #1 Item 1" in str(refused.value)


def test_a_must_have_that_does_not_fit_is_named_with_what_it_needs():
    candidates = [c(1, 4, 1), c(2, 3, 1), c(3, 1, 1)]
    with pytest.raises(PlanError) as refused:
        plan_release(candidates=candidates, capacity=D(6), must_haves=[2], dependencies=[(2, 1)])
    message = str(refused.value)
    assert "must-haves do not fit: #1 Item 1, #2 Item 2 need 7 person-weeks" in message
    assert "capacity is 6" in message


def test_a_must_have_beyond_its_team_capacity_is_named():
    candidates = [c(1, 4, 1, team="Apps"), c(2, 1, 1, team="Power")]
    with pytest.raises(PlanError, match="must-haves of team Apps do not fit: #1 Item 1"):
        plan_release(candidates=candidates, capacity=D(10), team_capacities={"Apps": D(3)}, must_haves=[1])


def test_unknown_items_are_named():
    with pytest.raises(PlanError, match=r"Unknown items \(not among the candidates\): #7, #9"):
        plan_release(candidates=[c(1, 1, 1)], capacity=D(5), must_haves=[9], dependencies=[(1, 7)])


def test_nothing_to_plan_is_an_empty_plan():
    assert plan_release(candidates=[], capacity=D(5)).items == []


# The pages ------------------------------------------------------------------------------------------


@pytest.fixture
def backlog_world(db, rita, segments):
    """Three estimated items and one without an estimate; Pros members support #big."""
    pros, _casual = segments
    product = ProductFactory(name="Camera", slug="camera-plan", team="Imaging")
    other = ProductFactory(name="App", slug="app-plan", team="Apps")
    fans = [MemberFactory() for _ in range(2)]
    for fan in fans:
        fan.segments.add(pros)
    items = {}
    for key, title, effort, prod in [
        ("big", "Night mode", "6", product),
        ("small_a", "Faster focus", "5", product),
        ("small_b", "Share to app", "5", other),
        ("rough", "Holograms", None, product),
    ]:
        items[key] = BacklogItem.objects.create(
            product=prod, title=title, created_by=rita, effort_estimate=effort and D(effort)
        )
        idea = make_idea(title=f"Idea for {title}")
        items[key].ideas.add(idea)
        if key in ("big", "small_a", "small_b"):
            vote_cast(member=fans[0], idea_id=idea.pk)
        if key in ("small_a", "small_b"):
            vote_cast(member=fans[1], idea_id=idea.pk)
    return items


def plan_query(items, **extra):
    query = {"capacity": "10", "objective": "equity", "candidates": [i.pk for i in items], **extra}
    return query


@pytest.mark.django_db
def test_rnd_plans_and_saves_a_release(client, rita, backlog_world):
    w = backlog_world
    client.force_login(rita)
    page = client.get("/backlog/plan/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Not estimated: cannot be planned" in text and "Holograms" in text
    response = client.get("/backlog/plan/", plan_query([w["big"], w["small_a"], w["small_b"]]))
    assert response.status_code == 200
    comparison = response.context["comparison"]
    # Extrapolated equity: each of Pros' 2 members is 1/2 × 10 000 × 266.67 = 1 333 350.
    # #small_a and #small_b have both fans (2 666 700 each); #big one fan (1 333 350).
    assert comparison.optimal.pks == {w["small_a"].pk, w["small_b"].pk}
    assert comparison.optimal.value == D("5333400.00")
    assert "<svg" in response.content.decode() and "Optimal plan" in response.content.decode()
    saved = client.post(
        "/backlog/releases/new/",
        {**plan_query([w["big"], w["small_a"], w["small_b"]]), "name": "Spring", "version": "2.0"},
    )
    release = Release.objects.get()
    assert saved.status_code == 302 and saved["Location"] == release.get_absolute_url()
    assert set(release.items.values_list("pk", flat=True)) == {w["small_a"].pk, w["small_b"].pk}
    assert release.created_by == rita and release.capacity == 10 and release.value == D("5333400.00")
    detail = client.get(release.get_absolute_url()).content.decode()
    assert "Faster focus" in detail and "Share to app" in detail and "Night mode" not in detail


@pytest.mark.django_db
def test_bad_input_is_a_clear_form_error(client, rita, backlog_world):
    w = backlog_world
    client.force_login(rita)
    three = [w["big"], w["small_a"], w["small_b"]]
    cases = [
        (plan_query(three, capacity="0"), "Capacity must be more than 0 person-weeks."),
        (plan_query(three, capacity="-2"), "Capacity must be more than 0 person-weeks."),
        (
            plan_query(
                three, dependencies=f"{w['big'].pk} needs {w['small_a'].pk}\n{w['small_a'].pk}: {w['big'].pk}"
            ),
            "The dependencies form a cycle",
        ),
        (plan_query(three, must_haves=[w["big"].pk, w["small_a"].pk]), "The must-haves do not fit: #"),
        (plan_query(three, candidates=[999999]), "Unknown or no longer open backlog item: 999999."),
        (
            plan_query(three, dependencies="999998 needs 999999"),
            "Unknown backlog items in the dependencies: #999998, #999999.",
        ),
        (plan_query(three, dependencies="twelve needs seven"), "Line 1: write"),
        (plan_query(three, must_haves=[w["rough"].pk]), "Not estimated, so they cannot be planned: #"),
        (plan_query(three, team_capacities="Nobody: 3"), "No candidate belongs to these teams: Nobody."),
    ]
    for query, message in cases:
        response = client.get("/backlog/plan/", query)
        assert response.status_code == 400, message
        assert message in response.content.decode().replace("&#x27;", "'"), message
    # Nothing is saved from refused input.
    response = client.post("/backlog/releases/new/", {**plan_query(three, capacity="0"), "name": "X"})
    assert response.status_code == 400 and not Release.objects.exists()
    # A release needs a name.
    response = client.post("/backlog/releases/new/", plan_query(three))
    assert response.status_code == 400 and not Release.objects.exists()


@pytest.mark.django_db
def test_who_may_plan_and_view_releases(client, alice, rita, carl, mona, adam, backlog_world):
    release = Release.objects.create(
        name="R", capacity=5, objective="equity", value=0, greedy_value=0, created_by=rita
    )
    for user, plan, view in [
        (alice, 403, 403),
        (mona, 403, 403),
        (carl, 403, 200),
        (rita, 200, 200),
        (adam, 200, 200),
    ]:
        client.force_login(user)
        assert client.get("/backlog/plan/").status_code == plan, user
        assert client.get("/backlog/releases/").status_code == view, user
        assert client.get(release.get_absolute_url()).status_code == view, user
        saved = client.post("/backlog/releases/new/", {**plan_query([backlog_world["small_a"]]), "name": "S"})
        assert saved.status_code == (302 if plan == 200 else 403), user
        assert permissions.may_plan_releases(user) == (plan == 200)
        assert permissions.may_view_releases(user) == (view == 200)


@pytest.mark.django_db
def test_the_plan_page_has_a_fixed_number_of_queries(client, rita, backlog_world):
    client.force_login(rita)
    client.get("/backlog/plan/")  # the session's first request writes it

    def count():
        items = BacklogItem.objects.filter(effort_estimate__isnull=False)
        query = plan_query(
            items, dependencies=f"{backlog_world['big'].pk} needs {backlog_world['small_a'].pk}"
        )
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/backlog/plan/", query).status_code == 200
        return len(captured)

    count()  # the first plan creates the priority weights' row
    small = count()
    product = ProductFactory(slug="more-plan", team="Apps")
    for k in range(20):
        BacklogItem.objects.create(product=product, title=f"More {k}", created_by=rita, effort_estimate=D(1))
    assert count() == small
