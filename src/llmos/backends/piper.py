"""Piper neural text-to-speech (VITS on onnxruntime), voices shipped in pip packages."""

from __future__ import annotations

import json
from pathlib import Path

from llmos.backends.onnx_session import cpu_session
from llmos.errors import MissingExtra, install_extra


class PiperSpeaker:
    """One loaded Piper voice. ``say`` turns one sentence into 16-bit mono PCM."""

    def __init__(self, name: str, model: Path, config: Path, *, threads: int) -> None:
        try:
            from piper import PiperConfig, PiperVoice, SynthesisConfig
        except ImportError as error:
            raise MissingExtra("piper-tts", install=install_extra("speech")) from error
        # PiperVoice.load would open the session with onnxruntime's defaults (a thread per
        # core); the scheduler gives this voice ``threads``, so the session is built here.
        self.name = name
        self._config = SynthesisConfig
        self._voice = PiperVoice(
            session=cpu_session(model, threads=threads, extra="speech"),
            config=PiperConfig.from_dict(json.loads(config.read_text(encoding="utf-8"))),
        )
        self.sample_rate = int(self._voice.config.sample_rate)

    def say(self, text: str, *, speed: float, voice: str | None = None) -> bytes:
        """``voice`` is ignored: one Piper model is one voice."""
        config = self._config(length_scale=1.0 / speed)
        return b"".join(chunk.audio_int16_bytes for chunk in self._voice.synthesize(text, config))

    def close(self) -> None:
        del self._voice
