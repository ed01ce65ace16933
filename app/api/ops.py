"""Health and metrics for operators and load balancers."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from app.db import Database
from app.errors import is_transient_database_error

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
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
