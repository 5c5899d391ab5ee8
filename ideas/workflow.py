"""Each product's status workflow: the built-in one, or the product's own (WorkflowStatus rows).

The built-in workflow lives in code (Idea.Status, TRANSITIONS below, the vote rule Idea.takes_votes) and
is what every product uses until an administrator customises it (/staff/workflows/). Customising copies
it into rows that the administrator then renames, extends (a "Needs more information" step), rewires and
opens or closes to votes and comments. Keeping the default in code rather than in rows made by a data
migration means nothing has to be migrated or kept in step: every existing idea is in a built-in status,
ideas without a product have a workflow too, and a new product needs no set-up.

Each custom status has a `stage`, one of the built-in statuses; the idea's `status` column always holds
the stage and `workflow_status` the row. So lists, filters, search, the roadmap's columns, releases and
triage keep reading stages, and only the public name, the transitions and the vote and comment settings
come from the product. Invariants kept here: a custom workflow has at least one status per stage (so a
release can always ship, triage decline, an idea moved in find a status), and an idea's workflow status
belongs to its product and has the idea's stage.

Locking: every change to a product's workflow locks the product row first, so two administrators'
edits (and the "last status of its stage" and "in use" checks) happen one after the other.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.db.models.functions import Lower
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from community import permissions
from community.conduct import conduct
from products.models import Product

from .models import Idea, Visibility, WorkflowStatus

# The built-in workflow: which status may follow which. "merged" is reached only through idea_merge.
TRANSITIONS = {
    Idea.Status.NEW: {Idea.Status.UNDER_REVIEW, Idea.Status.PLANNED, Idea.Status.DECLINED},
    Idea.Status.UNDER_REVIEW: {Idea.Status.NEW, Idea.Status.PLANNED, Idea.Status.DECLINED},
    Idea.Status.PLANNED: {Idea.Status.UNDER_REVIEW, Idea.Status.IN_PROGRESS, Idea.Status.DECLINED},
    Idea.Status.IN_PROGRESS: {Idea.Status.PLANNED, Idea.Status.SHIPPED},
    Idea.Status.SHIPPED: {Idea.Status.IN_PROGRESS},
    Idea.Status.DECLINED: {Idea.Status.UNDER_REVIEW},
    Idea.Status.MERGED: set(),
}
STAGES = [value for value in Idea.Status.values if value != Idea.Status.MERGED]
MAX_STATUSES = 30  # per product: a workflow, not a tag cloud


@dataclass(frozen=True)
class Step:
    """One status of a workflow as the pages, the API and the services read it."""

    key: str
    name: str
    stage: str
    takes_votes: bool
    takes_comments: bool
    next_keys: frozenset
    row: WorkflowStatus | None = None  # None in the built-in workflow


def built_in_steps() -> list[Step]:
    return [
        Step(
            key=stage,
            name=str(Idea.Status(stage).label),
            stage=stage,
            takes_votes=Idea.takes_votes(status=stage, visibility=Visibility.PUBLIC),
            takes_comments=True,
            next_keys=frozenset(str(s) for s in TRANSITIONS[stage]),
        )
        for stage in STAGES
    ]


def _step(row: WorkflowStatus) -> Step:
    return Step(
        key=row.key,
        name=row.name,
        stage=row.stage,
        takes_votes=row.takes_votes,
        takes_comments=row.takes_comments,
        next_keys=frozenset(n.key for n in row.next_statuses.all()),
        row=row,
    )


def steps_of(product_id: int | None) -> list[Step]:
    """The statuses of a product's workflow in their order (two queries for a custom one)."""
    if product_id is None:
        return built_in_steps()
    rows = list(WorkflowStatus.objects.filter(product_id=product_id).prefetch_related("next_statuses"))
    return [_step(row) for row in rows] if rows else built_in_steps()


def current_step(idea: Idea, steps: list[Step]) -> Step | None:
    """The idea's status among `steps` (None for a merged idea, which has left every workflow)."""
    if idea.status == Idea.Status.MERGED:
        return None
    if idea.workflow_status_id:
        for step in steps:
            if step.row is not None and step.row.pk == idea.workflow_status_id:
                return step
    return resolve(steps, idea.status)


