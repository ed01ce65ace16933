"""The outbox: calls to Saleor written with the change that needs them, sent after commit by the worker.

A Saleor outage therefore never fails or slows a webhook or a storefront request; the worker retries
with capped exponential backoff for as long as it takes. Only a failure that retrying cannot help (a
`PermanentFailure`: customer gone, app uninstalled, Saleor refused the data) turns a message into a dead
letter, which is kept, counted and shown until staff retry it. Nothing accepted is dropped.

Workers claim one message at a time (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite has one writer)
and hold a lease on it while they send it, renewed every third of its length; a worker that cannot renew
stops sending before its lease ends. So any number of workers cooperate, a message being sent is never
claimable by another, and a crashed worker's message is picked up when its lease ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

import sqlalchemy as sa
import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.db import Database, dialect_insert, utcnow
from app.errors import PermanentFailure
from app.metrics import OUTBOX_DEAD_LETTERS, OUTBOX_PENDING, OUTBOX_SENT, OUTBOX_STUCK
from app.outbox.models import DEAD, PENDING, OutboxMessage

log = structlog.get_logger(__name__)

# How long a claim lasts without renewal; the sender renews it every third of that while it sends.
LEASE = timedelta(seconds=60)
# The waits between attempts double from 5 seconds up to this, then stay there (for as long as it takes).
MAX_BACKOFF = timedelta(hours=1)
# A send still running after this long is abandoned (and retried later): a handler must not hold a
# message forever by renewing its lease.
MAX_SEND = timedelta(minutes=10)
PENDING_WHERE = sa.text(PENDING)
_WORKER = f"{socket.gethostname()[:32]}:{os.getpid()}"


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


# --- sending ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claimed:
    """A message a worker holds the lease on; what a handler is given."""

    id: int
    installation_id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    dedupe_key: str = ""
    token: str = field(default="", repr=False)  # this claim's; only its holder renews or finishes it


# What the worker does with one kind of message; raising PermanentFailure makes it a dead letter, any
# other exception a retry after the backoff.
Handler = Callable[[Claimed, datetime], Awaitable[None]]


class LeaseLost(Exception):
    """The worker could not renew its lease on a message, so it stopped sending it: past the lease
    another worker may claim it, and a message must never be sent by two workers at once."""


@dataclass
class DrainResult:
    sent: int = 0
    retried: int = 0
    dead: int = 0  # became dead letters
    stuck: int = 0  # of the retried: failing for OUTBOX_MAX_ATTEMPTS attempts or more (still retried)

    @property
    def worked(self) -> bool:
        return bool(self.sent or self.retried or self.dead)


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: 5 s, 10 s, 20 s, … capped at MAX_BACKOFF."""
    seconds = 5 * 2 ** min(max(attempts - 1, 0), 20)
    return min(timedelta(seconds=seconds), MAX_BACKOFF)


def _due(now: datetime) -> sa.ColumnElement[bool]:
    # A message a worker holds is not due until its lease ends (next_attempt_at is the lease's end).
    return sa.and_(
        OutboxMessage.sent_at.is_(None), OutboxMessage.dead_at.is_(None), OutboxMessage.next_attempt_at <= now
    )


