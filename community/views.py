import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from cocreate.http import body_limit

from . import member_data, permissions, services
from .access import staff_required
from .forms import DeleteAccountForm, ProfileForm, RoleForm, SegmentAssignForm
from .models import Member, Segment
from .roles import Role


@csrf_exempt
@require_POST
def language_set(request):
    """Django's set_language (the cookie, back to `next`), and for a member their saved choice, which
    their email and their next log-in on another device follow. Open to everyone, works without JS.

    A visitor's form carries no CSRF token: a token would keep the anonymous pages that show the
    switcher out of the shared page cache, and a forged post can only change their display language.
    A member's choice is saved on their account, so theirs is checked (`_member_language_set`)."""
    if request.user.is_authenticated:
        return _member_language_set(request)
    return set_language(request)


@csrf_protect
def _member_language_set(request):
    response = set_language(request)
    language = request.POST.get("language", "")
    if language in dict(settings.LANGUAGES):
        services.member_set_language(member=request.user, language=language)
    return response


def member_detail(request, pk):
    member = get_object_or_404(Member, pk=pk, is_active=True)
    viewer = request.user
    sees_details = permissions.may_see_member_details(viewer, member)
    context = {
        "member": member,
        "activity": services.member_activity(member),
        # Segments and roles are private: the member and staff with member access only.
        "segments": member.segments.all() if sees_details else None,
        "roles": sorted(str(r.label) for r in services.member_roles(member)) if sees_details else None,
        "may_assign": permissions.may_assign_segments(viewer),
        "may_grant": permissions.may_grant_roles(viewer),
        "role_form": RoleForm(),
    }
    for data in member_data.registered():  # what other apps show of the member (their ideas)
        if data.profile:
            context.update(data.profile(viewer, member))
    return render(request, "community/member_detail.html", context)


@body_limit(
    lambda: settings.IMAGE_UPLOAD_MAX_BYTES + settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
    max_file_bytes=lambda: settings.IMAGE_UPLOAD_MAX_BYTES,
)
@login_required
def profile_edit(request):
    member = request.user
    form = ProfileForm(request.POST or None, request.FILES or None, initial=ProfileForm.initial_for(member))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.member_update_profile(
                member=member,
                display_name=data["display_name"],
                bio=data["bio"],
                avatar=data["avatar"] or None,
                remove_avatar=data["remove_avatar"],
                email_consent=data["email_consent"],
                notify_status_changes=data["notify_status_changes"],
                notify_replies=data["notify_replies"],
                email_digest=data["email_digest"],
                segments=data["segments"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error("avatar", error)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("community:profile")
    context = {
        "form": form,
        "avatar_upload": member.avatar_uploads.first(),  # the latest, if any
        # What the member follows, from the apps that hold the follows (community.member_data).
        "follow_groups": [
            group for data in member_data.registered() if data.follows for group in data.follows(member)
        ],
    }
    return render(request, "community/profile_edit.html", context, status=400 if form.errors else 200)


@login_required
def data_export(request):
    data = services.member_export_data(request.user)
    response = HttpResponse(json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="cocreate-data-{request.user.pk}.json"'
    return response


@login_required
def account_delete(request):
    form = DeleteAccountForm(request.POST or None, member=request.user)
    if request.method == "POST" and form.is_valid():
        services.member_delete_account(member=request.user)
        logout(request)
        messages.success(
            request, _("Your account is deleted. Your ideas and comments stay, as by a former member.")
        )
        return redirect("/")
    return render(
        request, "community/account_delete.html", {"form": form}, status=400 if form.errors else 200
    )


@require_POST
@staff_required(permissions.may_assign_segments)
def member_segments(request, pk):
    member = get_object_or_404(Member, pk=pk, is_active=True)
    manager = request.user
    manageable = (
        Segment.objects.all()
        if permissions.manages_every_segment(manager)
        else Segment.objects.filter(managers=manager)
    )
    form = SegmentAssignForm(request.POST, manageable=manageable)
    if not form.is_valid():
        messages.error(request, _("Choose only segments you manage."))
        return redirect(member)
    chosen = set(form.cleaned_data["segments"])
    for segment in manageable:
        services.segment_assign(manager=manager, member=member, segment=segment, assigned=segment in chosen)
    messages.success(request, _("Segments updated."))
    return redirect(member)


@require_POST
@staff_required(permissions.may_grant_roles)
def member_role(request, pk):
    member = get_object_or_404(Member, pk=pk, is_active=True)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Unknown role or action."))
        return redirect(member)
    role, action = Role(form.cleaned_data["role"]), form.cleaned_data["action"]
    if action == "grant":
        services.role_grant(member=member, role=role, granted_by=request.user)
    else:
        if member.pk == request.user.pk and role == Role.ADMINISTRATOR:
            raise PermissionDenied(_("You cannot remove your own administrator role."))
        try:
            services.role_revoke(member=member, role=role, revoked_by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(member)
    messages.success(request, _("Roles updated."))
    return redirect(member)
