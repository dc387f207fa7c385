"""The gate before FFmpeg draws subtitles into a video: a real video of bounded length and size."""

from __future__ import annotations

import pytest

from llmos.backends import ffmpeg
from llmos.errors import InvalidRequest
from tests.media_corpus import encoded, mp4, pattern, wav


def test_a_video_is_measured(tmp_path):
    path = tmp_path / "clip.mp4"
    path.write_bytes(mp4(2.0))
    shape = ffmpeg.video_shape(path)
    assert (shape.width, shape.height) == (64, 48)
    assert 1.9 < shape.seconds < 2.2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (encoded(pattern(64, 48), "png"), "still picture"),
        (encoded(pattern(64, 48), "jpeg"), "still picture"),
        (wav(1.0), "no video stream"),
        (b"", "unreadable"),
        (b"\x00" * 1000, "unreadable"),
    ],
)
def test_what_is_not_a_video_is_refused(tmp_path, data, message):
    path = tmp_path / "file"
    path.write_bytes(data)
    with pytest.raises(InvalidRequest, match=message):
        ffmpeg.video_shape(path, "'file'")


def test_videos_past_the_bounds_are_refused(tmp_path, monkeypatch):
    path = tmp_path / "clip.mp4"
    path.write_bytes(mp4(2.0))
    monkeypatch.setattr(ffmpeg, "MAX_SECONDS", 1)
    with pytest.raises(InvalidRequest, match="at most 0 minutes"):
        ffmpeg.video_shape(path)
    monkeypatch.setattr(ffmpeg, "MAX_SECONDS", 60)
    monkeypatch.setattr(ffmpeg, "MAX_PIXELS", 64 * 47)
    with pytest.raises(InvalidRequest, match="64x48"):
        ffmpeg.video_shape(path)


def test_empty_subtitles_and_unknown_kinds_are_refused_before_ffmpeg(tmp_path):
    with pytest.raises(InvalidRequest, match="empty"):
        ffmpeg.burn_subtitles(tmp_path / "v.mp4", "  \n", "srt", tmp_path / "o.mp4", threads=1)
    with pytest.raises(InvalidRequest, match="'ass'"):
        ffmpeg.burn_subtitles(tmp_path / "v.mp4", "x", "ass", tmp_path / "o.mp4", threads=1)
