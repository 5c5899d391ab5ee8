"""What new content must pass before it is published: standing, trust-level limits, the spam filter.

Called by the services that publish content (ideas.services.idea_submit, comment_post) inside their
transaction. Refusals are errors the member can act on; suspicious posts are held, not refused.
"""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from community.access import restriction_message
from community.limits import RateLimited
from ideas.models import Comment, Idea

from . import spam, trust
from .audit import audit_record
from .models import AuditEntry, Case


def check_standing(member) -> None:
    """Refuse suspended or banned members, reading their standing fresh (the object may be stale)."""
    member.refresh_from_db(fields=["suspended_until", "banned_at"])
    if member.is_restricted:
        raise PermissionDenied(restriction_message(member))


def check_post(*, author, kind: str, text: str, images: int = 0) -> list[str]:
    """Refuse what the author's trust level does not allow; return spam signals (empty: publish).

    kind is "idea" or "comment". Raises PermissionDenied (suspended or banned), RateLimited (daily cap
    reached) or ValidationError (too many links or images for the trust level).
    """
    check_standing(author)
    level = trust.trust_refresh(author)
    limits = trust.LIMITS[level]
    day_ago = timezone.now() - timedelta(days=1)
    cap, model = (limits.ideas_per_day, Idea) if kind == "idea" else (limits.comments_per_day, Comment)
    if cap is not None and model.objects.filter(author=author, created_at__gte=day_ago).count() >= cap:
        message = (
            ngettext(
                "Members at your trust level can post %(cap)d idea a day. The limit relaxes as you take "
                "part; please come back tomorrow.",
                "Members at your trust level can post %(cap)d ideas a day. The limit relaxes as you take "
                "part; please come back tomorrow.",
                cap,
            )
            if kind == "idea"
            else ngettext(
                "Members at your trust level can post %(cap)d comment a day. The limit relaxes as you take "
                "part; please come back tomorrow.",
                "Members at your trust level can post %(cap)d comments a day. The limit relaxes as you take "
                "part; please come back tomorrow.",
                cap,
            )
        )
        raise RateLimited(message % {"cap": cap}, retry_after=24 * 3600)
    if limits.links_per_post is not None and spam.count_links(text) > limits.links_per_post:
        raise ValidationError(
            {
                "body": ngettext(
                    "New members can include at most %(n)d link in a post.",
                    "New members can include at most %(n)d links in a post.",
                    limits.links_per_post,
                )
                % {"n": limits.links_per_post}
            }
        )
    if images > limits.images_per_idea:
        raise ValidationError(
            {
                "images": ngettext(
                    "Members at your trust level can attach at most %(n)d image.",
                    "Members at your trust level can attach at most %(n)d images.",
                    limits.images_per_idea,
                )
                % {"n": limits.images_per_idea}
            }
            if limits.images_per_idea
            else {"images": _("New members cannot attach images yet; you can add them later.")}
        )
    if level >= trust.SPAM_EXEMPT_LEVEL:
        return []
    return spam.signals(author=author, text=text)


def hold_for_review(*, kind: str, object_id: int, author, label: str, signals: list[str]) -> Case:
    """Open a review case for content the spam filter held (the content is saved as held already)."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                case = Case.objects.create(
                    kind=kind,
                    object_id=object_id,
                    author=author,
                    source=Case.Source.SPAM,
                    held=True,
                    spam_signals=signals,
                )
        except IntegrityError:  # already open (flagged meanwhile): add the signals
            case = Case.objects.select_for_update().get(kind=kind, object_id=object_id, state=Case.State.OPEN)
            case.held, case.spam_signals = True, [*case.spam_signals, *signals]
            case.save(update_fields=["held", "spam_signals"])
        audit_record(
            actor=None,
            action=AuditEntry.Action.HOLD,
            kind=kind,
            object_id=object_id,
            target_label=label,
            member=author,
            reason="; ".join(signals),
            after={"visibility": "held"},
        )
    return case
