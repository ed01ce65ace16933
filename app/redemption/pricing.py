"""What a redemption is worth in money and how it becomes a Saleor voucher: pure, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_CEILING, ROUND_DOWN, Decimal

from app.errors import InvalidSettings
from app.money import cents_down
from app.rewards.models import Reward, RewardKind
from app.rewards.service import RewardUnavailable
from app.saleor.checkouts import Checkout

ZERO = Decimal(0)


class InvalidRedemption(InvalidSettings):
    error = "invalid_redemption"


@dataclass(frozen=True)
class DiscountPlan:
    """The voucher to create and the points it costs."""

    points: int
    amount: Decimal  # the money off we expect Saleor to give
    voucher_type: str | None  # ENTIRE_ORDER | SHIPPING | SPECIFIC_PRODUCT; None for partner codes
    value_type: str = "FIXED"
    value: Decimal = ZERO  # the channel listing's discountValue
    variants: tuple[str, ...] = field(default_factory=tuple)
    apply_once_per_order: bool = False
    point_value: Decimal | None = None


def points_for(amount: Decimal, point_value: Decimal) -> int:
    """The fewest points that pay for `amount`."""
    return int((amount / point_value).to_integral_value(rounding=ROUND_CEILING))


def plan_flexible(
    points: int, *, point_value: Decimal, checkout: Checkout, max_share_percent: int, min_points: int
) -> DiscountPlan:
    """Any number of points, worth `point_value` each, capped at a share of the subtotal.

    Only whole cents can be given off, so the held points are the fewest that pay for the cents
    given: never more points than the discount Saleor will actually apply.
    """
    if points < min_points:
        raise InvalidRedemption(f"redeem at least {min_points} points", extra={"min_points": min_points})
    cap = cents_down(checkout.totals.subtotal * max_share_percent / 100)
    max_points = int((cap / point_value).to_integral_value(rounding=ROUND_DOWN)) if point_value > 0 else 0
    amount = cents_down(points * point_value)
    if amount > cap:
        raise InvalidRedemption(
            f"points can pay for at most {max_share_percent}% of this checkout ({cap} {checkout.currency}): "
            f"redeem at most {max_points} points",
            extra={"max_points": max_points},
        )
    if amount <= ZERO:
        raise InvalidRedemption("that many points are worth less than one cent")
    return DiscountPlan(
        points=points_for(amount, point_value),
        amount=amount,
        voucher_type="ENTIRE_ORDER",
        value=amount,
        point_value=point_value,
    )


def _money(values: dict[str, str], currency: str) -> Decimal | None:
    raw = values.get(currency)
    return Decimal(raw) if raw is not None else None


def check_reward_window(reward: Reward, now: datetime) -> None:
    if not reward.is_active:
        raise RewardUnavailable("this reward is not offered any more")
    if reward.starts_at is not None and now < reward.starts_at:
        raise RewardUnavailable("this reward is not available yet")
    if reward.ends_at is not None and now >= reward.ends_at:
        raise RewardUnavailable("this reward has ended")
    if reward.stock is not None and reward.stock <= 0:
        raise RewardUnavailable("this reward is out of stock")


def plan_reward(reward: Reward, checkout: Checkout) -> DiscountPlan:
    """The voucher for a catalog reward in the checkout's currency; refuses what Saleor could not give."""
    minimum = _money(reward.min_order_amounts, checkout.currency)
    if minimum is not None and checkout.totals.subtotal < minimum:
        raise InvalidRedemption(
            f"this reward needs an order of at least {minimum} {checkout.currency}",
            extra={"min_order_amount": str(minimum)},
        )
    kind = reward.kind
    if kind == RewardKind.FIXED_AMOUNT:
        amount = _money(reward.amounts, checkout.currency)
        if amount is None:
            raise RewardUnavailable(f"this reward is not offered in {checkout.currency}")
        if amount > checkout.totals.subtotal:
            # Saleor would cap the discount at the subtotal; the shopper would pay full points for less.
            raise InvalidRedemption(
                f"this reward is worth {amount} {checkout.currency}, more than the checkout's subtotal"
            )
        return DiscountPlan(reward.points_cost, amount, "ENTIRE_ORDER", "FIXED", amount)
    if kind == RewardKind.PERCENTAGE:
        if reward.percentage is None:
            raise RewardUnavailable("this reward has no percentage set")
        amount = cents_down(checkout.totals.subtotal * reward.percentage / 100)
        cap = _money(reward.max_amounts, checkout.currency)
        if cap is not None:
            amount = min(amount, cap)
        if amount <= ZERO:
            raise InvalidRedemption("the checkout is empty")
        # A fixed voucher for the computed amount: Saleor's percentage vouchers have no cap.
        return DiscountPlan(reward.points_cost, amount, "ENTIRE_ORDER", "FIXED", amount)
    if kind == RewardKind.FREE_SHIPPING:
        return DiscountPlan(
            reward.points_cost, checkout.totals.shipping, "SHIPPING", "PERCENTAGE", Decimal(100)
        )
    if kind == RewardKind.PRODUCT:
        if reward.variant_id is None:
            raise RewardUnavailable("this reward names no product")
        if reward.variant_id not in checkout.variant_ids:
            raise InvalidRedemption("add the reward's product to the checkout first")
        percentage = reward.percentage if reward.percentage is not None else Decimal(100)
        return DiscountPlan(
            reward.points_cost,
            ZERO,  # Saleor computes it from the line's price; we take what it reports
            "SPECIFIC_PRODUCT",
            "PERCENTAGE",
            percentage,
            variants=(reward.variant_id,),
            apply_once_per_order=True,
        )
    if kind == RewardKind.PARTNER:
        return DiscountPlan(reward.points_cost, ZERO, None)
    raise RewardUnavailable(f"unknown reward kind {kind}")
