"""What members get from search, the same on every backend (database here; Elasticsearch live when
ELASTICSEARCH_URL is set). SQLite and PostgreSQL are covered by running the suite on each."""

import uuid

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from ideas.models import Idea, Visibility
from search.models import IdeaDocument
from search.query import MAX_QUERY_CHARS, Filters, SearchRequest
from tests.factories import MemberFactory, ProductFactory, SegmentFactory, make_idea

ANON = AnonymousUser()


def ids(results):
    return [hit.idea_id for hit in results.hits]


def search(engine, text="", user=ANON, **kwargs):
    names = ("status", "tag", "segment", "product", "campaign")
    filters = Filters(**{k: kwargs.pop(k) for k in names if k in kwargs})
    return engine.backend.query(SearchRequest(text=text, filters=filters, **kwargs), user=user)


def test_title_match_ranks_above_body_match(engine, publish):
    in_body = publish(title="Longer battery", body="Show the remaining time for offline maps.")
    in_title = publish(title="Offline maps for hiking", body="Download a region before the trip.")
    publish(title="Dark mode", body="Easier on the eyes at night.")

    results = search(engine, "offline maps")

    assert ids(results) == [in_title.pk, in_body.pk]
    assert results.total == 2


def test_stemming_finds_other_forms(engine, publish):
    idea = publish(title="Mapping trails", body="I map every hike.")
    assert ids(search(engine, "maps")) == [idea.pk]


def test_typos_find_the_right_idea(engine, publish):
    if engine.vendor == "sqlite":
        pytest.skip("SQLite FTS5 has no typo tolerance; PostgreSQL (pg_trgm) and Elasticsearch do")
    idea = publish(title="Offline maps over Wi-Fi", body="Update maps at home.")
    publish(title="Battery saver", body="Dim the screen.")

    results = search(engine, "ofline")

    assert ids(results) == [idea.pk]


def test_filters_narrow_results(engine, publish, rita):
    phones = ProductFactory(slug="phone")
    gamers = SegmentFactory(slug="gamers")
    matching = publish(title="Battery widget", body="b", tags=["battery"], product=phones, segment=gamers)
    publish(title="Battery history", body="b", tags=["battery"], product=phones)
    publish(title="Battery graph", body="b", tags=["charts"], segment=gamers)
    planned = publish(title="Battery alerts", body="b", tags=["battery"], product=phones, segment=gamers)
    Idea.objects.filter(pk=planned.pk).update(status=Idea.Status.PLANNED)
    engine.backend.index_ideas([planned.pk])
    engine.refresh()

    results = search(engine, "battery", tag="battery", product="phone", segment="gamers", status="new")

    assert ids(results) == [matching.pk]


def test_facets_count_each_value_ignoring_their_own_filter(engine, publish):
    phones = ProductFactory(slug="phone", name="Phone")
    publish(title="Battery widget", body="b", tags=["battery", "ui"], product=phones)
    publish(title="Battery history", body="b", tags=["battery"])
    publish(title="Battery graph", body="b", tags=["charts"], product=phones)
    publish(title="Unrelated", body="nothing", tags=["power"], product=phones)

    results = search(engine, "battery", tag="battery")

    facets = {name: {(f.value, f.label, f.count) for f in values} for name, values in results.facets.items()}
    assert results.total == 2
    # The tag facet ignores the tag filter: every tag among the three matching ideas.
    assert facets["tag"] == {("battery", "battery", 2), ("ui", "ui", 1), ("charts", "charts", 1)}
    # The other facets count within the tag filter.
    assert facets["product"] == {("phone", "Phone", 1)}
    assert facets["status"] == {("new", "New", 2)}


def test_matches_are_highlighted_and_member_text_is_escaped(engine, publish):
    publish(title="Offline <b>maps</b> & more", body="Keep <script>alert(1)</script> maps on the phone.")

    hit = search(engine, "maps").hits[0]

    assert "<mark>maps</mark>" in hit.title_html
    assert "&lt;b&gt;" in hit.title_html and "&amp;" in hit.title_html
    assert "<script>" not in hit.snippet_html
    assert "<mark>maps</mark>" in hit.snippet_html


def test_hidden_and_held_ideas_are_found_only_by_their_author(engine, publish, alice, bob):
    public = publish(title="Solar charging", body="s")
    held = publish(title="Solar case", body="s", author=alice)
    hidden = publish(title="Solar spam", body="s", author=alice)
    Idea.objects.filter(pk=held.pk).update(visibility=Visibility.HELD)
    Idea.objects.filter(pk=hidden.pk).update(visibility=Visibility.HIDDEN)
    engine.backend.index_ideas([held.pk, hidden.pk])
    engine.refresh()

    assert set(ids(search(engine, "solar"))) == {public.pk}
    assert set(ids(search(engine, "solar", user=bob))) == {public.pk}
    assert set(ids(search(engine, "solar", user=alice))) == {public.pk, held.pk, hidden.pk}
    assert engine.backend.similar_titles("solar", user=bob) == [public.pk]


