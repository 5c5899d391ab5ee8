"""The customer department's pages: the customer overview with its trends, the market estimates, and the
next-best-offer outreach list with its contacts (docs/clv.md; staff only, never customers)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cocreate.spreadsheets import csv_download
from community import permissions
from community.access import staff_required

from .customer_forms import MarketEstimateForm, OfferContactForm
from .equity_share import TREND_FIGURES, customer_overview, market_estimate_record, trend
from .models import CustomerRecord, CustomerSnapshot, MarketEstimate
from .offers import OfferAlreadyMade, next_best_offers, offer_contact_record, offer_target, outreach_segments


def _trend_titles():
    return {
        "equity": (_("Customer equity"), "money"),
        "share": (_("Customer-equity share"), "percent"),
        "mean_clv": (_("Mean CLV per customer"), "money"),
        "margin": (_("Customer profitability: margin per period"), "money"),
        "revenue_12m": (_("Revenue over the last 12 months"), "money"),
        "customers": (_("Customers"), "count"),
    }


def _estimate_segments(user):
    segments = outreach_segments(user)
    if not permissions.may_keep_market_estimates(user):
        return segments.none()
    return segments if permissions.manages_every_segment(user) else segments.filter(managers=user)


@staff_required(permissions.may_view_customer_overview)
def overview(request):
    """Aggregate level: every segment's customer equity, share and profitability, with their trends."""
    data = customer_overview()
    snapshots = list(CustomerSnapshot.objects.order_by("-month")[:24])[::-1]
    titles = _trend_titles()
    trends = [(titles[key][0], trend(snapshots, key), titles[key][1]) for key in TREND_FIGURES]
    segment_trends = [
        (segment, trend(snapshots, "equity", segment.pk), trend(snapshots, "share", segment.pk))
        for segment, _figures in data.segments
    ]
    context = {
        "overview": data,
        "trends": trends,
        "segment_trends": segment_trends,
        "snapshots": len(snapshots),
        "visible_segments": set(outreach_segments(request.user).values_list("pk", flat=True)),
        "may_keep_estimates": permissions.may_keep_market_estimates(request.user),
    }
    return render(request, "customers/overview.html", context)


@staff_required(permissions.may_view_customer_overview)
def market_estimates(request):
    """The estimates of each segment's whole market, newest first (the history), and a form for a new
    one (customer managers for their segments, administrators for all)."""
    segments = _estimate_segments(request.user)
    form = None
    if permissions.may_keep_market_estimates(request.user):
        form = MarketEstimateForm(request.POST or None, segments=segments)
    elif request.method == "POST":
        raise PermissionDenied(_("Only customer managers and administrators record market estimates."))
    if request.method == "POST" and form.is_valid():
        estimate = market_estimate_record(recorded_by=request.user, **form.cleaned_data)
        messages.success(
            request,
            _("Estimate recorded for %(segment)s, as of %(date)s.")
            % {"segment": estimate.segment.name, "date": estimate.as_of.isoformat()},
        )
        return redirect("backlog:market_estimates")
    estimates = MarketEstimate.objects.select_related("segment", "recorded_by").filter(
        segment__in=outreach_segments(request.user)
    )
    status = 400 if form is not None and form.errors else 200
    return render(request, "customers/estimates.html", {"form": form, "estimates": estimates}, status=status)


def _offers(request):
    return next_best_offers(segments=outreach_segments(request.user))


@staff_required(permissions.may_view_customer_overview)
def outreach(request):
    """Individual level: each customer's next best offers, ranked by expected value."""
    offers = _offers(request)
    may_record = permissions.may_record_offer_contacts(request.user)
    context = {"offers": offers, "may_record": may_record, "form": OfferContactForm() if may_record else None}
    return render(request, "customers/outreach.html", context)


@staff_required(permissions.may_view_customer_overview)
def outreach_csv(request):
    response, writer = csv_download(f"outreach-{timezone.localdate():%Y-%m-%d}.csv")
    writer.writerow(
        [
            "external_id",
            "email",
            "segment",
            "offer",
            "target",
            "fit",
            "clv",
            "p_alive",
            "expected_value",
            "why",
        ]
    )
    for offer in _offers(request):
        customer = offer.customer
        writer.writerow(
            [
                customer.external_id,
                customer.email,
                customer.segment.name if customer.segment else "",
                offer.kind,
                offer.target.title,
                offer.fit,
                customer.value,
                offer.p_alive,
                offer.expected_value,
                str(offer.reason),
            ]
        )
    return response


@require_POST
@staff_required(permissions.may_record_offer_contacts)
def offer_contact(request):
    """Record that an offer was brought to a customer; it then leaves the list for good."""
    form = OfferContactForm(request.POST)
    error = None
    if form.is_valid():
        customer = get_object_or_404(
            CustomerRecord.objects.select_related("segment"), pk=form.cleaned_data["customer"]
        )
        if not permissions.may_record_offer_contact(request.user, customer):
            raise PermissionDenied(
                _("Only this customer's segment managers and administrators record contacts.")
            )
        target = offer_target(form.cleaned_data["kind"], form.cleaned_data["target"])
        if target is None:
            error = _("There is no such shipped feature or published prototype.")
        else:
            try:
                offer_contact_record(
                    customer=customer,
                    kind=form.cleaned_data["kind"],
                    target=target,
                    channel=form.cleaned_data["channel"],
                    note=form.cleaned_data["note"],
                    contacted_by=request.user,
                )
            except OfferAlreadyMade:
                error = _("This customer was already brought this offer.")
            else:
                messages.success(
                    request,
                    _("Contact recorded: %(customer)s was brought “%(offer)s”; it leaves the list.")
                    % {"customer": customer.external_id, "offer": target.title},
                )
                return redirect("backlog:outreach")
    context = {"form": form, "error": error}
    return render(request, "customers/contact_error.html", context, status=400)
