"""Segment dashboards, members' value, the CRM and transactions import pages (staff only; see docs/clv.md)."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from cocreate import figures
from cocreate.http import body_limit
from community import permissions
from community.access import staff_required
from community.models import Segment
from community.templatetags.cocreate_tags import percent

from .crm import MAX_BYTES as CRM_MAX_BYTES
from .crm import CRMFileError, customers_import, decode_csv
from .demand import Market
from .forms import CustomerImportForm, TransactionImportForm
from .outcomes import segment_outcome_context
from .selectors import member_value_segments, segment_dashboard, segment_member_values
from .transactions import transactions_import
from .voice_views import segments_voice_context


@staff_required(permissions.may_view_segment_dashboards)
def segments(request):
    market = Market()
    context = {
        **segments_voice_context(market=market),
        "market": market,
        "member_value_segments": set(member_value_segments(request.user).values_list("pk", flat=True)),
        "equity_chart_title": _("Customer equity by segment (CLV × market size)"),
        "equity_chart": [
            (v.segment.name, v.customer_equity, figures.money_compact(v.customer_equity))
            for v in market.segments
        ],
    }
    return render(request, "segments/index.html", context)


@staff_required(permissions.may_view_segment_dashboards)
def segment_detail(request, slug):
    segment = get_object_or_404(Segment, slug=slug)
    market = Market()
    dashboard = segment_dashboard(segment=segment, market=market)
    context = {
        **segments_voice_context(market=market, segment=segment),
        "dashboard": dashboard,
        "segment": segment,
        "may_see_members": permissions.may_see_segment_values(request.user, segment),
        **segment_outcome_context(segment, request.GET.get("window")),
        "needs_chart_title": _("Share of this segment's members behind each top need"),
        "needs_chart": [
            (idea.title, demand.share, percent(demand.share)) for idea, demand in dashboard.top_needs
        ],
    }
    return render(request, "segments/detail.html", context)


@staff_required(permissions.may_see_member_values)
def segment_members(request, slug):
    segment = get_object_or_404(Segment, slug=slug)
    if not permissions.may_see_segment_values(request.user, segment):
        raise PermissionDenied(
            _("Only this segment's customer managers, R&D and administrators see its members.")
        )
    market = Market()
    context = {
        "segment": segment,
        "value": market.by_pk[segment.pk],
        "members": segment_member_values(segment=segment, market=market),
    }
    return render(request, "segments/members.html", context)


# The CRM export (step 1) or its text coming back to be confirmed (step 2), and the form around it.
@body_limit(CRM_MAX_BYTES + 2**20)
@staff_required(permissions.may_import_customers)
def customers_import_page(request):
    """Upload a CRM export: a dry run lists every bad row; the import itself is a second, confirmed step."""
    form = CustomerImportForm(*(request.POST, request.FILES) if request.method == "POST" else ())
    report, text, source, file_error = None, "", "", None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload:
                text, source = decode_csv(upload.read()), upload.name
            else:
                text, source = form.cleaned_data["csv_text"], form.cleaned_data["source"]
        except CRMFileError as error:
            file_error = str(error)
        else:
            confirm = bool(form.cleaned_data["confirm"]) and not upload
            report = customers_import(text=text, imported_by=request.user, source=source, dry_run=not confirm)
    status = 400 if form.errors or file_error or (report and not report.ok) else 200
    context = {
        "form": form,
        "report": report,
        "file_error": file_error,
        "csv_text": text,
        "source": source,
        "managed": Segment.objects.all()
        if permissions.manages_every_segment(request.user)
        else request.user.managed_segments.all(),
    }
    return render(request, "segments/import.html", context, status=status)


@body_limit(
    lambda: settings.CLV_TRANSACTIONS_UPLOAD_MAX_BYTES + 2**20,
    max_file_bytes=lambda: settings.CLV_TRANSACTIONS_UPLOAD_MAX_BYTES,
)
@staff_required(permissions.may_import_customers)
def transactions_import_page(request):
    """Upload customers' transactions: checked row by row, imported all or nothing (docs/clv.md)."""
    form = TransactionImportForm(*(request.POST, request.FILES) if request.method == "POST" else ())
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        report = transactions_import(
            lines=upload,
            imported_by=request.user,
            source=upload.name,
            dry_run=form.cleaned_data["check_only"],
        )
    status = 400 if form.errors or (report and not report.ok) else 200
    context = {
        "form": form,
        "report": report,
        "currency": settings.COCREATE_CURRENCY,
        "max_mb": settings.CLV_TRANSACTIONS_UPLOAD_MAX_BYTES // 2**20,
        "managed": Segment.objects.all()
        if permissions.manages_every_segment(request.user)
        else request.user.managed_segments.all(),
    }
    return render(request, "segments/transactions_import.html", context, status=status)