def test_hidden_comments_never_make_an_idea_match(engine, publish, comment, bob, reindex):
    idea = publish(title="Quieter fan", body="The fan is loud.")
    posted = comment(idea=idea, author=bob, body="Also the zeppelin noise.")
    assert ids(search(engine, "zeppelin")) == [idea.pk]

    type(posted).objects.filter(pk=posted.pk).update(visibility=Visibility.HIDDEN)
    reindex(idea)

    assert ids(search(engine, "zeppelin")) == []


# What odd syntax finds: the words in it ("maps"), nothing (words that match no idea), or every idea
# (no words at all: the empty query). Never an error, never operators the member did not mean.
MAPS, NOTHING, EVERYTHING = "maps", "nothing", "everything"


@pytest.mark.parametrize(
    "text, finds",
    [
        ('"', EVERYTHING),
        ('"unclosed phrase', NOTHING),
        ("*", EVERYTHING),
        ("maps*", MAPS),
        ("(maps", MAPS),
        ("maps)", MAPS),
        ("NEAR(maps wifi)", NOTHING),
        ("maps AND OR NOT", MAPS),
        ("-", EVERYTHING),
        ("^maps", MAPS),
        ("maps & | ! <->", MAPS),
        ("'; DROP TABLE ideas_idea; --", NOTHING),
        ("\x00\x02\x03", EVERYTHING),
        ("🙂 ünïcödé", NOTHING),
    ],
)
def test_query_syntax_is_just_text(engine, publish, text, finds):
    maps = publish(title="Offline maps", body="m")
    dark = publish(title="Dark mode", body="Night colours.")
    results = search(engine, text)
    expected = {MAPS: {maps.pk}, NOTHING: set(), EVERYTHING: {maps.pk, dark.pk}}[finds]
    assert set(ids(results)) == expected
    assert results.total == len(expected)
    assert Idea.objects.count() == 2


@pytest.mark.parametrize("text", ["title:maps", "- -maps"])
def test_field_and_negation_syntax_never_reaches_hidden_ideas(engine, publish, text):
    # Backends read these differently (a field name as a word, a lone minus); either way the answer is
    # a real one: only public ideas, counted as listed.
    public = publish(title="Offline maps", body="m")
    hidden = publish(title="Offline maps, hidden", body="m")
    Idea.objects.filter(pk=hidden.pk).update(visibility=Visibility.HIDDEN)
    engine.backend.index_ideas([hidden.pk])
    engine.refresh()
    results = search(engine, text)
    assert set(ids(results)) <= {public.pk}
    assert results.total == len(results.hits)


def test_query_syntax_words_still_match(engine, publish):
    idea = publish(title="Offline maps", body="m")
    assert ids(search(engine, "(offline) maps*")) == [idea.pk]
    assert ids(search(engine, "-offline maps")) == []


def test_empty_query_lists_visible_ideas_by_votes(engine, publish, upvote):
    first = publish(title="One", body="a")
    second = publish(title="Two", body="b")
    upvote(second, times=2)

    results = search(engine, "   ")

    assert ids(results) == [second.pk, first.pk]
    assert results.notices == []


def test_ten_kilobyte_query_is_cut_with_a_notice(engine, publish):
    idea = publish(title="Offline maps", body="m")
    results = search(engine, "offline " + "x" * 10_000)
    assert ids(results) == [idea.pk]
    assert str(MAX_QUERY_CHARS) in results.notices[0]


def test_unknown_filter_values_give_no_results_and_say_why(engine, publish):
    publish(title="Offline maps", body="m", tags=["maps"])

    results = search(engine, "maps", tag="no-such-tag", status="bogus", segment="nowhere", product="nothing")

    assert results.total == 0 and results.hits == []
    assert len(results.notices) == 4


def test_sort_by_votes_and_by_date(engine, publish, upvote):
    older = publish(title="Maps one", body="m")
    newer = publish(title="Maps two", body="m")
    assert ids(search(engine, "maps", sort="votes")) == [newer.pk, older.pk]  # a tie: newest first

    upvote(older)  # only the vote count is rewritten in the index, after the vote commits

    assert ids(search(engine, "maps", sort="new")) == [newer.pk, older.pk]
    assert ids(search(engine, "maps", sort="votes")) == [older.pk, newer.pk]


