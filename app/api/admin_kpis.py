"""KPIs for the Loyalty tab's overview, and their CSV exports."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from app.analytics import service as analytics
from app.analytics.schemas import KpisOut
from app.api.deps import SessionDep, StaffUser, require_staff
from app.api.errors import error_responses
from app.bounds import Date
from app.db import utcnow
from app.errors import BadRequest

router = APIRouter(
    prefix="/api/admin/kpis",
    tags=["admin"],
    responses=error_responses(
        {
            400: "`from` after `to`, or too long a period",
            401: "missing, expired or foreign Dashboard token, or unknown store",
            403: "the staff user lacks MANAGE_USERS",
            422: "invalid request, with field errors",
        }
    ),
)
# Days between 2000-01-01 and 2100-12-31 (app/bounds.py): the period, and the one before it that
# retention compares with, stay far from the ends of what dates can represent.
From = Annotated[Date | None, Query(alias="from", description="first UTC day (2000-01-01 .. 2100-12-31)")]
To = Annotated[Date | None, Query(alias="to", description="last UTC day (2000-01-01 .. 2100-12-31)")]

KpiReader = Annotated[StaffUser, Depends(require_staff("MANAGE_USERS"))]
MAX_DAYS = 731


class Section(StrEnum):
    SUMMARY = "summary"
    DAILY = "daily"
    CURRENCIES = "currencies"
    REWARDS = "rewards"


def _period(start: date | None, end: date | None) -> tuple[datetime, datetime]:
    """[start, end] as whole UTC days; the last 30 days by default."""
    last = end or utcnow().date()
    first = start or last - timedelta(days=29)
    if first > last:
        raise BadRequest("`from` must not be after `to`")
    if (last - first).days >= MAX_DAYS:
        raise BadRequest(f"choose at most {MAX_DAYS} days")
    return datetime.combine(first, time.min, tzinfo=UTC), datetime.combine(
        last + timedelta(days=1), time.min, tzinfo=UTC
    )


@router.get("", response_model=KpisOut, summary="KPIs over a period (UTC days, both ends included)")
async def kpis(
    session: SessionDep,
    staff: KpiReader,
    start: From = None,
    end: To = None,
) -> KpisOut:
    first, last = _period(start, end)
    return await analytics.compute_kpis(session, staff.installation.id, first, last)


def _rows(figures: KpisOut, section: Section) -> list[dict[str, Any]]:
    if section == Section.DAILY:
        return [row.model_dump(mode="json") for row in figures.daily]
    if section == Section.CURRENCIES:
        return [row.model_dump(mode="json") for row in figures.currencies]
    if section == Section.REWARDS:
        return [row.model_dump(mode="json") for row in figures.rewards]
    summary = figures.model_dump(mode="json", exclude={"currencies", "rewards", "daily"})
    return [{"kpi": key, "value": value} for key, value in summary.items()]


@router.get(".csv", summary="A KPI section as CSV (summary, daily, currencies, rewards)")
async def kpis_csv(
    session: SessionDep,
    staff: KpiReader,
    section: Section = Section.SUMMARY,
    start: From = None,
    end: To = None,
) -> Response:
    first, last = _period(start, end)
    figures = KpisOut.model_validate(
        await analytics.compute_kpis(session, staff.installation.id, first, last)
    )
    rows = _rows(figures, section)
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    filename = f"lojal-{section.value}-{first.date()}-{(last - timedelta(days=1)).date()}.csv"
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
