"""Text to speech, streamed sentence by sentence (OpenAI ``/v1/audio/speech``)."""

from llmos.capabilities.speak.service import (
    CAPABILITY,
    ESPEAK,
    PIPER_JOE,
    STREAMED_FORMATS,
    Speaker,
    SpeechResult,
    speak,
    speak_whole,
    split_for_speech,
    wav_header,
)

__all__ = [
    "CAPABILITY",
    "ESPEAK",
    "PIPER_JOE",
    "STREAMED_FORMATS",
    "Speaker",
    "SpeechResult",
    "speak",
    "speak_whole",
    "split_for_speech",
    "wav_header",
]
