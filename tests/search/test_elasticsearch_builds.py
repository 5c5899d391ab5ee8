"""The Elasticsearch backend, checked on what it builds — no server involved (the live suite is the
`elasticsearch`-marked half of test_behaviour.py)."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import AnonymousUser

from search import documents
from search.backends import elastic
from search.query import MARK_END, MARK_START, Filters, SearchRequest
from search.sources import ideas_for_indexing
from tests.factories import ProductFactory, SegmentFactory, make_idea

from .http_boundary import Boundary

INDEX = "cocreate-ideas"


def test_idea_mapping_uses_english_stemming_and_edge_ngram_suggestions():
    mapping = elastic.index_definition("cocreate-ideas-1", "ideas").to_dict()["mappings"]["properties"]

    assert mapping["title"]["analyzer"] == "cocreate_english"
    assert mapping["title"]["fields"]["suggest"] == {
        "type": "text",
        "analyzer": "cocreate_suggest",
        "search_analyzer": "cocreate_suggest_search",
    }
    assert mapping["status"] == {"type": "keyword"}
    assert mapping["tag_slugs"] == {"type": "keyword"}
    assert mapping["votes"] == {"type": "integer"}
    assert mapping["fingerprint"] == {"type": "keyword", "index": False}


def test_index_definition_carries_the_analysers():
    body = elastic.index_definition("cocreate-ideas-20260101", "ideas").to_dict()
    analysis = body["settings"]["analysis"]

    assert body["settings"]["number_of_shards"] == 1
    assert analysis["analyzer"]["cocreate_english"]["filter"][-1] == "cocreate_english_stemmer"
    assert analysis["filter"]["cocreate_english_stemmer"] == {"type": "stemmer", "language": "english"}
    assert analysis["filter"]["cocreate_edge_ngram"] == {"type": "edge_ngram", "min_gram": 2, "max_gram": 15}
    assert "title" in body["mappings"]["properties"]


def test_comment_index_definition():
    body = elastic.index_definition("cocreate-comments-1", "comments").to_dict()
    assert body["mappings"]["properties"]["idea_id"] == {"type": "keyword"}


def test_names_and_alias_swap_actions(settings):
    settings.SEARCH_INDEX_PREFIX = "acme"
    now = datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC)

    assert elastic.alias_name("ideas") == "acme-ideas"
    assert elastic.new_index_name("ideas", now=now) == "acme-ideas-20260102030405000006"
    assert elastic.alias_actions("acme-ideas", "acme-ideas-2", ["acme-ideas-1"]) == [
        {"remove": {"index": "acme-ideas-1", "alias": "acme-ideas"}},
        {"add": {"index": "acme-ideas-2", "alias": "acme-ideas"}},
    ]
    # First build: nothing to remove; re-pointing at the same index never removes it.
    assert elastic.alias_actions("acme-ideas", "acme-ideas-2", []) == [
        {"add": {"index": "acme-ideas-2", "alias": "acme-ideas"}}
    ]
    assert elastic.alias_actions("acme-ideas", "acme-ideas-2", ["acme-ideas-2"]) == [
        {"add": {"index": "acme-ideas-2", "alias": "acme-ideas"}}
    ]


@pytest.mark.django_db
def test_bulk_actions_index_ideas_and_delete_missing_ones(bob):
    product = ProductFactory(slug="phone")
    segment = SegmentFactory(slug="gamers")
    idea = make_idea(
        title="Offline maps", body="Update *maps*.", tags=["Maps"], product=product, segment=segment
    )

    actions = elastic.idea_actions(list(ideas_for_indexing([idea.pk])), INDEX, missing_ids=[999])

    indexed, deleted = actions
    assert indexed["_index"] == INDEX and indexed["_id"] == str(idea.pk)
    source = indexed["_source"]
    assert source["title"] == "Offline maps"
    assert source["body"] == "Update maps."  # Markdown rendered, then plain text
    assert source["tags"] == ["Maps"] and source["tag_slugs"] == ["maps"]
    assert source["status"] == "new" and source["visibility"] == "public"
    assert source["product"] == "phone" and source["segment"] == "gamers"
    assert len(source["fingerprint"]) == 64
    assert deleted == {"_op_type": "delete", "_index": INDEX, "_id": "999"}


@pytest.mark.django_db
def test_comment_actions_include_public_comments_only(bob):
    from ideas.models import Visibility
    from ideas.services import comment_post

    idea = make_idea(title="Fan noise")
    shown = comment_post(author=bob, idea=idea, body="Same here")
    hidden = comment_post(author=bob, idea=idea, body="spam")
    type(hidden).objects.filter(pk=hidden.pk).update(visibility=Visibility.HIDDEN)
    ideas = list(ideas_for_indexing([idea.pk]))

    actions = elastic.comment_actions(ideas, "cocreate-comments")

    assert [a["_id"] for a in actions] == [str(shown.pk)]
    source = actions[0]["_source"]
    assert source["body"] == "Same here" and source["idea_id"] == str(idea.pk)
    assert source["idea_visibility"] == "public" and source["idea_author_id"] == str(idea.author_id)
    assert source["status"] == "new" and len(source["fingerprint"]) == 64
    assert elastic.stale_comments_query(ideas).to_dict() == {
        "bool": {
            "must": [{"terms": {"idea_id": [str(idea.pk)]}}],
            "must_not": [{"ids": {"values": [str(shown.pk)]}}],
        }
    }


@pytest.mark.django_db
def test_query_has_text_visibility_filters_facets_sort_and_highlight():
    request = SearchRequest(text='offline "wi fi" -car', filters=Filters(status="new", tag="maps"), page=2)

    body = elastic.build_search(request, user=AnonymousUser(), index=INDEX).to_dict()

    query = body["query"]["bool"]
    assert query["filter"] == [{"term": {"visibility": "public"}}]
    text = query["must"][0]["bool"]
    assert text["must"][0] == {
        "multi_match": {
            "query": "offline",
            "fields": elastic.TEXT_FIELDS,
            "fuzziness": "AUTO",
            "prefix_length": 1,
        }
    }
    assert text["must"][1]["multi_match"]["type"] == "phrase"
    assert text["must"][1]["multi_match"]["query"] == "wi fi"
    assert text["must_not"] == [{"multi_match": {"query": "car", "fields": elastic.TEXT_FIELDS}}]
    # Facet filters go to post_filter; each aggregation applies only the *other* facet filters.
    assert body["post_filter"] == {
        "bool": {"filter": [{"term": {"status": "new"}}, {"term": {"tag_slugs": "maps"}}]}
    }
    assert body["aggs"]["status"]["filter"] == {"bool": {"filter": [{"term": {"tag_slugs": "maps"}}]}}
    assert body["aggs"]["tag"]["filter"] == {"bool": {"filter": [{"term": {"status": "new"}}]}}
    assert body["aggs"]["segment"]["aggs"]["values"] == {"terms": {"field": "segment", "size": 50}}
    assert body["aggs"]["tag"]["aggs"]["values"]["terms"]["size"] == elastic.TAG_FACET_SIZE
    assert body["sort"] == ["_score", {"votes": "desc"}]
    assert body["highlight"]["pre_tags"] == [MARK_START] and body["highlight"]["post_tags"] == [MARK_END]
    assert body["highlight"]["fields"]["title"] == {"number_of_fragments": 0}
    assert body["from"] == 20 and body["size"] == 20
    # Totals are counted exactly up to SEARCH_EXACT_COUNT_LIMIT (1,000: as far as the pages go); beyond
    # it the answer's relation is "gte" and the page says "1,000+".
    assert body["track_total_hits"] == 1000 and body["_source"] is False


@pytest.mark.django_db
def test_empty_query_matches_all_sorted_by_votes(alice):
    body = elastic.build_search(SearchRequest(text="", sort="relevance"), user=alice, index=INDEX).to_dict()
    query = body["query"]["bool"]
    assert query["must"] == [{"match_all": {}}]
    # A member also finds their own held or hidden ideas.
    assert query["filter"] == [
        {"bool": {"should": [{"term": {"visibility": "public"}}, {"term": {"author_id": str(alice.pk)}}]}}
    ]
    assert body["sort"] == [{"votes": "desc"}, {"created_at": "desc"}]
    assert "highlight" not in body and "post_filter" not in body


@pytest.mark.django_db
def test_sort_by_date():
    body = elastic.build_search(SearchRequest(text="maps", sort="new"), user=None, index=INDEX).to_dict()
    assert body["sort"] == [{"created_at": "desc"}, {"_id": "desc"}]


@pytest.mark.django_db
def test_syntax_characters_never_reach_a_query_parser():
    body = elastic.build_search(SearchRequest(text='title:(maps* AND "x'), user=None, index=INDEX).to_dict()
    text = str(body["query"])
    assert "query_string" not in text
    assert "'title maps'" in text and "'and'" in text and "'x'" in text


@pytest.mark.django_db
def test_more_like_this_and_similar_titles_show_listed_ideas_only():
    body = elastic.build_more_like_this(7, user=None, index=INDEX, limit=3).to_dict()
    query = body["query"]["bool"]
    assert query["must"][0]["more_like_this"]["like"] == [{"_index": INDEX, "_id": "7"}]
    assert query["must_not"] == [{"ids": {"values": ["7"]}}]
    assert {
        "bool": {"must": [{"term": {"visibility": "public"}}], "must_not": [{"term": {"status": "merged"}}]}
    } in query["filter"]
    assert body["size"] == 3

    body = elastic.build_similar_titles("Offline ma", user=None, index=INDEX).to_dict()
    should = body["query"]["bool"]["must"][0]["bool"]["should"]
    assert should[0] == {"match": {"title.suggest": {"query": "offline ma"}}}


@pytest.fixture
def live_campaign(wagtail_site):
    from datetime import timedelta

    from django.utils import timezone

    from cms.models import CampaignIndexPage, CampaignPage

    index = CampaignIndexPage.objects.first() or wagtail_site.add_child(
        instance=CampaignIndexPage(title="Campaigns", slug="campaigns")
    )
    now = timezone.now()
    page = CampaignPage(
        title="Camera app",
        slug="camera",
        question="?",
        brief="<p>b</p>",
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=1),
    )
    index.add_child(instance=page)
    page.save_revision().publish()
    return CampaignPage.objects.get(pk=page.pk)


def test_campaign_mapping_filter_and_facet(live_campaign):
    mapping = elastic.index_definition("cocreate-ideas-1", "ideas").to_dict()["mappings"]["properties"]
    assert mapping["campaign"] == {"type": "keyword"}
    idea = make_idea(title="Night mode", campaign=live_campaign)
    source = elastic.idea_actions(list(ideas_for_indexing([idea.pk])), INDEX)[0]["_source"]
    assert source["campaign"] == str(live_campaign.pk)

    for value in ("camera", str(live_campaign.pk)):
        request = SearchRequest(text="night", filters=Filters(campaign=value, status="new"))
        body = elastic.build_search(request, user=None, index=INDEX).to_dict()
        campaign_term = {"terms": {"campaign": [str(live_campaign.pk)]}}
        assert campaign_term in body["post_filter"]["bool"]["filter"]
        # The campaign facet counts within the other filters, not its own.
        assert body["aggs"]["campaign"]["filter"] == {"bool": {"filter": [{"term": {"status": "new"}}]}}
        assert body["aggs"]["campaign"]["aggs"]["values"]["terms"]["field"] == "campaign"

    unknown = elastic.build_search(
        SearchRequest(text="night", filters=Filters(campaign="nowhere")), user=None, index=INDEX
    ).to_dict()
    assert unknown["post_filter"] == {"bool": {"filter": [{"terms": {"campaign": []}}]}}  # matches nothing

    labelled = elastic.facet_labels({"campaign": [(str(live_campaign.pk), 3), ("999999", 1)]}, None)
    assert [(f.value, f.label, f.count) for f in labelled["campaign"]] == [("camera", "Camera app", 3)]


def test_kind_registry_and_prototype_mapping():
    assert set(documents.KINDS) == {"ideas", "comments", "prototypes"}
    body = elastic.index_definition("cocreate-prototypes-1", "prototypes").to_dict()
    properties = body["mappings"]["properties"]
    assert properties["title"]["analyzer"] == "cocreate_english"
    assert properties["status"] == {"type": "keyword"} and properties["product"] == {"type": "keyword"}


@pytest.mark.django_db
def test_comment_search_checks_the_idea_and_applies_idea_filters(alice):
    request = SearchRequest(text="zeppelin", kind="comments", filters=Filters(product="phone"))

    body = elastic.build_search(request, user=alice, index="cocreate-comments").to_dict()

    query = body["query"]["bool"]
    assert query["must"][0]["bool"]["must"][0]["multi_match"]["fields"] == elastic.COMMENT_TEXT_FIELDS
    assert query["filter"] == [
        {"term": {"product": "phone"}},
        {"term": {"visibility": "public"}},
        {
            "bool": {
                "should": [
                    {"term": {"idea_visibility": "public"}},
                    {"term": {"idea_author_id": str(alice.pk)}},
                ]
            }
        },
    ]
    assert "aggs" not in body and body["_source"] == ["idea_id"]
    assert body["highlight"]["fields"] == {
        "body": {"fragment_size": 160, "number_of_fragments": 2, "no_match_size": 160}
    }


@pytest.mark.django_db
def test_prototype_search_shows_published_ones_and_filters_by_product_only():
    request = SearchRequest(text="camera", kind="prototypes", filters=Filters(product="phone", status="new"))

    body = elastic.build_search(request, user=None, index="cocreate-prototypes").to_dict()

    assert body["query"]["bool"]["filter"] == [
        {"term": {"status": "published"}},
        {"term": {"product": "phone"}},
    ]
    assert body["sort"] == ["_score", {"created_at": "desc"}]
    assert "title" in body["highlight"]["fields"]


@pytest.mark.django_db
def test_prototype_actions_index_published_and_delete_the_rest(settings, tmp_path):
    from prototypes import services as prototype_services
    from prototypes.models import Variant
    from search.sources import prototypes_for_indexing
    from tests.prototypes.helpers import publisher

    settings.MEDIA_ROOT = tmp_path
    rita = publisher()
    published = prototype_services.prototype_create(
        created_by=rita, title="Camera app", description="Shutter"
    )
    prototype_services.variant_add(
        prototype=published, by=rita, name="Compact", kind=Variant.Kind.VIDEO, video_url="https://vimeo.com/1"
    )
    prototype_services.prototype_publish(prototype=published, by=rita)
    draft = prototype_services.prototype_create(created_by=rita, title="Secret")
    loaded = list(prototypes_for_indexing([published.pk, draft.pk]))

    actions = elastic.prototype_actions(loaded, "cocreate-prototypes", missing_ids=[draft.pk])

    assert [a["_id"] for a in actions] == [str(published.pk), str(draft.pk)]
    assert actions[0]["_source"]["title"] == "Camera app" and "Compact" in actions[0]["_source"]["body"]
    assert actions[1] == {"_op_type": "delete", "_index": "cocreate-prototypes", "_id": str(draft.pk)}


def test_vote_updates_are_partial():
    assert elastic.vote_actions({7: 3, 2: -1}, INDEX) == [
        {"_op_type": "update", "_index": INDEX, "_id": "2", "doc": {"votes": -1}},
        {"_op_type": "update", "_index": INDEX, "_id": "7", "doc": {"votes": 3}},
    ]


@pytest.mark.django_db
def test_tab_counts_keep_match_and_filters_only():
    request = SearchRequest(text="maps", filters=Filters(status="new"))
    body = elastic.build_count(request, user=None, index=INDEX).to_dict()
    assert set(body) == {"query", "post_filter", "size", "track_total_hits"}
    assert body["size"] == 0 and body["track_total_hits"] == 1000
    assert body["post_filter"] == {"bool": {"filter": [{"term": {"status": "new"}}]}}


# --- What the backend sends, read at the client's HTTP boundary (no server: tests/search/http_boundary.py)


EMPTY_HITS = {"took": 1, "timed_out": False, "hits": {"total": {"value": 0, "relation": "eq"}, "hits": []}}


def test_each_document_searches_its_own_named_index_never_all_of_them():
    """A document class is bound to its kind's name (documents.py), and building an index for a
    timestamped name leaves it so: a search that forgot `index=` must not read every index."""
    boundary = Boundary(answer=lambda method, path: (200, EMPTY_HITS))
    client = boundary.client()
    for kind in documents.KINDS:
        elastic.index_definition(f"acme-{kind}-20260101", kind)

    for kind, document in documents.KINDS.items():
        document.search(using=client).execute()
        document.search(using=client, index=f"acme-{kind}").execute()

    assert [(r.method, r.path) for r in boundary.requests] == [
        ("POST", "/ideas/_search"),
        ("POST", "/acme-ideas/_search"),
        ("POST", "/comments/_search"),
        ("POST", "/acme-comments/_search"),
        ("POST", "/prototypes/_search"),
        ("POST", "/acme-prototypes/_search"),
    ]


def test_ensure_indices_creates_each_kind_with_its_mapping_behind_its_alias(settings):
    def answer(method, path):
        if path.startswith("/_alias/"):
            return 404, {"error": "alias missing", "status": 404}
        return 200, {"acknowledged": True}

    boundary = Boundary(answer=answer)
    backend = elastic.ElasticsearchBackend(boundary.client(), "acme")

    backend.ensure_indices()

    sent = boundary.requests
    assert [(r.method, r.path.rsplit("-", 1)[0] if r.method == "PUT" else r.path) for r in sent] == [
        ("HEAD", "/_alias/acme-ideas"),
        ("PUT", "/acme-ideas"),
        ("POST", "/_aliases"),
        ("HEAD", "/_alias/acme-comments"),
        ("PUT", "/acme-comments"),
        ("POST", "/_aliases"),
        ("HEAD", "/_alias/acme-prototypes"),
        ("PUT", "/acme-prototypes"),
        ("POST", "/_aliases"),
    ]
    ideas, comments, prototypes = sent[1], sent[4], sent[7]
    for created, kind in ((ideas, "ideas"), (comments, "comments"), (prototypes, "prototypes")):
        # The body is exactly the index definition the pure function builds for that name.
        assert created.body == elastic.index_definition(created.path[1:], kind).to_dict()
        assert created.body["settings"]["number_of_shards"] == 1
        assert "cocreate_english" in created.body["settings"]["analysis"]["analyzer"]
    assert (
        ideas.body["mappings"]["properties"]["title"]["fields"]["suggest"]["analyzer"] == "cocreate_suggest"
    )
    assert comments.body["mappings"]["properties"]["idea_id"] == {"type": "keyword"}
    assert prototypes.body["mappings"]["properties"]["stage"] == {"type": "keyword"}
    assert sent[2].body == {"actions": [{"add": {"index": ideas.path[1:], "alias": "acme-ideas"}}]}


def test_ensure_indices_leaves_existing_aliases_alone():
    boundary = Boundary(answer=lambda method, path: (200, {}))
    elastic.ElasticsearchBackend(boundary.client(), "acme").ensure_indices()
    assert [r.method for r in boundary.requests] == ["HEAD", "HEAD", "HEAD"]


@pytest.mark.django_db
def test_a_search_sends_the_built_request_to_the_kind_alias(alice):
    boundary = Boundary(
        answer=lambda method, path: (
            200,
            {**EMPTY_HITS, "aggregations": {n: {"values": {"buckets": []}} for n in elastic.FACET_FIELDS}},
        )
    )
    backend = elastic.ElasticsearchBackend(boundary.client(), "acme")
    request = SearchRequest(text="offline maps", filters=Filters(status="new"))

    results = backend.query(request, user=alice)

    (sent,) = boundary.requests
    assert (sent.method, sent.path) == ("POST", "/acme-ideas/_search")
    assert sent.body == elastic.build_search(request, user=alice, index="acme-ideas").to_dict()
    assert results.total == 0 and results.hits == []


def _answer(total, relation):
    return {
        "took": 1,
        "timed_out": False,
        "hits": {"total": {"value": total, "relation": relation}, "hits": []},
        "aggregations": {n: {"values": {"buckets": []}} for n in elastic.FACET_FIELDS},
    }


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["ideas", "comments", "prototypes"])
def test_totals_are_counted_up_to_the_exact_count_limit(settings, kind):
    settings.SEARCH_EXACT_COUNT_LIMIT = 40
    request = SearchRequest(text="maps", kind=kind)

    assert elastic.build_search(request, user=None, index=INDEX).to_dict()["track_total_hits"] == 40
    assert elastic.build_count(request, user=None, index=INDEX).to_dict()["track_total_hits"] == 40


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("value", "relation", "total", "exact", "count"),
    [(40, "gte", 40, False, 41), (12, "eq", 12, True, 12), (40, "eq", 40, True, 40)],
)
def test_a_gte_total_reads_as_the_limit_plus(settings, alice, value, relation, total, exact, count):
    # Elasticsearch stops counting at track_total_hits and answers {"value": 40, "relation": "gte"}:
    # the page says "40+", as on the database backend; "eq" is an exact total.
    settings.SEARCH_EXACT_COUNT_LIMIT = 40
    boundary = Boundary(answer=lambda method, path: (200, _answer(value, relation)))
    backend = elastic.ElasticsearchBackend(boundary.client(), "acme")
    request = SearchRequest(text="maps")

    results = backend.query(request, user=alice)

    assert (results.total, results.total_exact, results.more) == (total, exact, not exact)
    assert results.facets_exact  # Elasticsearch's aggregations count every match
    # The tabs' count: above the limit means "more than the limit", as the database backend counts.
    assert backend.count(request, user=alice) == count
