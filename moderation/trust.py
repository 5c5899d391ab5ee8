"""Trust levels earned by activity, and the limits that relax as they grow.

| level | name    | earned by                                                                  |
|-------|---------|----------------------------------------------------------------------------|
| 0     | new     | everyone at first                                                          |
| 1     | basic   | a verified email address and an account at least a day old                 |
| 2     | member  | basic, active on 3 different days, 3 public ideas or comments, at most one  |
|       |         | removed (or 10 % of them, if more)                                         |
| 3     | trusted | member, active on 15 days, 20 public ideas or comments, ≤ 5 % removed        |

Staff are trusted. A moderator can set and lock a member's level (moderation.services.member_set_trust).
Activity days are the distinct days on which the member posted, commented or voted;
"removed" counts their ideas and comments hidden by moderators. Flags from members of level 2 and up can
hide content pending review; the spam filter holds suspicious posts from members below level 2.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from community import services as member_services
from community.trust_levels import BASIC, MEMBER, NAMES, NEW, TRUSTED  # noqa: F401 - moderation's names too
from ideas.models import Comment, Idea, Visibility
from voting.models import Vote

# Flags from members at or above this level count towards hiding content pending review.
FLAG_TRUSTED_LEVEL = MEMBER
# Posts from members below this level are checked by the spam filter and held when suspicious.
SPAM_EXEMPT_LEVEL = MEMBER


@dataclass(frozen=True)
class Limits:
    ideas_per_day: int | None  # None: no daily cap (rate limits still apply)
    comments_per_day: int | None
    links_per_post: int | None
    images_per_idea: int


LIMITS = {
    NEW: Limits(ideas_per_day=2, comments_per_day=10, links_per_post=1, images_per_idea=0),
    BASIC: Limits(ideas_per_day=5, comments_per_day=40, links_per_post=3, images_per_idea=2),
    MEMBER: Limits(ideas_per_day=20, comments_per_day=200, links_per_post=10, images_per_idea=6),
    TRUSTED: Limits(ideas_per_day=None, comments_per_day=None, links_per_post=None, images_per_idea=6),
}


@dataclass(frozen=True)
class Activity:
    verified: bool
    account_days: int
    active_days: int
    public_posts: int
    removed_posts: int


def activity_of(member) -> Activity:
    days = set()
    for model, owner in ((Idea, "author"), (Comment, "author"), (Vote, "member")):
        days.update(
            model.objects.filter(**{owner: member})
            .annotate(day=TruncDate("created_at"))
            .values_list("day", flat=True)
            .distinct()[:100]
        )
    posts = {}
    for model in (Idea, Comment):
        for visibility, count in _count_by_visibility(model.objects.filter(author=member)):
            posts[visibility] = posts.get(visibility, 0) + count
    return Activity(
        verified=member.email_verified,
        account_days=(timezone.now() - member.date_joined) // timedelta(days=1),
        active_days=len(days),
        public_posts=posts.get(Visibility.PUBLIC, 0),
        removed_posts=posts.get(Visibility.HIDDEN, 0),
    )


def _count_by_visibility(queryset):
    return queryset.values_list("visibility").annotate(n=Count("pk")).order_by()


def level_for(activity: Activity) -> int:
    if not (activity.verified and activity.account_days >= 1):
        return NEW
    total = activity.public_posts + activity.removed_posts
    if not (
        activity.active_days >= 3
        and activity.public_posts >= 3
        and activity.removed_posts <= max(1, 0.10 * total)
    ):
        return BASIC
    if activity.active_days >= 15 and activity.public_posts >= 20 and activity.removed_posts <= 0.05 * total:
        return TRUSTED
    return MEMBER


def trust_refresh(member) -> int:
    """Recompute and store the member's trust level (staff are trusted; locked levels stay); returns it."""
    if member.trust_locked:
        return member.trust_level
    level = TRUSTED if member.is_staff else level_for(activity_of(member))
    if level != member.trust_level and not member_services.member_earn_trust_level(
        member=member, level=level
    ):
        member.refresh_from_db(fields=["trust_level", "trust_locked"])  # a moderator locked it meanwhile
        return member.trust_level
    return level


def limits_for(member) -> Limits:
    return LIMITS[min(member.trust_level, TRUSTED)]