def test_pages(engine, publish):
    for n in range(5):
        publish(title=f"Maps {n}", body="m")
    results = search(engine, "maps", page=2, page_size=2)
    assert len(results.hits) == 2 and results.total == 5 and results.pages == 3
    assert results.has_next and results.has_previous


def test_similar_titles_while_typing(engine, publish):
    idea = publish(title="Offline maps for hiking", body="h")
    publish(title="Dark mode", body="d")
    merged = publish(title="Offline maps again", body="h")
    Idea.objects.filter(pk=merged.pk).update(status=Idea.Status.MERGED)
    engine.backend.index_ideas([merged.pk])
    engine.refresh()

    assert engine.backend.similar_titles("offline ma", user=ANON) == [idea.pk]
    assert engine.backend.similar_titles("", user=ANON) == []


def test_more_like_this(engine, publish):
    idea = publish(title="Offline maps for hiking", body="Download trails", tags=["maps"])
    similar = publish(title="Offline maps in the car", body="Navigation", tags=["maps"])
    publish(title="Dark mode", body="Night")

    assert engine.backend.more_like_this(idea, user=ANON) == [similar.pk]


@pytest.mark.django_db(transaction=True)
def test_nothing_is_indexed_when_the_write_rolls_back(engine):
    author = MemberFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        make_idea(author=author, title="Never committed")
        raise RuntimeError("the request failed after the insert")

    assert not IdeaDocument.objects.exists()
    idea = make_idea(author=author, title="Committed idea")  # autocommit: indexed at once
    engine.refresh()
    assert ids(search(engine, "committed")) == [idea.pk]


def test_campaign_filter_and_facet(engine, publish, campaign):
    camera = campaign("camera", title="Camera app")
    battery = campaign("battery", title="Battery life")
    draft = campaign("secret-launch", title="Secret launch", live=False)
    in_camera = publish(title="Night mode photos", body="p", campaign=camera)
    publish(title="Photos backup", body="p", campaign=battery)
    publish(title="Photos widget", body="p")
    publish(title="Photos of the launch", body="p", campaign=draft)

    by_slug = search(engine, "photos", campaign="camera")
    by_id = search(engine, "photos", campaign=str(camera.pk))
    everything = search(engine, "photos")

    assert ids(by_slug) == ids(by_id) == [in_camera.pk]
    # Each facet ignores its own filter: both live campaigns stay choosable, counted within the match.
    assert {(f.value, f.label, f.count) for f in by_slug.facets["campaign"]} == {
        ("camera", "Camera app", 1),
        ("battery", "Battery life", 1),
    }
    # An unpublished campaign's title is editorial text nobody has released: never a facet value.
    assert "secret-launch" not in {f.value for f in everything.facets["campaign"]}
    assert everything.total == 4


def test_unknown_or_unpublished_campaign_says_so(engine, publish, campaign):
    draft = campaign("secret-launch", live=False)
    publish(title="Photos of the launch", body="p", campaign=draft)

    for value in ("no-such-campaign", "secret-launch", str(draft.pk), "9" * 40, "١٢"):
        results = search(engine, "photos", campaign=value)
        assert results.total == 0 and results.hits == []
        assert results.notices == [f"There is no campaign called “{value}”."]


def comment_hits(results):
    return [(hit.object_id, hit.idea_id) for hit in results.hits]


def test_a_comment_is_found_by_its_own_words(engine, publish, comment, bob):
    idea = publish(title="Quieter fan", body="The fan is loud.")
    other = publish(title="Dark mode", body="Night.")
    posted = comment(idea=idea, author=bob, body="The **zeppelin** hum at night is worse.")
    comment(idea=other, author=bob, body="Yes please.")

    results = search(engine, "zeppelin", kind="comments")

    assert comment_hits(results) == [(posted.pk, idea.pk)]
    assert results.total == 1
    assert "<mark>zeppelin</mark>" in results.hits[0].snippet_html


def test_comment_search_filters_through_the_idea(engine, publish, comment, bob):
    phones = ProductFactory(slug="phone")
    on_phone = publish(title="Quieter fan", body="b", product=phones)
    elsewhere = publish(title="Quieter printer", body="b")
    wanted = comment(idea=on_phone, author=bob, body="Zeppelin noise")
    comment(idea=elsewhere, author=bob, body="Zeppelin noise too")

    assert comment_hits(search(engine, "zeppelin", kind="comments", product="phone")) == [
        (wanted.pk, on_phone.pk)
    ]


