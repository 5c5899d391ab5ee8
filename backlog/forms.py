from django import forms
from django.utils.translation import gettext_lazy as _

from cocreate.fields import IdField, ModelIdChoiceField, ModelIdMultipleChoiceField
from ideas.models import Idea
from products.models import Product

from .models import BacklogItem, PriorityWeights
from .selectors import OPEN_STATUSES, TRIAGE_SORTS, untriaged_ideas


class TriageForm(forms.Form):
    """One bulk action on the checked ideas; each action is a submit button with an access key."""

    ACTIONS = [
        ("tag", _("Tag"), "t"),
        ("set_product", _("Set product"), "p"),
        ("link", _("Link to item"), "l"),
        ("create_item", _("New item from idea"), "n"),
        ("duplicate", _("Mark duplicate"), "d"),
        ("decline", _("Decline"), "x"),
    ]

    ideas = ModelIdMultipleChoiceField(
        queryset=untriaged_ideas(),
        error_messages={
            "required": _("Check at least one idea."),
            "invalid_choice": _("An idea you checked was triaged meanwhile; reload the queue."),
        },
    )
    action = forms.ChoiceField(choices=[(value, label) for value, label, _key in ACTIONS])
    tags = forms.CharField(required=False, max_length=200, help_text=_("Comma-separated."))
    product = ModelIdChoiceField(queryset=Product.objects.all(), required=False)
    backlog_item = ModelIdChoiceField(
        queryset=BacklogItem.objects.filter(status__in=OPEN_STATUSES).select_related("product"),
        required=False,
    )
    title = forms.CharField(required=False, max_length=140)
    duplicate_of = IdField(required=False, min_value=1, label=_("Duplicate of idea #"))
    reason = forms.CharField(required=False, max_length=2000)

    def clean(self):
        data = super().clean()
        action = data.get("action")
        needed = {
            "tag": ("tags", _("Give at least one tag.")),
            "set_product": ("product", _("Choose a product.")),
            "link": ("backlog_item", _("Choose the backlog item to link to.")),
            "decline": ("reason", _("Give a reason when declining.")),
            "duplicate": ("reason", _("Say why they are duplicates; supporters will read it.")),
        }.get(action)
        if needed:
            value = data.get(needed[0])
            if value is None or (isinstance(value, str) and not value.strip()):
                self.add_error(needed[0], needed[1])
        if action == "duplicate":
            target = Idea.objects.listed().filter(pk=data.get("duplicate_of") or 0).first()
            if target is None:
                self.add_error("duplicate_of", _("Give the number of the idea they duplicate."))
            data["target"] = target
        if action == "tag":
            data["tag_list"] = [t.strip() for t in (data.get("tags") or "").split(",") if t.strip()]
            if not data["tag_list"] and "tags" not in self.errors:
                self.add_error("tags", _("Give at least one tag."))
        return data


class TriageFilterForm(forms.Form):
    sort = forms.ChoiceField(choices=[(s, s) for s in TRIAGE_SORTS], required=False)
    page = forms.IntegerField(min_value=1, max_value=10_000, required=False)


class PriorityWeightsForm(forms.ModelForm):
    class Meta:
        model = PriorityWeights
        fields = ["reach_basis", "reach_weight", "impact_weight", "confidence_weight", "effort_weight"]


class BacklogItemForm(forms.ModelForm):
    issue_url = forms.URLField(
        label=_("Issue"),
        max_length=300,
        required=False,
        assume_scheme="https",
        help_text=_(
            "A GitHub issue (https://github.com/owner/repo/issues/12) or a Jira issue (…/browse/KEY-12)."
        ),
    )

    class Meta:
        model = BacklogItem
        fields = [
            "product",
            "title",
            "description",
            "status",
            "effort_estimate",
            "impact",
            "confidence",
            "target_release",
            "is_public",
            "public_title",
            "public_summary",
            "issue_url",
        ]
        help_texts = {
            "is_public": _(
                "The public roadmap then shows the public title and summary, the item's status and its "
                "public ideas; nothing else of the item."
            ),
        }
        widgets = {"public_summary": forms.Textarea(attrs={"rows": 3})}


class BacklogFilterForm(forms.Form):
    product = forms.ModelChoiceField(queryset=Product.objects.all(), to_field_name="slug", required=False)
    status = forms.ChoiceField(choices=[("", _("Open"))] + list(BacklogItem.Status.choices), required=False)
    order = forms.ChoiceField(
        choices=[
            ("score", _("Priority score")),
            ("equity", _("Customer equity")),
            ("supporters", _("Supporters")),
        ],
        required=False,
    )


class CustomerImportForm(forms.Form):
    """Step 1 uploads the file (a dry run); step 2 confirms the same text, validated again."""

    file = forms.FileField(required=False, label=_("CRM export (CSV, UTF-8)"))
    csv_text = forms.CharField(required=False, widget=forms.HiddenInput)
    source = forms.CharField(required=False, widget=forms.HiddenInput, max_length=200)
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if not data.get("file") and not data.get("csv_text"):
            raise forms.ValidationError(_("Choose a CSV file."))
        return data
