from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from . import selectors
from .forms import SearchForm
from .query import FACETS, exact_count_limit

SUGGESTIONS = 5
FACET_TITLES = {
    "status": _("Status"),
    "tag": _("Tags"),
    "segment": _("Segment"),
    "product": _("Product"),
    "campaign": _("Campaign"),
}
KIND_LABELS = dict(SearchForm.KIND_CHOICES)
# Filters a kind's tab keeps; prototypes have a product but no status, tags, segment or campaign.
KIND_FILTERS = {"ideas": FACETS, "comments": FACETS, "prototypes": ("product",)}


def search_page(request):
    form = SearchForm(request.GET)
    if not form.is_valid():
        return render(request, "search/search.html", {"form": form, "results": None}, status=400)
    results = selectors.search_page(user=request.user, request=form.search_request())
    context = {
        "form": form,
        "results": results,
        "kind_tabs": _kind_tabs(request, results),
        "count_limit": exact_count_limit(),
    }
    return render(request, "search/search.html", {**context, **_facet_links(request, results)})


def similar_ideas(request):
    """`/search/similar/?title=…` → {"results": [{id, title, url, votes, vote_url}]} for the idea form."""
    ideas = selectors.similar_ideas(user=request.user, title=request.GET.get("title", ""), limit=SUGGESTIONS)
    return JsonResponse(
        {
            "results": [
                {
                    "id": idea.pk,
                    "title": idea.title,
                    "url": idea.get_absolute_url(),
                    "votes": idea.vote_count,
                    "vote_url": reverse("voting:vote", args=[idea.pk]),
                }
                for idea in ideas
            ]
        }
    )


def _url(request, **changes) -> str:
    """This search's URL with some parameters set (or dropped when None); back to page 1."""
    params = request.GET.copy()
    params.pop("page", None)
    for name, value in changes.items():
        if value is None:
            params.pop(name, None)
        else:
            params[name] = value
    return f"{request.path}?{params.urlencode()}" if params else request.path


def _kind_tabs(request, results) -> list[dict]:
    """One tab per kind, with its count ("1,000+" beyond the limit); a tab keeps the words and the
    filters that apply to it."""
    current = results.request.kind
    limit = exact_count_limit()
    tabs = []
    for kind, label in KIND_LABELS.items():
        dropped = {name: None for name in FACETS if name not in KIND_FILTERS[kind]}
        count = results.kind_counts.get(kind, 0)
        tabs.append(
            {
                "kind": kind,
                "label": label,
                "count": min(count, limit),
                "more": count > limit,
                "selected": kind == current,
                "url": _url(request, kind=None if kind == "ideas" else kind, sort=None, **dropped),
            }
        )
    return tabs


def _facet_links(request, results) -> dict:
    filters = results.request.filters
    groups, active = [], []
    for name in FACETS:
        current = getattr(filters, name)
        values = [
            {
                "label": facet.label,
                "count": facet.count,
                "lower_bound": not results.facets_exact,  # shown as "120+"
                "selected": facet.value == current,
                "url": _url(request, **{name: facet.value}),
            }
            for facet in results.facets.get(name, [])
        ]
        groups.append({"name": name, "title": FACET_TITLES[name], "values": values})
        if current:
            label = next(
                (facet.label for facet in results.facets.get(name, []) if facet.value == current), current
            )
            active.append(
                {
                    "name": name,
                    "title": FACET_TITLES[name],
                    "label": label,
                    "remove_url": _url(request, **{name: None}),
                }
            )
    return {"facet_groups": groups, "active_filters": active}
