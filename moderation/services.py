"""Every moderation action: flag, hide, restore, edit, lock, move, merge, warn, suspend, ban, appeals,
and discounting suspicious votes. Each checks its permission, changes state under a row lock, appends to
the audit log and tells the member concerned. Nothing deletes what a member wrote.
"""

from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from community import permissions
from community import services as member_services
from community.access import restriction_message
from ideas import services as idea_services
from ideas.models import Visibility
from notifications.models import Notification
from notifications.services import notify_on_commit
from prototypes import services as prototype_services
from voting.services import votes_set_discounted

from . import targets, trust
from .audit import audit_record
from .models import APPEALABLE_ACTIONS, Appeal, AuditEntry, Case, Flag, Kind, Reason, Sanction, VoteAlert

Action = AuditEntry.Action


class AlreadyDone(Exception):
    """The action would change nothing (already hidden, already decided): answered with 409."""


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _require_moderator(user) -> None:
    _require(permissions.may_moderate(user), _("Only moderators can do this."))


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Give a reason: the member reads it, and it goes in the audit log.")}
        )
    return reason


def _about(target: targets.Target) -> dict:
    """The audit fields that name a target and the member it concerns."""
    return {
        "kind": target.kind,
        "object_id": target.object_id,
        "target_label": target.label,
        "member": target.author,
    }


def _about_alert(alert: VoteAlert) -> dict:
    return {"kind": "vote_alert", "object_id": alert.pk, "target_label": alert.summary}


def _tell(entry: AuditEntry, message: Callable[[], str]) -> None:
    """Tell the member concerned, linking to the notice where they read why and can appeal. `message`
    builds the text in the active language (notify_on_commit builds it in each recipient's)."""
    if entry.member_id is None:
        return
    notify_on_commit(
        member_ids=[entry.member_id],
        kind=Notification.Kind.MODERATION,
        idea_id=entry.object_id if entry.kind == Kind.IDEA else None,  # ideas are never deleted
        actor_id=None,
        message=message,
        url=entry.get_absolute_url(),
    )


def _open_case(target: targets.Target) -> Case:
    """The target's open case, created if needed, locked for this transaction."""
    case = Case.objects.select_for_update().filter(kind=target.kind, object_id=target.object_id, state="open")
    if (found := case.first()) is not None:
        return found
    try:
        with transaction.atomic():
            return Case.objects.create(kind=target.kind, object_id=target.object_id, author=target.author)
    except IntegrityError:  # opened by a parallel flag a moment ago
        return case.get()


def _close_cases(target: targets.Target, *, by, resolution: str) -> None:
    Case.objects.filter(kind=target.kind, object_id=target.object_id, state=Case.State.OPEN).update(
        state=Case.State.CLOSED, closed_at=timezone.now(), closed_by=by, resolution=resolution
    )


# Flags ---------------------------------------------------------------------------------------------


