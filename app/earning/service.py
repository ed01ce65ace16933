"""Order events → points. Each event moves the order row to the state its payload describes, then posts
only the difference between what the order should have earned/reversed and what it already has."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import dialect_insert, utcnow
from app.earning import calculation
from app.earning.calculation import EarnTerms, LineInput, MultiplierRule
from app.earning.models import EarnTrigger, Order, Program, ReversalPolicy
from app.earning.program import active_multipliers, channel_terms, get_program
from app.errors import BadRequest, Forbidden, NotFound
from app.installations.models import Installation
from app.ledger import service as ledger
from app.ledger.models import EntryKind, SourceType
from app.members import service as members
from app.members.models import Member
from app.redemption import service as redemption
from app.saleor.client import SaleorGraphQLError
from app.saleor.gateway import SaleorGateway
from webhooks import payloads

log = structlog.get_logger(__name__)

PAID_CHARGE_STATUSES = frozenset({"FULL", "OVERCHARGED"})


class OrderTrigger(StrEnum):
    CREATED = "order_created"
    FULLY_PAID = "order_fully_paid"
    FULFILLED = "order_fulfilled"
    REFUNDED = "order_refunded"
    CANCELLED = "order_cancelled"
    EXPIRED = "order_expired"  # never paid, expired by the channel: like a cancellation for points


class EarnStatus(StrEnum):
    WAITING = "waiting"  # not yet at the earning event
    EARNED = "earned"
    NO_MEMBER = "no_member"  # no account and no e-mail to keep points against
    NOT_ENROLLED = "not_enrolled"  # opt-in program, customer had not joined
    CANCELLED = "cancelled"  # cancelled before it earned


def hash_code(code: str) -> str:
    """Orders keep a hash of the voucher code: enough to match our holds, useless to a reader."""
    return hashlib.sha256(code.encode()).hexdigest()


def order_lines(order: payloads.Order, *, include_tax: bool) -> list[LineInput]:
    lines = []
    for line in order.lines:
        product = line.variant.product if line.variant and line.variant.product else None
        category_ids: tuple[str, ...] = ()
        collection_ids: tuple[str, ...] = ()
        if product is not None:
            if product.category is not None:
                category_ids = tuple(x for x in (product.category.id, product.category.slug) if x)
            collection_ids = tuple(x for c in product.collections for x in (c.id, c.slug) if x)
        money = line.total_price.gross if include_tax else line.total_price.net
        lines.append(
            LineInput(
                line_id=line.id,
                amount=money.amount,
                product_id=product.id if product else None,
                category_ids=category_ids,
                collection_ids=collection_ids,
                name=line.product_name,
                is_gift=line.is_gift,
            )
        )
    return lines


async def _terms_for(session: AsyncSession, program: Program, channel_slug: str, currency: str) -> EarnTerms:
    channel = await channel_terms(session, program, channel_slug, currency)
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


async def _multiplier_rules(
    session: AsyncSession, installation_id: int, at: datetime
) -> list[MultiplierRule]:
    return [
        MultiplierRule(name=m.name, target_type=m.target_type, target=m.target, factor=m.factor)
        for m in await active_multipliers(session, installation_id, at)
    ]


async def _resolve_member(
    session: AsyncSession, installation: Installation, order: payloads.Order
) -> Member | None:
    if order.user is not None:
        return await members.ensure_customer_member(
            session, installation, saleor_user_id=order.user.id, email=order.customer_email
        )
    if order.customer_email:
        return await members.ensure_guest_member(session, installation, order.customer_email)
    return None


async def _lock_order(session: AsyncSession, installation: Installation, order: payloads.Order) -> Order:
    now = utcnow()
    await session.execute(
        dialect_insert(session)(Order)
        .values(
            installation_id=installation.id,
            saleor_order_id=order.id,
            number=order.number,
            channel_slug=order.channel.slug,
            currency=order.currency,
            status=order.status,
            total_gross=order.total.gross.amount,
            placed_at=order.created or now,
            first_seen_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["installation_id", "saleor_order_id"])
    )
    return (
        await session.execute(
            sa.select(Order)
            .where(Order.installation_id == installation.id, Order.saleor_order_id == order.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one()


def _converge_state(row: Order, order: payloads.Order, trigger: OrderTrigger) -> None:
    """Fold the payload into the row. Every flag only ever turns on and refunds only grow, so an old
    payload arriving late cannot undo what a newer one said."""
    row.status = order.status
    row.number = order.number or row.number
    row.checkout_id = order.checkout_id or row.checkout_id
    row.origin = order.origin or row.origin
    row.total_gross = order.total.gross.amount
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
    row.amount_refunded = max(row.amount_refunded, order.total_refunded.amount)


def _reached_earning_event(row: Order, program: Program) -> bool:
    if program.earn_trigger == EarnTrigger.ORDER_FULFILLED:
        return row.is_fulfilled
    return row.is_paid


async def _earn(
    session: AsyncSession,
    installation: Installation,
    program: Program,
    row: Order,
    order: payloads.Order,
    member: Member,
) -> None:
    now = utcnow()
    terms = await _terms_for(session, program, order.channel.slug, order.currency)
    shipping = order.shipping_price.gross if program.include_tax else order.shipping_price.net
    earning = calculation.compute_earning(
        terms,
        order_lines(order, include_tax=program.include_tax),
        await _multiplier_rules(session, installation.id, now),
        shipping_amount=shipping.amount,
    )
    available_at = now + timedelta(days=program.hold_days)
    explanation = {**earning.explanation, "order": order.number, "hold_days": program.hold_days}
    row.earn_status = EarnStatus.EARNED
    row.eligible_amount = earning.eligible_amount
    row.points_earned = earning.points
    row.points_bonus = earning.bonus_points
    row.bonus_threshold_amount = terms.bonus_threshold_amount if earning.bonus_points else None
    row.points_available_at = available_at
    row.earned_at = now
    row.earn_explanation = explanation
    locked = await ledger.lock_member(session, installation.id, member.id)
    for kind, points, suffix in (
        (EntryKind.EARN, earning.points, "earn"),
        (EntryKind.BONUS, earning.bonus_points, "bonus"),
    ):
        if points > 0:
            await ledger.post_entry(
                session,
                locked,
                kind=kind,
                points=points,
                idempotency_key=f"order:{order.id}:{suffix}",
                source_type=SourceType.ORDER,
                source_id=order.id,
                available_at=available_at,
                explanation=explanation
                if kind is EntryKind.EARN
                else {"order": order.number, **explanation["bonus"]},
                now=now,
            )
    log.info("order_earned", order_id=row.id, points=earning.points, bonus=earning.bonus_points)


async def _converge_reversal(
    session: AsyncSession, installation: Installation, program: Program, row: Order
) -> None:
    if row.earn_status != EarnStatus.EARNED or row.member_id is None:
        return
    target = calculation.reversal_target(
        points_earned=row.points_earned,
        points_bonus=row.points_bonus,
        eligible_amount=row.eligible_amount or Decimal(0),
        bonus_threshold_amount=row.bonus_threshold_amount,
        order_total=row.total_gross,
        amount_refunded=row.amount_refunded,
        is_cancelled=row.is_cancelled,
    )
    outstanding = target.points - row.points_reversed - row.points_reversal_forgiven
    if outstanding <= 0:
        return
    now = utcnow()
    member = await ledger.lock_member(session, installation.id, row.member_id)
    await ledger.mature_member(session, member, now)
    still_pending = row.points_available_at is not None and row.points_available_at > now
    reverse = outstanding
    if not still_pending and program.reversal_policy == ReversalPolicy.CLAMP:
        reverse = min(outstanding, max(0, member.points_available))
    forgiven = outstanding - reverse
    explanation = {
        "order": row.number,
        "reason": "cancelled" if row.is_cancelled else "refunded",
        "amount_refunded": calculation.amount_text(row.amount_refunded),
        "order_total": calculation.amount_text(row.total_gross),
        "currency": row.currency,
        "refunded_share": str(target.ratio.quantize(Decimal("0.0001"))),
        "order_points": row.points_earned + row.points_bonus,
        "bonus_reversed": target.bonus_reversed,
        "target_reversed": target.points,
        "reversed_before": row.points_reversed,
        "points": reverse,
        "policy": program.reversal_policy,
        "forgiven": forgiven,
        "while_pending": still_pending,
    }
    if reverse > 0:
        await ledger.post_entry(
            session,
            member,
            kind=EntryKind.REVERSE,
            points=-reverse,
            idempotency_key=f"order:{row.saleor_order_id}:reverse:{target.points}",
            source_type=SourceType.ORDER,
            source_id=row.saleor_order_id,
            # Taking back points that are still on hold takes them from pending, not from what the
            # shopper can spend today.
            available_at=row.points_available_at if still_pending else now,
            explanation=explanation,
            now=now,
        )
    row.points_reversed += reverse
    row.points_reversal_forgiven += forgiven
    log.info("order_reversed", order_id=row.id, points=reverse, forgiven=forgiven, target=target.points)


async def apply_order_event(
    session: AsyncSession, installation: Installation, order: payloads.Order, trigger: OrderTrigger
) -> Order:
    """Converge Lojal's view of an order on this payload: earn once, reverse as far as refunds go."""
    program = await get_program(session, installation.id)
    member = await _resolve_member(session, installation, order)
    row = await _lock_order(session, installation, order)
    if row.member_id is None and member is not None:
        row.member_id = member.id
    if member is not None and member.anonymised_at is None and order.customer_email:
        row.customer_email = order.customer_email
    _converge_state(row, order, trigger)

    if row.earn_status == EarnStatus.WAITING or row.earn_status == EarnStatus.NO_MEMBER:
        if row.is_cancelled:
            row.earn_status = EarnStatus.CANCELLED
        elif _reached_earning_event(row, program):
            earner = await session.get(Member, row.member_id) if row.member_id else None
            if earner is None:
                row.earn_status = EarnStatus.NO_MEMBER
            elif not earner.is_enrolled:
                row.earn_status = EarnStatus.NOT_ENROLLED
            else:
                await _earn(session, installation, program, row, order, earner)
    await _converge_reversal(session, installation, program, row)
    await redemption.apply_order(session, installation, row, order)
    await session.flush()
    return row


