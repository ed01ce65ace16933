"""Settings: defaults that run, and invalid values that stop start-up with one clear line."""

from __future__ import annotations

import subprocess
import sys

import pytest

from app.settings import SettingsError, load_settings

SECRET = "s" * 40


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", SECRET)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("APP_URL", raising=False)
    settings = load_settings()
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert settings.database_url.endswith("var/lojal.db")
    assert settings.app_url == "http://localhost:8000"
    assert settings.allowed_saleor_api_urls == []


def test_patterns_are_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", SECRET)
    monkeypatch.setenv(
        "ALLOWED_SALEOR_API_URLS", "https://*.saleor.cloud/graphql/, https://shop.example.com/graphql/"
    )
    settings = load_settings()
    assert settings.saleor_api_url_allowed("https://acme.saleor.cloud/graphql/")
    assert settings.saleor_api_url_allowed("https://shop.example.com/graphql/")
    assert not settings.saleor_api_url_allowed("https://evil.example.com/graphql/")


def test_libpq_url_is_made_async(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", SECRET)
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db/lojal")
    assert load_settings().database_url == "postgresql+asyncpg://u@db/lojal"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SECRET_KEY", "short", "SECRET_KEY"),
        ("APP_URL", "lojal.example.com", "APP_URL"),
        ("DATABASE_URL", "mysql://x", "DATABASE_URL"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL"),
    ],
)
def test_invalid_values_are_named(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv("SECRET_KEY", SECRET)
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as excinfo:
        load_settings()
    assert message in str(excinfo.value)
    assert "\n" not in str(excinfo.value)


def test_missing_secret_key_stops_the_cli_with_one_line(tmp_path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "migrate"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "SECRET_KEY" in result.stderr


def test_an_empty_shopper_audience_means_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", SECRET)
    monkeypatch.setenv("SHOPPER_TOKEN_AUDIENCE", "")
    assert load_settings().shopper_token_audience is None
