"""outbox dead letters and per-message leases; holds remember when their voucher was confirmed gone

Revision ID: 8e4a1f27c6d3
Revises: 3b7d2c91a4e0
Create Date: 2026-12-02 10:00:00.000000

- outbox.failed_at becomes dead_at, with dead_reason: only a failure retrying cannot help makes a dead
  letter now; transient failures are retried for as long as it takes. Messages the old worker gave up on
  after OUTBOX_MAX_ATTEMPTS transient failures are put back in the queue (unless a message with the same
  key is already waiting, which does the same work); the others stay dead letters, shown and retryable.
- outbox.claimed_by: the claim holding a message's lease.
- holds.voucher_gone_at: when Saleor confirmed the hold's voucher gone. Holds whose voucher was deleted by
  id through the outbox get the time it was sent; the others are checked once by the sweep.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "8e4a1f27c6d3"
down_revision: str | None = "3b7d2c91a4e0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out rather than imported: a migration keeps the values it was written with.
OLD_PENDING = "sent_at IS NULL AND failed_at IS NULL"
PENDING = "sent_at IS NULL AND dead_at IS NULL"
DEAD = "dead_at IS NOT NULL AND sent_at IS NULL"
UNCONFIRMED = "voucher_code_hash IS NOT NULL AND voucher_gone_at IS NULL"
ENDED = ("committed", "released", "returned")
DELETE_VOUCHER = "delete_voucher"
VOUCHER_KEY = re.compile(r"^hold:(\d+):voucher$")
# The old worker stored a transient failure as "ExceptionName: message" and a permanent one as the bare
# message ("Saleor refused …", "member has no Saleor customer …", "installation 3 is not active").
TRANSIENT_ERROR = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*: ")

outbox = sa.table(
    "outbox",
    sa.column("id", sa.BigInteger()),
    sa.column("installation_id", sa.BigInteger()),
    sa.column("kind", sa.String()),
    sa.column("dedupe_key", sa.String()),
    sa.column("attempts", sa.Integer()),
    sa.column("next_attempt_at", app.db.UTCDateTime(timezone=True)),
    sa.column("last_error", sa.String()),
    sa.column("sent_at", app.db.UTCDateTime(timezone=True)),
    sa.column("dead_at", app.db.UTCDateTime(timezone=True)),
    sa.column("dead_reason", sa.String()),
)
holds = sa.table(
    "holds",
    sa.column("id", sa.BigInteger()),
    sa.column("installation_id", sa.BigInteger()),
    sa.column("status", sa.String()),
    sa.column("voucher_id", sa.String()),
    sa.column("voucher_gone_at", app.db.UTCDateTime(timezone=True)),
)


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_outbox_pending_dedupe",
            postgresql_where=sa.text(OLD_PENDING),
            sqlite_where=sa.text(OLD_PENDING),
        )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column(
            "failed_at",
            new_column_name="dead_at",
            existing_nullable=True,
        )
        batch_op.add_column(sa.Column("dead_reason", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=64), nullable=True))

    connection = op.get_bind()
    connection.execute(outbox.update().where(sa.text(DEAD)).values(dead_reason=outbox.c.last_error))
    _requeue_transient_give_ups(connection)

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(
            "uq_outbox_pending_dedupe",
            ["installation_id", "dedupe_key"],
            unique=True,
            postgresql_where=sa.text(PENDING),
            sqlite_where=sa.text(PENDING),
        )
        batch_op.create_index(
            "ix_outbox_dead_letters",
            ["installation_id", "dedupe_key"],
            unique=False,
            postgresql_where=sa.text(DEAD),
            sqlite_where=sa.text(DEAD),
        )

    with op.batch_alter_table("holds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("voucher_gone_at", app.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(
            "ix_holds_voucher_unconfirmed",
            ["installation_id", "id"],
            unique=False,
            postgresql_where=sa.text(UNCONFIRMED),
            sqlite_where=sa.text(UNCONFIRMED),
        )
    _backfill_vouchers_gone(connection)


def _requeue_transient_give_ups(connection: sa.Connection) -> None:
    """The newest give-up per key goes back in the queue, due now, unless its key already has a pending
    message; older ones of the same key stay dead letters until that one is sent (which resolves them)."""
    waiting = {
        (row.installation_id, row.dedupe_key)
        for row in connection.execute(
            sa.select(outbox.c.installation_id, outbox.c.dedupe_key).where(sa.text(PENDING))
        )
    }
    dead = connection.execute(
        sa.select(outbox.c.id, outbox.c.installation_id, outbox.c.dedupe_key, outbox.c.last_error)
        .where(sa.text(DEAD))
        .order_by(outbox.c.id.desc())
    ).all()
    now = datetime.now(UTC)
    for row in dead:
        key = (row.installation_id, row.dedupe_key)
        if key in waiting or not TRANSIENT_ERROR.match(row.last_error or ""):
            continue
        waiting.add(key)
        connection.execute(
            outbox.update()
            .where(outbox.c.id == row.id)
            .values(dead_at=None, dead_reason=None, attempts=0, next_attempt_at=now)
        )


def _backfill_vouchers_gone(connection: sa.Connection) -> None:
    """Ended holds whose voucher the outbox deleted by id (a sent delete_voucher message, the id known)."""
    sent = connection.execute(
        sa.select(outbox.c.installation_id, outbox.c.dedupe_key, outbox.c.sent_at).where(
            outbox.c.kind == DELETE_VOUCHER, outbox.c.sent_at.is_not(None)
        )
    )
    gone: list[dict[str, object]] = []
    for row in sent:
        match = VOUCHER_KEY.match(row.dedupe_key)
        if match is not None:
            gone.append({"hold": int(match.group(1)), "installation": row.installation_id, "at": row.sent_at})
    update = (
        holds.update()
        .where(
            holds.c.id == sa.bindparam("hold"),
            holds.c.installation_id == sa.bindparam("installation"),
            holds.c.voucher_id.is_not(None),
            holds.c.voucher_gone_at.is_(None),
            sa.text(f"status IN ({', '.join(repr(status) for status in ENDED)})"),
        )
        .values(voucher_gone_at=sa.bindparam("at", type_=app.db.UTCDateTime(timezone=True)))
    )
    for start in range(0, len(gone), 1000):
        connection.execute(update, gone[start : start + 1000])


def downgrade() -> None:
    with op.batch_alter_table("holds", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_holds_voucher_unconfirmed",
            postgresql_where=sa.text(UNCONFIRMED),
            sqlite_where=sa.text(UNCONFIRMED),
        )
        batch_op.drop_column("voucher_gone_at")

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_outbox_dead_letters", postgresql_where=sa.text(DEAD), sqlite_where=sa.text(DEAD)
        )
        batch_op.drop_index(
            "uq_outbox_pending_dedupe", postgresql_where=sa.text(PENDING), sqlite_where=sa.text(PENDING)
        )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("claimed_by")
        batch_op.drop_column("dead_reason")
        batch_op.alter_column(
            "dead_at",
            new_column_name="failed_at",
            existing_nullable=True,
        )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(
            "uq_outbox_pending_dedupe",
            ["installation_id", "dedupe_key"],
            unique=True,
            postgresql_where=sa.text(OLD_PENDING),
            sqlite_where=sa.text(OLD_PENDING),
        )