@transaction.atomic
def flag_create(*, reporter, kind: str, object_id: int, reason: str, text: str = "") -> Flag:
    """A member reports content or a profile. Enough flags from trusted members hold it for review.

    Raises Http404 for a missing or invisible target, ValidationError for a bad reason, a second flag of
    the same target, or flagging oneself.
    """
    target = targets.load(kind, object_id, for_update=True)
    if not targets.visible_to(target, reporter):
        raise Http404(_("No such item."))
    if target.author.pk == reporter.pk:
        raise ValidationError(_("You cannot flag your own content."))
    if reason not in Reason.values:
        raise ValidationError({"reason": _("Choose one of the listed reasons.")})
    text = (text or "").strip()
    if reason == Reason.OTHER and not text:
        raise ValidationError({"text": _("Tell the moderators what is wrong.")})
    level = trust.TRUSTED if reporter.is_staff else reporter.trust_level
    case = _open_case(target)
    try:
        with transaction.atomic():
            flag = Flag.objects.create(
                case=case,
                kind=kind,
                object_id=target.object_id,
                reporter=reporter,
                reason=reason,
                text=text[:1000],
                reporter_trust=level,
            )
    except IntegrityError:
        raise ValidationError(_("You have already flagged this; the moderators will look at it.")) from None
    trusted = level >= trust.FLAG_TRUSTED_LEVEL
    Case.objects.filter(pk=case.pk).update(
        flag_count=F("flag_count") + 1, trusted_flag_count=F("trusted_flag_count") + int(trusted)
    )
    case.refresh_from_db(fields=["flag_count", "trusted_flag_count"])
    if (
        trusted
        and case.trusted_flag_count >= settings.FLAGS_TO_HOLD
        and target.visibility == Visibility.PUBLIC
    ):
        target.set_visibility(Visibility.HELD)
        Case.objects.filter(pk=case.pk).update(held=True)
        reasons = sorted(set(case.flags.values_list("reason", flat=True)))
        entry = audit_record(
            actor=None,
            action=Action.HOLD,
            **_about(target),
            reason=ngettext(
                "%(n)d trusted member flagged it (%(reasons)s)",
                "%(n)d trusted members flagged it (%(reasons)s)",
                case.trusted_flag_count,
            )
            % {"n": case.trusted_flag_count, "reasons": ", ".join(reasons)},
            before={"visibility": Visibility.PUBLIC},
            after={"visibility": Visibility.HELD},
        )
        _tell(
            entry,
            lambda: _("Your %(kind)s is hidden until a moderator reviews it.") % {"kind": Kind(kind).label},
        )
    return flag


# Content -------------------------------------------------------------------------------------------


@transaction.atomic
def content_hide(*, moderator, kind: str, object_id: int, reason: str) -> AuditEntry:
    """Hide content (or a profile's bio and avatar) from everyone but its author and moderators."""
    _require_moderator(moderator)
    reason = _reason(reason)
    target = targets.load(kind, object_id, for_update=True)
    if target.visibility == Visibility.HIDDEN:
        raise AlreadyDone(_("This is already hidden."))
    before = target.visibility
    target.set_visibility(Visibility.HIDDEN)
    _close_cases(target, by=moderator, resolution="hidden")
    entry = audit_record(
        actor=moderator,
        action=Action.HIDE,
        **_about(target),
        reason=reason,
        before={"visibility": before},
        after={"visibility": Visibility.HIDDEN},
    )
    trust.trust_refresh(target.author)
    _tell(
        entry,
        lambda: (
            _("A moderator hid your %(kind)s “%(label)s”: %(reason)s")
            % {"kind": Kind(kind).label, "label": target.label, "reason": reason}
        ),
    )
    return entry


@transaction.atomic
def content_restore(*, moderator, kind: str, object_id: int, reason: str) -> AuditEntry:
    """Make hidden or held content public again, exactly as it was (approving held content too)."""
    _require_moderator(moderator)
    reason = _reason(reason)
    target = targets.load(kind, object_id, for_update=True)
    before = target.visibility
    if before == Visibility.PUBLIC:
        raise AlreadyDone(_("This is already public."))
    target.set_visibility(Visibility.PUBLIC)
    action = Action.APPROVE if before == Visibility.HELD else Action.RESTORE
    _close_cases(target, by=moderator, resolution="approved" if action == Action.APPROVE else "restored")
    entry = audit_record(
        actor=moderator,
        action=action,
        **_about(target),
        reason=reason,
        before={"visibility": before},
        after={"visibility": Visibility.PUBLIC},
    )
    trust.trust_refresh(target.author)
    _tell(
        entry,
        lambda: (
            _("Your %(kind)s “%(label)s” is public again.")
            % {"kind": Kind(kind).label, "label": target.label}
        ),
    )
    return entry


@transaction.atomic
def case_dismiss(*, moderator, case: Case, reason: str) -> AuditEntry:
    """The flags were unfounded: close the case; content held by them goes public again."""
    _require_moderator(moderator)
    reason = _reason(reason)
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.state != Case.State.OPEN:
        raise AlreadyDone(_("This case is already closed."))
    target = targets.load(case.kind, case.object_id, for_update=True)
    before = target.visibility
    if case.held and before == Visibility.HELD:
        target.set_visibility(Visibility.PUBLIC)
    _close_cases(target, by=moderator, resolution="dismissed")
    return audit_record(
        actor=moderator,
        action=Action.DISMISS,
        kind=case.kind,
        object_id=case.object_id,
        target_label=target.label,
        reason=reason,
        before={"visibility": before},
        after={"visibility": target.visibility},
    )


