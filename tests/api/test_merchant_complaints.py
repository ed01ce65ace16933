"""What merchants complain about in other loyalty tools (docs/loyalty-practice.md), items 1-4, 7 and 8:
one test each, showing Lojal does not have the problem."""

from __future__ import annotations

from datetime import timedelta

import httpx

from app import clock
from app.db import Database
from app.jobs.doctor import find_problems
from app.jobs.worker import mature_points
from tests.api.test_earning import entries, me, set_channel
from tests.factories import JANE_ID, Line, customer_body, order_body
from tests.fake_saleor import FakeSaleor
from tests.helpers import deliver, shopper_headers


async def test_1_points_are_not_kept_after_a_refund(
    client: httpx.AsyncClient, installed: FakeSaleor, database: Database
) -> None:
    await deliver(client, installed, "ORDER_FULLY_PAID", order_body(installed))
    clock.travel(timedelta(days=20))  # even after the hold ended and the points became spendable
    await mature_points(database)
    assert (await me(client, installed))["points"]["available"] == 74
    await deliver(
        client, installed, "ORDER_REFUNDED", order_body(installed, refunded=74, charge_status="NONE")
    )
    state = await me(client, installed)
    assert state["points"]["available"] == 0
    assert state["points"]["lifetime_earned"] == 0


async def test_2_points_cannot_be_spent_before_the_return_window_closes(
    client: httpx.AsyncClient, installed: FakeSaleor, database: Database
) -> None:
    await deliver(client, installed, "ORDER_FULLY_PAID", order_body(installed))
    clock.travel(timedelta(days=13))
    state = await me(client, installed)
    assert (state["points"]["available"], state["points"]["pending"]) == (
        0,
        74,
    )  # still on hold: not spendable
    # The return arrives inside the window: it takes from pending, the balance never goes negative.
    await deliver(
        client, installed, "ORDER_REFUNDED", order_body(installed, refunded=74, charge_status="NONE")
    )
    clock.travel(timedelta(days=2))
    state = await me(client, installed)
    assert (state["points"]["available"], state["points"]["pending"]) == (0, 0)
    [_earn, reverse] = await entries(database)
    assert reverse.explanation["while_pending"] is True


async def test_3_no_double_award_when_status_flips_or_webhooks_retry(
    client: httpx.AsyncClient, installed: FakeSaleor, database: Database
) -> None:
    paid = order_body(installed)
    sequence = [
        ("ORDER_CREATED", paid),
        ("ORDER_FULLY_PAID", paid),
        ("ORDER_FULLY_PAID", paid),  # retried
        ("ORDER_REFUNDED", order_body(installed, refunded=20, charge_status="PARTIAL")),
        ("ORDER_FULLY_PAID", paid),  # charged again after the refund: FULLY_PAID fires again
        ("ORDER_FULFILLED", order_body(installed, status="FULFILLED", refunded=20)),
        ("ORDER_FULLY_PAID", paid),  # an old retry arrives last
    ]
    for event, body in sequence:
        assert (await deliver(client, installed, event, body)).status_code == 200
    kinds = [(e.kind, e.points) for e in await entries(database)]
    assert kinds == [("earn", 74), ("reverse", -20)]


async def test_4_reversal_maths_is_explained_and_the_shopper_is_told(
    client: httpx.AsyncClient, installed: FakeSaleor, database: Database
) -> None:
    await set_channel(client, installed, "default-channel", points_per_unit="2")
    await deliver(client, installed, "ORDER_FULLY_PAID", order_body(installed, lines=[Line(40), Line(60)]))
    await deliver(
        client, installed, "ORDER_REFUNDED", order_body(installed, lines=[Line(40), Line(60)], refunded=40)
    )
    response = await client.get("/api/storefront/me/history", headers=shopper_headers(installed))
    reverse = response.json()["entries"][0]
    assert reverse["description"] == "80 points taken back: 40.00 USD of order #21 was refunded"
    math = reverse["explanation"]
    # Everything needed to redo the sum by hand: 200 points x 40.00 / 100.00 = 80.
    assert (math["order_points"], math["amount_refunded"], math["order_total"], math["refunded_share"]) == (
        200,
        "40.00",
        "100.00",
        "0.4000",
    )
    assert (math["target_reversed"], math["reversed_before"], math["points"]) == (80, 0, 80)
    orders = (await client.get("/api/storefront/me/orders", headers=shopper_headers(installed))).json()[
        "orders"
    ]
    assert (
        orders[0]["explanation"]
        == "Order #21 earned 200 points; 80 were taken back after a refund or cancellation."
    )


async def test_7_each_channel_earns_in_its_own_currency_with_its_own_point_value(
    client: httpx.AsyncClient, installed: FakeSaleor, database: Database
) -> None:
    await set_channel(client, installed, "us", currency="USD", points_per_unit="1", point_value="0.01")
    await set_channel(client, installed, "se", currency="SEK", points_per_unit="0.1", point_value="0.1")
    await deliver(
        client, installed, "ORDER_FULLY_PAID", order_body(installed, channel=("us", "USD"), lines=[Line(100)])
    )
    await deliver(
        client,
        installed,
        "ORDER_FULLY_PAID",
        order_body(
            installed, order_id="T3JkZXI6U0U=", number="S1", channel=("se", "SEK"), lines=[Line(1000)]
        ),
    )
    us, se = await entries(database)
    # Same spending power earns the same points; no exchange rate is involved anywhere.
    assert (us.points, us.explanation["currency"]) == (100, "USD")
    assert (se.points, se.explanation["currency"]) == (100, "SEK")
    program = (
        await client.get(
            "/api/admin/program",
            headers={
                "authorization-bearer": installed.dashboard_token(),
                "saleor-api-url": installed.api_url,
            },
        )
    ).json()
    values = {c["channel_slug"]: (c["currency"], c["point_value"]) for c in program["channels"]}
    assert values == {"us": ("USD", "0.0100"), "se": ("SEK", "0.1000")}


async def test_8_guest_checkout_and_not_yet_earning_orders_are_visible_to_the_shopper(
    client: httpx.AsyncClient, installed: FakeSaleor, database: Database
) -> None:
    # A guest checkout keeps its points against the e-mail ...
    await deliver(client, installed, "ORDER_FULLY_PAID", order_body(installed, user=None))
    # ... an unpaid order says what it is waiting for ...
    unpaid = order_body(installed, order_id="T3JkZXI6OQ==", number="29", charge_status="NONE", user=None)
    await deliver(client, installed, "ORDER_CREATED", unpaid)
    # ... and when the shopper signs up, everything is theirs.
    await deliver(client, installed, "CUSTOMER_CREATED", customer_body(installed))
    assert (await me(client, installed, JANE_ID))["points"]["pending"] == 74
    orders = (await client.get("/api/storefront/me/orders", headers=shopper_headers(installed))).json()[
        "orders"
    ]
    explained = {o["number"]: (o["status"], o["explanation"]) for o in orders}
    assert explained["21"] == ("earned", "Order #21 earned 74 points.")
    assert explained["29"] == ("waiting", "Order #29 earns points once it is fully paid.")
    assert await find_problems(database) == []
