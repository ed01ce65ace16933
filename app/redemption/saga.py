"""Redeem and undo at checkout.

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

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from app.crypto import hash_code
from app.db import Database, utcnow
from app.errors import Conflict, Forbidden, SaleorUnavailable, TooManyRequests
from app.installations.models import Installation
from app.ledger import holds
from app.ledger import service as ledger
from app.ledger.models import OPEN_STATUSES, Hold, HoldStatus, Member
from app.members import service as members
from app.program import service as programs
from app.program.models import Program
from app.redemption import lifecycle, vouchers
from app.redemption.lifecycle import HoldNotFound
from app.redemption.pricing import (
    DiscountPlan,
    InvalidRedemption,
    check_reward_window,
    plan_flexible,
    plan_reward,
    points_for,
)
from app.rewards import service as rewards
from app.rewards.models import Reward, RewardKind
from app.rewards.service import RewardUnavailable
from app.saleor.checkouts import Checkout, Totals, shopper_checkout
from app.saleor.gateway import SaleorGateway
from app.saleor.generated import SaleorClient

log = structlog.get_logger(__name__)


class CheckoutTaken(Conflict):
    error = "checkout_has_discount"


class HoldAlreadyEnded(Conflict):
    error = "redemption_ended"


@dataclass(frozen=True)
class RedeemRequest:
    reward_id: int | None = None
    points: int | None = None


@dataclass(frozen=True)
class CheckoutAfter:
    """The checkout as Saleor computed it after the change, and whether our discount is on it."""

    totals: Totals
    has_loyalty_discount: bool


@dataclass(frozen=True)
class Outcome:
    hold: Hold
    checkout: CheckoutAfter | None
    partner_code: str | None = None


def _after(totals: Totals, code_hash: str | None) -> CheckoutAfter:
    code = totals.voucher_code
    return CheckoutAfter(totals, has_loyalty_discount=code is not None and hash_code(code) == code_hash)


async def _check_rate(session: AsyncSession, member: Member, limit: int) -> None:
    since = utcnow() - timedelta(minutes=10)
    attempts = (
        await session.execute(
            sa.select(sa.func.count(Hold.id)).where(Hold.member_id == member.id, Hold.created_at >= since)
        )
    ).scalar_one()
    if attempts >= limit:
        raise TooManyRequests("too many redemptions in the last 10 minutes; try again later")


async def _plan(
    session: AsyncSession, program: Program, member: Member, checkout: Checkout, request: RedeemRequest
) -> tuple[DiscountPlan, Reward | None]:
    """What the request costs and gives on this checkout, or why it cannot be had."""
    if request.reward_id is None:
        if request.points is None:
            raise InvalidRedemption("ask for a reward or for a number of points")
        terms = await programs.channel_terms(session, program, checkout.channel_slug, checkout.currency)
        plan = plan_flexible(
            request.points,
            point_value=terms.point_value,
            checkout=checkout,
            max_share_percent=program.redeem_max_share_percent,
            min_points=program.redeem_min_points,
        )
        return plan, None
    reward = await rewards.get_reward(session, program.installation_id, request.reward_id, lock=True)
    check_reward_window(reward, utcnow())
    if reward.tier_required is not None:
        raise RewardUnavailable(f"this reward is for {reward.tier_required} members")
    if reward.per_member_limit is not None:
        taken = await rewards.member_redemptions_of(session, member.id, reward.id)
        if taken >= reward.per_member_limit:
            raise RewardUnavailable("you have already redeemed this reward as often as allowed")
    return plan_reward(reward, checkout), reward


async def _check_checkout_free(session: AsyncSession, program: Program, checkout: Checkout) -> None:
    open_here = (
        await session.execute(
            sa.select(sa.func.count(Hold.id)).where(
                Hold.installation_id == program.installation_id,
                Hold.checkout_id == checkout.checkout_id,
                Hold.status.in_([s.value for s in OPEN_STATUSES]),
            )
        )
    ).scalar_one()
    if open_here >= program.redemptions_per_checkout:
        raise CheckoutTaken("this checkout already has a loyalty discount; remove it first")
    if open_here == 0 and checkout.totals.voucher_code:
        # Saleor keeps one voucher per checkout; ours would silently replace the shopper's code.
        raise CheckoutTaken("this checkout already has a discount code; remove it to use points")


@dataclass(frozen=True)
class Reserved:
    hold: Hold
    plan: DiscountPlan
    name: str
    partner_code: str | None


async def _reserve(
    database: Database,
    gateway: SaleorGateway,
    installation: Installation,
    *,
    shopper_user_id: str,
    shopper_email: str | None,
    checkout: Checkout,
    request: RedeemRequest,
    code: str,
) -> Reserved:
    """Step 1: validate against our own state and hold the points, in one transaction."""
    async with database.transaction() as session:
        member = await members.shopper_member(
            session, installation.id, saleor_user_id=shopper_user_id, email=shopper_email
        )
        member = await ledger.lock_member(session, installation.id, member.id)
        program = await programs.get_program(session, installation.id)
        await _check_rate(session, member, program.redeem_attempts_per_10_minutes)
        if not member.is_enrolled:
            raise Forbidden("join the loyalty program to redeem points")
        plan, reward = await _plan(session, program, member, checkout, request)
        if plan.voucher_type is not None:
            await _check_checkout_free(session, program, checkout)

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
        if plan.voucher_type is not None:
            hold.voucher_code_encrypted = gateway.cipher.encrypt(code)
            hold.voucher_code_hash = hash_code(code)
        session.add(hold)
        await session.flush()  # the hold's id names its ledger entries and its voucher
        await holds.place_hold(
            session,
            member,
            hold,
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
            await holds.commit_hold(
                session, member, hold, points_used=plan.points, saleor_order_id=None, order_number=None
            )
        name = reward.name if reward is not None else f"Loyalty: {plan.points} points"
        return Reserved(hold, plan, name, partner_code)


async def _fail(
    database: Database,
    client: SaleorClient,
    installation: Installation,
    checkout: Checkout,
    hold: Hold,
    progress: vouchers.Progress,
    failure: Exception,
) -> None:
    """Step 3 after a failure: give the points back and make sure no voucher of this hold survives
    (deleted now if we know its id; the queued deletion finds it by code if Saleor's answer with the
    id was lost)."""
    async with database.transaction() as session:
        locked = await lifecycle.lock_hold(session, installation.id, hold.id)
        locked.voucher_id = progress.voucher_id
        await lifecycle.release(session, locked, f"discount not created: {type(failure).__name__}")
    if progress.voucher_id is not None:
        await vouchers.take_off_and_delete_now(client, checkout.checkout_id, progress.voucher_id)


async def _record(
    database: Database, installation: Installation, hold: Hold, voucher_id: str, applied: Totals
) -> Outcome:
    """Step 3 after success: the hold is open with what Saleor actually gave."""
    async with database.transaction() as session:
        locked = await lifecycle.lock_hold(session, installation.id, hold.id)
        locked.voucher_id = voucher_id
        locked.discount_applied = applied.discount
        if locked.status == HoldStatus.PENDING:
            holds.move_hold(locked, HoldStatus.OPEN)
            if locked.point_value and applied.discount < (locked.discount_amount or 0):
                # Saleor gave less than asked (it caps at the subtotal): hold only what it gave.
                member = await ledger.lock_member(session, installation.id, locked.member_id)
                await holds.shrink_hold(
                    session, member, locked, points_for(applied.discount, locked.point_value)
                )
        return Outcome(hold=locked, checkout=_after(applied, locked.voucher_code_hash))


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
    checkout = await shopper_checkout(client, checkout_id, shopper_user_id)
    code = vouchers.new_voucher_code()
    reserved = await _reserve(
        database,
        gateway,
        installation,
        shopper_user_id=shopper_user_id,
        shopper_email=shopper_email,
        checkout=checkout,
        request=request,
        code=code,
    )
    hold, plan = reserved.hold, reserved.plan
    if plan.voucher_type is None:
        log.info("partner_reward_redeemed", hold_id=hold.id, points=hold.points)
        return Outcome(hold=hold, checkout=None, partner_code=reserved.partner_code)

    progress = vouchers.Progress()
    spec = vouchers.VoucherSpec(
        name=reserved.name,
        code=code,
        voucher_type=plan.voucher_type,
        value_type=plan.value_type,
        value=plan.value,
        ends_at=hold.expires_at,
        variants=plan.variants,
        apply_once_per_order=plan.apply_once_per_order,
    )
    try:
        voucher_id, applied = await vouchers.create_discount(
            client,
            progress,
            spec,
            installation_id=installation.id,
            hold_id=hold.id,
            checkout_id=checkout.checkout_id,
            channel_id=checkout.channel_id,
        )
    except vouchers.SALEOR_FAILURES as failure:
        await _fail(database, client, installation, checkout, hold, progress, failure)
        if isinstance(failure, vouchers.DiscountRefused):
            raise
        raise SaleorUnavailable(
            "Saleor did not complete the discount; no points were taken, try again"
        ) from failure
    outcome = await _record(database, installation, hold, voucher_id, applied)
    log.info("points_redeemed", hold_id=hold.id, points=outcome.hold.points, kind=hold.kind)
    return outcome


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
        if not holds.is_open(hold):
            raise HoldAlreadyEnded(f"this redemption has already ended ({hold.status})")
        code = gateway.cipher.decrypt(hold.voucher_code_encrypted) if hold.voucher_code_encrypted else None
        voucher_id = hold.voucher_id
    client = gateway.client_for(installation)
    after = await vouchers.remove_code(client, checkout_id, voucher_id, code) if code is not None else None
    async with database.transaction() as session:
        locked = await lifecycle.lock_hold(session, installation.id, hold_id)
        await lifecycle.release(session, locked, "undone by the shopper")
        outcome = Outcome(hold=locked, checkout=_after(after, None) if after else None)
    if voucher_id is not None:
        await vouchers.delete_voucher_now(client, voucher_id)
    return outcome
