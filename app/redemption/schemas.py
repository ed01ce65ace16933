from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class RedeemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reward_id: int | None = Field(default=None, gt=0)
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
