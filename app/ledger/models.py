"""The ledger's tables: members (the accounts whose balances are cached here), entries and holds."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Amount, Base, BigId, InstallationScoped, UTCDateTime, utcnow


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


class HoldStatus(StrEnum):
    PENDING = "pending"  # points held, Saleor discount being created
    OPEN = "open"  # the discount sits on the checkout
    COMMITTED = "committed"  # an order used it; the points are spent
    RELEASED = "released"  # never used; the points went back
    RETURNED = "returned"  # the order was cancelled or refunded; the points went back


OPEN_STATUSES = (HoldStatus.PENDING, HoldStatus.OPEN)


def _values(enum: type[StrEnum]) -> list[str]:
    return [member.value for member in enum]


def _one_of(column: str, enum: type[StrEnum]) -> str:
    """A CHECK that the column holds one of the enum's values: the database refuses anything else."""
    return f"{column} IN ({', '.join(repr(value) for value in _values(enum))})"


class Member(InstallationScoped, Base):
    """One per (installation, Saleor customer), or per e-mail for a guest until they sign up.

    The row is the ledger's account: its balance columns are caches of the member's entries, written
    only by `app/ledger` in the same transaction as the entries; identity, enrolment and consent are
    written by `app/members`.
    """

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

    @property
    def has_saleor_customer(self) -> bool:
        """A Saleor customer Lojal may write to (guests have none; erased members must not be written)."""
        return self.saleor_user_id is not None and self.anonymised_at is None


class LedgerEntry(InstallationScoped, Base):
    """Immutable: never updated, never deleted. A correction is another entry."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        sa.UniqueConstraint("installation_id", "idempotency_key"),
        sa.Index("ix_ledger_entries_member_available", "member_id", "available_at"),
        sa.Index("ix_ledger_entries_installation_created", "installation_id", "created_at"),
        sa.CheckConstraint("points <> 0", name="points_not_zero"),
        sa.CheckConstraint(_one_of("kind", EntryKind), name="kind_known"),
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


class Hold(InstallationScoped, Base):
    """Points reserved for a discount (a two-phase transfer): it ends exactly once, committed when an
    order uses the discount or released when none does (`app/ledger/holds.py` moves it)."""

    __tablename__ = "holds"
    __table_args__ = (
        sa.UniqueConstraint("installation_id", "voucher_code_hash"),
        sa.Index("ix_holds_member_created", "member_id", "created_at"),
        sa.Index("ix_holds_checkout", "installation_id", "checkout_id"),
        sa.Index("ix_holds_status_expires", "status", "expires_at"),
        # Holds with a voucher code whose voucher Saleor has not yet confirmed gone: the sweep's work list.
        sa.Index(
            "ix_holds_voucher_unconfirmed",
            "installation_id",
            "id",
            postgresql_where=sa.text("voucher_code_hash IS NOT NULL AND voucher_gone_at IS NULL"),
            sqlite_where=sa.text("voucher_code_hash IS NOT NULL AND voucher_gone_at IS NULL"),
        ),
        sa.CheckConstraint("points > 0", name="points_positive"),
        sa.CheckConstraint(_one_of("status", HoldStatus), name="status_known"),
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
    # When Saleor confirmed that no voucher of this hold is left (deleted, or never made): until then the
    # sweep looks for it by id or by code once the hold has ended (`app/redemption/sweeps.py`).
    voucher_gone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    partner_code_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    saleor_order_id: Mapped[str | None] = mapped_column(sa.String(255))
    points_committed: Mapped[int | None] = mapped_column(sa.BigInteger)
    end_reason: Mapped[str | None] = mapped_column(sa.String(255))
    flagged_reason: Mapped[str | None] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
