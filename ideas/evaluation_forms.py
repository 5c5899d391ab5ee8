"""Forms of expert evaluation (ideas.evaluation)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from community.selectors import owner_candidates


class CriterionForm(forms.Form):
    name = forms.CharField(label=_("Criterion"), max_length=60)
    description = forms.CharField(label=_("What it asks"), max_length=200, required=False)
    scale_min = forms.IntegerField(label=_("Lowest score"), initial=1, min_value=0, max_value=9)
    scale_max = forms.IntegerField(label=_("Highest score"), initial=5, min_value=1, max_value=10)


class EvaluatorsForm(forms.Form):
    members = forms.ModelMultipleChoiceField(
        label=_("Evaluators"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("R&D members who score this product's ideas."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = owner_candidates()  # R&D and administrators


class ScoresForm(forms.Form):
    """One whole number per criterion of the idea's product (empty: not scored). The range is the
    service's to check (ideas.evaluation.idea_evaluate), so its message names the criterion's scale."""

    def __init__(self, *args, criteria, initial_scores=None, **kwargs):
        super().__init__(*args, **kwargs)
        initial_scores = initial_scores or {}
        for criterion in criteria:
            self.fields[f"criterion-{criterion.pk}"] = forms.IntegerField(
                label=f"{criterion.name} ({criterion.scale_min}–{criterion.scale_max})",
                required=False,
                initial=initial_scores.get(criterion.pk),
                help_text=criterion.description,
                widget=forms.NumberInput(attrs={"min": criterion.scale_min, "max": criterion.scale_max}),
            )

    def scores(self) -> dict[int, int | None]:
        return {int(name.split("-", 1)[1]): value for name, value in self.cleaned_data.items()}
