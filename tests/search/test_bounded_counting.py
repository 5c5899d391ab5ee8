"""Bounded counting and ranking (issue 16): totals are exact up to SEARCH_EXACT_COUNT_LIMIT and read "N+"
beyond; a match broader than the limit has its facets counted among its best-voted N results only, marked
as lower bounds, and on the database backend its page by relevance ranks the best-voted N matches that
pass the filters (the window), not the whole match; a narrower match is counted and ranked exactly;
filters always filter the whole match. The limit is set small here so that a handful of ideas is
"broad". SQLite and PostgreSQL: run the suite on each."""

import uuid

import pytest
from django.contrib.auth.models import AnonymousUser

from ideas.models import Idea
from search.query import Filters, SearchRequest
from search.selectors import search_page

ANON = AnonymousUser()
URL = "/search/"


def search(engine, text, **kwargs):
    names = ("status", "tag", "segment", "product", "campaign")
    filters = Filters(**{k: kwargs.pop(k) for k in names if k in kwargs})
    return engine.backend.query(SearchRequest(text=text, filters=filters, **kwargs), user=ANON)


def counts(results, name):
    return {facet.value: facet.count for facet in results.facets[name]}


@pytest.fixture
def word():
    """A word no other test's ideas contain."""
    return "w" + uuid.uuid4().hex[:12]


@pytest.fixture
def five(publish, upvote, word):
    """Five ideas with the word, ranked by votes (equal text): the two "old" ones are last."""
    ideas = [publish(title=f"{word} old {n}", body="b", tags=["old"]) for n in range(2)]
    ideas += [publish(title=f"{word} new {n}", body="b", tags=["new"]) for n in range(3)]
    for votes, idea in enumerate(reversed(ideas)):  # new 2: 0 votes … old 0: 4 votes
        upvote(idea, times=votes)
    # Relevance ties on equal text and then follows votes: the best three are "old 0", "old 1", "new 0".
    return ideas


def test_a_match_broader_than_the_limit_counts_up_to_it(engine, five, word, settings):
    settings.SEARCH_EXACT_COUNT_LIMIT = 3

    results = search(engine, word)

    assert (results.total, results.total_exact, results.more) == (3, False, True)
    assert results.pages == 1  # the pages reach as far as the limit (a limit of 1,000: 50 pages of 20)
    if engine.name == "database":
        # Facets count the best-ranked three only, as lower bounds.
        assert not results.facets_exact
        assert counts(results, "tag") == {"old": 2, "new": 1}
        assert counts(results, "status") == {"new": 3}
    else:  # Elasticsearch's aggregations are cheap: exact over the whole match
        assert results.facets_exact
        assert counts(results, "tag") == {"old": 2, "new": 3}


def test_a_match_within_the_limit_is_counted_exactly(engine, five, word, settings):
    settings.SEARCH_EXACT_COUNT_LIMIT = 5

    results = search(engine, word)

    assert (results.total, results.total_exact, results.more, results.facets_exact) == (5, True, False, True)
    assert counts(results, "tag") == {"old": 2, "new": 3}
    assert counts(results, "status") == {"new": 5}


def test_filters_filter_the_whole_match_exactly(engine, five, word, settings):
    settings.SEARCH_EXACT_COUNT_LIMIT = 2
    old = {idea.pk for idea in five[:2]}
    new = {idea.pk for idea in five[2:]}

    # The three "new" ideas have fewer votes than the window the facets count: the filter still finds
    # them and counts them up to the limit.
    newer = search(engine, word, tag="new")
    if engine.name == "database":
        # A page by relevance ranks the filtered match's best-voted two (the window) only.
        assert [hit.idea_id for hit in newer.hits] == [five[2].pk, five[3].pk]
    else:
        assert {hit.idea_id for hit in newer.hits} == new
    assert (newer.total, newer.total_exact) == (2, False)  # 3 matched: "2+"
    oldest = search(engine, word, tag="old")
    assert {hit.idea_id for hit in oldest.hits} == old
    assert (oldest.total, oldest.total_exact) == (2, True)

    settings.SEARCH_EXACT_COUNT_LIMIT = 3
    newer = search(engine, word, tag="new")
    assert {hit.idea_id for hit in newer.hits} == new
    assert (newer.total, newer.total_exact) == (3, True)
    if engine.name == "database":
        # The match without the tag filter (5) is broader than 3: facets stay lower bounds.
        assert not newer.facets_exact
        assert counts(newer, "tag") == {"old": 2, "new": 1}


def test_a_filter_narrowing_a_broad_match_pages_through_all_of_it(engine, five, word, settings):
    settings.SEARCH_EXACT_COUNT_LIMIT = 3
    Idea.objects.filter(pk=five[4].pk).update(status=Idea.Status.PLANNED)
    engine.backend.index_ideas([five[4].pk])
    engine.refresh()

    planned = search(engine, word, status="planned")

    # The planned idea has the fewest votes, outside the window: found and counted exactly.
    assert [hit.idea_id for hit in planned.hits] == [five[4].pk]
    assert (planned.total, planned.total_exact) == (1, True)


def test_pages_reach_the_limit(engine, five, word, settings):
    settings.SEARCH_EXACT_COUNT_LIMIT = 4

    first = search(engine, word, page_size=2)
    second = search(engine, word, page_size=2, page=2)

    assert (first.total, first.more, first.pages) == (4, True, 2)
    assert not {h.idea_id for h in first.hits} & {h.idea_id for h in second.hits}


