"""Bar charts drawn on the server: the geometry of each bar, for the SVG macros in
templates/macros/charts.html (no script, no inline style: presentation attributes only)."""

from dataclasses import dataclass, replace
from decimal import Decimal

HEIGHT = 160  # the plot's height in SVG units; labels go below it, the scale above
LABEL_HEIGHT = 22
TOP = 14
BAR = 18
GAP = 6
GROUP_GAP = 18

Number = int | float | Decimal


@dataclass(frozen=True)
class Bar:
    """One bar: what it shows and links to, and where the SVG draws it."""

    label: str  # its group's name (a week, a channel)
    series: str  # the series' name ("" for a chart of one series): its class and legend
    value: Number
    text: str  # the value as a reader sees it
    url: str | None  # the filtered list behind it
    x: float = 0
    y: float = 0
    width: float = BAR
    height: float = 0
    series_number: int = 1  # its series' place in the legend: its colour's class


@dataclass(frozen=True)
class Group:
    label: str
    x: float  # the middle of the group, where its label goes
    bars: list[Bar]
    show_label: bool = True


@dataclass
class Chart:
    groups: list[Group]
    series: list[str]
    width: float
    top_text: str  # what the top line of the plot stands for
    height: float = TOP + HEIGHT + LABEL_HEIGHT
    top: float = TOP
    baseline: float = TOP + HEIGHT


def bar_chart(
    groups: list[tuple[str, list[Bar]]],
    *,
    maximum: tuple[Number, str] | None = None,
    label_every: int = 1,
) -> Chart:
    """Lay ``groups`` (label, bars of each series) out side by side, each bar's height its
    share of ``maximum`` (value, text; the tallest bar's when None), drawn as the top line.
    Every ``label_every``-th group's label is drawn; the table view shows them all."""
    tallest = max(
        (bar for _label, bars in groups for bar in bars), key=lambda b: b.value, default=None
    )
    if maximum is None:
        maximum = (tallest.value, tallest.text) if tallest else (0, "")
    top, top_text = maximum
    scale = HEIGHT / float(top) if top else 0.0
    series = list(dict.fromkeys(bar.series for _, bars in groups for bar in bars))
    laid, x = [], 0.0
    for n, (label, bars) in enumerate(groups):
        start = x
        placed = []
        for bar in bars:
            height = float(bar.value) * scale
            placed.append(
                replace(
                    bar,
                    x=round(x, 1),
                    y=round(TOP + HEIGHT - height, 1),
                    height=max(round(height, 1), 0.5),  # a zero still shows as a line
                    series_number=series.index(bar.series) + 1,
                )
            )
            x += BAR + GAP
        x += GROUP_GAP - GAP if len(bars) > 1 else 0
        middle = (start + x - (GROUP_GAP if len(bars) > 1 else GAP)) / 2
        laid.append(Group(label, middle, placed, show_label=n % label_every == 0))
    return Chart(
        groups=laid,
        series=series,
        width=max(x, 1.0),
        top_text=top_text,
    )
