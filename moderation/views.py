"""Moderation pages. Each action view parses a form, calls one service and answers with a redirect and a
message, or with a clear error: 400 bad input, 403 not allowed, 404 missing target, 409 nothing to do."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from cocreate.http import json_error, redirect_to_next, wants_json
from community import permissions
from community.access import contributor_required, staff_required
from community.limits import rate_limited

from . import audit_display, selectors, services, targets, tasks, trust
from .forms import (
    AppealDecisionForm,
    AppealForm,
    AuditFilterForm,
    EditForm,
    FlagForm,
    MergeForm,
    MoveForm,
    QueueFilterForm,
    ReasonForm,
    SanctionForm,
)
from .models import Appeal, AuditEntry, Case, Kind, Sanction, VoteAlert

moderator_required = staff_required(permissions.may_moderate)


def _error(request, message, status: int):
    if wants_json(request):
        return json_error(str(message), status=status)
    return render(request, "moderation/error.html", {"message": message, "status": status}, status=status)


def _messages_of(error: ValidationError) -> str:
    return " ".join(error.messages)


def _run(request, form, action, *, success: str, default_next: str):
    """Validate `form`, call `action(form.cleaned_data)`, and answer (the shared shape of every action)."""
    if not form.is_valid():
        return _error(request, _messages_of(ValidationError(form.errors)) or _("Check the form."), 400)
    try:
        action(form.cleaned_data)
    except ValidationError as error:
        return _error(request, _messages_of(error), 400)
    except services.AlreadyDone as done:
        return _error(request, str(done), 409)
    if wants_json(request):
        return JsonResponse({"ok": True, "message": success})
    messages.success(request, success)
    return redirect_to_next(request, default_next)


# Members flag things ---------------------------------------------------------------------------------


@contributor_required
@rate_limited("flag")
def flag(request, kind, pk):
    target = targets.load(kind, pk)
    if not targets.visible_to(target, request.user):
        raise Http404(_("No such item."))
    form = FlagForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.flag_create(
                    reporter=request.user, kind=kind, object_id=target.object_id, **form.cleaned_data
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                if wants_json(request):
                    return JsonResponse({"ok": True})
                messages.success(request, _("Thank you. The moderators will look at it."))
                return redirect(target.url)
        if wants_json(request):
            return json_error(_messages_of(ValidationError(form.errors)), status=400)
    return render(
        request, "moderation/flag.html", {"form": form, "target": target}, status=400 if form.errors else 200
    )


# The queue and an item's page ------------------------------------------------------------------------


@moderator_required
def queue(request):
    form = QueueFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = selectors.queue(
        reason=filters.get("reason") or "",
        older_than=filters.get("older_than") or "",
        trust=filters.get("trust"),
        state=filters.get("state") or "open",
    )
    return render(
        request,
        "moderation/queue.html",
        {
            "filter_form": form,
            "rows": rows,
            "appeals": selectors.pending_appeals(),
            "open_alerts": VoteAlert.objects.filter(state=VoteAlert.State.OPEN).count(),
            "reason_form": ReasonForm(),
        },
    )


@moderator_required
def item(request, kind, pk):
    target = targets.load(kind, pk)
    cases, flags, entries = selectors.item_history(kind=kind, object_id=target.object_id)
    open_case = next((c for c in cases if c.state == Case.State.OPEN), None)
    initial = {"body": getattr(target.obj, "body", None) or getattr(target.obj, "bio", "")}
    if kind == Kind.IDEA:
        initial["title"] = target.obj.title
    elif kind == Kind.MEMBER:
        initial["title"] = target.obj.display_name
    return render(
        request,
        "moderation/item.html",
        {
            "target": target,
            "open_case": open_case,
            "flags": flags,
            "entries": audit_display.describe(entries),
            "author_trust": trust.NAMES[min(target.author.trust_level, trust.TRUSTED)],
            "reason_form": ReasonForm(),
            "edit_form": EditForm(initial=initial),
            "move_form": MoveForm(initial=_move_initial(target)) if kind == Kind.IDEA else None,
            "merge_form": MergeForm() if kind == Kind.IDEA else None,
        },
    )


def _move_initial(target):
    idea = target.obj
    return {"product": idea.product_id, "segment": idea.segment_id, "campaign": idea.campaign_id}


# Built at import: the messages are lazy, translated when shown in the request's language.
ITEM_ACTIONS = {
    # action: (form class, service call, success message)
    "hide": (
        ReasonForm,
        lambda r, kind, pk, data: services.content_hide(moderator=r.user, kind=kind, object_id=pk, **data),
        gettext_lazy("Hidden. The author was told why."),
    ),
    "restore": (
        ReasonForm,
        lambda r, kind, pk, data: services.content_restore(moderator=r.user, kind=kind, object_id=pk, **data),
        gettext_lazy("Public again."),
    ),
    "edit": (
        EditForm,
        lambda r, kind, pk, data: services.content_edit(
            moderator=r.user,
            kind=kind,
            object_id=pk,
            body=data["body"],
            reason=data["reason"],
            title=data["title"] or None,
        ),  # fmt: skip
        gettext_lazy("Saved. The previous text is kept in the history."),
    ),
    "lock": (
        ReasonForm,
        lambda r, kind, pk, data: services.idea_lock(moderator=r.user, idea_id=pk, locked=True, **data),
        gettext_lazy("The discussion is locked."),
    ),
    "unlock": (
        ReasonForm,
        lambda r, kind, pk, data: services.idea_lock(moderator=r.user, idea_id=pk, locked=False, **data),
        gettext_lazy("The discussion is open again."),
    ),
    "move": (
        MoveForm,
        lambda r, kind, pk, data: services.idea_move(moderator=r.user, idea_id=pk, **data),
        gettext_lazy("Moved."),
    ),
    "merge": (
        MergeForm,
        lambda r, kind, pk, data: services.idea_merge_duplicate(
            moderator=r.user, idea_id=pk, target_id=data["target"], reason=data["reason"]
        ),
        gettext_lazy("Merged into the original."),
    ),
}
IDEA_ONLY = {"lock", "unlock", "move", "merge"}


@require_POST
@moderator_required
def item_action(request, kind, pk, action):
    if action not in ITEM_ACTIONS or (action in IDEA_ONLY and kind != Kind.IDEA):
        raise Http404(_("No such action."))
    target = targets.load(kind, pk)
    form_class, call, success = ITEM_ACTIONS[action]
    return _run(
        request,
        form_class(request.POST),
        lambda data: call(request, kind, target.object_id, data),
        success=success,
        default_next=f"/moderation/items/{kind}/{target.object_id}/",
    )


@require_POST
@moderator_required
def case_dismiss(request, pk):
    case = get_object_or_404(Case, pk=pk)
    return _run(
        request,
        ReasonForm(request.POST),
        lambda data: services.case_dismiss(moderator=request.user, case=case, **data),
        success=_("Flags dismissed."),
        default_next="/moderation/",
    )


# Members' standing -----------------------------------------------------------------------------------

member_moderator_required = staff_required(permissions.may_moderate_members)


@member_moderator_required
def member(request, pk):
    target = targets.load(Kind.MEMBER, pk)
    return render(
        request,
        "moderation/member.html",
        {
            "subject": target.obj,
            "trust_name": trust.NAMES[min(target.obj.trust_level, trust.TRUSTED)],
            "activity": trust.activity_of(target.obj),
            "sanctions": Sanction.objects.filter(member=target.obj).select_related("created_by", "lifted_by"),
            "entries": audit_display.describe(
                AuditEntry.objects.filter(member=target.obj).select_related("actor", "member")[:50]
            ),
            "sanction_form": SanctionForm(),
            "reason_form": ReasonForm(),
        },
    )


@require_POST
@member_moderator_required
def member_sanction(request, pk):
    target = targets.load(Kind.MEMBER, pk)
    return _run(
        request,
        SanctionForm(request.POST),
        lambda data: services.member_sanction(moderator=request.user, member_id=target.object_id, **data),
        success=_("Done. The member was told why and can appeal once."),
        default_next=f"/moderation/members/{target.object_id}/",
    )


@require_POST
@member_moderator_required
def sanction_lift(request, pk):
    sanction = get_object_or_404(Sanction, pk=pk)
    return _run(
        request,
        ReasonForm(request.POST),
        lambda data: services.sanction_lift(moderator=request.user, sanction=sanction, **data),
        success=_("Lifted."),
        default_next=f"/moderation/members/{sanction.member_id}/",
    )


# Appeals ---------------------------------------------------------------------------------------------


def notice(request, pk):
    """A decision about a member, for that member (and moderators): why, and the one appeal."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    entry = get_object_or_404(AuditEntry.objects.select_related("actor"), pk=pk)
    is_subject = entry.member_id == request.user.pk
    if not (is_subject or permissions.may_moderate(request.user)):
        raise Http404(_("No such notice."))
    appeal = Appeal.objects.filter(entry=entry).first()
    form = AppealForm(request.POST or None)
    if request.method == "POST":
        if not is_subject:
            raise PermissionDenied(_("Only the member concerned can appeal this decision."))
        if form.is_valid():
            try:
                services.appeal_submit(member=request.user, entry=entry, text=form.cleaned_data["text"])
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Your appeal is sent. A moderator will decide and tell you."))
                return redirect(entry)
    return render(
        request,
        "moderation/notice.html",
        {"entry": entry, "appeal": appeal, "is_subject": is_subject, "form": form},
        status=400 if form.errors else 200,
    )


