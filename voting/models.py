from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class VoteQuerySet(models.QuerySet):
    def counted(self):
        """Votes that count towards an idea's totals: all but those discounted by moderators."""
        return self.filter(discounted_at__isnull=True)


class Vote(models.Model):
    """A member's vote on an idea: +1 (support) or −1. One per member per idea, enforced by the database."""

    class Value(models.IntegerChoices):
        UP = 1, _("support")
        DOWN = -1, _("oppose")

    # No index of their own: the unique constraint's index (idea, member) and "vote_member_idea" (member,
    # idea) serve lookups by either, and every index is one more write on each vote.
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="votes", db_index=False
    )
    idea = models.ForeignKey("ideas.Idea", on_delete=models.CASCADE, related_name="votes", db_index=False)
    value = models.SmallIntegerField(choices=Value.choices, default=Value.UP)
    created_at = models.DateTimeField(auto_now_add=True)
    # Discounted by a moderator as suspicious (moderation.integrity): the row stays, the member still
    # sees their vote, but the idea's counters leave it out until the discount is lifted.
    discounted_at = models.DateTimeField(null=True, blank=True)

    objects = VoteQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["idea", "member"], name="one_vote_per_member_per_idea"),
            models.CheckConstraint(condition=models.Q(value__in=[1, -1]), name="vote_value_up_or_down"),
        ]
        # The unique constraint's index serves idea lookups; this one serves "my votes".
        indexes = [models.Index(fields=["member", "idea"], name="vote_member_idea")]

    def __str__(self):
        return f"{self.member_id} {self.value:+d} on {self.idea_id}"


class PendingRescore(models.Model):
    """An idea whose counters votes have changed since its ranking scores and search vote count were
    last refreshed: the durable "pending" mark of the vote windows (voting.windows).

    Written in the vote's own transaction (INSERT … ON CONFLICT DO NOTHING: by the PostgreSQL vote
    function, voting.sql, or the ORM path on SQLite) and deleted only in the transaction that rescores
    the idea, so no crash, kill or failed task can forget an idea whose scores are stale. A table of its
    own, not a column of the idea: a vote must touch no index of the idea table (HOT updates, issue 16).
    """

    idea = models.OneToOneField("ideas.Idea", on_delete=models.CASCADE, primary_key=True, related_name="+")
    since = models.DateTimeField()

    class Meta:
        verbose_name = "idea pending rescore"

    def __str__(self):
        return f"Idea {self.idea_id} pending since {self.since:%H:%M:%S}"
