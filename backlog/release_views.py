"""Release planning within capacity (backlog.planning) and the saved releases."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cocreate import figures
from community import permissions
from community.access import staff_required

from .demand import Market
from .models import PriorityWeights, Release
from .planning import PlanError, release_create, release_plan_compare
from .release_forms import PlanForm, ReleaseForm, open_items


def _compare(form: PlanForm):
    data = form.cleaned_data
    return release_plan_compare(
        items=data["candidates"],
        objective=data["objective"],
        capacity=data["capacity"],
        team_capacities=data["team_capacities"],
        must_haves=[i.pk for i in data["must_haves"]],
        dependencies=data["dependencies"],
        market=Market(),
        weights=PriorityWeights.load(),
        shipped=form.shipped_prerequisites(),
    )


def _chart(comparison):
    money = comparison.objective == Release.Objective.EQUITY
    shown = figures.money_compact if money else figures.compact_number
    optimal, greedy = comparison.optimal.value, comparison.greedy.value
    return (
        _("What each plan captures: extrapolated customer equity")
        if money
        else _("What each plan captures: total priority score"),
        [
            (_("Optimal plan"), optimal, shown(optimal)),
            (_("Top score first (greedy)"), greedy, shown(greedy)),
        ],
    )


def _page(request, form, release_form, comparison, status=200):
    items = list(open_items())
    context = {
        "form": form,
        "release_form": release_form,
        "comparison": comparison,
        "estimated": [i for i in items if i.effort_estimate is not None],
        "not_estimated": [i for i in items if i.effort_estimate is None],
        # The boxes as they were: from the query (or the posted form), else the defaults.
        "checked": {str(pk) for pk in (form["candidates"].value() or [])},
        "checked_must": {str(pk) for pk in (form["must_haves"].value() or [])},
        "may_plan": permissions.may_plan_releases(request.user),
    }
    if comparison is not None:
        context["chart_title"], context["chart_rows"] = _chart(comparison)
        context["comparison_plans"] = [
            (_("Optimal plan"), comparison.optimal),
            (_("Top score first (greedy)"), comparison.greedy),
        ]
    return render(request, "backlog/plan.html", context, status=status)


def _bound_plan(form):
    """The comparison for a valid form, or None with the planner's refusal added to the form."""
    if not form.is_valid():
        return None
    try:
        return _compare(form)
    except PlanError as error:
        form.add_error(None, str(error))
        return None


@staff_required(permissions.may_plan_releases)
def plan(request):
    """Plan a release: the optimal set within capacity beside the greedy one. Reading only (GET)."""
    if "capacity" not in request.GET:
        initial = {"candidates": [i.pk for i in open_items() if i.effort_estimate is not None]}
        return _page(request, PlanForm(initial=initial), None, None)
    form = PlanForm(request.GET)
    comparison = _bound_plan(form)
    return _page(request, form, ReleaseForm(), comparison, status=200 if comparison else 400)


@require_POST
@staff_required(permissions.may_plan_releases)
def release_new(request):
    """Save the plan of the posted input as a release: solved again here, never taken from the page."""
    form, release_form = PlanForm(request.POST), ReleaseForm(request.POST)
    comparison = _bound_plan(form)
    if comparison is None or not release_form.is_valid():
        return _page(request, form, release_form, comparison, status=400)
    data = form.cleaned_data
    release = release_create(
        **release_form.cleaned_data,
        objective=data["objective"],
        capacity=data["capacity"],
        team_capacities=data["team_capacities"],
        must_haves=[i.pk for i in data["must_haves"]],
        dependencies=data["dependencies"],
        plan=comparison.optimal,
        greedy=comparison.greedy,
        created_by=request.user,
    )
    messages.success(request, _("Release saved with the plan's items."))
    return redirect(release)


@staff_required(permissions.may_view_releases)
def releases(request):
    rows = Release.objects.select_related("created_by").prefetch_related("items")[:200]
    return render(
        request,
        "backlog/releases.html",
        {"releases": rows, "may_plan": permissions.may_plan_releases(request.user)},
    )


@staff_required(permissions.may_view_releases)
def release_detail(request, pk):
    release = get_object_or_404(Release.objects.select_related("created_by"), pk=pk)
    items = list(release.items.select_related("product").order_by("-effort_estimate", "pk"))
    money = release.objective == Release.Objective.EQUITY
    shown = figures.money_compact if money else figures.compact_number
    context = {
        "release": release,
        "items": items,
        "effort": sum(i.effort_estimate or 0 for i in items),
        "chart_title": _("What each plan captured when the release was saved"),
        "chart_rows": [
            (_("Optimal plan"), release.value, shown(release.value)),
            (_("Top score first (greedy)"), release.greedy_value, shown(release.greedy_value)),
        ],
    }
    return render(request, "backlog/release_detail.html", context)
