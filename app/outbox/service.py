"""The outbox: calls to Saleor written with the change that needs them, sent after commit by the worker.

A Saleor outage therefore never fails or slows a webhook or a storefront request; the worker retries
with backoff. Messages are claimed with a short lease (not a lock held across the HTTP call), so any
number of workers cooperate and a crashed worker's message is picked up when its lease ends.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import Database, dialect_insert, utcnow
from app.errors import PermanentFailure
from app.metrics import OUTBOX_SENT
from app.outbox.models import OutboxMessage

log = structlog.get_logger(__name__)

LEASE = timedelta(seconds=60)
PENDING_WHERE = sa.text("sent_at IS NULL AND failed_at IS NULL")


def _coalescing_insert(session: AsyncSession, rows: list[dict[str, Any]]) -> Any:
    """INSERT of messages that coalesce with an unsent one of the same key (one per key waits)."""
    statement = dialect_insert(session)(OutboxMessage).values(rows)
    return statement.on_conflict_do_update(
        index_elements=["installation_id", "dedupe_key"],
        index_where=PENDING_WHERE,
        # Bare columns here are the waiting row's: an unclaimed one simply absorbs the new message; one
        # a worker is sending right now is marked to be sent again (its content may be stale).
        set_={"requeue": sa.case((OutboxMessage.claimed_at.is_not(None), True), else_=OutboxMessage.requeue)},
    )


def _row(installation_id: int, kind: str, dedupe_key: str, payload: dict[str, Any]) -> dict[str, Any]:
    now = utcnow()
    return {
        "installation_id": installation_id,
        "kind": kind,
        "dedupe_key": dedupe_key,
        "payload": payload,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "requeue": False,
    }


async def enqueue(
    session: AsyncSession, installation_id: int, *, kind: str, dedupe_key: str, payload: dict[str, Any]
) -> None:
    """Queue a message unless an unsent one with the same key is already waiting."""
    await session.execute(_coalescing_insert(session, [_row(installation_id, kind, dedupe_key, payload)]))


@dataclass(frozen=True)
class Message:
    installation_id: int
    kind: str
    dedupe_key: str
    payload: dict[str, Any]


async def enqueue_many(session: AsyncSession, messages: list[Message]) -> None:
    """Queue many messages in one statement (the same key twice counts once)."""
    unique = {(m.installation_id, m.dedupe_key): m for m in messages}
    if not unique:
        return
    rows = [_row(m.installation_id, m.kind, m.dedupe_key, m.payload) for m in unique.values()]
    await session.execute(_coalescing_insert(session, rows))


@dataclass(frozen=True)
class Claimed:
    id: int
    installation_id: int
    kind: str
    payload: dict[str, Any]
    attempts: int


async def _claim(database: Database, now: datetime, limit: int) -> list[Claimed]:
    async with database.transaction() as session:
        rows = list(
            (
                await session.execute(
                    sa.select(OutboxMessage)
                    .where(
                        OutboxMessage.sent_at.is_(None),
                        OutboxMessage.failed_at.is_(None),
                        OutboxMessage.next_attempt_at <= now,
                    )
                    .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                    .limit(limit)
                    .with_for_update(skip_locked=True)
                )
            ).scalars()
        )
        for row in rows:
            row.attempts += 1
            row.next_attempt_at = now + LEASE
            row.claimed_at = now
            row.requeue = False
        return [Claimed(r.id, r.installation_id, r.kind, dict(r.payload), r.attempts) for r in rows]


# What the worker does with one kind of message; raising PermanentFailure stops the retries.
Handler = Callable[[Claimed, datetime], Awaitable[None]]


@dataclass
class DrainResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600, 5 * 2 ** (attempts - 1)))


async def drain_once(
    database: Database,
    handlers: Mapping[str, Handler],
    *,
    limit: int = 50,
    max_attempts: int = 10,
) -> DrainResult:
    now = utcnow()
    result = DrainResult()
    for message in await _claim(database, now, limit):
        handler = handlers.get(message.kind)
        outcome = "sent"
        error: str | None = None
        try:
            if handler is None:
                raise PermanentFailure(f"unknown outbox message kind {message.kind}")
            await handler(message, now)
        except PermanentFailure as exc:
            outcome, error = "failed", str(exc)
        except Exception as exc:  # every other failure (Saleor down, timeouts) is worth a retry
            outcome = "failed" if message.attempts >= max_attempts else "retry"
            error = f"{type(exc).__name__}: {exc}"[:500]
        async with database.transaction() as session:
            row = (
                await session.execute(
                    sa.select(OutboxMessage).where(OutboxMessage.id == message.id).with_for_update()
                )
            ).scalar_one_or_none()
            if row is None:
                continue
            finished = utcnow()
            row.claimed_at = None
            if outcome == "sent" and row.requeue:
                row.requeue = False
                row.next_attempt_at = finished
                result.retried += 1
            elif outcome == "sent":
                row.sent_at = finished
                row.last_error = None
                result.sent += 1
            elif outcome == "failed":
                row.failed_at = finished
                row.last_error = error
                result.failed += 1
            else:
                row.next_attempt_at = finished + _backoff(message.attempts)
                row.last_error = error
                result.retried += 1
        OUTBOX_SENT.labels(message.kind, outcome).inc()
        if outcome != "sent":
            log.warning(
                "outbox_message_not_sent", id=message.id, kind=message.kind, outcome=outcome, error=error
            )
    return result