@moderator_required
def appeals(request):
    return render(
        request,
        "moderation/appeals.html",
        {"appeals": selectors.pending_appeals(), "form": AppealDecisionForm()},
    )


@require_POST
@moderator_required
def appeal_decide(request, pk):
    appeal = get_object_or_404(Appeal.objects.select_related("entry"), pk=pk)
    return _run(
        request,
        AppealDecisionForm(request.POST),
        lambda data: services.appeal_decide(
            moderator=request.user, appeal=appeal, grant=data["decision"] == "grant", note=data["note"]
        ),
        success=_("Decided. The member was told."),
        default_next="/moderation/appeals/",
    )


# Votes -----------------------------------------------------------------------------------------------

vote_reviewer_required = staff_required(permissions.may_review_votes)


@vote_reviewer_required
def vote_alerts(request):
    state = request.GET.get("state", "open")
    if state not in VoteAlert.State.values:
        state = VoteAlert.State.OPEN
    alerts = VoteAlert.objects.filter(state=state)[:100]
    return render(
        request,
        "moderation/votes.html",
        {"alerts": alerts, "state": state, "states": VoteAlert.State.choices, "reason_form": ReasonForm()},
    )


@require_POST
@vote_reviewer_required
def vote_scan(request):
    tasks.scan_votes.enqueue(days=7)
    messages.success(request, _("Scan started: new alerts appear on this page when it finishes."))
    return redirect("moderation:votes")


