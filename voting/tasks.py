"""Background work after votes (voting.windows): one task per window, not one per vote."""

from django_tasks import task

from ideas.models import Idea
from ideas.services import rescore_ideas

from . import signals


@task()
def refresh_voted_ideas(*, idea_ids: list[int]) -> None:
    """Ranking scores of ideas whose counters votes have changed, then whatever listens (search's vote
    counts, search.receivers)."""
    rescore_ideas(idea_ids)
    signals.votes_counted.send(sender=Idea, idea_ids=idea_ids)


@task()
def refresh_voted_ideas_of_window(*, window: int) -> int:
    """Every idea voted on in one window (voting.windows)."""
    # Here, not at the top: voting.windows enqueues these tasks (see there).
    from .windows import take_voted_ideas

    idea_ids = take_voted_ideas(window)
    if idea_ids:
        refresh_voted_ideas.call(idea_ids=idea_ids)
    return len(idea_ids)
