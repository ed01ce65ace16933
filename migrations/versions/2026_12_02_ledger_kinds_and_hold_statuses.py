"""ledger entry kinds and hold statuses checked by the database

Revision ID: 3b7d2c91a4e0
Revises: fc8dc02312e9
Create Date: 2026-12-02 13:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "3b7d2c91a4e0"
down_revision: str | None = "fc8dc02312e9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out rather than imported: a migration keeps the values it was written with.
ENTRY_KINDS = ("earn", "bonus", "engage", "redeem", "release", "reverse", "expire", "adjust", "transfer")
HOLD_STATUSES = ("pending", "open", "committed", "released", "returned")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def upgrade() -> None:
    with op.batch_alter_table("ledger_entries") as batch:
        batch.create_check_constraint("kind_known", _one_of("kind", ENTRY_KINDS))
    with op.batch_alter_table("holds") as batch:
        batch.create_check_constraint("status_known", _one_of("status", HOLD_STATUSES))


def downgrade() -> None:
    with op.batch_alter_table("holds") as batch:
        batch.drop_constraint("ck_holds_status_known", type_="check")
    with op.batch_alter_table("ledger_entries") as batch:
        batch.drop_constraint("ck_ledger_entries_kind_known", type_="check")
