"""``pip install llmos`` without extras: the core starts, and every capability whose extra is
missing answers 501 with the command that installs it.

The venv is built in a tmp dir with pip's own cache (about 20 s on the 2-core box: most of it is
pip resolving and unpacking the core dependencies; the whole module takes about 25 s).
"""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from llmos.errors import install_extra
from tests.conftest import llmos_serve
from tests.media_corpus import wav

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
# What each extra brings; none may be importable in the core venv.
EXTRA_MODULES = ["xllamacpp", "sentence_transformers", "torch", "faster_whisper", "av", "piper"]
EXTRA_MODULES += ["cv2", "onnxruntime", "rapidocr", "PIL", "pypdfium2", "jiwer"]


@pytest.fixture(scope="module")
def core_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The python of a fresh venv holding llmos (editable) and its core dependencies only."""
    venv = tmp_path_factory.mktemp("core") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    python = venv / "bin" / "python"
    # this process's pip installs into the venv: no pip to bootstrap there
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "-q"]
    env = os.environ | {"PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    subprocess.run([*pip, "-e", str(REPO)], check=True, env=env, capture_output=True)
    probe = f"import importlib.util as u; print([m for m in {EXTRA_MODULES!r} if u.find_spec(m)])"
    found = subprocess.run([python, "-c", probe], check=True, capture_output=True, text=True)
    assert found.stdout.strip() == "[]", f"extras leaked into the core venv: {found.stdout}"
    return python


def core_env(home: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("LLMOS_")}
    env["LLMOS_HOME"] = str(home)
    return env


@pytest.fixture(scope="module")
def core_server(core_python: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``python -m llmos serve`` from the core venv; yields its base URL."""
    home = tmp_path_factory.mktemp("core-home")
    with llmos_serve(home, python=core_python, forbid_tracebacks=True) as (base_url, _process):
        yield base_url


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "navy").save(out, "PNG")
    return out.getvalue()


def image_in_chat() -> dict:
    uri = "data:image/png;base64," + base64.b64encode(png()).decode()
    parts = [
        {"type": "text", "text": "What is it?"},
        {"type": "image_url", "image_url": {"url": uri}},
    ]
    return {"json": {"messages": [{"role": "user", "content": parts}]}}


HELLO = {"json": {"messages": [{"role": "user", "content": "Hello"}]}}
# (extra, route, request) for one route, or a few, of every capability
MISSING = [
    ("chat", "/v1/chat/completions", HELLO),
    ("chat", "/v1/chat/completions", {"json": {**HELLO["json"], "stream": True}}),
    ("chat", "/v1/completions", {"json": {"prompt": "Hello"}}),
    ("embed", "/v1/embeddings", {"json": {"input": "a cat"}}),
    ("speech", "/v1/audio/transcriptions", {"files": {"file": ("a.wav", wav())}}),
    ("speech", "/v1/audio/translations", {"files": {"file": ("a.wav", wav())}}),
    ("speech", "/v1/audio/speech", {"json": {"input": "Hello", "voice": "alloy"}}),
    ("speech", "/v1/video/subtitles", {"files": {"file": ("a.wav", wav())}}),
    ("vision", "/v1/images/facts", {"files": {"file": ("i.png", png())}}),
    ("vision", "/v1/images/captions", {"files": {"file": ("i.png", png())}}),
    ("vision", "/v1/images/ocr", {"files": {"file": ("i.png", png())}}),
    ("vision", "/v1/images/detections", {"files": {"file": ("i.png", png())}}),
    ("vision", "/v1/chat/completions", image_in_chat()),
]


@pytest.mark.parametrize(
    ("extra", "route", "request_"), MISSING, ids=[f"{e}:{r}" for e, r, _ in MISSING]
)
def test_a_capability_without_its_extra_answers_501_with_the_install_command(
    core_server, extra, route, request_
):
    response = httpx.post(f"{core_server}{route}", timeout=30, **request_)
    assert response.status_code == 501, response.text
    error = response.json()["error"]
    assert error["code"] == "extra_not_installed"
    assert install_extra(extra) in error["message"]


def test_the_core_serves_health_models_voices_files_and_conversations(core_server):
    assert httpx.get(f"{core_server}/health").status_code == 200
    models = httpx.get(f"{core_server}/v1/models")
    assert models.status_code == 200
    assert "qwen2.5-coder-1.5b-instruct" in [m["id"] for m in models.json()["data"]]
    voices = httpx.get(f"{core_server}/v1/audio/voices")
    assert voices.status_code == 200 and voices.json()["data"][0]["id"] == "joe"
    kept = httpx.post(
        f"{core_server}/v1/files", files={"file": ("a.txt", b"hi")}, data={"purpose": "user_data"}
    )
    assert kept.status_code == 200, kept.text
    talk = httpx.post(f"{core_server}/v1/conversations", json={"title": "core"})
    assert talk.status_code == 200, talk.text
    turn = httpx.post(
        f"{core_server}/v1/conversations/{talk.json()['id']}/messages", json={"content": "Hello"}
    )
    assert turn.status_code == 501 and install_extra("chat") in turn.text


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs Debian's espeak-ng")
def test_espeak_speaks_wav_without_extras_and_asks_for_speech_to_encode(core_server):
    wav = {"input": "Hallo", "voice": "de", "response_format": "wav"}
    spoken = httpx.post(f"{core_server}/v1/audio/speech", json=wav)
    assert spoken.status_code == 200 and spoken.content.startswith(b"RIFF")
    mp3 = {"input": "Hallo", "voice": "de"}  # MP3 by default, as OpenAI's
    encoded = httpx.post(f"{core_server}/v1/audio/speech", json=mp3)
    assert encoded.status_code == 501 and install_extra("speech") in encoded.text


def test_doctor_names_the_install_command_of_every_missing_model(core_python, tmp_path):
    doctor = subprocess.run(
        [core_python, "-m", "llmos", "doctor", "--json"],
        env=core_env(tmp_path / "home"),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert doctor.returncode == 1, doctor.stderr  # a problem: models are missing
    report = json.loads(doctor.stdout)
    models = {m["model"]: m for m in report["models"]}
    assert install_extra("chat") in models["qwen2.5-coder-1.5b-instruct"]["problem"]
    assert install_extra("vision") in models["rapidocr-ppocrv6"]["problem"]
    assert "Traceback" not in doctor.stderr
