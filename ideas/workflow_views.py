"""Administrators define each product's status workflow (ideas.workflow) from the site."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from community import permissions
from community.access import staff_required
from products.models import Product

from . import workflow
from .models import WorkflowStatus
from .workflow_forms import WorkflowStatusAddForm, WorkflowStatusForm

administrator_required = staff_required(permissions.may_define_workflows)


@require_GET
@administrator_required
def workflow_list(request):
    return render(request, "ideas/workflow_list.html", {"rows": workflow.workflows_overview()})


def _page(request, product, *, add_form=None, bound=None, status=200):
    """The product's workflow: its statuses with their forms (`bound`: the one posted with errors)."""
    rows = list(
        WorkflowStatus.objects.filter(product=product)
        .annotate(in_use=Count("ideas"))
        .prefetch_related("next_statuses")
    )
    forms = [
        bound
        if bound is not None and bound.status.pk == row.pk
        else WorkflowStatusForm(status=row, siblings=rows)
        for row in rows
    ]
    return render(
        request,
        "ideas/workflow_detail.html",
        {
            "product": product,
            "own": bool(rows),
            "statuses": list(zip(rows, forms, strict=True)),
            "built_in": workflow.built_in_steps(),
            "add_form": add_form or WorkflowStatusAddForm(),
        },
        status=status,
    )


@require_GET
@administrator_required
def workflow_detail(request, product):
    return _page(request, get_object_or_404(Product, slug=product))


@require_POST
@administrator_required
def workflow_customise(request, product):
    product = get_object_or_404(Product, slug=product)
    try:
        workflow.workflow_customise(product=product, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(product)s has its own workflow now.") % {"product": product.name})
    return redirect("workflows:product", product=product.slug)


@require_POST
@administrator_required
def workflow_status_add(request, product):
    product = get_object_or_404(Product, slug=product)
    form = WorkflowStatusAddForm(request.POST)
    if form.is_valid():
        try:
            row = workflow.workflow_status_add(product=product, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("“%(name)s” added: choose which statuses lead to it and where it leads.")
                % {"name": row.name},
            )
            return redirect("workflows:product", product=product.slug)
    return _page(request, product, add_form=form, status=400)


def _status(product, pk) -> WorkflowStatus:
    return get_object_or_404(WorkflowStatus.objects.select_related("product"), pk=pk, product=product)


@require_POST
@administrator_required
def workflow_status_update(request, product, pk):
    product = get_object_or_404(Product, slug=product)
    row = _status(product, pk)
    form = WorkflowStatusForm(request.POST, status=row)
    if form.is_valid():
        try:
            workflow.workflow_status_update(status=row, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("“%(name)s” saved.") % {"name": form.cleaned_data["name"]})
            return redirect("workflows:product", product=product.slug)
    return _page(request, product, bound=form, status=400)


@require_POST
@administrator_required
def workflow_status_delete(request, product, pk):
    product = get_object_or_404(Product, slug=product)
    row = _status(product, pk)
    try:
        workflow.workflow_status_delete(status=row, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _page(request, product, status=400)
    messages.success(request, _("“%(name)s” deleted.") % {"name": row.name})
    return redirect("workflows:product", product=product.slug)
