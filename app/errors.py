"""Domain errors, and the one place they (and transient failures) become JSON answers."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = structlog.get_logger(__name__)


class LojalError(Exception):
    """A request we refuse on purpose; `status_code` is always 4xx (or 503 for transient trouble)."""

    status_code = 400
    error = "bad_request"

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


TRANSIENT_DATABASE_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    PoolTimeoutError,
    ConnectionError,
    TimeoutError,
    OSError,
)


def is_transient_database_error(exc: BaseException) -> bool:
    if isinstance(exc, TRANSIENT_DATABASE_ERRORS):
        return True
    # asyncpg's own connection errors arrive wrapped in DBAPIError with connection_invalidated set.
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LojalError)
    async def _lojal_error(request: Request, exc: LojalError) -> JSONResponse:
        # The request middleware writes the one log line per request, with this error in it.
        request.state.error = exc.error
        request.state.error_detail = exc.detail
        return JSONResponse(exc.body(), status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": ".".join(str(p) for p in err["loc"]), "message": err["msg"]} for err in exc.errors()
        ]
        request.state.error = "invalid_request"
        request.state.error_detail = errors
        return JSONResponse(
            {"error": "invalid_request", "detail": "the request is not valid", "errors": errors},
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(
            {"error": "http_error", "detail": str(exc.detail)},
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    async def _transient(request: Request, exc: Exception) -> JSONResponse:
        if not is_transient_database_error(exc):
            return await _unexpected(request, exc)
        # Saleor retries 5xx, never 4xx: a database outage must look temporary.
        log.warning("database_unavailable", error=type(exc).__name__)
        return JSONResponse(
            {"error": "temporarily_unavailable", "detail": "the database is unavailable; try again"},
            status_code=503,
            headers={"Retry-After": "10"},
        )

    for exc_class in (*TRANSIENT_DATABASE_ERRORS, DBAPIError):
        app.add_exception_handler(exc_class, _transient)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected_error", error=type(exc).__name__)
        return JSONResponse({"error": "internal_error", "detail": "unexpected error"}, status_code=500)
