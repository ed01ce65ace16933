from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from app.bounds import Text


class PointsOut(BaseModel):
    available: int
    pending: int
    held: int
    lifetime_earned: int
    lifetime_redeemed: int


class NextAvailableOut(BaseModel):
    points: int
    available_at: datetime


class MemberOut(BaseModel):
    id: int | None
    email: str | None
    enrolled: bool
    joined_at: datetime | None
    enrolled_at: datetime | None
    consent_at: datetime | None


class TierOut(BaseModel):
    name: str


class MeOut(BaseModel):
    member: MemberOut
    points: PointsOut
    next_available: list[NextAvailableOut]
    tier: TierOut | None
    enrolment: str


class EntryOut(BaseModel):
    id: int
    kind: str
    points: int
    status: str  # pending or available
    created_at: datetime
    available_at: datetime
    description: str
    explanation: dict[str, object]


class HistoryOut(BaseModel):
    entries: list[EntryOut]
    next_cursor: str | None


class ConsentIn(BaseModel):
    consent: bool


class OrderPointsOut(BaseModel):
    """One of the shopper's orders and what it means for their points, so nobody has to ask."""

    order_id: str
    number: str | None
    placed_at: datetime
    status: str  # earned | waiting | not_enrolled | cancelled | no_member
    explanation: str
    points: int  # earned (base + bonus)
    points_reversed: int
    available_at: datetime | None


class OrdersOut(BaseModel):
    orders: list[OrderPointsOut]


class StaffMemberOut(BaseModel):
    id: int
    saleor_user_id: str | None
    email: str | None
    first_name: str | None
    last_name: str | None
    enrolled: bool
    joined_at: datetime
    enrolled_at: datetime | None
    consent_at: datetime | None
    opted_out_at: datetime | None
    points: PointsOut


class MembersPageOut(BaseModel):
    total: int
    page: int
    page_size: int
    members: list[StaffMemberOut]


class StaffEntryOut(EntryOut):
    actor: str | None


class StaffOrderOut(OrderPointsOut):
    currency: str
    total: Decimal
    refunded: Decimal


class MemberDetailOut(BaseModel):
    member: StaffMemberOut
    next_available: list[NextAvailableOut]
    history: list[StaffEntryOut]
    history_next_cursor: str | None
    orders: list[StaffOrderOut]
    tier: TierOut | None


class AdjustmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    points: int = Field(ge=-10_000_000, le=10_000_000, description="positive adds, negative takes away")
    reason: Annotated[Text, StringConstraints(min_length=3, max_length=500, strip_whitespace=True)]
    idempotency_key: Annotated[Text, StringConstraints(min_length=8, max_length=100)] | None = Field(
        default=None,
        description="send the same key again to retry safely (the Loyalty tab sends one per form)",
    )

    @field_validator("points")
    @classmethod
    def _not_zero(cls, value: int) -> int:
        if value == 0:
            raise ValueError("an adjustment moves at least one point")
        return value


class AdjustmentOut(BaseModel):
    entry: StaffEntryOut
    member: StaffMemberOut
