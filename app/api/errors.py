"""The one place errors become JSON answers: domain errors, validation errors, HTTP errors, and
transient database failures (503, so Saleor retries)."""

from __future__ import annotations

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.errors import TRANSIENT_DATABASE_ERRORS, LojalError, is_transient_database_error

log = structlog.get_logger(__name__)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LojalError)
    async def _lojal_error(request: Request, exc: LojalError) -> JSONResponse:
        # The request middleware writes the one log line per request, with this error in it.
        request.state.error = exc.error
        request.state.error_detail = exc.detail
        headers = {"Retry-After": str(exc.retry_after_seconds)} if exc.retry_after_seconds else None
        return JSONResponse(exc.body(), status_code=exc.status_code, headers=headers)

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
        # Saleor retries 5xx, never 4xx: a database outage must look temporary. The request's log line
        # says why (the exception's type only: its message can hold SQL parameters).
        log.warning("database_unavailable", error=type(exc).__name__)
        request.state.error = "temporarily_unavailable"
        request.state.error_detail = f"database unavailable ({type(exc).__name__})"
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
