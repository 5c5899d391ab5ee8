"""One chart module (cocreate.charts) and one chart template, for the backlog and the prototype results."""

import re
from decimal import Decimal

import pytest
from django.template import Context, Template

from cocreate.charts import LABEL_WIDTH, VALUE_WIDTH, WIDTH, bar_chart

SPAN = WIDTH - LABEL_WIDTH - VALUE_WIDTH


def test_the_longest_bar_is_the_largest_value_and_the_others_in_proportion():
    chart = bar_chart([("a", 50, "50.00"), ("b", Decimal("200"), "200.00"), ("c", 0, "0")], title="Equity")
    assert [bar.width for bar in chart.bars] == [Decimal(SPAN) / 4, Decimal(SPAN), 0]
    assert [bar.shown for bar in chart.bars] == ["50.00", "200.00", "0"]
    assert [bar.y for bar in chart.bars] == [4, 30, 56] and chart.height == 3 * 26 + 8
    assert chart.bars[1].value_x == LABEL_WIDTH + SPAN + 6


def test_rows_without_a_shown_value_print_the_value_and_zeros_draw_no_bars():
    chart = bar_chart([(1, 0), (2, None)], title="Ratings")
    assert [(bar.label, bar.shown, bar.width) for bar in chart.bars] == [("1", "0", 0), ("2", "None", 0)]
    assert bar_chart([], title="Nothing yet").bars == []


@pytest.mark.parametrize("title", ["", "   ", None])
def test_a_chart_without_a_name_is_refused(title):
    with pytest.raises(ValueError, match="accessible name"):
        bar_chart([("a", 1)], title=title)


def test_the_template_draws_an_accessible_svg_with_attributes_only():
    html = Template("{% load cocreate_tags %}{% bar_chart rows title=title kind='share' %}").render(
        Context(
            {"rows": [("A very long label that does not fit in the room", 3, "30 %")], "title": "Top <needs>"}
        )
    )
    svg = re.search(r"<svg[^>]*>", html).group(0)
    assert 'role="img"' in svg and 'aria-label="Top &lt;needs&gt;"' in svg and "chart-share" in svg
    assert "<title>Top &lt;needs&gt;</title>" in html
    assert "<title>A very long label that does not fit in the room: 30 %</title>" in html
    assert ">A very long label that does…<" in html
    assert f'width="{Decimal(SPAN):.1f}"' in html
    assert "style=" not in html and "<script" not in html
