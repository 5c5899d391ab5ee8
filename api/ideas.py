"""Ideas, their comments, votes, follows and status: the pages' rules, asked through the same forms,
selectors and services (ideas.forms, ideas.selectors, ideas.services, voting.services)."""

import functools
import hashlib
import json

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.responses import NinjaJSONEncoder

from cocreate.http import problem
from community import permissions
from community.limits import consume
from ideas import page_cache, selectors, services
from ideas.forms import CommentForm, IdeaCreateForm, IdeaFilterForm, IdeaForm, StatusForm
from ideas.models import Comment, Idea
from voting.services import VotingClosed, vote_cast, vote_withdraw

from . import access
from .auth import ANYONE, MEMBERS
from .problems import form_problem, invalid
from .schemas import (
    CommentIn,
    CommentOut,
    CommentPage,
    FollowOut,
    IdeaCreateIn,
    IdeaDetail,
    IdeaFilters,
    IdeaPage,
    IdeaPatch,
    StatusIn,
    StatusOut,
    VoteIn,
    VoteOut,
)

router = Router(tags=["ideas"])


def _author(member) -> dict:
    return {"id": member.pk, "name": member.public_name}


def idea_out(idea: Idea, *, my_vote: int = 0) -> dict:
    return {
        "id": idea.pk,
        "title": idea.title,
        "status": idea.status,
        "status_name": idea.status_name,
        "url": idea.get_absolute_url(),
        "author": _author(idea.author),
        "created_at": idea.created_at,
        "votes": idea.vote_count,
        "upvotes": idea.upvote_count,
        "downvotes": idea.downvote_count,
        "comment_count": idea.comment_count,
        "tags": sorted(tag.name for tag in idea.tag_list),
        "product": idea.product.slug if idea.product_id else None,
        "segment": idea.segment.slug if idea.segment_id else None,
        "campaign": idea.campaign_id,
        "my_vote": my_vote,
    }


def _idea_detail(member, pk: int) -> dict:
    try:
        idea = selectors.idea_for_page(user=member, pk=pk)
    except Idea.DoesNotExist:
        raise Http404(_("No idea with that number.")) from None
    return {
        **idea_out(idea, my_vote=getattr(idea, "my_vote", 0) or 0),
        "body": idea.body,
        "body_html": idea.body_html,
        "visibility": idea.visibility,
        "following": bool(getattr(idea, "following", False)),
    }


def _visible_idea(member, pk: int) -> Idea:
    idea = Idea.objects.visible_to(member).filter(pk=pk).first()
    if idea is None:
        raise Http404(_("No idea with that number."))
    return idea


@router.get("/ideas", response=IdeaPage, auth=ANYONE, summary="List ideas (filters, sorts, keyset pages)")
def idea_list(request, filters: Query[IdeaFilters]):
    """One page of the list, as the members' list page serves it: a copy shared by every caller for
    MEMBER_LIST_CACHE_SECONDS (ideas.page_cache), with each idea's current votes and the caller's own
    vote read fresh in one query (ideas.selectors.vote_counts)."""
    member = access.member(request)
    given = tuple(
        (k, v) for k, v in filters.dict().items() if v is not None and k not in ("campaign", "count")
    )
    chosen = _clean_filters(given)
    if chosen is None:
        form = IdeaFilterForm(dict(given))
        form.is_valid()
        return form_problem(form)  # its errors in the caller's language
    kwargs = {name: chosen[name] for name in ("status", "tag", "segment", "product")}
    listed = {"sort": chosen["sort"], "cursor": chosen["cursor"], "campaign": filters.campaign, **kwargs}
    key = "api:idea-list:" + hashlib.sha256(json.dumps(listed, sort_keys=True).encode()).hexdigest()
    try:
        shared = page_cache.get_or_render(
            key, lambda: _shared_page(listed), fresh_seconds=settings.MEMBER_LIST_CACHE_SECONDS
        )
    except selectors.BadCursor:
        return invalid(
            [{"field": "cursor", "location": "query", "detail": _("That cursor is broken; start again.")}]
        )
    counts = selectors.vote_counts(member, [row["id"] for row in shared["results"]])
    results = []
    for row in shared["results"]:
        up, down, mine = counts.get(row["id"], (row["upvotes"], row["downvotes"], 0))
        results.append({**row, "votes": up - down, "upvotes": up, "downvotes": down, "my_vote": mine})
    page = {
        # Exact, and a scan of the whole list (38 ms at 100k ideas, most of a page's cost): only on request.
        "count": selectors.idea_list_count(campaign=filters.campaign, **kwargs) if filters.count else None,
        "next_cursor": shared["next_cursor"],
        "results": results,
    }
    # Already in IdeaPage's shape (its rows were made by idea_out and are only re-counted here): sent as
    # it is, without django-ninja validating 20 rows again through pydantic (a third of the request's
    # CPU). tests/api/test_ideas.py checks the answer against IdeaPage, and schemathesis against the
    # schema.
    return JsonResponse(page, encoder=NinjaJSONEncoder)


