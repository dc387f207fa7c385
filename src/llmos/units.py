"""Parsing of the human-friendly durations and sizes used in settings and requests."""

from __future__ import annotations

import math
import re

_DURATION = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")
_DURATION_FACTORS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(%|b|kb|mb|gb|kib|mib|gib)?\s*$", re.IGNORECASE)
_SIZE_FACTORS = {
    None: 1,
    "b": 1,
    "kb": 10**3,
    "mb": 10**6,
    "gb": 10**9,
    "kib": 2**10,
    "mib": 2**20,
    "gib": 2**30,
}


def parse_keep_alive(value: str | float | int) -> float | None:
    """Parse an Ollama-style keep-alive into seconds.

    Accepts a number of seconds or a duration such as ``"300ms"``, ``"30s"``, ``"5m"``, ``"1h"``.
    A negative value means "keep loaded forever" and is returned as ``None``; ``0`` unloads as soon
    as the model is idle.

    Raises:
        ValueError: with a message a person can act on.
    """
    if isinstance(value, bool):
        raise ValueError("keep_alive must be a duration such as '5m', '30s', 0 or -1")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        match = _DURATION.match(value)
        if not match:
            raise ValueError(
                f"keep_alive {value!r} is not a duration; use seconds or e.g. '30s', '5m', '1h', "
                "-1 to keep the model loaded"
            )
        seconds = float(match.group(1)) * _DURATION_FACTORS[match.group(2)]
    if not math.isfinite(seconds):
        raise ValueError("keep_alive must be a finite duration; use -1 to keep the model loaded")
    return None if seconds < 0 else seconds


def parse_memory_budget(value: str | int, total_bytes: int) -> int:
    """Parse a memory budget: a share of RAM (``"60%"``) or a size (``"8GiB"``, ``"500MB"``)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    match = _SIZE.match(str(value))
    if not match:
        raise ValueError(
            f"memory budget {value!r} is not understood; use a share of RAM such as '60%' "
            "or a size such as '8GiB'"
        )
    number, unit = float(match.group(1)), (match.group(2) or "").lower() or None
    if unit == "%":
        if not 0 < number <= 100:
            raise ValueError(f"memory budget {value!r} must be between 0% and 100%")
        return int(total_bytes * number / 100)
    return int(number * _SIZE_FACTORS[unit])


def clock(seconds: float) -> str:
    """A time in a recording as people read it: ``"1:03"`` (minutes, seconds)."""
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}:{rest:02d}"
