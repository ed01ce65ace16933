"""The databases a run measures: a fresh SQLite file always, a dedicated PostgreSQL database when one
is reachable. Both get their schema from the real Alembic migrations, as production does."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from app.startup import run_migrations
from bench.progress import say


@dataclass(frozen=True)
class Target:
    label: str  # "sqlite" or "postgresql"
    url: str
    server_version: str


def sqlite_url(directory: Path) -> str:
    return f"sqlite+aiosqlite:///{directory / 'lojal-bench.db'}"


async def server_version(url: str) -> str:
    """ "PostgreSQL 15.2" or "SQLite 3.40.1": what the numbers were measured on."""
    postgres = url.startswith("postgresql")
    engine = create_async_engine(url, connect_args={"timeout": 5} if postgres else {})
    try:
        async with engine.connect() as connection:
            query = "SHOW server_version" if postgres else "SELECT sqlite_version()"
            version = str((await connection.execute(sa.text(query))).scalar_one()).split()[0]
    finally:
        await engine.dispose()
    return f"{'PostgreSQL' if postgres else 'SQLite'} {version}"


async def postgres_problem(base_url: str) -> str | None:
    """None when the server accepts a connection, else why not (for the loud skip message)."""
    try:
        await server_version(base_url)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def _bench_database_url(base_url: str) -> str:
    return (
        make_url(base_url)
        .set(database=f"test_lojal_bench_{os.getpid()}")
        .render_as_string(hide_password=False)
    )


async def _run_admin(base_url: str, statement: str) -> None:
    # CREATE/DROP DATABASE cannot run inside a transaction.
    engine = create_async_engine(base_url, isolation_level="AUTOCOMMIT", connect_args={"timeout": 5})
    try:
        async with engine.connect() as connection:
            await connection.execute(sa.text(statement))
    finally:
        await engine.dispose()


@asynccontextmanager
async def postgres_database(base_url: str) -> AsyncIterator[str]:
    """A database of this run's own on the server, dropped (even with connections left) at the end."""
    url = _bench_database_url(base_url)
    name = make_url(url).database
    await _run_admin(base_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await _run_admin(base_url, f'CREATE DATABASE "{name}"')
    say(f"created PostgreSQL database {name}")
    try:
        yield url
    finally:
        await _run_admin(base_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        say(f"dropped PostgreSQL database {name}")


async def migrate(url: str) -> None:
    # Alembic's env runs its own event loop; keep it off ours.
    await asyncio.to_thread(run_migrations, url)
