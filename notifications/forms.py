from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .models import Cadence, Notification

# The order members read the kinds in, with what each one means to them.
KIND_HELP = {
    Notification.Kind.STATUS_CHANGED: _("An idea you support or follow changes status."),
    Notification.Kind.MERGED: _("An idea you support is merged into another."),
    Notification.Kind.RELEASE: _("An idea you support or follow ships in a release."),
    Notification.Kind.OFFICIAL_RESPONSE: _("The team answers officially on an idea you support."),
    Notification.Kind.REPLY: _("Someone replies to you."),
    Notification.Kind.MENTION: _("Someone mentions you."),
    Notification.Kind.NEW_IDEA: _("A new idea in something you follow."),
    Notification.Kind.NEW_PROTOTYPE: _("A new prototype in something you follow."),
    Notification.Kind.MODERATION: _("A moderator acts on your posts or account."),
    Notification.Kind.WEBHOOK: _("A webhook endpoint you own is disabled after failing again and again."),
}


class EmailPreferencesForm(forms.Form):
    consent = forms.BooleanField(
        label=_("Send me email at all"),
        required=False,
        help_text=_("Off: no email about notifications, whatever is chosen below."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in [*KIND_HELP, *(k for k in Notification.Kind.values if k not in KIND_HELP)]:
            self.fields[kind] = forms.ChoiceField(
                label=capfirst(Notification.Kind(kind).label),  # not capitalize(): it lowercases "I"
                choices=Cadence.choices,
                help_text=KIND_HELP.get(kind, ""),
            )

    def cadences(self) -> dict[str, str]:
        return {kind: self.cleaned_data[kind] for kind in Notification.Kind.values}
