"""The ideas app's part of a member's page, data export and account deletion (community.member_data).
Ideas and comments stay when an account is deleted (shown as by "Former member"): no `erase`."""

from community.member_data import MemberData, iso

from .models import Comment, Idea, StatusChange
from .selectors import idea_rows


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
    }


MEMBER_DATA = MemberData(profile=profile, activity=activity, export=export)
