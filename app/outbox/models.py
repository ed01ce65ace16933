from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, BigId, InstallationScoped, UTCDateTime, utcnow


class OutboxMessage(InstallationScoped, Base):
    """Work for Saleor written in the same transaction as the change that needs it."""

    __tablename__ = "outbox"
    __table_args__ = (
        # At most one unsent message per (installation, dedupe key): repeated balance changes of one
        # member coalesce into a single metadata write that sends the latest balance.
        sa.Index(
            "uq_outbox_pending_dedupe",
            "installation_id",
            "dedupe_key",
            unique=True,
            postgresql_where=sa.text("sent_at IS NULL AND failed_at IS NULL"),
            sqlite_where=sa.text("sent_at IS NULL AND failed_at IS NULL"),
        ),
        sa.Index("ix_outbox_due", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    dedupe_key: Mapped[str] = mapped_column(sa.String(255))
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    # Set while a worker is sending it. A change queued meanwhile cannot coalesce into what is already
    # on its way, so it sets `requeue` and the worker sends once more instead of marking it sent.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    requeue: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
