"""The admin API behind the Loyalty tab: every route needs a Dashboard token and a Saleor permission."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response

from app.api.deps import StaffUser, require_staff
from app.db import SessionDep
from app.earning import program as programs
from app.earning.schemas import (
    ChannelRuleIn,
    ChannelRuleOut,
    MultiplierIn,
    MultiplierOut,
    ProgramIn,
    ProgramOut,
    ProgramSettingsOut,
)
from app.errors import NotFound

router = APIRouter(prefix="/api/admin", tags=["admin"])

# Reading the program is for anyone who manages customers; changing what points are worth is a
# discount decision, so it needs the permission Saleor uses for discounts.
StaffReader = Annotated[StaffUser, Depends(require_staff("MANAGE_USERS"))]
ProgramEditor = Annotated[StaffUser, Depends(require_staff("MANAGE_DISCOUNTS"))]

ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "missing, expired or foreign Dashboard token, or unknown store"},
    403: {"description": "the staff user lacks the Saleor permission"},
    422: {"description": "invalid settings, with field errors"},
}

Channel = Annotated[str, Path(min_length=1, max_length=255)]


async def _settings(session: SessionDep, installation_id: int) -> ProgramSettingsOut:
    program = await programs.get_program(session, installation_id)
    return ProgramSettingsOut(
        program=ProgramOut.model_validate(program),
        channels=[
            ChannelRuleOut.model_validate(r)
            for r in await programs.list_channel_rules(session, installation_id)
        ],
        multipliers=[
            MultiplierOut.model_validate(m) for m in await programs.list_multipliers(session, installation_id)
        ],
    )


@router.get("/program", response_model=ProgramSettingsOut, responses=ERRORS, summary="Program settings")
async def get_program(session: SessionDep, staff: StaffReader) -> ProgramSettingsOut:
    return await _settings(session, staff.installation.id)


@router.put(
    "/program", response_model=ProgramSettingsOut, responses=ERRORS, summary="Change program settings"
)
async def put_program(session: SessionDep, staff: ProgramEditor, body: ProgramIn) -> ProgramSettingsOut:
    await programs.update_program(session, staff.installation.id, body.model_dump(), staff.audit_label)
    return await _settings(session, staff.installation.id)


@router.put(
    "/program/channels/{channel}",
    response_model=ChannelRuleOut,
    responses=ERRORS,
    summary="Earning and point value in one channel",
)
async def put_channel(
    session: SessionDep, staff: ProgramEditor, channel: Channel, body: ChannelRuleIn
) -> ChannelRuleOut:
    rule = await programs.put_channel_rule(session, staff.installation.id, channel, body.model_dump())
    return ChannelRuleOut.model_validate(rule)


@router.delete("/program/channels/{channel}", status_code=204, responses=ERRORS, summary="Back to defaults")
async def delete_channel(session: SessionDep, staff: ProgramEditor, channel: Channel) -> Response:
    if not await programs.delete_channel_rule(session, staff.installation.id, channel):
        raise NotFound("no rule for this channel")
    return Response(status_code=204)


@router.post(
    "/program/multipliers",
    response_model=MultiplierOut,
    status_code=201,
    responses=ERRORS,
    summary="Add a multiplier",
)
async def post_multiplier(session: SessionDep, staff: ProgramEditor, body: MultiplierIn) -> MultiplierOut:
    multiplier = await programs.add_multiplier(session, staff.installation.id, body.model_dump())
    return MultiplierOut.model_validate(multiplier)


@router.delete(
    "/program/multipliers/{multiplier_id}", status_code=204, responses=ERRORS, summary="Remove a multiplier"
)
async def delete_multiplier(session: SessionDep, staff: ProgramEditor, multiplier_id: int) -> Response:
    if not await programs.delete_multiplier(session, staff.installation.id, multiplier_id):
        raise NotFound("no such multiplier")
    return Response(status_code=204)