@functools.lru_cache(maxsize=1024)
def _clean_filters(given: tuple) -> dict | None:
    """The list filters as the members' list page validates them (ideas.forms.IdeaFilterForm), or None
    when they are invalid. The form is a pure function of these values, and building one (it deep-copies
    its fields) was a tenth of the request's CPU: valid answers are remembered. Read-only."""
    form = IdeaFilterForm(dict(given))
    return form.cleaned_data if form.is_valid() else None


_ENCODER = NinjaJSONEncoder()


def _shared_page(listed: dict) -> dict:
    """The part of a list page that is the same for every caller (listed ideas are public ones), with
    its dates already in their JSON form (once per copy rather than once per answer)."""
    page = selectors.idea_list_page(user=AnonymousUser(), **listed)
    results = [idea_out(idea) for idea in page.ideas]
    for row in results:
        row["created_at"] = _ENCODER.default(row["created_at"])
    return {"next_cursor": page.next_cursor, "results": results}


@router.post("/ideas", response={201: IdeaDetail}, auth=MEMBERS, summary="Post an idea")
def idea_create(request, payload: IdeaCreateIn):
    member = access.contributor(request)
    consume(member, "idea")
    data = payload.dict()
    form = IdeaCreateForm(
        {
            **data,
            "tags": ", ".join(f'"{tag}"' if "," in tag or " " in tag else tag for tag in data["tags"]),
            "product": data["product"] or "",
            "segment": data["segment"] or "",
            "campaign": data["campaign"] or "",
        }
    )
    if not form.is_valid():
        return form_problem(form)
    idea = services.idea_submit(author=member, **form.cleaned_data)
    return Status(201, _idea_detail(member, idea.pk))


@router.get("/ideas/{int:idea_id}", response=IdeaDetail, auth=ANYONE, summary="One idea")
def idea_detail(request, idea_id: int):
    return _idea_detail(access.member(request), idea_id)


@router.patch("/ideas/{int:idea_id}", response=IdeaDetail, auth=MEMBERS, summary="Edit your own idea")
def idea_edit(request, idea_id: int, payload: IdeaPatch):
    member = access.contributor(request)
    idea = _visible_idea(member, idea_id)
    if not permissions.may_edit_idea(member, idea):
        raise PermissionDenied(_("Only the author can edit this idea."))
    current = IdeaForm.initial_for(idea)
    changes = payload.dict(exclude_unset=True)
    data = {
        "title": changes.get("title", current["title"]),
        "body": changes.get("body", current["body"]),
        "tags": ", ".join(
            f'"{t}"' if "," in t or " " in t else t
            for t in changes.get("tags", [tag.name for tag in current["tags"]])
        ),
        "product": changes["product"] or "" if "product" in changes else current["product"] or "",
        "segment": changes["segment"] or "" if "segment" in changes else current["segment"] or "",
    }
    form = IdeaForm(data)
    if not form.is_valid():
        return form_problem(form)
    services.idea_update(idea=idea, editor=member, **form.cleaned_data)
    return _idea_detail(member, idea.pk)


def _tally(tally) -> dict:
    return {
        "idea": tally.idea_id,
        "votes": tally.votes,
        "upvotes": tally.upvotes,
        "downvotes": tally.downvotes,
        "my_vote": tally.my_vote,
    }


