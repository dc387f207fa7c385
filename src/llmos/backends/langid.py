"""py3langid: a naive Bayes language identifier whose model ships inside the package."""

from __future__ import annotations

from collections.abc import Iterable

from llmos.errors import MissingExtra, install_extra


class LanguageIdentifier:
    """Identifies a text's language among ``languages`` (ISO 639-1 codes)."""

    name = "py3langid"

    def __init__(self, languages: Iterable[str]) -> None:
        try:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier
        except ImportError as error:
            raise MissingExtra("py3langid", install=install_extra("translate")) from error
        self._identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        self._identifier.set_languages(sorted(languages))

    def identify(self, text: str) -> tuple[str, float]:
        """The most likely language and its probability among the allowed languages."""
        code, probability = self._identifier.classify(text)
        return code, float(probability)

    def close(self) -> None:
        pass
