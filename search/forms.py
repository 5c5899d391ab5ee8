from django import forms
from django.utils.translation import gettext_lazy as _

from .query import MAX_PAGE, SORTS, Filters, SearchRequest


class SearchForm(forms.Form):
    """The search page's query string. Free text is never refused (long text is cut, syntax is
    ignored); a sort or page that cannot be meant is a clear error."""

    SORT_CHOICES = [("relevance", _("Best match")), ("votes", _("Most votes")), ("new", _("Newest"))]

    q = forms.CharField(required=False, strip=True)
    status = forms.CharField(required=False, max_length=40)
    tag = forms.CharField(required=False, max_length=100)
    segment = forms.CharField(required=False, max_length=100)
    product = forms.CharField(required=False, max_length=100)
    sort = forms.ChoiceField(choices=SORT_CHOICES, required=False)
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE)

    def search_request(self) -> SearchRequest:
        data = self.cleaned_data
        sort = data["sort"] if data["sort"] in SORTS else "relevance"
        return SearchRequest(
            text=data["q"],
            filters=Filters(
                status=data["status"], tag=data["tag"], segment=data["segment"], product=data["product"]
            ),
            sort=sort,
            page=data["page"] or 1,
        )
