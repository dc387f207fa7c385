"""Scenes composed from icons: a background, objects with counts, sizes and places, a caption.

A scene graph (``Scene``) is laid out by rules, not by a model: sky things (sun, moon, clouds,
birds, kites) go in the sky, boats on the water, the rest stand on the ground; groups share the
width from left to right, or take the third they were given; a group "on" a table stands on it;
``count`` copies stand side by side. The result says which objects were drawn and which parts of
the request were not (an object no icon shows, a colour the icon does not have).
"""

from __future__ import annotations

import colorsys
import re
from dataclasses import dataclass, field
from html import escape

from llmos.capabilities.imagegen.icons import Icon, IconLibrary

SIZES = {"small": 0.12, "medium": 0.2, "large": 0.3}  # of the canvas side
POSITIONS = ("auto", "left", "center", "right", "sky", "ground")
MAX_COUNT = 12
# fmt: off
SKY_THINGS = {"sun", "crescent-moon", "cloud", "star", "airplane", "bird", "kite", "balloon",
              "rainbow", "helicopter", "rocket", "eagle", "dove", "bat", "comet", "parachute"}
WATER_THINGS = {"sailboat", "ship", "motor-boat", "speedboat", "canoe", "ferry", "fish", "whale",
                "dolphin", "shark", "spouting-whale", "tropical-fish"}
# fmt: on
# background -> (sky colour top, sky colour bottom, ground colour, horizon as a share of height)
BACKGROUNDS = {
    "plain": ("#ffffff", "#ffffff", "#ffffff", 0.8),
    "sky": ("#5aa9e6", "#cfe8fb", "#cfe8fb", 1.0),
    "sea": ("#6cb4ee", "#d6ecfb", "#2f6fb3", 0.55),
    "beach": ("#6cb4ee", "#d6ecfb", "#f3d9a4", 0.6),
    "grass": ("#6cb4ee", "#d6ecfb", "#6dbb4f", 0.6),
    "room": ("#f4ead5", "#efe2c6", "#b98a5a", 0.7),
    "night": ("#0b1a3a", "#27406e", "#1d3b2a", 0.72),
    "snow": ("#b9d6ef", "#eef5fb", "#fbfdff", 0.62),
    "space": ("#000010", "#0b0b2a", "#0b0b2a", 1.0),
    "desert": ("#7cc0f0", "#fbe9c3", "#e8c27a", 0.62),
    "city": ("#8cc3ec", "#e3f1fb", "#9a9a9a", 0.66),
}
PROPS = {"table": "#8b5a2b"}  # drawn by code: no emoji exists for them


@dataclass(frozen=True)
class SceneObject:
    name: str
    count: int = 1
    size: str = "medium"
    position: str = "auto"
    colour: str = ""
    on: str = ""  # the name of another object this one stands on


@dataclass(frozen=True)
class Scene:
    background: str = "plain"
    objects: tuple[SceneObject, ...] = ()
    caption: str = ""


@dataclass(frozen=True)
class Composed:
    svg: str
    drawn: tuple[str, ...]  # "3 red apple" …
    not_drawn: tuple[str, ...]  # what the picture does not show, and why
    placed: tuple[tuple[str, float, float, float], ...] = field(default=())  # (icon, x, y, side)


