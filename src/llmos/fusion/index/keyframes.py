"""A video's keyframes at its scene changes, decoded with PyAV.

Only the stream's key frames are decoded (an encoder puts one at most cuts, and decoding them is
a small share of decoding every frame); of those, a frame is kept when its grey-level histogram
differs enough from the last kept one's, plus always the first. A long video keeps the first
and the ``MAX_KEYFRAMES`` - 1 later ones that changed most.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from llmos.errors import InvalidRequest, MissingExtra, install_extra

MAX_KEYFRAMES = 12
SCENE_CHANGE = 0.35  # half the L1 distance of two frames' normalised 32-bin histograms
LONG_SIDE = 640  # pixels of a kept frame: enough for the experts, which see 224-416
MAX_SCANNED = 5000  # key frames looked at, at most (hours of video)


@dataclass(frozen=True)
class Keyframe:
    seconds: float
    rgb: np.ndarray  # height x width x 3, uint8


def keyframes(path: Path, name: str) -> list[Keyframe]:
    """The scene-change keyframes of the video at ``path``, in time order (none without a
    video stream)."""
    av = _av()
    try:
        container = av.open(str(path))
    except av.FFmpegError as error:
        raise InvalidRequest(f"{name} is not a video llmos can read: {error}") from None
    kept: list[tuple[float, float, np.ndarray]] = []  # (change, seconds, rgb)
    with container:
        if not container.streams.video:
            return []
        stream = container.streams.video[0]
        stream.codec_context.skip_frame = "NONKEY"
        last = None
        try:
            for count, frame in enumerate(container.decode(stream)):
                if count >= MAX_SCANNED:
                    break
                histogram = _histogram(frame)
                change = 1.0 if last is None else float(np.abs(histogram - last).sum() / 2)
                if change >= SCENE_CHANGE:
                    last = histogram
                    seconds = float(frame.time or 0.0)
                    kept.append((change, round(seconds, 3), _rgb(frame)))
                    if len(kept) > MAX_KEYFRAMES:  # memory stays at a dozen frames
                        del kept[min(range(1, len(kept)), key=lambda i: kept[i][0])]
        except av.FFmpegError as error:
            if not kept:
                raise InvalidRequest(f"{name} is damaged: {error}") from None
    return [Keyframe(seconds, rgb) for _, seconds, rgb in kept]  # in time order


def _histogram(frame) -> np.ndarray:
    grey = frame.reformat(width=64, height=36, format="gray").to_ndarray()
    counts, _ = np.histogram(grey, bins=32, range=(0, 256))
    return counts / counts.sum()


def _rgb(frame) -> np.ndarray:
    scale = min(1.0, LONG_SIDE / max(frame.width, frame.height))
    width, height = max(2, round(frame.width * scale)), max(2, round(frame.height * scale))
    return frame.reformat(width=width, height=height, format="rgb24").to_ndarray()


def _av():
    try:
        import av
    except ImportError as error:
        raise MissingExtra("PyAV", install=install_extra("speech")) from error
    return av