@transaction.atomic
def content_edit(*, moderator, kind: str, object_id: int, body: str, reason: str, title: str | None = None):
    """Edit content with a recorded reason; the previous text stays in its history and the audit log."""
    _require_moderator(moderator)
    reason = _reason(reason)
    target = targets.load(kind, object_id, for_update=True)
    obj = target.obj
    if kind == Kind.IDEA:
        before = {"title": obj.title, "body": obj.body}
        idea_services.idea_update(
            idea=obj, editor=moderator, title=title if title is not None else obj.title, body=body,
            product=obj.product, segment=obj.segment,
        )  # fmt: skip
        after = {"title": obj.title, "body": obj.body}
    elif kind == Kind.COMMENT:
        before = {"body": obj.body}
        idea_services.comment_update(comment=obj, editor=moderator, body=body)
        after = {"body": obj.body}
    elif kind == Kind.PIN:
        before = {"body": obj.body}
        prototype_services.pin_update(pin=obj, body=body)
        after = {"body": obj.body}
    else:
        before = {"display_name": obj.display_name, "bio": obj.bio}
        member_services.member_set_profile_text(member=obj, display_name=title or "", bio=body)
        after = {"display_name": obj.display_name, "bio": obj.bio}
    if before == after:
        raise AlreadyDone(_("Nothing changed."))
    entry = audit_record(
        actor=moderator,
        action=Action.EDIT,
        **_about(target),
        reason=reason,
        before=before,
        after=after,
    )
    _tell(
        entry,
        lambda: (
            _("A moderator edited your %(kind)s: %(reason)s") % {"kind": Kind(kind).label, "reason": reason}
        ),
    )
    return entry


@transaction.atomic
def idea_lock(*, moderator, idea_id: int, locked: bool, reason: str) -> AuditEntry:
    """Close (or reopen) an idea's discussion to new comments."""
    _require_moderator(moderator)
    reason = _reason(reason)
    target = targets.load(Kind.IDEA, idea_id, for_update=True)
    idea = target.obj
    if (idea.locked_at is not None) == locked:
        raise AlreadyDone(_("The discussion is already locked.") if locked else _("The discussion is open."))
    idea_services.idea_set_locked(idea=idea, locked=locked)
    entry = audit_record(
        actor=moderator,
        action=Action.LOCK if locked else Action.UNLOCK,
        **_about(targets.Target(Kind.IDEA, idea)),
        reason=reason,
        before={"locked": not locked},
        after={"locked": locked},
    )
    if locked:
        _tell(
            entry,
            lambda: (
                _("A moderator locked the discussion of “%(title)s”: %(reason)s")
                % {"title": idea.title, "reason": reason}
            ),
        )
    return entry


@transaction.atomic
def idea_move(
    *, moderator, idea_id: int, reason: str, product=None, segment=None, campaign=None
) -> AuditEntry:
    """Move an idea to another product, segment or campaign (where it belongs)."""
    _require_moderator(moderator)
    reason = _reason(reason)
    idea = targets.load(Kind.IDEA, idea_id, for_update=True).obj
    before = {"product": idea.product_id, "segment": idea.segment_id, "campaign": idea.campaign_id}
    after = {
        "product": getattr(product, "pk", None),
        "segment": getattr(segment, "pk", None),
        "campaign": getattr(campaign, "pk", None),
    }
    if before == after:
        raise AlreadyDone(_("The idea is already there."))
    idea_services.idea_move(idea=idea, product=product, segment=segment, campaign=campaign)
    entry = audit_record(
        actor=moderator,
        action=Action.MOVE,
        **_about(targets.Target(Kind.IDEA, idea)),
        reason=reason,
        before=before,
        after=after,
    )
    _tell(
        entry,
        lambda: (
            _("A moderator moved your idea “%(title)s”: %(reason)s") % {"title": idea.title, "reason": reason}
        ),
    )
    return entry