def _vote(member, idea_id: int, value: int | None):
    try:
        if value is None:
            return _tally(vote_withdraw(member=member, idea_id=idea_id))
        return _tally(vote_cast(member=member, idea_id=idea_id, value=value))
    except Idea.DoesNotExist:
        raise Http404(_("No idea with that number.")) from None


@router.put("/ideas/{int:idea_id}/vote", response=VoteOut, auth=MEMBERS, summary="Vote (1 or -1)")
def vote(request, idea_id: int, payload: VoteIn):
    member = access.contributor(request)
    consume(member, "vote")
    _visible_idea(member, idea_id)
    try:
        return _vote(member, idea_id, payload.value)
    except VotingClosed as closed:
        return problem(409, str(closed))


@router.delete("/ideas/{int:idea_id}/vote", response=VoteOut, auth=MEMBERS, summary="Take your vote back")
def unvote(request, idea_id: int):
    member = access.contributor(request)
    consume(member, "vote")
    _visible_idea(member, idea_id)
    return _vote(member, idea_id, None)


def _follow(request, idea_id: int, following: bool):
    member = access.member(request, "write")
    idea = _visible_idea(member, idea_id)
    services.follow_set(member=member, idea=idea, following=following)
    return {"idea": idea.pk, "following": following}


@router.put("/ideas/{int:idea_id}/follow", response=FollowOut, auth=MEMBERS, summary="Follow an idea")
def follow(request, idea_id: int):
    return _follow(request, idea_id, True)


@router.delete("/ideas/{int:idea_id}/follow", response=FollowOut, auth=MEMBERS, summary="Stop following")
def unfollow(request, idea_id: int):
    return _follow(request, idea_id, False)


def comment_out(comment: Comment) -> dict:
    tombstone = getattr(comment, "tombstone", False)
    return {
        "id": comment.pk,
        "idea": comment.idea_id,
        "parent": comment.parent_id,
        "author": _author(comment.author) if not tombstone else {"id": 0, "name": ""},
        "body_html": "" if tombstone else comment.body_html,
        "is_official": comment.is_official,
        "pinned": comment.pinned_at is not None,
        "visibility": comment.visibility,
        "created_at": comment.created_at,
    }


@router.get(
    "/ideas/{int:idea_id}/comments", response=CommentPage, auth=ANYONE, summary="An idea's discussion"
)
def comment_list(request, idea_id: int, after: int | None = Query(None, ge=0, le=2**31 - 1)):
    member = access.member(request)
    idea = _visible_idea(member, idea_id)
    discussion = selectors.comment_page(idea=idea, user=member, after=after)
    return {
        "next_after": discussion.next_after,
        "results": [comment_out(c) for c in selectors.walk(discussion.threads)],
    }


@router.post(
    "/ideas/{int:idea_id}/comments", response={201: CommentOut}, auth=MEMBERS, summary="Comment on an idea"
)
def comment_create(request, idea_id: int, payload: CommentIn):
    member = access.contributor(request)
    consume(member, "comment")
    idea = _visible_idea(member, idea_id)
    form = CommentForm(
        {"body": payload.body, "parent": payload.parent or "", "official": payload.official}, idea=idea
    )
    if not form.is_valid():
        return form_problem(form)
    comment = services.comment_post(author=member, idea=idea, **form.cleaned_data)
    comment = Comment.objects.select_related("author").get(pk=comment.pk)
    return Status(201, comment_out(comment))


@router.post(
    "/ideas/{int:idea_id}/status",
    response=StatusOut,
    auth=MEMBERS,
    summary="Change an idea's status with a public note (R&D)",
)
def idea_status(request, idea_id: int, payload: StatusIn):
    member = access.staff(request, permissions.may_change_status, write=True)
    idea = Idea.objects.filter(pk=idea_id).first()
    if idea is None:
        raise Http404(_("No idea with that number."))
    form = StatusForm(payload.dict(), idea=idea)
    if not form.is_valid():
        return form_problem(form)
    with transaction.atomic():
        change = services.idea_set_status(idea=idea, changed_by=member, **form.cleaned_data)
    return {
        "idea": idea.pk,
        "status": change.to_status,
        "status_name": change.to_status_name,
        "note": change.note,
        "changed_at": change.created_at,
    }
