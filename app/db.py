"""Engine, sessions and column types: one session and one transaction per unit of work.

Nothing here knows about HTTP: the request's session dependency lives in `app/api/deps.py`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from app import clock

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets 64-bit ids.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both databases (SQLite stores naive text)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return clock.now()


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class InstallationScoped:
    """Every tenant row carries its installation; queries always filter on it."""

    installation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("installations.id", ondelete="RESTRICT"), index=True
    )
    if TYPE_CHECKING:
        # Each table declares its own primary key; this only tells the type checker it has one.
        id: Mapped[int]


RowT = TypeVar("RowT", bound=InstallationScoped)


async def get_scoped(
    session: AsyncSession, model: type[RowT], installation_id: int, row_id: int, *, lock: bool = False
) -> RowT | None:
    """One row of one installation by id, optionally under a row lock (re-read, never a stale copy).

    Lojal's row locks are FOR NO KEY UPDATE (`key_share=True`) everywhere: they never change a key, so
    they do not wait for the KEY SHARE lock PostgreSQL takes on a row that a new order or entry
    references. A plain FOR UPDATE would, and two deliveries for one member would deadlock."""
    query = sa.select(model).where(model.installation_id == installation_id, model.id == row_id)
    if lock:
        query = query.with_for_update(key_share=True).execution_options(populate_existing=True)
    return (await session.execute(query)).scalar_one_or_none()


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let us issue BEGIN ourselves: IMMEDIATE takes the write lock up front, so two writers queue
        # on busy_timeout instead of failing with "database is locked" when both try to upgrade.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_engine(database_url: str, *, echo: bool = False) -> AsyncEngine:
    # hide_parameters: SQL errors (and echo) never carry bound values, which hold customers' e-mails.
    if database_url.startswith("sqlite"):
        # SQLite has one writer at a time. One pooled connection makes requests queue in order inside
        # the process instead of spinning in SQLite's busy handler (p95 fell from seconds to tens of
        # milliseconds under load in bench/); other processes (a CLI job) still wait on busy_timeout.
        engine = create_async_engine(
            database_url, echo=echo, hide_parameters=True, pool_size=1, max_overflow=0, pool_timeout=60
        )
        _configure_sqlite(engine)
        return engine
    return create_async_engine(
        database_url,
        echo=echo,
        hide_parameters=True,
        pool_size=10,
        max_overflow=20,
        pool_pre_ping=True,
        pool_timeout=10,
        # UTC sessions: KPI days (date(created_at)) are UTC days whatever the server's time zone.
        connect_args={"timeout": 5, "command_timeout": 15, "server_settings": {"timezone": "UTC"}},
    )


class Database:
    """The engine and its session factory; one per process, kept on `app.state.db`."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url
        self.engine = create_engine(database_url)
        # Autoflush stays on: a query must see the transaction's own pending changes (a hold committed a
        # moment ago, a balance changed before the member is re-read under its lock).
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=True)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One session, one transaction: committed when the block ends, rolled back if it raises."""
        async with self.sessionmaker() as session, session.begin():
            yield session

    async def ping(self) -> None:
        async with self.engine.connect() as connection:
            await connection.execute(sa.text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


AMOUNT_SCALE = 10_000  # four decimal places: enough for every ISO currency and for point rates


class Amount(TypeDecorator[Decimal]):
    """Exact money (and rates) on both databases.

    PostgreSQL keeps NUMERIC(20, 4). SQLite has no decimal type (NUMERIC there is a float), so the
    amount is stored as an integer count of 1/10000 units; SUM() stays exact and this type turns
    the result back into a Decimal.
    """

    impl = sa.Numeric(20, 4)
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.BigInteger())
        return dialect.type_descriptor(sa.Numeric(20, 4, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        value = Decimal(value).quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN)
        if dialect.name == "sqlite":
            return int(value * AMOUNT_SCALE)
        return value

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return (Decimal(int(value)) / AMOUNT_SCALE).quantize(Decimal("0.0001"))
        return Decimal(value).quantize(Decimal("0.0001"))


def dialect_insert(session: AsyncSession) -> Any:
    """INSERT with ON CONFLICT support for the session's database (PostgreSQL or SQLite)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert
    return sqlite.insert
