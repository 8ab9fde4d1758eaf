"""SVG bar charts: bar heights in proportion to the values, on one baseline, with ticks from zero."""

import pytest

from common.charts import bar_chart


def test_bar_heights_are_proportional_to_values():
    chart = bar_chart([("a", 1000), ("b", 500), ("c", 0)])
    heights = [bar.height for bar in chart.bars]
    assert heights[0] == pytest.approx(2 * heights[1])
    assert heights[2] == 0
    assert all(bar.y + bar.height == pytest.approx(chart.baseline) for bar in chart.bars)
    assert chart.ticks[0].value == 0 and chart.ticks[-1].value >= 1000


def test_line_chart_puts_years_on_a_true_scale_and_keeps_series_apart():
    from common.charts import line_chart

    chart = line_chart([("defected", [(2017, 1127), (2011, 2706)]), ("escaped", [(2013, 1509)])], width=640)
    defected, escaped = chart.lines
    assert [p.year for p in defected.points] == [2011, 2017]  # sorted by year
    first, last = defected.points[0].x, defected.points[1].x
    assert escaped.points[0].x == round(first + (last - first) * 2 / 6, 1)  # 2013: a third of 2011-2017
    assert [tick.year for tick in chart.years] == list(range(2011, 2018))  # every year has its place
    assert defected.marker != escaped.marker and defected.dash != escaped.dash
    assert defected.path.startswith(f"M{first},") and " L" in defected.path
    assert chart.ticks[0].value == 0 and chart.ticks[-1].value >= 2706


def test_line_chart_of_one_year_or_nothing():
    from common.charts import line_chart

    assert line_chart([]).lines == [] and line_chart([]).years == []
    single = line_chart([("one", [(2019, 5)])])
    assert single.lines[0].points[0].x == single.left + (single.right - single.left) / 2