VOTE_ACTIONS = {
    "discount": (services.votes_discount, gettext_lazy("Votes discounted: the counts leave them out.")),
    "restore": (services.votes_restore, gettext_lazy("Votes restored: the counts are as before.")),
    "dismiss": (services.alert_dismiss, gettext_lazy("Alert dismissed.")),
}


@require_POST
@vote_reviewer_required
def vote_alert_action(request, pk, action):
    if action not in VOTE_ACTIONS:
        raise Http404(_("No such action."))
    alert = get_object_or_404(VoteAlert, pk=pk)
    call, success = VOTE_ACTIONS[action]
    return _run(
        request,
        ReasonForm(request.POST),
        lambda data: call(moderator=request.user, alert=alert, **data),
        success=success,
        default_next="/moderation/votes/",
    )


# The audit log ---------------------------------------------------------------------------------------


@require_GET
@staff_required(permissions.may_read_audit_log)
def audit(request):
    form = AuditFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    page = filters.get("page") or 1
    entries, has_next = selectors.audit_search(
        text=filters.get("q") or "",
        action=filters.get("action") or "",
        actor=filters.get("actor") or "",
        kind=filters.get("kind") or "",
        page=page,
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "moderation/audit.html",
        {
            "filter_form": form,
            "entries": audit_display.describe(entries),
            "page": page,
            "has_next": has_next,
            "query": query.urlencode(),
        },
        status=200 if form.is_valid() else 400,
    )
