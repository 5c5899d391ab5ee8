"""What the ideas app asks of the vote rows (ideas.votes), answered here where the votes live.

Registered in VotingConfig.ready(). The queries moved here unchanged from ideas.services and
ideas.selectors when the ideas app stopped importing voting (docs/architecture.md).
"""

from django.db import connection
from django.db.models import Count, Subquery
from django.db.models.expressions import OuterRef
from django.db.models.functions import Coalesce

from ideas.models import Idea

from .models import Vote


class IdeaVotes:
    def voter_ids(self, idea) -> list[int]:
        """Every member who voted on the idea (supporters hear about it)."""
        return list(Vote.objects.filter(idea=idea).values_list("member_id", flat=True))

    def counted_up_down(self, idea) -> tuple[int, int]:
        """The idea's counted up- and down-votes, from the rows (retired votes are the idea's own)."""
        votes = Vote.objects.counted().filter(idea=idea)
        return votes.filter(value=1).count(), votes.filter(value=-1).count()

    def recent_upvotes(self, idea_ids, *, since) -> dict[int, int]:
        """Counted up-votes on these ideas since `since`, by idea (ideas without any are left out)."""
        return dict(
            Vote.objects.counted()
            .filter(idea__in=idea_ids, value=Vote.Value.UP, created_at__gte=since)
            .order_by()
            .values("idea")
            .annotate(n=Count("pk"))
            .values_list("idea", "n")
        )

    def my_votes(self, user, idea_ids) -> dict[int, int]:
        if not user.is_authenticated or not idea_ids:
            return {}
        return dict(Vote.objects.filter(member=user, idea_id__in=idea_ids).values_list("idea_id", "value"))

    def vote_state(self, user, idea_ids) -> dict[int, tuple[int, int]]:
        """Each idea's current net votes and the member's own vote on it (0 for none), in one query.

        Asked on every member's list page (see ideas/fragments.py), so it is plain SQL: building the
        equivalent ORM query (an annotated subquery) cost more CPU than everything else the cached page
        does.
        """
        return {pk: (up - down, mine) for pk, (up, down, mine) in self.vote_counts(user, idea_ids).items()}

    def vote_counts(self, user, idea_ids) -> dict[int, tuple[int, int, int]]:
        """Each idea's current up-votes and down-votes and the member's own vote (0 for none), in one
        plain-SQL query (the API's idea list asks it next to a shared copy of the page)."""
        if not idea_ids:
            return {}
        member_id = user.pk if user.is_authenticated else None
        idea_table, vote_table = (
            connection.ops.quote_name(Idea._meta.db_table),
            connection.ops.quote_name(Vote._meta.db_table),
        )
        placeholders = ", ".join(["%s"] * len(idea_ids))
        # Table names come from the models; every value is a parameter.
        sql = (
            "SELECT i.id, i.upvote_count, i.downvote_count, COALESCE(v.value, 0) "  # noqa: S608
            f"FROM {idea_table} i LEFT JOIN {vote_table} v ON v.idea_id = i.id AND v.member_id = %s "
            f"WHERE i.id IN ({placeholders})"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [member_id, *idea_ids])
            return {pk: (up, down, mine) for pk, up, down, mine in cursor.fetchall()}

    def my_vote_sql(self, idea_alias: str) -> str:
        """A scalar SQL subquery for plain-SQL readers of ideas (ideas.selectors.idea_viewer_state): the
        vote of the member given as its one parameter on the idea aliased `idea_alias`, 0 for none.
        Built from the models, so a renamed table or column changes it with them."""
        table = connection.ops.quote_name(Vote._meta.db_table)
        idea_column = Vote._meta.get_field("idea").column
        member_column = Vote._meta.get_field("member").column
        return (
            f"COALESCE((SELECT v.value FROM {table} v WHERE v.{idea_column} = {idea_alias}.id "  # noqa: S608
            f"AND v.{member_column} = %s), 0)"
        )

    def my_vote_expression(self, user):
        """An annotation for an Idea queryset: the member's own vote on each idea, 0 for none."""
        mine = Vote.objects.filter(idea=OuterRef("pk"), member=user).values("value")[:1]
        return Coalesce(Subquery(mine), 0)

    def move_for_merge(self, *, source, target) -> list[int]:
        """Move the source's votes to the target, except those of members who voted on both (their vote
        on the source stays there); returns the moved votes' ids, so a merge can be undone."""
        target_voters = Vote.objects.filter(idea=target).values("member_id")
        moved_votes = list(
            Vote.objects.filter(idea=source).exclude(member_id__in=target_voters).values_list("pk", flat=True)
        )
        Vote.objects.filter(pk__in=moved_votes).update(idea=target)
        return moved_votes

    def move_back(self, *, vote_ids, source, target) -> None:
        Vote.objects.filter(pk__in=vote_ids, idea=target).update(idea=source)
