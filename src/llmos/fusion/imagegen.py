"""Drawing from a prompt: charts, clocks and flags by code, scenes composed from icons.

Not text-to-image in the diffusion sense: no such weights ship in any package, and the 1.5B
chat model cannot draw (0 of 30 free-form SVGs depicted their prompt in the research probe).
The kind of picture is chosen by rules, the chat model (through the kernel) only reads
parameters from the prompt, and code draws; every picture says what it shows and what it could
not (``Picture.not_drawn``). Rendering takes a CPU slot like any other heavy work.
"""

from __future__ import annotations

import calendar
import datetime
import math
import re
import secrets
from functools import partial
from typing import Any

from llmos.capabilities.chat import chat_completion
from llmos.capabilities.imagegen import icons as icon_sets
from llmos.capabilities.imagegen import learned, templates
from llmos.capabilities.imagegen import requests as asks
from llmos.capabilities.imagegen.scene import PROPS, Scene, SceneObject, compose
from llmos.capabilities.imagegen.svg import draw
from llmos.capabilities.imagegen.types import MAX_PICTURES, MAX_PROMPT_CHARS, Picture
from llmos.errors import InvalidRequest
from llmos.kernel import Kernel

Drawing = tuple[str, tuple[str, ...], tuple[str, ...]]  # (svg, drawn, not drawn)
# fmt: off
PLACES = {"sea", "ocean", "lake", "river", "sky", "grass", "field", "park", "meadow", "garden",
          "room", "kitchen", "beach", "desert", "space", "city", "street", "night", "snow",
          "water", "ground", "floor", "wall", "background", "海", "大海", "天空", "天", "草",
          "草地", "草坪", "公园", "房间", "海滩", "沙滩", "夜晚", "雪", "太空", "沙漠", "城市",
          "街道", "地面"}  # the background shows them
ALIASES = {"桌子": "table", "桌": "table", "餐桌": "table", "desk": "table"}
COUNT_WORDS = {"a", "an", "the", "one", "two", "three", "four", "five", "six", "seven", "eight",
               "nine", "ten", "eleven", "twelve", "some", "many"}
COLOURS = {"red", "blue", "green", "yellow", "orange", "purple", "pink", "brown", "black",
           "white", "grey", "gray"}
# fmt: on
QUOTED = re.compile(r"[\"“「『]([^\"”」』]{1,80})[\"”」』]")
CHARTS = {
    "bar chart": templates.bar_chart,
    "line chart": templates.line_chart,
    "pie chart": templates.pie_chart,
}


class CannotDraw(InvalidRequest):
    """Nothing the prompt asks for can be drawn."""

    code = "cannot_draw"


