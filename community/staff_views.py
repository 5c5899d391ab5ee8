"""The administrators' member pages (/staff/members/): find a member, grant and revoke their roles, and
choose the segments a customer manager manages. Every change goes through community.services, which
checks the permission again and records it in the audit log."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import permissions, services
from .access import staff_required
from .forms import ManagedSegmentsForm, MemberSearchForm, RoleForm
from .models import Member
from .roles import GROUP_NAMES, Role

PER_PAGE = 50
administrator_required = staff_required(permissions.may_grant_roles)
ROLE_OF_GROUP = {name: role for role, name in GROUP_NAMES.items()}


def _roles_of(member) -> list[Role]:
    """From prefetched groups (no query per member)."""
    roles = [ROLE_OF_GROUP[g.name] for g in member.groups.all() if g.name in ROLE_OF_GROUP]
    return sorted(roles, key=list(Role).index) or [Role.CUSTOMER]


@require_GET
@administrator_required
def member_list(request):
    form = MemberSearchForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    members = Member.objects.filter(is_active=True, deleted_at__isnull=True)
    if text := filters.get("q"):
        members = members.filter(
            Q(username__icontains=text) | Q(display_name__icontains=text) | Q(email__icontains=text)
        )
    if role := filters.get("role"):
        if role == Role.CUSTOMER:
            members = members.exclude(groups__name__in=[GROUP_NAMES[r] for r in Role if r != Role.CUSTOMER])
        else:
            members = members.filter(groups__name=GROUP_NAMES[Role(role)])
    members = members.order_by("-is_staff", "username").prefetch_related("groups")
    page = Paginator(members, PER_PAGE).get_page(filters.get("page") or 1)
    return render(
        request,
        "community/staff_members.html",
        {
            "form": form,
            "rows": [(member, _roles_of(member)) for member in page],
            "page": page.number,
            "pages": page.paginator.num_pages,
            "has_previous": page.has_previous(),
            "has_next": page.has_next(),
        },
        status=200 if form.is_valid() else 400,
    )


def _member_page(request, member, *, role_form=None, segments_form=None, status=200):
    roles = _roles_of(member)
    managed = list(member.managed_segments.all())
    return render(
        request,
        "community/staff_member.html",
        {
            "subject": member,
            "roles": roles,
            "grantable": [r for r in Role if r != Role.CUSTOMER and r not in roles],
            "role_form": role_form or RoleForm(),
            "segments_form": segments_form or ManagedSegmentsForm(initial={"segments": managed}),
            "managed": managed,
            "is_customer_manager": Role.CUSTOMER_MANAGER in roles,
        },
        status=status,
    )


def _subject(pk):
    return get_object_or_404(
        Member.objects.prefetch_related("groups"), pk=pk, is_active=True, deleted_at__isnull=True
    )


@require_GET
@administrator_required
def member_roles(request, pk):
    return _member_page(request, _subject(pk))


@require_POST
@administrator_required
def member_role_change(request, pk):
    member = _subject(pk)
    form = RoleForm(request.POST)
    if form.is_valid():
        role, grant = Role(form.cleaned_data["role"]), form.cleaned_data["action"] == "grant"
        try:
            if grant:
                changed = services.role_grant(member=member, role=role, granted_by=request.user)
            else:
                changed = services.role_revoke(member=member, role=role, revoked_by=request.user)
        except ValidationError as error:
            form.add_error("role", error.messages)
        else:
            name, label = member.public_name, role.label
            if not changed:
                message = (
                    _("%(name)s already has the role %(role)s.")
                    if grant
                    else _("%(name)s does not have the role %(role)s.")
                )
                messages.info(request, message % {"name": name, "role": label})
            elif grant:
                messages.success(request, _("%(name)s is now %(role)s.") % {"name": name, "role": label})
            else:
                messages.success(
                    request, _("%(name)s is no longer %(role)s.") % {"name": name, "role": label}
                )
            if not permissions.may_grant_roles(Member.objects.get(pk=request.user.pk)):
                return redirect("/")  # an administrator who gave up their own role
            return redirect("staff_members:member", pk=member.pk)
    return _member_page(request, _subject(pk), role_form=form, status=400)


@require_POST
@administrator_required
def member_managed_segments(request, pk):
    member = _subject(pk)
    form = ManagedSegmentsForm(request.POST)
    if form.is_valid():
        try:
            changed = services.managed_segments_set(
                member=member, segments=form.cleaned_data["segments"], assigned_by=request.user
            )
        except ValidationError as error:
            form.add_error("segments", error.messages)
        else:
            if changed:
                messages.success(
                    request, _("The segments %(name)s manages are saved.") % {"name": member.public_name}
                )
            else:
                messages.info(request, _("Nothing changed."))
            return redirect("staff_members:member", pk=member.pk)
    return _member_page(request, member, segments_form=form, status=400)
