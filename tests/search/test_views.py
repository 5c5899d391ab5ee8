import pytest
from django.urls import reverse

from ideas.models import Idea, Visibility
from search.backends.database import database_backend
from tests.factories import MemberFactory, ProductFactory, SegmentFactory, make_idea

pytestmark = pytest.mark.django_db
URL = "/search/"


@pytest.fixture
def indexed():
    def indexed(**kwargs):
        idea = make_idea(**kwargs)
        database_backend().index_ideas([idea.pk])
        return idea

    return indexed


def test_urls():
    assert reverse("search:search") == URL
    assert reverse("search:similar") == "/search/similar/"


def test_anyone_can_search_and_hidden_ideas_stay_hidden(client, indexed):
    shown = indexed(title="Offline maps", tags=["maps"], product=ProductFactory(slug="phone", name="Phone"))
    hidden = indexed(title="Offline spam")
    Idea.objects.filter(pk=hidden.pk).update(visibility=Visibility.HIDDEN)
    # Before the index hears of it, the page already re-reads every hit through visible_to.
    html = client.get(URL, {"q": "offline"}).content.decode()
    assert f'id="idea-{shown.pk}"' in html and f'id="idea-{hidden.pk}"' not in html
    database_backend().index_ideas([hidden.pk])

    response = client.get(URL, {"q": "offline"})

    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="idea-{shown.pk}"' in html and f'id="idea-{hidden.pk}"' not in html
    assert "<mark>Offline</mark> maps" in html
    assert "1 idea found" in html
    # Facet links keep the query and set one filter; bookmarkable.
    assert 'href="/search/?q=offline&amp;tag=maps"' in html
    assert 'href="/search/?q=offline&amp;product=phone"' in html


def test_member_text_is_escaped_on_the_page(client, indexed):
    indexed(title="<script>alert(1)</script> maps", body="<img src=x onerror=alert(1)> maps")
    html = client.get(URL, {"q": "maps"}).content.decode()
    assert "<script>alert(1)</script>" not in html and "onerror=alert(1)>" not in html


def test_filters_and_removal_links(client, indexed):
    indexed(title="Offline maps", tags=["maps"])
    response = client.get(URL, {"q": "offline", "tag": "maps", "page": "1"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-remove-filter="tag"' in html and 'href="/search/?q=offline"' in html


@pytest.mark.parametrize(
    "params",
    [
        {"q": "x" * 10_000},
        {"q": '"(*:NEAR AND OR'},
        {"q": "maps", "tag": "no-such-tag"},
        {"q": "maps", "status": "bogus", "segment": "nowhere", "product": "nothing"},
        {"q": ""},
        {},
    ],
)
def test_bad_input_is_answered_not_a_500(client, indexed, params):
    indexed(title="Offline maps")
    response = client.get(URL, params)
    assert response.status_code == 200


def test_unknown_filter_value_says_so(client, indexed):
    indexed(title="Offline maps")
    html = client.get(URL, {"q": "maps", "tag": "no-such-tag"}).content.decode()
    assert "0 ideas found" in html and "No idea is tagged" in html


@pytest.mark.parametrize("params", [{"sort": "sideways"}, {"page": "0"}, {"page": "abc"}, {"page": "9999"}])
def test_sort_or_page_that_cannot_be_meant_is_a_clear_400(client, params):
    response = client.get(URL, params)
    assert response.status_code == 400
    assert "form-errors" in response.content.decode()


def test_pagination_links(client, indexed, settings):
    for n in range(21):
        indexed(title=f"Maps {n}")
    html = client.get(URL, {"q": "maps"}).content.decode()
    assert "21 ideas found" in html and 'rel="next" href="?q=maps&amp;page=2"' in html


def test_similar_ideas_json(client, indexed):
    idea = indexed(title="Offline maps for hiking")
    indexed(title="Dark mode", body="Night colours.")

    response = client.get("/search/similar/", {"title": "offline ma"})

    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {
                "id": idea.pk,
                "title": idea.title,
                "url": idea.get_absolute_url(),
                "votes": 0,
                "vote_url": f"/ideas/{idea.pk}/vote/",
            }
        ]
    }
    assert client.get("/search/similar/").json() == {"results": []}
    assert client.get("/search/similar/", {"title": '"*(' * 5000}).json() == {"results": []}


def test_query_count_is_fixed(client, indexed, django_assert_max_num_queries):
    """Whatever a hit's row shows is loaded with the hits (search.selectors.IDEA_HIT_FIELDS): a field
    left out would cost a query per hit, five here."""
    segment, product = SegmentFactory(name="Commuters"), ProductFactory(name="Phone")
    for n in range(5):
        indexed(
            title=f"Maps {n}",
            tags=["maps", f"t{n}"],
            segment=segment,
            product=product,
            author=MemberFactory(display_name=f"Walker {n}"),
        )
    with django_assert_max_num_queries(12):
        html = client.get(URL, {"q": "maps"}).content.decode()
    for n in range(5):
        assert f"by Walker {n}" in html and f"<mark>Maps</mark> {n}</a>" in html
    assert html.count("· Commuters") == 5 and html.count("· Phone") == 5


