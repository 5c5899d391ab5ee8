from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Scope


def default_expiry():
    return timezone.localdate() + timedelta(days=90)


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("What will use it, e.g. “CRM sync”."))
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"), choices=Scope.choices, widget=forms.CheckboxSelectMultiple, initial=[Scope.READ]
    )
    expires_on = forms.DateField(
        label=_("Expires on"), widget=forms.DateInput(attrs={"type": "date"}), initial=default_expiry
    )

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, **kwargs)
        if not member.is_staff:
            self.fields["scopes"].choices = [c for c in Scope.choices if c[0] != Scope.STAFF]
