"""Every way a member's account, profile, roles and segments change."""

from datetime import datetime

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _

from cocreate.image_processing import delete_files_on_commit

from . import member_data, permissions, tasks
from .auth import member_changed
from .conduct import conduct
from .member_data import iso
from .models import AvatarUpload, LastVisit, Member, Segment, SegmentMembership
from .roles import GROUP_NAMES, STAFF_ROLES, Role, sync_roles


def member_roles(member: Member) -> set[Role]:
    names = {name: role for role, name in GROUP_NAMES.items()}
    return {names[g] for g in member.groups.values_list("name", flat=True) if g in names} or {Role.CUSTOMER}


def _sync_staff_flag(member: Member) -> None:
    roles = member_roles(member)
    member.is_staff = bool(roles & STAFF_ROLES)
    member.is_superuser = Role.ADMINISTRATOR in roles
    member.save(update_fields=["is_staff", "is_superuser"])


def _role_group(role: Role) -> Group:
    """The role's group; recreated from community.roles if it went missing (e.g. a flushed database)."""
    group = Group.objects.filter(name=GROUP_NAMES[role]).first()
    if group is None:
        sync_roles(Group, Permission)
        group = Group.objects.get(name=GROUP_NAMES[role])
    return group


@transaction.atomic
def role_grant(*, member: Member, role: Role, granted_by: Member | None) -> bool:
    """Give `member` a role; returns False (and records nothing) when they already hold it. Only
    administrators may (granted_by=None: a trusted command line, or the demo seed)."""
    if granted_by is not None and not permissions.may_grant_roles(granted_by):
        raise PermissionDenied(_("Only administrators can grant roles."))
    role = Role(role)
    before = _role_values(member)
    if role in before:
        return False
    member.groups.add(_role_group(role))
    _sync_staff_flag(member)
    _audit_role(member, role, granted_by, "grant_role", before=before)
    return True


@transaction.atomic
def role_revoke(*, member: Member, role: Role, revoked_by: Member | None) -> bool:
    """Take a role from `member`; returns False when they did not hold it.

    The last active administrator keeps the role (ValidationError): someone must be able to grant roles.
    Locking: the rows of every active administrator are locked before counting them (filtered on
    `is_superuser`, which _sync_staff_flag keeps equal to the role), so two administrators revoking each
    other at the same moment cannot both succeed; the second waits and then counts one.
    """
    if revoked_by is not None and not permissions.may_grant_roles(revoked_by):
        raise PermissionDenied(_("Only administrators can revoke roles."))
    role = Role(role)
    before = _role_values(member)
    if role not in before:
        return False
    if role == Role.ADMINISTRATOR:
        administrators = set(
            Member.objects.select_for_update()
            .filter(is_superuser=True, is_active=True, deleted_at__isnull=True)
            .values_list("pk", flat=True)
        )
        if administrators <= {member.pk}:
            raise ValidationError(
                {
                    "role": _("%(name)s is the last administrator. Make someone else an administrator first.")
                    % {"name": member.public_name}
                }
            )
    member.groups.remove(_role_group(role))
    _sync_staff_flag(member)
    _audit_role(member, role, revoked_by, "revoke_role", before=before)
    return True


def _role_values(member: Member) -> set[Role]:
    return member_roles(member) - {Role.CUSTOMER}


def _audit_role(member, role, actor, action, *, before: set[Role]) -> None:
    """Before and after are the member's staff roles (values; the audit log shows their labels)."""
    after = _role_values(member)
    conduct().audit_record(
        actor=actor,
        action=action,
        kind="member",
        object_id=member.pk,
        target_label=member.public_name,
        member=member,
        reason=str(Role(role).label) if actor is not None else f"{Role(role).label} (command line)",
        before={"roles": sorted(before)},
        after={"roles": sorted(after)},
    )


