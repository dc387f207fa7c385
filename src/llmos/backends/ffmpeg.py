"""FFmpeg's command line: subtitles drawn into a copy of a video (libass through the
``subtitles`` filter). The video is checked with PyAV first, so that what FFmpeg is asked to
encode is a real video of bounded length and size; the CLI and ``POST /v1/video/subtitled``
share this."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from llmos.errors import CapabilityUnavailable, InvalidRequest, MissingExtra, install_extra

MAX_SECONDS = 15 * 60  # re-encoding takes about real time at 720p on two cores
MAX_PIXELS = 1920 * 1080
MAX_SUBTITLE_CHARS = 200_000
PICTURES = {"image2", "gif", "apng", "webp", "tiff", "bmp"}  # demuxers of still pictures
MISSING_GLYPH = re.compile(r"failed to find any fallback with glyph (0x[0-9A-Fa-f]+)")


@dataclass(frozen=True)
class VideoShape:
    width: int
    height: int
    seconds: float


def video_shape(path: Path, name: str = "the video") -> VideoShape:
    """The size and length of a video PyAV opens; a 400 for anything else (a picture, sound
    alone, a file cut short) and for videos over the bounds."""
    try:
        import av
    except ImportError as error:
        raise MissingExtra("PyAV", install=install_extra("speech")) from error
    try:
        with av.open(str(path)) as container:
            kind = container.format.name
            streams = container.streams.video
            duration = container.duration
            shape = (streams[0].codec_context.width, streams[0].codec_context.height)
    except (av.error.FFmpegError, IndexError, UnicodeDecodeError, ValueError) as error:
        reason = "it has no video stream" if isinstance(error, IndexError) else "unreadable"
        raise InvalidRequest(f"{name} is not a video llmos can subtitle: {reason}.") from error
    if kind.endswith("_pipe") or kind in PICTURES or not duration:
        raise InvalidRequest(f"{name} is a still picture, not a video.")
    seconds = duration / av.time_base
    width, height = shape
    if seconds > MAX_SECONDS:
        raise InvalidRequest(
            f"{name} lasts {seconds / 60:.1f} minutes; at most {MAX_SECONDS // 60} minutes can "
            "be subtitled into a copy (the subtitles themselves have no such limit)."
        )
    if not width or not height or width * height > MAX_PIXELS:
        raise InvalidRequest(
            f"{name} is {width}x{height}; a subtitled copy is made of videos up to 1920x1080."
        )
    return VideoShape(width, height, seconds)


def burn_subtitles(video: Path, subtitles: str, kind: str, out: Path, *, threads: int) -> None:
    """Write ``out`` (MP4): ``video`` with ``subtitles`` (SRT or WebVTT text) drawn in. A 400
    when FFmpeg cannot read the video or the subtitles, or when no installed font has some of
    their characters (libass would draw empty boxes)."""
    if shutil.which("ffmpeg") is None:
        raise CapabilityUnavailable("Subtitling a video needs FFmpeg: apt-get install ffmpeg")
    if kind not in ("srt", "vtt"):
        raise InvalidRequest(f"Subtitles must be 'srt' or 'vtt', not {kind!r}.")
    if not subtitles.strip():
        raise InvalidRequest("The subtitles are empty.")
    with tempfile.TemporaryDirectory(prefix="llmos-burn-") as folder:
        # a plain path: the filter's syntax treats : , ' [ ] in file names specially
        plain = Path(folder) / f"subtitles.{kind}"
        plain.write_text(subtitles, encoding="utf-8")
        command = ["ffmpeg", "-nostdin", "-y", "-loglevel", "info", "-i", str(video)]
        command += ["-vf", f"subtitles={plain}", "-c:a", "aac", "-threads", str(threads)]
        command += ["-f", "mp4", str(out)]
        done = subprocess.run(command, capture_output=True, text=True, errors="replace")
    if done.returncode != 0:
        last = done.stderr.strip().splitlines()[-1:] or ["no message"]
        raise InvalidRequest(f"FFmpeg could not subtitle the video: {last[0][:300]}")
    missing = sorted(set(MISSING_GLYPH.findall(done.stderr)))
    if missing:
        glyphs = ", ".join(f"U+{code.upper().removeprefix('0X')}" for code in missing[:5])
        raise InvalidRequest(
            f"No installed font can draw some of the subtitles' characters ({glyphs}); for "
            "Chinese, Japanese and Korean: apt-get install fonts-noto-cjk"
        )
