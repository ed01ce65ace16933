"""Converging an order event: the order row moves to the state the payload describes, then earning
posts only the difference between what the order should have earned or reversed and what it already
has, and redemption commits or returns the holds the order used. One member lock serves all of it."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from app.crypto import hash_code
from app.db import dialect_insert, utcnow
from app.earning import service as earning
from app.ledger import service as ledger
from app.ledger.models import Member
from app.members import service as members
from app.orders.models import EarnStatus, Order
from app.orders.snapshot import OrderSnapshot, OrderTrigger
from app.program import service as programs
from app.program.models import EarnTrigger, Program
from app.redemption import orders as redemption

log = structlog.get_logger(__name__)

PAID_CHARGE_STATUSES = frozenset({"FULL", "OVERCHARGED"})


async def _resolve_member(
    session: AsyncSession, program: Program, order: OrderSnapshot
) -> tuple[Member | None, bool]:
    """Whose order it is, and whether they joined just now (then the welcome bonus is owed)."""
    if order.customer_user_id is not None:
        resolved = await members.resolve_customer(
            session, program, saleor_user_id=order.customer_user_id, email=order.customer_email
        )
        return resolved.member, resolved.joined
    if order.customer_email:
        return await members.resolve_guest(session, program, order.customer_email), False
    return None, False


async def _lock_order(session: AsyncSession, installation_id: int, order: OrderSnapshot) -> Order:
    now = utcnow()
    await session.execute(
        dialect_insert(session)(Order)
        .values(
            installation_id=installation_id,
            saleor_order_id=order.saleor_order_id,
            number=order.number,
            channel_slug=order.channel_slug,
            currency=order.currency,
            status=order.status,
            total_gross=order.total_gross,
            placed_at=order.placed_at or now,
            first_seen_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["installation_id", "saleor_order_id"])
    )
    return (
        await session.execute(
            sa.select(Order)
            .where(Order.installation_id == installation_id, Order.saleor_order_id == order.saleor_order_id)
            .with_for_update(key_share=True)
            .execution_options(populate_existing=True)
        )
    ).scalar_one()


def _converge_state(row: Order, order: OrderSnapshot, trigger: OrderTrigger) -> None:
    """Fold the payload into the row. Every flag only ever turns on and refunds only grow, so an old
    payload arriving late cannot undo what a newer one said."""
    row.status = order.status
    row.number = order.number or row.number
    row.checkout_id = order.checkout_id or row.checkout_id
    row.origin = order.origin or row.origin
    row.total_gross = order.total_gross
    if order.voucher_code:
        row.voucher_code_hash = hash_code(order.voucher_code)
    row.is_paid = (
        row.is_paid
        or trigger is OrderTrigger.FULLY_PAID
        or (order.charge_status or "") in PAID_CHARGE_STATUSES
    )
    row.is_fulfilled = row.is_fulfilled or trigger is OrderTrigger.FULFILLED or order.status == "FULFILLED"
    row.is_cancelled = (
        row.is_cancelled
        or trigger in (OrderTrigger.CANCELLED, OrderTrigger.EXPIRED)
        or order.status in ("CANCELED", "EXPIRED")
    )
    row.amount_refunded = max(row.amount_refunded, order.amount_refunded)


def _reached_earning_event(row: Order, program: Program) -> bool:
    if program.earn_trigger == EarnTrigger.ORDER_FULFILLED:
        return row.is_fulfilled
    return row.is_paid


async def _earn(session: AsyncSession, program: Program, row: Order, order: OrderSnapshot) -> None:
    if row.member_id is None:
        row.earn_status = EarnStatus.NO_MEMBER
        return
    member = await ledger.lock_member(session, row.installation_id, row.member_id)
    if not member.is_enrolled:
        row.earn_status = EarnStatus.NOT_ENROLLED
        return
    earned = await earning.earn_order(
        session,
        member,
        program,
        earning.OrderToEarn(
            saleor_order_id=order.saleor_order_id,
            number=order.number,
            channel_slug=order.channel_slug,
            currency=order.currency,
            lines=order.lines,
            shipping_net=order.shipping_net,
            shipping_gross=order.shipping_gross,
            total_gross=order.total_gross,
        ),
    )
    row.earn_status = EarnStatus.EARNED
    row.eligible_amount = earned.earning.eligible_amount
    row.points_earned = earned.earning.points
    row.points_bonus = earned.earning.bonus_points
    row.bonus_threshold_amount = earned.bonus_threshold_amount
    row.points_available_at = earned.available_at
    row.earned_at = earned.earned_at
    row.earn_explanation = earned.explanation
    log.info("order_earned", order_id=row.id, points=row.points_earned, bonus=row.points_bonus)


def _earned(row: Order) -> earning.EarnedOrder:
    return earning.EarnedOrder(
        saleor_order_id=row.saleor_order_id,
        number=row.number,
        currency=row.currency,
        points_earned=row.points_earned,
        points_bonus=row.points_bonus,
        eligible_amount=row.eligible_amount or Decimal(0),
        bonus_threshold_amount=row.bonus_threshold_amount,
        points_available_at=row.points_available_at,
        total_gross=row.total_gross,
        amount_refunded=row.amount_refunded,
        is_cancelled=row.is_cancelled,
        points_reversed=row.points_reversed,
        points_reversal_forgiven=row.points_reversal_forgiven,
    )


async def _converge_reversal(session: AsyncSession, program: Program, row: Order) -> None:
    if row.earn_status != EarnStatus.EARNED or row.member_id is None:
        return
    earned = _earned(row)
    target, outstanding = earning.reversal_due(earned)
    if outstanding <= 0:
        return
    member = await ledger.lock_member(session, row.installation_id, row.member_id)
    result = await earning.reverse_order(session, member, program, earned, target, outstanding)
    row.points_reversed += result.points
    row.points_reversal_forgiven += result.forgiven
    log.info(
        "order_reversed",
        order_id=row.id,
        points=result.points,
        forgiven=result.forgiven,
        target=target.points,
    )


async def apply_order_event(
    session: AsyncSession, installation_id: int, order: OrderSnapshot, trigger: OrderTrigger
) -> Order:
    """Converge Lojal's view of an order on this event: earn once, reverse as far as refunds go, and
    settle the redemptions it used."""
    program = await programs.get_program(session, installation_id)
    member, joined = await _resolve_member(session, program, order)
    row = await _lock_order(session, installation_id, order)
    if row.member_id is None and member is not None:
        row.member_id = member.id
    if member is not None and member.anonymised_at is None and order.customer_email:
        row.customer_email = order.customer_email
    _converge_state(row, order, trigger)
    if member is not None and joined:
        await members.grant_welcome_bonus(
            session, await ledger.lock_member(session, installation_id, member.id), program
        )
    if row.earn_status in (EarnStatus.WAITING, EarnStatus.NO_MEMBER):
        if row.is_cancelled:
            row.earn_status = EarnStatus.CANCELLED
        elif _reached_earning_event(row, program):
            await _earn(session, program, row, order)
    await _converge_reversal(session, program, row)
    await redemption.apply_order(
        session,
        installation_id,
        redemption.OrderFacts(
            saleor_order_id=order.saleor_order_id,
            number=order.number,
            customer_user_id=order.customer_user_id,
            checkout_id=order.checkout_id,
            voucher_code=order.voucher_code,
            voucher_discount=order.voucher_discount,
            is_cancelled=row.is_cancelled,
            is_fully_refunded=row.total_gross > 0 and row.amount_refunded >= row.total_gross,
        ),
    )
    return row


async def member_orders(session: AsyncSession, member: Member, *, limit: int = 50) -> list[Order]:
    """The member's orders as Lojal saw them, newest first."""
    rows = await session.execute(
        sa.select(Order)
        .where(Order.installation_id == member.installation_id, Order.member_id == member.id)
        .order_by(Order.placed_at.desc(), Order.id.desc())
        .limit(limit)
    )
    return list(rows.scalars())


