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
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

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


# Grouped columns: several series side by side per category (e.g. actual and predicted purchases by
# frequency in a CLV fit's calibration/holdout check). Same rules: every length computed here, a title.
COLUMNS_WIDTH = 640
COLUMNS_HEIGHT = 260
COLUMNS_LEFT = 56  # room for the value axis' labels
COLUMNS_BOTTOM = 40  # room for the category labels and the legend
COLUMNS_TOP = 12


@dataclass(frozen=True)
class Column:
    series: int
    label: str  # "category, series: value" for its <title>
    x: Decimal
    y: Decimal
    width: Decimal
    height: Decimal


@dataclass(frozen=True)
class Tick:
    y: Decimal
    text_y: Decimal
    shown: str


@dataclass(frozen=True)
class Category:
    label: str
    x: Decimal
    columns: list[Column]


@dataclass(frozen=True)
class Legend:
    series: int
    name: str
    x: int
    text_x: int


@dataclass(frozen=True)
class ColumnChart:
    title: str
    categories: list[Category]
    ticks: list[Tick]
    legend: list[Legend]
    width: int = COLUMNS_WIDTH
    height: int = COLUMNS_HEIGHT
    left: int = COLUMNS_LEFT
    baseline: int = COLUMNS_HEIGHT - COLUMNS_BOTTOM
    category_y: int = COLUMNS_HEIGHT - COLUMNS_BOTTOM + 16
    legend_y: int = COLUMNS_HEIGHT - 12

    @property
    def is_empty(self) -> bool:
        return not any(column.height > 0 for category in self.categories for column in category.columns)


def _steps(value: Decimal, step: Decimal, rounding=ROUND_CEILING) -> Decimal:
    """How many steps reach `value`, rounded up (or down). Not `-(-value // step)`: Decimal's `//`
    truncates towards zero, so that rounded down and drew the highest value above the chart's top."""
    return (Decimal(value) / step).to_integral_value(rounding=rounding)


def _nice_step(largest: float, ticks: int = 4) -> Decimal:
    raw = largest / ticks
    magnitude = Decimal(10) ** Decimal(str(raw)).adjusted()
    for factor in (1, 2, 2.5, 5, 10):
        step = magnitude * Decimal(str(factor))
        if step >= Decimal(str(raw)):
            return step
    return magnitude * 10


def column_chart(
    categories: Iterable[tuple], *, series: list[str], title: str, shown=lambda value: f"{value:.2f}"
) -> ColumnChart:
    """Vertical columns, one group per `(label, [value per series])`, series side by side and named in
    the legend. The value axis starts at 0 and ends at a round number above the largest value."""
    if title is None or not str(title).strip():
        raise ValueError("A chart needs a title: it is the chart's accessible name.")
    rows = [(str(label), [Decimal(str(v or 0)) for v in values]) for label, values in categories]
    largest = max((v for _label, values in rows for v in values), default=Decimal(0))
    plot_height = Decimal(COLUMNS_HEIGHT - COLUMNS_BOTTOM - COLUMNS_TOP)
    baseline = Decimal(COLUMNS_HEIGHT - COLUMNS_BOTTOM)
    top = Decimal(0)
    ticks = []
    if largest > 0:
        step = _nice_step(float(largest))
        top = step * _steps(largest, step)
        value = Decimal(0)
        while value <= top:
            y = (baseline - value / top * plot_height).quantize(Decimal("0.1"))
            ticks.append(Tick(y=y, text_y=y + 4, shown=shown(value)))
            value += step
    slot = Decimal(COLUMNS_WIDTH - COLUMNS_LEFT - 8) / max(len(rows), 1)
    column_width = (slot * Decimal("0.8") / max(len(series), 1)).quantize(Decimal("0.1"))
    groups = []
    for n, (label, values) in enumerate(rows):
        start = Decimal(COLUMNS_LEFT) + slot * n + slot * Decimal("0.1")
        columns = []
        for s, value in enumerate(values):
            height = (
                (value / top * plot_height).quantize(Decimal("0.1")) if top > 0 and value > 0 else Decimal(0)
            )
            columns.append(
                Column(
                    series=s,
                    label=f"{label}, {series[s]}: {shown(value)}",
                    x=(start + column_width * s).quantize(Decimal("0.1")),
                    y=baseline - height,
                    width=column_width,
                    height=height,
                )
            )
        groups.append(
            Category(label=label, x=(start + slot * Decimal("0.4")).quantize(Decimal("0.1")), columns=columns)
        )
    legend = [
        Legend(series=s, name=name, x=COLUMNS_LEFT + 160 * s, text_x=COLUMNS_LEFT + 160 * s + 16)
        for s, name in enumerate(series)
    ]
    return ColumnChart(title=str(title), categories=groups, ticks=ticks, legend=legend)


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