def resolve(steps: list[Step], key: str, *, after: Step | None = None) -> Step | None:
    """The step named `key`, or else, when `key` is a stage, the first step of that stage (one that may
    follow `after` first): services that speak in stages (triage declines, releases ship) work in
    every workflow."""
    for step in steps:
        if step.key == key:
            return step
    of_stage = [step for step in steps if step.stage == key]
    if after is not None:
        allowed = [step for step in of_stage if step.key in after.next_keys]
        if allowed:
            return allowed[0]
    return of_stage[0] if of_stage else None


def stage_names(product_id: int, stages) -> dict[str, list[str]]:
    """The public names of a product's own statuses of each of `stages` (empty lists in the built-in
    workflow), for pages that show stages, such as the roadmap's columns. One query."""
    names: dict[str, list[str]] = {stage: [] for stage in stages}
    rows = WorkflowStatus.objects.filter(product_id=product_id, stage__in=list(stages)).order_by(
        "position", "id"
    )
    for stage, name in rows.values_list("stage", "name"):
        names[stage].append(name)
    return names


def first_of_stage(product_id: int | None, stage: str) -> WorkflowStatus | None:
    """The row an idea of `product_id` in `stage` takes (None in the built-in workflow)."""
    if product_id is None or stage == Idea.Status.MERGED:
        return None
    return (
        WorkflowStatus.objects.filter(product_id=product_id, stage=stage).order_by("position", "id").first()
    )


def ideas_follow_workflow(idea_ids) -> None:
    """After ideas changed product or stage outside idea_set_status (moves, releases, merges): give each
    the first status of its stage in its product's workflow, unless the one it has fits already.
    Locking: the caller holds the ideas' row locks."""
    ideas = Idea.objects.filter(pk__in=list(idea_ids)).select_related("workflow_status")
    firsts: dict[tuple, WorkflowStatus | None] = {}
    for idea in ideas.only("id", "status", "product_id", "workflow_status"):
        current = idea.workflow_status
        if current is not None and current.product_id == idea.product_id and current.stage == idea.status:
            continue
        key = (idea.product_id, idea.status)
        if key not in firsts:
            firsts[key] = first_of_stage(idea.product_id, idea.status)
        wanted = firsts[key]
        if (wanted.pk if wanted else None) != idea.workflow_status_id:
            Idea.objects.filter(pk=idea.pk).update(workflow_status=wanted)


# Administrators define the workflow --------------------------------------------------------------


def _check(by) -> None:
    if not permissions.may_define_workflows(by):
        raise PermissionDenied(_("Only administrators define workflows."))


def _lock(product: Product) -> Product:
    return Product.objects.select_for_update().get(pk=product.pk)


def _audit(*, by, product: Product, reason: str, before=None, after=None) -> None:
    conduct().audit_record(
        actor=by,
        action="workflow",
        kind="product",
        object_id=product.pk,
        target_label=product.name,
        reason=reason,
        before=before,
        after=after,
    )


def _definition(row: WorkflowStatus) -> dict:
    return {
        "workflow_status": row.name,
        "stage": row.stage,
        "takes_votes": row.takes_votes,
        "takes_comments": row.takes_comments,
        "may_become": ", ".join(sorted(n.name for n in row.next_statuses.all())),
    }


def _clean_name(product: Product, name: str, *, exclude_pk=None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("Give the status a public name.")})
    if len(name) > WorkflowStatus._meta.get_field("name").max_length:
        raise ValidationError({"name": _("Keep the name under 40 characters.")})
    taken = (
        WorkflowStatus.objects.annotate(lower=Lower("name"))
        .filter(product=product, lower=name.lower())
        .exclude(pk=exclude_pk)
    )
    if taken.exists():
        raise ValidationError(
            {"name": _("This workflow already has a status called “%(name)s”.") % {"name": name}}
        )
    return name


@transaction.atomic
def workflow_customise(*, product: Product, by) -> list[WorkflowStatus]:
    """Give `product` its own workflow: a copy of the built-in one (names, transitions, votes), which
    administrators then change. The product's ideas move to the copies of their statuses (merged ones
    stay outside any workflow), so nothing they show or allow changes until an administrator edits it."""
    _check(by)
    product = _lock(product)
    if WorkflowStatus.objects.filter(product=product).exists():
        raise ValidationError(_("This product has its own workflow already."))
    rows = {
        step.key: WorkflowStatus.objects.create(
            product=product,
            key=step.key,
            name=step.name,
            stage=step.stage,
            takes_votes=step.takes_votes,
            takes_comments=step.takes_comments,
            position=position,
        )
        for position, step in enumerate(built_in_steps())
    }
    for step in built_in_steps():
        rows[step.key].next_statuses.set([rows[key] for key in sorted(step.next_keys)])
    for stage, row in rows.items():
        Idea.objects.filter(product=product, status=stage).update(workflow_status=row)
    _audit(by=by, product=product, reason=_("Own workflow, copied from the built-in one."))
    return list(rows.values())


