"""Encode 16-bit mono PCM to MP3, FLAC or Opus as it arrives, with PyAV's bundled FFmpeg."""

from __future__ import annotations

import numpy as np

from llmos.errors import MissingExtra, install_extra

# response_format -> (container, codec, output sample rate); Opus only takes 48/24/16/12/8 kHz
ENCODINGS = {
    "mp3": ("mp3", "libmp3lame", None),
    "flac": ("flac", "flac", None),
    "opus": ("ogg", "libopus", 24000),
}
MEDIA_TYPES = {"mp3": "audio/mpeg", "flac": "audio/flac", "opus": "audio/ogg"}


class AudioEncoder:
    """Feed PCM with ``encode``, get back the bytes the encoder produced so far; ``finish``
    flushes the rest. The output can be sent while it grows (a live stream)."""

    def __init__(self, response_format: str, sample_rate: int) -> None:
        try:
            import av
        except ImportError as error:
            raise MissingExtra("av", install=install_extra("speech")) from error
        container_format, codec, rate = ENCODINGS[response_format]
        self._av = av
        self._rate_in = sample_rate
        self._sink = _Sink()
        self._container = av.open(self._sink, mode="w", format=container_format)
        self._stream = self._container.add_stream(codec, rate=rate or sample_rate, layout="mono")
        self._resampler = av.AudioResampler(
            format=self._stream.codec_context.format, layout="mono", rate=rate or sample_rate
        )

    def encode(self, pcm: bytes) -> bytes:
        samples = np.frombuffer(pcm, dtype=np.int16).reshape(1, -1)
        frame = self._av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.sample_rate = self._rate_in
        self._mux(self._resampler.resample(frame))
        return self._new_bytes()

    def finish(self) -> bytes:
        self._mux(self._resampler.resample(None))
        for packet in self._stream.encode(None):
            self._container.mux(packet)
        self._container.close()
        return self._new_bytes()

    def _mux(self, frames) -> None:
        for frame in frames:
            for packet in self._stream.encode(frame):
                self._container.mux(packet)

    def _new_bytes(self) -> bytes:
        return self._sink.take()


class _Sink:
    """Where the muxer writes: what it wrote since the last ``take``, and no more (a growing
    buffer copied whole on every chunk made a long text O(n²)). It cannot seek: the output is
    a live stream, and the muxers used here write it front to back."""

    def __init__(self) -> None:
        self._pieces: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._pieces.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self._pieces)
        self._pieces.clear()
        return data
