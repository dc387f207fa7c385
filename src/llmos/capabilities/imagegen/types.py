"""Typed results of the image composer."""

from __future__ import annotations

from dataclasses import dataclass

SIZES = {"256x256": 256, "512x512": 512, "1024x1024": 1024, "auto": 512}
MAX_PICTURES = 4  # n
MAX_PROMPT_CHARS = 1000
COMPOSER = "llmos-composer"  # the image model name of the composer
COMPOSER_NAMES = frozenset({"dall-e-2", "dall-e-3", "gpt-image-1", COMPOSER})  # OpenAI's map to it


@dataclass(frozen=True)
class Picture:
    png: bytes
    svg: str
    kind: str  # "bar chart", "clock", "flag", "scene", …
    drawn: tuple[str, ...]  # what the picture shows, in words
    not_drawn: tuple[str, ...]  # what the prompt asked for that it does not show, and why

    @property
    def description(self) -> str:
        """What was drawn, for OpenAI's ``revised_prompt``."""
        shown = ", ".join(self.drawn) or "nothing"
        text = f"A {self.kind} showing {shown}."
        if self.not_drawn:
            text += f" Not drawn: {'; '.join(self.not_drawn)}."
        return text
