"""The vote endpoints: `POST /ideas/<id>/vote/` and `/unvote/`.

What a vote accepts, and nothing else (a bad body is refused, never counted as an up-vote):
  - a form (`application/x-www-form-urlencoded` or `multipart/form-data`, as the page's vote form and its
    script send) with `value=1` or `value=-1`, and optionally `next` (a path on this site);
  - JSON (`Content-Type: application/json`): `{"value": 1}` or `{"value": -1}`.
An unvote takes the same content types and needs no value. Answers: 400 for a missing or bad value or
malformed JSON, 415 for any other content type, 413 for a body over VOTE_MAX_BODY_BYTES, all with a JSON
body `{"error": …}`.
"""

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cocreate.http import BodyError, body_limit, json_error, read_json_object, safe_next, wants_json
from community.access import contributor_required
from community.limits import rate_limited
from ideas.models import Idea

from .services import VoteTally, VotingClosed, vote_cast, vote_withdraw

# `value=-1&next=<a long path>&csrfmiddlewaretoken=…` in multipart framing fits in well under this.
VOTE_MAX_BODY_BYTES = 4096
FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}
JSON_TYPE = "application/json"


def _value_of(request, *, needs_value: bool) -> int | None:
    """The vote in the body (1 or -1; None for an unvote), or BodyError saying why not."""
    content_type = request.content_type or ""
    if content_type == JSON_TYPE:
        data = read_json_object(request, VOTE_MAX_BODY_BYTES)
        value = data.get("value")
        if not needs_value and value is None:
            return None
        if type(value) is not int or value not in (1, -1):  # not True, 1.0 or "1": the documented ints
            raise BodyError(_('A vote is {"value": 1} or {"value": -1}.'), 400)
        return value
    if content_type not in FORM_TYPES:
        raise BodyError(_('Send a vote as a form (value=1 or -1) or as JSON {"value": 1 | -1}.'), 415)
    if not needs_value:
        return None
    values = request.POST.getlist("value")
    if len(values) != 1 or values[0] not in ("1", "-1"):
        raise BodyError(_("A vote is 1 or -1."), 400)
    return int(values[0])


def _respond(request, tally: VoteTally):
    if wants_json(request) or request.content_type == JSON_TYPE:
        return JsonResponse(
            {
                "idea": tally.idea_id,
                "votes": tally.votes,
                "upvotes": tally.upvotes,
                "downvotes": tally.downvotes,
                "my_vote": tally.my_vote,
            }
        )
    return HttpResponseRedirect(safe_next(request, f"/ideas/{tally.idea_id}/"))


def _vote(request, pk, action):
    try:
        value = _value_of(request, needs_value=action == "cast")
    except BodyError as refused:
        return json_error(refused.message, status=refused.status)
    try:
        if action == "withdraw":
            tally = vote_withdraw(member=request.user, idea_id=pk)
        else:
            tally = vote_cast(member=request.user, idea_id=pk, value=value)
    except Idea.DoesNotExist:
        if not wants_json(request):
            raise Http404(_("No idea with that number.")) from None
        return json_error(_("No idea with that number."), status=404)
    except VotingClosed as closed:
        if not wants_json(request):
            messages.error(request, str(closed))
            return HttpResponseRedirect(f"/ideas/{pk}/")
        return json_error(str(closed), status=409)
    return _respond(request, tally)


@body_limit(VOTE_MAX_BODY_BYTES)
@require_POST
@contributor_required
@rate_limited("vote")
def vote(request, pk):
    return _vote(request, pk, "cast")


@body_limit(VOTE_MAX_BODY_BYTES)
@require_POST
@contributor_required
@rate_limited("vote")
def unvote(request, pk):
    return _vote(request, pk, "withdraw")
