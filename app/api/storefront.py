"""The shopper API: called by a storefront with the shopper's own Saleor access token."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field, model_validator

from app.api.deps import GatewayDep, SessionDep, ShopperDep
from app.api.errors import error_responses
from app.api.views import decode_cursor, encode_cursor, entry_out, order_points_out, points_out
from app.bounds import Amount, Text
from app.db import utcnow
from app.earning import service as earning
from app.earning.calculation import PricedLine
from app.errors import BadRequest
from app.ledger import service as ledger
from app.members import service as members
from app.members.schemas import (
    ConsentIn,
    HistoryOut,
    MemberOut,
    MeOut,
    NextAvailableOut,
    OrdersOut,
)
from app.orders.service import member_orders
from app.program.service import get_program

AUTH_ERRORS = error_responses(
    {
        401: "missing, expired or foreign shopper token, or unknown store",
        422: "invalid request, with field errors",
    }
)
router = APIRouter(prefix="/api/storefront", tags=["storefront"], responses=AUTH_ERRORS)


async def _me(session: SessionDep, shopper: ShopperDep) -> MeOut:
    member = await members.shopper_member(
        session, shopper.installation.id, saleor_user_id=shopper.user_id, email=shopper.email
    )
    summary = await members.summary(session, member)
    return MeOut(
        member=MemberOut(
            id=member.id,
            email=member.email,
            enrolled=member.is_enrolled,
            joined_at=member.joined_at,
            enrolled_at=member.enrolled_at,
            consent_at=member.consent_at,
        ),
        points=points_out(summary.balances),
        next_available=[NextAvailableOut(points=p, available_at=at) for p, at in summary.next_available],
        tier=None,
        enrolment=summary.enrolment,
    )


@router.get("/me", response_model=MeOut, summary="The shopper's points")
async def me(session: SessionDep, shopper: ShopperDep) -> MeOut:
    return await _me(session, shopper)


@router.post("/me/consent", response_model=MeOut, summary="Join or leave the program")
async def consent(session: SessionDep, shopper: ShopperDep, body: ConsentIn) -> MeOut:
    member = await members.shopper_member(
        session, shopper.installation.id, saleor_user_id=shopper.user_id, email=shopper.email
    )
    await members.set_consent(session, member, body.consent)
    return await _me(session, shopper)


@router.get(
    "/me/history",
    response_model=HistoryOut,
    responses=error_responses({400: "the cursor is not one this API gave out"}),
    summary="Points history",
)
async def history(
    session: SessionDep,
    shopper: ShopperDep,
    cursor: Annotated[
        str | None, Query(max_length=100, description="next_cursor of the previous page")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> HistoryOut:
    member = await members.shopper_member(
        session, shopper.installation.id, saleor_user_id=shopper.user_id, email=shopper.email
    )
    before = decode_cursor(cursor) if cursor else None
    entries = await ledger.history_page(session, member, before_id=before, limit=limit + 1)
    page = entries[:limit]
    now = utcnow()
    return HistoryOut(
        entries=[entry_out(e, now) for e in page],
        next_cursor=encode_cursor(page[-1].id) if len(entries) > limit else None,
    )


@router.get("/me/orders", response_model=OrdersOut, summary="What each order earned")
async def orders(session: SessionDep, shopper: ShopperDep) -> OrdersOut:
    member = await members.shopper_member(
        session, shopper.installation.id, saleor_user_id=shopper.user_id, email=shopper.email
    )
    program = await get_program(session, shopper.installation.id)
    return OrdersOut(
        orders=[
            order_points_out(order, program.earn_trigger) for order in await member_orders(session, member)
        ]
    )


GlobalId = Annotated[Text, Field(max_length=255)]


class PreviewLine(BaseModel):
    amount: Amount = Field(description="line total after discounts, in the channel's currency")
    product_id: GlobalId | None = None
    category: GlobalId | None = Field(default=None, description="category id or slug")
    collections: list[GlobalId] = Field(
        default_factory=list, max_length=100, description="collection ids or slugs"
    )


class PreviewIn(BaseModel):
    checkout_id: GlobalId | None = None
    channel: GlobalId | None = None
    currency: str | None = Field(default=None, pattern=r"^[A-Za-z]{3}$")
    lines: list[PreviewLine] = Field(default_factory=list, max_length=500)
    shipping_amount: Amount = Decimal(0)

    @model_validator(mode="after")
    def _one_source(self) -> PreviewIn:
        if self.checkout_id is None and (not self.channel or not self.currency):
            raise ValueError("give either checkout_id, or channel, currency and lines")
        return self


class PreviewOut(BaseModel):
    points: int
    bonus_points: int
    total_points: int
    eligible_amount: Decimal
    currency: str
    explanation: dict[str, object]


@router.post(
    "/preview",
    response_model=PreviewOut,
    responses=error_responses({403: "the checkout belongs to someone else", 404: "no such checkout"}),
    summary="Points a set of lines or a checkout would earn",
)
async def preview(
    session: SessionDep, shopper: ShopperDep, gateway: GatewayDep, body: PreviewIn
) -> PreviewOut:
    if body.checkout_id is not None:
        currency, result = await earning.preview_checkout(
            session,
            gateway,
            shopper.installation,
            saleor_user_id=shopper.user_id,
            checkout_id=body.checkout_id,
        )
    elif body.channel is not None and body.currency is not None:
        currency = body.currency.upper()
        lines = [
            PricedLine(
                line_id=str(index),
                net=line.amount,
                gross=line.amount,
                product_id=line.product_id,
                category_ids=(line.category,) if line.category else (),
                collection_ids=tuple(line.collections),
            )
            for index, line in enumerate(body.lines)
        ]
        result = await earning.preview(
            session,
            shopper.installation.id,
            channel_slug=body.channel,
            currency=currency,
            lines=lines,
            shipping_amount=body.shipping_amount,
        )
    else:  # PreviewIn refuses this already; kept so the two sources stay explicit
        raise BadRequest("give either checkout_id, or channel, currency and lines")
    return PreviewOut(
        points=result.points,
        bonus_points=result.bonus_points,
        total_points=result.total,
        eligible_amount=result.eligible_amount,
        currency=currency,
        explanation=result.explanation,
    )
