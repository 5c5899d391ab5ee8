import hashlib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from taggit.models import Tag

from cocreate.http import body_limit, redirect_to_next
from community import permissions
from community.access import contributor_required, staff_required
from community.conduct import conduct
from community.limits import limit_context, rate_limited
from community.models import Segment
from community.selectors import public_segments
from products.models import Product

from . import equity, evaluation, fragments, page_cache, selectors, services
from .evaluation_forms import ScoresForm
from .forms import (
    CommentEditForm,
    CommentForm,
    IdeaCreateForm,
    IdeaFilterForm,
    IdeaForm,
    InternalNoteForm,
    MergeForm,
    OwnerForm,
    StatusForm,
)
from .models import Comment, CommentRevision, Idea, IdeaMerge, InternalNote, campaign_model

HELD_MESSAGE = gettext_lazy(
    "Thanks! Your post is waiting for a moderator before others can see it. This happens to some posts "
    "from new members; you will be told when it is published."
)


def _cacheable(request) -> bool:
    # Only pages that are the same for every visitor: no session, no pending messages.
    return (
        not request.user.is_authenticated
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )


def _shareable(request, response) -> bool:
    # A page that asked for a CSRF token carries this visitor's token: never hand it to others.
    return response.status_code == 200 and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")


def _page_key(kind: str, request) -> str:
    path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
    return f"{kind}:{get_language()}:{path}"


def _shares_pages(request) -> bool:
    """Members get the pages shared by every member (ideas/fragments.py), except staff, whose pages have
    permission-dependent links, and requests with messages waiting (shown once, on this page)."""
    return (
        request.user.is_authenticated
        and not request.user.is_staff
        and not len(messages.get_messages(request))
    )


def idea_list(request):
    """Anonymous visitors get one cached page; members one cached list with their own parts filled in."""
    if _cacheable(request):
        return page_cache.get_or_render(
            _page_key("idea-list:anonymous", request),
            lambda: _idea_list_page(request),
            fresh_seconds=settings.ANONYMOUS_LIST_CACHE_SECONDS,
            keep=lambda response: _shareable(request, response),
        )
    if not _shares_pages(request):
        return _idea_list_page(request)
    # ":2": the entry names a copy (page_cache.SharedCopy); a process running the code before never reads it.
    shared = page_cache.get_or_render(
        _page_key("idea-list:members:2", request),
        lambda: _idea_list_page(request, shared=True),
        fresh_seconds=settings.MEMBER_LIST_CACHE_SECONDS,
        keep=lambda shared: isinstance(shared, fragments.SharedList),
        local=True,  # frozen, read only: kept in the process, served from it while fresh
    )
    if not isinstance(shared, fragments.SharedList):
        return shared  # the filters were refused
    vote_state = selectors.vote_state(request.user, shared.idea_ids)
    fillers = {**fragments.member_fillers(request), **fragments.topic_follow_fillers(request, shared)}
    return HttpResponse(fragments.list_for_member(shared, vote_state=vote_state, fillers=fillers))


def _idea_list_page(request, *, shared=False):
    form = IdeaFilterForm(request.GET)
    if not form.is_valid():
        return render(request, "ideas/list.html", {"filter_form": form, "page": None}, status=400)
    filters = form.cleaned_data
    try:
        page = selectors.idea_list_page(
            user=AnonymousUser() if shared else request.user,  # the viewer's votes are filled in later
            sort=filters["sort"],
            status=filters["status"],
            tag=filters["tag"],
            segment=filters["segment"],
            product=filters["product"],
            cursor=filters["cursor"],
        )
    except selectors.BadCursor:
        form.add_error("cursor", _("That page link is broken; start again from the first page."))
        return render(request, "ideas/list.html", {"filter_form": form, "page": None}, status=400)
    context = {
        "filter_form": form,
        "filters": filters,
        "page": page,
        "segments": public_segments(),
        # A list filtered by a tag or a product is that tag's or product's page: it has a follow button.
        "follow_topics": selectors.list_topics(tag=filters["tag"], product=filters["product"]),
    }
    if shared:
        return fragments.render_shared_list(request, context)
    return render(request, "ideas/list.html", context)


