"""Every webhook is verified before anything is stored: store, signature over the raw body, recipient."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from app.db import Database
from app.ledger.models import LedgerEntry, Member
from app.orders.models import Order
from tests.factories import order_body
from tests.fake_saleor import FakeSaleor
from tests.helpers import deliver


async def _counts(database: Database) -> tuple[int, int, int]:
    async with database.transaction() as session:
        return (
            (await session.execute(sa.select(sa.func.count()).select_from(Order))).scalar_one(),
            (await session.execute(sa.select(sa.func.count()).select_from(Member))).scalar_one(),
            (await session.execute(sa.select(sa.func.count()).select_from(LedgerEntry))).scalar_one(),
        )


class TestWebhookVerification:
    async def test_signed_delivery_is_accepted(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        response = await deliver(client, installed, "ORDER_FULLY_PAID", order_body(installed))
        assert response.status_code == 200, response.text
        assert response.json() == {"status": "accepted"}
        orders, members, entries = await _counts(database)
        assert (orders, members, entries) == (1, 1, 1)

    async def test_unknown_store_is_401(
        self, client: httpx.AsyncClient, installed: FakeSaleor, other_saleor: FakeSaleor, database: Database
    ) -> None:
        response = await deliver(client, other_saleor, "ORDER_FULLY_PAID", order_body(other_saleor))
        assert response.status_code == 401
        assert response.json()["error"] == "unknown_installation"
        assert other_saleor.jwks_fetches == 0  # never fetch keys for a store nobody installed
        assert await _counts(database) == (0, 0, 0)

    async def test_wrong_signature_is_401(
        self, client: httpx.AsyncClient, installed: FakeSaleor, other_saleor: FakeSaleor, database: Database
    ) -> None:
        body = json.dumps(order_body(installed)).encode()
        forged = other_saleor.sign(body)  # a real JWS, but by another key
        response = await deliver(client, installed, "ORDER_FULLY_PAID", body, signature=forged)
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_signature"
        assert await _counts(database) == (0, 0, 0)

    @pytest.mark.parametrize("signature", ["", "deadbeef" * 8, "not.a.jws", "eyJhbGciOiJub25lIn0..x"])
    async def test_missing_or_garbage_signature_is_401(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database, signature: str
    ) -> None:
        response = await deliver(
            client, installed, "ORDER_FULLY_PAID", order_body(installed), signature=signature
        )
        assert response.status_code == 401
        assert await _counts(database) == (0, 0, 0)

    async def test_tampered_body_is_401(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        body = json.dumps(order_body(installed)).encode()
        signature = installed.sign(body)
        tampered = body.replace(b'"amount": 24.0', b'"amount": 2400.0', 1)
        assert tampered != body
        response = await deliver(client, installed, "ORDER_FULLY_PAID", tampered, signature=signature)
        assert response.status_code == 401
        one_extra_byte = await deliver(
            client, installed, "ORDER_FULLY_PAID", body + b" ", signature=signature
        )
        assert one_extra_byte.status_code == 401
        assert await _counts(database) == (0, 0, 0)

    async def test_rotated_key_is_refetched_once_and_accepted(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        fetches_before = installed.jwks_fetches
        installed.rotate_key()
        response = await deliver(client, installed, "ORDER_FULLY_PAID", order_body(installed))
        assert response.status_code == 200
        assert installed.jwks_fetches == fetches_before + 1
        # the new key is stored: the next delivery needs no fetch
        response = await deliver(
            client, installed, "ORDER_FULLY_PAID", order_body(installed, order_id="T3JkZXI6OTk=")
        )
        assert response.status_code == 200
        assert installed.jwks_fetches == fetches_before + 1

    async def test_refetch_is_rate_limited(
        self, settings, database: Database, network, installed: FakeSaleor, other_saleor: FakeSaleor
    ) -> None:
        from app.main import create_app

        limited = settings.model_copy(update={"jwks_refetch_interval_seconds": 3600})
        app = create_app(limited, database=database, saleor_transport=network)
        body = json.dumps(order_body(installed)).encode()
        forged = other_saleor.sign(body)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://lojal.test"
        ) as http:
            before = installed.jwks_fetches
            for _ in range(5):
                response = await deliver(http, installed, "ORDER_FULLY_PAID", body, signature=forged)
                assert response.status_code == 401
        assert installed.jwks_fetches == before + 1  # a flood of forgeries costs Saleor one fetch

    async def test_jwks_refetch_failure_is_503_so_saleor_retries(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        installed.rotate_key()
        installed.jwks_down = True
        response = await deliver(client, installed, "ORDER_FULLY_PAID", order_body(installed))
        # Not 401: Saleor never retries a 4xx, and this delivery is genuine (signed with a new key).
        assert response.status_code == 503
        assert response.json()["error"] == "keys_unavailable"
        assert response.headers["retry-after"] == "10"
        assert await _counts(database) == (0, 0, 0)
        # Saleor's retry, once its keys answer again, is applied, and only once.
        installed.jwks_down = False
        for _ in range(2):
            again = await deliver(client, installed, "ORDER_FULLY_PAID", order_body(installed))
            assert again.status_code == 200
        assert await _counts(database) == (1, 1, 1)

    async def test_a_rotation_while_refetching_is_rate_limited_is_retried_not_refused(
        self, settings, database: Database, network, installed: FakeSaleor
    ) -> None:
        from app import clock
        from app.main import create_app

        limited = settings.model_copy(update={"jwks_refetch_interval_seconds": 30})
        app = create_app(limited, database=database, saleor_transport=network)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://lojal.test"
        ) as http:
            installed.rotate_key()
            installed.jwks_down = True
            first = await deliver(http, installed, "ORDER_FULLY_PAID", order_body(installed))
            assert first.status_code == 503
            installed.jwks_down = False
            # Within the interval Lojal does not ask Saleor again: still 503, never a 401.
            fetches = installed.jwks_fetches
            second = await deliver(http, installed, "ORDER_FULLY_PAID", order_body(installed))
            assert (second.status_code, installed.jwks_fetches) == (503, fetches)
            clock.travel(timedelta(seconds=31))
            third = await deliver(http, installed, "ORDER_FULLY_PAID", order_body(installed))
            assert third.status_code == 200
            fourth = await deliver(http, installed, "ORDER_FULLY_PAID", order_body(installed))
            assert fourth.status_code == 200
        assert await _counts(database) == (1, 1, 1)

    async def test_malformed_json_is_400(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        response = await deliver(client, installed, "ORDER_FULLY_PAID", b"{not json")
        assert response.status_code == 400
        assert response.json()["error"] == "malformed_payload"
        assert await _counts(database) == (0, 0, 0)

    async def test_payload_missing_what_we_need_is_400(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        body = order_body(installed)
        del body["order"]["lines"]
        response = await deliver(client, installed, "ORDER_FULLY_PAID", body)
        assert response.status_code == 400
        assert any(e["field"] == "order.lines" for e in response.json()["errors"])
        null_order = {**order_body(installed), "order": None}
        assert (await deliver(client, installed, "ORDER_FULLY_PAID", null_order)).status_code == 400
        assert await _counts(database) == (0, 0, 0)

    async def test_foreign_recipient_is_403(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        response = await deliver(
            client, installed, "ORDER_FULLY_PAID", order_body(installed, recipient="QXBwOjc3")
        )
        assert response.status_code == 403
        assert response.json()["error"] == "wrong_recipient"
        assert await _counts(database) == (0, 0, 0)

    async def test_event_header_must_match_endpoint(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        body, headers = installed.delivery("ORDER_CANCELLED", order_body(installed))
        response = await client.post("/api/webhooks/order-fully-paid", content=body, headers=headers)
        assert response.status_code == 400
        assert await _counts(database) == (0, 0, 0)

    async def test_oversized_body_is_413(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        body = order_body(installed)
        body["padding"] = "x" * (2 * 1024 * 1024 + 1)
        response = await deliver(client, installed, "ORDER_FULLY_PAID", body)
        assert response.status_code == 413
        assert response.json()["error"] == "payload_too_large"
        assert await _counts(database) == (0, 0, 0)

    async def test_replay_changes_nothing_and_is_2xx(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        body = json.dumps(order_body(installed)).encode()
        first = await deliver(client, installed, "ORDER_FULLY_PAID", body)
        counts = await _counts(database)
        for _ in range(3):
            again = await deliver(client, installed, "ORDER_FULLY_PAID", body)
            assert again.status_code == 200
        assert first.status_code == 200
        assert await _counts(database) == counts

    async def test_database_down_is_503_so_saleor_retries(
        self, settings, installed: FakeSaleor, network, database: Database
    ) -> None:
        from app.db import Database as DatabaseClass
        from app.main import create_app

        broken = DatabaseClass(
            "postgresql+asyncpg://nobody@127.0.0.1:1/none"
            if database.dialect == "postgresql"
            else "sqlite+aiosqlite:////dev/null/not-a-directory/lojal.db"
        )
        app: FastAPI = create_app(settings, database=broken, saleor_transport=network)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://lojal.test") as http:
            response = await deliver(http, installed, "ORDER_FULLY_PAID", order_body(installed))
            health = await http.get("/healthz")
        assert response.status_code == 503
        assert response.json()["error"] == "temporarily_unavailable"
        assert health.status_code == 503
        await broken.dispose()