@transaction.atomic
def workflow_status_add(
    *, product: Product, by, name: str, stage: str, takes_votes: bool = True, takes_comments: bool = True
) -> WorkflowStatus:
    """Add a status to a product's own workflow (at the end; no transitions yet: choose them next)."""
    _check(by)
    product = _lock(product)
    if not WorkflowStatus.objects.filter(product=product).exists():
        raise ValidationError(_("Customise the workflow first: this product uses the built-in one."))
    if stage not in STAGES:
        raise ValidationError({"stage": _("Choose what the status means.")})
    count = WorkflowStatus.objects.filter(product=product).count()
    if count >= MAX_STATUSES:
        raise ValidationError(_("A workflow has at most %(n)d statuses.") % {"n": MAX_STATUSES})
    name = _clean_name(product, name)
    base = slugify(name)[:20].strip("-") or "status"
    key, n = base, 2
    while WorkflowStatus.objects.filter(product=product, key=key).exists():
        key, n = f"{base[:16]}-{n}", n + 1
    row = WorkflowStatus.objects.create(
        product=product,
        key=key,
        name=name,
        stage=stage,
        takes_votes=takes_votes,
        takes_comments=takes_comments,
        position=count,
    )
    _audit(by=by, product=product, reason=_("Status added."), after=_definition(row))
    return row


@transaction.atomic
def workflow_status_update(
    *, status: WorkflowStatus, by, name: str, takes_votes: bool, takes_comments: bool, next_statuses
) -> WorkflowStatus:
    """Rename a status, open or close it to votes and comments, and choose which statuses may follow it
    (statuses of the same product, never itself). Ideas in it follow at once: the vote rule and the
    comment form read the row."""
    _check(by)
    product = _lock(status.product)
    status = WorkflowStatus.objects.get(pk=status.pk)
    next_statuses = list(next_statuses)
    if any(n.product_id != product.pk or n.pk == status.pk for n in next_statuses):
        raise ValidationError({"next_statuses": _("Choose other statuses of the same workflow.")})
    before = _definition(status)
    status.name = _clean_name(product, name, exclude_pk=status.pk)
    status.takes_votes, status.takes_comments = takes_votes, takes_comments
    status.save(update_fields=["name", "takes_votes", "takes_comments"])
    status.next_statuses.set(next_statuses)
    after = _definition(status)
    changed = {k for k in after if before[k] != after[k]}
    if changed:
        _audit(
            by=by,
            product=product,
            reason=_("Status “%(name)s” changed.") % {"name": status.name},
            before={k: before[k] for k in before if k in changed or k == "workflow_status"},
            after={k: after[k] for k in after if k in changed or k == "workflow_status"},
        )
    return status


@transaction.atomic
def workflow_status_delete(*, status: WorkflowStatus, by) -> None:
    """Delete a status nobody is in. Refused, with the count, while ideas are in it (move them first),
    and for the last status of its stage. The timeline keeps the names statuses had (StatusChange)."""
    _check(by)
    product = _lock(status.product)
    status = WorkflowStatus.objects.annotate(n=Count("ideas")).get(pk=status.pk)
    if status.n:
        raise ValidationError(
            ngettext(
                "“%(name)s” cannot be deleted: %(n)d idea is in it. Move it to another status first.",
                "“%(name)s” cannot be deleted: %(n)d ideas are in it. Move them to another status first.",
                status.n,
            )
            % {"name": status.name, "n": status.n}
        )
    if not WorkflowStatus.objects.filter(product=product, stage=status.stage).exclude(pk=status.pk).exists():
        raise ValidationError(
            _("“%(name)s” is the last status meaning “%(stage)s”: keep one, releases and triage need it.")
            % {"name": status.name, "stage": status.get_stage_display()}
        )
    before = _definition(status)
    status.delete()
    _audit(by=by, product=product, reason=_("Status deleted."), before=before)


def workflows_overview() -> list[dict]:
    """Every product with whether it has its own workflow and how many statuses (one query)."""
    products = Product.objects.annotate(statuses=Count("workflow_statuses")).order_by("name")
    return [{"product": p, "own": p.statuses > 0, "statuses": p.statuses} for p in products]