def idea_detail(request, pk, slug=None):
    """Anonymous visitors get one cached page; members one cached page with their own parts filled in;
    staff (and a member who wrote a comment only they and moderators see) a page of their own."""
    after = _comments_after(request)
    if _cacheable(request):
        return page_cache.get_or_render(
            _page_key("idea:anonymous", request),
            lambda: _idea_detail(request, pk, slug, after),
            fresh_seconds=settings.ANONYMOUS_IDEA_CACHE_SECONDS,
            keep=lambda response: _shareable(request, response),
        )
    if _shares_pages(request):
        response = _member_idea_page(request, pk, slug, after)
        if response is not None:
            return response
    return _idea_detail(request, pk, slug, after)


def _comments_after(request) -> int | None:
    """The discussion's page cursor (`?comments_after=<id>`, from its "Load more" link)."""
    after = request.GET.get("comments_after")
    if after is None:
        return None
    if not after.isdigit():
        raise BadRequest(_("That link to more comments is broken; open the idea again."))
    return int(after)


def _member_idea_page(request, pk, slug, after):
    """The idea page shared by members, filled in for this one; None when it cannot be shared (no such
    public idea, a redirect, or a viewer with a hidden comment of their own here)."""
    user = request.user
    # ":3": the shape of the entry (page_cache.SharedCopy naming a fragments.SharedIdeaPage); an entry
    # cached before a change of shape is never read, nor this one by a process running older code.
    key = _page_key("idea:members:3", request)
    read_with_copy = None  # the member's state, when this request renders the copy: read in its query

    def render():
        nonlocal read_with_copy
        page, read_with_copy = _shared_idea_page(request, pk, slug, after, state_of=user)
        return page

    def shared(entry):
        return page_cache.get_or_render(
            key,
            render,
            fresh_seconds=settings.MEMBER_IDEA_CACHE_SECONDS,
            keep=lambda page: page is not None,
            entry=entry,
            local=True,  # frozen, read only: kept in the process, served from it while fresh
        )

    page = shared(page_cache.NOT_READ)
    if page is None:
        return None
    state = read_with_copy
    if state is None:
        state = selectors.idea_viewer_state(
            user, pk, latest_id=page.latest_id, latest_updated_at=page.latest_updated_at
        )
    if state is None or state.has_hidden_comment:
        return None  # they read the moderator's reason on a page of their own
    if state.has_newer_comment:
        # The copy predates the member's own comment: render the page anew, for everyone.
        page = shared(None)
        if page is None:
            return None
    fillers = fragments.member_fillers(request)
    return HttpResponse(fragments.idea_page_for_member(page, viewer=user, state=state, fillers=fillers))


def _shared_idea_page(request, pk, slug, after, *, state_of):
    """The idea page every member shares (None when there is none to share), and the state of member
    `state_of` on the idea, read in the same query (selectors.idea_for_page)."""
    nobody = AnonymousUser()  # what every member sees: public ideas and comments only
    try:
        idea = selectors.idea_for_page(user=nobody, pk=pk, state_of=state_of)
    except Idea.DoesNotExist:
        return None, None
    if idea.merged_into_id or slug != idea.slug:
        return None, None
    context = _detail_context(request, idea, _comment_form(request, idea), user=nobody, after=after)
    return fragments.render_shared_idea_page(request, context), idea.viewer_state


def _idea_detail(request, pk, slug, after):
    try:
        idea = selectors.idea_for_page(user=request.user, pk=pk)
    except Idea.DoesNotExist:
        raise Http404(_("No idea with that number.")) from None
    if idea.merged_into_id:
        return redirect(idea.merged_into)
    if slug != idea.slug:
        return redirect(idea, permanent=True)
    return render(
        request,
        "ideas/detail.html",
        _detail_context(request, idea, _comment_form(request, idea), after=after),
    )


def _comment_form(request, idea):
    reply_to = request.GET.get("reply_to", "")
    return CommentForm(idea=idea, initial={"parent": reply_to if reply_to.isdigit() else None})