def test_tab_counts_say_more_than_the_limit(engine, five, word, settings):
    settings.SEARCH_EXACT_COUNT_LIMIT = 3

    results = search_page(user=ANON, request=SearchRequest(text=word))

    assert results.kind_counts == {"ideas": 4, "comments": 0, "prototypes": 0}  # 4: "more than 3"
    assert engine.backend.count(SearchRequest(text=word), user=ANON) == 4
    settings.SEARCH_EXACT_COUNT_LIMIT = 10
    assert engine.backend.count(SearchRequest(text=word), user=ANON) == 5


def test_shared_facets_keep_their_lower_bound_mark(engine, five, word, settings):
    if engine.name != "database":
        pytest.skip("facet caching is the database backend's")
    settings.SEARCH_EXACT_COUNT_LIMIT = 3
    settings.SEARCH_FACET_CACHE_SECONDS = 60

    cold, warm = search(engine, word), search(engine, word)

    assert not cold.facets_exact and not warm.facets_exact
    assert warm.facets == cold.facets
    assert (warm.total, warm.total_exact) == (cold.total, cold.total_exact) == (3, False)
    settings.SEARCH_EXACT_COUNT_LIMIT = 10  # another limit is another shared entry
    assert search(engine, word).facets_exact


@pytest.mark.parametrize("engine", ["database"], indirect=True)
def test_the_page_shows_n_plus_and_lower_bound_facets(client, engine, five, word, settings):
    settings.SEARCH_EXACT_COUNT_LIMIT = 3

    html = client.get(URL, {"q": word}).content.decode()

    assert "3+ ideas found" in html
    assert 'id="facet-note"' in html and "Counted among the 3 results with the most votes" in html
    assert '<span class="facet-count">(2+)</span>' in html  # tag "old"
    assert '<span class="facet-count">(3+)</span>' in html  # the ideas tab, and status "new"


@pytest.mark.parametrize("engine", ["database"], indirect=True)
def test_the_page_shows_exact_counts_within_the_limit(client, engine, five, word, settings):
    settings.SEARCH_EXACT_COUNT_LIMIT = 1000

    html = client.get(URL, {"q": word}).content.decode()

    assert "5 ideas found" in html and "+ ideas found" not in html
    assert 'id="facet-note"' not in html
    assert '<span class="facet-count">(2)</span>' in html and '<span class="facet-count">(3)</span>' in html
    assert "+)</span>" not in html


@pytest.mark.django_db
def test_the_limit_is_written_with_thousands_separators(rf, settings):
    from django.template.loader import render_to_string

    from search.query import SearchResults

    settings.SEARCH_EXACT_COUNT_LIMIT = 1000
    request = rf.get(URL)
    request.user = ANON
    results = SearchResults(
        hits=[], total=1000, total_exact=False, facets={}, facets_exact=False, request=SearchRequest()
    )

    html = render_to_string("search/search.html", {"results": results, "count_limit": 1000}, request=request)

    assert "1,000+ ideas found" in html and "Counted among the 1,000 results with the most votes" in html


@pytest.fixture
def window(publish, upvote, word):
    """Four ideas with the word. The three best-voted have it in the body (most votes), the title or
    the tags (fewest); the fourth, with no votes, has it everywhere: it is the best match by text."""
    in_body = publish(title="plain one", body=f"about {word} here", tags=["misc"])
    in_title = publish(title=f"the {word} idea", body="about that here", tags=["misc"])
    in_tags = publish(title="plain two", body="about that here", tags=[word])
    best_text = publish(title=f"the {word} idea", body=f"about {word} here", tags=[word])
    upvote(in_body, times=3)
    upvote(in_title, times=2)
    upvote(in_tags, times=1)
    return in_body, in_title, in_tags, best_text


@pytest.mark.parametrize("engine", ["database"], indirect=True)
@pytest.mark.parametrize("facet_cache", [0, 60])
def test_a_broad_match_is_ranked_within_its_best_voted_window(engine, window, word, settings, facet_cache):
    # With the shared facet cache, the second search takes the other path (capped count + page).
    settings.SEARCH_FACET_CACHE_SECONDS = facet_cache
    in_body, in_title, in_tags, best_text = window

    settings.SEARCH_EXACT_COUNT_LIMIT = 3  # 4 matches: broad
    for results in (search(engine, word), search(engine, word)):
        # The best match by text has no votes: outside the window of the three best-voted, which
        # are ordered by relevance (title before tags before body), not by votes.
        assert [hit.idea_id for hit in results.hits] == [in_title.pk, in_tags.pk, in_body.pk]
        assert (results.total, results.total_exact) == (3, False)
    # Pages by date read the whole match: the newest, outside the window, comes first.
    assert search(engine, word, sort="new").hits[0].idea_id == best_text.pk

    settings.SEARCH_EXACT_COUNT_LIMIT = 4  # the whole match fits the window: ranked by relevance
    for results in (search(engine, word), search(engine, word)):
        assert [hit.idea_id for hit in results.hits] == [best_text.pk, in_title.pk, in_tags.pk, in_body.pk]
        assert (results.total, results.total_exact) == (4, True)
