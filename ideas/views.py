import hashlib

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community.access import contributor_required, staff_permission_required
from community.selectors import public_segments

from . import selectors, services
from .forms import CommentForm, IdeaFilterForm, IdeaForm, StatusForm
from .models import Idea


def _cacheable(request) -> bool:
    # Only pages that are the same for every visitor: no session, no pending messages.
    return (
        settings.ANONYMOUS_LIST_CACHE_SECONDS > 0
        and not request.user.is_authenticated
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )


def idea_list(request):
    cache_key = "idea-list:" + hashlib.sha256(request.get_full_path().encode()).hexdigest()
    if _cacheable(request) and (cached := cache.get(cache_key)) is not None:
        return cached
    form = IdeaFilterForm(request.GET)
    if not form.is_valid():
        return render(request, "ideas/list.html", {"filter_form": form, "page": None}, status=400)
    filters = form.cleaned_data
    try:
        page = selectors.idea_list_page(
            user=request.user,
            sort=filters["sort"],
            status=filters["status"],
            tag=filters["tag"],
            segment=filters["segment"],
            cursor=filters["cursor"],
        )
    except selectors.BadCursor:
        form.add_error("cursor", _("That page link is broken; start again from the first page."))
        return render(request, "ideas/list.html", {"filter_form": form, "page": None}, status=400)
    response = render(
        request,
        "ideas/list.html",
        {"filter_form": form, "filters": filters, "page": page, "segments": public_segments()},
    )
    if _cacheable(request):
        cache.set(cache_key, response, settings.ANONYMOUS_LIST_CACHE_SECONDS)
    return response


def idea_detail(request, pk, slug=None):
    try:
        idea = selectors.idea_for_page(user=request.user, pk=pk)
    except Idea.DoesNotExist:
        raise Http404(_("No idea with that number.")) from None
    if idea.merged_into_id:
        return redirect(idea.merged_into)
    if slug != idea.slug:
        return redirect(idea, permanent=True)
    reply_to = request.GET.get("reply_to", "")
    comment_form = CommentForm(idea=idea, initial={"parent": reply_to if reply_to.isdigit() else None})
    return render(request, "ideas/detail.html", _detail_context(request, idea, comment_form))


def _detail_context(request, idea, comment_form):
    return {
        "idea": idea,
        "comments": selectors.comment_tree(idea=idea, user=request.user),
        "my_vote": selectors.my_votes(request.user, [idea.pk]).get(idea.pk, 0),
        "comment_form": comment_form,
        "status_form": (
            StatusForm(initial={"status": idea.status})
            if request.user.is_staff and request.user.has_perm("ideas.change_idea_status")
            else None
        ),
        "may_edit": services.may_edit(request.user, idea),
    }


@contributor_required
def idea_create(request):
    form = IdeaForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            idea = services.idea_submit(author=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your idea is posted."))
            return redirect(idea)
    return render(
        request, "ideas/form.html", {"form": form, "creating": True}, status=400 if form.errors else 200
    )


@contributor_required
def idea_edit(request, pk):
    idea = get_object_or_404(Idea.objects.visible_to(request.user), pk=pk)
    if not services.may_edit(request.user, idea):
        raise PermissionDenied(_("Only the author can edit this idea."))
    form = IdeaForm(request.POST or None, initial=IdeaForm.initial_for(idea))
    if request.method == "POST" and form.is_valid():
        try:
            services.idea_update(idea=idea, editor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your changes are saved."))
            return redirect(idea)
    return render(
        request,
        "ideas/form.html",
        {"form": form, "idea": idea, "creating": False},
        status=400 if form.errors else 200,
    )


@require_POST
@contributor_required
def comment_create(request, pk):
    idea = get_object_or_404(Idea.objects.visible_to(request.user), pk=pk)
    form = CommentForm(request.POST, idea=idea)
    if form.is_valid():
        try:
            comment = services.comment_post(
                author=request.user,
                idea=idea,
                body=form.cleaned_data["body"],
                parent=form.cleaned_data["parent"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect(comment)
    idea = selectors.idea_for_page(user=request.user, pk=pk)
    return render(request, "ideas/detail.html", _detail_context(request, idea, form), status=400)


@require_POST
@staff_permission_required("ideas.change_idea_status")
def idea_status(request, pk):
    idea = get_object_or_404(Idea, pk=pk)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status and write a public note."))
        return redirect(idea)
    services.idea_set_status(idea=idea, changed_by=request.user, **form.cleaned_data)
    messages.success(request, _("Status changed."))
    return redirect(idea)
