"""The command line as a person uses it, against a real ``llmos serve``: ``llmos run`` driven in
a pseudo-terminal (history, Ctrl-C, /set, three quotes, /list and /load, /bye), an unquoted
``llmos chat``, speech files in the format their name says (and on stdout), word timestamps
where they mean something."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import time

import av
import httpx
import pexpect
import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
SMOL = "smollm2-135m-instruct"  # the REPL's mechanics are under test, not the answers
UP = "\x1b[A"


def llmos(server: str, *args: str, home=None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LLMOS_")}
    env |= {"LLMOS_URL": server, **({"LLMOS_HOME": str(home)} if home else {})}
    return subprocess.run([sys.executable, "-m", "llmos", *args], env=env, capture_output=True,
                          timeout=180)  # fmt: skip


def session(server: str, home, *args: str) -> pexpect.spawn:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LLMOS_")}
    env |= {"LLMOS_URL": server, "LLMOS_HOME": str(home), "TERM": "xterm"}
    child = pexpect.spawn(sys.executable, ["-m", "llmos", "run", *args], env=env,
                          encoding="utf-8", timeout=120, dimensions=(40, 200))  # fmt: skip
    child.expect_exact(">>> ")
    return child


def test_run_edits_recalls_stops_and_resumes(llmos_server, tmp_path):
    child = session(llmos_server, tmp_path)  # the default chat model, loaded at the start
    child.sendline("/set temperature 0")
    child.expect_exact("Set temperature to 0.")
    child.expect_exact(">>> ")
    child.sendline("/set max_tokens 12")
    child.expect_exact("Set max_tokens to 12.")
    child.expect_exact(">>> ")
    child.sendline("Name three colours.")
    child.expect_exact(">>> ")
    child.send(UP)  # readline's history: the last message comes back to be sent again
    child.sendline("")
    child.expect_exact(">>> ")
    assert "Name three colours." in child.before
    child.sendline('"""Line one')
    child.expect_exact("... ")
    child.sendline('line two"""')
    child.expect_exact(">>> ")
    child.sendline("/set max_tokens 2000")
    child.expect_exact(">>> ")
    child.sendline("Count from 1 to 400, separated by commas.")
    child.expect_exact("commas.")  # the echo of the line ends...
    child.expect(r"\d+, \d+, \d+")  # ...and the answer has begun
    child.sendintr()  # Ctrl-C: the answer stops, on the server too, and the session goes on
    child.expect_exact("(stopped)")
    child.expect_exact(">>> ")
    assert generating_stops(llmos_server)
    child.sendline("/show")
    child.expect_exact("max_tokens")
    child.expect_exact(">>> ")
    child.sendline("/list")
    child.expect(r"(conv_[0-9a-f]{32})")
    conversation = child.match.group(1)
    child.expect_exact(">>> ")
    child.sendline("/bye")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    resumed = session(llmos_server, tmp_path)
    resumed.sendline(f"/load {conversation}")
    resumed.expect_exact("Resumed")
    resumed.expect_exact(">>> ")
    resumed.sendline("/bye")
    resumed.expect(pexpect.EOF)
    assert "Name three colours." in (tmp_path / "run_history").read_text()


def generating_stops(server: str) -> bool:
    """Whether the server's chat model goes idle within a minute (not before: a stop is
    noticed at the next token)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        models = httpx.get(f"{server}/api/ps").json()["models"]
        if all(model["in_use"] == 0 for model in models):
            return True
        time.sleep(0.2)
    return False


def test_run_checks_the_model_before_the_first_message(llmos_server, tmp_path):
    missing = llmos(llmos_server, "run", "no-such-model", home=tmp_path)
    assert missing.returncode == 1 and b"no-such-model" in missing.stderr
    wrong = llmos(llmos_server, "run", "piper-joe", home=tmp_path)
    assert wrong.returncode == 1 and b"needs a chat model" in wrong.stderr


def test_chat_takes_words_without_quotes(llmos_server):
    done = llmos(llmos_server, "chat", "-m", SMOL, "--max-tokens", "8", "why", "is", "the", "sky",
                 "blue")  # fmt: skip
    assert done.returncode == 0 and done.stdout.strip(), done.stderr
    once = llmos(llmos_server, "run", SMOL, "say", "hi")  # as `ollama run MODEL PROMPT`
    assert once.returncode == 0 and once.stdout.strip(), once.stderr
    refused = llmos(llmos_server, "chat", "--max-tokens", "0", "hi")
    assert refused.returncode == 2 and b"--max-tokens" in refused.stderr


def test_speak_writes_the_format_its_file_names(llmos_server, tmp_path):
    words = "The library opens at nine and closes at five."
    mp3, wav = tmp_path / "said.mp3", tmp_path / "said.wav"
    assert llmos(llmos_server, "speak", words, "-o", str(mp3)).returncode == 0
    assert llmos(llmos_server, "speak", words, "-o", str(wav), "--speed", "1.0").returncode == 0
    data = wav.read_bytes()
    riff, size = struct.unpack("<4sI", data[:8])
    assert riff == b"RIFF" and size == len(data) - 8  # the header's sizes are the file's
    assert struct.unpack("<I", data[40:44])[0] == len(data) - 44
    wav_seconds = (len(data) - 44) / (22050 * 2)
    with av.open(str(mp3)) as container:
        stream = container.streams.audio[0]
        assert container.format.name == "mp3" and stream.codec_context.name.startswith("mp3")
        samples = sum(frame.samples for frame in container.decode(stream))
        mp3_seconds = samples / stream.rate
    # Two syntheses of one sentence differ a little (Piper draws its phoneme lengths with noise):
    # CI saw 2.98 s against 2.80 s. A wrong sample rate or a truncated file is off by far more.
    assert wav_seconds > 1.5 and abs(mp3_seconds - wav_seconds) < 0.15 * wav_seconds, (
        mp3_seconds,
        wav_seconds,
    )
    piped = llmos(llmos_server, "speak", "Hello.", "-o", "-", "--format", "wav")
    assert piped.returncode == 0 and piped.stdout[:4] == b"RIFF"
    bad = llmos(llmos_server, "speak", "Hello.", "-o", str(tmp_path / "said.xyz"))
    assert bad.returncode == 2 and b"--format" in bad.stderr


def test_word_timestamps_where_they_mean_something(llmos_server, tmp_path):
    wav = tmp_path / "long.wav"
    sentence = ("Please send the quarterly report to everyone on the team before the meeting "
                "starts tomorrow morning at nine o'clock sharp.")  # fmt: skip
    assert llmos(llmos_server, "speak", sentence, "-o", str(wav)).returncode == 0
    srt = llmos(llmos_server, "transcribe", str(wav), "-f", "srt", "--word-timestamps")
    assert srt.returncode == 0, srt.stderr
    lines = [line for line in srt.stdout.decode().splitlines() if line and "-->" not in line
             and not line.isdigit()]  # fmt: skip
    assert len(lines) >= 2 and all(len(line) <= 42 for line in lines), lines
    words = llmos(llmos_server, "transcribe", str(wav), "-f", "verbose_json", "--word-timestamps")
    assert len(json.loads(words.stdout)["words"]) >= 10
    refused = llmos(llmos_server, "transcribe", str(wav), "-f", "text", "--word-timestamps")
    assert refused.returncode == 2 and b"verbose_json" in refused.stderr
