"""Form fields for ids: 1 to the largest bigint, or the field's own "invalid" error.

A number no integer column holds (`99999999999999999999`) must be a form error, not a query the
database refuses (SQLite raises OverflowError: a 500). The URL side is cocreate.converters.
"""

from django import forms
from django.core.exceptions import ValidationError

from .converters import MAX_ID


def _in_range(value) -> bool:
    text = str(value).strip()
    return text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_ID


class IdField(forms.IntegerField):
    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


class ModelIdChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField over primary keys that refuses an out-of-range key before the query."""

    def to_python(self, value):
        if (
            value not in self.empty_values
            and not isinstance(value, self.queryset.model)
            and not _in_range(value)
        ):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class ModelIdMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A ModelMultipleChoiceField over primary keys that refuses an out-of-range key before the query
    (in `clean`, its public step, rather than by overriding Django's private `_check_values`)."""

    def clean(self, value):
        keys = self.prepare_value(value)
        if isinstance(keys, list | tuple):
            for key in keys:
                if not _in_range(key):
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": key}
                    )
        return super().clean(value)
