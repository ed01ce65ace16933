from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, BigId, InstallationScoped, UTCDateTime, utcnow


class Member(InstallationScoped, Base):
    __tablename__ = "members"
    __table_args__ = (
        sa.Index("uq_members_installation_user", "installation_id", "saleor_user_id", unique=True),
        # A guest (no Saleor account yet) is known by e-mail alone, once per store.
        sa.Index(
            "uq_members_installation_guest_email",
            "installation_id",
            "email",
            unique=True,
            postgresql_where=sa.text("saleor_user_id IS NULL"),
            sqlite_where=sa.text("saleor_user_id IS NULL"),
        ),
        sa.Index("ix_members_installation_email", "installation_id", "email"),
        sa.CheckConstraint("points_pending >= 0", name="pending_not_negative"),
        sa.CheckConstraint("points_held >= 0", name="held_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    saleor_user_id: Mapped[str | None] = mapped_column(sa.String(255))
    email: Mapped[str | None] = mapped_column(sa.String(320))
    first_name: Mapped[str | None] = mapped_column(sa.String(255))
    last_name: Mapped[str | None] = mapped_column(sa.String(255))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Points are earned only while enrolled; opt-in programs enrol on consent.
    enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    tier_id: Mapped[int | None] = mapped_column(sa.BigInteger)

    # Caches of the ledger, written only together with entries. Pending/available are as of
    # `balances_at`: entries with available_at <= balances_at count as available.
    points_available: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    points_pending: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    points_held: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    points_earned_lifetime: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    points_redeemed_lifetime: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    balances_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def is_enrolled(self) -> bool:
        return self.enrolled_at is not None and self.opted_out_at is None and self.anonymised_at is None

    @property
    def is_guest(self) -> bool:
        return self.saleor_user_id is None
