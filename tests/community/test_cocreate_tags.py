"""The shared template filters: one behaviour for every page that loads `cocreate_tags`."""

from decimal import Decimal

import pytest
from django.template import Context, Template


def render(source, **context):
    return Template("{% load cocreate_tags %}" + source).render(Context(context))


def test_get_item_looks_up_a_variable_key_and_missing_is_nothing_not_zero():
    assert render("{{ m|get_item:k }}", m={3: 1}, k=3) == "1"
    assert render("[{{ m|get_item:k }}]", m={3: 1}, k=4) == "[None]"
    assert render("{% if m|get_item:k is None %}none{% endif %}", m=None, k=4) == "none"
    assert render("{% if m|get_item:k is None %}none{% endif %}", m={}, k=4) == "none"


@pytest.mark.parametrize(
    "share, digits, shown",
    [
        (0.4, None, "40.0\u00a0%"),
        (Decimal("0.25"), None, "25.0\u00a0%"),
        (0.4567, 0, "46\u00a0%"),
        (1, 2, "100.00\u00a0%"),
        (0, None, "0.0\u00a0%"),
        (None, None, "–"),
        ("n/a", None, "–"),
    ],
)
def test_percent_shows_a_share_as_a_percentage(share, digits, shown):
    source = "{{ share|percent }}" if digits is None else f"{{{{ share|percent:{digits} }}}}"
    assert render(source, share=share) == shown


def test_the_old_per_app_copies_are_gone():
    from django.template import engines

    libraries = engines["django"].engine.template_libraries
    assert "ideas_tags" not in libraries
    for name in ("backlog_charts", "prototypes_tags"):
        if name in libraries:
            assert not {"get_item", "percent"} & set(libraries[name].filters)
