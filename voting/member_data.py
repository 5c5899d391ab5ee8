"""The voting app's part of a member's page, data export and account deletion (community.member_data)."""

from django.db.models import Count, F, Q

from community.member_data import MemberData, iso
from ideas.models import Idea

from .models import Vote


def activity(member) -> dict[str, int]:
    return {"votes": Vote.objects.filter(member=member).count()}


def export(member) -> dict[str, list]:
    return {
        "votes": [
            {
                "idea": v.idea_id,
                "idea_title": v.idea.title,
                "value": v.value,
                "created_at": iso(v.created_at),
            }
            for v in Vote.objects.filter(member=member).select_related("idea").order_by("pk")
        ]
    }


def erase(member) -> None:
    """Votes are removed as rows but kept as anonymous counts on each idea, so no total changes."""
    retired = (
        Vote.objects.counted()
        .filter(member=member)
        .values("idea_id")
        .annotate(up=Count("pk", filter=Q(value=1)), down=Count("pk", filter=Q(value=-1)))
    )
    for row in retired:
        # Lock order as in voting.services: the idea row first, then its votes.
        Idea.objects.select_for_update().filter(pk=row["idea_id"]).update(
            retired_upvotes=F("retired_upvotes") + row["up"],
            retired_downvotes=F("retired_downvotes") + row["down"],
        )
    Vote.objects.filter(member=member).delete()


MEMBER_DATA = MemberData(activity=activity, export=export, erase=erase)
