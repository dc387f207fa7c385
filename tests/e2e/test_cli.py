"""The ``llmos`` command as a user runs it, in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from llmos import __version__
from tests.conftest import free_port

pytestmark = pytest.mark.e2e


def llmos(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "llmos", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_version():
    done = llmos("version")
    assert done.returncode == 0 and done.stdout.strip() == __version__


def test_models_lists_the_bundled_embedding_model_as_installed():
    done = llmos("models", "--json")
    assert done.returncode == 0, done.stderr
    rows = {row["name"]: row for row in json.loads(done.stdout)}
    assert rows["all-minilm-l6-v2"]["installed"] == "0.1.0"
    assert rows["all-minilm-l6-v2"]["capability"] == "embed"


def test_commands_that_need_a_server_say_how_to_start_one():
    done = llmos("ps", LLMOS_URL=f"http://127.0.0.1:{free_port()}")
    assert done.returncode == 1
    assert "llmos serve" in done.stderr


def test_invalid_settings_are_reported_not_traced():
    done = llmos("ps", LLMOS_KEEP_ALIVE="whenever")
    assert done.returncode == 2
    assert "keep_alive" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.slow
def test_doctor_loads_every_bundled_model():
    done = llmos("doctor", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["ok"] is True
    assert report["machine"]["cpu_count"] >= 1 and report["machine"]["disk_free_bytes"] > 0
    (minilm,) = [m for m in report["models"] if m["model"] == "all-minilm-l6-v2"]
    assert minilm["loaded"] and minilm["rss_bytes"] > 50 * 2**20


@pytest.mark.slow
def test_chat_prints_the_streamed_answer(llmos_server):
    done = llmos(
        "chat", "Say hello.", "-m", "smollm2-135m-instruct", "--max-tokens", "8",
        LLMOS_URL=llmos_server,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()


@pytest.mark.slow
def test_chat_with_a_json_schema_prints_json_that_follows_it(llmos_server, tmp_path):
    schema = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "legs": {"type": "integer"}},
        "required": ["name", "legs"],
    }
    (tmp_path / "animal.json").write_text(json.dumps(schema))
    done = llmos(
        "chat", "Describe a llama.", "-m", "smollm2-135m-instruct",
        "--json-schema", str(tmp_path / "animal.json"), "--temperature", "0",
        LLMOS_URL=llmos_server,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert isinstance(answer["name"], str) and isinstance(answer["legs"], int)


def test_chat_with_an_unreadable_schema_says_so(tmp_path):
    (tmp_path / "bad.json").write_text("{not json")
    done = llmos("chat", "hi", "--json-schema", str(tmp_path / "bad.json"))
    assert done.returncode == 2 and "cannot read a JSON schema" in done.stderr


@pytest.mark.slow
def test_run_keeps_the_conversation_until_bye(llmos_server):
    done = subprocess.run(
        [sys.executable, "-m", "llmos", "run", "smollm2-135m-instruct"],
        input="My name is Ana.\nWhat is my name?\n/bye\nnever sent\n",
        env={**os.environ, "LLMOS_URL": llmos_server},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.count(">>> ") == 3  # two messages, then /bye ends the session


@pytest.mark.slow
def test_speak_then_transcribe_to_srt(llmos_server, tmp_path):
    wav, srt = tmp_path / "hello.wav", tmp_path / "hello.srt"
    said = llmos("speak", "Hello from the command line.", "-o", str(wav), LLMOS_URL=llmos_server)
    assert said.returncode == 0, said.stderr
    assert wav.read_bytes()[:4] == b"RIFF"
    heard = llmos("transcribe", str(wav), "--format", "srt", "-o", str(srt), LLMOS_URL=llmos_server)
    assert heard.returncode == 0, heard.stderr
    text = srt.read_text()
    assert text.startswith("1\n00:00:0") and "command line" in text.lower()


def test_transcribe_refuses_a_missing_file_and_a_bad_format(tmp_path):
    missing = llmos("transcribe", str(tmp_path / "nope.wav"))
    assert missing.returncode == 2 and "no such file" in missing.stderr
    (tmp_path / "a.wav").write_bytes(b"RIFF")
    bad = llmos("transcribe", str(tmp_path / "a.wav"), "--format", "docx")
    assert bad.returncode == 2 and "--format" in bad.stderr
