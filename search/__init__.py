"""Search over ideas, comments and prototypes: one interface, a database backend by default and
Elasticsearch (through elasticsearch.dsl) when ELASTICSEARCH_URL is set. Built in the search issue."""
