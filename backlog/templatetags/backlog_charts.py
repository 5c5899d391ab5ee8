"""Server-rendered SVG charts: the geometry is computed here, the template only draws it (no script)."""

from dataclasses import dataclass
from decimal import Decimal

from django import template

register = template.Library()

WIDTH = 640
LABEL_WIDTH = 200
VALUE_WIDTH = 120
ROW = 26
BAR = 18


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal
    shown: str
    y: int
    text_y: int
    width: Decimal
    value_x: Decimal


@register.inclusion_tag("backlog/_bar_chart.html")
def bar_chart(rows, title: str, kind: str = "equity"):
    """A horizontal bar chart of (label, value, shown_value) rows, longest bar = largest value."""
    rows = [(str(label), Decimal(value or 0), str(shown)) for label, value, shown in rows]
    largest = max((value for _label, value, _shown in rows), default=Decimal("0"))
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    bars = []
    for n, (label, value, shown) in enumerate(rows):
        width = (value / largest * span).quantize(Decimal("0.1")) if largest > 0 else Decimal("0")
        bars.append(
            Bar(
                label=label,
                value=value,
                shown=shown,
                y=n * ROW + 4,
                text_y=n * ROW + 4 + BAR - 4,
                width=width,
                value_x=LABEL_WIDTH + width + 6,
            )
        )
    return {
        "bars": bars,
        "title": title,
        "kind": kind,
        "width": WIDTH,
        "height": max(len(bars), 1) * ROW + 8,
        "label_width": LABEL_WIDTH,
        "label_x": LABEL_WIDTH - 8,
        "bar_height": BAR,
    }