@transaction.atomic
def idea_merge_duplicate(*, moderator, idea_id: int, target_id: int, reason: str):
    """Merge a flagged duplicate into the original (ideas.services.idea_merge records and tells)."""
    _require_moderator(moderator)
    reason = _reason(reason)
    source = targets.load(Kind.IDEA, idea_id).obj
    target = targets.load(Kind.IDEA, target_id).obj
    merge = idea_services.idea_merge(source=source, target=target, merged_by=moderator, note=reason)
    _close_cases(targets.Target(Kind.IDEA, source), by=moderator, resolution="merged")
    return merge


# Members -------------------------------------------------------------------------------------------


def _require_member_moderator(user) -> None:
    _require(permissions.may_moderate_members(user), _("Only moderators can warn, suspend or ban members."))


def _standing(member) -> dict:
    return {
        "suspended_until": member.suspended_until.isoformat() if member.suspended_until else None,
        "banned": member.banned_at is not None,
    }


MAX_SUSPENSION_DAYS = 365


@transaction.atomic
def member_sanction(
    *, moderator, member_id: int, type: str, reason: str, days: int | None = None
) -> Sanction:
    """Warn a member, suspend them for `days`, or ban them; they are told why and can appeal once."""
    _require_member_moderator(moderator)
    reason = _reason(reason)
    member = targets.load(Kind.MEMBER, member_id, for_update=True).obj
    if not permissions.may_sanction(moderator, member):
        raise PermissionDenied(_("Staff accounts are managed by administrators, not sanctioned here."))
    if type not in Sanction.Type.values:
        raise ValidationError({"type": _("Choose a warning, a suspension or a ban.")})
    before = _standing(member)
    ends_at = None
    if type == Sanction.Type.SUSPENSION:
        if not days or not (1 <= int(days) <= MAX_SUSPENSION_DAYS):
            raise ValidationError(
                {
                    "days": ngettext(
                        "Suspend for 1 to %(n)d day.", "Suspend for 1 to %(n)d days.", MAX_SUSPENSION_DAYS
                    )
                    % {"n": MAX_SUSPENSION_DAYS}
                }
            )
        ends_at = timezone.now() + timedelta(days=int(days))
        member_services.member_set_standing(
            member=member,
            suspended_until=max(filter(None, [member.suspended_until, ends_at])),
            banned_at=member.banned_at,
        )
    elif type == Sanction.Type.BAN:
        if member.banned_at is not None:
            raise AlreadyDone(_("This member is already banned."))
        member_services.member_set_standing(
            member=member, suspended_until=member.suspended_until, banned_at=timezone.now()
        )
    action = {Sanction.Type.WARNING: Action.WARN, Sanction.Type.SUSPENSION: Action.SUSPEND}.get(
        type, Action.BAN
    )
    entry = audit_record(
        actor=moderator,
        action=action,
        **_about(targets.Target(Kind.MEMBER, member)),
        reason=reason,
        before=before,
        after=_standing(member),
    )
    sanction = Sanction.objects.create(
        member=member, type=type, reason=reason, ends_at=ends_at, created_by=moderator, entry=entry
    )

    def message() -> str:  # in each recipient's language (notify_on_commit)
        if type == Sanction.Type.WARNING:
            return _("A moderator warned you: %(reason)s") % {"reason": reason}
        if type == Sanction.Type.SUSPENSION:
            return f"{restriction_message(member)} {_('Reason')}: {reason}"
        return _("Your account is banned from posting and voting: %(reason)s") % {"reason": reason}

    _tell(entry, message)
    return sanction


