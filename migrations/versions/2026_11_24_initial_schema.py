"""initial schema

Revision ID: 67c7c9efa587
Revises:
Create Date: 2026-11-24 21:10:59.294593
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "67c7c9efa587"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "installations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("saleor_api_url", sa.String(length=512), nullable=False),
        sa.Column("saleor_domain", sa.String(length=255), nullable=True),
        sa.Column("saleor_schema_version", sa.String(length=32), nullable=True),
        sa.Column("app_id", sa.String(length=255), nullable=False),
        sa.Column("token_encrypted", sa.LargeBinary(), nullable=True),
        sa.Column("jwks", sa.JSON(), nullable=False),
        sa.Column("jwks_fetched_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("installed_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("uninstalled_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_installations")),
        sa.UniqueConstraint("saleor_api_url", name=op.f("uq_installations_saleor_api_url")),
    )
    op.create_table(
        "channel_rules",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("channel_slug", sa.String(length=255), nullable=False),
        sa.Column("currency", sa.String(length=8), nullable=False),
        sa.Column("points_per_unit", app.db.Amount(precision=20, scale=4), nullable=False),
        sa.Column("point_value", app.db.Amount(precision=20, scale=4), nullable=False),
        sa.Column("min_order_amount", app.db.Amount(precision=20, scale=4), nullable=False),
        sa.Column("bonus_threshold_amount", app.db.Amount(precision=20, scale=4), nullable=True),
        sa.Column("bonus_points", sa.Integer(), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("installation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["installation_id"],
            ["installations.id"],
            name=op.f("fk_channel_rules_installation_id_installations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_rules")),
        sa.UniqueConstraint(
            "installation_id", "channel_slug", name=op.f("uq_channel_rules_installation_id_channel_slug")
        ),
    )
    with op.batch_alter_table("channel_rules", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_channel_rules_installation_id"), ["installation_id"], unique=False
        )

    op.create_table(
        "members",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("saleor_user_id", sa.String(length=255), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("first_name", sa.String(length=255), nullable=True),
        sa.Column("last_name", sa.String(length=255), nullable=True),
        sa.Column("joined_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("enrolled_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("consent_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("opted_out_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("anonymised_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("tier_id", sa.BigInteger(), nullable=True),
        sa.Column("points_available", sa.BigInteger(), nullable=False),
        sa.Column("points_pending", sa.BigInteger(), nullable=False),
        sa.Column("points_held", sa.BigInteger(), nullable=False),
        sa.Column("points_earned_lifetime", sa.BigInteger(), nullable=False),
        sa.Column("points_redeemed_lifetime", sa.BigInteger(), nullable=False),
        sa.Column("balances_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("installation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.CheckConstraint("points_held >= 0", name=op.f("ck_members_held_not_negative")),
        sa.CheckConstraint("points_pending >= 0", name=op.f("ck_members_pending_not_negative")),
        sa.ForeignKeyConstraint(
            ["installation_id"],
            ["installations.id"],
            name=op.f("fk_members_installation_id_installations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members")),
    )
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.create_index("ix_members_installation_email", ["installation_id", "email"], unique=False)
        batch_op.create_index(batch_op.f("ix_members_installation_id"), ["installation_id"], unique=False)
        batch_op.create_index(
            "uq_members_installation_guest_email",
            ["installation_id", "email"],
            unique=True,
            postgresql_where=sa.text("saleor_user_id IS NULL"),
            sqlite_where=sa.text("saleor_user_id IS NULL"),
        )
        batch_op.create_index(
            "uq_members_installation_user", ["installation_id", "saleor_user_id"], unique=True
        )

    op.create_table(
        "multipliers",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("target_type", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=255), nullable=False),
        sa.Column("factor", app.db.Amount(precision=20, scale=4), nullable=False),
        sa.Column("starts_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ends_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("installation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["installation_id"],
            ["installations.id"],
            name=op.f("fk_multipliers_installation_id_installations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_multipliers")),
    )
    with op.batch_alter_table("multipliers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_multipliers_installation_id"), ["installation_id"], unique=False)

    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("dedupe_key", sa.String(length=255), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("failed_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("installation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["installation_id"],
            ["installations.id"],
            name=op.f("fk_outbox_installation_id_installations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_due", ["next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_installation_id"), ["installation_id"], unique=False)
        batch_op.create_index(
            "uq_outbox_pending_dedupe",
            ["installation_id", "dedupe_key"],
            unique=True,
            postgresql_where=sa.text("sent_at IS NULL AND failed_at IS NULL"),
            sqlite_where=sa.text("sent_at IS NULL AND failed_at IS NULL"),
        )

    op.create_table(
        "programs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("default_points_per_unit", app.db.Amount(precision=20, scale=4), nullable=False),
        sa.Column("default_point_value", app.db.Amount(precision=20, scale=4), nullable=False),
        sa.Column("rounding", sa.String(length=16), nullable=False),
        sa.Column("include_shipping", sa.Boolean(), nullable=False),
        sa.Column("include_tax", sa.Boolean(), nullable=False),
        sa.Column("earn_trigger", sa.String(length=32), nullable=False),
        sa.Column("hold_days", sa.Integer(), nullable=False),
        sa.Column("enrolment", sa.String(length=16), nullable=False),
        sa.Column("welcome_bonus_points", sa.Integer(), nullable=False),
        sa.Column("reversal_policy", sa.String(length=16), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=320), nullable=True),
        sa.Column("installation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["installation_id"],
            ["installations.id"],
            name=op.f("fk_programs_installation_id_installations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programs")),
        sa.UniqueConstraint("installation_id", name=op.f("uq_programs_installation_id")),
    )
    with op.batch_alter_table("programs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_programs_installation_id"), ["installation_id"], unique=False)

    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("available_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("source_type", sa.String(length=16), nullable=False),
        sa.Column("source_id", sa.String(length=255), nullable=True),
        sa.Column("actor", sa.String(length=320), nullable=True),
        sa.Column("idempotency_key", sa.String(length=255), nullable=False),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.Column("installation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.CheckConstraint("points <> 0", name=op.f("ck_ledger_entries_points_not_zero")),
        sa.ForeignKeyConstraint(
            ["installation_id"],
            ["installations.id"],
            name=op.f("fk_ledger_entries_installation_id_installations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_ledger_entries_member_id_members"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entries")),
        sa.UniqueConstraint(
            "installation_id",
            "idempotency_key",
            name=op.f("uq_ledger_entries_installation_id_idempotency_key"),
        ),
    )
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ledger_entries_installation_created", ["installation_id", "created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_ledger_entries_installation_id"), ["installation_id"], unique=False
        )
        batch_op.create_index(
            "ix_ledger_entries_member_available", ["member_id", "available_at"], unique=False
        )

    op.create_table(
        "orders",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("saleor_order_id", sa.String(length=255), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=True),
        sa.Column("member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("customer_email", sa.String(length=320), nullable=True),
        sa.Column("channel_slug", sa.String(length=255), nullable=False),
        sa.Column("currency", sa.String(length=8), nullable=False),
        sa.Column("checkout_id", sa.String(length=255), nullable=True),
        sa.Column("origin", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("voucher_code_hash", sa.String(length=64), nullable=True),
        sa.Column("total_gross", app.db.Amount(precision=20, scale=4), nullable=False),
        sa.Column("amount_refunded", app.db.Amount(precision=20, scale=4), nullable=False),
        sa.Column("is_paid", sa.Boolean(), nullable=False),
        sa.Column("is_fulfilled", sa.Boolean(), nullable=False),
        sa.Column("is_cancelled", sa.Boolean(), nullable=False),
        sa.Column("placed_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("earn_status", sa.String(length=16), nullable=False),
        sa.Column("eligible_amount", app.db.Amount(precision=20, scale=4), nullable=True),
        sa.Column("points_earned", sa.BigInteger(), nullable=False),
        sa.Column("points_bonus", sa.BigInteger(), nullable=False),
        sa.Column("bonus_threshold_amount", app.db.Amount(precision=20, scale=4), nullable=True),
        sa.Column("points_available_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("earned_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("earn_explanation", sa.JSON(), nullable=True),
        sa.Column("points_reversed", sa.BigInteger(), nullable=False),
        sa.Column("points_reversal_forgiven", sa.BigInteger(), nullable=False),
        sa.Column("first_seen_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("installation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["installation_id"],
            ["installations.id"],
            name=op.f("fk_orders_installation_id_installations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_orders_member_id_members"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint(
            "installation_id", "saleor_order_id", name=op.f("uq_orders_installation_id_saleor_order_id")
        ),
    )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_orders_installation_created", ["installation_id", "placed_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_orders_installation_id"), ["installation_id"], unique=False)
        batch_op.create_index("ix_orders_member", ["member_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_member")
        batch_op.drop_index(batch_op.f("ix_orders_installation_id"))
        batch_op.drop_index("ix_orders_installation_created")

    op.drop_table("orders")
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_ledger_entries_member_available")
        batch_op.drop_index(batch_op.f("ix_ledger_entries_installation_id"))
        batch_op.drop_index("ix_ledger_entries_installation_created")

    op.drop_table("ledger_entries")
    with op.batch_alter_table("programs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_programs_installation_id"))

    op.drop_table("programs")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_outbox_pending_dedupe",
            postgresql_where=sa.text("sent_at IS NULL AND failed_at IS NULL"),
            sqlite_where=sa.text("sent_at IS NULL AND failed_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_outbox_installation_id"))
        batch_op.drop_index("ix_outbox_due")

    op.drop_table("outbox")
    with op.batch_alter_table("multipliers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_multipliers_installation_id"))

    op.drop_table("multipliers")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_index("uq_members_installation_user")
        batch_op.drop_index(
            "uq_members_installation_guest_email",
            postgresql_where=sa.text("saleor_user_id IS NULL"),
            sqlite_where=sa.text("saleor_user_id IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_members_installation_id"))
        batch_op.drop_index("ix_members_installation_email")

    op.drop_table("members")
    with op.batch_alter_table("channel_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_channel_rules_installation_id"))

    op.drop_table("channel_rules")
    op.drop_table("installations")
