from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from llmos.settings import Settings
from llmos.units import parse_keep_alive, parse_memory_budget


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("5m", 300.0), ("30s", 30.0), ("1h", 3600.0), ("250ms", 0.25), (10, 10.0), ("0", 0.0)],
)
def test_keep_alive_durations(value, seconds):
    assert parse_keep_alive(value) == seconds


def test_negative_keep_alive_pins():
    assert parse_keep_alive(-1) is None
    assert parse_keep_alive("-1") is None


def test_bad_keep_alive_says_what_is_accepted():
    with pytest.raises(ValueError, match="'5m'"):
        parse_keep_alive("five minutes")
    with pytest.raises(ValueError, match="finite"):
        parse_keep_alive(float("nan"))


def test_memory_budget_as_share_or_size():
    assert parse_memory_budget("60%", total_bytes=1000) == 600
    assert parse_memory_budget("8GiB", total_bytes=1) == 8 * 2**30
    assert parse_memory_budget("500MB", total_bytes=1) == 500_000_000
    with pytest.raises(ValueError, match="between"):
        parse_memory_budget("150%", total_bytes=1000)


def test_environment_overrides_toml_over_defaults(tmp_path: Path, monkeypatch):
    config = tmp_path / "llmos.toml"
    config.write_text(
        'port = 9000\nqueue_size = 3\napi_keys = ["from-toml"]\n'
        "keep_alive = 300\nmemory_budget = 8000000000\n"
    )
    monkeypatch.setenv("LLMOS_CONFIG", str(config))
    monkeypatch.setenv("LLMOS_QUEUE_SIZE", "7")
    settings = Settings()
    assert settings.port == 9000  # from the file
    assert settings.queue_size == 7  # the environment wins
    assert settings.api_keys == ["from-toml"]
    assert settings.keep_alive_seconds == 300.0  # numbers work in TOML
    assert settings.memory_budget == 8_000_000_000


def test_toml_in_the_data_dir_is_read_by_default(tmp_path: Path, monkeypatch):
    home = tmp_path / "data"
    home.mkdir()
    (home / "config.toml").write_text("port = 8123\n")
    monkeypatch.setenv("LLMOS_HOME", str(home))
    assert Settings().port == 8123
    assert Settings().database_path == home / "llmos.db"


def test_api_keys_are_comma_separated_in_the_environment(monkeypatch):
    monkeypatch.setenv("LLMOS_API_KEYS", "alpha, beta,")
    assert Settings().api_keys == ["alpha", "beta"]


def test_invalid_settings_are_refused_with_the_reason(monkeypatch):
    monkeypatch.setenv("LLMOS_KEEP_ALIVE", "soon")
    with pytest.raises(ValidationError, match="keep_alive"):
        Settings()


def test_model_aliases_come_from_data_and_a_users_file_overrides_them(tmp_path):
    from llmos.kernel.aliases import DEFAULT, load_aliases

    shipped = load_aliases()
    assert shipped.target("gpt-4.1-mini") == ("chat", DEFAULT)  # a pattern: gpt-4.1*
    assert shipped.target("whisper-1", "transcribe") == ("transcribe", DEFAULT)
    assert shipped.target("whisper-1", "chat") is None and shipped.target("llama3") is None
    mine = tmp_path / "aliases.toml"
    mine.write_text(
        '[chat]\n"llama3" = "smollm2-135m-instruct"\n"gpt-4o" = "smollm2-135m-instruct"\n'
    )
    both = load_aliases(mine)
    assert both.target("llama3") == ("chat", "smollm2-135m-instruct")
    assert both.target("gpt-4o") == ("chat", "smollm2-135m-instruct")  # overridden
    assert both.target("gpt-4o-mini") == ("chat", DEFAULT)  # kept


def test_a_users_exact_alias_beats_a_shipped_pattern_and_a_wrong_one_fails_at_start(tmp_path):
    from llmos.errors import InvalidRequest
    from llmos.kernel import default_registry

    mine = tmp_path / "aliases.toml"
    mine.write_text('[chat]\n"gpt-4.1-mini" = "smollm2-135m-instruct"\n')
    registry = default_registry(aliases_file=mine)
    assert registry.resolve("chat", "gpt-4.1-mini").name == "smollm2-135m-instruct"
    assert registry.resolve("chat", "gpt-4.1").name == "qwen2.5-coder-1.5b-instruct"
    mine.write_text('[chat]\n"fast" = "all-minilm-l6-v2"\n')  # an embedding model, for chat
    with pytest.raises(InvalidRequest, match="'fast' names 'all-minilm-l6-v2'"):
        default_registry(aliases_file=mine)
