"""Training runs of llmos.learn: saved, killed, resumed to the same end, evaluated; bad
configs and damaged checkpoints refused with a message."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

torch = pytest.importorskip("torch")

from llmos.errors import InvalidRequest  # noqa: E402
from llmos.learn.config import TrainConfig, load_config  # noqa: E402
from llmos.learn.train import evaluate, read_checkpoint, train  # noqa: E402

pytestmark = pytest.mark.slow
TINY = {"dim": 16, "train_size": 40, "validation_size": 10, "test_size": 10, "batch_size": 32}


def test_a_resumed_run_ends_where_an_uninterrupted_one_does(tmp_path):
    whole = train(TrainConfig(**TINY, epochs=2, output=tmp_path / "whole"))
    assert (whole.epochs, whole.resumed_from) == (2, None)
    train(TrainConfig(**TINY, epochs=1, output=tmp_path / "parts"))
    resumed = train(TrainConfig(**TINY, epochs=2, output=tmp_path / "parts"))
    assert resumed.resumed_from == 1 and resumed.epochs == 2
    first = read_checkpoint(tmp_path / "whole" / "checkpoint.pt")["model"]
    second = read_checkpoint(tmp_path / "parts" / "checkpoint.pt")["model"]
    assert all(torch.equal(first[name], second[name]) for name in first)
    assert 0 <= evaluate(tmp_path / "whole" / "model.pt") <= 1
    with pytest.raises(InvalidRequest, match="another config"):
        train(TrainConfig(**(TINY | {"dim": 32}), epochs=2, output=tmp_path / "parts"))


def test_a_pretrained_run_resumes_without_pretraining_again(tmp_path):
    pretrained = TINY | {"pretrain_epochs": 1, "pretrain_size": 40}
    whole = train(TrainConfig(**pretrained, epochs=2, output=tmp_path / "whole"))
    train(TrainConfig(**pretrained, epochs=1, output=tmp_path / "parts"))
    resumed = train(TrainConfig(**pretrained, epochs=2, output=tmp_path / "parts"))
    assert (whole.epochs, resumed.resumed_from) == (2, 1)
    first = read_checkpoint(tmp_path / "whole" / "checkpoint.pt")["model"]
    second = read_checkpoint(tmp_path / "parts" / "checkpoint.pt")["model"]
    assert all(torch.equal(first[name], second[name]) for name in first)
    saved = read_checkpoint(tmp_path / "whole" / "model.pt")["config"]
    assert saved["pretrain_epochs"] == 1  # the model says how it was made


def test_llmos_train_killed_mid_run_resumes_and_evaluates(tmp_path):
    config = tmp_path / "run.toml"
    settings = {**TINY, "train_size": 300, "epochs": 3, "output": str(tmp_path / "run")}
    config.write_text("\n".join(f"{k} = {v!r}".replace("'", '"') for k, v in settings.items()))
    command = [sys.executable, "-m", "llmos", "train", str(config)]
    checkpoint = tmp_path / "run" / "checkpoint.pt"
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as first:
        deadline = time.monotonic() + 300
        while not checkpoint.exists():  # the first epoch is saved
            assert first.poll() is None, first.stderr.read()
            assert time.monotonic() < deadline
            time.sleep(0.1)
        first.kill()
    assert first.returncode == -9
    again = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert "resumed after epoch" in again.stdout and "3 epochs" in again.stdout
    scored = subprocess.run(
        [sys.executable, "-m", "llmos", "evaluate", str(tmp_path / "run" / "model.pt")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert scored.returncode == 0 and scored.stdout.startswith("test accuracy 0."), scored


def test_bad_configs_and_damaged_checkpoints_are_refused_with_a_message(tmp_path):
    (tmp_path / "typo.toml").write_text('fusion = "early"\nepochs = 2\nlearnin_rate = 0.1\n')
    with pytest.raises(InvalidRequest, match="learnin_rate: unknown key"):
        load_config(tmp_path / "typo.toml")
    (tmp_path / "bad.toml").write_text('fusion = "telepathy"\n')
    with pytest.raises(InvalidRequest, match="fusion"):
        load_config(tmp_path / "bad.toml")
    (tmp_path / "odd.toml").write_text("dim = 10\n")
    with pytest.raises(InvalidRequest, match="dim must be a multiple of 4"):
        load_config(tmp_path / "odd.toml")
    with pytest.raises(InvalidRequest, match="split must be"):
        evaluate(tmp_path / "model.pt", split="dev")
    (tmp_path / "model.pt").write_bytes(b"PK\x03\x04 not a checkpoint")
    with pytest.raises(InvalidRequest, match="not a checkpoint llmos can read"):
        evaluate(tmp_path / "model.pt")
    run = subprocess.run(
        [sys.executable, "-m", "llmos", "evaluate", str(tmp_path / "model.pt")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 2 and "not a checkpoint" in run.stderr