def compose(scene: Scene, icons: IconLibrary, size: int, *, variant: int = 0) -> Composed:
    """The scene as SVG on a ``size`` square; ``variant`` shifts the layout for another take."""
    top, bottom, ground, horizon = BACKGROUNDS.get(scene.background, BACKGROUNDS["plain"])
    parts = [_background(top, bottom, ground, horizon, size, scene.background)]
    drawn, missing, placed = [], [], []
    groups: list[tuple[SceneObject, Icon | None]] = []
    for thing in scene.objects[:8]:
        icon = None if thing.name.lower() in PROPS else icons.find(thing.name)
        if icon is None and thing.name.lower() not in PROPS:
            missing.append(f"{thing.name} (no icon shows it)")
            continue
        groups.append((thing, icon))
        if thing.colour and icon is not None and not shows_colour(icon, thing.colour):
            missing.append(f"the colour {thing.colour} of the {thing.name} (the icon is as it is)")
    ground_y = size * min(horizon + (1 - horizon) * 0.55, 0.92)
    standing = [g for g in groups if _place(g, scene) == "ground" and g[0].on not in PROPS]
    slots = _slots(standing, size, variant)
    props: dict[str, tuple[float, float, float]] = {}  # name -> (x, top y, width)
    for (thing, icon), (x0, x1) in zip(standing, slots, strict=True):
        if icon is None:  # a table
            width, height = (x1 - x0) * 0.9, size * 0.16
            x, y = (x0 + x1) / 2, ground_y
            parts.append(_table(x, y, width, height, PROPS[thing.name.lower()]))
            props[thing.name.lower()] = (x, y - height, width)
            drawn.append(thing.name)
            continue
        parts += _row(icon, thing, (x0 + x1) / 2, ground_y, x1 - x0, size, placed)
        drawn.append(_said(thing))
    areas: dict[str, list[tuple[SceneObject, Icon]]] = {}  # sky, water, or a prop's name
    for thing, icon in groups:
        where = thing.on if thing.on in props else _place((thing, icon), scene)
        if icon is not None and where != "ground":
            areas.setdefault(where, []).append((thing, icon))
    for where, members in areas.items():
        if where in props:  # side by side along the table's top
            x, y, width = props[where]
            share = width / len(members)
            slots = [(x - width / 2 + share * i, x - width / 2 + share * (i + 1))
                     for i in range(len(members))]  # fmt: skip
        else:
            slots = _slots(members, size, variant + 1)  # not straight above the ground's
            y = size * (horizon + 0.12) if where == "water" else size * horizon * 0.45
        for (thing, icon), (x0, x1) in zip(members, slots, strict=True):
            base = y if where != "sky" else max(y, size * SIZES.get(thing.size, 0.2) * 0.6)
            parts += _row(icon, thing, (x0 + x1) / 2, base, (x1 - x0), size, placed)
            drawn.append(_said(thing) + (f" on the {thing.on}" if where in props else ""))
    if scene.caption:
        colour = "#ffffff" if scene.background in ("night", "space") else "#222222"
        parts.append(
            f'<text x="{size / 2}" y="{size * 0.97:.1f}" font-size="{size * 0.05:.1f}" '
            f'text-anchor="middle" fill="{colour}">{escape(_printable(scene.caption[:80]))}</text>'
        )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
        f'viewBox="0 0 {size} {size}">{"".join(parts)}</svg>'
    )
    return Composed(svg, tuple(drawn), tuple(missing), tuple(placed))


def _printable(text: str) -> str:
    return "".join(c for c in text if c >= " ")  # XML allows no control characters


def shows_colour(icon: Icon, colour: str) -> bool:
    """Whether ``colour`` is in the icon's label or among the colours of its fills."""
    colour = {"gray": "grey"}.get(colour.lower().strip(), colour.lower().strip())
    if colour in icon.label:
        return True
    found = re.findall(r'fill="#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})"', icon.body)
    fills = [f if len(f) == 6 else "".join(c * 2 for c in f) for f in found]
    return colour in {_colour_name(f) for f in fills}


def _colour_name(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) / 255 for i in (0, 2, 4))
    hue, saturation, value = colorsys.rgb_to_hsv(r, g, b)
    if value < 0.2:
        return "black"
    if saturation < 0.15:
        return "white" if value > 0.85 else "grey"
    degrees = hue * 360
    if 15 <= degrees < 45 and value < 0.6:
        return "brown"
    for limit, name in ((15, "red"), (45, "orange"), (70, "yellow"), (170, "green"),
                        (260, "blue"), (300, "purple"), (345, "pink"), (360, "red")):  # fmt: skip
        if degrees < limit:
            return name
    return "red"


def _place(group: tuple[SceneObject, Icon | None], scene: Scene) -> str:
    _thing, icon = group  # the model's "sky" is not trusted: trees and snowmen landed there
    if icon is not None and icon.name in SKY_THINGS:
        return "sky"
    if icon is not None and icon.name in WATER_THINGS and scene.background in ("sea", "beach"):
        return "water"
    return "ground"


