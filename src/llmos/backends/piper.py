"""Piper neural text-to-speech (VITS on onnxruntime), voices shipped in pip packages."""

from __future__ import annotations

from pathlib import Path

from llmos.errors import MissingExtra, install_extra


class PiperSpeaker:
    """One loaded Piper voice. ``say`` turns one sentence into 16-bit mono PCM."""

    def __init__(self, name: str, model: Path, config: Path, *, threads: int) -> None:
        try:
            import onnxruntime
            from piper import PiperVoice, SynthesisConfig
        except ImportError as error:
            raise MissingExtra("piper-tts", install=install_extra("speech")) from error
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.name = name
        self._config = SynthesisConfig
        self._voice = PiperVoice.load(model, config_path=config)
        self.sample_rate = int(self._voice.config.sample_rate)

    def say(self, text: str, *, speed: float, voice: str | None = None) -> bytes:
        """``voice`` is ignored: one Piper model is one voice."""
        config = self._config(length_scale=1.0 / speed)
        return b"".join(chunk.audio_int16_bytes for chunk in self._voice.synthesize(text, config))

    def close(self) -> None:
        del self._voice
