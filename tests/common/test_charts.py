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
