"""Server-rendered SVG bar charts: geometry only; templates draw them beside a data table."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float

    @property
    def centre(self) -> float:
        return round(self.x + self.width / 2, 1)

    @property
    def value_y(self) -> float:
        return round(self.y - 6, 1)


@dataclass(frozen=True)
class Tick:
    value: int
    y: float


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    left: int
    baseline: float
    right: int
    bars: list[Bar]
    ticks: list[Tick]

    @property
    def tick_label_x(self) -> int:
        return self.left - 8

    @property
    def label_y(self) -> float:
        return self.baseline + 20


def _nice_step(maximum: int, ticks: int = 4) -> int:
    raw = max(maximum, 1) / ticks
    magnitude = 10 ** (len(str(int(raw))) - 1)
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return max(int(factor * magnitude), 1)
    return int(10 * magnitude)


def bar_chart(points: list[tuple[str, int]], *, width: int = 640, height: int = 320) -> BarChart:
    """Lay out one bar per (label, value) point, with a value axis starting at zero."""
    left, top, bottom, right = 64, 16, 40, 16
    plot_width, plot_height = width - left - right, height - top - bottom
    step = _nice_step(max((value for _, value in points), default=0))
    axis_max = step * -(-max((value for _, value in points), default=1) // step) or step
    slot = plot_width / max(len(points), 1)
    baseline = top + plot_height
    bars = [
        Bar(
            label=label,
            value=value,
            x=round(left + index * slot + slot * 0.2, 1),
            y=round(baseline - value / axis_max * plot_height, 1),
            width=round(slot * 0.6, 1),
            height=round(value / axis_max * plot_height, 1),
        )
        for index, (label, value) in enumerate(points)
    ]
    ticks = [
        Tick(value=value, y=round(baseline - value / axis_max * plot_height, 1))
        for value in range(0, axis_max + 1, step)
    ]
    return BarChart(
        width=width, height=height, left=left, right=width - right, baseline=baseline, bars=bars, ticks=ticks
    )
