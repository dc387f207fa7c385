"""Small JPEG previews of indexed files, for result grids: a picture scaled down, a video's
frame at a moment (a search hit's start). Documents and audio are listed, not pictured."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from llmos.capabilities.vision.images import decode_image
from llmos.errors import InvalidRequest
from llmos.fusion.index.keyframes import _av, _rgb

MAX_SIDE = 1024  # of a preview, in pixels
QUALITY = 80


def preview(path: Path, kind: str, *, at: float = 0.0, side: int = 320) -> bytes:
    """A JPEG at most ``side`` pixels on its long side of the file at ``path`` (of ``kind``,
    as the index holds it)."""
    if kind == "image":
        rgb = decode_image(path.read_bytes(), name=path.name).rgb
    elif kind == "video":
        rgb = _frame_at(path, at)
    else:
        raise InvalidRequest(f"{path.name} is {kind}: it has no picture to preview.")
    from PIL import Image

    picture = Image.fromarray(rgb)
    picture.thumbnail((side, side))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=QUALITY)
    return out.getvalue()


def _frame_at(path: Path, seconds: float) -> np.ndarray:
    """The first frame at or after ``seconds`` (the last one, past the end)."""
    av = _av()
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise InvalidRequest(f"{path.name} has no video stream.")
            stream = container.streams.video[0]
            if seconds > 0 and stream.time_base:
                container.seek(int(seconds / stream.time_base), stream=stream, backward=True)
            last = None
            for frame in container.decode(stream):
                last = frame
                if (frame.time or 0.0) >= seconds:
                    break
    except av.FFmpegError as error:
        raise InvalidRequest(f"{path.name} cannot be decoded: {error}") from None
    if last is None:
        raise InvalidRequest(f"{path.name} has no frame to show.")
    return _rgb(last)
