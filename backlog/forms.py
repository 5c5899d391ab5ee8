from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cocreate.fields import IdField, ModelIdChoiceField, ModelIdMultipleChoiceField
from ideas.models import Idea
from products.models import Product

from .models import BacklogItem, CustomerRecord, PriorityWeights, ProxyDemand
from .selectors import OPEN_STATUSES, TRIAGE_SORTS, untriaged_ideas
from .services import EDITABLE_FIELDS


class TriageForm(forms.Form):
    """One bulk action on the checked ideas: the action is chosen first, then only its fields count.

    Each action has fields of its own (the page groups them in a fieldset per action), so a reason typed
    for declining never leaks into a merge. The older shared names (`reason`, and `product` for a new
    item) are still accepted from scripts and bookmarks.
    """

    # (value, label, shortcut key on the triage page)
    ACTIONS = [
        ("tag", pgettext_lazy("triage action", "Tag"), "1"),
        ("set_product", _("Set product"), "2"),
        ("link", _("Link to a backlog item"), "3"),
        ("create_item", _("New backlog item from the ideas"), "4"),
        ("duplicate", _("Mark as duplicates"), "5"),
        ("decline", _("Decline"), "6"),
    ]
    # Which fields belong to which action (the template's fieldsets, and what clean() checks).
    ACTION_FIELDS = {
        "tag": ["tags"],
        "set_product": ["product"],
        "link": ["backlog_item"],
        "create_item": ["title", "new_item_product"],
        "duplicate": ["duplicate_search", "duplicate_of", "duplicate_reason"],
        "decline": ["decline_reason"],
    }
    REQUIRED = {
        "tag": ("tags", _("Give at least one tag.")),
        "set_product": ("product", _("Choose a product.")),
        "link": ("backlog_item", _("Choose the backlog item to link to.")),
        "decline": ("decline_reason", _("Give a reason when declining: supporters read it.")),
        "duplicate": ("duplicate_reason", _("Say why they are duplicates; supporters will read it.")),
    }

    ideas = ModelIdMultipleChoiceField(
        queryset=untriaged_ideas(),
        error_messages={
            "required": _("Check at least one idea."),
            "invalid_choice": _("An idea you checked was triaged meanwhile; reload the queue."),
        },
    )
    action = forms.ChoiceField(
        label=_("Action"),
        choices=[(value, label) for value, label, _key in ACTIONS],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what to do with the checked ideas.")},
    )
    tags = forms.CharField(
        label=_("Tags"), required=False, max_length=200, help_text=_("Comma-separated; required.")
    )
    product = ModelIdChoiceField(label=_("Product"), queryset=Product.objects.all(), required=False)
    backlog_item = ModelIdChoiceField(
        label=_("Backlog item"),
        queryset=BacklogItem.objects.filter(status__in=OPEN_STATUSES).select_related("product"),
        required=False,
    )
    title = forms.CharField(
        label=_("Title of the new item"),
        required=False,
        max_length=140,
        help_text=_("Optional: the first checked idea's title."),
    )
    new_item_product = ModelIdChoiceField(
        label=_("Product of the new item"),
        queryset=Product.objects.all(),
        required=False,
        help_text=_("Optional: the first checked idea's product."),
    )
    duplicate_search = forms.CharField(
        label=_("Find the original idea"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    duplicate_of = IdField(
        required=False,
        min_value=1,
        label=_("Original idea number"),
        help_text=_("Chosen from the search, or typed."),
    )
    duplicate_reason = forms.CharField(
        label=_("Why they are duplicates"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required: supporters of the duplicates read it."),
    )
    decline_reason = forms.CharField(
        label=_("Reason for declining"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required: it becomes the public note supporters read."),
    )
    reason = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)  # older clients

    def clean(self):
        data = super().clean()
        action = data.get("action")
        legacy_reason = (data.get("reason") or "").strip()
        for name in ("decline_reason", "duplicate_reason"):
            data[name] = (data.get(name) or "").strip() or legacy_reason
        if action == "create_item" and not data.get("new_item_product"):
            data["new_item_product"] = data.get("product")
        needed = self.REQUIRED.get(action)
        if needed:
            value = data.get(needed[0])
            if value is None or (isinstance(value, str) and not value.strip()):
                self.add_error(needed[0], needed[1])
        if action == "duplicate":
            target = Idea.objects.listed().filter(pk=data.get("duplicate_of") or 0).first()
            if target is None:
                self.add_error(
                    "duplicate_of", _("Choose the original idea: search for it, or type its number.")
                )
            data["target"] = target
        if action == "tag":
            data["tag_list"] = [t.strip() for t in (data.get("tags") or "").split(",") if t.strip()]
            if not data["tag_list"] and "tags" not in self.errors:
                self.add_error("tags", _("Give at least one tag."))
        return data

    def action_groups(self):
        """(value, label, key, [(bound field, required)]) per action, for the page's fieldsets."""
        required = {field for field, _message in self.REQUIRED.values()} | {"duplicate_of"}
        return [
            (value, label, key, [(self[name], name in required) for name in self.ACTION_FIELDS[value]])
            for value, label, key in self.ACTIONS
        ]


class TriageFilterForm(forms.Form):
    sort = forms.ChoiceField(choices=[(s, s) for s in TRIAGE_SORTS], required=False)
    mine = forms.BooleanField(required=False)  # ?mine=1: only the ideas I own
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
        fields = list(EDITABLE_FIELDS)  # what backlog_item_update accepts, in order
        help_texts = {
            "is_public": _(
                "The public roadmap then shows the public title and summary, the item's status and its "
                "public ideas; nothing else of the item."
            ),
        }
        widgets = {"public_summary": forms.Textarea(attrs={"rows": 3})}


class BacklogFilterForm(forms.Form):
    mine = forms.BooleanField(label=_("Only mine"), required=False)  # ?mine=1: only the items I own
    product = forms.ModelChoiceField(queryset=Product.objects.all(), to_field_name="slug", required=False)
    status = forms.ChoiceField(choices=[("", _("Open"))] + list(BacklogItem.Status.choices), required=False)
    order = forms.ChoiceField(
        choices=[
            ("score", _("Priority score")),
            ("equity", _("Customer equity")),
            ("supporters", _("Supporters")),
            ("at_risk", _("Customer equity at risk")),
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


class ProxyDemandForm(forms.Form):
    """Record that a CRM customer asked for an idea (backlog.proxy.proxy_demand_record checks the rest)."""

    customer = ModelIdChoiceField(
        label=_("Customer"),
        queryset=CustomerRecord.objects.all(),
        widget=forms.HiddenInput,
        error_messages={
            "required": _("Find the customer first, then choose them from the results."),
            "invalid_choice": _("There is no such customer: search again and choose one from the results."),
        },
    )
    source = forms.ChoiceField(label=_("Where they asked"), choices=ProxyDemand.Source.choices)
    note = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("What the customer asked for, in their words if you have them. Staff only."),
    )
    link = forms.URLField(
        label=_("Link"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=_("The ticket, call notes or survey answer (https://…). Optional."),
    )


class ProxyWithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Why withdraw it?"), required=False, max_length=500)


class TransactionImportForm(forms.Form):
    """One step: the file and whether to only check it. The import is all or nothing, so importing
    straight away is safe; checking first shows what would happen."""

    file = forms.FileField(label=_("Transactions (CSV, UTF-8)"))
    check_only = forms.BooleanField(required=False, label=_("Only check the file (dry run)"))
