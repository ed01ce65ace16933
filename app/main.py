"""create_app(): routers, middleware, lifespan; nothing else."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import httpx
import structlog
from fastapi import FastAPI, Request, Response
from fastapi.routing import APIRoute

from app.api import admin, admin_kpis, admin_members, dashboard, install, ops, pages, redemption, storefront
from app.api.admin_outbox import router as admin_outbox_router
from app.api.errors import install_error_handlers
from app.db import Database
from app.jobs.worker import worker_loop
from app.logging import configure_logging
from app.metrics import REQUEST_SECONDS, REQUESTS
from app.saleor.gateway import SaleorGateway
from app.saleor.jwks import JwksVerifier
from app.settings import Settings, get_settings
from app.version import package_version
from webhooks import receivers

log = structlog.get_logger(__name__)


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

    app = FastAPI(
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

    @app.middleware("http")
    async def request_context(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
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
