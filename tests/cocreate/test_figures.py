"""Money and large numbers as people read them: currency, compact form, exact value in the title."""

from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.template import Context, Template

from cocreate import figures


@pytest.mark.parametrize(
    "value, shown",
    [
        (421214000, "€421M"),
        (Decimal("1234.50"), "€1.2k"),
        (Decimal("999.99"), "€1k"),
        (Decimal("12.50"), "€12.5"),
        (Decimal("12.04"), "€12"),
        (0, "€0"),
        (Decimal("105445323.46"), "€105M"),
        (Decimal("2500000000"), "€2.5B"),
        (Decimal("999950"), "€1M"),
        (-1500, "-€1.5k"),
        (None, "–"),
        ("not a number", "–"),
    ],
)
def test_money_is_compact_with_its_currency(value, shown):
    assert figures.money_compact(value) == shown


def test_money_keeps_the_exact_value_in_the_title():
    html = Template("{% load cocreate_tags %}{{ v|money }}").render(Context({"v": Decimal("421214000")}))
    assert html == '<span class="figure" title="€421,214,000.00">€421M</span>'


def test_scores_are_compact_too():
    html = Template("{% load cocreate_tags %}{{ v|compact }}").render(Context({"v": Decimal("105445323.46")}))
    assert html == '<span class="figure" title="105,445,323.46">105M</span>'
    assert Template("{% load cocreate_tags %}{{ v|compact }}").render(Context({"v": None})) == "–"


def test_the_currency_is_a_setting(settings):
    settings.COCREATE_CURRENCY = "USD"
    assert figures.money_compact(1500) == "$1.5k"
    settings.COCREATE_CURRENCY = "SEK"
    assert figures.money_compact(1500) == "SEK\u00a01.5k"


def test_a_bad_currency_fails_loudly(monkeypatch):
    import importlib

    from cocreate.settings import base

    monkeypatch.setenv("COCREATE_CURRENCY", "euro")
    with pytest.raises(ImproperlyConfigured):
        importlib.reload(base)
    monkeypatch.delenv("COCREATE_CURRENCY")
    importlib.reload(base)


def test_separators_follow_the_locale(settings):
    from django.utils import translation

    settings.USE_THOUSAND_SEPARATOR = True
    with translation.override("de"):
        assert figures.money_exact(Decimal("1234.5")) == "€1.234,50"
        assert figures.money_compact(Decimal("1234.5")) == "€1,2k"
