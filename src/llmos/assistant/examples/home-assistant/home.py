"""A simulated home for the home-assistant app: lights, a thermostat, timers, reminders, a
music player over the audio files in ``music/``, and the front door; their state in
``home.db`` beside this file (SQLite, seeded from ``devices.json`` on first use). Served by
llmos as an MCP server of its own process."""

from __future__ import annotations

import json
import re
import sqlite3
import time
from pathlib import Path

import llmos

HERE = Path(__file__).parent
TIME = re.compile(
    r"^([01]?\d|2[0-3])[:.h]?([0-5]\d)\s*(am|pm|a\.m\.|p\.m\.)?$"
)  # 7:30, 730, 7.30 pm
SCHEMA = """
CREATE TABLE IF NOT EXISTS devices (name TEXT PRIMARY KEY, state TEXT);
CREATE TABLE IF NOT EXISTS timers (id INTEGER PRIMARY KEY, created_at REAL, ends_at REAL,
                                   label TEXT);
CREATE TABLE IF NOT EXISTS reminders (id INTEGER PRIMARY KEY, created_at REAL, at TEXT,
                                      text TEXT);
"""


def connect() -> sqlite3.Connection:
    db = sqlite3.connect(HERE / "home.db")
    with db:
        db.executescript(SCHEMA)
        if db.execute("SELECT COUNT(*) FROM devices").fetchone()[0] == 0:
            seed = json.loads((HERE / "devices.json").read_text(encoding="utf-8"))
            rows = [(f"light:{room}", "on" if on else "off") for room, on in seed["lights"].items()]
            rows += [("thermostat", str(seed["thermostat"])), ("front door", seed["front door"]),
                     ("music", "stopped")]  # fmt: skip
            db.executemany("INSERT INTO devices VALUES (?, ?)", rows)
    return db


def rooms(db: sqlite3.Connection) -> list[str]:
    names = db.execute("SELECT name FROM devices WHERE name LIKE 'light:%' ORDER BY name")
    return [name.removeprefix("light:") for (name,) in names]


@llmos.tool
def set_light(room: str, on: bool) -> str:
    """Switch the light of a room on (on=true) or off (on=false)."""
    room = room.strip().lower().removesuffix(" light").removeprefix("the ")
    with connect() as db:
        if room not in rooms(db):  # raised: the assistant's model may correct its call once
            raise ValueError(f"there is no light in {room!r}; the rooms are {', '.join(rooms(db))}")
        db.execute("UPDATE devices SET state = ? WHERE name = ?",
                   ("on" if on else "off", f"light:{room}"))  # fmt: skip
    return f"The {room} light is {'on' if on else 'off'}."


@llmos.tool
def set_thermostat(celsius: float) -> str:
    """Set the thermostat to a temperature in degrees Celsius (10 to 28)."""
    if not 10 <= celsius <= 28:
        raise ValueError("the thermostat takes 10 to 28 degrees Celsius; nothing changed")
    with connect() as db:
        db.execute("UPDATE devices SET state = ? WHERE name = 'thermostat'", (str(celsius),))
    return f"The thermostat is set to {celsius:g} °C."


@llmos.tool
def start_timer(minutes: float, label: str = "timer") -> str:
    """Start a timer of some minutes, with a label (e.g. "pasta")."""
    if not 0 < minutes <= 24 * 60:
        raise ValueError("a timer runs from a few seconds to 24 hours; none started")
    now = time.time()
    with connect() as db:
        db.execute("INSERT INTO timers (created_at, ends_at, label) VALUES (?, ?, ?)",
                   (now, now + minutes * 60, label))  # fmt: skip
    return f"A {minutes:g}-minute {label} timer is running."


@llmos.tool
def add_reminder(at: str, text: str) -> str:
    """Remind the user of something at a time of day: the time as they said it (7:30, 730,
    7.30 pm, 19:45)."""
    found = TIME.match(at.strip().lower())
    if not found:
        raise ValueError(f"{at!r} is not a time of day such as 7:30 or 19:45")
    hour, half = int(found.group(1)), (found.group(3) or " ")[0]
    hour = hour % 12 + (12 if half == "p" else 0) if half in "ap" else hour
    at = f"{hour:02d}:{found.group(2)}"
    with connect() as db:
        db.execute("INSERT INTO reminders (created_at, at, text) VALUES (?, ?, ?)",
                   (time.time(), at, text.strip()))  # fmt: skip
    return f"I will remind you at {at}: {text.strip()}."


@llmos.tool
def play_music(query: str = "") -> str:
    """Play a local song whose name matches the query (any song when empty)."""
    songs = sorted(p.stem for p in (HERE / "music").glob("*") if p.suffix in (".wav", ".mp3"))
    words = query.lower().split()
    match = next((s for s in songs if all(w in s.replace("-", " ") for w in words)), None)
    if match is None:
        raise ValueError(f"no song matches {query!r}; the songs are {', '.join(songs)}")
    with connect() as db:
        db.execute("UPDATE devices SET state = ? WHERE name = 'music'", (f"playing {match}",))
    return f"Playing {match}."


@llmos.tool
def stop_music() -> str:
    """Stop the music."""
    with connect() as db:
        db.execute("UPDATE devices SET state = 'stopped' WHERE name = 'music'")
    return "The music is stopped."


@llmos.tool
def home_state() -> str:
    """What every device is doing now, and the timers and reminders set."""
    with connect() as db:
        devices = db.execute("SELECT name, state FROM devices ORDER BY name").fetchall()
        reminders = db.execute("SELECT at, text FROM reminders ORDER BY at").fetchall()
        timers = db.execute("SELECT label, ends_at FROM timers WHERE ends_at > ?",
                            (time.time(),)).fetchall()  # fmt: skip
    lines = [f"{name}: {state}" for name, state in devices]
    lines += [f"reminder at {at}: {text}" for at, text in reminders]
    lines += [f"timer {label}: {(ends - time.time()) / 60:.0f} min left" for label, ends in timers]
    return "\n".join(lines)


@llmos.tool(dangerous=True)
def unlock_front_door() -> str:
    """Unlock the front door (needs the user's confirmation)."""
    with connect() as db:
        db.execute("UPDATE devices SET state = 'unlocked' WHERE name = 'front door'")
    return "The front door is unlocked."