class Composer:
    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel

    def generators(self) -> list[str]:
        """The image generators you trained (``llmos train``) that the kernel serves."""
        return [s.name for s in self.kernel.registry.models if s.capability == learned.NAME]

    async def imagine(
        self, prompt: str, *, n: int = 1, size: int = 512, model: str | None = None
    ) -> list[Picture]:
        """``n`` pictures for ``prompt`` on a ``size`` square, by the composer or, when
        ``model`` names one, by a generator you trained."""
        prompt = prompt.strip()
        if not prompt:
            raise InvalidRequest("'prompt' is empty; say what to draw.")
        if len(prompt) > MAX_PROMPT_CHARS:
            raise InvalidRequest(f"'prompt' is over {MAX_PROMPT_CHARS} characters.")
        if not 1 <= n <= MAX_PICTURES:
            raise InvalidRequest(f"'n' must be 1-{MAX_PICTURES}.")
        if model is not None and model in self.generators():
            return await self._generated(prompt, model, n, size)
        kind = asks.kind_of(prompt)
        if kind in CHARTS:
            drawings = await self._chart(prompt, kind, size, n)
        elif kind == "clock":
            drawings = await self._clock(prompt, size, n)
        elif kind == "flag":
            drawings = await self._flag(prompt, size, n)
        elif kind == "calendar":
            drawings = await self._calendar(prompt, size, n)
        elif kind == "diagram":
            drawings = await self._diagram(prompt, size, n)
        elif kind == "timeline":
            drawings = await self._timeline(prompt, size, n)
        else:
            drawings = await self._scene(prompt, size, n)
        pictures = []
        for svg, drawn, not_drawn in drawings:
            clean, png = await self.kernel.compute(partial(draw, svg, width=size, height=size))
            pictures.append(Picture(png, clean, kind, drawn, not_drawn))
        return pictures

    async def _chart(self, prompt: str, kind: str, size: int, n: int) -> list[Drawing]:
        asked = asks.read_json(await self._chat(asks.chart_request(prompt)))
        labels = [str(x) for x in asked.get("labels", [])][: asks.MAX_ITEMS]
        values = [float(x) for x in asked.get("values", []) if isinstance(x, int | float)]
        stated = asks.numbers_in(prompt)
        missing: list[str] = []
        if stated and (not values or not set(values) <= set(stated)):  # the prompt decides
            values = stated[: asks.MAX_ITEMS]
        if any(not math.isfinite(v) or abs(v) > asks.MAX_VALUE for v in values):
            raise InvalidRequest(f"A chart's numbers must be at most {asks.MAX_VALUE:g} in size.")
        if not values:
            raise CannotDraw("The prompt gives no numbers to chart; list them, e.g. 'A 3, B 5'.")
        if not stated:
            missing.append("real numbers (the prompt gives none, so the values are made up)")
        if len(labels) != len(values):
            labels = (labels + [str(i + 1) for i in range(len(values))])[: len(values)]
        title = str(asked.get("title", ""))[:60]
        draw = CHARTS[kind]
        drawn = tuple(f"{label} = {value:g}" for label, value in zip(labels, values, strict=True))
        return [
            (draw(labels, values, title, size, shift=i), drawn, tuple(missing)) for i in range(n)
        ]

    async def _clock(self, prompt: str, size: int, n: int) -> list[Drawing]:
        time = asks.clock_time(prompt)
        if time is None:
            asked = asks.read_json(await self._chat(asks.clock_request(prompt)))
            hour, minute = int(asked.get("hour", -1)), int(asked.get("minute", -1))
            if not (0 <= hour < 24 and 0 <= minute < 60):
                raise CannotDraw("The prompt gives no time for the clock; say e.g. '3:30'.")
            time = (hour, minute)
        hour, minute = time
        drawn = (f"the time {hour}:{minute:02d}",)
        return [(templates.clock(hour, minute, size), drawn, ())] * n

    async def _flag(self, prompt: str, size: int, n: int) -> list[Drawing]:
        names = await self.kernel.compute(icon_sets.flags)
        found = await self.kernel.compute(icon_sets.countries_in, prompt, names)
        if not found:
            asked = asks.read_json(await self._chat(asks.country_request(prompt)))
            country = icon_sets.key(str(asked.get("country", "")))
            found = [country] if country in names else []
            if not found:
                raise CannotDraw(f"llmos has no flag for {country or 'that country'!r}.")
        name, others = found[0], found[1:]
        flag = await self.kernel.compute(icon_sets.flag_svg, names[name])
        missing = tuple(f"the flag of {other.title()} (one flag per picture)" for other in others)
        return [(_framed(flag, size), (f"the flag of {name.title()}",), missing)] * n

    async def _calendar(self, prompt: str, size: int, n: int) -> list[Drawing]:
        year, month = asks.month_of(prompt)
        missing: tuple[str, ...] = ()
        if month is None:
            asked = asks.read_json(await self._chat(asks.calendar_request(prompt)))
            month = asked.get("month") if isinstance(asked.get("month"), int) else None
            year = year or (asked.get("year") if isinstance(asked.get("year"), int) else None)
        today = datetime.date.today()
        if month is None or not 1 <= month <= 12:
            month, missing = today.month, ("the month (none given, so this month is shown)",)
        if year is None or not 1600 <= year <= 2299:
            year = today.year
        svg = templates.month_calendar(year, month, size)
        return [(svg, (f"{calendar.month_name[month]} {year}",), missing)] * n

    async def _diagram(self, prompt: str, size: int, n: int) -> list[Drawing]:
        steps = asks.flow_steps(prompt)
        if not steps:
            asked = asks.read_json(await self._chat(asks.steps_request(prompt)))
            steps = [str(s).strip() for s in asked.get("steps", []) if str(s).strip()]
        if len(steps) < 2:
            raise CannotDraw("The prompt names no steps for a diagram; write e.g. 'A -> B -> C'.")
        missing = tuple(f"step {s!r} (at most 8)" for s in steps[templates.MAX_STEPS :])
        drawn = tuple(" -> ".join(steps[: templates.MAX_STEPS]).split(" -> "))
        return [(templates.flow_diagram(steps, size), drawn, missing)] * n

    async def _timeline(self, prompt: str, size: int, n: int) -> list[Drawing]:
        events = asks.events_in(prompt)
        if not events:
            asked = asks.read_json(await self._chat(asks.events_request(prompt)))
            items = [e for e in asked.get("events", []) if isinstance(e, dict)]
            events = [(str(e.get("when", "")), str(e.get("what", ""))) for e in items]
            events = [(when, what) for when, what in events if when and when in prompt]
        if not events:
            raise CannotDraw("The prompt names no dated events; write e.g. '1969 moon landing'.")
        missing = tuple(f"{w} {e} (at most 8 events)" for w, e in events[templates.MAX_STEPS :])
        drawn = tuple(f"{when} {what}" for when, what in events[: templates.MAX_STEPS])
        return [(templates.timeline(events, size), drawn, missing)] * n

    async def _scene(self, prompt: str, size: int, n: int) -> list[Drawing]:
        asked = asks.read_json(await self._chat(asks.scene_request(prompt)))
        library = await self.kernel.compute(icon_sets.library)
        background = asks.background_of(prompt)
        things, ignored = [], []
        for item in asked.get("objects", []):
            thing = _thing(item)
            if thing is None or thing.name in PLACES:
                continue  # a place, not a thing: the background shows it
            if prompt.isascii() and _head(thing.name) not in prompt.lower():
                ignored.append(f"{thing.name} (the prompt does not name it)")
                continue
            things.append(thing)
        names = {t.name for t in things}
        for support in {t.on for t in things if t.on in PROPS} - names:  # "on a table"
            things.insert(0, SceneObject(support, size="large"))
        caption = next(iter(QUOTED.findall(prompt)), "")  # only words the prompt quotes
        scene = Scene(background, tuple(things), caption[:80])
        drawings = []
        for variant in range(n):
            composed = compose(scene, library, size, variant=variant)
            drawings.append((composed.svg, composed.drawn, composed.not_drawn))
        if not drawings[0][1]:
            missing = "; ".join(drawings[0][2] or ("no object could be read from it",))
            raise CannotDraw(
                f"llmos cannot draw this prompt: {missing}. It draws charts, clocks, flags and "
                "scenes of everyday things (animals, food, vehicles, plants, weather, objects)."
            )
        return drawings

    async def _generated(self, prompt: str, name: str, n: int, size: int) -> list[Picture]:
        spec = self.kernel.registry.model(name, capability=learned.NAME)
        assert isinstance(spec.card, learned.Generator)
        caption = spec.card.caption_of(prompt)  # before any model: outside its world is a 400
        seed = secrets.randbits(31)
        drawn = await self.kernel.run(spec, lambda model, _stop: model.draw(caption, n, seed))
        return [
            Picture(await self.kernel.compute(learned.png_of, rgb, size), "", "generated picture",
                    (f"{name}'s drawing of {caption!r}",), ())
            for rgb in drawn
        ]  # fmt: skip

    async def _chat(self, request: dict[str, Any]) -> str:
        spec = self.kernel.registry.resolve("chat", None)

        def job(model, stop):
            return chat_completion(model, request, on_chunk=None, stop=stop)

        result = await self.kernel.run(spec, job)
        return result.response["choices"][0]["message"].get("content") or ""


