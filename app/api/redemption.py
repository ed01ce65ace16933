"""The shopper's rewards and checkout redemptions (storefront API, shopper token)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from app.api.deps import DatabaseDep, GatewayDep, SessionDep, ShopperDep
from app.api.errors import error_responses
from app.api.params import PathId
from app.bounds import Text
from app.ledger.models import Hold
from app.members import service as members
from app.redemption import lookups, saga
from app.redemption.schemas import CheckoutOut, MoneyOut, RedeemIn, RedeemOut, RedemptionOut, RedemptionsOut
from app.rewards import service as rewards
from app.rewards.schemas import ShopperRewardOut, ShopperRewardsOut

ERRORS = error_responses(
    {
        401: "missing, expired or foreign shopper token, or unknown store",
        422: "invalid request, with field errors",
    }
)
router = APIRouter(prefix="/api/storefront", tags=["storefront"], responses=ERRORS)

CheckoutId = Annotated[Text, Path(min_length=1, max_length=255, description="the Saleor checkout id")]

REDEEM_ERRORS = error_responses(
    {
        403: "the checkout belongs to someone else, or the shopper has not joined",
        404: "no such checkout, reward or redemption",
        409: "not enough points, reward unavailable, checkout already discounted, or Saleor refused",
        422: "invalid redemption (below the minimum, above the cap, not offered here), or invalid request",
        429: "too many attempts",
        502: "Saleor failed midway; nothing was taken",
    }
)


def _redemption(hold: Hold, partner_code: str | None = None) -> RedemptionOut:
    amount = hold.discount_applied if hold.discount_applied is not None else hold.discount_amount
    return RedemptionOut(
        id=hold.id,
        status=hold.status,
        kind=hold.kind,
        reward_id=hold.reward_id,
        points=hold.points,
        discount=MoneyOut(amount=amount, currency=hold.currency)
        if amount is not None and hold.currency
        else None,
        partner_code=partner_code,
        created_at=hold.created_at,
        expires_at=hold.expires_at,
    )


def _checkout(checkout_id: str, after: saga.CheckoutAfter | None) -> CheckoutOut | None:
    if after is None:
        return None
    totals = after.totals
    currency = totals.currency
    return CheckoutOut(
        id=checkout_id,
        has_loyalty_discount=after.has_loyalty_discount,
        discount=MoneyOut(amount=totals.discount, currency=currency),
        subtotal=MoneyOut(amount=totals.subtotal, currency=currency),
        shipping=MoneyOut(amount=totals.shipping, currency=currency),
        total=MoneyOut(amount=totals.total, currency=currency),
    )


@router.get("/rewards", response_model=ShopperRewardsOut, summary="Rewards the shopper can redeem")
async def list_rewards(
    session: SessionDep,
    shopper: ShopperDep,
    currency: Annotated[
        str | None, Query(pattern=r"^[A-Z]{3}$", description="the channel's currency")
    ] = None,
) -> ShopperRewardsOut:
    member = await members.shopper_member(
        session, shopper.installation.id, saleor_user_id=shopper.user_id, email=shopper.email
    )
    available = (await members.summary(session, member)).balances.available
    catalog = await rewards.list_rewards(session, shopper.installation.id, only_live=True)
    return ShopperRewardsOut(
        points_available=max(available, 0),
        rewards=[
            ShopperRewardOut(
                id=reward.id,
                name=reward.name,
                description=reward.description,
                kind=reward.kind,
                points_cost=reward.points_cost,
                value=rewards.shopper_value(reward, currency),
                currency=currency,
                min_order_amount=reward.min_order_amounts.get(currency) if currency else None,
                affordable=available >= reward.points_cost,
                points_missing=max(0, reward.points_cost - available),
                ends_at=reward.ends_at,
            )
            for reward in catalog
            if rewards.offered_in(reward, currency) and reward.tier_required is None
        ],
    )


@router.post(
    "/checkouts/{checkout_id}/redemptions",
    response_model=RedeemOut,
    status_code=201,
    responses=REDEEM_ERRORS,
    summary="Turn points into a discount on the shopper's checkout",
)
async def redeem(
    database: DatabaseDep, gateway: GatewayDep, shopper: ShopperDep, checkout_id: CheckoutId, body: RedeemIn
) -> RedeemOut:
    outcome = await saga.redeem(
        database,
        gateway,
        shopper.installation,
        shopper_user_id=shopper.user_id,
        shopper_email=shopper.email,
        checkout_id=checkout_id,
        request=saga.RedeemRequest(reward_id=body.reward_id, points=body.points),
    )
    return RedeemOut(
        redemption=_redemption(outcome.hold, outcome.partner_code),
        checkout=_checkout(checkout_id, outcome.checkout),
    )


@router.get(
    "/checkouts/{checkout_id}/redemptions",
    response_model=RedemptionsOut,
    summary="The shopper's redemptions on a checkout",
)
async def list_redemptions(
    session: SessionDep, shopper: ShopperDep, checkout_id: CheckoutId
) -> RedemptionsOut:
    member = await members.find_by_user(session, shopper.installation.id, shopper.user_id)
    holds = await lookups.holds_for_checkout(session, member, checkout_id) if member else []
    return RedemptionsOut(redemptions=[_redemption(hold) for hold in holds])


@router.delete(
    "/checkouts/{checkout_id}/redemptions/{redemption_id}",
    response_model=RedeemOut,
    responses=REDEEM_ERRORS,
    summary="Undo a redemption: the discount comes off, the points come back",
)
async def undo(
    database: DatabaseDep,
    gateway: GatewayDep,
    shopper: ShopperDep,
    checkout_id: CheckoutId,
    redemption_id: PathId,
) -> RedeemOut:
    outcome = await saga.undo(
        database,
        gateway,
        shopper.installation,
        shopper_user_id=shopper.user_id,
        checkout_id=checkout_id,
        hold_id=redemption_id,
    )
    return RedeemOut(redemption=_redemption(outcome.hold), checkout=_checkout(checkout_id, outcome.checkout))
