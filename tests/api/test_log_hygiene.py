"""Logs never hold secrets: not the app token Saleor hands over on install, not Dashboard or shopper JWTs.

Each test builds its own app at DEBUG level after output capture has started, because structlog prints
JSON lines to the stderr it was configured with. What the standard library logs is captured too.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import pytest
import structlog

from app import clock
from app.db import Database
from app.main import create_app
from app.saleor.gateway import SaleorGateway
from app.settings import Settings
from tests.conftest import APP_URL
from tests.factories import JANE_ID, customer_body, order_body
from tests.fake_saleor import FakeNetwork, FakeSaleor
from tests.helpers import deliver, install
from tests.unit.test_cli import drain


@dataclass
class Secrets:
    values: list[str] = field(default_factory=list)

    def add(self, secret: str) -> str:
        self.values.append(secret)
        return secret

    def dashboard(self, saleor: FakeSaleor, **token_kwargs: Any) -> dict[str, str]:
        token = self.add(saleor.dashboard_token(**token_kwargs))
        return {"authorization-bearer": token, "saleor-api-url": saleor.api_url}

    def shopper(self, saleor: FakeSaleor, **token_kwargs: Any) -> dict[str, str]:
        token = self.add(saleor.shopper_token(**token_kwargs))
        return {"authorization": f"Bearer {token}", "saleor-api-url": saleor.api_url}

    def fragments(self) -> list[str]:
        """Each secret whole, and for JWTs their claims and signature parts (a truncated token leaks too)."""
        found: list[str] = []
        for secret in self.values:
            found.append(secret)
            parts = secret.split(".")
            if len(parts) == 3:
                found += [part for part in parts[1:] if len(part) >= 16]
        return found


@dataclass
class Logged:
    settings: Settings
    database: Database
    network: FakeNetwork
    secrets: Secrets
    capsys: pytest.CaptureFixture[str]
    caplog: pytest.LogCaptureFixture
    text: str = ""
    _client: httpx.AsyncClient | None = None

    async def start(self) -> httpx.AsyncClient:
        """Build the app now, in the test itself: structlog binds the stderr that is current when the app
        configures logging, and only the test's own stderr is the one capsys reads afterwards."""
        app = create_app(self.settings, database=self.database, saleor_transport=self.network)
        self._client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=APP_URL)
        return self._client

    @property
    def started(self) -> bool:
        return self._client is not None

    @property
    def client(self) -> httpx.AsyncClient:
        assert self._client is not None, "call start() first"
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()

    def read(self) -> str:
        self.text += self.capsys.readouterr().err + self.caplog.text
        self.caplog.clear()
        return self.text

    def assert_clean(self, *events: str, requests: tuple[tuple[str, str, int], ...] = ()) -> None:
        """No secret (or part of one) in what was logged; and, so this cannot pass vacuously, the given
        events and (method, path, status) request lines were logged."""
        text = self.read()
        lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
        logged_events = {line.get("event") for line in lines}
        logged_requests = {
            (line.get("method"), line.get("path"), line.get("status"))
            for line in lines
            if line.get("event") == "request"
        }
        for event in events:
            assert event in logged_events, f"{event!r} was not logged; got {sorted(map(str, logged_events))}"
        for request in requests:
            assert request in logged_requests, f"{request} was not logged; got {sorted(logged_requests)}"
        assert self.secrets.values
        for secret in self.secrets.fragments():
            assert secret not in text, "a token (or part of one) was written to the logs"


@pytest.fixture
def debug_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"log_level": "DEBUG"})


@pytest.fixture
def _restore_structlog() -> Iterator[None]:
    saved = structlog.get_config()
    yield
    # The app under test printed to this test's captured stderr, which closes with the test.
    structlog.configure(**saved)


