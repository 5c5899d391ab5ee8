"""Extension points of the voting app; apps above it (search, webhooks) subscribe in AppConfig.ready()."""

from django.dispatch import Signal

# idea_ids: these ideas' vote counters and ranking scores were refreshed (once per vote window)
votes_counted = Signal()
# idea_id, upvotes, downvotes, value: one vote changed an idea's counters. upvotes and downvotes are the
# counters after the change as the vote itself returned them (the PostgreSQL function's RETURNING, or the
# ORM path's locked read), so a receiver learns whether a threshold was crossed without a query of its
# own. value is the vote cast (1 or -1) or voting.services.WITHDRAW. Sent once the vote is written;
# receivers queue any effect with transaction.on_commit.
votes_changed = Signal()
