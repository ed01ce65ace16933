from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel


class CurrencyFiguresOut(BaseModel):
    currency: str
    orders_members: int
    orders_others: int
    aov_members: Decimal | None
    aov_others: Decimal | None
    spend_per_member: Decimal | None
    spend_per_other_customer: Decimal | None
    lifetime_value_per_member: Decimal | None
    liability: Decimal


class RewardFiguresOut(BaseModel):
    reward_id: int
    name: str
    points_cost: int
    redeemed: int
    points_spent: int
    open: int


class DailyFiguresOut(BaseModel):
    day: date
    points_issued: int
    points_redeemed: int
    new_members: int
    orders_members: int
    orders_others: int


class KpisOut(BaseModel):
    start: datetime
    end: datetime
    members: int
    members_enrolled: int
    enrolment_rate: Decimal | None
    new_members: int
    active_members: int
    points_issued: int
    points_redeemed: int
    points_reversed: int
    points_expired: int
    redemption_rate: Decimal | None
    liability_points: int
    repeat_purchase_rate: Decimal | None
    retention_rate: Decimal | None
    currencies: list[CurrencyFiguresOut]
    rewards: list[RewardFiguresOut]
    daily: list[DailyFiguresOut]