async def preview(
    session: AsyncSession,
    installation: Installation,
    *,
    channel_slug: str,
    currency: str,
    lines: list[LineInput],
    shipping_amount: Decimal = Decimal(0),
) -> calculation.Earning:
    """What these lines would earn today, without writing anything."""
    program = await get_program(session, installation.id)
    terms = await _terms_for(session, program, channel_slug, currency)
    return calculation.compute_earning(
        terms,
        lines,
        await _multiplier_rules(session, installation.id, utcnow()),
        shipping_amount=shipping_amount,
    )


async def preview_checkout(
    session: AsyncSession,
    gateway: SaleorGateway,
    installation: Installation,
    *,
    saleor_user_id: str,
    checkout_id: str,
) -> tuple[str, calculation.Earning]:
    """What a shopper's own checkout would earn; the checkout is read from Saleor, never from the request."""
    client = gateway.client_for(installation)
    try:
        data = await client.execute("checkout_for_preview", {"id": checkout_id})
    except SaleorGraphQLError as exc:
        raise BadRequest("Saleor did not accept this checkout id") from exc
    checkout = data.get("checkout")
    if not checkout:
        raise NotFound("no such checkout")
    if (checkout.get("user") or {}).get("id") != saleor_user_id:
        raise Forbidden("this checkout belongs to someone else")
    program = await get_program(session, installation.id)
    money = "gross" if program.include_tax else "net"
    lines = []
    for line in checkout.get("lines") or []:
        product = (line.get("variant") or {}).get("product") or {}
        category = product.get("category") or {}
        lines.append(
            LineInput(
                line_id=line["id"],
                amount=Decimal(str(line["totalPrice"][money]["amount"])),
                product_id=product.get("id"),
                category_ids=tuple(x for x in (category.get("id"), category.get("slug")) if x),
                collection_ids=tuple(
                    x for c in product.get("collections") or [] for x in (c.get("id"), c.get("slug")) if x
                ),
                name=product.get("name"),
            )
        )
    shipping = Decimal(str(((checkout.get("shippingPrice") or {}).get(money) or {}).get("amount", 0)))
    currency = checkout["channel"]["currencyCode"]
    result = await preview(
        session,
        installation,
        channel_slug=checkout["channel"]["slug"],
        currency=currency,
        lines=lines,
        shipping_amount=shipping,
    )
    return currency, result


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