@transaction.atomic
def managed_segments_set(*, member: Member, segments, assigned_by: Member | None) -> bool:
    """Set the segments a customer manager manages (`Segment.managers`); returns whether anything
    changed, recorded in the audit log with the names before and after.

    Administrators only (granted_by=None: the demo seed). Only customer managers may be given segments
    (ValidationError otherwise); taking segments away is always allowed, e.g. after the role went.
    """
    if assigned_by is not None and not permissions.may_assign_segment_managers(assigned_by):
        raise PermissionDenied(_("Only administrators can choose who manages a segment."))
    wanted = {segment.pk: segment for segment in segments}
    current = {segment.pk: segment for segment in member.managed_segments.all()}
    added, removed = set(wanted) - set(current), set(current) - set(wanted)
    if not added and not removed:
        return False
    if added and Role.CUSTOMER_MANAGER not in member_roles(member):
        raise ValidationError(
            {"segments": _("Only customer managers manage segments: grant %(name)s that role first.")
             % {"name": member.public_name}}
        )  # fmt: skip
    member.managed_segments.remove(*removed)
    member.managed_segments.add(*added)
    conduct().audit_record(
        actor=assigned_by,
        action="manage_segments",
        kind="member",
        object_id=member.pk,
        target_label=member.public_name,
        member=member,
        reason=_("Segments managed") if assigned_by is not None else _("Segments managed (demo seed)"),
        before={"managed_segments": sorted(s.name for s in current.values())},
        after={"managed_segments": sorted(s.name for s in wanted.values())},
    )
    return True


def member_sync_email_verified(member: Member) -> None:
    """Mirror allauth's state: verified when the primary address is verified."""
    verified = EmailAddress.objects.filter(user=member, primary=True, verified=True).exists()
    if member.email_verified != verified:
        member.email_verified = verified
        member.save(update_fields=["email_verified"])


def member_set_language(*, member: Member, language: str) -> None:
    """Remember the language a member chose (pages once they log in, and their email). An unknown code
    is refused (ValueError); empty means "the browser's language"."""
    if language and not check_for_language(language) or language not in {"", *dict(settings.LANGUAGES)}:
        raise ValueError(f"not a language of this site: {language!r}")
    if member.language != language:
        member.language = language
        member.save(update_fields=["language"])


def _display_name(display_name: str) -> str:
    """Display names are words separated by single spaces, at most the field's length."""
    return " ".join((display_name or "").split())[: Member._meta.get_field("display_name").max_length]


@transaction.atomic
def member_update_profile(
    *,
    member: Member,
    display_name: str,
    bio: str,
    avatar=None,
    remove_avatar: bool = False,
    email_consent: bool,
    notify_status_changes: bool,
    notify_replies: bool,
    email_digest: str,
    segments=None,
) -> Member:
    """Save a member's own profile, and the public segments they picked (when `segments` is given) in
    the same transaction. A new avatar is checked here (its header: ValidationError) and queued for
    decoding (community.tasks); the old avatar stays until the new one is ready."""
    display_name = _display_name(display_name)
    if not display_name:
        raise ValidationError({"display_name": _("Choose a display name.")})
    member.display_name = display_name
    member.bio = bio
    if email_consent and not member.email_consent:
        member.email_consent_at = timezone.now()
    elif not email_consent:
        member.email_consent_at = None
    member.email_consent = email_consent
    member.notify_status_changes = notify_status_changes
    member.notify_replies = notify_replies
    member.email_digest = email_digest
    fields = [
        "display_name",
        "bio",
        "email_consent",
        "email_consent_at",
        "notify_status_changes",
        "notify_replies",
        "email_digest",
    ]
    # The upload rows first, then the member's row: the order the decoding task locks them in.
    if avatar is not None:
        upload = avatar_upload(member=member, upload=avatar)
        tasks.process_avatars.enqueue(upload_ids=[upload.pk])
    elif remove_avatar:
        _supersede_avatar_uploads(member, reason=_("You removed your avatar before it was ready."))
        if member.avatar:
            member.avatar.delete(save=False)
            fields.append("avatar")
    member.save(update_fields=fields)
    if segments is not None:
        member_set_own_segments(member=member, segments=segments)
    return member


def avatar_upload(*, member: Member, upload) -> AvatarUpload:
    """Keep an uploaded avatar, PROCESSING until the background task has made it; the caller queues the
    task in the same transaction. Only the header is read here (ValidationError naming the file); an
    upload still PROCESSING is superseded (FAILED), so at most one waits."""
    pending = AvatarUpload(member=member)
    pending.take_upload(upload)
    _supersede_avatar_uploads(member, reason=_("Replaced by a newer picture before it was ready."))
    pending.save()
    return pending