@pytest.fixture
async def logged(
    _restore_structlog: None,
    debug_settings: Settings,
    database: Database,
    network: FakeNetwork,
    saleor: FakeSaleor,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> AsyncIterator[Logged]:
    caplog.set_level(logging.DEBUG)
    secrets = Secrets()
    secrets.add(saleor.app_token)
    logged = Logged(debug_settings, database, network, secrets, capsys, caplog)
    yield logged
    await logged.close()


async def installed(logged: Logged, saleor: FakeSaleor) -> None:
    if not logged.started:
        await logged.start()
    response = await install(logged.client, saleor)
    assert response.status_code == 200, response.text


class TestLogHygiene:
    async def test_install_and_a_refused_install(self, logged: Logged, saleor: FakeSaleor) -> None:
        await installed(logged, saleor)
        # A token Saleor does not know: refused, and still not written down.
        refused = logged.secrets.add("refused-install-token-4f2a9c")
        response = await logged.client.post(
            "/api/register", json={"auth_token": refused}, headers={"Saleor-Api-Url": saleor.api_url}
        )
        assert response.status_code == 400  # every refused registration answers the same
        # Re-install hands over a new token: neither the old nor the new one may appear.
        saleor.app_token = logged.secrets.add("reinstall-token-0c3e11d8a2b4f6")
        await installed(logged, saleor)
        logged.assert_clean(
            "installation_registered",
            requests=(("POST", "/api/register", 200), ("POST", "/api/register", 400)),
        )

    async def test_webhooks(self, logged: Logged, saleor: FakeSaleor) -> None:
        await installed(logged, saleor)
        for event, body in (
            ("CUSTOMER_CREATED", customer_body(saleor)),
            ("ORDER_FULLY_PAID", order_body(saleor)),
            ("ORDER_REFUNDED", order_body(saleor, refunded=10)),
        ):
            response = await deliver(logged.client, saleor, event, body)
            assert response.status_code == 200, response.text
        # A forged delivery is refused (and logged as refused) without echoing anything secret.
        forged = await deliver(
            logged.client, saleor, "ORDER_FULLY_PAID", order_body(saleor), signature="x..y"
        )
        assert forged.status_code == 401
        logged.assert_clean(
            "order_earned",
            "order_reversed",
            requests=(
                ("POST", "/api/webhooks/customer-created", 200),
                ("POST", "/api/webhooks/order-fully-paid", 200),
                ("POST", "/api/webhooks/order-refunded", 200),
                ("POST", "/api/webhooks/order-fully-paid", 401),
            ),
        )

    async def test_admin_calls(self, logged: Logged, saleor: FakeSaleor) -> None:
        await installed(logged, saleor)
        client, secrets = logged.client, logged.secrets
        read = await client.get("/api/admin/program", headers=secrets.dashboard(saleor))
        assert read.status_code == 200
        program = {k: v for k, v in read.json()["program"].items() if k not in ("updated_at", "updated_by")}
        changed = await client.put(
            "/api/admin/program", json=program | {"hold_days": 7}, headers=secrets.dashboard(saleor)
        )
        assert changed.status_code == 200
        invalid = await client.put(
            "/api/admin/program", json=program | {"hold_days": -1}, headers=secrets.dashboard(saleor)
        )
        assert invalid.status_code == 422
        refusals = [
            secrets.dashboard(saleor, expires_in=-120),
            secrets.dashboard(saleor, user_permissions=["MANAGE_ORDERS"]),
            secrets.dashboard(saleor, app_id="QXBwOjQy"),
        ]
        for headers in refusals:
            response = await client.get("/api/admin/program", headers=headers)
            assert response.status_code in (401, 403)
        logged.assert_clean(
            requests=(
                ("GET", "/api/admin/program", 200),
                ("PUT", "/api/admin/program", 200),
                ("PUT", "/api/admin/program", 422),
                ("GET", "/api/admin/program", 401),
                ("GET", "/api/admin/program", 403),
            )
        )

    async def test_storefront_calls(self, logged: Logged, saleor: FakeSaleor) -> None:
        await installed(logged, saleor)
        client, secrets = logged.client, logged.secrets
        assert (await deliver(client, saleor, "ORDER_FULLY_PAID", order_body(saleor))).status_code == 200
        assert (await client.get("/api/storefront/me", headers=secrets.shopper(saleor))).status_code == 200
        history = await client.get("/api/storefront/me/history", headers=secrets.shopper(saleor))
        assert history.status_code == 200
        consent = await client.post(
            "/api/storefront/me/consent", json={"consent": True}, headers=secrets.shopper(saleor)
        )
        assert consent.status_code == 200
        # A checkout preview makes Lojal call Saleor with the app token.
        saleor.add_checkout(
            checkout_id="Q2hlY2tvdXQ6MQ==", user=(JANE_ID, "jane.loyal@example.com"), lines=[]
        )
        preview = await client.post(
            "/api/storefront/preview",
            json={"checkout_id": "Q2hlY2tvdXQ6MQ=="},
            headers=secrets.shopper(saleor),
        )
        assert preview.status_code == 200, preview.text
        expired = await client.get("/api/storefront/me", headers=secrets.shopper(saleor, expires_in=-60))
        assert expired.status_code == 401
        garbage = secrets.add("not-a-jwt-but-still-a-secret-7d1e")
        response = await client.get(
            "/api/storefront/me",
            headers={"authorization": f"Bearer {garbage}", "saleor-api-url": saleor.api_url},
        )
        assert response.status_code == 401
        logged.assert_clean(
            "member_consent_changed",
            requests=(
                ("GET", "/api/storefront/me", 200),
                ("GET", "/api/storefront/me/history", 200),
                ("POST", "/api/storefront/me/consent", 200),
                ("POST", "/api/storefront/preview", 200),
                ("GET", "/api/storefront/me", 401),
            ),
        )

    async def test_worker_sending_to_saleor(
        self,
        logged: Logged,
        saleor: FakeSaleor,
        debug_settings: Settings,
        network: FakeNetwork,
        database: Database,
    ) -> None:
        await installed(logged, saleor)
        saleor.users[JANE_ID] = {"metadata": {}}
        assert (
            await deliver(logged.client, saleor, "ORDER_FULLY_PAID", order_body(saleor))
        ).status_code == 200
        gateway = SaleorGateway(debug_settings, transport=network)
        saleor.down = True
        assert (await drain(database, gateway)).retried == 1
        saleor.down = False
        clock.travel(timedelta(minutes=1))
        assert (await drain(database, gateway)).sent == 1
        assert saleor.users[JANE_ID]["metadata"]["loyalty.points"] == "0"
        logged.assert_clean("saleor_call_failed", "outbox_message_not_sent")

    async def test_the_check_catches_a_leak(self, logged: Logged, saleor: FakeSaleor) -> None:
        # Guards the guard: were stderr not really captured, every test above would pass vacuously.
        await installed(logged, saleor)
        structlog.get_logger("leak").info("leaky", token=saleor.app_token)
        with pytest.raises(AssertionError, match="written to the logs"):
            logged.assert_clean("leaky")
        jwt_headers = logged.secrets.shopper(saleor)
        signature = jwt_headers["authorization"].rsplit(".", 1)[1]
        logging.getLogger("app.leak").warning("truncated %s", signature)
        logged.text = ""
        with pytest.raises(AssertionError, match="written to the logs"):
            logged.assert_clean()
