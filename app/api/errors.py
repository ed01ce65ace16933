"""The one place errors become JSON answers: domain errors, validation errors, HTTP errors, transient
database failures (503, so Saleor retries) and unexpected errors (500). Every one has the shape of
`ErrorOut`, which the OpenAPI document describes for every 4xx and 5xx answer.

Unexpected errors are logged without their messages' data: an SQL error's parameters (customers'
e-mails) never reach the logs, and the exception is not re-raised to the server, which would print it
whole."""

from __future__ import annotations

import re
import traceback
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy.exc import DBAPIError, StatementError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.bounds import STORABLE_PATTERN
from app.errors import TRANSIENT_DATABASE_ERRORS, LojalError, is_transient_database_error

log = structlog.get_logger(__name__)


class FieldErrorOut(BaseModel):
    field: str = Field(description="where, e.g. body.reason or query.page")
    message: str


class ErrorOut(BaseModel):
    """Every 4xx and 5xx answer. Some errors add fields of their own (e.g. `points_available`)."""

    model_config = ConfigDict(extra="allow")

    error: str = Field(description="a stable code, e.g. invalid_request, not_found, insufficient_points")
    detail: str = Field(description="what went wrong, in words")
    errors: list[FieldErrorOut] | None = Field(
        default=None, description="invalid_request only: what is wrong with which field"
    )


