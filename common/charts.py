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


# Line charts on a true time scale: x is proportional to the year, so 2011, 2013 and 2017 are not spaced evenly.
MARKERS = ("circle", "square", "diamond")  # told apart by shape and dash, not by colour alone
DASHES = ("", "6 4", "2 3")


@dataclass(frozen=True)
class Point:
    year: int
    value: int
    x: float
    y: float

    @property
    def box_x(self) -> float:  # a square marker's corner
        return round(self.x - 5, 1)

    @property
    def box_y(self) -> float:
        return round(self.y - 5, 1)

    @property
    def value_y(self) -> float:
        return round(self.y - 10, 1)

    @property
    def value_below_y(self) -> float:
        return round(self.y + 20, 1)


@dataclass(frozen=True)
class Line:
    label: str
    points: list[Point]
    marker: str
    dash: str
    index: int

    @property
    def path(self) -> str:
        return " ".join(f"{'M' if i == 0 else 'L'}{p.x},{p.y}" for i, p in enumerate(self.points))


@dataclass(frozen=True)
class YearTick:
    year: int
    x: float


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    left: int
    right: int
    baseline: float
    lines: list[Line]
    ticks: list[Tick]
    years: list[YearTick]

    @property
    def tick_label_x(self) -> int:
        return self.left - 8

    @property
    def label_y(self) -> float:
        return self.baseline + 20

    @property
    def year_tick_end(self) -> float:
        return self.baseline + 4


def line_chart(series: list[tuple[str, list[tuple[int, int]]]], *, width: int = 640, height: int = 320) -> LineChart:
    """One line per (label, [(year, value), ...]) series, each measure apart; the years on a true scale (every year
    between the first and last has its tick), the value axis from zero."""
    left, top, bottom, right = 64, 16, 40, 24
    plot_width, plot_height = width - left - right, height - top - bottom
    years = [year for _, points in series for year, _ in points]
    values = [value for _, points in series for _, value in points]
    first, last = (min(years), max(years)) if years else (0, 1)
    span = max(last - first, 1)
    step = _nice_step(max(values, default=0))
    axis_max = step * -(-max(values, default=1) // step) or step
    baseline = top + plot_height

    def x_of(year: int) -> float:
        return round(left + (year - first) / span * plot_width, 1) if last > first else left + plot_width / 2

    def y_of(value: int) -> float:
        return round(baseline - value / axis_max * plot_height, 1)

    lines = [
        Line(
            label=label,
            points=[Point(year, value, x_of(year), y_of(value)) for year, value in sorted(points)],
            marker=MARKERS[index % len(MARKERS)],
            dash=DASHES[index % len(DASHES)],
            index=index,
        )
        for index, (label, points) in enumerate(series)
    ]
    return LineChart(
        width=width,
        height=height,
        left=left,
        right=width - right,
        baseline=baseline,
        lines=lines,
        ticks=[Tick(value=value, y=y_of(value)) for value in range(0, axis_max + 1, step)],
        years=[YearTick(year=year, x=x_of(year)) for year in range(first, last + 1)] if years else [],
    )
