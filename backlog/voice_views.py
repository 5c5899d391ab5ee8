"""Customer voice pages: an idea's recorded customer requests (proxy demand) with the customer search and
the form to record one, withdrawing a request, and the representative-demand and silent-segment parts
that the backlog item, triage and segment pages add to their context (docs/clv.md)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cocreate.http import redirect_to_next
from community import permissions
from community.access import staff_required
from ideas.models import Idea

from .demand import Market
from .forms import ProxyDemandForm, ProxyWithdrawForm
from .models import ProxyDemand
from .proxy import (
    customer_search,
    customers_for,
    proxy_demand_attach,
    proxy_demand_record,
    proxy_demand_withdraw,
    proxy_records,
)
from .representative import BASES, SILENT_MIN_EQUITY_SHARE, SILENT_MIN_VOICES, SILENT_VOICE_RATIO, Voices


def _customers_page(request, idea, *, form=None, withdraw_error="", status=200):
    query = request.GET.get("q", "")[:100]
    chosen = None
    chosen_missing = False
    wanted = form["customer"].value() if form is not None and form.is_bound else request.GET.get("customer")
    if wanted:
        chosen = (
            customers_for(request.user).select_related("segment", "member").filter(pk=_int(wanted)).first()
        )
        chosen_missing = chosen is None
    if form is None:
        form = ProxyDemandForm(initial={"customer": chosen.pk if chosen else None})
    market = Market()
    demand = proxy_demand_attach(market.idea_demand([idea]), by="idea")[idea.pk]
    context = {
        "idea": idea,
        "demand": demand,
        "query": query,
        "results": customer_search(viewer=request.user, query=query),
        "searched": bool(query.strip()),
        "chosen": chosen,
        "chosen_missing": chosen_missing,
        "form": form,
        "listing": proxy_records(viewer=request.user, idea_ids=[idea.pk]),
        "withdraw_form": ProxyWithdrawForm(),
        "withdraw_error": withdraw_error,
        "items": list(idea.backlog_items.only("pk", "title")),
    }
    return render(request, "backlog/idea_customers.html", context, status=status)


def _int(value) -> int:
    text = str(value).strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else 0


@staff_required(permissions.may_record_proxy_demand)
def idea_customers(request, pk):
    """GET: the requests recorded for the idea and the customer search; POST: record one (403 for a
    customer outside the segments a customer manager manages, 400 with the reason for bad input)."""
    idea = get_object_or_404(Idea.objects.select_related("product"), pk=pk)
    if request.method != "POST":
        return _customers_page(request, idea)
    form = ProxyDemandForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            proxy_demand_record(
                actor=request.user,
                idea=idea,
                customer=data["customer"],
                source=data["source"],
                note=data["note"],
                link=data["link"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Recorded: customer %(customer)s asked for this idea.")
                % {"customer": data["customer"].external_id},
            )
            return redirect_to_next(request, reverse("backlog:idea_customers", kwargs={"pk": idea.pk}))
    return _customers_page(request, idea, form=form, status=400)


@require_POST
@staff_required(permissions.may_record_proxy_demand)
def proxy_withdraw(request, pk):
    """Withdraw a recorded request: 403 outside the manager's segments, 409 when already withdrawn."""
    record = get_object_or_404(ProxyDemand.objects.select_related("idea__product"), pk=pk)
    form = ProxyWithdrawForm(request.POST)
    if not form.is_valid():
        error = " ".join(e for errors in form.errors.values() for e in errors)
        return _customers_page(request, record.idea, withdraw_error=error, status=400)
    try:
        proxy_demand_withdraw(actor=request.user, record=record, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        return _customers_page(request, record.idea, withdraw_error=" ".join(error.messages), status=409)
    messages.success(request, _("Withdrawn: it no longer counts in demand. The record stays in the log."))
    return redirect_to_next(request, reverse("backlog:idea_customers", kwargs={"pk": record.idea_id}))


# Parts of other pages ----------------------------------------------------------------------------


def basis_from(request) -> str:
    basis = request.GET.get("basis", "market")
    return basis if basis in BASES else "market"


def item_voice_context(*, request, item, page, market: Market) -> dict:
    """The backlog item page's customer voice: votes vs requests (combined), the requests the viewer may
    read, and representative support. Queries: proxy demand (item and ideas), requests, voters."""
    proxy_demand_attach({item.pk: page.demand}, by="item")
    proxy_demand_attach({idea.pk: demand for idea, demand in page.ideas}, by="idea")
    basis = basis_from(request)
    voices = Voices(market, basis=basis)
    return {
        "proxy_listing": proxy_records(viewer=request.user, idea_ids=[idea.pk for idea, _d in page.ideas]),
        "may_record_proxy": permissions.may_record_proxy_demand(request.user),
        "representative": voices.support(page.demand),
        "basis": basis,
    }


def silent_context(voices: Voices) -> dict:
    return {
        "silent_segments": voices.silent(),
        "silent_min_equity": SILENT_MIN_EQUITY_SHARE,
        "silent_ratio": SILENT_VOICE_RATIO,
        "silent_min_voices": SILENT_MIN_VOICES,
    }


def triage_voice_context(*, queue, market: Market) -> dict:
    """Triage: each idea's raw and reweighted support, and the silent segments. One query (voters)."""
    voices = Voices(market)
    return {
        "representative": {idea.pk: voices.support(queue.demand[idea.pk]) for idea in queue.ideas},
        **silent_context(voices),
    }


def segments_voice_context(*, market: Market, segment=None) -> dict:
    """Segment pages: every segment's share of customer equity and of voters (the index), or this one's
    (a dashboard), and the silent segments. One query (voters)."""
    voices = Voices(market)
    rows = voices.segments()
    context = {"segment_voices": rows, **silent_context(voices)}
    if segment is not None:
        context["segment_voice"] = next(v for v in rows if v.segment.pk == segment.pk)
    return context
