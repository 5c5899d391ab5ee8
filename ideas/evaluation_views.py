"""R&D define expert evaluation per product; named evaluators score ideas (ideas.evaluation)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from community import permissions
from community.access import staff_required
from products.models import Product

from . import evaluation
from .evaluation_forms import CriterionForm, EvaluatorsForm, ScoresForm
from .models import Idea
from .views import idea_page_with_scores_form

rnd_required = staff_required(permissions.may_define_evaluation)


@require_GET
@rnd_required
def evaluation_list(request):
    products = Product.objects.annotate(
        criteria=Count("evaluation_criteria", distinct=True),
        evaluator_count=Count("evaluators", distinct=True),
    ).order_by("name")
    return render(request, "ideas/evaluation_list.html", {"products": products})


def _page(request, product, *, criterion_form=None, evaluators_form=None, status=200):
    overview = evaluation.evaluation_overview(product)
    return render(
        request,
        "ideas/evaluation_detail.html",
        {
            "product": product,
            **overview,
            "criterion_form": criterion_form or CriterionForm(),
            "evaluators_form": evaluators_form
            or EvaluatorsForm(initial={"members": [e.member_id for e in overview["evaluators"]]}),
        },
        status=status,
    )


@require_GET
@rnd_required
def evaluation_detail(request, product):
    return _page(request, get_object_or_404(Product, slug=product))


@require_POST
@rnd_required
def criterion_create(request, product):
    product = get_object_or_404(Product, slug=product)
    form = CriterionForm(request.POST)
    if form.is_valid():
        try:
            criterion = evaluation.criterion_add(product=product, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Criterion “%(name)s” added.") % {"name": criterion.name})
            return redirect("evaluation:product", product=product.slug)
    return _page(request, product, criterion_form=form, status=400)


@require_POST
@rnd_required
def evaluators_update(request, product):
    product = get_object_or_404(Product, slug=product)
    form = EvaluatorsForm(request.POST)
    if form.is_valid():
        try:
            evaluation.evaluators_set(product=product, by=request.user, members=form.cleaned_data["members"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Evaluators saved."))
            return redirect("evaluation:product", product=product.slug)
    return _page(request, product, evaluators_form=form, status=400)


@require_POST
@staff_required(permissions.may_be_evaluator)
def idea_scores(request, pk):
    """A named evaluator scores an idea; refused scores come back on the idea's page as form errors."""
    idea = get_object_or_404(Idea, pk=pk)
    if not evaluation.is_evaluator(request.user, idea.product_id):
        raise PermissionDenied(_("Only the evaluators named for this product score its ideas."))
    form = ScoresForm(request.POST, criteria=evaluation.criteria_of(idea.product_id))
    if form.is_valid():
        try:
            evaluation.idea_evaluate(idea=idea, evaluator=request.user, scores=form.scores())
        except ValidationError as error:
            form.add_error(None, error)  # each message on its criterion's field
        else:
            messages.success(request, _("Your scores are saved."))
            return redirect(idea)
    # The idea's own page, with the scores as typed and their errors.
    return idea_page_with_scores_form(request, idea.pk, form)
