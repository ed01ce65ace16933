"""Points for an order: the program's rates, multipliers and bonuses applied to its lines, posted to
the ledger once, and taken back in proportion to what was refunded. `app/orders` decides when."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import utcnow
from app.earning import calculation
from app.earning.calculation import EarnTerms, MultiplierRule, PricedLine, ReversalTarget
from app.ledger import service as ledger
from app.ledger.models import EntryKind, Member, SourceType
from app.money import amount_text
from app.program import service as programs
from app.program.models import Program, ReversalPolicy
from app.saleor.checkouts import shopper_checkout
from app.saleor.gateway import SaleorGateway, SaleorStore

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class OrderToEarn:
    saleor_order_id: str
    number: str | None
    channel_slug: str
    currency: str
    lines: tuple[PricedLine, ...]
    shipping_net: Decimal
    shipping_gross: Decimal
    total_gross: Decimal


async def terms_for(session: AsyncSession, program: Program, channel_slug: str, currency: str) -> EarnTerms:
    channel = await programs.channel_terms(session, program, channel_slug, currency)
    return EarnTerms(
        currency=currency,
        points_per_unit=channel.points_per_unit,
        rounding=program.rounding,
        min_order_amount=channel.min_order_amount,
        bonus_threshold_amount=channel.bonus_threshold_amount,
        bonus_points=channel.bonus_points,
        include_shipping=program.include_shipping,
        include_tax=program.include_tax,
    )


async def multiplier_rules(session: AsyncSession, installation_id: int, at: datetime) -> list[MultiplierRule]:
    return [
        MultiplierRule(name=m.name, target_type=m.target_type, target=m.target, factor=m.factor)
        for m in await programs.active_multipliers(session, installation_id, at)
    ]


@dataclass(frozen=True)
class Earned:
    """What an order earned, fixed when it earned (never recomputed from later rules)."""

    earning: calculation.Earning
    bonus_threshold_amount: Decimal | None
    available_at: datetime
    earned_at: datetime
    explanation: dict[str, Any]


async def earn_order(
    session: AsyncSession,
    member: Member,
    program: Program,
    order: OrderToEarn,
    *,
    now: datetime | None = None,
) -> Earned:
    """Post the order's points (and its threshold bonus), pending for the program's hold days.
    `member` must be locked; the entries' keys name the order, so this can never pay twice."""
    now = now or utcnow()
    terms = await terms_for(session, program, order.channel_slug, order.currency)
    earning = calculation.compute_earning(
        terms,
        order.lines,
        await multiplier_rules(session, program.installation_id, now),
        shipping_amount=order.shipping_gross if program.include_tax else order.shipping_net,
        order_total=order.total_gross,
    )
    available_at = now + timedelta(days=program.hold_days)
    explanation = {**earning.explanation, "order": order.number, "hold_days": program.hold_days}
    for kind, points, suffix in (
        (EntryKind.EARN, earning.points, "earn"),
        (EntryKind.BONUS, earning.bonus_points, "bonus"),
    ):
        if points > 0:
            await ledger.post_entry(
                session,
                member,
                kind=kind,
                points=points,
                idempotency_key=f"order:{order.saleor_order_id}:{suffix}",
                source_type=SourceType.ORDER,
                source_id=order.saleor_order_id,
                available_at=available_at,
                explanation=explanation
                if kind is EntryKind.EARN
                else {"order": order.number, **explanation["bonus"]},
                now=now,
            )
    return Earned(
        earning=earning,
        bonus_threshold_amount=terms.bonus_threshold_amount if earning.bonus_points else None,
        available_at=available_at,
        earned_at=now,
        explanation=explanation,
    )


@dataclass(frozen=True)
class EarnedOrder:
    """An order that earned, with its money as it converged and how far its points were taken back."""

    saleor_order_id: str
    number: str | None
    currency: str
    points_earned: int
    points_bonus: int
    eligible_amount: Decimal
    bonus_threshold_amount: Decimal | None
    points_available_at: datetime | None
    total_gross: Decimal
    amount_refunded: Decimal
    is_cancelled: bool
    points_reversed: int
    points_reversal_forgiven: int


