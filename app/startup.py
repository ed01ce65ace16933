"""Before a `lojal` command serves or works: the database can be reached, exists and has the schema
this code needs. Each problem an operator can make is one clear line (`StartupError`), never a
traceback, and a database that is still starting is waited for (a container must not crash-loop)."""

from __future__ import annotations

import asyncio
import socket
import time
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError

import migrations
from app.db import Database

MIGRATIONS_DIR = Path(migrations.__file__).resolve().parent


class StartupError(Exception):
    """What stops a command, in one line for the operator."""


def _where(database_url: str) -> str:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return f"the SQLite database {url.database}"
    return f"the database {url.database!r} at {url.host or 'localhost'}:{url.port or 5432}"


def check_sqlite_directory(database_url: str) -> None:
    """A SQLite file in a directory that does not exist is a typo or the wrong working directory:
    refuse rather than create it somewhere nobody looks."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return
    directory = Path(url.database).parent
    if not directory.is_dir():
        raise StartupError(
            f"the directory of the SQLite database does not exist: {directory}/ (run `lojal` from the "
            "directory `make run` uses, create it, or set DATABASE_URL)"
        )


def _root_cause(exc: BaseException) -> BaseException:
    return exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc


def _is_fatal(cause: BaseException) -> str | None:
    """Why retrying cannot help (the database does not exist, the login is refused), or None."""
    name = type(cause).__name__
    if name == "InvalidCatalogNameError" or "does not exist" in str(cause):
        return "does not exist: create it, or fix DATABASE_URL"
    if name in ("InvalidPasswordError", "InvalidAuthorizationSpecificationError"):
        return "refused the login: check the user and password in DATABASE_URL"
    if isinstance(cause, socket.gaierror):
        return "has a host name that does not resolve: fix DATABASE_URL"
    return None


async def wait_for_database(database: Database, *, wait_seconds: float, interval: float = 1.0) -> None:
    """Ping until the database answers or `wait_seconds` pass; fatal problems stop at once."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            await database.ping()
            return
        except (DBAPIError, OSError, TimeoutError) as exc:
            cause = _root_cause(exc)
            fatal = _is_fatal(cause)
            if fatal is not None:
                raise StartupError(f"{_where(database.url)} {fatal}") from None
            if time.monotonic() >= deadline:
                reason = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
                raise StartupError(
                    f"cannot reach {_where(database.url)} after {wait_seconds:g} s ({reason})"
                ) from None
        await asyncio.sleep(interval)


def _alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = database_url
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_alembic_config("")).get_current_head()
    if head is None:
        raise StartupError("no migrations found: the installation is incomplete")
    return head


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def check_migrated(database: Database) -> None:
    """The schema is the one this code was written for, or one line saying to run `lojal migrate`."""
    try:
        async with database.engine.connect() as connection:
            current = await connection.run_sync(_current_revision)
    except (OperationalError, ProgrammingError) as exc:
        raise StartupError(f"cannot read the schema version of {_where(database.url)}: {exc.orig}") from None
    head = head_revision()
    if current is None:
        raise StartupError(f"{_where(database.url)} has no Lojal tables yet: run `lojal migrate`")
    if current != head:
        raise StartupError(
            f"{_where(database.url)} has schema {current}, this Lojal needs {head}: run `lojal migrate`"
        )


def run_migrations(database_url: str) -> None:
    """Bring the schema to head (`migrations/env.py` takes a PostgreSQL advisory lock first, so replicas
    starting at once migrate one after the other; the later ones find nothing to do)."""
    command.upgrade(_alembic_config(database_url), "head")
