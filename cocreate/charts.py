"""Chart geometry for server-rendered SVG: the one place that turns numbers into bars.

The backlog, the segment dashboards and the prototype results all draw their bar charts from `bar_chart`
and the one template `templates/charts/_bar_chart.html` (`{% bar_chart rows title=... %}` from
`cocreate_tags`). Every length is an SVG attribute computed here, so pages need neither script nor inline
styles (the CSP allows neither), and the template only draws.

One rule for the scale: the longest bar is the largest value, the others in proportion; with nothing but
zeros there are no bars, only their labels. Every chart has a title: it is the SVG's accessible name.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

WIDTH = 640
LABEL_WIDTH = 200  # room for the labels, right-aligned before the bars
VALUE_WIDTH = 120  # room for the value printed after the longest bar
ROW = 26
BAR = 18
LABEL_CHARS = 28  # longer labels are cut with "…"; the row's <title> keeps them whole


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal
    shown: str
    y: int
    text_y: int
    width: Decimal
    value_x: Decimal


@dataclass(frozen=True)
class BarChart:
    title: str
    kind: str
    bars: list[Bar]
    width: int = WIDTH
    label_width: int = LABEL_WIDTH
    label_x: int = LABEL_WIDTH - 8
    label_chars: int = LABEL_CHARS
    bar_height: int = BAR

    @property
    def is_empty(self) -> bool:
        """No bar to draw (no rows, or only zeros): the template explains instead of drawing."""
        return not any(bar.width > 0 for bar in self.bars)

    @property
    def height(self) -> int:
        return max(len(self.bars), 1) * ROW + 8


def bar_chart(rows: Iterable[tuple], *, title: str, kind: str = "equity") -> BarChart:
    """A horizontal bar chart of `(label, value)` or `(label, value, shown)` rows, in the given order.

    `shown` is the value as printed after the bar (formatted by the caller, e.g. "1,234.50"); it defaults
    to the value itself. `kind` only picks the bars' colour class (`chart-<kind>`).
    """
    if title is None or not str(title).strip():
        raise ValueError("A chart needs a title: it is the chart's accessible name.")
    rows = [(str(row[0]), Decimal(str(row[1] or 0)), str(row[2] if len(row) > 2 else row[1])) for row in rows]
    largest = max((value for _label, value, _shown in rows), default=Decimal(0))
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    bars = []
    for n, (label, value, shown) in enumerate(rows):
        width = (value / largest * span).quantize(Decimal("0.1")) if largest > 0 and value > 0 else Decimal(0)
        bars.append(
            Bar(
                label=label,
                value=value,
                shown=shown,
                y=n * ROW + 4,
                text_y=n * ROW + BAR,
                width=width,
                value_x=LABEL_WIDTH + width + 6,
            )
        )
    return BarChart(title=str(title), kind=kind, bars=bars)