def test_hidden_comments_and_comments_on_hidden_ideas_are_never_found(engine, publish, comment, alice, bob):
    idea = publish(title="Quieter fan", body="b", author=alice)
    hidden_idea = publish(title="Louder fan", body="b", author=alice)
    shown = comment(idea=idea, author=bob, body="Zeppelin noise")
    hidden = comment(idea=idea, author=bob, body="Zeppelin spam")
    on_hidden_idea = comment(idea=hidden_idea, author=bob, body="Zeppelin again")
    type(hidden).objects.filter(pk=hidden.pk).update(visibility=Visibility.HIDDEN)
    Idea.objects.filter(pk=hidden_idea.pk).update(visibility=Visibility.HIDDEN)
    engine.backend.index_comments([hidden.pk, on_hidden_idea.pk])
    engine.refresh()

    assert comment_hits(search(engine, "zeppelin", kind="comments", user=bob)) == [(shown.pk, idea.pk)]
    # The idea's author still sees their own hidden idea, and so its public comments; never a hidden one.
    mine = {
        object_id for object_id, _ in comment_hits(search(engine, "zeppelin", kind="comments", user=alice))
    }
    assert mine == {shown.pk, on_hidden_idea.pk}


def test_published_prototypes_are_found_drafts_are_not(engine, prototype):
    found = prototype(title="Camera app redesign", description="A quicker shutter.")
    prototype(title="Camera app secret", description="Not yet.", publish=False)
    by_variant = prototype(
        title="Gallery", variant="Compact", variant_description="Camera grid on one screen"
    )

    results = search(engine, "camera", kind="prototypes")

    assert [hit.object_id for hit in results.hits] == [found.pk, by_variant.pk]  # title match first
    assert all(hit.idea_id is None for hit in results.hits)
    assert "<mark>Camera</mark> app redesign" in results.hits[0].title_html
    assert results.total == 2


def test_kinds_never_mix(engine, publish, comment, prototype, bob):
    idea = publish(title="Zeppelin mode", body="b")
    comment(idea=idea, author=bob, body="Zeppelin hum")
    prototype(title="Zeppelin prototype")

    assert ids(search(engine, "zeppelin")) == [idea.pk]
    assert search(engine, "zeppelin", kind="comments").total == 1
    assert search(engine, "zeppelin", kind="prototypes").total == 1
    assert engine.backend.count(SearchRequest(text="zeppelin", kind="comments"), user=ANON) == 1
    assert engine.backend.count(SearchRequest(text="zeppelin", kind="prototypes"), user=ANON) == 1


def test_anonymous_visitors_share_facets_briefly(engine, publish, settings, alice):
    if engine.name != "database":
        pytest.skip("facet caching is the database backend's")
    settings.SEARCH_FACET_CACHE_SECONDS = 60
    word = "w" + uuid.uuid4().hex  # a search no earlier run can have cached
    publish(title=f"{word} widget", body="b", tags=["battery"])
    search(engine, word)  # fills the cache
    publish(title=f"{word} graph", body="b", tags=["charts"])

    cached, fresh = search(engine, word), search(engine, word, user=alice)

    assert cached.total == fresh.total == 2  # totals and hits are always live
    assert {f.value for f in cached.facets["tag"]} == {"battery"}
    assert {f.value for f in fresh.facets["tag"]} == {"battery", "charts"}
    assert {f.value for f in search(engine, word, tag="charts").facets["tag"]} == {"battery", "charts"}


@pytest.mark.parametrize("sort", ["relevance", "votes", "new"])
def test_pages_are_the_same_with_and_without_cached_facets(engine, publish, settings, upvote, sort):
    # Without cached facets the database backend answers from one statement (total, facets, page);
    # with them, from a count and a ranked page: members must not tell the two apart.
    if engine.name != "database":
        pytest.skip("facet caching is the database backend's")
    settings.SEARCH_FACET_CACHE_SECONDS = 60
    word = "w" + uuid.uuid4().hex
    ideas = [publish(title=f"{word} {n}", body=f"{word} " * n, tags=["battery"]) for n in range(1, 5)]
    upvote(ideas[0])
    planned = publish(title=f"{word} planned", body="b")
    Idea.objects.filter(pk=planned.pk).update(status=Idea.Status.PLANNED)
    engine.backend.index_ideas([planned.pk])

    for text in (word, ""):
        cold = search(engine, text, status="new", sort=sort, page_size=3)
        warm = search(engine, text, status="new", sort=sort, page_size=3)
        second = search(engine, text, status="new", sort=sort, page_size=3, page=2)

        assert ids(warm) == ids(cold) and len(ids(cold)) == 3
        assert (warm.total, warm.more) == (cold.total, cold.more)
        assert warm.facets == cold.facets
        assert not set(ids(second)) & set(ids(cold))
