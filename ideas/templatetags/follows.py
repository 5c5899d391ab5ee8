"""`{% follow_button thing %}`: the follow/unfollow form for a tag, product, campaign, segment or
prototype, as the member reading the page sees it (one query: do they follow it)."""

from django import template
from django.urls import reverse

from community import permissions

from ..models import TopicFollow

register = template.Library()


def follow_url(kind: str, pk: int) -> str:
    """Where the follow form of a `kind` posts (prototypes have their own view, in their app)."""
    if kind == "prototype":
        return reverse("prototypes:follow", kwargs={"pk": pk})
    return reverse(f"ideas:follow_{kind}", kwargs={"pk": pk})


def follow_button_context(request, target) -> dict:
    """The context of ideas/_follow_topic.html for this request's member; `{"shown": False}` when they
    may not follow it (anonymous visitors; segments for anyone but customer managers)."""
    user = request.user
    kind = TopicFollow.kind_of(target)
    if not user.is_authenticated:
        return {"shown": False}
    following = TopicFollow.objects.filter(member=user, **{kind: target}).exists()
    if kind == "segment" and not following and not permissions.may_follow_segment(user, target):
        return {"shown": False}
    return {
        "shown": True,
        "target": target,
        "kind": kind,
        "following": following,
        "action": follow_url(kind, target.pk),
        "next": request.get_full_path(),
    }


@register.inclusion_tag("ideas/_follow_topic.html", takes_context=True)
def follow_button(context, target):
    request = context["request"]
    return {**follow_button_context(request, target), "csrf_token": context.get("csrf_token")}
