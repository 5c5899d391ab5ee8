"""Search over ideas (and later comments, prototypes, campaigns): one interface, two backends.

    from search import backend
    results = backend().query(SearchRequest(text="offline maps", filters=Filters(status="new")), user=user)

The database backend (PostgreSQL full text + trigrams, or SQLite FTS5) is the default; Elasticsearch,
through elasticsearch.dsl, when ELASTICSEARCH_URL is set. Writes reach the index through
`search.indexing` after their transaction commits.
"""


def backend():
    # Imported here, not at the top: Django imports this package (for search.apps) before any model is
    # loaded, and the backends import models; the Elasticsearch client is only loaded when configured.
    from django.conf import settings

    from .backends.base import SearchBackend  # noqa: F401 - the type every branch returns

    if settings.SEARCH_BACKEND == "elasticsearch":
        from .backends.elastic import ElasticsearchBackend

        return ElasticsearchBackend.from_settings()
    from .backends.database import database_backend

    return database_backend()
