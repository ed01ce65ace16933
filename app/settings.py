"""Settings read from the environment (and `.env`); invalid settings stop start-up with one line."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from app.netguard import AddressPolicy, UrlPattern, UrlRefused, url_allowed


def _project_root() -> Path:
    """Where `manifest.json` and the built Loyalty tab are: the source tree when Lojal runs from a
    checkout (or an editable install), the working directory when it runs as an installed package (the
    container copies them next to where it runs)."""
    source = Path(__file__).resolve().parent.parent
    return source if (source / "manifest.json").is_file() else Path.cwd()


PROJECT_ROOT = _project_root()
# Lojal's own files (the embedded database, the generated SECRET_KEY) live in var/ under the working
# directory: `make run`, the CLI run from the same place, and the container all find the same ones.
VAR_DIR = Path("var")
SECRET_KEY_FILE = VAR_DIR / "secret_key"
DEFAULT_DATABASE_URL = f"sqlite+aiosqlite:///{VAR_DIR / 'lojal.db'}"


class _SecretKeyFile(PydanticBaseSettingsSource):
    """SECRET_KEY from var/secret_key (which `make run` generates), when neither the environment nor
    .env sets it: every `lojal` command then reads the settings `make run` serves with."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        if SECRET_KEY_FILE.is_file():
            return {"secret_key": SECRET_KEY_FILE.read_text().strip()}
        return {}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    app_url: str = Field(
        default="http://localhost:8000",
        description="Public base URL that Saleor and the Dashboard reach, e.g. https://lojal.example.com",
    )
    database_url: str = Field(default=DEFAULT_DATABASE_URL)
    database_wait_seconds: float = Field(
        default=30.0,
        ge=0,
        le=3600,
        description="How long `lojal` commands wait for the database at start-up before giving up.",
    )
    secret_key: str = Field(
        min_length=32,
        description="Encrypts stored app tokens; keep it stable. `make run` generates var/secret_key.",
    )
    allowed_saleor_api_urls: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated Saleor API URLs allowed to install, e.g. "
        "https://*.saleor.cloud/graphql/ (a * stands for one label of the host); empty = any public Saleor.",
    )
    http_ip_filter_enabled: bool = Field(
        default=True,
        description="Refuse to call Saleors at loopback, private, link-local or reserved addresses (as "
        "Saleor's own HTTP_IP_FILTER_ENABLED); false for a Saleor on a private network.",
    )
    http_ip_filter_allow_loopback_ips: bool = Field(
        default=False,
        description="With the filter on, still allow loopback addresses (a Saleor on 127.0.0.1).",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_json: bool = True
    webhook_max_body_bytes: int = Field(default=2 * 1024 * 1024, gt=0)
    max_body_bytes: int = Field(
        default=1024 * 1024,
        gt=0,
        description="Largest request body accepted outside the webhooks (which have WEBHOOK_MAX_BODY_BYTES); "
        "larger ones are refused with 413 before they are read whole.",
    )
    metrics_token: str | None = Field(
        default=None,
        min_length=16,
        description="When set, GET /metrics needs `Authorization: Bearer <token>`; unset, it is public.",
    )
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

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Arguments, then the environment, then .env, then var/secret_key.
        return (
            init_settings,
            env_settings,
            dotenv_settings,
            _SecretKeyFile(settings_cls),
            file_secret_settings,
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
        try:
            make_url(value)
        except (ArgumentError, ValueError) as exc:
            raise ValueError(f"is not a database URL one can connect with ({exc})") from None
        return value

    @field_validator("shopper_token_audience", "metrics_token", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        # SHOPPER_TOKEN_AUDIENCE= (empty) means "not set", not "an audience of ''" that no token has.
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("allowed_saleor_api_urls", mode="before")
    @classmethod
    def _split_patterns(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("allowed_saleor_api_urls")
    @classmethod
    def _patterns_parse(cls, value: list[str]) -> list[str]:
        for pattern in value:
            try:
                UrlPattern.parse(pattern)
            except UrlRefused as exc:
                raise ValueError(f"{pattern!r} is not a Saleor API URL pattern: {exc}") from None
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def saleor_api_url_allowed(self, saleor_api_url: str) -> bool:
        patterns = [UrlPattern.parse(pattern) for pattern in self.allowed_saleor_api_urls]
        return url_allowed(saleor_api_url, patterns)

    @property
    def address_policy(self) -> AddressPolicy:
        return AddressPolicy(
            filter_enabled=self.http_ip_filter_enabled, allow_loopback=self.http_ip_filter_allow_loopback_ips
        )


class SettingsError(Exception):
    """Raised with a one-line explanation of what is wrong with the environment."""


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"]).upper() or "settings"
            message = error["msg"]
            if field == "SECRET_KEY" and error["type"] == "missing":
                message = "not set (set it, or run `make run` once: it generates var/secret_key)"
            problems.append(f"{field}: {message}")
        raise SettingsError("invalid settings: " + "; ".join(problems)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