def _supersede_avatar_uploads(member: Member, *, reason: str) -> None:
    storage = AvatarUpload._meta.get_field("source").storage
    waiting = list(
        AvatarUpload.objects.select_for_update()
        .filter(member=member, status=AvatarUpload.Status.PROCESSING)
        .values_list("pk", "source")
    )
    if not waiting:
        return
    AvatarUpload.objects.filter(pk__in=[pk for pk, _source in waiting]).update(
        status=AvatarUpload.Status.FAILED, failure=reason[:300], source=""
    )
    names = [name for _pk, name in waiting if name]
    delete_files_on_commit(storage, names)


@transaction.atomic
def member_set_own_segments(*, member: Member, segments) -> None:
    """Members pick their public segments; memberships assigned by managers or imports stay."""
    wanted = {s.pk for s in segments if s.is_public}
    SegmentMembership.objects.filter(member=member, source=SegmentMembership.Source.SELF).exclude(
        segment_id__in=wanted
    ).delete()
    SegmentMembership.objects.bulk_create(
        [
            SegmentMembership(member=member, segment_id=pk, source=SegmentMembership.Source.SELF)
            for pk in wanted
        ],
        ignore_conflicts=True,
    )


@transaction.atomic
def segment_assign(*, manager: Member, member: Member, segment: Segment, assigned: bool) -> bool:
    """A customer manager adds a member to (or removes them from) a segment they manage; a change is
    recorded in the audit log. Returns whether anything changed."""
    if not permissions.may_assign_segment(manager, segment):
        raise PermissionDenied(_("You do not manage this segment."))
    if assigned:
        changed = SegmentMembership.objects.get_or_create(
            member=member, segment=segment, defaults={"source": SegmentMembership.Source.MANAGER}
        )[1]
    else:
        changed = SegmentMembership.objects.filter(member=member, segment=segment).delete()[0] > 0
    if changed:
        conduct().audit_record(
            actor=manager,
            action="segment_add" if assigned else "segment_remove",
            kind="member",
            object_id=member.pk,
            target_label=member.public_name,
            member=member,
            reason=segment.name,
            before={"segment": None if assigned else segment.name},
            after={"segment": segment.name if assigned else None},
        )
    return changed


def member_activity(member: Member) -> dict[str, int]:
    """Public activity shown as counts (each app adds its own: community.member_data)."""
    counts = {}
    for data in member_data.registered():
        if data.activity:
            counts.update(data.activity(member))
    return counts


def member_export_data(member: Member) -> dict:
    """Everything the member wrote, voted and set, as JSON-ready data ("download my data"); each app
    adds its own sections (community.member_data)."""
    sections = {}
    for data in member_data.registered():
        if data.export:
            sections.update(data.export(member))
    return {
        "format": "cocreate-member-export/1",
        "exported_at": iso(timezone.now()),
        "profile": {
            "username": member.username,
            "display_name": member.display_name,
            "bio": member.bio,
            "avatar": member.avatar.url if member.avatar else None,
            "date_joined": iso(member.date_joined),
            "email_consent": member.email_consent,
            "email_consent_at": iso(member.email_consent_at),
            "notifications": {
                "status_changes": member.notify_status_changes,
                "replies": member.notify_replies,
                "digest": member.email_digest,
            },
            "roles": sorted(member_roles(member)),
        },
        "email_addresses": [
            {"email": e.email, "verified": e.verified, "primary": e.primary}
            for e in EmailAddress.objects.filter(user=member)
        ],
        "segments": [
            {"segment": m.segment.name, "source": m.source, "since": iso(m.created_at)}
            for m in SegmentMembership.objects.filter(member=member).select_related("segment")
        ],
        **sections,
    }


