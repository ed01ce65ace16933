"""Holds follow the orders and checkouts Saleor tells us about: commit when an order carries our code,
give the points back when that order is cancelled or fully refunded, and release when our code left
its checkout. Called for every event, so it converges like earning does."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from app.crypto import hash_code
from app.ledger import holds
from app.ledger import service as ledger
from app.ledger.models import Hold, HoldStatus
from app.redemption import lifecycle
from app.redemption.pricing import points_for

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class OrderFacts:
    """What an order tells redemption."""

    saleor_order_id: str
    number: str | None
    customer_user_id: str | None
    checkout_id: str | None
    voucher_code: str | None
    voucher_discount: Decimal | None  # the money the order's voucher took off
    is_cancelled: bool
    is_fully_refunded: bool


def _flag(hold: Hold, reason: str) -> None:
    if hold.flagged_reason is None:
        hold.flagged_reason = reason
        log.warning("hold_flagged", hold_id=hold.id, reason=reason)


async def apply_order(session: AsyncSession, installation_id: int, order: OrderFacts) -> None:
    if order.voucher_code:
        hold = (
            await session.execute(
                sa.select(Hold)
                .where(
                    Hold.installation_id == installation_id,
                    Hold.voucher_code_hash == hash_code(order.voucher_code),
                )
                .with_for_update(key_share=True)
            )
        ).scalar_one_or_none()
        if hold is not None:
            await _commit(session, hold, order)
    if order.is_cancelled or order.is_fully_refunded:
        committed = (
            await session.execute(
                sa.select(Hold)
                .where(
                    Hold.installation_id == installation_id,
                    Hold.saleor_order_id == order.saleor_order_id,
                    Hold.status == HoldStatus.COMMITTED,
                )
                .with_for_update(key_share=True)
            )
        ).scalars()
        for hold in list(committed):
            member = await ledger.lock_member(session, installation_id, hold.member_id)
            await holds.return_hold(
                session,
                member,
                hold,
                cancelled=order.is_cancelled,
                saleor_order_id=order.saleor_order_id,
                order_number=order.number,
            )


async def _commit(session: AsyncSession, hold: Hold, order: OrderFacts) -> None:
    member = await ledger.lock_member(session, hold.installation_id, hold.member_id)
    if order.customer_user_id is None or order.customer_user_id != member.saleor_user_id:
        _flag(hold, "our code was used on another customer's order")
    elif hold.checkout_id and order.checkout_id and order.checkout_id != hold.checkout_id:
        _flag(hold, "our code was used from another checkout")
    if holds.is_open(hold):
        used = hold.points
        if hold.point_value and order.voucher_discount is not None:
            used = min(hold.points, points_for(order.voucher_discount, hold.point_value))
        await holds.commit_hold(
            session,
            member,
            hold,
            points_used=used,
            saleor_order_id=order.saleor_order_id,
            order_number=order.number,
        )
        await lifecycle.queue_voucher_deletion(session, hold, remove_from_checkout=False)
        log.info("hold_committed", hold_id=hold.id, points=used)
    elif hold.status == HoldStatus.RELEASED and hold.saleor_order_id is None:
        # The discount was used although its hold had been released (e.g. a lost Saleor answer): the
        # shopper got the money off, so the points are spent after all, and staff are told.
        await holds.commit_released_hold(
            session, member, hold, saleor_order_id=order.saleor_order_id, order_number=order.number
        )
        _flag(hold, "discount used after its points were released")
    elif hold.saleor_order_id not in (None, order.saleor_order_id):
        _flag(hold, "our code appears on a second order")


async def check_checkout(
    session: AsyncSession, installation_id: int, checkout_id: str, voucher_code: str | None
) -> None:
    """A CHECKOUT_UPDATED delivery: if our code is no longer on the checkout, have the worker confirm
    with Saleor and release (payloads are rendered late, so one alone is not proof)."""
    digest = hash_code(voucher_code) if voucher_code else None
    open_holds = await session.execute(
        sa.select(Hold.id, Hold.voucher_code_hash).where(
            Hold.installation_id == installation_id,
            Hold.checkout_id == checkout_id,
            Hold.status == HoldStatus.OPEN,
        )
    )
    for hold_id, hold_code_hash in open_holds.all():
        if hold_code_hash != digest:
            await lifecycle.queue_hold_check(session, installation_id, hold_id)
