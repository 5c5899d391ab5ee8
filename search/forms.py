from django import forms
from django.utils.translation import gettext_lazy as _

from .backends.base import campaign_ids, campaign_labels
from .query import KINDS, MAX_PAGE, SORTS, Filters, SearchRequest


class SearchForm(forms.Form):
    """The search page's query string. Free text is never refused (long text is cut, syntax is
    ignored) and a filter value that names nothing gives a notice; a sort, kind or page that cannot
    be meant is a clear error."""

    SORT_CHOICES = [("relevance", _("Best match")), ("votes", _("Most votes")), ("new", _("Newest"))]
    KIND_CHOICES = [("ideas", _("Ideas")), ("comments", _("Comments")), ("prototypes", _("Prototypes"))]

    q = forms.CharField(required=False, strip=True)
    status = forms.CharField(required=False, max_length=40)
    tag = forms.CharField(required=False, max_length=100)
    segment = forms.CharField(required=False, max_length=100)
    product = forms.CharField(required=False, max_length=100)
    campaign = forms.CharField(required=False, max_length=100)
    kind = forms.ChoiceField(choices=KIND_CHOICES, required=False)
    sort = forms.ChoiceField(choices=SORT_CHOICES, required=False)
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE)

    def clean_campaign(self):
        """`campaign=<id>` (the idea form's links) becomes the campaign's slug, which facets use."""
        value = self.cleaned_data["campaign"]
        if value.isascii() and value.isdigit() and (ids := campaign_ids(value)):
            return campaign_labels(ids)[ids[0]][0]
        return value

    def search_request(self) -> SearchRequest:
        data = self.cleaned_data
        sort = data["sort"] if data["sort"] in SORTS else "relevance"
        return SearchRequest(
            text=data["q"],
            filters=Filters(
                status=data["status"],
                tag=data["tag"],
                segment=data["segment"],
                product=data["product"],
                campaign=data["campaign"],
            ),
            sort=sort,
            page=data["page"] or 1,
            kind=data["kind"] if data["kind"] in KINDS else "ideas",
        )