def _thing(item: Any) -> SceneObject | None:
    """A scene object from the model's JSON, its name cleared of articles, numbers and colours
    (the model often writes "three red apples"), and ``on`` cleared when it names a place."""
    if not isinstance(item, dict):
        return None
    words = str(item.get("name", "")).lower().split()
    while words and (words[0] in COUNT_WORDS or words[0].isdigit()):
        words.pop(0)
    colour = str(item.get("colour", "")).strip().lower()[:20]
    while words[:-1] and words[0] in COLOURS:
        colour = colour or words[0]
        words.pop(0)
    if not words:
        return None
    on = " ".join(w for w in str(item.get("on", "")).lower().split() if w not in COUNT_WORDS)
    name, on = ALIASES.get(" ".join(words), " ".join(words)), ALIASES.get(on, on)
    return SceneObject(
        name=name[:40],
        count=max(1, min(int(item.get("count", 1) or 1), 12)),
        size=str(item.get("size", "medium")),
        position=str(item.get("position", "auto")),
        colour=colour,
        on="" if on in PLACES else on[:40],
    )


def _head(name: str) -> str:
    word = name.split()[-1]
    return word[:-1] if word.endswith("s") and len(word) > 3 else word[: max(3, len(word) - 1)]


def _framed(flag_svg: str, size: int) -> str:
    """A 4:3 flag centred on a light square with a thin border."""
    width, height = size * 0.86, size * 0.86 * 3 / 4
    x, y = (size - width) / 2, (size - height) / 2
    inner = flag_svg.replace("<svg", f'<svg x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" '
                             f'height="{height:.1f}"', 1)  # fmt: skip
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
        f'viewBox="0 0 {size} {size}"><rect width="{size}" height="{size}" fill="#f4f4f4"/>'
        f'<rect x="{x - 1:.1f}" y="{y - 1:.1f}" width="{width + 2:.1f}" height="{height + 2:.1f}" '
        f'fill="#999999"/>{inner}</svg>'
    )