@transaction.atomic
def member_delete_account(*, member: Member) -> None:
    """Delete a member's account but not the community's history.

    The profile and every personal detail go; ideas and comments stay, shown as by "Former member";
    votes are removed as rows but kept as anonymous counts on each idea, so no total changes.
    """
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.deleted_at:
        return
    for data in member_data.registered():
        if data.erase:
            data.erase(member)
    EmailAddress.objects.filter(user=member).delete()
    SocialAccount.objects.filter(user=member).delete()
    Authenticator.objects.filter(user=member).delete()
    SegmentMembership.objects.filter(member=member).delete()
    LastVisit.objects.filter(member=member).delete()
    member.managed_segments.clear()
    member.groups.clear()
    member.user_permissions.clear()
    if member.avatar:
        member.avatar.delete(save=False)
    # Avatars waiting to be decoded go with the profile (their task then finds nothing to do).
    storage = AvatarUpload._meta.get_field("source").storage
    for source in member.avatar_uploads.exclude(source="").values_list("source", flat=True):
        storage.delete(source)
    member.avatar_uploads.all().delete()
    member.username = f"former-member-{member.pk}"
    member.email = ""
    member.first_name = member.last_name = member.display_name = member.bio = ""
    member.avatar = ""
    member.set_unusable_password()
    member.is_active = member.is_staff = member.is_superuser = False
    member.email_verified = member.email_consent = False
    member.email_consent_at = None
    member.deleted_at = timezone.now()
    # Other sessions die with it: an inactive member with a changed password is never authenticated.
    member.save()


# --- What moderators change on a member (moderation.services calls these, with its audit entry) -------


def member_set_profile_text(*, member: Member, display_name: str, bio: str) -> Member:
    """A moderator rewrites a member's display name and bio (spaced and cut as the member's own edit; it
    may be empty, as for members who never chose one: their public name is then their username).
    Locking: the caller holds the member's row lock and records the audit entry in the same
    transaction."""
    member.display_name = _display_name(display_name)
    member.bio = bio
    member.save(update_fields=["display_name", "bio"])
    return member


def member_set_profile_hidden(*, member: Member, hidden: bool) -> Member:
    """Hide (or show again) a member's bio and avatar. Locking: as member_set_profile_text."""
    member.profile_hidden = hidden
    member.save(update_fields=["profile_hidden"])
    return member


def member_set_standing(*, member: Member, suspended_until, banned_at) -> Member:
    """Store a member's suspension end and ban (moderation keeps the Sanction rows that decide them).
    Locking: as member_set_profile_text."""
    member.suspended_until, member.banned_at = suspended_until, banned_at
    member.save(update_fields=["suspended_until", "banned_at"])
    return member


def member_lock_trust_level(*, member: Member, level: int | None) -> Member:
    """A moderator sets and locks a member's trust level, or (level None) unlocks it, leaving the level
    for activity to decide again (moderation.trust). Locking: as member_set_profile_text."""
    member.trust_locked = level is not None
    if level is not None:
        member.trust_level = level
    member.save(update_fields=["trust_level", "trust_locked"])
    return member


def member_earn_trust_level(*, member: Member, level: int) -> bool:
    """Store the trust level a member's activity earned (moderation.trust), unless a moderator locked
    it meanwhile; returns whether it was stored.

    Locking: none; a conditional UPDATE, so the periodic refresh of every member takes no row locks and
    never overwrites a level a moderator locked since the member was read.
    """
    stored = Member.objects.filter(pk=member.pk, trust_locked=False).update(trust_level=level) == 1
    if stored:
        member.trust_level = level
        member_changed(member.pk)  # update() sends no post_save
    return stored


def last_visit_record(*, member: Member, place: str) -> datetime | None:
    """Note that `member` looks at `place` now (LastVisit.Place) and return when they looked before (None
    the first time, and for visitors who are not logged in, for whom nothing is stored).

    Two tabs at once: the unique (member, place) row takes the later write; either answer is right.
    """
    if not member.is_authenticated:
        return None
    if place not in LastVisit.Place.values:
        raise ValueError(f"unknown place {place!r}")
    previous = (
        LastVisit.objects.filter(member=member, place=place).values_list("visited_at", flat=True).first()
    )
    LastVisit.objects.update_or_create(member=member, place=place, defaults={"visited_at": timezone.now()})
    return previous
