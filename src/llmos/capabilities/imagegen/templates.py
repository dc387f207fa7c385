"""Pictures drawn by code from parameters: bar, line and pie charts, and clocks.

Each function takes what the prompt's numbers say and returns an SVG on a ``size`` x ``size``
canvas. The geometry is exact (a bar's height is its value over the largest), so a test can
check the pixels, and so can a person.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7")
INK, GRID, PAPER = "#333333", "#dddddd", "#ffffff"
MAX_ITEMS = 24  # bars, points or slices a chart draws legibly
MAX_STEPS = 8  # boxes of a diagram, events of a timeline


def _svg(size: int, body: str, *, background: str = PAPER) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
        f'viewBox="0 0 {size} {size}"><rect width="{size}" height="{size}" fill="{background}"/>'
        f"{body}</svg>"
    )


def _text(x: float, y: float, text: str, size: float, *, anchor: str = "middle", **extra) -> str:
    text = "".join(c for c in text if c >= " " or c in "\t")  # XML allows no control chars
    attributes = "".join(f' {k.replace("_", "-")}="{v}"' for k, v in extra.items())
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size:.1f}" text-anchor="{anchor}" '
        f'fill="{INK}"{attributes}>{escape(text)}</text>'
    )


def _number(value: float) -> str:
    return f"{value:g}" if abs(value) < 1e6 else f"{value:.3g}"


def plot_area(size: int) -> tuple[float, float, float, float]:
    """(left, top, right, bottom) of a chart's plotting area on a ``size`` canvas."""
    return size * 0.12, size * 0.14, size * 0.95, size * 0.84


def bar_chart(
    labels: Sequence[str], values: Sequence[float], title: str, size: int, shift: int = 0
) -> str:
    """Vertical bars from a zero baseline; heights proportional to ``values`` (negative ones are
    drawn at zero and labelled)."""
    left, top, right, bottom = plot_area(size)
    n = len(values)
    peak = max([*values, 0.0]) or 1.0
    slot = (right - left) / n
    parts = [_text(size / 2, size * 0.08, title, size * 0.05, font_weight="bold")]
    for i in range(5):  # grid lines at 0, 25, 50, 75, 100 % of the peak
        y = bottom - (bottom - top) * i / 4
        parts.append(
            f'<line x1="{left:.1f}" y1="{y:.1f}" x2="{right:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        height = (bottom - top) * max(value, 0.0) / peak
        x = left + slot * i + slot * 0.15
        colour = PALETTE[(i + shift) % len(PALETTE)]
        parts.append(
            f'<rect x="{x:.1f}" y="{bottom - height:.1f}" width="{slot * 0.7:.1f}" '
            f'height="{height:.1f}" fill="{colour}"/>'
        )
        parts.append(
            _text(x + slot * 0.35, bottom - height - size * 0.012, _number(value), size * 0.035)
        )
        parts.append(_text(x + slot * 0.35, bottom + size * 0.05, label, size * 0.035))
    parts.append(
        f'<line x1="{left:.1f}" y1="{bottom:.1f}" x2="{right:.1f}" y2="{bottom:.1f}" '
        f'stroke="{INK}" stroke-width="2"/>'
    )
    return _svg(size, "".join(parts))


def line_chart(
    labels: Sequence[str], values: Sequence[float], title: str, size: int, shift: int = 0
) -> str:
    """Points joined in order, the value axis from the smallest value (or zero) to the largest."""
    left, top, right, bottom = plot_area(size)
    low, high = min([*values, 0.0]), max(values)
    span = (high - low) or 1.0
    step = (right - left) / len(values)
    points = [
        (left + step * (i + 0.5), bottom - (bottom - top) * (v - low) / span)
        for i, v in enumerate(values)
    ]
    parts = [_text(size / 2, size * 0.08, title, size * 0.05, font_weight="bold")]
    for i in range(5):
        y = bottom - (bottom - top) * i / 4
        parts.append(
            f'<line x1="{left:.1f}" y1="{y:.1f}" x2="{right:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    parts.append(
        f'<polyline points="{path}" fill="none" stroke="{PALETTE[shift % len(PALETTE)]}" '
        f'stroke-width="{size * 0.008:.1f}"/>'
    )
    for (x, y), label, value in zip(points, labels, values, strict=True):
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{size * 0.012:.1f}" '
            f'fill="{PALETTE[(shift + 1) % len(PALETTE)]}"/>'
        )
        parts.append(_text(x, y - size * 0.025, _number(value), size * 0.032))
        parts.append(_text(x, bottom + size * 0.05, label, size * 0.035))
    return _svg(size, "".join(parts))