def test_header_has_a_search_box(client):
    html = client.get("/ideas/").content.decode()
    assert 'action="/search/"' in html and 'name="q"' in html


def test_campaign_in_the_url_by_slug_or_id(client, indexed, campaign):
    camera = campaign("camera", title="Camera app")
    inside = indexed(title="Night mode photos", campaign=camera)
    outside = indexed(title="Photos widget")

    for value in ("camera", str(camera.pk)):
        html = client.get(URL, {"q": "photos", "campaign": value}).content.decode()
        assert f'id="idea-{inside.pk}"' in html and f'id="idea-{outside.pk}"' not in html
        # The active filter is named, and removing it keeps the words.
        assert "Campaign: Camera app" in html and 'href="/search/?q=photos"' in html

    html = client.get(URL, {"q": "photos"}).content.decode()
    assert 'data-facet="campaign"' in html and 'href="/search/?q=photos&amp;campaign=camera"' in html


def test_unknown_campaign_is_a_notice_not_an_error(client, indexed):
    indexed(title="Photos widget")
    for value in ("nowhere", "12345678901234567890123", "'; --"):
        response = client.get(URL, {"q": "photos", "campaign": value})
        assert response.status_code == 200
        assert "There is no campaign called" in response.content.decode()


def test_comment_results_link_to_the_comment_on_its_idea(
    client, indexed, bob, django_capture_on_commit_callbacks
):
    from ideas.services import comment_post

    idea = indexed(title="Quieter fan")
    with django_capture_on_commit_callbacks(execute=True):
        comment = comment_post(author=bob, idea=idea, body="The zeppelin hum <b>loud</b>")

    html = client.get(URL, {"q": "zeppelin", "kind": "comments"}).content.decode()

    assert "1 comment found" in html
    assert f'href="{idea.get_absolute_url()}#comment-{comment.pk}"' in html
    assert "<mark>zeppelin</mark>" in html
    assert "<b>loud</b>" not in html
    # Tabs: every kind with its count, the current one marked; the ideas tab drops kind=.
    assert 'data-kind="comments" aria-current="page"' in html
    assert 'href="/search/?q=zeppelin" data-kind="ideas"' in html


def test_prototype_tab_keeps_only_the_product_filter(client, indexed):
    indexed(title="Camera app", product=ProductFactory(slug="phone"))
    html = client.get(URL, {"q": "camera", "product": "phone", "status": "new"}).content.decode()
    assert 'href="/search/?q=camera&amp;product=phone&amp;kind=prototypes" data-kind="prototypes"' in html
    assert 'href="/search/?q=camera&amp;product=phone&amp;status=new&amp;kind=comments"' in html


def test_unknown_kind_is_a_clear_400(client):
    response = client.get(URL, {"q": "camera", "kind": "campaigns"})
    assert response.status_code == 400 and "form-errors" in response.content.decode()


def test_results_page_with_the_sites_one_pager(client):
    from search.query import PAGE_SIZE

    ideas = [make_idea(title=f"Offline maps {n}") for n in range(PAGE_SIZE + 1)]
    database_backend().index_ideas([idea.pk for idea in ideas])
    first = client.get(URL, {"q": "offline"}).content.decode()
    assert '<nav class="pager" aria-label="Pages">' in first and "Page 1 of 2" in first
    assert 'rel="next" href="?q=offline&amp;page=2"' in first and 'rel="prev"' not in first
    second = client.get(URL, {"q": "offline", "page": "2"}).content.decode()
    assert "Page 2 of 2" in second and 'rel="prev" href="?q=offline&amp;page=1"' in second
    assert 'rel="next"' not in second


def test_a_cold_search_reads_the_match_once(indexed, settings):
    # Total, facets and the ranked page come from one statement; the other one on the documents
    # highlights the page's ideas. (Four before: count, facets, page, highlights.)
    from django.contrib.auth.models import AnonymousUser
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from search.query import Filters, SearchRequest

    settings.SEARCH_FACET_CACHE_SECONDS = 0
    for n in range(3):
        indexed(title=f"Maps {n}", tags=["maps"])
    request = SearchRequest(text="maps", filters=Filters(tag="maps"))

    with CaptureQueriesContext(connection) as queries:
        results = database_backend().query(request, user=AnonymousUser())

    assert results.total == 3 and len(results.hits) == 3
    assert len([query for query in queries if "search_ideadocument" in query["sql"]]) == 2


def test_result_rows_show_their_ideas_tags(client, indexed):
    indexed(title="Offline maps", tags=["maps", "travel"])

    html = client.get(URL, {"q": "offline"}).content.decode()

    row = html[html.index('class="idea-row"') :]
    assert '<ul class="tags"><li><a href="?q=offline&amp;tag=' in row
    assert '<a href="?q=offline&amp;tag=maps">maps</a>' in row
    assert '<a href="?q=offline&amp;tag=travel">travel</a>' in row