def _detail_context(request, idea, comment_form, *, user=None, after=None, scores_form=None):
    """The idea page's context for `user` (the viewer unless given)."""
    user = user or request.user
    discussion = selectors.comment_page(idea=idea, user=user, after=after)
    _attach_moderation_notes(user, idea, discussion)
    may_pin = permissions.may_pin_comments(user)
    return {
        "idea": idea,
        "discussion": discussion,
        "following": getattr(idea, "following", False),
        "timeline": selectors.idea_timeline(idea),
        "may_post_official": permissions.may_post_official(user),
        "may_pin": may_pin,
        # Each staff form's ids carry its own prefix: merge and status both have a "note", the staff note
        # and the comment a "body", and ids on one page must be unique (labels, aria-describedby).
        "merge_form": MergeForm(auto_id="merge_%s") if permissions.may_merge(user) else None,
        "my_vote": getattr(idea, "my_vote", 0),
        "comment_form": comment_form,
        "status_form": (
            StatusForm(idea=idea, offer_allowed_only=True, auto_id="status_%s")
            if permissions.may_change_status(user)
            else None
        ),
        "may_edit": permissions.may_edit_idea(user, idea),
        "may_see_history": permissions.may_see_history(user, idea),
        # The server's own predicate picks the Edit links (a suspended author's comments get none).
        "editable_comments": {c.pk for c in discussion.comments if permissions.may_edit_comment(user, c)},
        "may_moderate": permissions.may_moderate(user),
        # Staff only, and only on pages rendered for one staff viewer: the pages shared by members and
        # visitors are rendered as nobody (`_shared_idea_page`), so no cached copy ever holds a note.
        **_staff_notes_context(user, idea),
        **_evaluation_context(user, idea, scores_form),
        "owner_form": (
            OwnerForm(initial={"owner": idea.owner_id}, auto_id="owner_%s")
            if permissions.may_assign_idea_owner(user)
            else None
        ),
        # R&D, customer managers, administrators: a link to record a CRM customer's request (docs/clv.md).
        "may_record_proxy_demand": permissions.may_record_proxy_demand(user),
        # Staff who see customer values (R&D, customer managers, the CCO, administrators): one query, asked
        # of the backlog app through the port ideas.equity. Never on the pages shared by members.
        "equity_at_risk": (
            equity.at_risk().equity_at_risk(idea) if permissions.may_see_customers_at_risk(user) else None
        ),
    }


def _staff_notes_context(user, idea) -> dict:
    if not permissions.may_see_internal_notes(user):
        return {"internal_notes": None, "note_form": None, "staff_notes": False}
    notes = list(InternalNote.objects.filter(idea=idea).select_related("author"))
    form = InternalNoteForm(auto_id="staff_note_%s") if permissions.may_write_internal_notes(user) else None
    return {"internal_notes": notes, "note_form": form, "staff_notes": True}


def _evaluation_context(user, idea, scores_form) -> dict:
    """Expert scores (internal: ideas.evaluation), for staff who may see them, on products that have
    criteria; the scoring form for the evaluators named for the product."""
    if not permissions.may_see_evaluations(user) or idea.product_id is None:
        return {"evaluation": None, "scores_form": None}
    summary = evaluation.evaluations_of([idea]).get(idea.pk)
    if summary is None:
        return {"evaluation": None, "scores_form": None}
    if scores_form is None and evaluation.is_evaluator(user, idea.product_id):
        scores_form = ScoresForm(
            criteria=[r.criterion for r in summary.criteria], initial_scores=evaluation.my_scores(idea, user)
        )
    return {"evaluation": summary, "scores_form": scores_form}


def idea_page_with_scores_form(request, pk, scores_form):
    """The idea's page for its viewer with the scores they typed and why they were refused (400)."""
    idea = selectors.idea_for_page(user=request.user, pk=pk)
    context = _detail_context(request, idea, _comment_form(request, idea), scores_form=scores_form)
    return render(request, "ideas/detail.html", context, status=400)


def _attach_moderation_notes(user, idea, discussion) -> None:
    """Authors (and moderators) of hidden or held content read why on the page itself."""
    if not user.is_authenticated:
        return
    conduct().attach_notes("idea", [idea])
    conduct().attach_notes("comment", discussion.comments)


def _idea_body_limit() -> int:
    """An idea's text and its images, each at most the site's image limit."""
    return (
        services.MAX_IMAGES_PER_IDEA * settings.IMAGE_UPLOAD_MAX_BYTES + settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    )


