"""Redeem and undo at checkout, commit on orders, release what was never used.

Redeeming is a short saga, because points must be reserved before Saleor is asked for a discount and
Saleor can fail or time out midway:

1. one transaction holds the points (a `pending` hold and a redeem entry, under the member's lock);
2. Saleor is asked for a single-use voucher, its channel value, our metadata tag, and to apply it;
3. one transaction records the result (`open`), or releases the hold and queues the voucher's
   deletion (also tried at once) when any step failed.

A crash between 1 and 3 leaves a `pending` hold that the sweep releases when it expires; the voucher
carries the hold's expiry as its own end date, so Saleor stops accepting it at the same moment.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import Database, utcnow
from app.earning.calculation import amount_text
from app.earning.models import Order
from app.earning.program import channel_terms, get_program
from app.errors import Conflict, Forbidden, LojalError, NotFound, SaleorUnavailable, TooManyRequests
from app.installations.models import Installation
from app.jobs import outbox
from app.ledger import service as ledger
from app.members import service as members
from app.members.models import Member
from app.redemption.models import OPEN_STATUSES, Hold, HoldStatus
from app.redemption.pricing import (
    CheckoutFacts,
    DiscountPlan,
    RewardUnavailable,
    check_reward_window,
    plan_flexible,
    plan_reward,
    points_for,
)
from app.rewards import service as rewards
from app.rewards.models import Reward, RewardKind
from app.saleor.client import SaleorClient, SaleorGraphQLError
from app.saleor.gateway import SaleorGateway
from webhooks import payloads

log = structlog.get_logger(__name__)

METADATA_INSTALLATION = "lojal.installation"
METADATA_HOLD = "lojal.hold"


class ForeignCheckout(Forbidden):
    error = "foreign_checkout"


class CheckoutNotFound(NotFound):
    error = "checkout_not_found"


class CheckoutTaken(Conflict):
    error = "checkout_has_discount"


class DiscountRefused(Conflict):
    error = "discount_refused"


class HoldNotFound(NotFound):
    error = "redemption_not_found"


class HoldAlreadyEnded(Conflict):
    error = "redemption_ended"


@dataclass(frozen=True)
class RedeemRequest:
    reward_id: int | None = None
    points: int | None = None


@dataclass(frozen=True)
class CheckoutTotals:
    voucher_code_is_ours: bool
    discount: Decimal
    subtotal: Decimal
    shipping: Decimal
    total: Decimal
    currency: str


@dataclass(frozen=True)
class Outcome:
    hold: Hold
    checkout: CheckoutTotals | None
    partner_code: str | None = None


def new_voucher_code() -> str:
    """An unguessable bearer code: 80 random bits in four groups (LOJAL-ABCD-EFGH-IJKL-MNOP)."""
    raw = base64.b32encode(secrets.token_bytes(10)).decode()
    return "LOJAL-" + "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def _amount(money: dict[str, Any] | None) -> Decimal:
    """A Money node ({"amount": 5.0, ...}) as an exact Decimal with at least cents; absent means zero."""
    return Decimal(amount_text(Decimal(str((money or {}).get("amount", 0)))))


def _gross(taxed: dict[str, Any] | None) -> Decimal:
    return _amount((taxed or {}).get("gross"))


def _errors(data: dict[str, Any], field: str) -> list[dict[str, Any]]:
    return list((data.get(field) or {}).get("errors") or [])


async def fetch_checkout(client: SaleorClient, checkout_id: str) -> tuple[CheckoutFacts, dict[str, Any]]:
    try:
        data = await client.execute("redemption_checkout", {"id": checkout_id})
    except SaleorGraphQLError as exc:
        raise CheckoutNotFound("Saleor does not know this checkout id") from exc
    checkout = data.get("checkout")
    if not checkout:
        raise CheckoutNotFound("no such checkout")
    facts = CheckoutFacts(
        checkout_id=checkout["id"],
        user_id=(checkout.get("user") or {}).get("id"),
        channel_id=checkout["channel"]["id"],
        channel_slug=checkout["channel"]["slug"],
        currency=checkout["channel"]["currencyCode"],
        subtotal=_gross(checkout.get("subtotalPrice")),
        shipping=_gross(checkout.get("shippingPrice")),
        total=_gross(checkout.get("totalPrice")),
        voucher_code=checkout.get("voucherCode"),
        variant_ids=tuple(
            variant["id"]
            for line in checkout.get("lines") or []
            if (variant := line.get("variant")) is not None
        ),
    )
    return facts, checkout


def _totals(checkout: dict[str, Any], code_hash: str | None) -> CheckoutTotals:
    code = checkout.get("voucherCode")
    return CheckoutTotals(
        voucher_code_is_ours=code is not None and rewards.code_hash(code) == code_hash,
        discount=_amount(checkout.get("discount")),
        subtotal=_gross(checkout.get("subtotalPrice")),
        shipping=_gross(checkout.get("shippingPrice")),
        total=_gross(checkout.get("totalPrice")),
        currency=(checkout.get("totalPrice") or {}).get("gross", {}).get("currency") or "",
    )


async def _check_rate(session: AsyncSession, member: Member, limit: int) -> None:
    since = utcnow() - timedelta(minutes=10)
    attempts = (
        await session.execute(
            sa.select(sa.func.count(Hold.id)).where(Hold.member_id == member.id, Hold.created_at >= since)
        )
    ).scalar_one()
    if attempts >= limit:
        raise TooManyRequests("too many redemptions in the last 10 minutes; try again later")


async def _reserve(
    database: Database,
    gateway: SaleorGateway,
    installation: Installation,
    *,
    shopper_user_id: str,
    shopper_email: str | None,
    checkout: CheckoutFacts,
    request: RedeemRequest,
    code: str | None,
) -> tuple[Hold, DiscountPlan, str | None, str]:
    """Step 1: validate against our own state and hold the points, in one transaction."""
    async with database.transaction() as session:
        member = await members.shopper_member(
            session, installation, saleor_user_id=shopper_user_id, email=shopper_email
        )
        member = await ledger.lock_member(session, installation.id, member.id)
        program = await get_program(session, installation.id)
        await _check_rate(session, member, program.redeem_attempts_per_10_minutes)
        if not member.is_enrolled:
            raise Forbidden("join the loyalty program to redeem points")

        reward: Reward | None = None
        if request.reward_id is not None:
            reward = await rewards.get_reward(session, installation.id, request.reward_id, lock=True)
            check_reward_window(reward, utcnow())
            if reward.tier_required is not None:
                raise RewardUnavailable(f"this reward is for {reward.tier_required} members")
            if reward.per_member_limit is not None:
                taken = await rewards.member_redemptions_of(session, member.id, reward.id)
                if taken >= reward.per_member_limit:
                    raise RewardUnavailable("you have already redeemed this reward as often as allowed")
            plan = plan_reward(reward, checkout)
        else:
            assert request.points is not None
            terms = await channel_terms(session, program, checkout.channel_slug, checkout.currency)
            plan = plan_flexible(
                request.points,
                point_value=terms.point_value,
                checkout=checkout,
                max_share_percent=program.redeem_max_share_percent,
                min_points=program.redeem_min_points,
            )

        if plan.voucher_type is not None:
            open_here = (
                await session.execute(
                    sa.select(sa.func.count(Hold.id)).where(
                        Hold.installation_id == installation.id,
                        Hold.checkout_id == checkout.checkout_id,
                        Hold.status.in_([s.value for s in OPEN_STATUSES]),
                    )
                )
            ).scalar_one()
            if open_here >= program.redemptions_per_checkout:
                raise CheckoutTaken("this checkout already has a loyalty discount; remove it first")
            if open_here == 0 and checkout.voucher_code:
                # Saleor keeps one voucher per checkout; ours would silently replace the shopper's code.
                raise CheckoutTaken("this checkout already has a discount code; remove it to use points")

        now = utcnow()
        hold = Hold(
            installation_id=installation.id,
            member_id=member.id,
            checkout_id=checkout.checkout_id,
            reward_id=reward.id if reward else None,
            kind=reward.kind if reward else "points",
            points=plan.points,
            status=HoldStatus.PENDING,
            channel_slug=checkout.channel_slug,
            currency=checkout.currency,
            point_value=plan.point_value,
            discount_amount=plan.amount,
            created_at=now,
            expires_at=now + timedelta(minutes=program.hold_ttl_minutes),
        )
        if code is not None and plan.voucher_type is not None:
            hold.voucher_code_encrypted = gateway.cipher.encrypt(code)
            hold.voucher_code_hash = rewards.code_hash(code)
        session.add(hold)
        await session.flush()
        await ledger.hold_points(
            session,
            member,
            points=plan.points,
            idempotency_key=f"hold:{hold.id}:redeem",
            source_id=checkout.checkout_id,
            explanation={
                "hold": hold.id,
                "reward": reward.name if reward else None,
                "discount": str(plan.amount),
                "currency": checkout.currency,
                "point_value": str(plan.point_value) if plan.point_value else None,
            },
        )
        if reward is not None and reward.stock is not None:
            reward.stock -= 1
        partner_code: str | None = None
        if reward is not None and reward.kind == RewardKind.PARTNER:
            taken_code = await rewards.take_partner_code(session, installation.id, reward.id, hold.id)
            partner_code = gateway.cipher.decrypt(taken_code.code_encrypted)
            hold.partner_code_id = taken_code.id
            # The partner's code is the reward itself: nothing to wait for, the points are spent now.
            await ledger.settle_hold(session, member, points=plan.points)
            hold.status = HoldStatus.COMMITTED
            hold.points_committed = plan.points
            hold.ended_at = now
        name = reward.name if reward is not None else f"Loyalty: {plan.points} points"
        return hold, plan, partner_code, name


@dataclass
class Progress:
    """How far step 2 got, so a failure knows what to clean up."""

    voucher_id: str | None = None


async def _create_discount(
    progress: Progress,
    client: SaleorClient,
    installation: Installation,
    hold: Hold,
    plan: DiscountPlan,
    checkout: CheckoutFacts,
    code: str,
    name: str,
) -> tuple[str | None, dict[str, Any]]:
    """Step 2: the voucher in Saleor, applied to the checkout. Returns (voucher id, checkout)."""
    voucher_input: dict[str, Any] = {
        "name": name,
        "type": plan.voucher_type,
        "discountValueType": plan.value_type,
        "addCodes": [code],
        "singleUse": True,
        "usageLimit": 1,
        "applyOncePerCustomer": False,
        "onlyForStaff": False,
        "endDate": hold.expires_at.isoformat(),
    }
    if plan.variants:
        voucher_input["variants"] = list(plan.variants)
        voucher_input["applyOncePerOrder"] = plan.apply_once_per_order
    created = await client.execute("voucher_create", {"input": voucher_input})
    if _errors(created, "voucherCreate") or not (created.get("voucherCreate") or {}).get("voucher"):
        raise SaleorUnavailable("Saleor did not create the discount voucher")
    voucher_id: str = created["voucherCreate"]["voucher"]["id"]
    progress.voucher_id = voucher_id
    listing = await client.execute(
        "voucher_channel_listing_update",
        {
            "id": voucher_id,
            "input": {"addChannels": [{"channelId": checkout.channel_id, "discountValue": str(plan.value)}]},
        },
    )
    if _errors(listing, "voucherChannelListingUpdate"):
        raise SaleorUnavailable("Saleor did not set the voucher's value for this channel")
    tagged = await client.execute(
        "update_metadata",
        {
            "id": voucher_id,
            "input": [
                {"key": METADATA_INSTALLATION, "value": str(installation.id)},
                {"key": METADATA_HOLD, "value": str(hold.id)},
            ],
        },
    )
    if _errors(tagged, "updateMetadata"):
        raise SaleorUnavailable("Saleor did not tag the voucher")
    applied = await client.execute("checkout_add_promo_code", {"id": checkout.checkout_id, "promoCode": code})
    errors = _errors(applied, "checkoutAddPromoCode")
    if errors:
        message = errors[0].get("message") or errors[0].get("code") or "refused"
        raise DiscountRefused(f"Saleor did not apply the discount to this checkout: {message}")
    result = (applied.get("checkoutAddPromoCode") or {}).get("checkout")
    if not result:
        raise SaleorUnavailable("Saleor did not return the checkout")
    return voucher_id, result


async def _release(session: AsyncSession, installation: Installation, hold: Hold, reason: str) -> bool:
    """End an open or pending hold, giving its points back. False when it had already ended."""
    if hold.status not in OPEN_STATUSES:
        return False
    member = await ledger.lock_member(session, installation.id, hold.member_id)
    await ledger.release_hold(
        session,
        member,
        points=hold.points,
        idempotency_key=f"hold:{hold.id}:release",
        source_id=hold.checkout_id,
        explanation={"hold": hold.id, "reason": reason},
    )
    if hold.reward_id is not None:
        reward = await rewards.get_reward(session, installation.id, hold.reward_id, lock=True)
        if reward.stock is not None:
            reward.stock += 1
    hold.status = HoldStatus.RELEASED
    hold.end_reason = reason
    hold.ended_at = utcnow()
    if hold.voucher_code_hash is not None:
        await outbox.enqueue(
            session,
            installation.id,
            kind=outbox.DELETE_VOUCHER,
            dedupe_key=f"hold:{hold.id}:voucher",
            payload={"hold_id": hold.id, "remove_from_checkout": True},
        )
    log.info("hold_released", hold_id=hold.id, points=hold.points, reason=reason)
    return True


async def _lock_hold(session: AsyncSession, installation_id: int, hold_id: int) -> Hold:
    hold = (
        await session.execute(
            sa.select(Hold)
            .where(Hold.installation_id == installation_id, Hold.id == hold_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    if hold is None:
        raise HoldNotFound("no such redemption")
    return hold


async def redeem(
    database: Database,
    gateway: SaleorGateway,
    installation: Installation,
    *,
    shopper_user_id: str,
    shopper_email: str | None,
    checkout_id: str,
    request: RedeemRequest,
) -> Outcome:
    client = gateway.client_for(installation)
    checkout, _raw = await fetch_checkout(client, checkout_id)
    if checkout.user_id is None or checkout.user_id != shopper_user_id:
        # A guest checkout's e-mail is self-declared and proves nothing (PLATFORM.md §4.3).
        raise ForeignCheckout("this checkout does not belong to the signed-in shopper")
    code = new_voucher_code()
    hold, plan, partner_code, name = await _reserve(
        database,
        gateway,
        installation,
        shopper_user_id=shopper_user_id,
        shopper_email=shopper_email,
        checkout=checkout,
        request=request,
        code=code,
    )
    if plan.voucher_type is None:
        log.info("partner_reward_redeemed", hold_id=hold.id, points=hold.points)
        return Outcome(hold=hold, checkout=None, partner_code=partner_code)

    progress = Progress()
    failure: LojalError | SaleorGraphQLError | None = None
    try:
        voucher_id, applied = await _create_discount(
            progress, client, installation, hold, plan, checkout, code, name
        )
    except (LojalError, SaleorGraphQLError) as exc:
        failure = exc
    if failure is not None:
        # Undo: give the points back and make sure no voucher of this hold survives (deleted now if we
        # know its id; the queued deletion finds it by code if Saleor's answer with the id was lost).
        async with database.transaction() as session:
            locked = await _lock_hold(session, installation.id, hold.id)
            locked.voucher_id = progress.voucher_id
            await _release(session, installation, locked, f"discount not created: {type(failure).__name__}")
        if progress.voucher_id is not None:
            await _take_off_and_delete_now(client, checkout.checkout_id, progress.voucher_id)
        if isinstance(failure, DiscountRefused):
            raise failure
        raise SaleorUnavailable(
            "Saleor did not complete the discount; no points were taken, try again"
        ) from failure

    async with database.transaction() as session:
        locked = await _lock_hold(session, installation.id, hold.id)
        locked.voucher_id = voucher_id
        applied_amount = _amount(applied.get("discount"))
        locked.discount_applied = applied_amount
        if locked.status == HoldStatus.PENDING:
            locked.status = HoldStatus.OPEN
            if locked.point_value and applied_amount < (locked.discount_amount or Decimal(0)):
                # Saleor gave less than asked (it caps at the subtotal): hold only what it gave.
                await _shrink(session, installation, locked, points_for(applied_amount, locked.point_value))
        outcome = Outcome(hold=locked, checkout=_totals(applied, locked.voucher_code_hash))
    log.info("points_redeemed", hold_id=hold.id, points=outcome.hold.points, kind=hold.kind)
    return outcome


async def _shrink(session: AsyncSession, installation: Installation, hold: Hold, points: int) -> None:
    """Keep a hold at `points`, giving back the rest (a partial release)."""
    if points >= hold.points:
        return
    member = await ledger.lock_member(session, installation.id, hold.member_id)
    await ledger.release_hold(
        session,
        member,
        points=hold.points - points,
        idempotency_key=f"hold:{hold.id}:shrink:{points}",
        source_id=hold.checkout_id,
        explanation={"hold": hold.id, "reason": "Saleor applied a smaller discount", "kept": points},
    )
    hold.points = points


async def _delete_voucher_now(client: SaleorClient, voucher_id: str) -> None:
    """Best effort; the outbox message queued with the release finishes the job if this fails."""
    try:
        await client.execute("voucher_delete", {"id": voucher_id})
    except (LojalError, SaleorGraphQLError) as exc:
        log.warning("voucher_delete_deferred", error=type(exc).__name__)


async def _take_off_and_delete_now(client: SaleorClient, checkout_id: str, voucher_id: str) -> None:
    """After a failed redemption: Saleor may have applied the code although its answer was lost, so take
    it off the checkout first (only possible while the voucher exists), then delete the voucher. If the
    removal cannot be sent, leave both to the queued outbox message, which does them in that order."""
    try:
        await client.execute("checkout_remove_promo_code", {"id": checkout_id, "promoCodeId": voucher_id})
    except (LojalError, SaleorGraphQLError) as exc:
        log.warning("voucher_cleanup_deferred", error=type(exc).__name__)
        return
    await _delete_voucher_now(client, voucher_id)


async def holds_for_checkout(
    session: AsyncSession, installation: Installation, member: Member, checkout_id: str
) -> list[Hold]:
    rows = await session.execute(
        sa.select(Hold)
        .where(
            Hold.installation_id == installation.id,
            Hold.member_id == member.id,
            Hold.checkout_id == checkout_id,
        )
        .order_by(Hold.id)
    )
    return list(rows.scalars())


def removal_variables(checkout_id: str, voucher_id: str | None, code: str) -> dict[str, Any]:
    """Remove by voucher id when known: Saleor refuses removal by code once the code is spent or
    expired, which would leave a dead code stuck on the checkout."""
    if voucher_id is not None:
        return {"id": checkout_id, "promoCodeId": voucher_id}
    return {"id": checkout_id, "promoCode": code}


async def undo(
    database: Database,
    gateway: SaleorGateway,
    installation: Installation,
    *,
    shopper_user_id: str,
    checkout_id: str,
    hold_id: int,
) -> Outcome:
    """Take the discount off the checkout, then give the points back. If Saleor cannot remove the
    code, nothing changes (the shopper can try again) — points are never returned while the code
    still gives a discount."""
    async with database.transaction() as session:
        member = await members.find_by_user(session, installation.id, shopper_user_id)
        hold = await session.get(Hold, hold_id)
        if (
            member is None
            or hold is None
            or hold.installation_id != installation.id
            or hold.member_id != member.id
            or hold.checkout_id != checkout_id
        ):
            raise HoldNotFound("no such redemption on this checkout")
        if hold.status not in OPEN_STATUSES:
            raise HoldAlreadyEnded(f"this redemption has already ended ({hold.status})")
        code = gateway.cipher.decrypt(hold.voucher_code_encrypted) if hold.voucher_code_encrypted else None
        voucher_id = hold.voucher_id
    client = gateway.client_for(installation)
    checkout_after: dict[str, Any] | None = None
    if code is not None:
        removed = await client.execute(
            "checkout_remove_promo_code", removal_variables(checkout_id, voucher_id, code)
        )
        if _errors(removed, "checkoutRemovePromoCode"):
            raise SaleorUnavailable("Saleor did not remove the discount; nothing changed, try again")
        checkout_after = (removed.get("checkoutRemovePromoCode") or {}).get("checkout")
    async with database.transaction() as session:
        locked = await _lock_hold(session, installation.id, hold_id)
        await _release(session, installation, locked, "undone by the shopper")
        outcome = Outcome(hold=locked, checkout=_totals(checkout_after, None) if checkout_after else None)
    if voucher_id is not None:
        await _delete_voucher_now(client, voucher_id)
    return outcome


async def _flag(hold: Hold, reason: str) -> None:
    if hold.flagged_reason is None:
        hold.flagged_reason = reason
        log.warning("hold_flagged", hold_id=hold.id, reason=reason)


async def apply_order(
    session: AsyncSession, installation: Installation, row: Order, order: payloads.Order
) -> None:
    """Holds follow the order: commit when it carries our code, give points back when it is cancelled or
    fully refunded. Called for every order event, so it converges like earning does."""
    if order.voucher_code:
        digest = rewards.code_hash(order.voucher_code)
        hold = (
            await session.execute(
                sa.select(Hold)
                .where(Hold.installation_id == installation.id, Hold.voucher_code_hash == digest)
                .with_for_update()
            )
        ).scalar_one_or_none()
        if hold is not None:
            await _commit(session, installation, hold, order)
    ended = row.is_cancelled or (row.total_gross > 0 and row.amount_refunded >= row.total_gross)
    if ended:
        committed = (
            await session.execute(
                sa.select(Hold)
                .where(
                    Hold.installation_id == installation.id,
                    Hold.saleor_order_id == order.id,
                    Hold.status == HoldStatus.COMMITTED,
                )
                .with_for_update()
            )
        ).scalars()
        for hold in list(committed):
            reason = "cancelled" if row.is_cancelled else "refunded"
            if hold.points_committed:
                member = await ledger.lock_member(session, installation.id, hold.member_id)
                await ledger.give_back(
                    session,
                    member,
                    points=hold.points_committed,
                    idempotency_key=f"hold:{hold.id}:returned",
                    source_id=order.id,
                    explanation={"hold": hold.id, "order": order.number, "reason": reason},
                )
            hold.status = HoldStatus.RETURNED
            hold.end_reason = "order cancelled" if row.is_cancelled else "order refunded"


async def _commit(
    session: AsyncSession, installation: Installation, hold: Hold, order: payloads.Order
) -> None:
    member = await session.get(Member, hold.member_id)
    assert member is not None
    if order.user is None or order.user.id != member.saleor_user_id:
        await _flag(hold, "our code was used on another customer's order")
    elif hold.checkout_id and order.checkout_id and order.checkout_id != hold.checkout_id:
        await _flag(hold, "our code was used from another checkout")
    if hold.status in OPEN_STATUSES:
        used = hold.points
        voucher_discount = next(
            (d.total.amount for d in order.discounts if d.type == "VOUCHER" and d.total), None
        )
        if hold.point_value and voucher_discount is not None:
            used = min(hold.points, points_for(voucher_discount, hold.point_value))
        locked = await ledger.lock_member(session, installation.id, hold.member_id)
        await ledger.settle_hold(session, locked, points=hold.points)
        if used < hold.points:
            await ledger.give_back(
                session,
                locked,
                points=hold.points - used,
                idempotency_key=f"hold:{hold.id}:unused",
                source_id=order.id,
                explanation={
                    "hold": hold.id,
                    "order": order.number,
                    "reason": "the order got a smaller discount",
                },
            )
        hold.status = HoldStatus.COMMITTED
        hold.points_committed = used
        hold.saleor_order_id = order.id
        hold.ended_at = utcnow()
        await outbox.enqueue(
            session,
            installation.id,
            kind=outbox.DELETE_VOUCHER,
            dedupe_key=f"hold:{hold.id}:voucher",
            payload={"hold_id": hold.id, "remove_from_checkout": False},
        )
        log.info("hold_committed", hold_id=hold.id, points=used)
    elif hold.status == HoldStatus.RELEASED and hold.saleor_order_id is None:
        # The discount was used although its hold had been released (e.g. a lost Saleor answer): the
        # shopper got the money off, so the points are spent after all, and staff are told.
        locked = await ledger.lock_member(session, installation.id, hold.member_id)
        await ledger.take_points(
            session,
            locked,
            points=hold.points,
            idempotency_key=f"hold:{hold.id}:late",
            source_id=order.id,
            explanation={
                "hold": hold.id,
                "order": order.number,
                "reason": "discount used after it was released",
            },
        )
        hold.status = HoldStatus.COMMITTED
        hold.points_committed = hold.points
        hold.saleor_order_id = order.id
        await _flag(hold, "discount used after its points were released")
    elif hold.saleor_order_id not in (None, order.id):
        await _flag(hold, "our code appears on a second order")


async def check_checkout(
    session: AsyncSession, installation: Installation, checkout_id: str, voucher_code: str | None
) -> None:
    """A CHECKOUT_UPDATED delivery: if our code is no longer on the checkout, have the worker confirm
    with Saleor and release (payloads are rendered late, so one alone is not proof)."""
    digest = rewards.code_hash(voucher_code) if voucher_code else None
    holds = await session.execute(
        sa.select(Hold.id, Hold.voucher_code_hash).where(
            Hold.installation_id == installation.id,
            Hold.checkout_id == checkout_id,
            Hold.status == HoldStatus.OPEN,
        )
    )
    for hold_id, hold_code_hash in holds.all():
        if hold_code_hash != digest:
            await outbox.enqueue(
                session,
                installation.id,
                kind=outbox.CHECK_HOLD,
                dedupe_key=f"hold:{hold_id}:check",
                payload={"hold_id": hold_id},
            )


async def verify_hold_on_checkout(
    database: Database, gateway: SaleorGateway, installation_id: int, hold_id: int
) -> None:
    """Outbox handler: release an open hold whose code Saleor no longer shows on its checkout."""
    async with database.transaction() as session:
        hold = await session.get(Hold, hold_id)
        installation = await session.get(Installation, installation_id)
        if hold is None or installation is None or hold.status != HoldStatus.OPEN or hold.checkout_id is None:
            return
        client = gateway.client_for(installation)
        checkout_id, code_hash = hold.checkout_id, hold.voucher_code_hash
    try:
        _facts, checkout = await fetch_checkout(client, checkout_id)
    except CheckoutNotFound:
        return  # completed (the order webhook commits) or deleted (the sweep releases at expiry)
    if checkout.get("voucherCode") and rewards.code_hash(checkout["voucherCode"]) == code_hash:
        return
    async with database.transaction() as session:
        locked = await _lock_hold(session, installation_id, hold_id)
        attached = await session.get(Installation, installation_id)
        assert attached is not None
        await _release(session, attached, locked, "code removed from the checkout")


async def release_expired(database: Database, *, now: datetime | None = None, batch_size: int = 200) -> int:
    """Sweep: holds whose checkout never became an order within the hold time are released."""
    now = now or utcnow()
    released = 0
    while True:
        async with database.transaction() as session:
            holds = list(
                (
                    await session.execute(
                        sa.select(Hold)
                        .where(Hold.status.in_([s.value for s in OPEN_STATUSES]), Hold.expires_at <= now)
                        .order_by(Hold.id)
                        .limit(batch_size)
                        .with_for_update(skip_locked=True)
                    )
                ).scalars()
            )
            for hold in holds:
                installation = await session.get(Installation, hold.installation_id)
                assert installation is not None
                if await _release(session, installation, hold, "checkout not completed in time"):
                    released += 1
        if len(holds) < batch_size:
            return released


async def list_holds(
    session: AsyncSession,
    installation_id: int,
    *,
    status: str | None = None,
    flagged: bool | None = None,
    member_id: int | None = None,
    limit: int = 50,
) -> list[Hold]:
    """Redemptions for staff, newest first; `flagged` finds codes used where they should not have been."""
    query = (
        sa.select(Hold).where(Hold.installation_id == installation_id).order_by(Hold.id.desc()).limit(limit)
    )
    if status is not None:
        query = query.where(Hold.status == status)
    if flagged is not None:
        query = query.where(Hold.flagged_reason.is_not(None) if flagged else Hold.flagged_reason.is_(None))
    if member_id is not None:
        query = query.where(Hold.member_id == member_id)
    return list((await session.execute(query)).scalars())
