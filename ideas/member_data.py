"""The ideas app's part of a member's page, data export and account deletion (community.member_data).
Ideas and comments stay when an account is deleted (shown as by "Former member"): no `erase`."""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from community.member_data import Followed, FollowGroup, MemberData, iso

from .models import FOLLOW_TARGETS, Comment, Follow, Idea, StatusChange, TopicFollow
from .selectors import idea_rows
from .templatetags.follows import follow_url


def profile(viewer, member) -> dict:
    return {
        "ideas": idea_rows(
            Idea.objects.visible_to(viewer).filter(author=member).order_by("-created_at")[:20], user=viewer
        )
    }


def activity(member) -> dict[str, int]:
    return {
        "ideas": Idea.objects.filter(author=member, visibility="public").count(),
        "comments": Comment.objects.filter(author=member, visibility="public").count(),
    }


def export(member) -> dict[str, list]:
    return {
        "ideas": [
            {
                "id": i.pk,
                "title": i.title,
                "body": i.body,
                "status": i.status,
                "visibility": i.visibility,
                "tags": sorted(t.name for t in i.tags.all()),
                "created_at": iso(i.created_at),
                "updated_at": iso(i.updated_at),
            }
            for i in Idea.objects.filter(author=member).prefetch_related("tags").order_by("pk")
        ],
        "comments": [
            {
                "id": c.pk,
                "idea": c.idea_id,
                "parent": c.parent_id,
                "body": c.body,
                "visibility": c.visibility,
                "created_at": iso(c.created_at),
            }
            for c in Comment.objects.filter(author=member).order_by("pk")
        ],
        "status_changes": [
            {
                "idea": s.idea_id,
                "from": s.from_status,
                "to": s.to_status,
                "note": s.note,
                "created_at": iso(s.created_at),
            }
            for s in StatusChange.objects.filter(changed_by=member).order_by("pk")
        ],
        "follows": [
            {"idea": f.idea_id, "since": iso(f.created_at)}
            for f in Follow.objects.filter(member=member).order_by("pk")
        ],
        "topic_follows": [
            {"kind": f.kind, "name": str(f.target), "since": iso(f.created_at)}
            for f in TopicFollow.objects.filter(member=member).select_related(*FOLLOW_TARGETS).order_by("pk")
        ],
    }


def erase(member) -> None:
    """What a member follows goes with the account (their ideas and comments stay, by "Former member")."""
    Follow.objects.filter(member=member).delete()
    TopicFollow.objects.filter(member=member).delete()


def _topic_url(kind: str, target) -> str:
    list_url = reverse("ideas:list")
    if kind in ("tag", "product"):  # their page is the idea list filtered by them
        return f"{list_url}?{urlencode({kind: target.slug})}"
    if kind == "segment":
        return reverse("backlog:segment", kwargs={"slug": target.slug})
    if kind == "campaign":
        return target.url or list_url
    return target.get_absolute_url()


def follows(member) -> list[FollowGroup]:
    """Everything the member follows, grouped by kind, in two queries."""
    labels = {
        "tag": _("Tags"),
        "product": _("Products"),
        "campaign": _("Campaigns"),
        "segment": _("Segments"),
        "prototype": _("Prototypes"),
    }
    ideas = [
        Followed(
            name=f.idea.title,
            url=f.idea.get_absolute_url(),
            unfollow_url=reverse("ideas:follow", kwargs={"pk": f.idea_id}),
        )
        for f in Follow.objects.filter(member=member).select_related("idea").order_by("idea__title")
    ]
    grouped: dict[str, list[Followed]] = {kind: [] for kind in FOLLOW_TARGETS}
    for f in TopicFollow.objects.filter(member=member).select_related(*FOLLOW_TARGETS).order_by("pk"):
        target = f.target
        grouped[f.kind].append(
            Followed(
                name=str(target), url=_topic_url(f.kind, target), unfollow_url=follow_url(f.kind, target.pk)
            )
        )
    groups = [FollowGroup(label=_("Ideas"), entries=ideas)] if ideas else []
    groups += [
        FollowGroup(label=labels[kind], entries=sorted(entries, key=lambda e: e.name.lower()))
        for kind, entries in grouped.items()
        if entries
    ]
    return groups


MEMBER_DATA = MemberData(profile=profile, activity=activity, export=export, erase=erase, follows=follows)
