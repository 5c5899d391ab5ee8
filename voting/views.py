from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cocreate.http import json_error, wants_json
from community.access import contributor_required
from ideas.models import Idea
from moderation.limits import rate_limited

from .services import VoteTally, VotingClosed, vote_cast, vote_withdraw


def _respond(request, tally: VoteTally, message: str = "", status: int = 200):
    if wants_json(request):
        body = {
            "idea": tally.idea_id,
            "votes": tally.votes,
            "upvotes": tally.upvotes,
            "downvotes": tally.downvotes,
            "my_vote": tally.my_vote,
        }
        if message:
            body["error"] = message
        return JsonResponse(body, status=status)
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = f"/ideas/{tally.idea_id}/"
    return redirect(next_url)


def _vote(request, pk, action):
    try:
        if action == "withdraw":
            tally = vote_withdraw(member=request.user, idea_id=pk)
        else:
            value = request.POST.get("value", "1")
            if value not in {"1", "-1"}:
                return json_error(_("A vote is 1 or -1."), status=400)
            tally = vote_cast(member=request.user, idea_id=pk, value=int(value))
    except Idea.DoesNotExist:
        if not wants_json(request):
            raise Http404(_("No idea with that number.")) from None
        return json_error(_("No idea with that number."), status=404)
    except VotingClosed as closed:
        if not wants_json(request):
            messages.error(request, str(closed))
            return redirect(f"/ideas/{pk}/")
        return json_error(str(closed), status=409)
    return _respond(request, tally)


@require_POST
@contributor_required
@rate_limited("vote")
def vote(request, pk):
    return _vote(request, pk, "cast")


@require_POST
@contributor_required
@rate_limited("vote")
def unvote(request, pk):
    return _vote(request, pk, "withdraw")
