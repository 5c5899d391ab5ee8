"""The release planner's input (capacity, candidates, must-haves, dependencies) and the release to save."""

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cocreate.fields import ModelIdMultipleChoiceField

from .models import BacklogItem, Release
from .selectors import OPEN_STATUSES

MAX_CAPACITY = Decimal("100000")  # person-weeks: more is a typing mistake
DEPENDENCY_LINE = re.compile(r"^#?(\d{1,18})\s*(?:needs|:|->|→)\s*(.+)$", re.IGNORECASE)
TEAM_LINE = re.compile(r"^(.+?)\s*[:=]\s*(\S+)$")


def open_items():
    return BacklogItem.objects.filter(status__in=OPEN_STATUSES).select_related("product").order_by("pk")


class PlanForm(forms.Form):
    """What R&D plans: read from the query string (planning changes nothing) and again when saving."""

    objective = forms.ChoiceField(
        label=_("Maximise"), choices=Release.Objective.choices, initial=Release.Objective.EQUITY
    )
    capacity = forms.DecimalField(
        label=_("Capacity (person-weeks)"),
        max_digits=8,
        decimal_places=2,
        error_messages={"required": _("Give the capacity in person-weeks.")},
    )
    team_capacities = forms.CharField(
        label=_("Capacity per team (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One team a line, e.g. “Imaging: 12”. A team's items then also fit its own capacity."),
    )
    candidates = ModelIdMultipleChoiceField(
        label=_("Candidates"),
        queryset=open_items(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Check at least one candidate item."),
            "invalid_choice": _("Unknown or no longer open backlog item: %(value)s."),
        },
    )
    must_haves = ModelIdMultipleChoiceField(
        label=_("Must-haves"),
        queryset=open_items(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Unknown or no longer open backlog item: %(value)s.")},
    )
    dependencies = forms.CharField(
        label=_("Dependencies (optional)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One a line, by item number: “12 needs 7” or “12: 7, 9” (item 12 needs 7 and 9)."),
    )

    def clean_capacity(self):
        capacity = self.cleaned_data["capacity"]
        if capacity <= 0:
            raise ValidationError(_("Capacity must be more than 0 person-weeks."))
        if capacity > MAX_CAPACITY:
            raise ValidationError(_("Capacity above 100,000 person-weeks is surely a typing mistake."))
        return capacity

    def clean_team_capacities(self):
        teams = {}
        for number, line in enumerate(self.cleaned_data["team_capacities"].splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            match = TEAM_LINE.match(line)
            try:
                weeks = Decimal(match.group(2)) if match else None
            except ArithmeticError:
                weeks = None
            if weeks is None or not weeks.is_finite():
                raise ValidationError(
                    _("Line %(n)d: write “Team: person-weeks”, e.g. “Imaging: 12”.") % {"n": number}
                )
            if weeks <= 0:
                raise ValidationError(
                    _("Line %(n)d: the capacity of %(team)s must be more than 0 person-weeks.")
                    % {"n": number, "team": match.group(1)}
                )
            teams[match.group(1).strip()] = weeks
        return teams

    def clean_dependencies(self):
        pairs = []
        for number, line in enumerate(self.cleaned_data["dependencies"].splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            match = DEPENDENCY_LINE.match(line)
            needed = re.split(r"[\s,;]+", match.group(2).strip()) if match else []
            if not match or not all(re.fullmatch(r"#?\d{1,18}", n) for n in needed):
                raise ValidationError(
                    _("Line %(n)d: write “12 needs 7” or “12: 7, 9” with item numbers.") % {"n": number}
                )
            pairs += [(int(match.group(1)), int(n.lstrip("#"))) for n in needed]
        mentioned = {pk for pair in pairs for pk in pair}
        known = set(BacklogItem.objects.filter(pk__in=mentioned).values_list("pk", flat=True))
        if mentioned - known:
            raise ValidationError(
                _("Unknown backlog items in the dependencies: %(items)s.")
                % {"items": ", ".join(f"#{pk}" for pk in sorted(mentioned - known))}
            )
        return pairs

    def clean(self):
        data = super().clean()
        if "candidates" in data:
            # A must-have is a candidate, checked or not.
            data["candidates"] = list(
                {i.pk: i for i in [*data["candidates"], *data.get("must_haves", [])]}.values()
            )
        teams = data.get("team_capacities") or {}
        if teams and "candidates" in data:
            known = {item.product.team for item in data["candidates"]}
            unknown = sorted(set(teams) - known)
            if unknown:
                self.add_error(
                    "team_capacities",
                    _("No candidate belongs to these teams: %(teams)s.") % {"teams": ", ".join(unknown)},
                )
        return data

    def shipped_prerequisites(self) -> set[int]:
        """Items named in the dependencies that are already shipped: those dependencies are met."""
        mentioned = {pk for pair in self.cleaned_data.get("dependencies", []) for pk in pair}
        return set(
            BacklogItem.objects.filter(pk__in=mentioned, status=BacklogItem.Status.SHIPPED).values_list(
                "pk", flat=True
            )
        )


class ReleaseForm(forms.Form):
    """The name of a plan saved as a release."""

    name = forms.CharField(label=_("Release name"), max_length=140)
    version = forms.CharField(label=_("Version"), max_length=40, required=False)
    target_date = forms.DateField(
        label=_("Target date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