def error_responses(descriptions: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for a route or router: each status answers an `ErrorOut`."""
    return {status: {"model": ErrorOut, "description": text} for status, text in descriptions.items()}


def _set_request_error(scope: Scope, error: str, detail: object) -> None:
    # Read by the request middleware, which writes the one log line per request.
    state = scope.setdefault("state", {})
    state["error"] = error
    state["error_detail"] = detail


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LojalError)
    async def _lojal_error(request: Request, exc: LojalError) -> JSONResponse:
        _set_request_error(request.scope, exc.error, exc.detail)
        headers = {"Retry-After": str(exc.retry_after_seconds)} if exc.retry_after_seconds else None
        return JSONResponse(exc.body(), status_code=exc.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": ".".join(str(p) for p in err["loc"]), "message": _message(err)} for err in exc.errors()
        ]
        _set_request_error(request.scope, "invalid_request", errors)
        return JSONResponse(
            {"error": "invalid_request", "detail": "the request is not valid", "errors": errors},
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:
            # Every method some route at this path answers, not only the first route's.
            headers["Allow"] = ", ".join(sorted(allowed_methods(request.app, request.scope)))
        return JSONResponse(
            {"error": "http_error", "detail": str(exc.detail)},
            status_code=exc.status_code,
            headers=headers or None,
        )

    async def _transient(request: Request, exc: Exception) -> JSONResponse:
        if not is_transient_database_error(exc):
            return await _unexpected(request, exc)
        # Saleor retries 5xx, never 4xx: a database outage must look temporary. The request's log line
        # says why (the exception's type only: its message can hold SQL parameters).
        log.warning("database_unavailable", error=type(exc).__name__)
        _set_request_error(
            request.scope, "temporarily_unavailable", f"database unavailable ({type(exc).__name__})"
        )
        return JSONResponse(
            {"error": "temporarily_unavailable", "detail": "the database is unavailable; try again"},
            status_code=503,
            headers={"Retry-After": "10"},
        )

    for exc_class in (*TRANSIENT_DATABASE_ERRORS, DBAPIError):
        app.add_exception_handler(exc_class, _transient)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log_unexpected(exc)
        _set_request_error(request.scope, "internal_error", type(exc).__name__)
        return internal_error_response()


def _message(error: Any) -> str:
    """pydantic's message, in plainer words for text the database cannot store (app/bounds.py)."""
    if (
        error.get("type") == "string_pattern_mismatch"
        and error.get("ctx", {}).get("pattern") == STORABLE_PATTERN
    ):
        return "must not contain NUL characters (\\u0000)"
    if error.get("type") == "string_unicode":
        return "must be valid Unicode text (it contains a lone surrogate)"
    return str(error.get("msg", "invalid"))


def allowed_methods(app: FastAPI, scope: Scope) -> set[str]:
    methods: set[str] = set()
    for route in iter_route_contexts(app.routes):
        match, _ = route.matches(scope)
        if match != Match.NONE and route.methods:
            methods |= route.methods
    return methods or {"GET"}


def internal_error_response() -> JSONResponse:
    return JSONResponse({"error": "internal_error", "detail": "unexpected error"}, status_code=500)


_EMAIL = re.compile(r"[^\s'\"<>()\[\],;:]+@[^\s'\"<>()\[\],;:]+")
_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
_MAX_MESSAGE = 300
_MAX_FRAMES = 25


def sanitised_message(text: str) -> str:
    """A message with quoted values and e-mail addresses taken out, cut short."""
    text = _QUOTED.sub("'…'", text)
    text = _EMAIL.sub("<email>", text)
    return text if len(text) <= _MAX_MESSAGE else text[:_MAX_MESSAGE] + "…"


def describe_exception(exc: BaseException) -> dict[str, Any]:
    """What the logs may keep of an unexpected error: types, where it happened, and a message only when
    it cannot hold request data (SQL parameters, input values)."""
    fields: dict[str, Any] = {"error": type(exc).__name__}
    if isinstance(exc, StatementError):
        # The statement has placeholders, never values; the driver's own message may quote them.
        fields["database_error"] = type(exc.orig).__name__ if exc.orig is not None else None
        fields["statement"] = " ".join((exc.statement or "").split())[:_MAX_MESSAGE]
        if exc.orig is not None:
            fields["message"] = sanitised_message(str(exc.orig))
    elif isinstance(exc, PydanticValidationError):
        fields["message"] = [
            {"loc": ".".join(str(part) for part in error["loc"]), "type": error["type"]}
            for error in exc.errors(include_url=False, include_input=False, include_context=False)
        ][:10]
    else:
        fields["message"] = sanitised_message(str(exc))
    chain: list[str] = []
    cause = exc.__cause__ or exc.__context__
    while cause is not None and len(chain) < 5:
        chain.append(type(cause).__name__)
        cause = cause.__cause__ or cause.__context__
    if chain:
        fields["caused_by"] = chain
    # Our own frames, and where it finally broke (often in a library).
    frames = traceback.extract_tb(exc.__traceback__)
    kept = [frame for frame in frames[:-3] if "/site-packages/" not in frame.filename] + frames[-3:]
    fields["frames"] = [f"{_short(frame.filename)}:{frame.lineno} {frame.name}" for frame in kept][
        -_MAX_FRAMES:
    ]
    return fields


def _short(filename: str) -> str:
    """A path from the package on: sqlalchemy/engine/base.py, app/db.py."""
    for marker in ("/site-packages/", "/app/", "/webhooks/", "/tests/"):
        if marker in filename:
            tail = filename.rsplit(marker, 1)[1]
            return tail if marker == "/site-packages/" else marker.lstrip("/") + tail
    return filename


def log_unexpected(exc: BaseException) -> None:
    # Never log.exception: the traceback's text carries the messages of the whole chain.
    log.error("unexpected_error", **describe_exception(exc))


class UnexpectedErrors:
    """ASGI middleware: an exception no handler turned into an answer becomes a logged, sanitised 500
    here, and stops here (the server would print it whole)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            log_unexpected(exc)
            _set_request_error(scope, "internal_error", type(exc).__name__)
            if not started:
                await internal_error_response()(scope, receive, send)


def describe_errors_in_openapi(document: dict[str, Any]) -> dict[str, Any]:
    """Make the OpenAPI document say what the handlers above send: `ErrorOut` for every 4xx and 5xx
    answer (FastAPI's own HTTPValidationError never goes out), on routes that did not say it themselves."""
    components = document.setdefault("components", {}).setdefault("schemas", {})
    schema = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}", mode="serialization")
    for name, definition in schema.pop("$defs", {}).items():
        components.setdefault(name, definition)
    components.setdefault("ErrorOut", schema)
    error_content = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            if "requestBody" in operation:
                # FastAPI answers 400 to a body it cannot even decode (not UTF-8, say).
                operation.setdefault("responses", {}).setdefault("400", {"description": UNREADABLE_BODY})
            for status, response in operation.get("responses", {}).items():
                if not (status[:1] in ("4", "5") and isinstance(response, dict)):
                    continue
                if "content" not in response or _names_validation_error(response["content"]):
                    response["content"] = {key: dict(value) for key, value in error_content.items()}
                    if response.get("description") == "Validation Error":
                        response["description"] = "invalid request, with field errors"
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    return document


UNREADABLE_BODY = "the body cannot be read as JSON (not UTF-8, for one)"


def _names_validation_error(content: dict[str, Any]) -> bool:
    return "#/components/schemas/HTTPValidationError" in str(content)