def _idea_create_refused(request, error):
    """Over the posting limit: the member's idea comes back in its form, with a countdown (429)."""
    form = IdeaCreateForm(request.POST, request.FILES)
    context = {"form": form, "creating": True, "limit": limit_context(request, error)}
    return render(request, "ideas/form.html", context)


@body_limit(_idea_body_limit, max_file_bytes=lambda: settings.IMAGE_UPLOAD_MAX_BYTES)
@contributor_required
@rate_limited("idea", refused=_idea_create_refused)
def idea_create(request):
    initial = {"campaign": request.GET.get("campaign")} if request.GET.get("campaign", "").isdigit() else {}
    form = IdeaCreateForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            idea = services.idea_submit(author=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if idea.visibility == "held":
                messages.info(request, HELD_MESSAGE)
            else:
                messages.success(request, _("Your idea is posted."))
            return redirect(idea)
    return render(
        request, "ideas/form.html", {"form": form, "creating": True}, status=400 if form.errors else 200
    )


@contributor_required
def idea_edit(request, pk):
    idea = get_object_or_404(Idea.objects.visible_to(request.user), pk=pk)
    if not permissions.may_edit_idea(request.user, idea):
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


def _comment_create_refused(request, error, pk):
    """Over the commenting limit: the idea's page with the comment in its form and a countdown (429)."""
    idea = selectors.idea_for_page(user=request.user, pk=pk)
    form = CommentForm(request.POST, idea=idea)
    form.fields["body"].widget.attrs["autofocus"] = True  # the page opens at the form, not at its top
    context = {**_detail_context(request, idea, form), "limit": limit_context(request, error)}
    return render(request, "ideas/detail.html", context)


@require_POST
@contributor_required
@rate_limited("comment", refused=_comment_create_refused)
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
                official=form.cleaned_data["official"],
            )
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, error)
        else:
            if comment.visibility == "held":
                messages.info(request, HELD_MESSAGE)
            return redirect(comment)
    idea = selectors.idea_for_page(user=request.user, pk=pk)
    return render(request, "ideas/detail.html", _detail_context(request, idea, form), status=400)


