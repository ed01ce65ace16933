"""create_app(): routers, middleware, lifespan; nothing else."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import structlog
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api import admin, admin_kpis, admin_members, dashboard, install, ops, pages, redemption, storefront
from app.api.admin_outbox import router as admin_outbox_router
from app.api.errors import UnexpectedErrors, describe_errors_in_openapi, install_error_handlers
from app.db import Database
from app.errors import PayloadTooLarge
from app.jobs.worker import worker_loop
from app.logging import configure_logging
from app.metrics import REQUEST_SECONDS, REQUESTS
from app.saleor.gateway import SaleorGateway
from app.saleor.jwks import JwksVerifier
from app.settings import Settings, get_settings
from app.version import package_version
from webhooks import receivers

log = structlog.get_logger(__name__)

# A client's x-request-id is kept only if it is short and plain; otherwise we make one.
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
WEBHOOK_PATHS = "/api/webhooks/"
DIGITS = re.compile(r"[0-9]+")


class Lojal(FastAPI):
    def openapi(self) -> dict[str, Any]:
        # The document describes the error answers we really send (app/api/errors.py).
        if self.openapi_schema is None:
            self.openapi_schema = describe_errors_in_openapi(super().openapi())
        return self.openapi_schema


class _BodyTooLarge(Exception):
    pass


class BodyLimit:
    """ASGI middleware refusing request bodies over `MAX_BODY_BYTES` with a JSON 413: at once when
    Content-Length says so, else as soon as the chunks read add up to more. Webhook routes check their
    own `WEBHOOK_MAX_BODY_BYTES` (they read the raw body to verify its signature), so they get the larger
    of the two here."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, webhook_max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.webhook_max_bytes = max(max_bytes, webhook_max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.webhook_max_bytes if scope["path"].startswith(WEBHOOK_PATHS) else self.max_bytes
        declared = Headers(scope=scope).get("content-length", "").strip()
        if DIGITS.fullmatch(declared) and (len(declared) > 18 or int(declared) > limit):
            await self._refuse(scope, receive, send, limit)
            return
        received = 0
        refused = False
        started = False

        async def limited_receive() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused and not started:
                return  # whatever the app makes of the interrupted read, the answer is 413
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not refused:
                raise
        if refused and not started:
            await self._refuse(scope, receive, send, limit)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        error = PayloadTooLarge(f"the request body is larger than {limit} bytes")
        state = scope.setdefault("state", {})
        state["error"], state["error_detail"] = error.error, error.detail
        await JSONResponse(error.body(), status_code=error.status_code)(scope, receive, send)


def create_app(
    settings: Settings | None = None,
    *,
    database: Database | None = None,
    saleor_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level, json=settings.log_json)
    db = database or Database(settings.database_url)
    gateway = SaleorGateway(settings, transport=saleor_transport)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not settings.allowed_saleor_api_urls:
            log.warning("any_saleor_may_install", hint="set ALLOWED_SALEOR_API_URLS to restrict installs")
        log.info("lojal_started", version=package_version(), database=db.dialect, app_url=settings.app_url)
        background = asyncio.create_task(worker_loop(db, gateway)) if settings.worker_in_process else None
        try:
            yield
        finally:
            if background is not None:
                background.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await background
            await gateway.aclose()
            if database is None:
                await db.dispose()

    app = Lojal(
        title="Lojal",
        version=package_version(),
        summary="Loyalty points for Saleor stores",
        lifespan=lifespan,
        # Saleor never follows redirects: /api/manifest/ must not 307 to /api/manifest.
        redirect_slashes=False,
        generate_unique_id_function=lambda route: (
            f"{route.tags[0]}-{route.name}" if route.tags else route.name
        ),
    )
    app.state.settings = settings
    app.state.db = db
    app.state.saleor = gateway
    app.state.jwks = JwksVerifier(gateway)

    install_error_handlers(app)
    app.include_router(install.router)
    app.include_router(receivers.router)
    app.include_router(storefront.router)
    app.include_router(redemption.router)
    app.include_router(admin.router)
    app.include_router(admin_members.router)
    app.include_router(admin_kpis.router)
    app.include_router(admin_outbox_router)
    app.include_router(ops.router)
    app.include_router(pages.router)
    app.include_router(dashboard.router)

    # Each middleware wraps those added before it. A request meets request_context (below: its id, its
    # log line) first, then UnexpectedErrors (a sanitised 500), then BodyLimit (413), then the routes.
    app.add_middleware(
        BodyLimit, max_bytes=settings.max_body_bytes, webhook_max_bytes=settings.webhook_max_body_bytes
    )
    app.add_middleware(UnexpectedErrors)

    @app.middleware("http")
    async def request_context(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        sent_id = request.headers.get("x-request-id", "")
        request_id = sent_id if REQUEST_ID.fullmatch(sent_id) else uuid.uuid4().hex
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(
            request_id=request_id, method=request.method, path=request.url.path
        )
        started = time.perf_counter()
        response = await call_next(request)
        elapsed = time.perf_counter() - started
        route = request.scope.get("route")
        route_label = route.path if isinstance(route, APIRoute) else "unmatched"
        REQUESTS.labels(request.method, route_label, str(response.status_code)).inc()
        REQUEST_SECONDS.labels(route_label).observe(elapsed)
        response.headers["x-request-id"] = request_id
        if route_label not in ("/healthz", "/metrics"):
            error = getattr(request.state, "error", None)
            fields = {"error": error, "detail": request.state.error_detail} if error else {}
            log.info("request", status=response.status_code, ms=round(elapsed * 1000, 1), **fields)
        return response

    return app
