"""Settings from environment variables fail loudly on bad values."""

import stat

import pytest
from django.core.exceptions import ImproperlyConfigured

from rexian.core.env import env_bool, env_int, env_list, env_networks, env_str, secret_key


@pytest.mark.parametrize("raw,value", [("true", True), ("Yes", True), (" 1 ", True), ("off", False), ("", False)])
def test_env_bool(monkeypatch, raw, value):
    monkeypatch.setenv("REXIAN_X", raw)
    assert env_bool("REXIAN_X", not value) is value


def test_env_bool_refuses_a_typo(monkeypatch):
    monkeypatch.setenv("REXIAN_X", "ture")
    with pytest.raises(ImproperlyConfigured, match="REXIAN_X"):
        env_bool("REXIAN_X", False)


def test_env_defaults_when_unset(monkeypatch):
    monkeypatch.delenv("REXIAN_X", raising=False)
    assert (env_bool("REXIAN_X", True), env_int("REXIAN_X", 7), env_list("REXIAN_X", ["a"]), env_str("REXIAN_X", "d")) == (
        True, 7, ["a"], "d")


@pytest.mark.parametrize("raw", ["3.5", "many", ""])
def test_env_int_refuses_a_non_number(monkeypatch, raw):
    monkeypatch.setenv("REXIAN_X", raw)
    with pytest.raises(ImproperlyConfigured, match="REXIAN_X"):
        env_int("REXIAN_X", 1)


def test_env_int_refuses_a_value_below_its_minimum(monkeypatch):
    monkeypatch.setenv("REXIAN_X", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env_int("REXIAN_X", 5, minimum=1)
    monkeypatch.setenv("REXIAN_X", "42")
    assert env_int("REXIAN_X", 5, minimum=1) == 42


def test_env_list(monkeypatch):
    monkeypatch.setenv("REXIAN_X", " agent, callback ,,")
    assert env_list("REXIAN_X", []) == ["agent", "callback"]


def test_env_networks_normalises_addresses_and_networks(monkeypatch):
    monkeypatch.setenv("REXIAN_X", "127.0.0.1, 10.1.2.3/8 ,::1")
    assert env_networks("REXIAN_X") == ["127.0.0.1/32", "10.0.0.0/8", "::1/128"]


@pytest.mark.parametrize("raw", ["nginx", "10.0.0.0/33", "127.0.0.1:8080"])
def test_env_networks_refuses_what_is_not_an_address(monkeypatch, raw):
    monkeypatch.setenv("REXIAN_X", f"127.0.0.1,{raw}")
    with pytest.raises(ImproperlyConfigured, match=f"REXIAN_X: '{raw}' is not an IP address or network"):
        env_networks("REXIAN_X")


def test_a_generated_secret_key_is_kept_and_private(tmp_path, monkeypatch):
    monkeypatch.delenv("REXIAN_SECRET_KEY", raising=False)
    first = secret_key(tmp_path)
    assert len(first) >= 50
    assert secret_key(tmp_path) == first
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600


def test_the_environment_secret_key_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("REXIAN_SECRET_KEY", "from-the-environment")
    assert secret_key(tmp_path) == "from-the-environment"
    assert not (tmp_path / "secret_key").exists()
