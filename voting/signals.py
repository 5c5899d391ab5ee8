"""Extension points of the voting app; apps above it (search) subscribe in AppConfig.ready()."""

from django.dispatch import Signal

# idea_ids: these ideas' vote counters and ranking scores were refreshed (once per vote window)
votes_counted = Signal()
