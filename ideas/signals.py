"""Extension points of the ideas app. Apps above it (search) subscribe in their AppConfig.ready(); the
services here announce changes instead of calling those apps (docs/architecture.md).

Receivers run synchronously inside the service's transaction: anything with an effect outside the
database queues itself with `transaction.on_commit`, as search.indexing does.
"""

from django.dispatch import Signal

# idea_ids: an idea's text, tags, status, visibility, segment, product or campaign changed
ideas_changed = Signal()
# comment_id: a comment was posted, edited, hidden or restored
comment_changed = Signal()
