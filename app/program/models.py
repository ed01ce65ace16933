from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Amount, Base, BigId, InstallationScoped, UTCDateTime, utcnow


class Rounding(StrEnum):
    FLOOR = "floor"
    HALF_UP = "half_up"


class EarnTrigger(StrEnum):
    ORDER_FULLY_PAID = "order_fully_paid"
    ORDER_FULFILLED = "order_fulfilled"


class Enrolment(StrEnum):
    AUTOMATIC = "automatic"
    OPT_IN = "opt_in"


class ReversalPolicy(StrEnum):
    # Points already spent when a refund arrives: let the balance go negative (earned back by later
    # orders), or take back only what is left and forgive the rest.
    ALLOW_NEGATIVE = "allow_negative"
    CLAMP = "clamp"


class Program(InstallationScoped, Base):
    """Program-wide settings; a fresh install gets these defaults and earns with no set-up."""

    __tablename__ = "programs"
    __table_args__ = (sa.UniqueConstraint("installation_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    default_points_per_unit: Mapped[Decimal] = mapped_column(Amount, default=Decimal(1))
    default_point_value: Mapped[Decimal] = mapped_column(Amount, default=Decimal("0.01"))
    rounding: Mapped[str] = mapped_column(sa.String(16), default=Rounding.FLOOR)
    include_shipping: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    include_tax: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    earn_trigger: Mapped[str] = mapped_column(sa.String(32), default=EarnTrigger.ORDER_FULLY_PAID)
    hold_days: Mapped[int] = mapped_column(sa.Integer, default=14)
    enrolment: Mapped[str] = mapped_column(sa.String(16), default=Enrolment.AUTOMATIC)
    welcome_bonus_points: Mapped[int] = mapped_column(sa.Integer, default=0)
    reversal_policy: Mapped[str] = mapped_column(sa.String(16), default=ReversalPolicy.ALLOW_NEGATIVE)
    # Redemption: flexible points may cover at most this share of a checkout's subtotal.
    redeem_max_share_percent: Mapped[int] = mapped_column(sa.Integer, default=50)
    redeem_min_points: Mapped[int] = mapped_column(sa.Integer, default=100)
    redemptions_per_checkout: Mapped[int] = mapped_column(sa.Integer, default=1)
    # A discount whose checkout never became an order is released after this long.
    hold_ttl_minutes: Mapped[int] = mapped_column(sa.Integer, default=24 * 60)
    redeem_attempts_per_10_minutes: Mapped[int] = mapped_column(sa.Integer, default=10)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str | None] = mapped_column(sa.String(320))


class ChannelRule(InstallationScoped, Base):
    """Earning and point value in one Saleor channel, in that channel's currency."""

    __tablename__ = "channel_rules"
    __table_args__ = (sa.UniqueConstraint("installation_id", "channel_slug"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel_slug: Mapped[str] = mapped_column(sa.String(255))
    currency: Mapped[str] = mapped_column(sa.String(8))
    points_per_unit: Mapped[Decimal] = mapped_column(Amount)
    point_value: Mapped[Decimal] = mapped_column(Amount)
    min_order_amount: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    bonus_threshold_amount: Mapped[Decimal | None] = mapped_column(Amount)
    bonus_points: Mapped[int] = mapped_column(sa.Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class MultiplierTarget(StrEnum):
    PRODUCT = "product"
    CATEGORY = "category"
    COLLECTION = "collection"


class Multiplier(InstallationScoped, Base):
    """E.g. double points on the "sustainable" collection. A line takes its highest matching factor."""

    __tablename__ = "multipliers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    target_type: Mapped[str] = mapped_column(sa.String(16))
    # Saleor global id, or the category/collection slug.
    target: Mapped[str] = mapped_column(sa.String(255))
    factor: Mapped[Decimal] = mapped_column(Amount)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
