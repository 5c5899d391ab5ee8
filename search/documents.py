"""Elasticsearch documents, declared with elasticsearch.dsl (never the frozen `elasticsearch_dsl` alias).

The backend names the real index in every call: reads go to "<SEARCH_INDEX_PREFIX>-<kind>" aliases,
each pointing at a timestamped index, so a rebuild can fill a new index and switch the alias in one
atomic step (search/backends/elastic.py builds each index with `Index(name).document(<class>)`).

Each document still has a named `class Index` of its own, the kind: elasticsearch.dsl binds a document
without a name to the first `Index` it is added to, and searches it across every index (`_all`). With a
name, adding it to a new index leaves the class as it was, and a call that forgot its `index=` goes
to an index that does not exist and fails, rather than reading all of them.

Kinds: ideas, comments, prototypes. Adding one: a document class here, a `*_source` function in
search/sources.py, an entry in `KINDS` (its alias, index and rebuild follow), and its actions and
search in search/backends/elastic.py. Campaigns are a keyword on ideas, not a kind.
"""

from elasticsearch.dsl import Date, Document, Integer, Keyword, Text, analyzer, token_filter

# Stemmed English for matching: "maps", "mapping" and "mapped" meet at "map".
english = analyzer(
    "cocreate_english",
    tokenizer="standard",
    filter=[
        token_filter("cocreate_english_possessive", "stemmer", language="possessive_english"),
        "lowercase",
        "asciifolding",
        token_filter("cocreate_english_stop", "stop", stopwords="_english_"),
        token_filter("cocreate_english_stemmer", "stemmer", language="english"),
    ],
)
# Edge n-grams of every word at index time, so a half-typed title ("offl ma") already finds
# "Offline maps"; searched with plain lower-cased words (n-gramming the query too would match noise).
suggest = analyzer(
    "cocreate_suggest",
    tokenizer="standard",
    filter=[
        "lowercase",
        "asciifolding",
        token_filter("cocreate_edge_ngram", "edge_ngram", min_gram=2, max_gram=15),
    ],
)
suggest_search = analyzer(
    "cocreate_suggest_search", tokenizer="standard", filter=["lowercase", "asciifolding"]
)


class SearchableDocument(Document):
    """Fields every searchable kind shares: its text, who may see it, where it belongs, when. A base
    only, never indexed itself (its subclasses name their own index)."""

    title = Text(
        analyzer=english,
        fields={"suggest": Text(analyzer=suggest, search_analyzer=suggest_search)},
    )
    body = Text(analyzer=english)
    visibility = Keyword()
    author_id = Keyword()
    product = Keyword()
    created_at = Date()
    # Hash of the indexed fields (search.backends.database.fingerprint); `--check` compares it.
    fingerprint = Keyword(index=False)


class IdeaDocument(SearchableDocument):
    tags = Text(analyzer=english)
    tag_slugs = Keyword()
    comments = Text(analyzer=english)  # public comments only
    status = Keyword()
    segment = Keyword()
    campaign = Keyword()  # the campaign page's id (slugs can be renamed in the CMS)
    # Rewritten on its own after votes, once per 10-second window (voting.windows; a partial update).
    votes = Integer()
    comment_count = Integer()

    class Index:
        name = "ideas"  # a kind, never the index itself: see the module's docstring


class CommentDocument(Document):
    """Public comments (only those are indexed), searchable on their own. A comment is only as
    visible as its idea, and is filtered by its idea's fields: both are copied here."""

    body = Text(analyzer=english)
    idea_id = Keyword()
    idea_title = Text(analyzer=english)
    idea_visibility = Keyword()
    idea_author_id = Keyword()
    visibility = Keyword()
    status = Keyword()
    tag_slugs = Keyword()
    segment = Keyword()
    product = Keyword()
    campaign = Keyword()
    created_at = Date()
    fingerprint = Keyword(index=False)

    class Index:
        name = "comments"


class PrototypeDocument(Document):
    """Published prototypes (drafts are never indexed): title, description and variants' text."""

    title = Text(analyzer=english)
    body = Text(analyzer=english)
    status = Keyword()
    stage = Keyword()
    product = Keyword()
    created_at = Date()
    fingerprint = Keyword(index=False)

    class Index:
        name = "prototypes"


# kind → document class; the alias of a kind is "<prefix>-<kind>".
KINDS = {"ideas": IdeaDocument, "comments": CommentDocument, "prototypes": PrototypeDocument}
