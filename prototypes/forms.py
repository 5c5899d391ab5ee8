from django import forms
from django.utils.translation import gettext_lazy as _

from cocreate.fields import IdField, ModelIdChoiceField, ModelIdMultipleChoiceField
from community.models import Segment
from ideas.models import Idea
from products.models import Product

from .models import Prototype, SurveyQuestion, Variant


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input (Django's documented pattern); each is checked by the service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)] if data else []


class PrototypeForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=140)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    product = ModelIdChoiceField(label=_("Product"), queryset=Product.objects.all(), required=False)
    stage = forms.ChoiceField(label=_("Stage"), choices=Prototype.Stage.choices)
    opens_at = forms.DateTimeField(label=_("Opens"), required=False, help_text=_("Empty: now."))
    closes_at = forms.DateTimeField(label=_("Closes"), required=False)
    beta_seats = forms.IntegerField(label=_("Beta seats"), min_value=0, max_value=100000, initial=0)
    target_segments = ModelIdMultipleChoiceField(
        label=_("Target segments"), queryset=Segment.objects.all(), required=False
    )
    linked_ideas = forms.CharField(
        label=_("Ideas it answers"), required=False, help_text=_("Idea numbers, comma-separated, e.g. 12, 40")
    )

    def clean_linked_ideas(self):
        raw = self.cleaned_data["linked_ideas"].replace(",", " ").split()
        if not all(part.isdigit() for part in raw):
            raise forms.ValidationError(_("Give idea numbers, separated by commas."))
        ids = {int(part) for part in raw}
        ideas = list(Idea.objects.filter(pk__in=ids))
        if len(ideas) != len(ids):
            raise forms.ValidationError(_("Some of those idea numbers do not exist."))
        return ideas


class VersionForm(forms.Form):
    notes = forms.CharField(label=_("What changed"), max_length=300, required=False)
    video_url = forms.CharField(label=_("Video link (https)"), max_length=500, required=False)
    screen_files = MultipleFileField(label=_("Screens (images)"), required=False)
    bundle_file = forms.FileField(
        label=_("HTML bundle (zip with index.html)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
    )


class VariantForm(VersionForm):
    name = forms.CharField(label=_("Variant name"), max_length=80)
    kind = forms.ChoiceField(label=_("Kind"), choices=Variant.Kind.choices)
    description = forms.CharField(label=_("Description"), max_length=2000, required=False)

    field_order = ["name", "kind", "description", "screen_files", "video_url", "bundle_file", "notes"]


class QuestionForm(forms.Form):
    text = forms.CharField(label=_("Question"), max_length=300)
    kind = forms.ChoiceField(label=_("Kind"), choices=SurveyQuestion.Kind.choices)
    choices = forms.CharField(
        label=_("Choices (one per line)"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class QuotaForm(forms.Form):
    segment = forms.ModelChoiceField(label=_("Segment"), queryset=Segment.objects.all(), to_field_name="slug")
    seats = forms.IntegerField(label=_("Seats at most"), min_value=0, max_value=100000)


class RatingForm(forms.Form):
    version = IdField(widget=forms.HiddenInput)
    score = forms.TypedChoiceField(
        label=_("Your rating"),
        choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose a rating from 1 to 5."),
            "invalid_choice": _("Choose a rating from 1 to 5."),
        },
    )
    would_use = forms.TypedChoiceField(
        label=_("Would you use it?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether you would use it.")},
    )


class CompareForm(forms.Form):
    winner = IdField()
    loser = IdField()


class PinForm(forms.Form):
    screen = IdField(widget=forms.HiddenInput)
    x = forms.CharField(required=False)
    y = forms.CharField(required=False)
    body = forms.CharField(label=_("Your comment"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    parent = IdField(required=False, widget=forms.HiddenInput)
