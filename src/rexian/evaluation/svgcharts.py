"""Small server-side SVG charts: bar, horizontal bar, line. No script, no external files.

The output is an inline `<svg>` element for HTML pages (reports, dashboards), so
a page that embeds it opens offline and prints well. Labels are escaped here;
callers pass plain text. Values may be int, float, Decimal or Fraction, or None
for "no data" (no bar, a gap in a line, shown as "—"). Text widths are
estimated (CJK characters one em, others 0.6 em) since there is no browser to
measure them.

Every chart is `role="img"` with the title as its accessible name, and an
optional `description` (a `<desc>`) that says in words what the chart shows.
Dense charts (a month of days, 24 hours) thin their x labels and can leave the
value labels out (`show_values=False`); each bar and point keeps its value in
a hover `<title>`.

For a standalone .svg file wrap the chart with `as_file()`.
"""

import html
import math
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction

Value = int | float | Decimal | Fraction | None

PALETTE = ("#2f6fb0", "#e08a2c", "#3a9a5b", "#c0392b", "#7d5ba6", "#16a2b8", "#8c6d31", "#7f8c8d")
FONT = (
    "'PingFang SC','Hiragino Sans GB','Microsoft YaHei','WenQuanYi Micro Hei','Noto Sans CJK SC',"
    "'Source Han Sans SC',sans-serif"
)
FONT_SIZE = 12
MISSING = "—"
REFERENCE_COLOR = "#c62828"
MAX_VALUE_LABELS = 16  # a line chart writes values beside its points up to this many


def escape(text) -> str:
    """Text safe inside SVG/HTML elements and quoted attributes."""
    return html.escape(str(text), quote=True)


def text_width(text: str, font_size: float = FONT_SIZE) -> float:
    return sum(1.0 if unicodedata.east_asian_width(char) in "WF" else 0.6 for char in str(text)) * font_size


def as_file(svg: str) -> str:
    """A chart as a standalone SVG document (adds the namespace an .svg file needs)."""
    with_namespace = svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + with_namespace


def default_format(value: Value) -> str:
    if value is None:
        return MISSING
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, Fraction):
        return f"{float(value):g}"
    return str(value)


