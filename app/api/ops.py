"""Health and metrics for operators and load balancers."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from app.api.deps import SettingsDep
from app.api.errors import error_responses
from app.db import Database
from app.errors import is_transient_database_error
from app.jobs.handlers import OUTBOX_KINDS
from app.outbox.service import refresh_gauges

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="Liveness and database reachability")
async def healthz(request: Request) -> JSONResponse:
    database: Database = request.app.state.db
    try:
        await database.ping()
    except Exception as exc:
        if not is_transient_database_error(exc):
            raise
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": database.dialect})


@router.get(
    "/metrics",
    summary="Prometheus metrics (with METRICS_TOKEN set: `Authorization: Bearer <token>`)",
    responses=error_responses({401: "METRICS_TOKEN is set and the bearer token is missing or wrong"}),
)
async def metrics(
    request: Request, settings: SettingsDep, authorization: Annotated[str | None, Header()] = None
) -> Response:
    if settings.metrics_token is not None:
        expected = f"Bearer {settings.metrics_token}".encode()
        if not hmac.compare_digest((authorization or "").encode(), expected):
            return JSONResponse(
                {"error": "unauthorized", "detail": "send 'Authorization: Bearer <METRICS_TOKEN>'"},
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
    database: Database = request.app.state.db
    try:
        # The outbox gauges (dead letters, pending and stuck messages) are read from the table now.
        async with database.transaction() as session:
            await refresh_gauges(session, stuck_after=settings.outbox_max_attempts, kinds=OUTBOX_KINDS)
    except Exception as exc:
        if not is_transient_database_error(exc):
            raise
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
