"""Extension points of the prototypes app; apps above it (search) subscribe in AppConfig.ready()."""

from django.dispatch import Signal

# prototype_id: a prototype was created, published, or given a variant
prototype_changed = Signal()
