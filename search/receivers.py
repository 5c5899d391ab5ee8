"""Search keeps its index in step with the apps below it by listening to their extension points,
so none of them imports search (docs/architecture.md). Connected in SearchConfig.ready()."""

from django.dispatch import receiver

from ideas import signals as idea_signals
from prototypes import signals as prototype_signals
from voting import signals as voting_signals

from . import indexing
from .tasks import update_votes


@receiver(idea_signals.ideas_changed, dispatch_uid="search.ideas_changed")
def reindex_ideas(sender, *, idea_ids, **kwargs):
    indexing.ideas_changed(idea_ids)


@receiver(idea_signals.comment_changed, dispatch_uid="search.comment_changed")
def reindex_comment(sender, *, comment_id, **kwargs):
    indexing.comment_changed(comment_id)


@receiver(prototype_signals.prototype_changed, dispatch_uid="search.prototype_changed")
def reindex_prototype(sender, *, prototype_id, **kwargs):
    indexing.prototype_changed(prototype_id)


@receiver(voting_signals.votes_counted, dispatch_uid="search.votes_counted")
def update_vote_counts(sender, *, idea_ids, **kwargs):
    """Vote counts follow votes per window, right after the ranking scores (voting.tasks)."""
    update_votes.call(idea_ids=idea_ids)
