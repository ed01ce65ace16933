from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


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
