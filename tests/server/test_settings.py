"""Settings: defaults, YAML file, environment, overrides; every problem listed (E700)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import Settings, SettingsError, is_loopback, load_settings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("ASSISTANT_") and name != "ASSISTANT_TEST_DATABASE_URL":
            monkeypatch.delenv(name)


def test_defaults() -> None:
    s = load_settings()
    got = (s.host, s.port, s.resolved_database_url, str(s.model_dir), str(s.data_dir),
           str(s.flows_dir), str(s.devices_file), s.simulate, s.api_keys)
    assert got == ("127.0.0.1", 8080, "sqlite:///data/assistant.db", "models/nlu", "nlu_data",
                   "flows", "devices.yaml", True, []), f"defaults: got {got}"


def test_overrides_beat_environment_beat_file(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "assistant.yml"
    config.write_text("port: 9001\nhost: 127.0.0.2\nrate_limit_per_minute: 7\n")
    monkeypatch.setenv("ASSISTANT_PORT", "9002")
    monkeypatch.setenv("ASSISTANT_API_KEYS", f"{'1' * 32}, {'2' * 32}")
    s = load_settings(config, host="127.0.0.3")
    got = (s.host, s.port, s.rate_limit_per_minute, [k.get_secret_value() for k in s.api_keys])
    assert got == ("127.0.0.3", 9002, 7, ["1" * 32, "2" * 32]), got
    monkeypatch.setenv("ASSISTANT_CONFIG", str(config))
    assert load_settings().rate_limit_per_minute == 7


def test_every_problem_is_listed(tmp_path: Path) -> None:
    config = tmp_path / "assistant.yml"
    config.write_text("port: high\nmax_text_chars: 0\nsimulat: true\napi_keys: [short]\n")
    with pytest.raises(SettingsError) as err:
        load_settings(config)
    text = str(err.value)
    assert err.value.code == "E700"
    for field in ("port", "max_text_chars", "simulat", "api_keys"):
        assert field in text, f"expected {field!r} in the error, got:\n{text}"
    assert "simulate" in text, "the unknown key's message should list the known settings"


def test_secrets_stay_out_of_repr() -> None:
    s = Settings(api_keys=["very-secret-key-0123456789abcdefgh"])
    assert "very-secret-key" not in repr(s) + str(s.model_dump())


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.0.1.1", True), ("::1", True), ("localhost", True),
    ("0.0.0.0", False), ("::", False), ("10.0.0.5", False), ("example.org", False)])
def test_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback, f"{host}: expected loopback={loopback}"
