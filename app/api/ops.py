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
async def metrics(settings: SettingsDep, authorization: Annotated[str | None, Header()] = None) -> Response:
    if settings.metrics_token is not None:
        expected = f"Bearer {settings.metrics_token}".encode()
        if not hmac.compare_digest((authorization or "").encode(), expected):
            return JSONResponse(
                {"error": "unauthorized", "detail": "send 'Authorization: Bearer <METRICS_TOKEN>'"},
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