async def forget_customer_email(session: AsyncSession, member: Member) -> None:
    """Erasure: the member's orders keep their amounts, not who placed them."""
    await session.execute(
        sa.update(Order)
        .where(Order.installation_id == member.installation_id, Order.member_id == member.id)
        .values(customer_email=None)
    )


async def over_reversed(session: AsyncSession, installation_id: int | None = None) -> list[str]:
    """Orders that took back more points than they earned (the doctor reports each one)."""
    query = sa.select(
        Order.installation_id,
        Order.saleor_order_id,
        Order.points_reversed,
        Order.points_earned,
        Order.points_bonus,
    ).where(Order.points_reversed > Order.points_earned + Order.points_bonus)
    if installation_id is not None:
        query = query.where(Order.installation_id == installation_id)
    return [
        f"installation {row.installation_id} order {row.saleor_order_id}: "
        f"reversed {row.points_reversed} of {row.points_earned + row.points_bonus} earned"
        for row in (await session.execute(query)).all()
    ]


def explain_order(order: Order, earn_trigger: str) -> str:
    """Why an order has (or has not yet) earned points, in the shopper's words."""
    number = f"Order #{order.number}" if order.number else "This order"
    if order.earn_status == EarnStatus.EARNED:
        total = order.points_earned + order.points_bonus
        text = f"{number} earned {total} points"
        if order.points_reversed:
            text += f"; {order.points_reversed} were taken back after a refund or cancellation"
        return text + "."
    if order.earn_status == EarnStatus.CANCELLED:
        return f"{number} was cancelled before it earned points."
    if order.earn_status == EarnStatus.NOT_ENROLLED:
        return f"{number} was placed before you joined the loyalty program."
    if order.earn_status == EarnStatus.NO_MEMBER:
        return f"{number} had no customer account or e-mail to credit points to."
    waiting_for = "is shipped" if earn_trigger == EarnTrigger.ORDER_FULFILLED else "is fully paid"
    return f"{number} earns points once it {waiting_for}."
