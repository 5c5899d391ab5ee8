"""Staff resources: the backlog, the triage queue, segments and their demand, and the CRM's customer
records (bulk upsert). Each asks the same predicate its page asks (community.permissions), with the
staff scope."""

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from ninja import Query, Router

from backlog import crm, selectors, services, transactions
from backlog.demand import Market
from backlog.forms import TriageForm
from backlog.models import PriorityWeights
from community import permissions
from community.models import Segment
from prototypes import selectors as prototype_selectors
from prototypes.models import Prototype

from . import access
from .auth import MEMBERS
from .problems import form_problem, invalid
from .schemas import (
    BacklogItemOut,
    CustomersIn,
    CustomersOut,
    PrototypeResultsOut,
    SegmentNeed,
    SegmentOut,
    TransactionsIn,
    TransactionsOut,
    TriageIn,
    TriageOut,
    TriagePage,
)

router = Router(auth=MEMBERS)


@router.get("/backlog/items", response=list[BacklogItemOut], tags=["backlog"], summary="The ranked backlog")
def backlog_items(request):
    access.staff(request, permissions.may_view_backlog, write=False)
    ranking = selectors.backlog_ranking(market=Market(), weights=PriorityWeights.load())
    return [
        {
            "rank": ranked.rank,
            "id": ranked.item.pk,
            "title": ranked.item.title,
            "product": ranked.item.product.slug,
            "status": ranked.item.status,
            "ideas": ranked.item.idea_count,
            "supporters": ranked.demand.supporters,
            "customer_equity": str(ranked.demand.customer_equity),
            "score": str(ranked.score),
        }
        for ranked in ranking
    ]


@router.get("/triage", response=TriagePage, tags=["backlog"], summary="The triage queue (R&D)")
def triage_queue(request, page: int = Query(1, ge=1, le=10_000)):
    access.staff(request, permissions.may_triage, write=False)
    queue = selectors.triage_queue(page=page, market=Market())
    return {
        "page": queue.page,
        "has_next": queue.has_next,
        "results": [
            {
                "id": idea.pk,
                "title": idea.title,
                "status": idea.status,
                "supporters": queue.demand[idea.pk].supporters,
                "customer_equity": str(queue.demand[idea.pk].customer_equity),
            }
            for idea in queue.ideas
        ],
    }


@router.post("/triage", response=TriageOut, tags=["backlog"], summary="Tag or decline ideas (R&D)")
def triage(request, payload: TriageIn):
    member = access.staff(request, permissions.may_triage, write=True)
    form = TriageForm(
        {
            "ideas": payload.ideas,
            "action": payload.action,
            "tags": ", ".join(payload.tags),
            "decline_reason": payload.reason,
        }
    )
    if not form.is_valid():
        return form_problem(form, names={"decline_reason": "reason"})
    ideas = list(form.cleaned_data["ideas"])
    if payload.action == "tag":
        services.triage_tag(ideas=ideas, tags=payload.tags, actor=member)
    else:
        services.triage_decline(ideas=ideas, reason=payload.reason, actor=member)
    return {"action": payload.action, "ideas": sorted(idea.pk for idea in ideas)}


@router.get("/segments", response=list[SegmentOut], tags=["segments"], summary="Segments and their value")
def segment_list(request):
    access.staff(request, permissions.may_view_segment_dashboards, write=False)
    return [
        {
            "slug": value.segment.slug,
            "name": value.segment.name,
            "clv": str(value.clv),
            "market_size": value.segment.market_size,
            "members": value.members,
            "customer_equity": str(value.customer_equity),
        }
        for value in Market().segments
    ]


