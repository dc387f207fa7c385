"""eSpeak NG (Debian's ``espeak-ng``): robotic but about 100 languages, for what Piper lacks."""

from __future__ import annotations

import functools
import shutil
import subprocess

from llmos.errors import InvalidRequest, LlmosError, MissingExtra

INSTALL = "apt-get install espeak-ng"
SAMPLE_RATE = 22050  # what espeak-ng writes
WORDS_PER_MINUTE = 175  # its default speed


@functools.cache
def espeak_voices() -> dict[str, str]:
    """Language code -> language name, as ``espeak-ng --voices`` lists them ({} if missing)."""
    if shutil.which("espeak-ng") is None:
        return {}
    try:
        listing = subprocess.run(
            ["espeak-ng", "--voices"], capture_output=True, text=True, check=True, timeout=10
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    voices = {}
    for line in listing.splitlines()[1:]:
        fields = line.split()
        if len(fields) >= 4:
            voices[fields[1]] = fields[3].replace("_", " ")
    return voices


class EspeakSpeaker:
    name = "espeak-ng"
    sample_rate = SAMPLE_RATE

    def __init__(self) -> None:
        if not espeak_voices():
            raise MissingExtra("espeak-ng", install=INSTALL)

    def say(self, text: str, *, speed: float, voice: str | None = None) -> bytes:
        voice = voice or "en-us"
        if voice not in espeak_voices():
            raise InvalidRequest(f"eSpeak NG has no voice {voice!r}; see GET /v1/audio/voices.")
        rate = str(round(WORDS_PER_MINUTE * speed))
        # "--" ends the options: a text starting with "-" must never be read as one
        command = ["espeak-ng", "--stdout", "-v", voice, "-s", rate, "--", text]
        try:
            wav = subprocess.run(
                command, capture_output=True, check=True, timeout=60, stdin=subprocess.DEVNULL
            ).stdout
        except (OSError, subprocess.SubprocessError) as error:
            raise LlmosError(f"eSpeak NG failed: {error}") from error
        start = wav.find(b"data")
        return wav[start + 8 :] if start >= 0 else b""  # 16-bit PCM after the streaming header

    def close(self) -> None:
        pass