@transaction.atomic
def sanction_lift(*, moderator, sanction: Sanction, reason: str) -> AuditEntry:
    """End a suspension or ban early (or withdraw a warning); other active sanctions still apply."""
    _require_member_moderator(moderator)
    reason = _reason(reason)
    sanction = Sanction.objects.select_for_update().get(pk=sanction.pk)
    if sanction.lifted_at is not None:
        raise AlreadyDone(_("This sanction was already lifted."))
    member = targets.load(Kind.MEMBER, sanction.member_id, for_update=True).obj
    before = _standing(member)
    sanction.lifted_at, sanction.lifted_by = timezone.now(), moderator
    sanction.save(update_fields=["lifted_at", "lifted_by"])
    active = Sanction.objects.filter(member=member, lifted_at__isnull=True)
    member_services.member_set_standing(
        member=member,
        suspended_until=active.filter(type=Sanction.Type.SUSPENSION, ends_at__gt=timezone.now()).aggregate(
            end=Max("ends_at")
        )["end"],
        banned_at=member.banned_at if active.filter(type=Sanction.Type.BAN).exists() else None,
    )
    entry = audit_record(
        actor=moderator,
        action=Action.LIFT,
        **_about(targets.Target(Kind.MEMBER, member)),
        reason=reason,
        before=before,
        after=_standing(member),
    )
    _tell(
        entry,
        lambda: (
            _("A moderator lifted your %(type)s: %(reason)s")
            % {"type": sanction.get_type_display().lower(), "reason": reason}
        ),
    )
    return entry


# Appeals -------------------------------------------------------------------------------------------


@transaction.atomic
def appeal_submit(*, member, entry: AuditEntry, text: str) -> Appeal:
    """The member concerned appeals a decision, once."""
    if entry.member_id != member.pk:
        raise PermissionDenied(_("Only the member concerned can appeal this decision."))
    if entry.action not in APPEALABLE_ACTIONS:
        raise ValidationError(_("This decision cannot be appealed."))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Explain why the decision should change.")})
    try:
        with transaction.atomic():
            return Appeal.objects.create(entry=entry, member=member, text=text[:4000])
    except IntegrityError:
        raise ValidationError(_("You have already appealed this decision.")) from None


@transaction.atomic
def appeal_decide(*, moderator, appeal: Appeal, grant: bool, note: str) -> AuditEntry:
    """Grant (undo the decision) or deny an appeal, with a note the member reads."""
    note = _reason(note)
    entry = appeal.entry
    if entry.kind == Kind.MEMBER:
        _require_member_moderator(moderator)
    else:
        _require_moderator(moderator)
    appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
    if appeal.state != Appeal.State.PENDING:
        raise AlreadyDone(_("This appeal was already decided."))
    if grant:
        _undo(moderator=moderator, entry=entry, reason=note)
    appeal.state = Appeal.State.GRANTED if grant else Appeal.State.DENIED
    appeal.decided_by, appeal.decided_at, appeal.decision_note = moderator, timezone.now(), note
    appeal.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    decision = audit_record(
        actor=moderator,
        action=Action.APPEAL_GRANTED if grant else Action.APPEAL_DENIED,
        kind=entry.kind,
        object_id=entry.object_id,
        target_label=entry.target_label,
        member=entry.member,
        reason=note,
        before={"appeal": Appeal.State.PENDING, "decision": entry.pk},
        after={"appeal": appeal.state},
    )
    _tell(
        decision,
        lambda: (
            (_("Your appeal was granted: %(note)s") if grant else _("Your appeal was denied: %(note)s"))
            % {"note": note}
        ),
    )
    return decision


def _undo(*, moderator, entry: AuditEntry, reason: str) -> None:
    if entry.action == Action.HIDE:
        target = targets.load(entry.kind, entry.object_id)
        if target.visibility != Visibility.PUBLIC:
            content_restore(moderator=moderator, kind=entry.kind, object_id=entry.object_id, reason=reason)
    elif entry.action == Action.LOCK:
        idea = targets.load(Kind.IDEA, entry.object_id).obj
        if idea.locked_at is not None:
            idea_lock(moderator=moderator, idea_id=idea.pk, locked=False, reason=reason)
    elif entry.action == Action.EDIT:
        content_edit(
            moderator=moderator,
            kind=entry.kind,
            object_id=entry.object_id,
            body=entry.before.get("body", entry.before.get("bio", "")),
            title=entry.before.get("title", entry.before.get("display_name")),
            reason=reason,
        )
    elif hasattr(entry, "sanction") and entry.sanction.lifted_at is None:
        sanction_lift(moderator=moderator, sanction=entry.sanction, reason=reason)


