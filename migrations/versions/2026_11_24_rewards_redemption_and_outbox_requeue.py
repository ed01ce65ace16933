"""rewards redemption holds and outbox requeue

Revision ID: fc8dc02312e9
Revises: 67c7c9efa587
Create Date: 2026-11-24 21:47:11.764079
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "fc8dc02312e9"
down_revision: str | None = "67c7c9efa587"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing rows get the defaults a fresh install has (server_default fills them).
    op.create_table(
        "rewards",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("points_cost", sa.Integer(), nullable=False),
        sa.Column("amounts", sa.JSON(), nullable=False),
        sa.Column("percentage", app.db.Amount(precision=20, scale=4), nullable=True),
        sa.Column("max_amounts", sa.JSON(), nullable=False),
        sa.Column("variant_id", sa.String(length=255), nullable=True),
        sa.Column("min_order_amounts", sa.JSON(), nullable=False),
        sa.Column("starts_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ends_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("tier_required", sa.String(length=64), nullable=True),
        sa.Column("per_member_limit", sa.Integer(), nullable=True),
        sa.Column("stock", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("installation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.CheckConstraint("points_cost > 0", name=op.f("ck_rewards_cost_positive")),
        sa.CheckConstraint("stock IS NULL OR stock >= 0", name=op.f("ck_rewards_stock_not_negative")),
        sa.ForeignKeyConstraint(
            ["installation_id"],
            ["installations.id"],
            name=op.f("fk_rewards_installation_id_installations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rewards")),
    )
    with op.batch_alter_table("rewards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rewards_installation_id"), ["installation_id"], unique=False)

    op.create_table(
        "holds",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("checkout_id", sa.String(length=255), nullable=True),
        sa.Column("reward_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("channel_slug", sa.String(length=255), nullable=True),
        sa.Column("currency", sa.String(length=8), nullable=True),
        sa.Column("point_value", app.db.Amount(precision=20, scale=4), nullable=True),
        sa.Column("discount_amount", app.db.Amount(precision=20, scale=4), nullable=True),
        sa.Column("discount_applied", app.db.Amount(precision=20, scale=4), nullable=True),
        sa.Column("voucher_id", sa.String(length=255), nullable=True),
        sa.Column("voucher_code_encrypted", sa.LargeBinary(), nullable=True),
        sa.Column("voucher_code_hash", sa.String(length=64), nullable=True),
        sa.Column("partner_code_id", sa.BigInteger(), nullable=True),
        sa.Column("saleor_order_id", sa.String(length=255), nullable=True),
        sa.Column("points_committed", sa.BigInteger(), nullable=True),
        sa.Column("end_reason", sa.String(length=255), nullable=True),
        sa.Column("flagged_reason", sa.String(length=255), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("installation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.CheckConstraint("points > 0", name=op.f("ck_holds_points_positive")),
        sa.ForeignKeyConstraint(
            ["installation_id"],
            ["installations.id"],
            name=op.f("fk_holds_installation_id_installations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_holds_member_id_members"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["reward_id"], ["rewards.id"], name=op.f("fk_holds_reward_id_rewards"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holds")),
        sa.UniqueConstraint(
            "installation_id", "voucher_code_hash", name=op.f("uq_holds_installation_id_voucher_code_hash")
        ),
    )
    with op.batch_alter_table("holds", schema=None) as batch_op:
        batch_op.create_index("ix_holds_checkout", ["installation_id", "checkout_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_holds_installation_id"), ["installation_id"], unique=False)
        batch_op.create_index("ix_holds_member_created", ["member_id", "created_at"], unique=False)
        batch_op.create_index("ix_holds_status_expires", ["status", "expires_at"], unique=False)

    op.create_table(
        "partner_codes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("reward_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code_encrypted", sa.LargeBinary(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("hold_id", sa.BigInteger(), nullable=True),
        sa.Column("assigned_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("installation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["installation_id"],
            ["installations.id"],
            name=op.f("fk_partner_codes_installation_id_installations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["reward_id"], ["rewards.id"], name=op.f("fk_partner_codes_reward_id_rewards"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_codes")),
        sa.UniqueConstraint(
            "installation_id",
            "reward_id",
            "code_hash",
            name=op.f("uq_partner_codes_installation_id_reward_id_code_hash"),
        ),
    )
    with op.batch_alter_table("partner_codes", schema=None) as batch_op:
        batch_op.create_index("ix_partner_codes_free", ["reward_id", "hold_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_partner_codes_installation_id"), ["installation_id"], unique=False
        )

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_at", app.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("requeue", sa.Boolean(), nullable=False, server_default=sa.false()))

    with op.batch_alter_table("programs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("redeem_max_share_percent", sa.Integer(), nullable=False, server_default="50")
        )
        batch_op.add_column(
            sa.Column("redeem_min_points", sa.Integer(), nullable=False, server_default="100")
        )
        batch_op.add_column(
            sa.Column("redemptions_per_checkout", sa.Integer(), nullable=False, server_default="1")
        )
        batch_op.add_column(
            sa.Column("hold_ttl_minutes", sa.Integer(), nullable=False, server_default="1440")
        )
        batch_op.add_column(
            sa.Column("redeem_attempts_per_10_minutes", sa.Integer(), nullable=False, server_default="10")
        )


def downgrade() -> None:
    with op.batch_alter_table("programs", schema=None) as batch_op:
        batch_op.drop_column("redeem_attempts_per_10_minutes")
        batch_op.drop_column("hold_ttl_minutes")
        batch_op.drop_column("redemptions_per_checkout")
        batch_op.drop_column("redeem_min_points")
        batch_op.drop_column("redeem_max_share_percent")

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("requeue")
        batch_op.drop_column("claimed_at")

    with op.batch_alter_table("partner_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_codes_installation_id"))
        batch_op.drop_index("ix_partner_codes_free")

    op.drop_table("partner_codes")
    with op.batch_alter_table("holds", schema=None) as batch_op:
        batch_op.drop_index("ix_holds_status_expires")
        batch_op.drop_index("ix_holds_member_created")
        batch_op.drop_index(batch_op.f("ix_holds_installation_id"))
        batch_op.drop_index("ix_holds_checkout")

    op.drop_table("holds")
    with op.batch_alter_table("rewards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rewards_installation_id"))

    op.drop_table("rewards")