def reversal_due(order: EarnedOrder) -> tuple[ReversalTarget, int]:
    """How much should be taken back by now, and how much of that is still outstanding."""
    target = calculation.reversal_target(
        points_earned=order.points_earned,
        points_bonus=order.points_bonus,
        eligible_amount=order.eligible_amount,
        bonus_threshold_amount=order.bonus_threshold_amount,
        order_total=order.total_gross,
        amount_refunded=order.amount_refunded,
        is_cancelled=order.is_cancelled,
    )
    return target, target.points - order.points_reversed - order.points_reversal_forgiven


@dataclass(frozen=True)
class Reversed:
    points: int  # taken back now
    forgiven: int  # already spent and, by the program's policy, not taken back


async def reverse_order(
    session: AsyncSession,
    member: Member,
    program: Program,
    order: EarnedOrder,
    target: ReversalTarget,
    outstanding: int,
    *,
    now: datetime | None = None,
) -> Reversed:
    """Take back the outstanding part of an order's points (`member` locked), keyed by the target, so
    a repeated refund of the same amount changes nothing."""
    now = now or utcnow()
    await ledger.mature_member(session, member, now)
    still_pending = order.points_available_at is not None and order.points_available_at > now
    points = outstanding
    if not still_pending and program.reversal_policy == ReversalPolicy.CLAMP:
        points = min(outstanding, max(0, member.points_available))
    forgiven = outstanding - points
    explanation = {
        "order": order.number,
        "reason": "cancelled" if order.is_cancelled else "refunded",
        "amount_refunded": amount_text(order.amount_refunded),
        "order_total": amount_text(order.total_gross),
        "currency": order.currency,
        "refunded_share": str(target.ratio.quantize(Decimal("0.0001"))),
        "order_points": order.points_earned + order.points_bonus,
        "bonus_reversed": target.bonus_reversed,
        "target_reversed": target.points,
        "reversed_before": order.points_reversed,
        "points": points,
        "policy": program.reversal_policy,
        "forgiven": forgiven,
        "while_pending": still_pending,
    }
    if points > 0:
        await ledger.post_entry(
            session,
            member,
            kind=EntryKind.REVERSE,
            points=-points,
            idempotency_key=f"order:{order.saleor_order_id}:reverse:{target.points}",
            source_type=SourceType.ORDER,
            source_id=order.saleor_order_id,
            # Taking back points that are still on hold takes them from pending, not from what the
            # shopper can spend today.
            available_at=order.points_available_at if still_pending else now,
            explanation=explanation,
            now=now,
        )
    return Reversed(points=points, forgiven=forgiven)


async def preview(
    session: AsyncSession,
    installation_id: int,
    *,
    channel_slug: str,
    currency: str,
    lines: Sequence[PricedLine],
    shipping_amount: Decimal = Decimal(0),
) -> calculation.Earning:
    """What these lines would earn today, without writing anything."""
    program = await programs.get_program(session, installation_id)
    terms = await terms_for(session, program, channel_slug, currency)
    return calculation.compute_earning(
        terms,
        lines,
        await multiplier_rules(session, installation_id, utcnow()),
        shipping_amount=shipping_amount,
    )


async def preview_checkout(
    session: AsyncSession,
    gateway: SaleorGateway,
    store: SaleorStore,
    *,
    saleor_user_id: str,
    checkout_id: str,
) -> tuple[str, calculation.Earning]:
    """What a shopper's own checkout would earn; the checkout is read from Saleor, never from the request."""
    checkout = await shopper_checkout(gateway.client_for(store), checkout_id, saleor_user_id)
    program = await programs.get_program(session, store.id)
    lines = [
        PricedLine(
            line_id=line.line_id,
            net=line.net,
            gross=line.gross,
            product_id=line.product_id,
            category_ids=line.category_ids,
            collection_ids=line.collection_ids,
            name=line.product_name,
        )
        for line in checkout.lines
    ]
    shipping = checkout.totals.shipping if program.include_tax else checkout.totals.shipping_net
    result = await preview(
        session,
        store.id,
        channel_slug=checkout.channel_slug,
        currency=checkout.currency,
        lines=lines,
        shipping_amount=shipping,
    )
    return checkout.currency, result
