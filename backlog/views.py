import json
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from cocreate import figures
from cocreate.spreadsheets import csv_download
from community import permissions
from community.access import staff_required
from community.models import LastVisit
from community.services import last_visit_record
from ideas.evaluation import evaluations_of
from ideas.forms import OwnerForm

from . import services
from .demand import Market
from .expert_confidence import expert_confidence
from .forms import BacklogFilterForm, BacklogItemForm, PriorityWeightsForm, TriageFilterForm, TriageForm
from .models import BacklogItem, PriorityWeights
from .outcomes import item_outcome_context
from .proxy import proxy_demand_attach
from .scoring import item_score
from .selectors import backlog_item_page, backlog_items, backlog_ranking, triage_queue
from .voice_views import item_voice_context, triage_voice_context
from .workspace import workspace_assigned, workspace_changes, workspace_segments, workspace_waiting


def _errors_to_messages(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@staff_required(permissions.may_triage)
def triage(request):
    filters = TriageFilterForm(request.GET)
    filters.is_valid()
    sort = filters.cleaned_data.get("sort") or "new"
    page = filters.cleaned_data.get("page") or 1
    form = TriageForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            made = _triage_apply(request.user, form.cleaned_data)
        except ValidationError as error:
            _errors_to_messages(request, error)
        else:
            messages.success(request, _triage_done_message(form.cleaned_data, made))
        # Back to the queue as it was shown: its sort and its "mine" filter.
        return redirect(
            f"{request.path}?sort={sort}" + ("&mine=1" if filters.cleaned_data.get("mine") else "")
        )
    mine = bool(filters.cleaned_data.get("mine"))
    market = Market()
    queue = triage_queue(sort=sort, page=page, market=market, owner=request.user if mine else None)
    context = {
        **triage_voice_context(queue=queue, market=market),
        "queue": queue,
        # Expert scores beside demand (ideas.evaluation), for the products that evaluate ideas.
        "evaluations": evaluations_of(queue.ideas) if permissions.may_see_evaluations(request.user) else {},
        "form": form,
        "sort": sort,
        "mine": mine,
        "action_groups": form.action_groups(),
        # A refused form shows the page again with everything as it was: the checked ideas too.
        "checked": set(request.POST.getlist("ideas")) if form.is_bound else set(),
    }
    return render(request, "backlog/triage.html", context, status=400 if form.errors else 200)


def _triage_apply(actor, data):
    """Run the chosen action; returns what it made or changed besides the ideas (an item, an idea)."""
    ideas, action = list(data["ideas"]), data["action"]
    if action == "tag":
        services.triage_tag(ideas=ideas, tags=data["tag_list"], actor=actor)
    elif action == "set_product":
        services.triage_set_product(ideas=ideas, product=data["product"], actor=actor)
    elif action == "link":
        services.triage_link(ideas=ideas, item=data["backlog_item"], actor=actor)
        return data["backlog_item"]
    elif action == "create_item":
        return services.backlog_item_create_from_ideas(
            ideas=ideas, actor=actor, product=data["new_item_product"], title=data["title"]
        )
    elif action == "duplicate":
        services.triage_mark_duplicate(
            ideas=ideas, target=data["target"], note=data["duplicate_reason"], actor=actor
        )
        return data["target"]
    elif action == "decline":
        services.triage_decline(ideas=ideas, reason=data["decline_reason"], actor=actor)
    return None


def _link(obj) -> str:
    return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), obj.title)


MESSAGE_IDEAS = 5  # ideas named in a success message; the rest are counted