def _said(thing: SceneObject) -> str:
    colour = f"{thing.colour} " if thing.colour else ""
    return f"{thing.count} {colour}{thing.name}" if thing.count > 1 else f"{colour}{thing.name}"


def _slots(groups, size: int, variant: int) -> list[tuple[float, float]]:
    """Each ground group's stretch of the width: its third if it asked, else an equal share."""
    margin = size * 0.04
    free = [g for g in groups if g[0].position not in ("left", "center", "right")]
    order = free if variant % 2 == 0 else list(reversed(free))
    width = (size - 2 * margin) / max(len(order), 1)
    slots = {}
    for i, group in enumerate(order):
        slots[id(group)] = (margin + width * i, margin + width * (i + 1))
    thirds = {"left": (margin, size / 3), "center": (size / 3, 2 * size / 3)}
    thirds["right"] = (2 * size / 3, size - margin)
    return [slots.get(id(g)) or thirds[g[0].position] for g in groups]


def _row(icon: Icon, thing: SceneObject, cx: float, base_y: float, width: float, size: int,
         placed: list) -> list[str]:  # fmt: skip
    """``count`` copies of ``icon`` standing on ``base_y``, centred on ``cx`` within ``width``."""
    count = max(1, min(thing.count, MAX_COUNT))
    per_row = min(count, 6)
    rows = -(-count // per_row)
    side = min(size * SIZES.get(thing.size, 0.2), width / per_row * 0.92, size * 0.5 / rows)
    parts = []
    for index in range(count):
        row, column = divmod(index, per_row)
        in_row = min(per_row, count - row * per_row)
        x = cx + (column - (in_row - 1) / 2) * side * 1.05 - side / 2
        y = base_y - side * (row + 1) * 1.02
        scale = side / icon.size
        parts.append(
            f'<g transform="translate({x:.1f} {y:.1f}) scale({scale:.3f})">{icon.body}</g>'
        )
        placed.append((icon.name, round(x, 1), round(y, 1), round(side, 1)))
    return parts


def _table(cx: float, top_y: float, width: float, height: float, colour: str) -> str:
    """A table whose top is at ``top_y - height``: a board and two legs down to ``top_y``."""
    board = height * 0.18
    x0 = cx - width / 2
    legs = "".join(
        f'<rect x="{x:.1f}" y="{top_y - height:.1f}" width="{width * 0.05:.1f}" '
        f'height="{height:.1f}" fill="{colour}"/>'
        for x in (x0 + width * 0.08, x0 + width * 0.87)
    )
    return legs + (
        f'<rect x="{x0:.1f}" y="{top_y - height:.1f}" width="{width:.1f}" height="{board:.1f}" '
        f'rx="{board / 3:.1f}" fill="{colour}"/>'
    )


def _background(top: str, bottom: str, ground: str, horizon: float, size: int, name: str) -> str:
    y = size * horizon
    parts = [
        '<defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1">'
        f'<stop offset="0" stop-color="{top}"/><stop offset="1" stop-color="{bottom}"/>'
        "</linearGradient></defs>",
        f'<rect width="{size}" height="{size}" fill="url(#sky)"/>',
    ]
    if horizon < 1:
        parts.append(f'<rect y="{y:.1f}" width="{size}" height="{size - y:.1f}" fill="{ground}"/>')
    if name == "beach":  # a strip of sea between sky and sand
        parts.append(f'<rect y="{y:.1f}" width="{size}" height="{size * 0.1:.1f}" fill="#2f6fb3"/>')
    if name in ("night", "space"):
        for i in range(40):  # fixed stars
            sx, sy = (i * 97 % 101) / 101 * size, (i * 61 % 89) / 89 * y * 0.9
            parts.append(
                f'<circle cx="{sx:.1f}" cy="{sy:.1f}" r="{size * 0.003:.1f}" fill="#fff"/>'
            )
    return "".join(parts)
