"""The Alembic migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

from app.db import Database
from app.models import Base


def _diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, Base.metadata)


async def test_migrated_schema_matches_the_models(database: Database) -> None:
    async with database.engine.connect() as connection:
        differences = await connection.run_sync(_diff)
    assert differences == [], f"write a migration for: {differences}"


async def test_the_database_refuses_unknown_entry_kinds_and_hold_statuses(database: Database) -> None:
    from sqlalchemy.exc import IntegrityError

    from app.db import utcnow
    from app.ledger.models import Hold, LedgerEntry, Member
    from tests.conftest import SECRET_KEY
    from tests.factories import create_installation

    async with database.transaction() as session:
        installation = await create_installation(
            session,
            saleor_api_url="https://checks.saleor.test/graphql/",
            app_id="QXBwOjE=",
            jwks={"keys": []},
            secret_key=SECRET_KEY,
        )
        member = Member(installation_id=installation.id, saleor_user_id="VXNlcjox", balances_at=utcnow())
        session.add(member)
        await session.flush()
        ids = (installation.id, member.id)
    now = utcnow()
    for row in (
        LedgerEntry(
            installation_id=ids[0],
            member_id=ids[1],
            kind="gift",
            points=5,
            available_at=now,
            source_type="staff",
            idempotency_key="k1",
        ),
        Hold(
            installation_id=ids[0], member_id=ids[1], kind="points", points=5, status="lost", expires_at=now
        ),
    ):
        try:
            async with database.transaction() as session:
                session.add(row)
        except IntegrityError:
            continue
        raise AssertionError(f"the database accepted {row!r}")
