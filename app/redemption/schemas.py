from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.bounds import INT64_MAX


class RedeemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reward_id: int | None = Field(default=None, gt=0, le=INT64_MAX)
    points: int | None = Field(default=None, gt=0, le=100_000_000)

    @model_validator(mode="after")
    def _one_of(self) -> RedeemIn:
        if (self.reward_id is None) == (self.points is None):
            raise ValueError('send either {"reward_id": …} or {"points": …}')
        return self


class MoneyOut(BaseModel):
    amount: Decimal
    currency: str


class RedemptionOut(BaseModel):
    id: int
    status: str
    kind: str
    reward_id: int | None
    points: int
    discount: MoneyOut | None
    partner_code: str | None = None
    created_at: datetime
    expires_at: datetime


class CheckoutOut(BaseModel):
    id: str
    has_loyalty_discount: bool
    discount: MoneyOut
    subtotal: MoneyOut
    shipping: MoneyOut
    total: MoneyOut


class RedeemOut(BaseModel):
    redemption: RedemptionOut
    checkout: CheckoutOut | None


class RedemptionsOut(BaseModel):
    redemptions: list[RedemptionOut]


class StaffRedemptionOut(BaseModel):
    """A redemption as staff see it, with why it was flagged."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    member_id: int
    checkout_id: str | None
    reward_id: int | None
    kind: str
    status: str
    points: int
    points_committed: int | None
    currency: str | None
    discount_amount: Decimal | None
    discount_applied: Decimal | None
    saleor_order_id: str | None
    end_reason: str | None
    flagged_reason: str | None
    created_at: datetime
    expires_at: datetime
    ended_at: datetime | None
