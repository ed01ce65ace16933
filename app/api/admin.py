"""The admin API behind the Loyalty tab: every route needs a Dashboard token and a Saleor permission."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from app.api.deps import GatewayDep, SessionDep, StaffUser, require_staff
from app.api.errors import error_responses
from app.api.params import PathId, PathText, QueryId
from app.errors import NotFound
from app.ledger.models import HoldStatus
from app.program import service as programs
from app.program.schemas import (
    ChannelRuleIn,
    ChannelRuleOut,
    MultiplierIn,
    MultiplierOut,
    ProgramIn,
    ProgramOut,
    ProgramSettingsOut,
)
from app.redemption import lookups
from app.redemption.schemas import StaffRedemptionOut
from app.rewards import service as rewards
from app.rewards.models import Reward, RewardKind
from app.rewards.schemas import PartnerCodesIn, PartnerCodesOut, RewardIn, RewardOut

ERRORS = error_responses(
    {
        401: "missing, expired or foreign Dashboard token, or unknown store",
        403: "the staff user lacks the Saleor permission",
        422: "invalid request or settings, with field errors",
    }
)
NOT_FOUND = error_responses({404: "no such row in this store"})

router = APIRouter(prefix="/api/admin", tags=["admin"], responses=ERRORS)

# Reading the program is for anyone who manages customers; changing what points are worth is a
# discount decision, so it needs the permission Saleor uses for discounts.
StaffReader = Annotated[StaffUser, Depends(require_staff("MANAGE_USERS"))]
ProgramEditor = Annotated[StaffUser, Depends(require_staff("MANAGE_DISCOUNTS"))]

Channel = PathText


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


@router.get("/program", response_model=ProgramSettingsOut, summary="Program settings")
async def get_program(session: SessionDep, staff: StaffReader) -> ProgramSettingsOut:
    return await _settings(session, staff.installation.id)


@router.put("/program", response_model=ProgramSettingsOut, summary="Change program settings")
async def put_program(session: SessionDep, staff: ProgramEditor, body: ProgramIn) -> ProgramSettingsOut:
    await programs.update_program(session, staff.installation.id, body.changes(), staff.audit_label)
    return await _settings(session, staff.installation.id)


@router.put(
    "/program/channels/{channel}",
    response_model=ChannelRuleOut,
    summary="Earning and point value in one channel",
)
async def put_channel(
    session: SessionDep, staff: ProgramEditor, channel: Channel, body: ChannelRuleIn
) -> ChannelRuleOut:
    rule = await programs.put_channel_rule(session, staff.installation.id, channel, body.model_dump())
    return ChannelRuleOut.model_validate(rule)


@router.delete(
    "/program/channels/{channel}", status_code=204, responses=NOT_FOUND, summary="Back to defaults"
)
async def delete_channel(session: SessionDep, staff: ProgramEditor, channel: Channel) -> Response:
    if not await programs.delete_channel_rule(session, staff.installation.id, channel):
        raise NotFound("no rule for this channel")
    return Response(status_code=204)


@router.post(
    "/program/multipliers",
    response_model=MultiplierOut,
    status_code=201,
    summary="Add a multiplier",
)
async def post_multiplier(session: SessionDep, staff: ProgramEditor, body: MultiplierIn) -> MultiplierOut:
    multiplier = await programs.add_multiplier(session, staff.installation.id, body.model_dump())
    return MultiplierOut.model_validate(multiplier)


@router.delete(
    "/program/multipliers/{multiplier_id}",
    status_code=204,
    responses=NOT_FOUND,
    summary="Remove a multiplier",
)
async def delete_multiplier(session: SessionDep, staff: ProgramEditor, multiplier_id: PathId) -> Response:
    if not await programs.delete_multiplier(session, staff.installation.id, multiplier_id):
        raise NotFound("no such multiplier")
    return Response(status_code=204)


RewardEditor = Annotated[StaffUser, Depends(require_staff("MANAGE_DISCOUNTS"))]


async def _reward_out(session: SessionDep, reward: Reward) -> RewardOut:
    out = RewardOut.model_validate(reward)
    if reward.kind == RewardKind.PARTNER:
        pool = await rewards.partner_pool(session, reward.installation_id, reward.id)
        out.codes_total, out.codes_free = pool.total, pool.free
    return out


@router.get("/rewards", response_model=list[RewardOut], summary="The rewards catalog")
async def list_rewards(session: SessionDep, staff: StaffReader) -> list[RewardOut]:
    return [await _reward_out(session, r) for r in await rewards.list_rewards(session, staff.installation.id)]


@router.post("/rewards", response_model=RewardOut, status_code=201, summary="Add a reward")
async def create_reward(session: SessionDep, staff: RewardEditor, body: RewardIn) -> RewardOut:
    reward = await rewards.create_reward(session, staff.installation.id, body.model_dump())
    return await _reward_out(session, reward)


@router.get("/rewards/{reward_id}", response_model=RewardOut, responses=NOT_FOUND, summary="One reward")
async def get_reward(session: SessionDep, staff: StaffReader, reward_id: PathId) -> RewardOut:
    return await _reward_out(session, await rewards.get_reward(session, staff.installation.id, reward_id))


@router.put("/rewards/{reward_id}", response_model=RewardOut, responses=NOT_FOUND, summary="Change a reward")
async def put_reward(
    session: SessionDep, staff: RewardEditor, reward_id: PathId, body: RewardIn
) -> RewardOut:
    reward = await rewards.update_reward(session, staff.installation.id, reward_id, body.model_dump())
    return await _reward_out(session, reward)


@router.delete("/rewards/{reward_id}", status_code=204, responses=NOT_FOUND, summary="Stop offering a reward")
async def delete_reward(session: SessionDep, staff: RewardEditor, reward_id: PathId) -> Response:
    await rewards.deactivate_reward(session, staff.installation.id, reward_id)
    return Response(status_code=204)


@router.post(
    "/rewards/{reward_id}/codes",
    response_model=PartnerCodesOut,
    responses=NOT_FOUND,
    summary="Upload partner codes (one handed out per redemption)",
)
async def add_codes(
    session: SessionDep, staff: RewardEditor, gateway: GatewayDep, reward_id: PathId, body: PartnerCodesIn
) -> PartnerCodesOut:
    added, skipped = await rewards.add_partner_codes(
        session, gateway.cipher, staff.installation.id, reward_id, body.codes
    )
    pool = await rewards.partner_pool(session, staff.installation.id, reward_id)
    return PartnerCodesOut(added=added, skipped=skipped, codes_total=pool.total, codes_free=pool.free)


@router.get(
    "/redemptions",
    response_model=list[StaffRedemptionOut],
    summary="Redemptions, e.g. the flagged ones (a code used on another customer's order)",
)
async def list_redemptions(
    session: SessionDep,
    staff: StaffReader,
    status: Annotated[HoldStatus | None, Query()] = None,
    flagged: Annotated[bool | None, Query()] = None,
    member_id: QueryId | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[StaffRedemptionOut]:
    holds = await lookups.list_holds(
        session, staff.installation.id, status=status, flagged=flagged, member_id=member_id, limit=limit
    )
    return [StaffRedemptionOut.model_validate(hold) for hold in holds]
