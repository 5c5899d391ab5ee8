"""CLV fits (parameters, window, calibration/holdout chart, "Refit now") and the customers at risk."""

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cocreate import charts
from cocreate.converters import MAX_ID
from community import permissions
from community.access import staff_required
from community.models import Segment
from ideas.models import Idea

from .clv_models import clv_fit_create
from .models import CLVFit
from .risk import customers_at_risk, segments_with_risk
from .selectors import member_value_segments
from .tasks import run_clv_fit


def _holdout_chart(fit: CLVFit):
    rows = (fit.diagnostics or {}).get("holdout", {}).get("by_frequency")
    if not rows:
        return None
    return charts.column_chart(
        [(row["label"], [row["actual"], row["predicted"]]) for row in rows],
        series=[_("Actual"), _("Predicted (BG/NBD)")],
        title=_("Repeat purchases in the holdout period, by repeat purchases in the calibration period"),
    )


@staff_required(permissions.may_view_clv_fits)
def clv_fits(request):
    fits = list(CLVFit.objects.select_related("created_by")[:20])
    latest = CLVFit.objects.filter(status=CLVFit.Status.SUCCEEDED).first()
    context = {
        "fits": fits,
        "latest": latest,
        "chart": _holdout_chart(latest) if latest else None,
        "segments": Segment.objects.order_by("name"),
        "may_refit": permissions.may_run_clv_fit(request.user),
        "horizon": settings.CLV_HORIZON_MONTHS,
    }
    return render(request, "segments/clv.html", context)


@staff_required(permissions.may_view_clv_fits)
def clv_fit_detail(request, pk):
    fit = get_object_or_404(CLVFit.objects.select_related("created_by"), pk=pk)
    context = {"fit": fit, "chart": _holdout_chart(fit)}
    return render(request, "segments/clv_fit.html", context)


@require_POST
@staff_required(permissions.may_run_clv_fit)
def clv_refit(request):
    """Queue a fit of every transaction up to today (it runs in the worker: seconds to minutes)."""
    fit = clv_fit_create(created_by=request.user)
    transaction.on_commit(lambda: run_clv_fit.enqueue(fit_id=fit.pk))
    messages.success(request, _("The refit is queued; this page shows its result when it has run."))
    return redirect("backlog:clv_fit", pk=fit.pk)


@staff_required(permissions.may_see_customers_at_risk)
def customers_at_risk_page(request):
    """Every at-risk customer the viewer may see, or (`?idea=<id>`, linked from the idea page) only the
    supporters of one idea."""
    segments = member_value_segments(request.user)
    idea = None
    if "idea" in request.GET:
        raw = request.GET["idea"]
        pk = int(raw) if raw.isdigit() and len(raw) <= 19 and 1 <= int(raw) <= MAX_ID else None
        idea = get_object_or_404(Idea.objects.visible_to(request.user).only("pk", "title"), pk=pk)
    context = {
        "idea": idea,
        "customers": customers_at_risk(segments=segments, idea=idea),
        "segments": segments_with_risk(segments.order_by("name"), idea=idea),
        "max_p_alive": settings.CLV_AT_RISK_MAX_P_ALIVE,
        "min_clv": settings.CLV_AT_RISK_MIN_CLV,
    }
    return render(request, "segments/at_risk.html", context)
