from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, BigId, InstallationScoped, UTCDateTime, utcnow


class EntryKind(StrEnum):
    EARN = "earn"  # points for an order
    BONUS = "bonus"  # welcome, threshold and campaign bonuses
    ENGAGE = "engage"  # reviews, shares, feedback
    REDEEM = "redeem"  # points moved into a hold at checkout
    RELEASE = "release"  # a hold's points given back
    REVERSE = "reverse"  # points taken back after a refund or cancellation
    EXPIRE = "expire"
    ADJUST = "adjust"  # staff correction
    TRANSFER = "transfer"


# Kinds whose sum is "points earned, net of reversals" (what tiers and lifetime figures use).
EARNING_KINDS = frozenset({EntryKind.EARN, EntryKind.BONUS, EntryKind.ENGAGE, EntryKind.REVERSE})
# Kinds whose negated sum is "points spent" (redeemed, net of released holds).
REDEEMING_KINDS = frozenset({EntryKind.REDEEM, EntryKind.RELEASE})


class SourceType(StrEnum):
    ORDER = "order"
    CHECKOUT = "checkout"
    STAFF = "staff"
    RULE = "rule"
    CUSTOMER = "customer"
    SYSTEM = "system"


class LedgerEntry(InstallationScoped, Base):
    """Immutable: never updated, never deleted. A correction is another entry."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        sa.UniqueConstraint("installation_id", "idempotency_key"),
        sa.Index("ix_ledger_entries_member_available", "member_id", "available_at"),
        sa.Index("ix_ledger_entries_installation_created", "installation_id", "created_at"),
        sa.CheckConstraint("points <> 0", name="points_not_zero"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(sa.String(16))
    points: Mapped[int] = mapped_column(sa.BigInteger)
    # Pending until then (the return window); spendable after.
    available_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    source_type: Mapped[str] = mapped_column(sa.String(16))
    source_id: Mapped[str | None] = mapped_column(sa.String(255))
    actor: Mapped[str | None] = mapped_column(sa.String(320))  # staff user for adjustments
    idempotency_key: Mapped[str] = mapped_column(sa.String(255))
    explanation: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
