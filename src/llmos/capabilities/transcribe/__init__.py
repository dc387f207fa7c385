"""Speech to text with timestamps (OpenAI ``/v1/audio/transcriptions`` and ``translations``)."""

from llmos.capabilities.transcribe.formats import FORMATS, render
from llmos.capabilities.transcribe.service import CAPABILITY, WHISPER_BASE, transcribe
from llmos.capabilities.transcribe.types import Segment, TranscribeOptions, Transcription, Word

__all__ = [
    "CAPABILITY",
    "FORMATS",
    "WHISPER_BASE",
    "Segment",
    "TranscribeOptions",
    "Transcription",
    "Word",
    "render",
    "transcribe",
]
