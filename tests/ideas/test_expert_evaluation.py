"""Expert evaluation (ideas.evaluation): R&D define criteria and name evaluators per product, the named
evaluators score ideas within each criterion's scale, staff read the means beside demand, backlog items
take their confidence from the scores, and customers never see any of it."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from backlog.expert_confidence import expert_confidence
from backlog.models import BacklogItem
from backlog.services import backlog_item_create, backlog_item_create_from_ideas
from ideas import evaluation
from ideas.models import EvaluationCriterion, EvaluationScore, ProductEvaluator
from search.backends.database import database_backend

from ..api.conftest import make_token
from ..factories import MemberFactory, ProductFactory, make_idea, with_role, with_totp

pytestmark = pytest.mark.django_db

SECRET_CRITERION = "Strategicfitness"


@pytest.fixture
def camera(db):
    return ProductFactory(name="Camera", slug="camera")


@pytest.fixture
def ravi(db):
    from community.roles import Role

    return with_totp(with_role(MemberFactory(username="ravi", display_name="Ravi R&D"), Role.RND))


@pytest.fixture
def panel(camera, rita, ravi):
    """Two criteria (feasibility 1–5, strategic fit 0–10) and two named evaluators, Rita and Ravi."""
    feasibility = evaluation.criterion_add(product=camera, by=rita, name="Feasibility")
    fit = evaluation.criterion_add(product=camera, by=rita, name=SECRET_CRITERION, scale_min=0, scale_max=10)
    evaluation.evaluators_set(product=camera, by=rita, members=[rita, ravi])
    return {"feasibility": feasibility, "fit": fit}


@pytest.fixture
def scored(panel, camera, rita, ravi, alice):
    idea = make_idea(author=alice, product=camera, title="Night mode")
    evaluation.idea_evaluate(
        idea=idea, evaluator=rita, scores={panel["feasibility"].pk: 4, panel["fit"].pk: 10}
    )
    evaluation.idea_evaluate(idea=idea, evaluator=ravi, scores={panel["feasibility"].pk: 2})
    return idea


def test_means_per_criterion_and_the_number_of_evaluators(scored, panel):
    result = evaluation.evaluations_of([scored])[scored.pk]
    assert result.evaluators == 2
    assert [(r.criterion.name, r.mean, r.evaluators) for r in result.criteria] == [
        ("Feasibility", 3.0, 2),
        (SECRET_CRITERION, 10.0, 1),
    ]
    # Normalised: (4-1)/4 = .75, (2-1)/4 = .25, (10-0)/10 = 1 → mean 2/3.
    assert result.rating == pytest.approx(2 / 3) and result.rating_percent == 67


def test_scoring_again_replaces_the_score(scored, panel, rita):
    evaluation.idea_evaluate(idea=scored, evaluator=rita, scores={panel["feasibility"].pk: 1})
    assert EvaluationScore.objects.get(idea=scored, evaluator=rita, criterion=panel["feasibility"]).score == 1
    assert EvaluationScore.objects.filter(idea=scored).count() == 3


def test_out_of_range_scores_are_refused_and_nothing_is_saved(panel, camera, rita, client):
    idea = make_idea(product=camera)
    with pytest.raises(ValidationError) as refused:
        evaluation.idea_evaluate(
            idea=idea, evaluator=rita, scores={panel["feasibility"].pk: 6, panel["fit"].pk: 5}
        )
    assert refused.value.message_dict == {
        f"criterion-{panel['feasibility'].pk}": ["Score Feasibility from 1 to 5."]
    }
    client.force_login(rita)
    response = client.post(
        f"/staff/evaluation/ideas/{idea.pk}/",
        {f"criterion-{panel['feasibility'].pk}": "0", f"criterion-{panel['fit'].pk}": "7"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Score Feasibility from 1 to 5." in page and 'value="7"' in page  # what was typed stays
    assert not EvaluationScore.objects.exists()
    assert (
        client.post(
            f"/staff/evaluation/ideas/{idea.pk}/", {f"criterion-{panel['feasibility'].pk}": "five"}
        ).status_code
        == 400
    )


def test_only_named_evaluators_score(panel, camera, adam, carl, client):
    idea = make_idea(product=camera)
    with pytest.raises(PermissionDenied):  # an administrator, but not named for this product
        evaluation.idea_evaluate(idea=idea, evaluator=adam, scores={panel["feasibility"].pk: 3})
    for member, status in ((adam, 403), (carl, 403)):
        client.force_login(member)
        assert (
            client.post(
                f"/staff/evaluation/ideas/{idea.pk}/", {f"criterion-{panel['feasibility'].pk}": "3"}
            ).status_code
            == status
        )
    assert not EvaluationScore.objects.exists()
    with pytest.raises(ValidationError, match="Only R&D members evaluate"):
        evaluation.evaluators_set(product=camera, by=adam, members=[carl])
    assert not ProductEvaluator.objects.filter(member=carl).exists()


def test_r_and_d_define_criteria_and_evaluators_from_the_site(camera, rita, ravi, client):
    client.force_login(rita)
    assert client.get("/staff/evaluation/").status_code == 200
    added = client.post(
        "/staff/evaluation/camera/criteria/", {"name": "Feasibility", "scale_min": "1", "scale_max": "5"}
    )
    assert added.status_code == 302
    duplicate = client.post(
        "/staff/evaluation/camera/criteria/", {"name": "feasibility", "scale_min": "1", "scale_max": "5"}
    )
    assert duplicate.status_code == 400 and "already" in duplicate.content.decode()
    backwards = client.post(
        "/staff/evaluation/camera/criteria/", {"name": "Fit", "scale_min": "5", "scale_max": "1"}
    )
    assert backwards.status_code == 400
    assert list(EvaluationCriterion.objects.values_list("name", flat=True)) == ["Feasibility"]
    named = client.post("/staff/evaluation/camera/evaluators/", {"members": [ravi.pk]})
    assert named.status_code == 302
    assert list(ProductEvaluator.objects.values_list("member__username", flat=True)) == ["ravi"]
    page = client.get("/staff/evaluation/camera/").content.decode()
    assert "Feasibility" in page and "1–5" in page


def test_staff_read_scores_on_the_idea_and_in_triage_customers_never(scored, rita, carl, alice, mona, client):
    client.force_login(rita)
    page = client.get(scored.get_absolute_url()).content.decode()
    assert "Expert evaluation" in page and "2 evaluators scored this idea" in page and "rating 67 %" in page
    assert "Save my scores" in page and 'value="4"' in page  # Rita's own scores, ready to change
    triage = client.get("/triage/").content.decode()
    assert "Experts:" in triage and "Feasibility 3.0/5" in triage and "(2 evaluators)" in triage
    client.force_login(carl)  # a customer manager reads the backlog: sees the scores, cannot score
    page = client.get(scored.get_absolute_url()).content.decode()
    assert "Expert evaluation" in page and "Save my scores" not in page
    for member in (alice, mona):
        client.force_login(member)
        page = client.get(scored.get_absolute_url()).content.decode()
        assert "Expert evaluation" not in page and SECRET_CRITERION not in page
    client.logout()
    assert SECRET_CRITERION not in client.get(scored.get_absolute_url()).content.decode()


def test_the_api_and_search_never_carry_scores(scored, alice, adam, client):
    for member, scopes in ((alice, ("read",)), (adam, ("read", "staff"))):
        token = make_token(member, scopes)
        response = client.get(f"/api/v1/ideas/{scored.pk}", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200
        assert SECRET_CRITERION not in response.content.decode() and "evaluation" not in response.json()
    database_backend().index_ideas([scored.pk])
    client.force_login(alice)
    found = client.get("/search/", {"q": SECRET_CRITERION}).content.decode()
    assert f'id="idea-{scored.pk}"' not in found


def test_scores_feed_the_backlog_items_confidence(scored, panel, camera, rita, client):
    item = backlog_item_create_from_ideas(ideas=[scored], actor=rita, title="Dark UI")
    unscored = backlog_item_create(creator=rita, product=camera, title="Other")
    # 0.5 + 0.5 × 2/3 = 0.83: between RICE's low (50 %) and high (100 %).
    assert expert_confidence([item.pk, unscored.pk]) == {item.pk: Decimal("0.83")}
    BacklogItem.objects.filter(pk=item.pk).update(effort_estimate=Decimal("2"), confidence=Decimal("0.5"))
    client.force_login(rita)
    page = client.get(item.get_absolute_url()).content.decode()
    assert "Experts&#x27; confidence: 0.83" in page or "Experts' confidence: 0.83" in page
