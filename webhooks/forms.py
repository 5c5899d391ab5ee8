from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Endpoint, Event


class EndpointForm(forms.ModelForm):
    url = forms.URLField(
        label=_("URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("A public https:// address; private and loopback addresses are refused."),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=Event.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Endpoint
        fields = [
            "url",
            "description",
            "format",
            "events",
            "product",
            "votes_threshold",
            "segment",
            "segment_threshold",
        ]
        help_texts = {
            "product": _("Only ideas, comments and backlog items of this product (empty: all)."),
            "votes_threshold": _("For “reaches the number of supporters”: the number."),
            "segment_threshold": _("For “supporters from the segment”: the segment above and the number."),
        }
