"""The outbox: work for Saleor (and later, the shop's systems) written in the same transaction as the
change that needs it, and sent after commit by the worker. Handlers are registered from above."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, BigId, InstallationScoped, UTCDateTime, utcnow

# A message is in exactly one of three states:
#   pending  sent_at IS NULL AND dead_at IS NULL   (waiting, backing off, or being sent right now)
#   sent     sent_at IS NOT NULL                   (also: a dead letter whose work a later message did)
#   dead     dead_at IS NOT NULL AND sent_at IS NULL  (a dead letter: retrying cannot help; staff retry)
PENDING = "sent_at IS NULL AND dead_at IS NULL"
DEAD = "dead_at IS NOT NULL AND sent_at IS NULL"


class OutboxMessage(InstallationScoped, Base):
    """Work for Saleor written in the same transaction as the change that needs it."""

    __tablename__ = "outbox"
    __table_args__ = (
        # At most one unsent message per (installation, dedupe key): repeated balance changes of one
        # member coalesce into a single metadata write that sends the latest balance. A dead letter is
        # outside it, so it never blocks new work for its key.
        sa.Index(
            "uq_outbox_pending_dedupe",
            "installation_id",
            "dedupe_key",
            unique=True,
            postgresql_where=sa.text(PENDING),
            sqlite_where=sa.text(PENDING),
        ),
        sa.Index("ix_outbox_due", "next_attempt_at"),
        # Dead letters by store (the Loyalty tab, `lojal outbox retry`) and by key (resolved when a
        # later message with the same key is sent).
        sa.Index(
            "ix_outbox_dead_letters",
            "installation_id",
            "dedupe_key",
            postgresql_where=sa.text(DEAD),
            sqlite_where=sa.text(DEAD),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    dedupe_key: Mapped[str] = mapped_column(sa.String(255))
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # Attempts since it was queued (or last retried by staff); past OUTBOX_MAX_ATTEMPTS it is "stuck":
    # reported, and still retried (at most hourly).
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    # When it is due; while a worker holds it, the end of that worker's lease (renewed while it sends).
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    # Set while a worker is sending it. A change queued meanwhile cannot coalesce into what is already
    # on its way, so it sets `requeue` and the worker sends once more instead of marking it sent.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Which claim holds the lease (a fresh token per claim): only its holder renews or finishes it.
    claimed_by: Mapped[str | None] = mapped_column(sa.String(64))
    requeue: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A dead letter: a failure retrying cannot help (customer gone, app uninstalled, Saleor refused the
    # data). Kept, counted in /metrics and shown in the Loyalty tab until staff retry it.
    dead_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dead_reason: Mapped[str | None] = mapped_column(sa.String(500))
