from django import forms
from django.utils.translation import gettext_lazy as _

from cocreate.fields import IdField, ModelIdChoiceField
from community.models import Segment
from ideas.models import campaign_model
from products.models import Product

from . import trust
from .models import AuditEntry, Kind, Reason, Sanction


class FlagForm(forms.Form):
    reason = forms.ChoiceField(label=_("What is wrong?"), choices=Reason.choices, widget=forms.RadioSelect)
    text = forms.CharField(
        label=_("Details (optional, required for “something else”)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# Ready-made reasons for a moderator's decision (the select beside each reason box); the label, in the
# moderator's language, becomes the start of the reason the member reads and the audit log keeps.
READY_REASONS = [
    ("spam", _("Spam or advertising")),
    ("off_topic", _("Off-topic for this community")),
    ("personal_data", _("Shares personal data")),
    ("abusive", _("Abusive or harassing")),
    ("duplicate", _("Duplicate of an existing idea")),
    ("fine", _("Checked: within the community guidelines")),
]


class ReasonForm(forms.Form):
    """A decision's one reason: a ready-made reason, your own words, or both ("Spam: links to a shop").

    `cleaned_data` holds only `reason`, the combined text, so the views pass it on to the services."""

    preset = forms.ChoiceField(
        label=_("Ready-made reason"), required=False, choices=[("", _("Choose…"))] + READY_REASONS
    )
    reason = forms.CharField(
        label=_("Reason (the member reads it)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        data = super().clean()
        preset = str(dict(READY_REASONS).get(data.pop("preset", "") or "", ""))
        text = (data.get("reason") or "").strip()
        data["reason"] = f"{preset}: {text}" if preset and text else preset or text
        if not data["reason"] and "reason" not in self.errors:
            self.add_error("reason", _("Give a reason: choose a ready-made one or write your own."))
        return data


class EditForm(ReasonForm):
    title = forms.CharField(label=_("Title"), max_length=140, required=False)
    body = forms.CharField(label=_("Text"), max_length=20000, widget=forms.Textarea(attrs={"rows": 8}))


class MergeForm(ReasonForm):
    target = IdField(label=_("Merge into idea number"), min_value=1)


class MoveForm(ReasonForm):
    product = ModelIdChoiceField(label=_("Product"), queryset=None, required=False)
    segment = ModelIdChoiceField(label=_("Segment"), queryset=None, required=False)
    campaign = ModelIdChoiceField(label=_("Campaign"), queryset=None, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.all()
        self.fields["segment"].queryset = Segment.objects.all()
        self.fields["campaign"].queryset = campaign_model().objects.all()


class SanctionForm(ReasonForm):
    type = forms.ChoiceField(label=_("Action"), choices=Sanction.Type.choices)
    days = forms.IntegerField(label=_("Days (suspensions)"), min_value=1, max_value=365, required=False)
    confirm_ban = forms.BooleanField(
        label=_("Yes, ban this member: they can no longer post, comment or vote until it is lifted."),
        required=False,
    )

    def clean(self):
        data = super().clean()
        if data.pop("confirm_ban", False) is False and data.get("type") == Sanction.Type.BAN:
            self.add_error("confirm_ban", _("Tick the box to confirm the ban."))
        return data


class AppealForm(forms.Form):
    text = forms.CharField(
        label=_("Why should the decision change?"), max_length=4000, widget=forms.Textarea(attrs={"rows": 5})
    )


class AppealDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("grant", _("Grant: undo the decision")), ("deny", _("Deny"))])
    note = forms.CharField(
        label=_("Note to the member"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class QueueFilterForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason"), choices=[("", _("Any"))] + list(Reason.choices), required=False
    )
    older_than = forms.ChoiceField(
        label=_("Waiting"), required=False,
        choices=[
            ("", _("Any time")), ("1h", _("over an hour")), ("1d", _("over a day")), ("7d", _("over a week")),
        ],
    )  # fmt: skip
    trust = forms.TypedChoiceField(
        label=_("Author trust"), required=False, coerce=int, empty_value=None,
        choices=[("", _("Any"))] + [(str(level), name) for level, name in trust.NAMES.items()],
    )  # fmt: skip
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("open", _("open")), ("closed", _("closed"))]
    )


class AuditFilterForm(forms.Form):
    q = forms.CharField(label=_("Search reasons, targets and members"), required=False, max_length=200)
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("Any"))] + list(AuditEntry.Action.choices)
    )
    kind = forms.ChoiceField(
        label=_("On"),
        required=False,
        choices=[("", _("Anything"))]
        + [(kind.value, kind.label) for kind in Kind if kind != Kind.MEMBER]
        + [(Kind.MEMBER.value, _("member (profile, standing, roles)")), ("vote_alert", _("votes"))],
    )
    actor = forms.CharField(label=_("By (name, or “system”)"), required=False, max_length=100)
    page = forms.IntegerField(required=False, min_value=1, max_value=10_000)