def _triage_done_message(data, made):
    """What was done, with links to what was made or changed, in correct plurals."""
    ideas = list(data["ideas"])
    n = len(ideas)
    named = format_html_join(
        ", ", '<a href="{}">{}</a>', ((i.get_absolute_url(), i.title) for i in ideas[:MESSAGE_IDEAS])
    )
    if n > MESSAGE_IDEAS:
        named = format_html("{} {}", named, _("and %(n)d more") % {"n": n - MESSAGE_IDEAS})
    action = data["action"]
    texts = {
        "tag": ngettext("Tagged %(n)d idea: %(ideas)s.", "Tagged %(n)d ideas: %(ideas)s.", n),
        "set_product": ngettext(
            "Set the product of %(n)d idea to %(product)s: %(ideas)s.",
            "Set the product of %(n)d ideas to %(product)s: %(ideas)s.",
            n,
        ),
        "link": ngettext(
            "Linked %(n)d idea to %(made)s: %(ideas)s.", "Linked %(n)d ideas to %(made)s: %(ideas)s.", n
        ),
        "create_item": ngettext(
            "Created the backlog item %(made)s from %(n)d idea: %(ideas)s.",
            "Created the backlog item %(made)s from %(n)d ideas: %(ideas)s.",
            n,
        ),
        "duplicate": ngettext(
            "Merged %(n)d idea into %(made)s: %(ideas)s.", "Merged %(n)d ideas into %(made)s: %(ideas)s.", n
        ),
        "decline": ngettext("Declined %(n)d idea: %(ideas)s.", "Declined %(n)d ideas: %(ideas)s.", n),
    }
    product = data.get("product")
    # The sentence is ours (translated); every value in it is escaped or built with format_html.
    return mark_safe(  # noqa: S308
        texts[action]
        % {
            "n": n,
            "product": conditional_escape(product.name if product else ""),
            "ideas": named,
            "made": _link(made) if made is not None else "",
        }
    )


def _ranking(request):
    filters = BacklogFilterForm(request.GET)
    filters.is_valid()
    data = filters.cleaned_data
    weights = PriorityWeights.load()
    order = data.get("order") or "score"
    items = backlog_ranking(
        market=Market(),
        weights=weights,
        product=data.get("product"),
        status=data.get("status") or "",
        order=order,
        owner=request.user if data.get("mine") else None,
    )
    return filters, weights, order, items


@staff_required(permissions.may_view_backlog)
def backlog(request):
    filters, weights, order, items = _ranking(request)
    proxy_demand_attach({ranked.item.pk: ranked.demand for ranked in items}, by="item")
    products = {}
    for ranked in items:
        products.setdefault(ranked.item.product, []).append(ranked)
    context = {
        "filters": filters,
        "items": items,
        "products": products,
        "order": order,
        "weights": weights,
        "weights_form": PriorityWeightsForm(instance=weights),
        "may_manage": permissions.may_manage_backlog(request.user),
        "chart_title": _("Customer equity behind the top-ranked items"),
        "chart_rows": [
            (r.item.title, r.demand.customer_equity, figures.money_compact(r.demand.customer_equity))
            for r in items[:15]
        ],
    }
    return render(request, "backlog/backlog.html", context)


def _export_rows(items):
    for ranked in items:
        item, demand = ranked.item, ranked.demand
        yield {
            "rank": ranked.rank,
            "id": item.pk,
            "title": item.title,
            "product": item.product.name,
            "team": item.product.team,
            "status": item.status,
            "target_release": item.target_release,
            "ideas": item.idea_count,
            "supporters": demand.supporters,
            "customer_equity": demand.customer_equity,
            "extrapolated_customers": demand.extrapolated_customers,
            "extrapolated_equity": demand.extrapolated_equity,
            "impact": item.impact,
            "confidence": item.confidence,
            "effort": item.effort_estimate,
            "score": ranked.score,
        }


@staff_required(permissions.may_view_backlog)
def backlog_export_csv(request):
    _filters, _weights, order, items = _ranking(request)
    response, writer = csv_download(f"backlog-{timezone.localdate()}-{order}.csv")
    rows = list(_export_rows(items))
    writer.writerow(list(rows[0]) if rows else ["rank", "id", "title"])
    writer.writerows(row.values() for row in rows)
    return response


