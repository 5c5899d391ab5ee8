from django.core.cache import cache
from django.db.models.functions import Lower
from django.utils import timezone

from .models import Member, Segment

PUBLIC_SEGMENTS_CACHE_KEY = "community:public-segments"


def public_segments() -> list[Segment]:
    """Segments members can join or filter by; cached because every idea list shows them."""
    segments = cache.get(PUBLIC_SEGMENTS_CACHE_KEY)
    if segments is None:
        segments = list(Segment.objects.filter(is_public=True).only("id", "name", "slug"))
        cache.set(PUBLIC_SEGMENTS_CACHE_KEY, segments, 300)
    return segments


def mentionable():
    """Members who may be @mentioned (and offered by the picker): active accounts, not suspended, banned,
    deleted, or with a profile hidden by a moderator."""
    active = Member.objects.filter(is_active=True, banned_at=None, deleted_at=None, profile_hidden=False)
    return active.exclude(suspended_until__gt=timezone.now())


def mentionable_members(handles) -> dict[str, Member]:
    """The members these @handles (usernames, any case) name who may be mentioned: active accounts,
    not suspended, banned, deleted or with a profile hidden by a moderator; keyed by the lowercased
    handle. One query, however many handles."""
    lowered = {handle.lower() for handle in handles}
    if not lowered:
        return {}
    found = (
        mentionable()
        .annotate(handle=Lower("username"))
        .filter(handle__in=lowered)
        .only("id", "username", "display_name")
        .order_by("pk")
    )
    members: dict[str, Member] = {}
    for member in found:
        members.setdefault(member.handle, member)  # two names differing only in case: the older one
    return members


def owner_candidates():
    """Staff who may own ideas and backlog items (community.permissions.may_own_work), by name: Django's
    documented `with_perm` (groups, own permissions, superusers) on the same permission, among staff."""
    return (
        Member.objects.with_perm(
            "backlog.triage_idea", include_superusers=True, backend="community.auth.MemberBackend"
        )
        .filter(is_staff=True)
        .order_by(Lower("username"))
    )
