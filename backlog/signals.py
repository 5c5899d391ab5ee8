"""Extension points of the backlog app (docs/architecture.md): apps above it (webhooks) subscribe in
their AppConfig.ready(). Sent inside the service's transaction, after the change is written."""

from django.dispatch import Signal

# item_id: a backlog item was created (backlog_item_create, backlog_item_create_from_ideas)
backlog_item_created = Signal()
# item_id, changed: a backlog item's fields changed (backlog_item_update); changed lists the field names
backlog_item_updated = Signal()
