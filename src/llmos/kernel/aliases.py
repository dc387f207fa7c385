"""Model aliases: the names other APIs' clients send (``gpt-4o-mini``, ``whisper-1``,
``text-embedding-3-small``), each answered by one of llmos's models. The table is data
(``kernel/data/aliases.toml``); a file named by the ``aliases_file`` setting adds to it or
overrides it, capability by capability."""

from __future__ import annotations

import fnmatch
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from llmos.errors import InvalidRequest

DEFAULT = "default"  # the capability's default model
SHIPPED = Path(__file__).parent / "data" / "aliases.toml"


@dataclass(frozen=True)
class Aliases:
    table: dict[str, dict[str, str]] = field(default_factory=dict)  # capability -> name -> model

    def target(self, name: str, capability: str | None = None) -> tuple[str, str] | None:
        """(capability, model or ``DEFAULT``) that ``name`` stands for, if it is an alias: an
        exact name first, then the first pattern that matches (the user's before the shipped)."""
        tables = [(s, e) for s, e in self.table.items() if capability in (None, s)]
        for served, entries in tables:
            if name in entries:
                return served, entries[name]
        for served, entries in tables:
            for pattern, model in entries.items():
                if fnmatch.fnmatchcase(name, pattern):
                    return served, model
        return None


def load_aliases(extra: Path | None = None) -> Aliases:
    """The shipped table, with ``extra``'s entries over it."""
    table = _read(SHIPPED)
    for capability, entries in (_read(extra) if extra else {}).items():
        shipped = {k: v for k, v in table.get(capability, {}).items() if k not in entries}
        table[capability] = {**entries, **shipped}  # the user's patterns are tried first
    return Aliases(table)


def _read(path: Path) -> dict[str, dict[str, str]]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise InvalidRequest(f"cannot read the model aliases in {path}: {error}") from None
    if not all(isinstance(v, dict) and all(isinstance(m, str) for m in v.values())
               for v in data.values()):  # fmt: skip
        raise InvalidRequest(
            f'{path}: each [capability] table maps names to a model name or "default".'
        )
    return data