@staff_required(permissions.may_view_backlog)
def backlog_export_json(request):
    _filters, weights, order, items = _ranking(request)
    by_pk = {ranked.item.pk: ranked for ranked in items}
    data = {
        "format": "cocreate-backlog/1",
        "exported_at": timezone.now().isoformat(),
        "order": order,
        "weights": {
            "reach_basis": weights.reach_basis,
            "reach": weights.reach_weight,
            "impact": weights.impact_weight,
            "confidence": weights.confidence_weight,
            "effort": weights.effort_weight,
        },
        "items": [
            {
                **row,
                "url": request.build_absolute_uri(by_pk[row["id"]].item.get_absolute_url()),
                "segments": [
                    {
                        "segment": s.segment.slug,
                        "supporters": s.supporters,
                        "share": s.share.quantize(Decimal("0.0001")),
                        "customer_equity": s.equity,
                        "extrapolated_customers": s.extrapolated_customers,
                        "extrapolated_equity": s.extrapolated_equity,
                    }
                    for s in by_pk[row["id"]].demand.by_segment
                ],
            }
            for row in _export_rows(items)
        ],
    }
    # Decimals as strings: exact, as the model computes them.
    return HttpResponse(json.dumps(data, indent=2, default=str), content_type="application/json")


@require_POST
@staff_required(permissions.may_manage_backlog)
def weights(request):
    form = PriorityWeightsForm(request.POST, instance=PriorityWeights.load())
    if form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            services.priority_weights_update(updated_by=request.user, **fields)
        except ValidationError as error:
            _errors_to_messages(request, error)
        else:
            messages.success(request, _("Priority weights saved; the backlog is ranked with them."))
    else:
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(request, f"{field}: {error}")
    return redirect("backlog:backlog")


@staff_required(permissions.may_view_backlog)
def item_detail(request, pk):
    item = get_object_or_404(backlog_items(), pk=pk)
    try:
        supporter_page = int(request.GET.get("supporters", 1))
    except ValueError:
        supporter_page = 1
    market = Market()
    page = backlog_item_page(item=item, viewer=request.user, market=market, supporter_page=supporter_page)
    weights = PriorityWeights.load()
    experts = expert_confidence([item.pk]).get(item.pk)
    context = {
        "page": page,
        "item": item,
        "expert_confidence": experts,
        "score": item_score(item, page.demand, weights, confidence=experts),
        "segment_chart_title": _("Customer equity behind this item, by segment"),
        "segment_chart": [
            (s.segment.name, s.equity, figures.money_compact(s.equity)) for s in page.demand.by_segment
        ],
        **item_outcome_context(item, request.GET.get("window")),
        "may_manage": permissions.may_manage_backlog(request.user),
        "owner_form": (
            OwnerForm(initial={"owner": item.owner_id})
            if permissions.may_manage_backlog(request.user)
            else None
        ),
        **item_voice_context(request=request, item=item, page=page, market=market),
    }
    return render(request, "backlog/item_detail.html", context)


@require_POST
@staff_required(permissions.may_manage_backlog)
def item_owner(request, pk):
    item = get_object_or_404(BacklogItem, pk=pk)
    form = OwnerForm(request.POST)
    if form.is_valid():
        try:
            services.backlog_item_set_owner(item=item, owner=form.cleaned_data["owner"], by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Owner saved."))
            return redirect(item)
    messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect(item)


@staff_required(permissions.may_manage_backlog)
def item_edit(request, pk=None):
    item = get_object_or_404(BacklogItem, pk=pk) if pk else None
    form = BacklogItemForm(request.POST if request.method == "POST" else None, instance=item)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            if item is None:
                item = services.backlog_item_create(creator=request.user, **fields)
            else:
                # The form validated a copy bound to `item`; reload so the service sees the stored row.
                item = services.backlog_item_update(
                    item=BacklogItem.objects.get(pk=item.pk), editor=request.user, **fields
                )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Backlog item saved."))
            return redirect(item)
    return render(
        request, "backlog/item_form.html", {"form": form, "item": item}, status=400 if form.errors else 200
    )


@staff_required(permissions.may_use_workspace)
def workspace(request):
    """A staff member's home: the queues waiting for their roles and what changed since their last visit."""
    since = last_visit_record(member=request.user, place=LastVisit.Place.WORKSPACE)
    context = {
        "waiting": workspace_waiting(request.user),
        "assigned": workspace_assigned(request.user),
        "changes": workspace_changes(request.user, since=since),
        "managed_segments": workspace_segments(request.user),
        "may_triage": permissions.may_triage(request.user),
        "may_view_backlog": permissions.may_view_backlog(request.user),
        "may_view_segments": permissions.may_view_segment_dashboards(request.user),
        "may_moderate": permissions.may_moderate(request.user),
    }
    return render(request, "backlog/workspace.html", context)
