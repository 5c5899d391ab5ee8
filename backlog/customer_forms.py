"""Forms of the customer department's pages: market estimates and offer contacts (docs/clv.md)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.models import Segment

from .models import ABSURD_AMOUNT, MarketEstimate, OfferContact


class MarketEstimateForm(forms.ModelForm):
    class Meta:
        model = MarketEstimate
        fields = ["segment", "customers", "mean_clv", "total_equity", "as_of", "source"]
        widgets = {"as_of": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, segments=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["segment"].queryset = segments if segments is not None else Segment.objects.none()

    def clean_as_of(self):
        as_of = self.cleaned_data["as_of"]
        if as_of > timezone.localdate():
            raise forms.ValidationError(_("An estimate cannot be dated in the future."))
        return as_of

    def clean(self):
        data = super().clean()
        mean_clv, total = data.get("mean_clv"), data.get("total_equity")
        if mean_clv is None and total is None:
            raise forms.ValidationError(_("Give the customers' mean CLV or the total market equity."))
        for name in ("mean_clv", "total_equity"):
            value = data.get(name)
            if value is not None and value < 0:
                self.add_error(name, _("It cannot be negative."))
            if name == "mean_clv" and value is not None and value >= ABSURD_AMOUNT:
                self.add_error(name, _("That is more than any customer is worth: check the unit."))
        return data


class OfferContactForm(forms.Form):
    customer = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    kind = forms.ChoiceField(choices=OfferContact.Kind.choices, widget=forms.HiddenInput)
    target = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    channel = forms.ChoiceField(label=_("Channel"), choices=OfferContact.Channel.choices)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
