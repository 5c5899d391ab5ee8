"""Expert evaluation (optional per product): R&D defines criteria on a scale of whole numbers, names the
R&D members who evaluate the product's ideas, and each of them scores ideas on each criterion.

Scores are internal (community.permissions.may_see_evaluations): they are shown beside demand in triage
and on the staff part of an idea's page, never in pages shared with members, the search index or the
API's idea endpoints. Each score normalises to 0–1 on its criterion's scale ((score − lowest) ÷ (highest −
lowest)); the mean of those is the ideas' expert rating, which backlog items use as their confidence
(backlog.expert_confidence).
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Avg, Count
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from community import permissions
from community.models import Member

from .models import EvaluationCriterion, EvaluationScore, Idea, ProductEvaluator

MAX_CRITERIA = 12


def criteria_of(product_id: int | None) -> list[EvaluationCriterion]:
    if product_id is None:
        return []
    return list(EvaluationCriterion.objects.filter(product_id=product_id))


def is_evaluator(member, product_id: int | None) -> bool:
    return (
        product_id is not None
        and member.is_authenticated
        and permissions.may_be_evaluator(member)
        and ProductEvaluator.objects.filter(product_id=product_id, member=member).exists()
    )


@transaction.atomic
def criterion_add(
    *, product, by, name: str, description: str = "", scale_min: int = 1, scale_max: int = 5
) -> EvaluationCriterion:
    """Add a criterion to a product's expert evaluation (its first one turns evaluation on)."""
    if not permissions.may_define_evaluation(by):
        raise PermissionDenied(_("Only R&D define evaluation criteria."))
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("Name the criterion.")})
    if not 0 <= scale_min < scale_max <= 10:
        raise ValidationError({"scale_max": _("The scale goes from a lower to a higher score, at most 10.")})
    criteria = EvaluationCriterion.objects.select_for_update().filter(product=product)
    existing = list(criteria.annotate(lower=Lower("name")).values_list("lower", flat=True))
    if name.lower() in existing:
        raise ValidationError(
            {"name": _("This product has a criterion called “%(name)s” already.") % {"name": name}}
        )
    if len(existing) >= MAX_CRITERIA:
        raise ValidationError(_("At most %(n)d criteria per product.") % {"n": MAX_CRITERIA})
    return EvaluationCriterion.objects.create(
        product=product,
        name=name,
        description=(description or "").strip(),
        scale_min=scale_min,
        scale_max=scale_max,
        position=len(existing),
    )


@transaction.atomic
def evaluators_set(*, product, by, members) -> list[Member]:
    """Name the members who evaluate the product's ideas (R&D or administrators only); the others named
    before stop being evaluators, and their scores stay."""
    if not permissions.may_define_evaluation(by):
        raise PermissionDenied(_("Only R&D choose evaluators."))
    members = list(members)
    refused = [m.public_name for m in members if not permissions.may_be_evaluator(m)]
    if refused:
        raise ValidationError(
            {"members": _("Only R&D members evaluate ideas, not %(names)s.") % {"names": ", ".join(refused)}}
        )
    ProductEvaluator.objects.filter(product=product).exclude(member__in=members).delete()
    for member in members:
        ProductEvaluator.objects.get_or_create(product=product, member=member, defaults={"named_by": by})
    return members


@transaction.atomic
def idea_evaluate(*, idea: Idea, evaluator, scores: dict) -> list[EvaluationScore]:
    """Record `evaluator`'s scores of an idea ({criterion id: whole number}); scoring again replaces the
    earlier score. Only the evaluators named for the idea's product may; a score outside its criterion's
    scale is a ValidationError on that criterion's field (`criterion-<id>`), and nothing is saved."""
    if not is_evaluator(evaluator, idea.product_id):
        raise PermissionDenied(_("Only the evaluators named for this product score its ideas."))
    criteria = {c.pk: c for c in criteria_of(idea.product_id)}
    errors = {}
    for criterion_id, score in scores.items():
        criterion = criteria.get(int(criterion_id))
        if criterion is None:
            errors["__all__"] = _("That criterion is not one of this product's.")
        elif score is not None and not (criterion.scale_min <= score <= criterion.scale_max):
            errors[f"criterion-{criterion.pk}"] = _("Score %(name)s from %(low)d to %(high)d.") % {
                "name": criterion.name,
                "low": criterion.scale_min,
                "high": criterion.scale_max,
            }
    if errors:
        raise ValidationError(errors)
    saved = []
    for criterion_id, score in scores.items():
        if score is None:
            continue
        row, _created = EvaluationScore.objects.update_or_create(
            idea=idea, criterion_id=int(criterion_id), evaluator=evaluator, defaults={"score": score}
        )
        saved.append(row)
    return saved


@dataclass
class CriterionResult:
    criterion: EvaluationCriterion
    mean: float | None
    evaluators: int


@dataclass
class Evaluation:
    """An idea's expert evaluation: the mean and count per criterion, how many evaluators scored it at
    all, and the mean normalised score (0–1) over every score."""

    criteria: list[CriterionResult] = field(default_factory=list)
    evaluators: int = 0
    rating: float | None = None

    @property
    def rating_percent(self) -> int | None:
        return None if self.rating is None else round(self.rating * 100)


def evaluations_of(ideas) -> dict[int, Evaluation]:
    """Each idea's Evaluation, for ideas of products with criteria (at most two queries whatever the
    number: criteria, then scores when there are criteria)."""
    ideas = [i for i in ideas if i.product_id is not None]
    if not ideas:
        return {}
    criteria: dict[int, list[EvaluationCriterion]] = {}
    for criterion in EvaluationCriterion.objects.filter(product_id__in={i.product_id for i in ideas}):
        criteria.setdefault(criterion.product_id, []).append(criterion)
    if not criteria:  # no product of these ideas evaluates: no scores to read
        return {}
    rows = (
        EvaluationScore.objects.filter(idea__in=[i.pk for i in ideas])
        .values("idea_id", "criterion_id", "evaluator_id", "score")
        .order_by()
    )
    by_idea: dict[int, list[dict]] = {}
    for row in rows:
        by_idea.setdefault(row["idea_id"], []).append(row)
    result = {}
    for idea in ideas:
        own = criteria.get(idea.product_id)
        if not own:
            continue
        scores = by_idea.get(idea.pk, [])
        evaluation = Evaluation(evaluators=len({r["evaluator_id"] for r in scores}))
        normalised = []
        for criterion in own:
            mine = [r["score"] for r in scores if r["criterion_id"] == criterion.pk]
            evaluation.criteria.append(
                CriterionResult(criterion, sum(mine) / len(mine) if mine else None, len(mine))
            )
            span = criterion.scale_max - criterion.scale_min
            normalised += [(s - criterion.scale_min) / span for s in mine]
        evaluation.rating = sum(normalised) / len(normalised) if normalised else None
        result[idea.pk] = evaluation
    return result


def my_scores(idea: Idea, evaluator) -> dict[int, int]:
    return dict(
        EvaluationScore.objects.filter(idea=idea, evaluator=evaluator).values_list("criterion_id", "score")
    )


def evaluation_overview(product) -> dict:
    """The product's criteria (with how many scores each has) and its evaluators."""
    return {
        "criteria": list(
            EvaluationCriterion.objects.filter(product=product).annotate(
                scored=Count("scores"), mean=Avg("scores__score")
            )
        ),
        "evaluators": list(
            ProductEvaluator.objects.filter(product=product)
            .select_related("member")
            .order_by("member__username")
        ),
    }
