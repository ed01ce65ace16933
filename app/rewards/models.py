from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Amount, Base, BigId, InstallationScoped, UTCDateTime, utcnow


class RewardKind(StrEnum):
    FIXED_AMOUNT = "fixed_amount"  # e.g. 5.00 off, a value per channel currency
    PERCENTAGE = "percentage"  # e.g. 10% off the subtotal, capped per currency
    FREE_SHIPPING = "free_shipping"
    PRODUCT = "product"  # one unit of a variant free (100%) or discounted
    PARTNER = "partner"  # a code from a partner business, handed out from a pool


class Reward(InstallationScoped, Base):
    __tablename__ = "rewards"
    __table_args__ = (
        sa.CheckConstraint("points_cost > 0", name="cost_positive"),
        sa.CheckConstraint("stock IS NULL OR stock >= 0", name="stock_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    description: Mapped[str | None] = mapped_column(sa.Text)
    kind: Mapped[str] = mapped_column(sa.String(16))
    points_cost: Mapped[int] = mapped_column(sa.Integer)
    # Per currency, as decimal strings: {"USD": "5.00", "SEK": "50.00"}. Fixed amounts are set per
    # currency by the owner, so they never drift with exchange rates.
    amounts: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    percentage: Mapped[Decimal | None] = mapped_column(Amount)
    max_amounts: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)  # caps of percentage rewards
    variant_id: Mapped[str | None] = mapped_column(sa.String(255))
    min_order_amounts: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    tier_required: Mapped[str | None] = mapped_column(sa.String(64))
    per_member_limit: Mapped[int | None] = mapped_column(sa.Integer)
    stock: Mapped[int | None] = mapped_column(sa.Integer)  # remaining; None = unlimited
    is_active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class PartnerCode(InstallationScoped, Base):
    """One code of a partner reward's pool; handed out once."""

    __tablename__ = "partner_codes"
    __table_args__ = (
        sa.UniqueConstraint("installation_id", "reward_id", "code_hash"),
        sa.Index("ix_partner_codes_free", "reward_id", "hold_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    reward_id: Mapped[int] = mapped_column(sa.ForeignKey("rewards.id", ondelete="CASCADE"))
    code_encrypted: Mapped[bytes] = mapped_column(sa.LargeBinary)
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    hold_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
