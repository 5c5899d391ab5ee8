"""What a campaign's CMS page shows of the ideas app: its ideas, listed as the idea list lists them."""

from .forms import IdeaFilterForm
from .selectors import BadCursor, IdeaPage, idea_list_page


def campaign_idea_page(*, user, campaign_id: int, query) -> tuple[IdeaPage, str]:
    """One page of a campaign's ideas and the sort it used. `query` is the request's GET (sort and
    cursor, read by the idea list's own form); a bad cursor starts again from the top."""
    form = IdeaFilterForm(query)
    sort, cursor = "hot", ""
    if form.is_valid():
        sort, cursor = form.cleaned_data["sort"], form.cleaned_data["cursor"]
    try:
        page = idea_list_page(user=user, sort=sort, cursor=cursor, campaign=campaign_id)
    except BadCursor:
        page = idea_list_page(user=user, sort=sort, campaign=campaign_id)
    return page, sort
