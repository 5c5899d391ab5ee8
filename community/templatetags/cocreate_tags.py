"""The template filters and tags every app shares: `{% load cocreate_tags %}`.

One copy of each rule, in the lowest app, so the idea list, the backlog and the prototype results cannot
drift apart again (they had three `get_item`s and two `percent`s that answered differently).
"""

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html

from cocreate import charts, figures

register = template.Library()


@register.filter
def get_item(mapping, key):
    """`{{ my_votes|get_item:idea.pk }}`: a lookup by a variable key.

    A missing key, or no mapping at all, gives None (which the template shows as nothing and which is
    falsy), never a made-up default such as 0: a missing number is not a zero.
    """
    if not mapping:
        return None
    return mapping.get(key)


@register.filter
def percent(share, digits=1) -> str:
    """A share 0…1 as a localised percentage: `0.4|percent` is "40.0 %", `0.4|percent:0` is "40 %".

    None (nothing to divide by yet) and anything that is not a number give "–", so an empty result never
    reads as 0 %. The sign is kept apart by a no-break space, so it never wraps onto its own line.
    """
    if share is None or share == "":
        return "–"
    try:
        digits = int(digits)
        value = (Decimal(str(share)) * 100).quantize(Decimal(1).scaleb(-digits))
    except (InvalidOperation, TypeError, ValueError):
        return "–"
    return f"{number_format(value, decimal_pos=digits)}\u00a0%"


@register.inclusion_tag("charts/_bar_chart.html")
def bar_chart(rows, title: str, kind: str = "equity"):
    """`{% bar_chart rows title=... kind="share" %}`: the one bar chart (geometry in cocreate.charts)."""
    return {"chart": charts.bar_chart(rows, title=title, kind=kind)}


@register.inclusion_tag("charts/_line_chart.html")
def line_chart(rows, title: str, unit: str = "money"):
    """`{% line_chart rows title=... unit="percent" %}`: a trend over months (geometry in cocreate.charts).
    The unit says how its axis and points read: "money" (compact, the site's currency), "percent" (a
    share 0…1) or "count" (a whole number with thousands separators)."""
    shown = {
        "money": figures.money_compact,
        "percent": lambda value: percent(value, 2 if abs(value) < Decimal("0.1") else 1),
        "count": lambda value: number_format(value, decimal_pos=0, use_l10n=True, force_grouping=True),
    }[unit]
    return {"chart": charts.line_chart(rows, title=title, shown=shown)}


@register.inclusion_tag("charts/_interval_chart.html")
def interval_chart(rows, title: str, kind: str = "interval"):
    """`{% interval_chart rows title=... %}`: estimates with their intervals (geometry in cocreate.charts)."""
    return {"chart": charts.interval_chart(rows, title=title, kind=kind)}


@register.filter
def money(value):
    """`{{ equity|money }}`: the amount in the site's currency, compact ("€421M"), the exact amount in the
    title ("€421,214,000.00"); "–" for none (cocreate.figures)."""
    if figures.to_decimal(value) is None:
        return "–"
    return format_html(
        '<span class="figure" title="{}">{}</span>', figures.money_exact(value), figures.money_compact(value)
    )


@register.filter
def compact(value):
    """`{{ score|compact }}`: a large number compact ("105M"), the exact value in the title."""
    if figures.to_decimal(value) is None:
        return "–"
    return format_html(
        '<span class="figure" title="{}">{}</span>',
        figures.exact_number(value),
        figures.compact_number(value),
    )