@router.get(
    "/segments/{slug}/demand", response=list[SegmentNeed], tags=["segments"], summary="A segment's top needs"
)
def segment_demand(request, slug: str):
    access.staff(request, permissions.may_view_segment_dashboards, write=False)
    segment = Segment.objects.filter(slug=slug[:100]).first()
    if segment is None:
        raise Http404(_("No segment with that slug."))
    dashboard = selectors.segment_dashboard(segment=segment, market=Market())
    return [
        {
            "idea": idea.pk,
            "title": idea.title,
            "supporters": demand.supporters,
            "share": float(demand.share),
            "equity": str(demand.equity),
        }
        for idea, demand in dashboard.top_needs
    ]


@router.put("/customers", response=CustomersOut, tags=["customers"], summary="Upsert customer records")
def customers_upsert(request, payload: CustomersIn):
    """Create or replace members' CRM customer records by external id: all or nothing, with the CSV
    import's rules (backlog.crm); sending the same rows again changes nothing."""
    member = access.staff(request, permissions.may_import_customers, write=True)
    report = crm.customers_import(
        values=[row.model_dump() for row in payload.customers],  # the fields are the import's columns
        first_row=0,  # rows are numbered as the request's items
        imported_by=member,
        source="api",
        dry_run=payload.dry_run,
    )
    if report.file_errors or report.error_count:
        return import_problem(report, "customers")
    return {"created": report.created, "updated": report.updated, "imported": report.imported}


@router.put(
    "/transactions", response=TransactionsOut, tags=["customers"], summary="Import customers' transactions"
)
def transactions_import(request, payload: TransactionsIn):
    """Import purchases and refunds of CRM customers by external id: all or nothing, with the CSV
    import's rules (backlog.transactions); a transaction imported before is left as it is, so sending the
    same rows again changes nothing."""
    member = access.staff(request, permissions.may_import_customers, write=True)
    report = transactions.transactions_import(
        values=[row.model_dump() for row in payload.transactions],  # the fields are the import's columns
        first_row=0,  # rows are numbered as the request's items
        imported_by=member,
        source="api",
        dry_run=payload.dry_run,
    )
    if report.file_errors or report.error_count:
        return import_problem(report, "transactions")
    return {
        "rows": report.rows,
        "created": report.created,
        "unchanged": report.unchanged,
        "customers": report.customers,
        "imported": report.imported,
    }


def import_problem(report, field: str):
    """An import's report (backlog.imports.ImportReport) as a 422 problem: errors of the whole input on
    `field`, each row's on `field.N` (N its index in the request)."""
    errors = [{"field": field, "location": "body", "detail": message} for message in report.file_errors]
    errors += [{"field": f"{field}.{e.row}", "location": "body", "detail": e.reason} for e in report.errors]
    if report.unlisted_errors:
        detail = ngettext(
            "… and %(n)d more invalid row.", "… and %(n)d more invalid rows.", report.unlisted_errors
        ) % {"n": report.unlisted_errors}
        errors.append({"field": field, "location": "body", "detail": detail})
    return invalid(errors)


@router.get(
    "/prototypes/{int:prototype_id}/results",
    response=PrototypeResultsOut,
    tags=["prototypes"],
    summary="A prototype's ratings and comparisons (R&D)",
)
def prototype_results(request, prototype_id: int):
    access.staff(request, permissions.may_see_prototype_results, write=False)
    prototype = Prototype.objects.filter(pk=prototype_id).first()
    if prototype is None:
        raise Http404(_("No prototype with that number."))
    results = prototype_selectors.prototype_results(prototype)
    return {
        "prototype": prototype.pk,
        "comparisons": results["comparison_count"],
        "variants": [
            {
                "variant": result.variant.name,
                "version": result.version.number if result.version else None,
                "ratings": result.count,
                "mean": result.mean,
                "would_use_share": result.would_use_share,
                "distribution": [[int(score), int(count)] for score, count in result.distribution],
                "by_segment": [
                    {"segment": name, "ratings": count, "mean": mean, "would_use_share": share}
                    for name, count, mean, share in result.by_segment
                ],
            }
            for result in results["variants"]
        ],
    }
