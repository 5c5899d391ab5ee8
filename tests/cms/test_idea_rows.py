"""Idea rows and pagers come from one template everywhere: the list, the home page, campaigns, profiles."""

import re

import pytest

from voting.services import vote_cast

from ..factories import MemberFactory, SegmentFactory, make_idea

pytestmark = pytest.mark.django_db


def row_of(page: str, idea) -> str:
    match = re.search(
        rf'<li class="idea-row" id="idea-{idea.pk}">.*?</li>\s*(?=<li class="idea-row"|</ol>)', page, re.S
    )
    assert match, f"no row for idea {idea.pk}"
    return match.group(0)


def test_every_page_that_lists_ideas_renders_the_same_row(client, alice, campaigns, settings):
    author = MemberFactory(display_name="Ana Author")
    idea = make_idea(
        author=author, title="Night mode", tags=["camera"], segment=SegmentFactory(slug="pros"),
        campaign=campaigns["open"],
    )  # fmt: skip
    vote_cast(member=alice, idea_id=idea.pk)
    client.force_login(alice)
    pages = {
        "list": "/ideas/",
        "home": "/",
        "campaign": campaigns["open"].url,
        "profile": author.get_absolute_url(),
    }
    html = {name: client.get(url).content.decode() for name, url in pages.items()}
    for name, page in html.items():
        assert "{#" not in page and "IdeaPage" not in page, name  # the partials' notes stay out of the page
    rows = {name: row_of(page, idea) for name, page in html.items()}
    for name, row in rows.items():
        assert f'data-vote-box="{idea.pk}"' in row, name  # the member's own vote box
        assert 'aria-pressed="true"' in row, name  # ... showing that she voted
        assert 'href="/ideas/?tag=camera"' in row and 'href="/ideas/?segment=pros"' in row, name
        assert "Ana Author" in row, name


def test_the_home_page_rows_cost_a_fixed_number_of_queries(client, alice, wagtail_site):
    def home_queries():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert client.get("/").status_code == 200
        return len(captured)

    client.force_login(alice)
    # The first row has what every later one has (a tag, a segment), so each batch load runs both times;
    # one request first, so that what is cached per member (the member, the session) is cached already.
    make_idea(title="One", tags=["a"], segment=SegmentFactory())
    home_queries()
    few = home_queries()
    for n in range(5):
        make_idea(title=f"More {n}", tags=[f"t{n}"], segment=SegmentFactory())
    assert home_queries() == few


def test_campaign_pages_page_with_the_one_pager(client, campaigns, settings):
    settings.IDEAS_PAGE_SIZE = 2
    for n in range(3):
        make_idea(title=f"Idea {n}", campaign=campaigns["open"])
    url = campaigns["open"].url
    first = client.get(url, {"sort": "new"}).content.decode()
    pager = re.search(r'<nav class="pager".*?</nav>', first, re.S).group(0)
    assert 'aria-label="Pages"' in pager and "First page" not in pager
    next_url = re.search(r'rel="next" href="([^"]+)"', pager).group(1).replace("&amp;", "&")
    assert "sort=new" in next_url and "cursor=" in next_url
    second = client.get(url + next_url).content.decode()
    assert second.count('class="idea-row"') == 1 and "First page" in second