def nice_ceiling(value: float) -> float:
    """The axis maximum: the smallest 1, 2, 2.5 or 5 × 10^k that is ≥ value."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value * (1 - 1e-12):
            return step * power
    return 10 * power


def bar_chart(
    labels: Sequence[str],
    values: Sequence[Value],
    *,
    title: str,
    unit: str = "",
    colors: Sequence[str] | None = None,
    max_value: float | None = None,
    width: int = 640,
    height: int = 300,
    value_format: Callable[[Value], str] = default_format,
    description: str = "",
    rotate_labels: bool | None = None,
    show_values: bool = True,
    reference: tuple[Value, str] | None = None,
) -> str:
    """Vertical bars, one per label, value written above each bar.

    Labels are turned 45° when there are more than 8 (`rotate_labels` forces
    either way: short labels such as hours fit upright). `reference` draws a
    dashed line across the plot at (value, label), e.g. a target.
    """
    numbers = _floats(values)
    top = max_value if max_value is not None else nice_ceiling(max([n for n in numbers if n is not None] or [0]))
    rotate = len(labels) > 8 if rotate_labels is None else rotate_labels
    left, right, head = 48, 12, 40
    foot = 16 + (max(map(text_width, labels), default=0) * 0.75 if rotate else 20)
    plot_w, plot_h = width - left - right, height - head - foot
    slot = plot_w / max(len(labels), 1)
    parts = _y_axis(left, head, plot_w, plot_h, top, unit)
    every = 1 if rotate else label_step(labels, slot)
    for index, (label, number, value) in enumerate(zip(labels, numbers, values)):
        x = left + slot * index
        color = _color(colors or PALETTE[:1], index)
        if number is not None:
            bar_h = plot_h * min(max(number, 0) / top, 1)
            y = head + plot_h - bar_h
            parts.append(
                f'<rect x="{x + slot * 0.15:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{bar_h:.1f}" '
                f'fill="{color}"><title>{escape(label)}：{escape(value_format(value))}{escape(unit)}</title></rect>'
            )
        else:
            y = head + plot_h
        if show_values:
            parts.append(_text(x + slot / 2, y - 4, value_format(value), anchor="middle"))
        if rotate:
            lx, ly = x + slot / 2, head + plot_h + 12
            parts.append(_text(lx, ly, label, anchor="end", extra=f' transform="rotate(-45 {lx:.1f} {ly:.1f})"'))
        elif index % every == 0:
            parts.append(_text(x + slot / 2, head + plot_h + 16, label, anchor="middle"))
    if reference is not None and reference[0] is not None:
        y = head + plot_h * (1 - min(max(float(reference[0]), 0) / top, 1))
        parts.append(
            f'<line x1="{left:.1f}" y1="{y:.1f}" x2="{left + plot_w:.1f}" y2="{y:.1f}" stroke="{REFERENCE_COLOR}" '
            f'stroke-width="1.5" stroke-dasharray="6 4"/>'
        )
        parts.append(_text(left + plot_w, y - 4, reference[1], anchor="end", fill=REFERENCE_COLOR))
    return _svg(width, height, title, parts, description)


def horizontal_bar_chart(
    labels: Sequence[str],
    values: Sequence[Value],
    *,
    title: str,
    unit: str = "",
    colors: Sequence[str] | None = None,
    max_value: float | None = None,
    width: int = 640,
    bar_height: int = 18,
    value_format: Callable[[Value], str] = default_format,
    description: str = "",
) -> str:
    """One horizontal bar per label, for long label lists (provinces, checklist items)."""
    numbers = _floats(values)
    top = max_value if max_value is not None else nice_ceiling(max([n for n in numbers if n is not None] or [0]))
    left = 12 + max(map(text_width, labels), default=0)
    value_room = 12 + max((text_width(value_format(value) + unit) for value in values), default=0)
    head, gap = 40, 6
    plot_w = max(width - left - value_room - 12, 40)
    height = head + len(labels) * (bar_height + gap) + 12
    parts = []
    for index, (label, number, value) in enumerate(zip(labels, numbers, values)):
        y = head + index * (bar_height + gap)
        middle = y + bar_height / 2 + FONT_SIZE * 0.35
        parts.append(_text(left - 6, middle, label, anchor="end"))
        bar_w = 0.0 if number is None else plot_w * min(max(number, 0) / top, 1)
        if number is not None:
            parts.append(
                f'<rect x="{left:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{bar_height}" '
                f'fill="{_color(colors or PALETTE[:1], index)}"><title>{escape(label)}：{escape(value_format(value))}'
                f"{escape(unit)}</title></rect>"
            )
        shown = value_format(value) + (unit if number is not None else "")
        parts.append(_text(left + bar_w + 4, middle, shown))
    parts.append(_line(left, head - 2, left, height - 12, "#888"))
    return _svg(width, height, title, parts, description)


def line_chart(
    x_labels: Sequence[str],
    series: Mapping[str, Sequence[Value]],
    *,
    title: str,
    unit: str = "",
    colors: Sequence[str] | None = None,
    max_value: float | None = None,
    width: int = 640,
    height: int = 300,
    value_format: Callable[[Value], str] = default_format,
    description: str = "",
    show_values: bool | None = None,
) -> str:
    """One line per series over shared x labels; None leaves a gap. A legend if several series.

    X labels are thinned to every n-th when they would overlap; values are
    written beside the points only when there are few (`show_values` forces).
    """
    floats = {name: _floats(values) for name, values in series.items()}
    known = [n for numbers in floats.values() for n in numbers if n is not None]
    top = max_value if max_value is not None else nice_ceiling(max(known or [0]))
    left, right, head, foot = 48, 16, 40 + (18 if len(series) > 1 else 0), 28
    plot_w, plot_h = width - left - right, height - head - foot
    step = plot_w / max(len(x_labels), 1)
    if show_values is None:
        show_values = len(x_labels) <= MAX_VALUE_LABELS
    parts = _y_axis(left, head, plot_w, plot_h, top, unit)
    every = label_step(x_labels, step)
    for index, label in enumerate(x_labels):
        if index % every == 0:
            parts.append(_text(left + step * (index + 0.5), head + plot_h + 16, label, anchor="middle"))
    legend_x = left
    for number, (name, numbers) in enumerate(floats.items()):
        color = _color(colors, number)
        points = [
            None if value is None else (left + step * (index + 0.5), head + plot_h * (1 - min(max(value, 0) / top, 1)))
            for index, value in enumerate(numbers)
        ]
        for segment in _segments(points):
            if len(segment) > 1:
                coordinates = " ".join(f"{x:.1f},{y:.1f}" for x, y in segment)
                parts.append(f'<polyline points="{coordinates}" fill="none" stroke="{color}" stroke-width="2"/>')
        for point, label, value in zip(points, x_labels, series[name]):
            if point is not None:
                parts.append(
                    f'<circle cx="{point[0]:.1f}" cy="{point[1]:.1f}" r="3.5" fill="{color}"><title>'
                    f"{escape(name)} {escape(label)}：{escape(value_format(value))}{escape(unit)}</title></circle>"
                )
                if show_values:
                    parts.append(_text(point[0], point[1] - 7, value_format(value), anchor="middle"))
        if len(series) > 1:
            parts.append(f'<rect x="{legend_x:.1f}" y="34" width="12" height="12" fill="{color}"/>')
            parts.append(_text(legend_x + 16, 44, name))
            legend_x += 32 + text_width(name)
    return _svg(width, height, title, parts, description)


def label_step(labels: Sequence[str], slot: float) -> int:
    """Write every n-th x label, n the smallest that keeps the widest label clear of the next."""
    widest = max(map(text_width, labels), default=0) + 6
    return max(1, math.ceil(widest / slot)) if slot > 0 else 1


def _floats(values: Sequence[Value]) -> list[float | None]:
    return [None if value is None else float(value) for value in values]


def _color(colors: Sequence[str] | None, index: int) -> str:
    """colors[index], cycling; without colors, bars share one color and lines take the palette."""
    palette = colors or PALETTE
    return palette[index % len(palette)]


def _segments(points: list) -> list[list]:
    """Runs of consecutive known points: a None breaks the line."""
    runs, run = [], []
    for point in points:
        if point is not None:
            run.append(point)
        elif run:
            runs.append(run)
            run = []
    if run:
        runs.append(run)
    return runs


def tick_count(top: float) -> int:
    """Intervals on the y axis that give round steps: 5 for 1, 2.5, 5 × 10^k (…, 0.5, 1), 4 otherwise."""
    leading = top / 10 ** math.floor(math.log10(top)) if top > 0 else 1
    return 5 if any(math.isclose(leading, digit) for digit in (1, 2.5, 5)) else 4


def _y_axis(left: float, head: float, plot_w: float, plot_h: float, top: float, unit: str) -> list[str]:
    parts = []
    intervals = tick_count(top)
    for tick in range(intervals + 1):
        value = top * tick / intervals
        y = head + plot_h * (1 - tick / intervals)
        parts.append(_line(left, y, left + plot_w, y, "#ddd" if tick else "#888"))
        parts.append(_text(left - 6, y + FONT_SIZE * 0.35, f"{value:g}", anchor="end", fill="#666"))
    if unit:
        parts.append(_text(left - 6, head - 10, unit, anchor="end", fill="#666"))
    return parts


def _line(x1: float, y1: float, x2: float, y2: float, color: str) -> str:
    return f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{color}" stroke-width="1"/>'


def _text(x: float, y: float, text, anchor: str = "start", fill: str = "#222", extra: str = "") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}"{extra}>{escape(text)}</text>'


def _svg(width: float, height: float, title: str, parts: list[str], description: str = "") -> str:
    desc = f"<desc>{escape(description)}</desc>" if description else ""
    return (
        f'<svg class="chart" width="{width:.0f}" height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'role="img" aria-label="{escape(title)}" font-family="{FONT}" font-size="{FONT_SIZE}">'
        f"<title>{escape(title)}</title>{desc}"
        f'<text x="{width / 2:.1f}" y="20" text-anchor="middle" font-size="{FONT_SIZE + 3}" font-weight="bold" '
        f'fill="#222">{escape(title)}</text>' + "".join(parts) + "</svg>"
    )
