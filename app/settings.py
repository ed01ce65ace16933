"""Settings read from the environment (and `.env`); invalid settings stop start-up with one line."""

from __future__ import annotations

import fnmatch
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "var" / "lojal.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    app_url: str = Field(
        default="http://localhost:8000",
        description="Public base URL that Saleor and the Dashboard reach, e.g. https://lojal.example.com",
    )
    database_url: str = Field(default=f"sqlite+aiosqlite:///{DEFAULT_SQLITE_PATH}")
    secret_key: str = Field(min_length=32, description="Encrypts stored app tokens; keep it stable.")
    allowed_saleor_api_urls: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated glob patterns of Saleor API URLs allowed to install; empty = any.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_json: bool = True
    webhook_max_body_bytes: int = Field(default=2 * 1024 * 1024, gt=0)
    jwks_refetch_interval_seconds: float = Field(default=30.0, ge=0)
    saleor_timeout_seconds: float = Field(default=10.0, gt=0)
    saleor_query_retries: int = Field(default=2, ge=0, le=5)
    outbox_max_attempts: int = Field(default=10, ge=1)
    worker_in_process: bool = Field(
        default=True,
        description="Run the outbox worker and scheduled jobs inside `lojal serve` (one process is enough "
        "for the embedded set-up; production can run `lojal worker` separately and set this false).",
    )
    shopper_token_audience: str | None = Field(
        default=None, description="If the storefront creates tokens with an audience, the expected `aud`."
    )

    @field_validator("app_url")
    @classmethod
    def _app_url_is_absolute(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("must be an absolute http(s) URL such as https://lojal.example.com")
        return value.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _database_url_is_async(cls, value: str) -> str:
        if value.startswith("postgres://") or value.startswith("postgresql://"):
            # Operators paste libpq URLs; the async driver is the only one we ship.
            return "postgresql+asyncpg://" + value.split("://", 1)[1]
        if not (value.startswith("sqlite+aiosqlite://") or value.startswith("postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @field_validator("allowed_saleor_api_urls", mode="before")
    @classmethod
    def _split_patterns(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def saleor_api_url_allowed(self, saleor_api_url: str) -> bool:
        if not self.allowed_saleor_api_urls:
            return True
        return any(fnmatch.fnmatchcase(saleor_api_url, pattern) for pattern in self.allowed_saleor_api_urls)


class SettingsError(Exception):
    """Raised with a one-line explanation of what is wrong with the environment."""


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"]).upper() or "settings"
            problems.append(f"{field}: {error['msg']}")
        raise SettingsError("invalid settings: " + "; ".join(problems)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
