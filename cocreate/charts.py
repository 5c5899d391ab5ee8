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


# Intervals: an estimate with its confidence interval, around zero ------------------------------------

INTERVAL_PLOT = WIDTH - LABEL_WIDTH - VALUE_WIDTH  # the plotting span, as for bars
DOT = 5


@dataclass(frozen=True)
class Interval:
    label: str
    shown: str  # the estimate and its interval as printed after the row, e.g. "+4.2 (−1.0 to 9.4)"
    y: int
    text_y: int
    mid_y: int
    x: Decimal  # the estimate
    low_x: Decimal
    high_x: Decimal


@dataclass(frozen=True)
class IntervalChart:
    title: str
    kind: str
    rows: list[Interval]
    zero_x: Decimal
    width: int = WIDTH
    label_width: int = LABEL_WIDTH
    label_x: int = LABEL_WIDTH - 8
    label_chars: int = LABEL_CHARS
    value_x: int = WIDTH - VALUE_WIDTH + 6
    dot: int = DOT

    @property
    def is_empty(self) -> bool:
        return not self.rows

    @property
    def height(self) -> int:
        return max(len(self.rows), 1) * ROW + 8


def interval_chart(rows: Iterable[tuple], *, title: str, kind: str = "interval") -> IntervalChart:
    """Estimates with their intervals, `(label, estimate, low, high, shown)` rows, on one scale with a
    line at zero: an interval crossing the line means "no clear difference".

    The scale is symmetric around zero and reaches the largest |low| or |high|; the zero line sits in
    the middle of the plotting span.
    """
    if title is None or not str(title).strip():
        raise ValueError("A chart needs a title: it is the chart's accessible name.")
    rows = [
        (str(label), Decimal(str(estimate)), Decimal(str(low)), Decimal(str(high)), str(shown))
        for label, estimate, low, high, shown in rows
    ]
    if any(low > high or not low <= estimate <= high for _l, estimate, low, high, _s in rows):
        raise ValueError("An interval runs from low to high around its estimate.")
    reach = max((max(abs(low), abs(high)) for _l, _e, low, high, _s in rows), default=Decimal(0))
    half = Decimal(INTERVAL_PLOT) / 2
    zero_x = LABEL_WIDTH + half

    def x_of(value: Decimal) -> Decimal:
        if reach == 0:
            return zero_x
        return (zero_x + value / reach * (half - DOT)).quantize(Decimal("0.1"))

    intervals = [
        Interval(
            label=label,
            shown=shown,
            y=n * ROW + 4,
            text_y=n * ROW + BAR,
            mid_y=n * ROW + 4 + BAR // 2,
            x=x_of(estimate),
            low_x=x_of(low),
            high_x=x_of(high),
        )
        for n, (label, estimate, low, high, shown) in enumerate(rows)
    ]
    return IntervalChart(title=str(title), kind=kind, rows=intervals, zero_x=zero_x)