def pie_chart(
    labels: Sequence[str], values: Sequence[float], title: str, size: int, shift: int = 0
) -> str:
    """Slices clockwise from twelve o'clock, each's angle its share of the (positive) total."""
    cx, cy, r = size / 2, size * 0.54, size * 0.32
    positive = [max(v, 0.0) for v in values]
    total = sum(positive) or 1.0
    parts = [_text(size / 2, size * 0.08, title, size * 0.05, font_weight="bold")]
    angle = -math.pi / 2
    for i, (label, value) in enumerate(zip(labels, positive, strict=True)):
        sweep = 2 * math.pi * (value / total)
        colour = PALETTE[(i + shift) % len(PALETTE)]
        if sweep >= 2 * math.pi - 1e-9:
            parts.append(f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="{colour}"/>')
        elif sweep > 0:
            x1, y1 = cx + r * math.cos(angle), cy + r * math.sin(angle)
            x2, y2 = cx + r * math.cos(angle + sweep), cy + r * math.sin(angle + sweep)
            large = 1 if sweep > math.pi else 0
            parts.append(
                f'<path d="M{cx:.1f},{cy:.1f} L{x1:.1f},{y1:.1f} A{r:.1f},{r:.1f} 0 {large} 1 '
                f'{x2:.1f},{y2:.1f} Z" fill="{colour}" stroke="{PAPER}" stroke-width="2"/>'
            )
        middle = angle + sweep / 2
        lx, ly = cx + r * 1.18 * math.cos(middle), cy + r * 1.18 * math.sin(middle)
        share = f"{label} {100 * value / total:.0f}%"
        parts.append(_text(lx, ly + size * 0.012, share, size * 0.035))
        angle += sweep
    return _svg(size, "".join(parts))


def clock(hour: int, minute: int, size: int) -> str:
    """An analogue clock face showing ``hour``:``minute`` (the hour hand moves with minutes)."""
    c, r = size / 2, size * 0.42
    parts = [
        f'<circle cx="{c}" cy="{c}" r="{r}" fill="#fdfdf8" stroke="{INK}" '
        f'stroke-width="{size * 0.02:.1f}"/>'
    ]
    for mark in range(60):
        a = 2 * math.pi * mark / 60
        inner = r * (0.85 if mark % 5 == 0 else 0.92)
        width = size * (0.012 if mark % 5 == 0 else 0.004)
        parts.append(
            f'<line x1="{c + inner * math.sin(a):.1f}" y1="{c - inner * math.cos(a):.1f}" '
            f'x2="{c + r * 0.97 * math.sin(a):.1f}" y2="{c - r * 0.97 * math.cos(a):.1f}" '
            f'stroke="{INK}" stroke-width="{width:.1f}"/>'
        )
    for number in range(1, 13):
        a = 2 * math.pi * number / 12
        x, y = c + r * 0.72 * math.sin(a), c - r * 0.72 * math.cos(a)
        parts.append(_text(x, y + size * 0.025, str(number), size * 0.07))
    hour_angle = 2 * math.pi * ((hour % 12) + minute / 60) / 12
    minute_angle = 2 * math.pi * minute / 60
    for angle, length, width, colour in (
        (hour_angle, 0.5, 0.035, INK),
        (minute_angle, 0.78, 0.022, "#555555"),
    ):
        x, y = c + r * length * math.sin(angle), c - r * length * math.cos(angle)
        parts.append(
            f'<line x1="{c}" y1="{c}" x2="{x:.1f}" y2="{y:.1f}" stroke="{colour}" '
            f'stroke-width="{size * width:.1f}" stroke-linecap="round"/>'
        )
    parts.append(f'<circle cx="{c}" cy="{c}" r="{size * 0.025:.1f}" fill="{INK}"/>')
    return _svg(size, "".join(parts))


def month_calendar(year: int, month: int, size: int, *, first_weekday: int = 0) -> str:
    """A month's grid, weeks in rows from ``first_weekday`` (0 = Monday), weekends tinted."""
    import calendar

    names = calendar.Calendar(first_weekday)
    weeks = names.monthdayscalendar(year, month)
    left, top = size * 0.06, size * 0.24
    cell_w, cell_h = size * 0.88 / 7, size * 0.7 / len(weeks)
    title = f"{calendar.month_name[month]} {year}"
    parts = [_text(size / 2, size * 0.1, title, size * 0.065, font_weight="bold")]
    for column in range(7):
        weekday = (first_weekday + column) % 7
        x = left + cell_w * (column + 0.5)
        parts.append(_text(x, size * 0.19, calendar.day_abbr[weekday], size * 0.035))
    for row, week in enumerate(weeks):
        for column, day in enumerate(week):
            x, y = left + cell_w * column, top + cell_h * row
            weekend = (first_weekday + column) % 7 >= 5
            fill = "#fdecea" if weekend and day else "#f7f7f7" if day else PAPER
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{cell_w:.1f}" height="{cell_h:.1f}" '
                f'fill="{fill}" stroke="{GRID}"/>'
            )
            if day:
                parts.append(_text(x + cell_w * 0.5, y + cell_h * 0.62, str(day), size * 0.045))
    return _svg(size, "".join(parts))


