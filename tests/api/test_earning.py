"""Accrual from signed order webhooks: rates per channel, multipliers, bonuses, holds, maturing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import sqlalchemy as sa

from app import clock
from app.db import Database
from app.jobs.worker import mature_points
from app.ledger.models import LedgerEntry
from app.orders.models import Order
from tests.factories import JANE_ID, Line, order_body
from tests.fake_saleor import FakeSaleor
from tests.helpers import deliver, shopper_headers, staff_headers


async def me(
    client: httpx.AsyncClient,
    saleor: FakeSaleor,
    user_id: str = JANE_ID,
    email: str = "jane.loyal@example.com",
) -> dict[str, Any]:
    response = await client.get("/api/storefront/me", headers=shopper_headers(saleor, user_id, email))
    assert response.status_code == 200, response.text
    return response.json()


async def entries(database: Database) -> list[LedgerEntry]:
    async with database.transaction() as session:
        return list((await session.execute(sa.select(LedgerEntry).order_by(LedgerEntry.id))).scalars())


async def set_channel(client: httpx.AsyncClient, saleor: FakeSaleor, slug: str, **rule: Any) -> None:
    body = {"currency": "USD", "points_per_unit": "1", "point_value": "0.01", **rule}
    response = await client.put(
        f"/api/admin/program/channels/{slug}", json=body, headers=staff_headers(saleor)
    )
    assert response.status_code == 200, response.text


async def set_program(client: httpx.AsyncClient, saleor: FakeSaleor, **changes: Any) -> None:
    current = (await client.get("/api/admin/program", headers=staff_headers(saleor))).json()["program"]
    body = {k: v for k, v in current.items() if k not in ("updated_at", "updated_by")} | changes
    response = await client.put("/api/admin/program", json=body, headers=staff_headers(saleor))
    assert response.status_code == 200, response.text


class TestAccrual:
    async def test_fresh_install_earns_one_point_per_unit_on_hold(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        response = await deliver(client, installed, "ORDER_FULLY_PAID", order_body(installed))
        assert response.status_code == 200
        state = await me(client, installed)
        assert state["points"]["pending"] == 74
        assert state["points"]["available"] == 0
        [upcoming] = state["next_available"]
        assert upcoming["points"] == 74
        [entry] = await entries(database)
        assert entry.kind == "earn"
        assert entry.explanation["rate"] == "1"
        assert entry.explanation["eligible_amount"] == "74.00"
        assert entry.explanation["currency"] == "USD"
        assert entry.available_at - entry.created_at == timedelta(days=14)

    async def test_rate_multipliers_and_threshold_bonus(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        await set_channel(
            client,
            installed,
            "sweden",
            currency="SEK",
            points_per_unit="0.1",
            point_value="0.1",
            bonus_threshold_amount="1000",
            bonus_points=200,
        )
        response = await client.post(
            "/api/admin/program/multipliers",
            json={
                "name": "Sustainable x2",
                "target_type": "collection",
                "target": "sustainable",
                "factor": "2",
            },
            headers=staff_headers(installed),
        )
        assert response.status_code == 201, response.text
        lines = [
            Line(800, collections=[("Q29sbGVjdGlvbjo5", "sustainable")], name="Organic hoodie"),
            Line(450, name="Plain socks"),
        ]
        body = order_body(installed, channel=("sweden", "SEK"), lines=lines)
        assert (await deliver(client, installed, "ORDER_FULLY_PAID", body)).status_code == 200
        earn, bonus = await entries(database)
        # 800 SEK x 0.1 x 2 + 450 SEK x 0.1 = 160 + 45 = 205; 1250 SEK >= 1000 → +200 bonus.
        assert (earn.kind, earn.points) == ("earn", 205)
        assert (bonus.kind, bonus.points) == ("bonus", 200)
        assert earn.explanation["lines"][0]["multiplier"] == {"name": "Sustainable x2", "factor": "2"}
        assert "multiplier" not in earn.explanation["lines"][1]
        assert bonus.available_at == earn.available_at  # the bonus is held with the order

    async def test_each_channel_earns_in_its_own_currency(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        await set_channel(client, installed, "default-channel", currency="USD", points_per_unit="1")
        await set_channel(client, installed, "japan", currency="JPY", points_per_unit="0.01", point_value="1")
        await deliver(client, installed, "ORDER_FULLY_PAID", order_body(installed, order_id="T3JkZXI6MQ=="))
        japan = order_body(
            installed, order_id="T3JkZXI6Mg==", number="22", channel=("japan", "JPY"), lines=[Line(12000)]
        )
        await deliver(client, installed, "ORDER_FULLY_PAID", japan)
        usd, jpy = await entries(database)
        assert (usd.points, usd.explanation["currency"]) == (74, "USD")
        assert (jpy.points, jpy.explanation["currency"]) == (120, "JPY")

    async def test_rule_for_another_currency_does_not_apply(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        # The channel switched currency after the rule was written: 10 points per SEK must not become
        # 10 points per EUR.
        await set_channel(client, installed, "nordic", currency="SEK", points_per_unit="10")
        body = order_body(installed, channel=("nordic", "EUR"), lines=[Line(100)])
        await deliver(client, installed, "ORDER_FULLY_PAID", body)
        [entry] = await entries(database)
        assert entry.points == 100

    async def test_minimum_order_amount(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        await set_channel(client, installed, "default-channel", min_order_amount="100")
        await deliver(client, installed, "ORDER_FULLY_PAID", order_body(installed))
        assert await entries(database) == []
        async with database.transaction() as session:
            order = (await session.execute(sa.select(Order))).scalar_one()
        assert order.earn_status == "earned"
        assert order.earn_explanation is not None
        assert order.earn_explanation["below_minimum"] == "100.00"

    async def test_shipping_tax_and_gifts(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        lines = [Line(40, tax=10), Line(0, is_gift=True), Line(10, tax=2.5, is_gift=True)]
        body = order_body(installed, lines=lines, shipping=5, order_id="T3JkZXI6MQ==")
        await deliver(client, installed, "ORDER_FULLY_PAID", body)
        await set_program(client, installed, include_shipping=True, include_tax=True)
        body = order_body(installed, lines=lines, shipping=5, order_id="T3JkZXI6Mg==", number="22")
        await deliver(client, installed, "ORDER_FULLY_PAID", body)
        default, everything = await entries(database)
        assert default.points == 40  # net line totals; no shipping, no gifts
        assert everything.points == 55  # 50 gross + 5 shipping; gifts never earn

    async def test_half_up_rounding(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        await set_program(client, installed, rounding="half_up")
        await deliver(client, installed, "ORDER_FULLY_PAID", order_body(installed, lines=[Line("17.50")]))
        [entry] = await entries(database)
        assert entry.points == 18

    async def test_fulfilled_trigger(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        await set_program(client, installed, earn_trigger="order_fulfilled")
        await deliver(client, installed, "ORDER_FULLY_PAID", order_body(installed))
        assert await entries(database) == []
        await deliver(client, installed, "ORDER_FULFILLED", order_body(installed, status="FULFILLED"))
        assert [e.points for e in await entries(database)] == [74]

    async def test_unpaid_draft_earns_only_when_paid(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        draft = order_body(installed, origin="DRAFT", charge_status="NONE", refunded=0)
        assert (await deliver(client, installed, "ORDER_CREATED", draft)).status_code == 200
        assert await entries(database) == []
        await deliver(client, installed, "ORDER_FULLY_PAID", order_body(installed, origin="DRAFT"))
        assert [e.points for e in await entries(database)] == [74]

    async def test_rates_changed_later_do_not_touch_earned_orders(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        await deliver(client, installed, "ORDER_FULLY_PAID", order_body(installed))
        await set_channel(client, installed, "default-channel", points_per_unit="5")
        await deliver(client, installed, "ORDER_FULLY_PAID", order_body(installed))
        assert [e.points for e in await entries(database)] == [74]


class TestMaturing:
    async def test_points_mature_after_the_hold_by_job_and_on_read(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        await deliver(client, installed, "ORDER_FULLY_PAID", order_body(installed, order_id="T3JkZXI6MQ=="))
        clock.travel(timedelta(days=7))
        await deliver(
            client,
            installed,
            "ORDER_FULLY_PAID",
            order_body(installed, order_id="T3JkZXI6Mg==", number="22", lines=[Line(10)]),
        )
        clock.travel(timedelta(days=7, seconds=1))
        # Lazily on read: no job has run, yet the first order's points show as available.
        state = await me(client, installed)
        assert (state["points"]["available"], state["points"]["pending"]) == (74, 10)
        assert [n["points"] for n in state["next_available"]] == [10]
        clock.travel(timedelta(days=7))
        assert await mature_points(database) == 1
        assert await mature_points(database) == 0  # idempotent
        state = await me(client, installed)
        assert (state["points"]["available"], state["points"]["pending"]) == (84, 0)
        assert state["next_available"] == []


class TestPreview:
    async def test_preview_lines(self, client: httpx.AsyncClient, installed: FakeSaleor) -> None:
        body = {
            "channel": "default-channel",
            "currency": "USD",
            "lines": [{"amount": "19.99"}, {"amount": "5.50", "collections": ["sale"]}],
        }
        response = await client.post("/api/storefront/preview", json=body, headers=shopper_headers(installed))
        assert response.status_code == 200, response.text
        assert response.json()["total_points"] == 25  # 25.49 rounded down
        assert response.json()["eligible_amount"] == "25.49"

    async def test_preview_own_checkout_only(self, client: httpx.AsyncClient, installed: FakeSaleor) -> None:
        def checkout(owner: str) -> None:
            installed.add_checkout(
                checkout_id="Q2hlY2tvdXQ6MQ==",
                user=(owner, "jane.loyal@example.com"),
                lines=[("VjoxMA==", 1, "30.00")],
                shipping="4.00",
            )

        checkout(JANE_ID)
        response = await client.post(
            "/api/storefront/preview",
            json={"checkout_id": "Q2hlY2tvdXQ6MQ=="},
            headers=shopper_headers(installed),
        )
        assert response.status_code == 200, response.text
        assert response.json()["total_points"] == 30
        checkout("VXNlcjo5OTk=")
        response = await client.post(
            "/api/storefront/preview",
            json={"checkout_id": "Q2hlY2tvdXQ6MQ=="},
            headers=shopper_headers(installed),
        )
        assert response.status_code == 403
        missing = await client.post(
            "/api/storefront/preview",
            json={"checkout_id": "Q2hlY2tvdXQ6Mg=="},
            headers=shopper_headers(installed),
        )
        assert missing.status_code == 404

    async def test_preview_needs_a_source(self, client: httpx.AsyncClient, installed: FakeSaleor) -> None:
        response = await client.post(
            "/api/storefront/preview", json={"lines": []}, headers=shopper_headers(installed)
        )
        assert response.status_code == 422
