"""A small world for the public roadmap and release notes: public and private backlog items, ideas in
every roadmap status, a hidden idea, supporters, and internal data that must never show publicly."""

import xml.etree.ElementTree as ET
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from backlog.models import BacklogItem, CustomerRecord, TriageAction
from ideas.models import Idea, StatusChange
from ideas.services import follow_set, idea_set_visibility
from voting.services import vote_cast

from ..factories import MemberFactory, ProductFactory, make_idea

# Strings only internal pages may show: none of them may appear on a public page or feed.
SECRETS = [
    "INTERNAL item title",
    "TRIAGE-NOTE-SECRET",
    "DESCRIPTION-SECRET",
    "PRIVATE item",
    "HIDDEN idea",
    "98765",
]


ATOM = "{http://www.w3.org/2005/Atom}"


def parse_atom(content: bytes) -> list:
    """The entries of an Atom feed, checking that it is well-formed Atom."""
    root = ET.fromstring(content)  # noqa: S314  (the site's own feed, in a test)
    assert root.tag == f"{ATOM}feed"
    assert root.findtext(f"{ATOM}title") and root.findtext(f"{ATOM}id") and root.findtext(f"{ATOM}updated")
    return root.findall(f"{ATOM}entry")


def set_status(idea, status, *, days_ago=0):
    """Put an idea in a status as the workflow would have, with the timeline entry the feed dates."""
    Idea.objects.filter(pk=idea.pk).update(status=status)
    change = StatusChange.objects.create(
        idea=idea, from_status=idea.status, to_status=status, note="Moved", changed_by=idea.author
    )
    StatusChange.objects.filter(pk=change.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    idea.refresh_from_db()
    return idea


def build(creator):
    camera = ProductFactory(name="Camera", slug="camera")
    maps = ProductFactory(name="Maps", slug="maps")
    alice, bob, carol = MemberFactory(), MemberFactory(), MemberFactory()
    CustomerRecord.objects.create(
        member=alice, external_id="C-1", clv=Decimal("98765"), imported_at=timezone.now()
    )

    night = set_status(make_idea(title="Night mode for moving kids", product=camera), Idea.Status.IN_PROGRESS)
    night_too = set_status(make_idea(title="Less blur at night", product=camera), Idea.Status.IN_PROGRESS)
    hidden = set_status(make_idea(title="HIDDEN idea", product=camera), Idea.Status.IN_PROGRESS)
    planned = set_status(
        make_idea(title="Wi-Fi only map updates", product=maps), Idea.Status.PLANNED, days_ago=3
    )
    shipped = set_status(
        make_idea(title="Bigger shutter button", product=camera), Idea.Status.SHIPPED, days_ago=9
    )
    fresh = make_idea(title="A brand new idea", product=camera)  # new: on no roadmap
    under_private = set_status(make_idea(title="Raw photos", product=camera), Idea.Status.PLANNED)

    for member in (alice, bob):
        vote_cast(member=member, idea_id=night.pk)
    for member in (bob, carol):
        vote_cast(member=member, idea_id=night_too.pk)
    vote_cast(member=carol, idea_id=hidden.pk)
    vote_cast(member=alice, idea_id=planned.pk)
    follow_set(member=carol, idea=planned, following=True)
    idea_set_visibility(idea=hidden, visibility="hidden")

    public_item = BacklogItem.objects.create(
        product=camera,
        title="INTERNAL item title",
        description="DESCRIPTION-SECRET",
        status=BacklogItem.Status.IN_PROGRESS,
        is_public=True,
        public_title="Sharper night shots",
        public_summary="Night mode that keeps up with moving subjects.",
        created_by=creator,
    )
    public_item.ideas.add(night, night_too, hidden)
    private_item = BacklogItem.objects.create(
        product=camera, title="PRIVATE item", status=BacklogItem.Status.PLANNED, created_by=creator
    )
    private_item.ideas.add(under_private)
    TriageAction.objects.create(
        idea=night,
        actor=creator,
        kind=TriageAction.Kind.LINK,
        backlog_item=public_item,
        detail="TRIAGE-NOTE-SECRET",
    )
    return {
        "camera": camera,
        "maps": maps,
        "members": (alice, bob, carol),
        "night": Idea.objects.get(pk=night.pk),
        "night_too": Idea.objects.get(pk=night_too.pk),
        "hidden": hidden,
        "planned": Idea.objects.get(pk=planned.pk),
        "shipped": shipped,
        "fresh": fresh,
        "under_private": under_private,
        "public_item": public_item,
        "private_item": private_item,
    }


def roadmap_page(home, **fields):
    from cms.models import RoadmapPage

    page = RoadmapPage(title="Roadmap", slug="roadmap", live=False, **fields)
    home.add_child(instance=page)
    page.save_revision().publish()
    return RoadmapPage.objects.get(pk=page.pk)
