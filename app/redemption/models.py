from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Amount, Base, BigId, InstallationScoped, UTCDateTime, utcnow


class HoldStatus(StrEnum):
    PENDING = "pending"  # points held, Saleor discount being created
    OPEN = "open"  # the discount sits on the checkout
    COMMITTED = "committed"  # an order used it; the points are spent
    RELEASED = "released"  # never used; the points went back
    RETURNED = "returned"  # the order was cancelled or refunded; the points went back


OPEN_STATUSES = (HoldStatus.PENDING, HoldStatus.OPEN)


class Hold(InstallationScoped, Base):
    __tablename__ = "holds"
    __table_args__ = (
        sa.UniqueConstraint("installation_id", "voucher_code_hash"),
        sa.Index("ix_holds_member_created", "member_id", "created_at"),
        sa.Index("ix_holds_checkout", "installation_id", "checkout_id"),
        sa.Index("ix_holds_status_expires", "status", "expires_at"),
        sa.CheckConstraint("points > 0", name="points_positive"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id", ondelete="RESTRICT"))
    checkout_id: Mapped[str | None] = mapped_column(sa.String(255))
    reward_id: Mapped[int | None] = mapped_column(sa.ForeignKey("rewards.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(sa.String(16))  # "points" (flexible) or the reward's kind
    points: Mapped[int] = mapped_column(sa.BigInteger)
    status: Mapped[str] = mapped_column(sa.String(16), default=HoldStatus.PENDING)
    channel_slug: Mapped[str | None] = mapped_column(sa.String(255))
    currency: Mapped[str | None] = mapped_column(sa.String(8))
    point_value: Mapped[Decimal | None] = mapped_column(Amount)  # money per point when flexible
    discount_amount: Mapped[Decimal | None] = mapped_column(Amount)  # what we asked Saleor for
    discount_applied: Mapped[Decimal | None] = mapped_column(Amount)  # what Saleor said it gave
    voucher_id: Mapped[str | None] = mapped_column(sa.String(255))
    # The code is a bearer secret: stored encrypted, matched by hash, never logged.
    voucher_code_encrypted: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    voucher_code_hash: Mapped[str | None] = mapped_column(sa.String(64))
    partner_code_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    saleor_order_id: Mapped[str | None] = mapped_column(sa.String(255))
    points_committed: Mapped[int | None] = mapped_column(sa.BigInteger)
    end_reason: Mapped[str | None] = mapped_column(sa.String(255))
    flagged_reason: Mapped[str | None] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