# Votes ---------------------------------------------------------------------------------------------


def _require_vote_reviewer(user) -> None:
    _require(permissions.may_review_votes(user), _("Only moderators can review votes."))


def _revalue(alert: VoteAlert, *, discounted: bool) -> int:
    """Discount (or count again) the alert's votes that are still there; their ideas' counters follow."""
    return votes_set_discounted(vote_ids=alert.vote_ids, discounted=discounted)


@transaction.atomic
def votes_discount(*, moderator, alert: VoteAlert, reason: str) -> AuditEntry:
    """Leave the alert's votes out of every count (reversibly); voters still see their own votes."""
    _require_vote_reviewer(moderator)
    reason = _reason(reason)
    alert = VoteAlert.objects.select_for_update().get(pk=alert.pk)
    if alert.state == VoteAlert.State.DISCOUNTED:
        raise AlreadyDone(_("These votes are already discounted."))
    changed = _revalue(alert, discounted=True)
    before_state = alert.state
    alert.state, alert.decided_by, alert.decided_at = VoteAlert.State.DISCOUNTED, moderator, timezone.now()
    alert.save(update_fields=["state", "decided_by", "decided_at"])
    return audit_record(
        actor=moderator,
        action=Action.DISCOUNT_VOTES,
        **_about_alert(alert),
        reason=reason,
        before={"state": before_state},
        after={"state": alert.state, "votes_discounted": changed},
    )


@transaction.atomic
def votes_restore(*, moderator, alert: VoteAlert, reason: str) -> AuditEntry:
    """Count the alert's discounted votes again: the counts come back exactly as before."""
    _require_vote_reviewer(moderator)
    reason = _reason(reason)
    alert = VoteAlert.objects.select_for_update().get(pk=alert.pk)
    if alert.state != VoteAlert.State.DISCOUNTED:
        raise AlreadyDone(_("These votes are not discounted."))
    changed = _revalue(alert, discounted=False)
    alert.state, alert.decided_by, alert.decided_at = VoteAlert.State.RESTORED, moderator, timezone.now()
    alert.save(update_fields=["state", "decided_by", "decided_at"])
    return audit_record(
        actor=moderator,
        action=Action.RESTORE_VOTES,
        **_about_alert(alert),
        reason=reason,
        before={"state": VoteAlert.State.DISCOUNTED},
        after={"state": alert.state, "votes_restored": changed},
    )


@transaction.atomic
def alert_dismiss(*, moderator, alert: VoteAlert, reason: str) -> AuditEntry:
    _require_vote_reviewer(moderator)
    reason = _reason(reason)
    alert = VoteAlert.objects.select_for_update().get(pk=alert.pk)
    if alert.state != VoteAlert.State.OPEN:
        raise AlreadyDone(_("This alert was already decided."))
    alert.state, alert.decided_by, alert.decided_at = VoteAlert.State.DISMISSED, moderator, timezone.now()
    alert.save(update_fields=["state", "decided_by", "decided_at"])
    return audit_record(
        actor=moderator,
        action=Action.DISMISS_ALERT,
        **_about_alert(alert),
        reason=reason,
        before={"state": VoteAlert.State.OPEN},
        after={"state": alert.state},
    )


@transaction.atomic
def member_set_trust(*, moderator, member_id: int, level: int | None, reason: str) -> AuditEntry:
    """Set and lock a member's trust level, or (level None) unlock it and let activity decide again."""
    _require_member_moderator(moderator)
    reason = _reason(reason)
    member = targets.load(Kind.MEMBER, member_id, for_update=True).obj
    if level is not None and level not in trust.NAMES:
        raise ValidationError({"level": _("Unknown trust level.")})
    before = {"trust_level": member.trust_level, "locked": member.trust_locked}
    member_services.member_lock_trust_level(member=member, level=level)
    if level is None:
        trust.trust_refresh(member)
    return audit_record(
        actor=moderator,
        action=Action.TRUST,
        **_about(targets.Target(Kind.MEMBER, member)),
        reason=reason,
        before=before,
        after={"trust_level": member.trust_level, "locked": member.trust_locked},
    )
