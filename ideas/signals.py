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

# Precise domain events, for integrations (the webhooks app subscribes). Each is sent inside the
# service's transaction, after the change is written; a receiver queues its own work on commit.
# idea_id: a new idea went public (idea_submit; a held idea is not announced)
idea_created = Signal()
# changes: [(idea_id, from_status, to_status, note)] (idea_set_status, ideas_ship, ideas_restore_status)
idea_status_changed = Signal()
# source_id, target_id, note: a duplicate was merged (idea_merge)
idea_merged = Signal()
# comment_id: a public comment was posted (comment_post; a held one is not announced)
comment_created = Signal()
# release_id, title, version, url, idea_ids: a release note was published for the first time and shipped
# these ideas (cms.releases.release_announce; defined here, low, so that cms and webhooks stay siblings)
release_published = Signal()