async def claim_next(database: Database, *, lease: timedelta = LEASE) -> Claimed | None:
    """Claim the message due first, if any, with a lease of its own (one transaction)."""
    token = f"{_WORKER}:{uuid.uuid4().hex[:12]}"
    now = utcnow()
    async with database.transaction() as session:
        row = (
            await session.execute(
                sa.select(OutboxMessage)
                .where(_due(now))
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
        ).scalar_one_or_none()
        if row is None:
            return None
        row.attempts += 1
        row.next_attempt_at = now + lease
        row.claimed_at = now
        row.claimed_by = token
        row.requeue = False
        return Claimed(
            row.id, row.installation_id, row.kind, dict(row.payload), row.attempts, row.dedupe_key, token
        )


async def renew_lease(database: Database, message: Claimed, *, lease: timedelta = LEASE) -> bool:
    """Extend the lease this claim holds; False when it no longer holds it."""
    async with database.transaction() as session:
        renewed = (
            await session.execute(
                sa.update(OutboxMessage)
                .where(
                    OutboxMessage.id == message.id,
                    OutboxMessage.claimed_by == message.token,
                    OutboxMessage.sent_at.is_(None),
                    OutboxMessage.dead_at.is_(None),
                )
                .values(next_attempt_at=utcnow() + lease)
                .returning(OutboxMessage.id)
            )
        ).scalar_one_or_none()
    return renewed is not None


async def _send_under_lease(
    database: Database,
    message: Claimed,
    handler: Handler,
    now: datetime,
    *,
    lease: timedelta,
    held_since: float,
    max_send: timedelta,
) -> None:
    """Run the handler while renewing the lease; stop it (LeaseLost) before the lease could end unrenewed.

    `held_since` is the loop time taken before the claim computed its lease end, so the lease is known
    to last at least until held_since + lease."""
    loop = asyncio.get_running_loop()
    length = lease.total_seconds()
    margin = length / 6  # stop this long before the lease would end
    held_until = held_since + length
    give_up_at = loop.time() + max_send.total_seconds()
    task = asyncio.ensure_future(handler(message, now))
    try:
        while True:
            wait = min(length / 3, max(held_until - margin - loop.time(), 0), give_up_at - loop.time())
            done, _ = await asyncio.wait({task}, timeout=max(wait, 0))
            if task in done:
                task.result()  # the handler's own exception, if it raised
                return
            if loop.time() >= give_up_at:
                raise TimeoutError(f"sending took longer than {max_send}; abandoned, to be tried again")
            started = loop.time()
            renewed = False
            try:
                async with asyncio.timeout(max(held_until - margin - started, 0.001)):
                    renewed = await renew_lease(database, message, lease=lease)
            except Exception as exc:  # a database blip: keep sending while the lease lasts
                log.warning("outbox_lease_not_renewed", id=message.id, error=type(exc).__name__)
            else:
                if not renewed:
                    raise LeaseLost(f"message {message.id} is no longer held by this worker")
                held_until = started + length
            if loop.time() >= held_until - margin and not task.done():
                raise LeaseLost(f"the lease on message {message.id} could not be renewed in time")
    finally:
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


Outcome = Literal["sent", "retry", "dead"]


async def _finish(
    database: Database,
    message: Claimed,
    outcome: Outcome,
    error: str | None,
    result: DrainResult,
    stuck: bool,
) -> bool:
    """Record what happened, if this claim still holds the message (False when another worker took it)."""
    async with database.transaction() as session:
        row = (
            await session.execute(
                sa.select(OutboxMessage).where(OutboxMessage.id == message.id).with_for_update()
            )
        ).scalar_one_or_none()
        if row is None or row.claimed_by != message.token:
            log.warning("outbox_lease_lost", id=message.id, kind=message.kind)
            return False
        finished = utcnow()
        row.claimed_at = None
        row.claimed_by = None
        if outcome == "sent" and row.requeue:
            # Something changed while it was on its way: send once more, with what is current now.
            row.requeue = False
            row.next_attempt_at = finished
            result.retried += 1
        elif outcome == "sent":
            row.sent_at = finished
            row.last_error = None
            await _resolve_dead_letters(session, row, finished)
            result.sent += 1
        elif outcome == "dead":
            row.dead_at = finished
            row.dead_reason = error
            row.last_error = error
            result.dead += 1
        else:
            row.next_attempt_at = finished + backoff(row.attempts)
            row.last_error = error
            result.retried += 1
            result.stuck += stuck
    return True


async def _resolve_dead_letters(session: AsyncSession, sent: OutboxMessage, at: datetime) -> None:
    """Dead letters of the key a message was just sent for: that message did their work (the same key is
    the same work, which is why messages coalesce), so they are done too."""
    resolved = (
        await session.execute(
            sa.update(OutboxMessage)
            .where(
                OutboxMessage.installation_id == sent.installation_id,
                OutboxMessage.dedupe_key == sent.dedupe_key,
                OutboxMessage.id != sent.id,
                sa.text(DEAD),
            )
            .values(sent_at=at)
            .returning(OutboxMessage.id)
        )
    ).scalars()
    ids = list(resolved)
    if ids:
        log.info("outbox_dead_letters_resolved", ids=ids, by=sent.id, kind=sent.kind)


async def drain_once(
    database: Database,
    handlers: Mapping[str, Handler],
    *,
    limit: int = 50,
    stuck_after: int = 10,
    lease: timedelta = LEASE,
    max_send: timedelta = MAX_SEND,
) -> DrainResult:
    """Send up to `limit` due messages, one claim at a time, each under its own lease."""
    loop = asyncio.get_running_loop()
    result = DrainResult()
    for _ in range(limit):
        held_since = loop.time()
        message = await claim_next(database, lease=lease)
        if message is None:
            break
        now = utcnow()
        outcome: Outcome = "sent"
        error: str | None = None
        handler = handlers.get(message.kind)
        try:
            if handler is None:
                # Not a dead letter: a newer worker (a rolling upgrade) may know this kind.
                raise LookupError(f"this worker has no handler for outbox messages of kind {message.kind}")
            await _send_under_lease(
                database, message, handler, now, lease=lease, held_since=held_since, max_send=max_send
            )
        except PermanentFailure as exc:
            outcome, error = "dead", (str(exc) or type(exc).__name__)[:500]
        except Exception as exc:  # every other failure (Saleor down, timeouts) is worth a retry
            outcome, error = "retry", f"{type(exc).__name__}: {exc}"[:500]
        stuck = outcome == "retry" and message.attempts >= stuck_after
        if not await _finish(database, message, outcome, error, result, stuck):
            OUTBOX_SENT.labels(message.kind, "lease_lost").inc()
            continue
        OUTBOX_SENT.labels(message.kind, outcome).inc()
        if outcome == "dead":
            log.error("outbox_dead_letter", id=message.id, kind=message.kind, error=error)
        elif stuck:
            log.error(
                "outbox_message_stuck",
                id=message.id,
                kind=message.kind,
                attempts=message.attempts,
                error=error,
            )
        elif outcome == "retry":
            log.warning("outbox_message_not_sent", id=message.id, kind=message.kind, error=error)
    return result


# --- dead letters: listing and retrying -------------------------------------------------------------


@dataclass(frozen=True)
class DeadLetter:
    id: int
    installation_id: int
    kind: str
    dedupe_key: str
    payload: dict[str, Any]
    attempts: int
    created_at: datetime
    dead_at: datetime
    reason: str | None
    # A pending message with the same key (the same work) waiting or being sent: this one is resolved
    # when that one is sent.
    queued_as: int | None


@dataclass(frozen=True)
class Stuck:
    id: int
    installation_id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    last_error: str | None


def _twin_id() -> sa.ScalarSelect[int]:
    twin = aliased(OutboxMessage)
    return (
        sa.select(twin.id)
        .where(
            twin.installation_id == OutboxMessage.installation_id,
            twin.dedupe_key == OutboxMessage.dedupe_key,
            twin.sent_at.is_(None),
            twin.dead_at.is_(None),
        )
        .limit(1)
        .scalar_subquery()
    )


def _dead_where(installation_id: int | None) -> list[sa.ColumnElement[bool]]:
    where: list[sa.ColumnElement[bool]] = [
        OutboxMessage.dead_at.is_not(None),
        OutboxMessage.sent_at.is_(None),
    ]
    if installation_id is not None:
        where.append(OutboxMessage.installation_id == installation_id)
    return where


async def count_dead_letters(session: AsyncSession, installation_id: int | None) -> int:
    query = sa.select(sa.func.count(OutboxMessage.id)).where(*_dead_where(installation_id))
    return int((await session.execute(query)).scalar_one())


async def dead_letters(
    session: AsyncSession, installation_id: int | None, *, limit: int = 100
) -> list[DeadLetter]:
    """The newest dead letters first."""
    rows = await session.execute(
        sa.select(OutboxMessage, _twin_id())
        .where(*_dead_where(installation_id))
        .order_by(OutboxMessage.dead_at.desc(), OutboxMessage.id.desc())
        .limit(limit)
    )
    return [
        DeadLetter(
            id=row.id,
            installation_id=row.installation_id,
            kind=row.kind,
            dedupe_key=row.dedupe_key,
            payload=dict(row.payload),
            attempts=row.attempts,
            created_at=row.created_at,
            dead_at=row.dead_at or row.created_at,
            reason=row.dead_reason or row.last_error,
            queued_as=twin,
        )
        for row, twin in rows.all()
    ]


def _stuck_where(installation_id: int | None, stuck_after: int) -> list[sa.ColumnElement[bool]]:
    where: list[sa.ColumnElement[bool]] = [
        OutboxMessage.sent_at.is_(None),
        OutboxMessage.dead_at.is_(None),
        OutboxMessage.attempts >= stuck_after,
    ]
    if installation_id is not None:
        where.append(OutboxMessage.installation_id == installation_id)
    return where


async def count_stuck(session: AsyncSession, installation_id: int | None, *, stuck_after: int) -> int:
    query = sa.select(sa.func.count(OutboxMessage.id)).where(*_stuck_where(installation_id, stuck_after))
    return int((await session.execute(query)).scalar_one())


async def stuck_messages(
    session: AsyncSession, installation_id: int | None, *, stuck_after: int, limit: int = 100
) -> list[Stuck]:
    """Messages still being retried after `stuck_after` attempts or more, the longest-failing first."""
    rows = await session.execute(
        sa.select(OutboxMessage)
        .where(*_stuck_where(installation_id, stuck_after))
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
        .limit(limit)
    )
    return [
        Stuck(
            id=row.id,
            installation_id=row.installation_id,
            kind=row.kind,
            payload=dict(row.payload),
            attempts=row.attempts,
            created_at=row.created_at,
            next_attempt_at=row.next_attempt_at,
            last_error=row.last_error,
        )
        for row in rows.scalars()
    ]


RetryOutcome = Literal["requeued", "merged", "not_dead", "not_found"]


@dataclass(frozen=True)
class RetryResult:
    id: int
    outcome: RetryOutcome
    kind: str | None = None
    installation_id: int | None = None
    queued_as: int | None = None  # "merged": the pending message that now carries its work

    @property
    def ok(self) -> bool:
        return self.outcome in ("requeued", "merged")

    def line(self) -> str:
        """One line for the command line."""
        subject = f"message {self.id}"
        if self.kind is not None:
            subject += f" ({self.kind}, installation {self.installation_id})"
        if self.outcome == "requeued":
            return f"{subject}: requeued"
        if self.outcome == "merged":
            return f"{subject}: merged into pending message {self.queued_as} (the same work, queued again)"
        if self.outcome == "not_dead":
            return f"{subject}: not a dead letter (pending or sent); nothing to do"
        return f"{subject}: no such message"


async def _pending_twin(session: AsyncSession, row: OutboxMessage) -> OutboxMessage | None:
    return (
        await session.execute(
            sa.select(OutboxMessage)
            .where(
                OutboxMessage.installation_id == row.installation_id,
                OutboxMessage.dedupe_key == row.dedupe_key,
                PENDING_WHERE,
            )
            .with_for_update()
        )
    ).scalar_one_or_none()


def _merge_into(twin: OutboxMessage, now: datetime) -> None:
    if twin.claimed_at is None:
        twin.next_attempt_at = min(twin.next_attempt_at, now)  # due now, as a fresh message would be
    else:
        twin.requeue = True  # being sent right now: send once more afterwards


async def retry_dead_letter(
    session: AsyncSession, message_id: int, *, installation_id: int | None = None
) -> RetryResult:
    """Put a dead letter back into the normal flow: due now with a fresh count of attempts, or, when a
    message with the same key is already pending (the same work), merged into that one (made due now),
    and resolved when it is sent. `installation_id` limits it to one store's messages."""
    query = sa.select(OutboxMessage).where(OutboxMessage.id == message_id).with_for_update()
    if installation_id is not None:
        query = query.where(OutboxMessage.installation_id == installation_id)
    row = (await session.execute(query)).scalar_one_or_none()
    if row is None:
        return RetryResult(message_id, "not_found")
    found = RetryResult(message_id, "not_dead", row.kind, row.installation_id)
    if row.dead_at is None or row.sent_at is not None:
        return found
    now = utcnow()
    for _ in range(2):
        twin = await _pending_twin(session, row)
        if twin is not None:
            _merge_into(twin, now)
            log.info("outbox_dead_letter_merged", id=row.id, into=twin.id, kind=row.kind)
            return RetryResult(row.id, "merged", row.kind, row.installation_id, twin.id)
        try:
            async with session.begin_nested():
                row.dead_at = None
                row.dead_reason = None
                row.attempts = 0
                row.next_attempt_at = now
                row.claimed_at = None
                row.claimed_by = None
                row.requeue = False
        except IntegrityError:
            # A message with the same key was queued meanwhile (PostgreSQL): merge into that one.
            await session.refresh(row)
            continue
        log.info("outbox_dead_letter_requeued", id=row.id, kind=row.kind)
        return RetryResult(row.id, "requeued", row.kind, row.installation_id)
    raise RuntimeError(f"could not retry outbox message {message_id}")  # pragma: no cover


async def retry_dead_letters(
    database: Database,
    *,
    ids: Sequence[int] | None = None,
    installation_id: int | None = None,
    batch_size: int = 100,
    progress: Callable[[int], None] | None = None,
) -> list[RetryResult]:
    """Retry the given dead letters, or every one (of one store, if given), each in its own transaction,
    reporting progress batch by batch."""
    results: list[RetryResult] = []
    if ids is not None:
        for message_id in ids:
            async with database.transaction() as session:
                results.append(await retry_dead_letter(session, message_id, installation_id=installation_id))
        return results
    after = 0
    while True:
        async with database.transaction() as session:
            batch = list(
                (
                    await session.execute(
                        sa.select(OutboxMessage.id)
                        .where(*_dead_where(installation_id), OutboxMessage.id > after)
                        .order_by(OutboxMessage.id)
                        .limit(batch_size)
                    )
                ).scalars()
            )
        if not batch:
            return results
        for message_id in batch:
            async with database.transaction() as session:
                results.append(await retry_dead_letter(session, message_id, installation_id=installation_id))
        after = batch[-1]
        if progress is not None:
            progress(len(batch))


# --- metrics ----------------------------------------------------------------------------------------

_kinds_seen: set[str] = set()


async def refresh_gauges(session: AsyncSession, *, stuck_after: int, kinds: Sequence[str] = ()) -> None:
    """Set the outbox gauges from the table (all stores): dead letters, pending and stuck messages per
    kind. The `kinds` given, and kinds seen before, read 0 when absent rather than disappearing."""
    counts = await session.execute(
        sa.select(
            OutboxMessage.kind,
            sa.func.sum(sa.case((OutboxMessage.dead_at.is_not(None), 1), else_=0)),
            sa.func.sum(sa.case((OutboxMessage.dead_at.is_(None), 1), else_=0)),
            sa.func.sum(
                sa.case(
                    (sa.and_(OutboxMessage.dead_at.is_(None), OutboxMessage.attempts >= stuck_after), 1),
                    else_=0,
                )
            ),
        )
        .where(OutboxMessage.sent_at.is_(None))
        .group_by(OutboxMessage.kind)
    )
    found = {
        kind: (int(dead or 0), int(pending or 0), int(stuck or 0)) for kind, dead, pending, stuck in counts
    }
    _kinds_seen.update(found, kinds)
    for kind in _kinds_seen:
        dead, pending, stuck = found.get(kind, (0, 0, 0))
        OUTBOX_DEAD_LETTERS.labels(kind).set(dead)
        OUTBOX_PENDING.labels(kind).set(pending)
        OUTBOX_STUCK.labels(kind).set(stuck)
