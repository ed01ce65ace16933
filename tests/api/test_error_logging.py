"""An unexpected error is a 500 with a sanitised log line: never the SQL parameters (customers' e-mails)
or the driver's message quoting them, and never re-raised to the server, which would print it whole."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import structlog
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.api.errors import describe_exception, sanitised_message
from app.db import Database, utcnow
from app.installations.models import Installation
from app.ledger.models import Member
from app.main import create_app
from app.members import staff as member_staff
from app.settings import Settings
from tests.conftest import APP_URL
from tests.fake_saleor import FakeNetwork, FakeSaleor
from tests.helpers import install, staff_headers

SECRET_EMAIL = "jane.secret@example.com"


async def two_guests_with_one_email(session: AsyncSession, installation_id: int, **_: Any) -> None:
    """Breaks the unique (store, guest e-mail) index: an IntegrityError whose statement carries the
    e-mail as a parameter."""
    session.add(Member(installation_id=installation_id, email=SECRET_EMAIL))
    await session.flush()
    session.add(Member(installation_id=installation_id, email=SECRET_EMAIL))
    await session.flush()


@pytest.fixture
def _restore_structlog() -> Iterator[None]:
    saved = structlog.get_config()
    yield
    structlog.configure(**saved)


@pytest.mark.usefixtures("_restore_structlog")
async def test_a_forced_sql_error_logs_no_parameters(
    settings: Settings,
    database: Database,
    network: FakeNetwork,
    saleor: FakeSaleor,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    # Built here, so structlog writes to the stderr this test captures.
    app = create_app(settings, database=database, saleor_transport=network)
    monkeypatch.setattr(member_staff, "search_members", two_guests_with_one_email)
    # raise_app_exceptions: were the error re-raised to the server (which prints it whole), this raises.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=True)
    async with httpx.AsyncClient(transport=transport, base_url=APP_URL) as client:
        assert (await install(client, saleor)).status_code == 200
        response = await client.get("/api/admin/members", headers=staff_headers(saleor))
    assert response.status_code == 500
    assert response.json() == {"error": "internal_error", "detail": "unexpected error"}

    text = capsys.readouterr().err + caplog.text
    assert SECRET_EMAIL not in text
    assert "jane.secret" not in text
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    [error] = [line for line in lines if line.get("event") == "unexpected_error"]
    assert error["error"] == "IntegrityError"
    assert error["statement"].startswith("INSERT INTO members")
    assert any(frame.endswith(" two_guests_with_one_email") for frame in error["frames"])
    assert any(frame.startswith("app/api/admin_members.py:") for frame in error["frames"])
    assert "exception" not in error  # no traceback text
    [request] = [
        line for line in lines if (line.get("event"), line.get("path")) == ("request", "/api/admin/members")
    ]
    assert (request["status"], request["error"]) == (500, "internal_error")


async def test_the_engine_hides_parameters(database: Database) -> None:
    with pytest.raises(IntegrityError) as raised:
        async with database.transaction() as session:
            installation = Installation(
                saleor_api_url="https://hidden.example/graphql/",
                app_id="QXBwOjE=",
                jwks={},
                jwks_fetched_at=utcnow(),
            )
            session.add(installation)
            await session.flush()
            await two_guests_with_one_email(session, installation.id)
    assert SECRET_EMAIL not in str(raised.value)
    assert "SQL parameters hidden" in str(raised.value)
    described = json.dumps(describe_exception(raised.value))
    assert SECRET_EMAIL not in described


def test_messages_lose_quoted_values_and_emails() -> None:
    driver = "invalid input for query argument $1: 'jane@example.com' (expected int, got str)"
    assert sanitised_message(driver) == "invalid input for query argument $1: '…' (expected int, got str)"
    assert sanitised_message("no member jane@example.com here") == "no member <email> here"
    assert sanitised_message('key "x@y.z"') == "key '…'"
    assert len(sanitised_message("x" * 1000)) == 301


def test_validation_errors_are_described_without_their_input() -> None:
    class Out(BaseModel):
        points: int

    with pytest.raises(ValidationError) as raised:
        Out.model_validate({"points": SECRET_EMAIL})
    described = describe_exception(raised.value)
    assert described["message"] == [{"loc": "points", "type": "int_parsing"}]
    assert SECRET_EMAIL not in json.dumps(described)