def flow_diagram(steps: Sequence[str], size: int) -> str:
    """Boxes joined by arrows, top to bottom, one per step (at most ``MAX_STEPS``)."""
    steps = list(steps)[:MAX_STEPS]
    gap = size * 0.9 / len(steps)
    box_h = min(gap * 0.6, size * 0.14)
    box_w = size * 0.7
    parts = [
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" '
        f'markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{INK}"/></marker>'
        "</defs>"
    ]
    for i, step in enumerate(steps):
        y = size * 0.05 + gap * i + (gap - box_h) / 2
        x = (size - box_w) / 2
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{box_w:.1f}" height="{box_h:.1f}" rx="8" '
            f'fill="{PALETTE[i % len(PALETTE)]}" fill-opacity="0.25" stroke="{INK}"/>'
        )
        parts.append(_text(size / 2, y + box_h * 0.62, step[:40], min(box_h * 0.4, size * 0.045)))
        if i + 1 < len(steps):
            y0, y1 = y + box_h, y + gap - 2
            parts.append(
                f'<line x1="{size / 2}" y1="{y0:.1f}" x2="{size / 2}" y2="{y1:.1f}" '
                f'stroke="{INK}" stroke-width="2" marker-end="url(#arrow)"/>'
            )
    return _svg(size, "".join(parts))


def timeline(events: Sequence[tuple[str, str]], size: int) -> str:
    """(when, what) events on a horizontal line, in the order given, labels above and below."""
    events = list(events)[:MAX_STEPS]
    left, right, y = size * 0.16, size * 0.84, size * 0.5
    step = (right - left) / max(len(events) - 1, 1)
    parts = [
        f'<line x1="{left:.1f}" y1="{y}" x2="{right:.1f}" y2="{y}" stroke="{INK}" '
        'stroke-width="3"/>'
    ]
    for i, (when, what) in enumerate(events):
        x = left + step * i if len(events) > 1 else size / 2
        up = i % 2 == 0
        colour = PALETTE[i % len(PALETTE)]
        parts.append(f'<circle cx="{x:.1f}" cy="{y}" r="{size * 0.015:.1f}" fill="{colour}"/>')
        parts.append(_text(x, y + (-size * 0.05 if up else size * 0.07), when[:12], size * 0.04,
                           font_weight="bold"))  # fmt: skip
        parts.append(_text(x, y + (-size * 0.11 if up else size * 0.13), what[:20], size * 0.032))
    return _svg(size, "".join(parts))