# Trends: one figure over time, a line through the months that have a value ----------------------------

LINE_WIDTH = 640
LINE_HEIGHT = 220
LINE_LEFT = 90  # room for the value axis
LINE_BOTTOM = 28  # room for the month labels
LINE_TOP = 12


@dataclass(frozen=True)
class Point:
    label: str  # "month: value" for its <title>
    x: Decimal
    y: Decimal


@dataclass(frozen=True)
class LineChart:
    title: str
    points: list[Point]
    labels: list[tuple[Decimal, str]]  # (x, month) under the axis; every month, or every n-th when many
    ticks: list[Tick]
    width: int = LINE_WIDTH
    height: int = LINE_HEIGHT
    left: int = LINE_LEFT
    baseline: int = LINE_HEIGHT - LINE_BOTTOM
    label_y: int = LINE_HEIGHT - LINE_BOTTOM + 18

    @property
    def is_empty(self) -> bool:
        return not self.points

    @property
    def polyline(self) -> str:
        """The SVG `points` attribute of the line (months without a value are skipped)."""
        return " ".join(f"{p.x},{p.y}" for p in self.points)


def line_chart(rows: Iterable[tuple], *, title: str, shown=lambda value: f"{value:.2f}") -> LineChart:
    """A trend of `(label, value or None)` rows in time order. The value axis runs from 0 (or the lowest
    value, when it is negative) to a round number above the highest, so a change reads at its true size."""
    if title is None or not str(title).strip():
        raise ValueError("A chart needs a title: it is the chart's accessible name.")
    rows = [(str(label), None if value is None else Decimal(str(value))) for label, value in rows]
    values = [v for _label, v in rows if v is not None]
    plot_height = Decimal(LINE_HEIGHT - LINE_BOTTOM - LINE_TOP)
    baseline = Decimal(LINE_HEIGHT - LINE_BOTTOM)
    # 40 px on the right: the last month's label is centred on its point and must not be cut off.
    slot = Decimal(LINE_WIDTH - LINE_LEFT - 8 - 40) / max(len(rows) - 1, 1)
    xs = [(Decimal(LINE_LEFT + 8) + slot * n).quantize(Decimal("0.1")) for n in range(len(rows))]
    every = max(1, -(-len(rows) // 8))  # at most 8 month labels
    labels = [(xs[n], label) for n, (label, _v) in enumerate(rows) if n % every == 0]
    if not values:
        return LineChart(title=str(title), points=[], labels=labels, ticks=[])
    low = min(min(values), Decimal(0))
    span = max(values) - low
    step = _nice_step(float(span)) if span > 0 else Decimal(1)
    bottom = step * _steps(low, step, ROUND_FLOOR) if low < 0 else Decimal(0)
    top = bottom + step * max(1, _steps(max(values) - bottom, step))
    ticks, value = [], bottom
    while value <= top:
        y = (baseline - (value - bottom) / (top - bottom) * plot_height).quantize(Decimal("0.1"))
        ticks.append(Tick(y=y, text_y=y + 4, shown=shown(value)))
        value += step
    points = [
        Point(
            label=f"{label}: {shown(v)}",
            x=xs[n],
            y=(baseline - (v - bottom) / (top - bottom) * plot_height).quantize(Decimal("0.1")),
        )
        for n, (label, v) in enumerate(rows)
        if v is not None
    ]
    return LineChart(title=str(title), points=points, labels=labels, ticks=ticks)
