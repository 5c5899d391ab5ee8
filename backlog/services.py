"""Every way triage, backlog items and the priority weights change. Each triage decision is logged."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community import permissions
from ideas.models import Idea
from ideas.services import idea_merge, idea_set_status, ideas_set_product
from products.models import Product
from search import indexing as search_indexing

from . import signals
from .models import BacklogItem, PriorityWeights, TriageAction


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("You may not do this."))


def _locked(ideas) -> list[Idea]:
    # Lock order as in voting and ideas services: idea rows first, by id.
    return list(Idea.objects.select_for_update().filter(pk__in=[i.pk for i in ideas]).order_by("pk"))


@transaction.atomic
def triage_tag(*, ideas, tags: list[str], actor) -> list[TriageAction]:
    """Add tags to ideas (existing tags stay)."""
    _require(permissions.may_triage(actor))
    tags = sorted({" ".join(t.split()) for t in tags if t.strip()})
    if not tags:
        raise ValidationError({"tags": _("Give at least one tag.")})
    actions = []
    for idea in _locked(ideas):
        idea.tags.add(*tags)
        actions.append(
            TriageAction(idea=idea, actor=actor, kind=TriageAction.Kind.TAG, detail=", ".join(tags))
        )
        search_indexing.idea_changed(idea.pk)
    return TriageAction.objects.bulk_create(actions)


@transaction.atomic
def triage_set_product(*, ideas, product: Product, actor) -> list[TriageAction]:
    _require(permissions.may_triage(actor))
    locked = _locked(ideas)
    ideas_set_product(idea_ids=[i.pk for i in locked], product=product)
    return TriageAction.objects.bulk_create(
        TriageAction(idea=idea, actor=actor, kind=TriageAction.Kind.SET_PRODUCT, product=product)
        for idea in locked
    )


def _link(ideas: list[Idea], item: BacklogItem, actor, kind: str) -> list[TriageAction]:
    item.ideas.add(*ideas)
    # An idea without a product belongs to its backlog item's product from now on.
    ideas_set_product(idea_ids=[i.pk for i in ideas], product=item.product, only_without_product=True)
    return TriageAction.objects.bulk_create(
        TriageAction(idea=idea, actor=actor, kind=kind, backlog_item=item, product=item.product)
        for idea in ideas
    )


@transaction.atomic
def triage_link(*, ideas, item: BacklogItem, actor) -> list[TriageAction]:
    """Link ideas to an existing backlog item: they leave the triage queue and add to its demand."""
    _require(permissions.may_triage(actor))
    return _link(_locked(ideas), item, actor, TriageAction.Kind.LINK)


@transaction.atomic
def backlog_item_create_from_ideas(
    *, ideas, actor, product: Product | None = None, title: str = ""
) -> BacklogItem:
    """Create a backlog item from the first idea (its title, its product unless one is given), linking all."""
    _require(permissions.may_triage(actor))
    locked = _locked(ideas)
    if not locked:
        raise ValidationError(_("Choose at least one idea."))
    first = min(locked, key=lambda i: [x.pk for x in ideas].index(i.pk))
    product = product or first.product
    if product is None:
        raise ValidationError({"product": _("Choose a product for the new backlog item.")})
    item = BacklogItem(
        product=product,
        title=" ".join((title or first.title).split())[:140],
        description=_("From idea #%(id)d: %(url)s") % {"id": first.pk, "url": first.get_absolute_url()},
        created_by=actor,
    )
    item.full_clean()
    item.save()
    _link(locked, item, actor, TriageAction.Kind.CREATE_ITEM)
    signals.backlog_item_created.send(sender=BacklogItem, item_id=item.pk)
    return item


@transaction.atomic
def triage_decline(*, ideas, reason: str, actor) -> list[TriageAction]:
    """Decline ideas with a reason, which becomes the public note of the status change."""
    _require(permissions.may_triage(actor))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason when declining.")})
    actions = []
    for idea in _locked(ideas):
        idea_set_status(idea=idea, changed_by=actor, status=Idea.Status.DECLINED, note=reason)
        actions.append(TriageAction(idea=idea, actor=actor, kind=TriageAction.Kind.DECLINE, detail=reason))
    return TriageAction.objects.bulk_create(actions)


@transaction.atomic
def triage_mark_duplicate(*, ideas, target: Idea, note: str, actor) -> list[TriageAction]:
    """Merge each idea into `target` through the ideas app's merge (votes, comments and followers move)."""
    _require(permissions.may_triage(actor))
    if any(idea.pk == target.pk for idea in ideas):
        raise ValidationError({"duplicate_of": _("An idea cannot be a duplicate of itself.")})
    actions = []
    for idea in ideas:
        idea_merge(source=idea, target=target, merged_by=actor, note=note)
        actions.append(
            TriageAction(
                idea=idea, actor=actor, kind=TriageAction.Kind.DUPLICATE, duplicate_of=target, detail=note
            )
        )
    return TriageAction.objects.bulk_create(actions)


