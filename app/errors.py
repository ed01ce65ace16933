"""Errors the domain raises on purpose. They are plain exceptions; `app/api/errors.py` turns them (and
transient database failures) into JSON answers in one place."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError


class LojalError(Exception):
    """A request we refuse on purpose; `status_code` is always 4xx (or 503 for transient trouble)."""

    status_code = 400
    error = "bad_request"
    retry_after_seconds: int | None = None  # sent as Retry-After: when to try again

    def __init__(self, detail: str, *, extra: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        return {"error": self.error, "detail": self.detail, **self.extra}


class BadRequest(LojalError):
    status_code = 400
    error = "bad_request"


class MalformedPayload(LojalError):
    status_code = 400
    error = "malformed_payload"


class Unauthorized(LojalError):
    status_code = 401
    error = "unauthorized"


class Forbidden(LojalError):
    status_code = 403
    error = "forbidden"


class NotFound(LojalError):
    status_code = 404
    error = "not_found"


class Conflict(LojalError):
    status_code = 409
    error = "conflict"


class PayloadTooLarge(LojalError):
    status_code = 413
    error = "payload_too_large"


class InvalidSettings(LojalError):
    status_code = 422
    error = "invalid_settings"


class IdempotencyKeyReused(LojalError):
    status_code = 422
    error = "idempotency_key_reused"


class TooManyRequests(LojalError):
    status_code = 429
    error = "too_many_requests"


class SaleorUnavailable(LojalError):
    """Saleor did not answer as it should; the caller may try again later."""

    status_code = 502
    error = "saleor_unavailable"


class TemporarilyUnavailable(LojalError):
    status_code = 503
    error = "temporarily_unavailable"
    retry_after_seconds = 10


class PermanentFailure(Exception):
    """Background work that retrying cannot help (customer gone, app uninstalled, Saleor said no)."""


TRANSIENT_DATABASE_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    PoolTimeoutError,
    ConnectionError,
    TimeoutError,
    OSError,
)


# SQLSTATE classes and codes worth a retry: connection trouble (08), serialization failures and
# deadlocks (40001, 40P01), a lock not available now (55P03), insufficient resources (53), the server
# shutting down or starting (57P01-57P03).
TRANSIENT_SQLSTATE_PREFIXES = ("08", "40001", "40P01", "55P03", "53", "57P01", "57P02", "57P03")


def is_transient_database_error(exc: BaseException) -> bool:
    if isinstance(exc, TRANSIENT_DATABASE_ERRORS):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    # asyncpg's own connection errors arrive wrapped in DBAPIError with connection_invalidated set.
    sqlstate = getattr(exc.orig, "sqlstate", None)
    return bool(exc.connection_invalidated) or (
        isinstance(sqlstate, str) and sqlstate.startswith(TRANSIENT_SQLSTATE_PREFIXES)
    )
