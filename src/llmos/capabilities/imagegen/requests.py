"""What kind of picture a prompt asks for (by rules), and what the chat LLM is asked to extract.

The research probe found the 1.5B model good at filling parameters from a prompt and bad at
choosing among templates (7 of 7 free-form scenes came back as the first option), so the kind
is chosen by keywords here, in English and Chinese, and the model only fills a JSON schema.
Numbers, times and countries are also read by rules where the prompt states them plainly.
"""

from __future__ import annotations

import calendar
import json
import re
from typing import Any

from llmos.capabilities.imagegen.scene import POSITIONS, SIZES

KINDS = ("pie chart", "line chart", "timeline", "diagram", "calendar", "bar chart", "clock",
         "flag", "scene")  # fmt: skip
_KEYWORDS = {
    "pie chart": r"\bpie\b|饼图|饼状图",
    "line chart": r"\bline (chart|graph|plot)\b|折线",
    "timeline": r"\btime ?line\b|时间线|时间轴",
    "diagram": r"\b(flow ?chart|diagram|flow)\b|->|→|=>|流程图",
    "calendar": r"\bcalendar\b|日历|月历",
    "bar chart": r"\b(bar |column )?(chart|graph|histogram)s?\b|柱状图|条形图|图表",
    "clock": r"\bclock\b|\bo'?clock\b|\bwatch face\b|时钟|钟表|点钟",
    "flag": r"\bflags?\b|国旗|旗帜",
}
NUMBER = re.compile(r"(?<![A-Za-z0-9_.,])-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![A-Za-z0-9_.])")
MAX_VALUE = 1e12  # a chart's numbers; beyond, the drawing's arithmetic loses meaning
MAX_ITEMS = 24
BACKGROUND_WORDS = {
    "sea": r"\b(sea|ocean|lake|river|waves?)\b|海|湖|河",
    "beach": r"\bbeach\b|海滩|沙滩",
    "night": r"\b(night|midnight|stars)\b|夜",
    "space": r"\b(space|galaxy|planet)\b|太空|宇宙",
    "snow": r"\b(snow|snowy|winter)\b|雪|冬",
    "desert": r"\bdesert\b|沙漠",
    "room": r"\b(room|table|kitchen|desk|indoors?|inside)\b|房间|桌|厨房|室内",
    "city": r"\b(city|street|town)\b|城市|街",
    "grass": r"\b(grass|field|park|meadow|garden|forest|farm|hill)\b|草|公园|田|花园|森林",
    "sky": r"\b(sky|clouds?|flying|fly)\b|天空|飞",
}


def kind_of(prompt: str) -> str:
    """The template a prompt asks for; "scene" when no keyword names one."""
    text = prompt.lower()
    for kind, pattern in _KEYWORDS.items():
        if re.search(pattern, text):
            return kind
    return "scene"


def background_of(prompt: str) -> str:
    text = prompt.lower()
    for background, pattern in BACKGROUND_WORDS.items():
        if re.search(pattern, text):
            return background
    return "plain"


def numbers_in(prompt: str) -> list[float]:
    """The numbers a prompt states, "1,200" as twelve hundred."""
    return [float(n.replace(",", "")) for n in NUMBER.findall(prompt)]


def clock_time(prompt: str) -> tuple[int, int] | None:
    """The time a prompt states as 3:30, 3 o'clock, 3 pm or 3点(半), else None."""
    text = prompt.lower()
    if match := re.search(r"\b(\d{1,2}):(\d{2})\b", text):
        hour, minute = int(match[1]), int(match[2])
    elif match := re.search(r"\b(\d{1,2})\s*(o'?clock|am|pm|a\.m\.|p\.m\.)", text):
        hour, minute = int(match[1]), 0
    elif match := re.search(r"(\d{1,2})\s*点\s*(半|(\d{1,2})\s*分)?", text):
        hour = int(match[1])
        minute = 30 if match[2] == "半" else int(match[3] or 0)
    else:
        return None
    return (hour, minute) if hour < 24 and minute < 60 else None


ARROW = re.compile(r"\s*(?:->|→|=>|⟶)\s*")
EVENT = re.compile(r"\b(\d{3,4})\s*[:\-–—]?\s*([^,;，；\d][^,;，；]*)")  # noqa: RUF001
MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
MONTHS |= {name.lower(): number for number, name in enumerate(calendar.month_abbr) if name}


def flow_steps(prompt: str) -> list[str]:
    """The steps of "A -> B -> C" (after a colon, if any), else []."""
    text = re.split("[:\uff1a]", prompt, maxsplit=1)[-1]  # after a colon, also a full-width one
    steps = [step.strip(" .") for step in ARROW.split(text) if step.strip(" .")]
    return steps if len(steps) >= 2 else []


