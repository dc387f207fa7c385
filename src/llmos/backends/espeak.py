"""eSpeak NG (Debian's ``espeak-ng``): robotic but about 100 languages, for what Piper lacks."""

from __future__ import annotations

import functools
import shutil
import subprocess

from llmos.errors import InvalidRequest, MissingExtra

INSTALL = "apt-get install espeak-ng"
SAMPLE_RATE = 22050  # what espeak-ng writes
WORDS_PER_MINUTE = 175  # its default speed


@functools.cache
def espeak_voices() -> dict[str, str]:
    """Language code -> language name, as ``espeak-ng --voices`` lists them ({} if missing)."""
    if shutil.which("espeak-ng") is None:
        return {}
    listing = subprocess.run(
        ["espeak-ng", "--voices"], capture_output=True, text=True, check=True
    ).stdout
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
        command = ["espeak-ng", "--stdout", "-v", voice, "-s", str(round(WORDS_PER_MINUTE * speed))]
        wav = subprocess.run([*command, text], capture_output=True, check=True).stdout
        return wav[wav.index(b"data") + 8 :]  # 16-bit mono PCM after the streaming WAV header

    def close(self) -> None:
        pass
