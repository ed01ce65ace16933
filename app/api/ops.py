"""Health and metrics for operators and load balancers."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from app.db import Database
from app.errors import is_transient_database_error
from app.jobs.handlers import OUTBOX_KINDS
from app.outbox.service import refresh_gauges
from app.settings import Settings

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


@router.get("/metrics", summary="Prometheus metrics")
async def metrics(request: Request) -> Response:
    database: Database = request.app.state.db
    settings: Settings = request.app.state.settings
    try:
        # The outbox gauges (dead letters, pending and stuck messages) are read from the table now.
        async with database.transaction() as session:
            await refresh_gauges(session, stuck_after=settings.outbox_max_attempts, kinds=OUTBOX_KINDS)
    except Exception as exc:
        if not is_transient_database_error(exc):
            raise
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
