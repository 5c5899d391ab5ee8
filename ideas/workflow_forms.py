"""Forms of the administrators' workflow pages (/staff/workflows/, ideas.workflow_views)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import WorkflowStatus
from .workflow import STAGES


class WorkflowStatusAddForm(forms.Form):
    name = forms.CharField(label=_("Public name"), max_length=40)
    stage = forms.ChoiceField(
        label=_("Means"),
        choices=[c for c in WorkflowStatus._meta.get_field("stage").choices if c[0] in STAGES],
        help_text=_("What the status counts as on the roadmap, in releases and in filters."),
    )
    takes_votes = forms.BooleanField(label=_("Takes votes"), required=False, initial=True)
    takes_comments = forms.BooleanField(label=_("Takes comments"), required=False, initial=True)


class WorkflowStatusForm(forms.Form):
    """One status of a product's own workflow: its name, votes, comments and the statuses that may
    follow it (only other statuses of the same product)."""

    name = forms.CharField(label=_("Public name"), max_length=40)
    takes_votes = forms.BooleanField(label=_("Takes votes"), required=False)
    takes_comments = forms.BooleanField(label=_("Takes comments"), required=False)
    next_statuses = forms.ModelMultipleChoiceField(
        label=_("May become"),
        queryset=WorkflowStatus.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, status: WorkflowStatus, siblings=None, **kwargs):
        kwargs.setdefault("prefix", f"status-{status.pk}")
        super().__init__(*args, **kwargs)
        self.status = status
        queryset = WorkflowStatus.objects.filter(product_id=status.product_id).exclude(pk=status.pk)
        self.fields["next_statuses"].queryset = queryset
        if siblings is not None:  # already loaded by the page: no query per status to list the choices
            self.fields["next_statuses"].choices = [(s.pk, s.name) for s in siblings if s.pk != status.pk]
        if not self.is_bound:
            self.initial = {
                "name": status.name,
                "takes_votes": status.takes_votes,
                "takes_comments": status.takes_comments,
                "next_statuses": [n.pk for n in status.next_statuses.all()],
            }
