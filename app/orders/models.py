from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Amount, Base, BigId, InstallationScoped, UTCDateTime, utcnow


class EarnStatus(StrEnum):
    WAITING = "waiting"  # not yet at the earning event
    EARNED = "earned"
    NO_MEMBER = "no_member"  # no account and no e-mail to keep points against
    NOT_ENROLLED = "not_enrolled"  # opt-in program, customer had not joined
    CANCELLED = "cancelled"  # cancelled before it earned


class Order(InstallationScoped, Base):
    """What Lojal knows of one Saleor order: the state it converged to and what it earned."""

    __tablename__ = "orders"
    __table_args__ = (
        sa.UniqueConstraint("installation_id", "saleor_order_id"),
        sa.Index("ix_orders_installation_created", "installation_id", "placed_at"),
        sa.Index("ix_orders_member", "member_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    saleor_order_id: Mapped[str] = mapped_column(sa.String(255))
    number: Mapped[str | None] = mapped_column(sa.String(64))
    member_id: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id", ondelete="RESTRICT"))
    customer_email: Mapped[str | None] = mapped_column(sa.String(320))
    channel_slug: Mapped[str] = mapped_column(sa.String(255))
    currency: Mapped[str] = mapped_column(sa.String(8))
    checkout_id: Mapped[str | None] = mapped_column(sa.String(255))
    origin: Mapped[str | None] = mapped_column(sa.String(32))
    status: Mapped[str] = mapped_column(sa.String(32))
    voucher_code_hash: Mapped[str | None] = mapped_column(sa.String(64))
    total_gross: Mapped[Decimal] = mapped_column(Amount)
    # Money state, converged: the highest refunded total seen (refunds only ever grow).
    amount_refunded: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    is_paid: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    is_fulfilled: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    is_cancelled: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # What the order earned, fixed when it earned (never recomputed from today's rules).
    earn_status: Mapped[str] = mapped_column(sa.String(16), default=EarnStatus.WAITING)
    eligible_amount: Mapped[Decimal | None] = mapped_column(Amount)
    points_earned: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    points_bonus: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    bonus_threshold_amount: Mapped[Decimal | None] = mapped_column(Amount)
    points_available_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    earned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    earn_explanation: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    points_reversed: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    points_reversal_forgiven: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
