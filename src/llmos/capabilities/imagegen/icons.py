"""Icons to compose scenes from: Fluent Emoji Flat (MIT), named and tagged in English and
Chinese by emojibase-data (MIT), and country flags from flag-icons (MIT).

The setup fetches the three npm packages into ``data/vendor`` (``make setup``; never at run
time). An object of a scene is matched to an icon by its label ("red apple", "红苹果"), then its
icon name, then a tag, preferring the shortest label, so "apple" finds the red apple and "boat"
a sailboat only when nothing is called "boat".
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from llmos.errors import CapabilityUnavailable

VENDOR = Path(__file__).parent / "data" / "vendor"
FETCH = "make setup (it fetches @iconify-json/fluent-emoji-flat, emojibase-data and flag-icons)"


@dataclass(frozen=True)
class Icon:
    name: str  # Fluent's, e.g. "red-apple"
    label: str  # emojibase's English label, e.g. "red apple"
    body: str  # SVG content on a 32 x 32 canvas
    size: int = 32


@dataclass(frozen=True)
class IconLibrary:
    icons: dict[str, Icon]  # by Fluent name
    by_words: dict[str, list[tuple[int, str]]]  # a label, name or tag -> (rank, icon name)

    def find(self, words: str) -> Icon | None:
        """The icon for ``words`` (English or Chinese), or None."""
        whole = key(words)
        head = whole.split(" ")[-1]
        forms = dict.fromkeys((whole, _singular(whole), head, _singular(head)))
        found = [
            (rank + 50 * (form == head and head != whole), name)  # a whole phrase beats its head
            for form in forms
            for rank, name in self.by_words.get(form, ())
        ]
        return self.icons[min(found)[1]] if found else None


@cache
def library(folder: Path = VENDOR) -> IconLibrary:
    """The icons, read once per process."""
    fluent = folder / "fluent-emoji-flat"
    if not (fluent / "icons.json").is_file():
        raise CapabilityUnavailable(f"The icon sets are not installed; run {FETCH}.")
    data = json.loads((fluent / "icons.json").read_text())
    characters = json.loads((fluent / "chars.json").read_text())  # hexcode -> icon name
    icons: dict[str, Icon] = {}
    by_words: dict[str, list[tuple[int, str]]] = {}

    def add(words: str, rank: int, name: str) -> None:
        by_words.setdefault(key(words), []).append((rank, name))

    for language in ("en", "zh"):
        for entry in json.loads((folder / "emojibase" / language / "data.json").read_text()):
            name = characters.get(entry["hexcode"].lower())
            if name is None or name not in data["icons"]:
                continue
            if language == "en":
                icons[name] = Icon(name, entry["label"], data["icons"][name]["body"])
                add(name.replace("-", " "), 10 + len(name), name)
            add(entry["label"], len(entry["label"]), name)
            label_words = set(key(entry["label"]).split()) | {entry["label"]}
            for tag in entry.get("tags", ()):  # prefer icons whose label says the tag
                add(tag, (100 if tag in label_words else 150) + len(entry["label"]), name)
    defaults = json.loads((Path(__file__).parent / "data" / "icon_defaults.json").read_text())
    for words, name in defaults["defaults"].items():
        if name in icons:
            add(words, 0, name)
    return IconLibrary(icons, by_words)


@cache
def flags(folder: Path = VENDOR) -> dict[str, str]:
    """Country names (English, and Chinese from emojibase) -> ISO code; regions such as the
    East African Community are left out."""
    path = folder / "flag-icons" / "country.json"
    if not path.is_file():
        raise CapabilityUnavailable(f"The flags are not installed; run {FETCH}.")
    countries = [c for c in json.loads(path.read_text()) if c.get("iso")]
    names = {key(c["name"]): c["code"] for c in countries}
    for entry in json.loads((folder / "emojibase" / "zh" / "data.json").read_text()):
        hexcodes = entry["hexcode"].split("-")
        if len(hexcodes) == 2 and all(0x1F1E6 <= int(h, 16) <= 0x1F1FF for h in hexcodes):
            code = "".join(chr(int(h, 16) - 0x1F1E6 + ord("a")) for h in hexcodes)
            names[key(entry["label"].split(":")[-1])] = code
    return names


def countries_in(prompt: str, names: dict[str, str]) -> list[str]:
    """The country names in ``prompt``, as whole words, in the order they come."""
    text = f" {key(prompt)} "
    found = []
    for name in names:
        cjk = "\u3040" <= name[:1] <= "\u9fff"
        at = text.find(name) if cjk else text.find(f" {name} ")
        if at >= 0:
            found.append((at, -len(name), name))
    found.sort()
    ordered: list[str] = []
    for _at, _length, name in found:  # "south korea" also holds "korea": keep the longer
        if not any(name in longer for longer in ordered):
            ordered.append(name)
    return ordered


def flag_svg(code: str, folder: Path = VENDOR) -> str:
    return (folder / "flag-icons" / "flags" / "4x3" / f"{code}.svg").read_text()


def key(words: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", words.lower()).split())


def _singular(word: str) -> str:
    for plural, singular in (("ies", "y"), ("ves", "f"), ("oes", "o"), ("es", "e"), ("s", "")):
        if word.endswith(plural) and len(word) > len(plural) + 2:
            return word[: -len(plural)] + singular
    return word