@require_POST
@staff_required(permissions.may_change_status)
def idea_status(request, pk):
    idea = get_object_or_404(Idea, pk=pk)
    form = StatusForm(request.POST, idea=idea)
    if not form.is_valid():
        messages.error(request, _("Choose a status and write a public note."))
        return redirect(idea)
    try:
        services.idea_set_status(idea=idea, changed_by=request.user, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Status changed; every supporter is told."))
    return redirect(idea)


@require_POST
@staff_required(permissions.may_write_internal_notes)
def internal_note_create(request, pk):
    idea = get_object_or_404(Idea.objects.visible_to(request.user), pk=pk)
    form = InternalNoteForm(request.POST)
    if form.is_valid():
        try:
            note = services.internal_note_add(author=request.user, idea=idea, body=form.cleaned_data["body"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Note added; only staff read it."))
            return redirect(f"{idea.get_absolute_url()}#note-{note.pk}")
    messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect(idea)


@require_POST
@staff_required(permissions.may_assign_idea_owner)
def idea_owner(request, pk):
    idea = get_object_or_404(Idea.objects.visible_to(request.user), pk=pk)
    form = OwnerForm(request.POST)
    if form.is_valid():
        try:
            services.idea_set_owner(idea=idea, owner=form.cleaned_data["owner"], by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Owner saved."))
            return redirect(idea)
    messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect(idea)


@require_POST
@staff_required(permissions.may_merge)
def idea_merge(request, pk):
    source = get_object_or_404(Idea, pk=pk)
    form = MergeForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(source)
    try:
        services.idea_merge(
            source=source,
            target=form.cleaned_data["target"],
            merged_by=request.user,
            note=form.cleaned_data["note"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(source)
    messages.success(
        request, _("Merged. Votes, followers and comments moved; this can be undone from the history.")
    )
    return redirect(form.cleaned_data["target"])


@require_POST
@staff_required(permissions.may_merge)
def merge_undo(request, merge_pk):
    merge = get_object_or_404(IdeaMerge, pk=merge_pk)
    try:
        source = services.idea_unmerge(merge=merge, undone_by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("ideas:history", pk=merge.target_id)
    messages.success(request, _("Merge undone."))
    return redirect(source)


@require_POST
@login_required
def idea_follow(request, pk):
    idea = get_object_or_404(Idea.objects.visible_to(request.user), pk=pk)
    services.follow_set(member=request.user, idea=idea, following=request.POST.get("follow") == "1")
    return redirect_to_next(request, idea.get_absolute_url())


def _followable(kind: str):
    """What `user` may follow of this kind, for the follow views (prototypes has its own view)."""
    if kind == "tag":
        return Tag.objects.all()
    if kind == "product":
        return Product.objects.all()
    if kind == "campaign":
        return campaign_model().objects.live()
    if kind == "segment":
        return Segment.objects.all()
    raise Http404


@require_POST
@login_required
def topic_follow(request, kind, pk):
    """Follow (follow=1) or unfollow (follow=0) a tag, product, campaign or segment; back to `next`."""
    target = get_object_or_404(_followable(kind), pk=pk)
    following = request.POST.get("follow") == "1"
    if following and kind == "segment" and not permissions.may_follow_segment(request.user, target):
        raise PermissionDenied(_("Only customer managers follow segments."))
    services.follow_topic_set(member=request.user, target=target, following=following)
    if following:
        messages.success(request, _("You follow “%(name)s” now.") % {"name": target})
    else:
        messages.success(request, _("You no longer follow “%(name)s”.") % {"name": target})
    return redirect_to_next(request, reverse("community:profile"))


@require_POST
@staff_required(permissions.may_pin_comments)
def comment_pin(request, pk, comment_pk):
    comment = get_object_or_404(Comment, pk=comment_pk, idea_id=pk)
    services.comment_pin(comment=comment, pinned_by=request.user, pinned=request.POST.get("pin") == "1")
    return redirect(comment)


@contributor_required
def comment_edit(request, pk, comment_pk):
    comment = get_object_or_404(Comment.objects.visible_to(request.user), pk=comment_pk, idea_id=pk)
    if not permissions.may_edit_comment(request.user, comment):
        raise PermissionDenied(_("Only the author can edit this comment."))
    form = CommentEditForm(request.POST or None, initial={"body": comment.body}, idea_id=comment.idea_id)
    if request.method == "POST" and form.is_valid():
        try:
            services.comment_update(comment=comment, editor=request.user, body=form.cleaned_data["body"])
        except ValidationError as error:
            form.add_error(None, error)  # {"body": …} lands on the text field
        else:
            return redirect(comment)
    return render(
        request,
        "ideas/comment_edit.html",
        {"form": form, "comment": comment},
        status=400 if form.errors else 200,
    )


@login_required
def idea_history(request, pk):
    """Edits, status changes and merges; visible to the author and staff."""
    idea = get_object_or_404(Idea.objects.visible_to(request.user), pk=pk)
    if not permissions.may_see_history(request.user, idea):
        raise PermissionDenied(_("Only the author and staff see an idea's history."))
    context = {
        "idea": idea,
        "revisions": idea.revisions.select_related("editor"),
        "status_changes": idea.status_changes.select_related("changed_by"),
        "merges": IdeaMerge.objects.filter(Q(target=idea) | Q(source=idea)).select_related(
            "source", "target", "merged_by", "undone_by"
        ),
        "comment_revisions": CommentRevision.objects.filter(comment__idea=idea).select_related(
            "editor", "comment"
        ),
        "may_undo": permissions.may_merge(request.user),
    }
    return render(request, "ideas/history.html", context)


@require_POST
@login_required
def markdown_preview(request):
    return JsonResponse({"html": services.preview_markdown(request.POST.get("body", ""))})


@login_required
def mention_suggestions(request):
    """The @mention picker's suggestions: ?q=<start of a name>&idea=<id> (the thread's members first)."""
    idea_id = request.GET.get("idea", "")
    idea = Idea.objects.visible_to(request.user).filter(pk=idea_id).first() if idea_id.isdigit() else None
    suggestions = selectors.mention_suggestions(
        viewer=request.user, query=request.GET.get("q", "")[:60], idea=idea
    )
    return JsonResponse(suggestions, safe=False)