# In the order the item form shows them (backlog.forms.BacklogItemForm).
EDITABLE_FIELDS = (
    "product",
    "title",
    "description",
    "status",
    "effort_estimate",
    "impact",
    "confidence",
    "target_release",
    # What the public roadmap shows of the item (cms.RoadmapPage through selectors.roadmap_items).
    "is_public",
    "public_title",
    "public_summary",
    # The GitHub or Jira issue that tracks the work: closing it ships the item (webhooks.issues).
    "issue_url",
)


@transaction.atomic
def backlog_item_update(*, item: BacklogItem, editor, **fields) -> BacklogItem:
    """Change a backlog item's title, description, status, estimates or target release, and whether and
    how it shows on the public roadmap (is_public, public_title, public_summary). A new status dates
    the item's move (status_changed_at: its entry in the roadmap feed)."""
    _require(permissions.may_manage_backlog(editor))
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"cannot set {sorted(unknown)}")
    update_fields = [*fields, "updated_at"]
    if "status" in fields and fields["status"] != item.status:
        item.status_changed_at = timezone.now()
        update_fields.append("status_changed_at")
    if "issue_url" in fields and fields["issue_url"] != item.issue_url:
        # Who linked the tracker's issue: the inbound webhooks act as them (webhooks.issues).
        item.issue_linked_by = editor if fields["issue_url"] else None
        update_fields.append("issue_linked_by")
    changed = sorted(name for name, value in fields.items() if getattr(item, name) != value)
    for name, value in fields.items():
        setattr(item, name, value)
    item.full_clean()
    item.save(update_fields=update_fields)
    if changed:
        signals.backlog_item_updated.send(sender=BacklogItem, item_id=item.pk, changed=changed)
    return item


def backlog_item_set_owner(*, item: BacklogItem, owner, by) -> BacklogItem:
    """Make `owner` (an R&D member or administrator, or None for nobody) look after the item. Internal:
    no webhook event (the owner is not part of an item's public or tracker-facing data)."""
    _require(permissions.may_manage_backlog(by))
    if owner is not None and not permissions.may_own_work(owner):
        raise ValidationError({"owner": _("An owner must be an R&D member or an administrator.")})
    item.owner = owner
    item.save(update_fields=["owner", "updated_at"])
    return item


@transaction.atomic
def backlog_item_set_public(
    *, item: BacklogItem, editor, is_public: bool, public_title: str = "", public_summary: str = ""
) -> BacklogItem:
    """Show a backlog item on the public roadmap under a public title and summary, or take it off."""
    return backlog_item_update(
        item=item,
        editor=editor,
        is_public=is_public,
        public_title=public_title,
        public_summary=(public_summary or "").strip(),
    )


@transaction.atomic
def backlog_item_create(*, creator, **fields) -> BacklogItem:
    _require(permissions.may_manage_backlog(creator))
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"cannot set {sorted(unknown)}")
    item = BacklogItem(created_by=creator, **fields)
    if item.issue_url:
        item.issue_linked_by = creator
    item.full_clean()
    item.save()
    signals.backlog_item_created.send(sender=BacklogItem, item_id=item.pk)
    return item


@transaction.atomic
def priority_weights_update(*, updated_by, **weights) -> PriorityWeights:
    """Set the priority score's weights (R&D and administrators)."""
    _require(permissions.may_manage_backlog(updated_by))
    row = PriorityWeights.load()
    row = PriorityWeights.objects.select_for_update().get(pk=row.pk)
    for name, value in weights.items():
        setattr(row, name, value)
    row.updated_by = updated_by
    row.full_clean()
    row.save(update_fields=[*weights, "updated_by", "updated_at"])
    return row


@transaction.atomic
def backlog_items_ship(*, item_ids, editor) -> list[BacklogItem]:
    """Mark these backlog items shipped (a release shipped them); dropped and shipped ones stay as they are.

    Locking: the items' rows, lowest id first.
    """
    _require(permissions.may_manage_backlog(editor))
    items = BacklogItem.objects.select_for_update().filter(pk__in=list(item_ids)).order_by("pk")
    shipped = []
    for item in items:
        if item.status in (BacklogItem.Status.SHIPPED, BacklogItem.Status.DROPPED):
            continue
        shipped.append(backlog_item_update(item=item, editor=editor, status=BacklogItem.Status.SHIPPED))
    return shipped
