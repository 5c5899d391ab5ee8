"""The votes on ideas as the ideas app needs them: a port that the voting app fills in.

Votes live in the voting app, one layer up (docs/architecture.md): it owns the vote rows, the vote rule
and the counters' updates. The ideas app still asks the vote rows a few questions (who voted, how an
idea's votes add up after rows moved, the last week's up-votes, the viewer's own votes) and moves votes
with a merge. It asks them through the object registered here, from VotingConfig.ready()
(voting.idea_votes.IdeaVotes), so no module of this app imports voting.
"""

from typing import Protocol

from community.ports import Port


class IdeaVotes(Protocol):
    def voter_ids(self, idea) -> list[int]: ...

    def counted_up_down(self, idea) -> tuple[int, int]: ...

    def recent_upvotes(self, idea_ids, *, since) -> dict[int, int]: ...

    def my_votes(self, user, idea_ids) -> dict[int, int]: ...

    def vote_state(self, user, idea_ids) -> dict[int, tuple[int, int]]: ...

    def vote_counts(self, user, idea_ids) -> dict[int, tuple[int, int, int]]: ...

    def my_vote_sql(self, idea_alias: str) -> str: ...

    def my_vote_expression(self, user): ...

    def move_for_merge(self, *, source, target) -> list[int]: ...

    def move_back(self, *, vote_ids, source, target) -> None: ...


votes: Port[IdeaVotes] = Port("vote source", provided_by="voting")
register = votes.register
