"""The data-size check: seed a large ledger directly, then time the doctor and the maturing job on it.

Seeded rows obey the ledger's invariant (each member's cached balances equal the sums of its entries),
so the doctor must report nothing, both before and after maturing moves half the points.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from app import clock
from app.analytics.service import compute_kpis
from app.db import Database
from app.installations.models import Installation
from app.jobs.doctor import find_problems
from app.jobs.worker import mature_points
from app.ledger.models import LedgerEntry, Member
from bench.progress import say

BATCH_ROWS = 10_000
HOLD = timedelta(days=14)
TRAVEL = timedelta(days=15)  # past every seeded hold, so every pending entry matures
SEED_USER_PREFIX = "bench-seed-"


class LedgerCheckFailed(Exception):
    """The doctor found drift in balances the benchmark seeded consistently (or the app wrote)."""


@dataclass(frozen=True)
class Timed:
    seconds: float
    rows: int

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {"seconds": round(self.seconds, 3), "rows": self.rows, "rows_per_s": round(self.rows_per_s)}


@dataclass(frozen=True)
class LedgerResult:
    members: int
    entries: int  # all ledger entries in the database (seeded plus those the webhooks wrote)
    pending_entries: int  # entries still on hold before the clock moved: what mature_points matures
    seed: Timed
    doctor: Timed
    mature: Timed
    members_matured: int
    doctor_after_mature: Timed
    kpis: Timed  # the Loyalty tab's overview over 90 days

    def as_dict(self) -> dict[str, Any]:
        return {
            "members": self.members,
            "entries": self.entries,
            "pending_entries": self.pending_entries,
            "members_matured": self.members_matured,
            "seed": self.seed.as_dict(),
            "find_problems": self.doctor.as_dict(),
            "mature_points": self.mature.as_dict(),
            "find_problems_after_mature": self.doctor_after_mature.as_dict(),
            "kpis_90_days": self.kpis.as_dict(),
        }


def _entry_points(member_index: int, entry_index: int) -> int:
    return 5 + (member_index * 31 + entry_index * 7) % 95


def _is_pending(entry_index: int) -> bool:
    return entry_index % 2 == 1


def _available_at(now: datetime, entry_index: int) -> datetime:
    if _is_pending(entry_index):
        return now + HOLD - timedelta(hours=entry_index)  # matures within TRAVEL
    return now - timedelta(days=1 + entry_index)  # already spendable when the caches were written


def _member_row(installation_id: int, index: int, per_member: int, now: datetime) -> dict[str, Any]:
    points = [_entry_points(index, j) for j in range(per_member)]
    pending = sum(p for j, p in enumerate(points) if _is_pending(j))
    return {
        "installation_id": installation_id,
        "saleor_user_id": f"{SEED_USER_PREFIX}{index}",
        "email": f"seed{index}@bench.example",
        "joined_at": now - timedelta(days=400),
        "enrolled_at": now - timedelta(days=400),
        "points_available": sum(points) - pending,
        "points_pending": pending,
        "points_held": 0,
        "points_earned_lifetime": sum(points),
        "points_redeemed_lifetime": 0,
        "balances_at": now,
        "updated_at": now,
    }


def _entry_rows(
    installation_id: int, member_id: int, index: int, per_member: int, now: datetime
) -> list[dict[str, Any]]:
    rows = []
    for j in range(per_member):
        available_at = _available_at(now, j)
        rows.append(
            {
                "installation_id": installation_id,
                "member_id": member_id,
                "kind": "earn",
                "points": _entry_points(index, j),
                "available_at": available_at,
                "created_at": min(available_at - HOLD, now),
                "source_type": "order",
                "source_id": f"seed-order-{index}-{j}",
                "idempotency_key": f"seed:{index}:{j}",
                "explanation": {},
            }
        )
    return rows


async def _installation_id(database: Database) -> int:
    async with database.engine.connect() as connection:
        return int((await connection.execute(sa.select(sa.func.min(Installation.id)))).scalar_one())


async def _insert_batches(database: Database, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), BATCH_ROWS):
        async with database.engine.begin() as connection:
            await connection.execute(sa.insert(table), rows[start : start + BATCH_ROWS])


async def _seeded_member_ids(database: Database) -> dict[str, int]:
    query = sa.select(Member.saleor_user_id, Member.id).where(
        Member.saleor_user_id.like(f"{SEED_USER_PREFIX}%")
    )
    async with database.engine.connect() as connection:
        return {str(user): int(member_id) for user, member_id in (await connection.execute(query)).all()}


async def seed(database: Database, members: int, per_member: int) -> Timed:
    """Bulk-insert members and their entries through SQLAlchemy Core (typed binds, no ORM)."""
    started = time.perf_counter()
    now = clock.now()
    installation_id = await _installation_id(database)
    member_rows = [_member_row(installation_id, index, per_member, now) for index in range(members)]
    await _insert_batches(database, Member.__table__, member_rows)  # type: ignore[arg-type]
    ids = await _seeded_member_ids(database)
    entries: list[dict[str, Any]] = []
    for index in range(members):
        member_id = ids[f"{SEED_USER_PREFIX}{index}"]
        entries += _entry_rows(installation_id, member_id, index, per_member, now)
    await _insert_batches(database, LedgerEntry.__table__, entries)  # type: ignore[arg-type]
    return Timed(time.perf_counter() - started, len(entries))


async def _count_entries(database: Database) -> int:
    async with database.engine.connect() as connection:
        return int(
            (await connection.execute(sa.select(sa.func.count()).select_from(LedgerEntry))).scalar_one()
        )


async def _count_pending_entries(database: Database) -> int:
    query = sa.select(sa.func.count()).select_from(LedgerEntry).where(LedgerEntry.available_at > clock.now())
    async with database.engine.connect() as connection:
        return int((await connection.execute(query)).scalar_one())


async def _members_still_pending(database: Database) -> int:
    query = sa.select(sa.func.count()).select_from(Member).where(Member.points_pending != 0)
    async with database.engine.connect() as connection:
        return int((await connection.execute(query)).scalar_one())


async def _timed_doctor(database: Database, entries: int, when: str) -> Timed:
    started = time.perf_counter()
    problems = await find_problems(database)
    timed = Timed(time.perf_counter() - started, entries)
    if problems:
        shown = "\n  ".join(problems[:10])
        raise LedgerCheckFailed(f"doctor found {len(problems)} problem(s) {when}:\n  {shown}")
    return timed


async def _timed_kpis(database: Database, entries: int) -> Timed:
    installation_id = await _installation_id(database)
    end = clock.now()
    started = time.perf_counter()
    async with database.transaction() as session:
        await compute_kpis(session, installation_id, end - timedelta(days=90), end)
    return Timed(time.perf_counter() - started, entries)


async def check_ledger(database: Database, members: int, per_member: int) -> LedgerResult:
    say(f"seeding {members:,} members x {per_member} entries")
    seeded = await seed(database, members, per_member)
    entries = await _count_entries(database)
    say(f"seeded {seeded.rows:,} entries in {seeded.seconds:.1f} s; running the doctor over {entries:,}")
    doctor = await _timed_doctor(database, entries, "after seeding")
    say(f"doctor clean in {doctor.seconds:.2f} s; travelling {TRAVEL.days} days and maturing")
    pending = await _count_pending_entries(database)
    clock.travel(TRAVEL)
    try:
        started = time.perf_counter()
        matured = await mature_points(database)
        mature = Timed(time.perf_counter() - started, pending)
        say(f"matured {matured:,} members in {mature.seconds:.2f} s; running the doctor again")
        after = await _timed_doctor(database, entries, "after maturing")
    finally:
        clock.reset()
    kpis = await _timed_kpis(database, entries)
    say(f"KPIs over 90 days in {kpis.seconds:.2f} s")
    # Every hold has ended, so a member still showing pending points is one the job missed.
    missed = await _members_still_pending(database)
    if missed:
        raise LedgerCheckFailed(f"{missed} member(s) still have pending points after maturing everything")
    return LedgerResult(
        members=members,
        entries=entries,
        pending_entries=pending,
        seed=seeded,
        doctor=doctor,
        mature=mature,
        members_matured=matured,
        doctor_after_mature=after,
        kpis=kpis,
    )
