"""Messages to Saleor that are not getting through, in the Loyalty tab (staff with MANAGE_USERS): dead
letters (retrying cannot help until someone acts: customer gone, app uninstalled, Saleor refused the
data), which staff can retry, and messages still being retried after OUTBOX_MAX_ATTEMPTS attempts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from app.api.deps import SessionDep, SettingsDep, StaffUser, require_staff
from app.api.params import PathId
from app.errors import Conflict, NotFound
from app.outbox import service as outbox

router = APIRouter(prefix="/api/admin/outbox", tags=["admin"])

OutboxStaff = Annotated[StaffUser, Depends(require_staff("MANAGE_USERS"))]

ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "missing, expired or foreign Dashboard token, or unknown store"},
    403: {"description": "the staff user lacks MANAGE_USERS"},
}


class DeadLetterOut(BaseModel):
    id: int
    kind: str = Field(description="member_metadata, delete_voucher or check_hold")
    subject: dict[str, Any] = Field(description="what it is about: {member_id} or {hold_id}")
    attempts: int
    created_at: datetime
    dead_at: datetime
    reason: str | None
    queued_as: int | None = Field(
        description="a pending message doing the same work (retried already, or queued since): this one "
        "is resolved when that one is sent"
    )


class StuckOut(BaseModel):
    id: int
    kind: str
    subject: dict[str, Any]
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    last_error: str | None


class OutboxProblemsOut(BaseModel):
    dead_letters: list[DeadLetterOut]
    dead_letters_total: int
    stuck: list[StuckOut]
    stuck_total: int
    stuck_after: int = Field(description="attempts after which a failing message counts as stuck")


class RetryOut(BaseModel):
    id: int
    outcome: Literal["requeued", "merged"]
    queued_as: int | None = Field(description="when merged: the pending message that now carries the work")


def _subject(payload: dict[str, Any]) -> dict[str, Any]:
    return {key: payload[key] for key in ("member_id", "hold_id") if key in payload}


@router.get(
    "/dead-letters",
    response_model=OutboxProblemsOut,
    responses=ERRORS,
    summary="Dead letters (newest first) and messages still being retried after many attempts",
)
async def list_dead_letters(
    session: SessionDep,
    staff: OutboxStaff,
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> OutboxProblemsOut:
    installation_id = staff.installation.id
    stuck_after = settings.outbox_max_attempts
    dead = await outbox.dead_letters(session, installation_id, limit=limit)
    stuck = await outbox.stuck_messages(session, installation_id, stuck_after=stuck_after, limit=limit)
    return OutboxProblemsOut(
        dead_letters=[
            DeadLetterOut(
                id=letter.id,
                kind=letter.kind,
                subject=_subject(letter.payload),
                attempts=letter.attempts,
                created_at=letter.created_at,
                dead_at=letter.dead_at,
                reason=letter.reason,
                queued_as=letter.queued_as,
            )
            for letter in dead
        ],
        dead_letters_total=await outbox.count_dead_letters(session, installation_id),
        stuck=[
            StuckOut(
                id=message.id,
                kind=message.kind,
                subject=_subject(message.payload),
                attempts=message.attempts,
                created_at=message.created_at,
                next_attempt_at=message.next_attempt_at,
                last_error=message.last_error,
            )
            for message in stuck
        ],
        stuck_total=await outbox.count_stuck(session, installation_id, stuck_after=stuck_after),
        stuck_after=stuck_after,
    )


@router.post(
    "/dead-letters/{message_id}/retry",
    response_model=RetryOut,
    responses={
        **ERRORS,
        404: {"description": "no such dead letter in this store"},
        409: {"description": "no longer a dead letter (retried already, or its work was done)"},
    },
    summary="Send a dead letter again: back in the queue, or joined to a pending message doing the same work",
)
async def retry_dead_letter(session: SessionDep, staff: OutboxStaff, message_id: PathId) -> RetryOut:
    result = await outbox.retry_dead_letter(session, message_id, installation_id=staff.installation.id)
    if result.outcome == "not_found":
        raise NotFound("no such message in this store")
    if result.outcome == "not_dead":
        raise Conflict(
            "this message is no longer a dead letter: it was retried already, or its work was done"
        )
    return RetryOut(id=result.id, outcome=result.outcome, queued_as=result.queued_as)