def events_in(prompt: str) -> list[tuple[str, str]]:
    """(year, what) pairs written as "1969 moon landing, 1989 the web", else []."""
    events = [(when, what.strip(" .")) for when, what in EVENT.findall(prompt)]
    return events if len(events) >= 2 else []


def month_of(prompt: str) -> tuple[int | None, int | None]:
    """(year, month) a prompt names: "March 2027", "2027年3月", "3月"; None where it does not."""
    text = prompt.lower()
    year = re.search(r"\b(1[6-9]\d\d|2[0-2]\d\d)\b|(\d{4})年", text)
    month = re.search(r"(\d{1,2})\s*月", text)
    number = int(month[1]) if month and 1 <= int(month[1]) <= 12 else None
    if number is None:
        words = re.findall(r"[a-z]+", text)
        number = next((MONTHS[w] for w in words if w in MONTHS and len(w) >= 3), None)
    return (int(year[1] or year[2]) if year else None), number


def _object(**properties: dict[str, Any]) -> dict[str, Any]:
    """A JSON schema for an object with exactly these properties, all required."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def _schema_request(system: str, prompt: str, schema: dict[str, Any], tokens: int) -> dict:
    return {
        "messages": [{"role": "system", "content": system}, {"role": "user", "content": prompt}],
        "temperature": 0,
        "max_tokens": tokens,
        "response_format": {"type": "json_schema", "json_schema": {"schema": schema}},
    }


def chart_request(prompt: str) -> dict[str, Any]:
    text = {"type": "string", "maxLength": 24}
    schema = _object(
        title={"type": "string", "maxLength": 60},
        labels={"type": "array", "items": text, "maxItems": MAX_ITEMS},
        values={"type": "array", "items": {"type": "number"}, "maxItems": MAX_ITEMS},
    )
    system = (
        "Read a chart request. Reply with JSON: a short title, and the labels and numbers the "
        "request gives, in its order, one number per label. Keep the request's language."
    )
    return _schema_request(system, prompt, schema, 300)


def clock_request(prompt: str) -> dict[str, Any]:
    schema = _object(
        hour={"type": "integer", "minimum": 0, "maximum": 23},
        minute={"type": "integer", "minimum": 0, "maximum": 59},
    )
    system = "Read the time a clock should show. Reply with JSON: hour and minute."
    return _schema_request(system, prompt, schema, 40)


def country_request(prompt: str) -> dict[str, Any]:
    schema = _object(country={"type": "string", "maxLength": 60})
    system = "Which country's flag is asked for? Reply with JSON: its English name."
    return _schema_request(system, prompt, schema, 40)


def calendar_request(prompt: str) -> dict[str, Any]:
    schema = _object(
        year={"type": "integer", "minimum": 1600, "maximum": 2299},
        month={"type": "integer", "minimum": 1, "maximum": 12},
    )
    system = "Which month should the calendar show? Reply with JSON: year and month number."
    return _schema_request(system, prompt, schema, 40)


def steps_request(prompt: str) -> dict[str, Any]:
    step = {"type": "string", "maxLength": 40}
    schema = _object(steps={"type": "array", "items": step, "maxItems": 8})
    system = "List the steps of the process the request describes, in order, a few words each."
    return _schema_request(system, prompt, schema, 200)


def events_request(prompt: str) -> dict[str, Any]:
    event = _object(
        when={"type": "string", "maxLength": 12}, what={"type": "string", "maxLength": 30}
    )
    schema = _object(events={"type": "array", "items": event, "maxItems": 8})
    system = "List the dated events the request names, in order: when (a year or date), what."
    return _schema_request(system, prompt, schema, 300)


def scene_request(prompt: str) -> dict[str, Any]:
    thing = _object(
        name={"type": "string", "maxLength": 40},
        count={"type": "integer", "minimum": 1, "maximum": 12},
        colour={"type": "string", "maxLength": 20},
        size={"enum": list(SIZES)},
        position={"enum": list(POSITIONS)},
        on={"type": "string", "maxLength": 40},
    )
    schema = _object(
        objects={"type": "array", "items": thing, "maxItems": 8},
        caption={"type": "string", "maxLength": 80},
    )
    system = (
        "List the things a picture request names. For each: name = an English singular noun "
        "(translate other languages), count = how many (1 if not said), colour = the colour "
        'word given for it or "", size = medium unless said, position = sky for things in the '
        'sky, else auto unless said, on = the thing it stands on when the request says "on", '
        'else "". Places such as sea, sky, grass or room are not things. caption = words the '
        'request asks to write in the picture, else "". Only things the request names.'
    )
    return _schema_request(system, prompt, schema, 400)


def read_json(content: str) -> dict[str, Any]:
    try:
        value = json.loads(content)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
