"""Test fixtures: a real database (SQLite, or PostgreSQL via TEST_DATABASE_URL) built by the real Alembic
migrations once per run and emptied after each test, the app wired to fake Saleors, and helpers."""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from app import clock
from app.db import Database
from app.main import create_app
from app.models import Base
from app.settings import Settings
from app.startup import run_migrations
from tests.fake_saleor import FakeNetwork, FakeSaleor
from tests.helpers import install

APP_URL = "http://lojal.test"
SECRET_KEY = "test-secret-key-that-is-long-enough-0123456789"


def _sqlite_url() -> str:
    path = Path(tempfile.gettempdir()) / f"lojal-test-{os.getpid()}.db"
    return f"sqlite+aiosqlite:///{path}"


async def _create_postgres_database(base_url: str) -> str:
    """A database of this run's own on the given server, so parallel runs never meet."""
    url = make_url(base_url)
    name = f"{url.database or 'test'}_lojal_{os.getpid()}"
    engine = create_async_engine(base_url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    await engine.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


async def _drop_postgres_database(base_url: str, url: str) -> None:
    engine = create_async_engine(base_url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    await engine.dispose()


@pytest.fixture(scope="session")
async def database_url() -> AsyncIterator[str]:
    base = os.environ.get("TEST_DATABASE_URL", "").strip()
    if not base:
        url = _sqlite_url()
        _remove_sqlite_files(url)
        yield url
        _remove_sqlite_files(url)
        return
    url = await _create_postgres_database(base)
    yield url
    await _drop_postgres_database(base, url)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("postgres_only") and not os.environ.get("TEST_DATABASE_URL", "").strip():
        pytest.skip("PostgreSQL only (row locks, real concurrency): the PostgreSQL half runs it")


@pytest.fixture(scope="session")
def is_postgres(database_url: str) -> bool:
    return database_url.startswith("postgresql")


def _remove_sqlite_files(url: str) -> None:
    path = Path(url.split(":///", 1)[1])
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)


@pytest.fixture(scope="session")
async def database(database_url: str) -> AsyncIterator[Database]:
    # The schema comes from the migrations, exactly as in production (no create_all).
    await asyncio.to_thread(run_migrations, database_url)
    database = Database(database_url)
    yield database
    await database.dispose()


async def empty_tables(database: Database) -> None:
    tables = [table.name for table in Base.metadata.sorted_tables]
    async with database.engine.begin() as connection:
        if database.dialect == "postgresql":
            await connection.execute(sa.text(f"TRUNCATE TABLE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in reversed(tables):
                await connection.execute(sa.text(f"DELETE FROM {name}"))  # noqa: S608 - our own table names


@pytest.fixture(autouse=True)
async def _clean_state(database: Database) -> AsyncIterator[None]:
    clock.reset()
    yield
    clock.reset()
    await empty_tables(database)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        app_url=APP_URL,
        database_url=database_url,
        secret_key=SECRET_KEY,
        worker_in_process=False,
        jwks_refetch_interval_seconds=0,
        saleor_query_retries=1,
        log_json=True,
    )


@pytest.fixture
def network() -> FakeNetwork:
    return FakeNetwork()


@pytest.fixture
def saleor(network: FakeNetwork) -> Iterator[FakeSaleor]:
    fake = network.add(FakeSaleor(host="shop-a.saleor.test", app_id="QXBwOjE=", key_slot=0))
    yield fake
    assert fake.invalid_documents == [], (
        f"Lojal sent documents Saleor's schema rejects: {fake.invalid_documents}"
    )


@pytest.fixture
def other_saleor(network: FakeNetwork) -> Iterator[FakeSaleor]:
    fake = network.add(FakeSaleor(host="shop-b.saleor.test", app_id="QXBwOjk=", key_slot=5))
    yield fake
    assert fake.invalid_documents == []


@pytest.fixture
def app(settings: Settings, database: Database, network: FakeNetwork) -> FastAPI:
    return create_app(settings, database=database, saleor_transport=network)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=True)
    async with httpx.AsyncClient(transport=transport, base_url=APP_URL) as http:
        yield http


@pytest.fixture
async def installed(client: httpx.AsyncClient, saleor: FakeSaleor) -> FakeSaleor:
    response = await install(client, saleor)
    assert response.status_code == 200, response.text
    return saleor


@pytest.fixture
async def installed_other(client: httpx.AsyncClient, other_saleor: FakeSaleor) -> FakeSaleor:
    response = await install(client, other_saleor)
    assert response.status_code == 200, response.text
    return other_saleor
