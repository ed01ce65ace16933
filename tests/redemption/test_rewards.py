"""The rewards catalog: the admin API (CRUD, partner codes, permissions, validation, tenants) and every
reward kind redeemed in a store that sells in two currencies (USD in `default-channel`, SEK in `sweden`),
with the catalog's rules: minimum order, per-member limit, stock, time window, deactivation."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from app import clock
from app.db import Database
from app.jobs.doctor import find_problems
from tests.fake_saleor import FakeSaleor
from tests.fake_saleor.saleor import DEFAULT_CHANNEL_ID
from tests.helpers import deliver, shopper_headers, staff_headers
from tests.redemption.conftest import Worker, give_points, holds, points
from tests.redemption.test_paths import redeem, redemptions_url

START = 5000
USD_CHANNEL = DEFAULT_CHANNEL_ID
SWEDEN = ("sweden", "SEK")
SEK_CHANNEL = "Q2hhbm5lbDoy"
EURO = ("euro", "EUR")
EUR_CHANNEL = "Q2hhbm5lbDoz"
TEE = "UHJvZHVjdFZhcmlhbnQ6MzQz"  # 50.00 USD in README's checkout
SOCKS = "UHJvZHVjdFZhcmlhbnQ6Mzg2"  # 2 x 1.59 USD in README's checkout
MUG = "UHJvZHVjdFZhcmlhbnQ6OTk5"  # in no default checkout

FIVE_OFF: dict[str, Any] = {
    "name": "5 off",
    "kind": "fixed_amount",
    "points_cost": 500,
    "amounts": {"USD": "5.00", "SEK": "50.00"},
}


# --- helpers --------------------------------------------------------------------------------------
def staff(saleor: FakeSaleor, *permissions: str) -> dict[str, str]:
    if not permissions:
        return staff_headers(saleor)
    return staff_headers(saleor, user_permissions=list(permissions))


async def new_reward(client: httpx.AsyncClient, saleor: FakeSaleor, **fields: Any) -> dict[str, Any]:
    response = await client.post("/api/admin/rewards", json=fields, headers=staff(saleor))
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def get_reward(client: httpx.AsyncClient, saleor: FakeSaleor, reward_id: int) -> dict[str, Any]:
    response = await client.get(f"/api/admin/rewards/{reward_id}", headers=staff(saleor))
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def shopper_rewards(
    client: httpx.AsyncClient, saleor: FakeSaleor, currency: str | None = None
) -> dict[str, Any]:
    params = {"currency": currency} if currency else {}
    response = await client.get("/api/storefront/rewards", params=params, headers=shopper_headers(saleor))
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def listed_ids(client: httpx.AsyncClient, saleor: FakeSaleor, currency: str = "USD") -> list[int]:
    return [r["id"] for r in (await shopper_rewards(client, saleor, currency))["rewards"]]


def sek_checkout(
    saleor: FakeSaleor,
    lines: list[tuple[str, int, str]] | None = None,
    shipping: str | None = "0",
) -> str:
    return saleor.add_checkout(
        channel=SWEDEN, channel_id=SEK_CHANNEL, lines=lines or [(TEE, 1, "300.00")], shipping=shipping
    )


def usd_checkout(
    saleor: FakeSaleor, lines: list[tuple[str, int, str]] | None = None, shipping: str | None = "0"
) -> str:
    return saleor.add_checkout(lines=lines, shipping=shipping)


def voucher_on(saleor: FakeSaleor, checkout_id: str) -> dict[str, Any]:
    code = saleor.checkout(checkout_id).voucher_code
    assert code is not None and code.startswith("LOJAL-")
    voucher = saleor.voucher_for_code(code)
    assert voucher is not None
    return voucher


def lojal_vouchers(saleor: FakeSaleor) -> list[dict[str, Any]]:
    return [v for v in saleor.vouchers.values() if any(c.startswith("LOJAL-") for c in v["codes"])]


def listing(voucher: dict[str, Any]) -> dict[str, Decimal]:
    return {channel: data["discountValue"] for channel, data in voucher["channelListings"].items()}


def money(body: dict[str, Any]) -> tuple[Decimal, str]:
    return Decimal(body["amount"]), body["currency"]


async def complete_and_deliver(
    client: httpx.AsyncClient, saleor: FakeSaleor, checkout_id: str, number: str
) -> dict[str, Any]:
    order = saleor.complete_checkout(checkout_id, number=number)
    assert (await deliver(client, saleor, "ORDER_FULLY_PAID", order)).status_code == 200
    return order


async def assert_books_balance(database: Database) -> None:
    assert await find_problems(database) == []


async def undo(
    client: httpx.AsyncClient, saleor: FakeSaleor, checkout_id: str, hold_id: int
) -> httpx.Response:
    return await client.delete(f"{redemptions_url(checkout_id)}/{hold_id}", headers=shopper_headers(saleor))


@pytest.fixture
async def store(client: httpx.AsyncClient, installed: FakeSaleor) -> FakeSaleor:
    """Jane has START points; Sweden sells in SEK with its own point value (0.10 SEK a point)."""
    await give_points(client, installed, START)
    program = await client.put(
        "/api/admin/program",
        json={"redeem_attempts_per_10_minutes": 1000, "redeem_max_share_percent": 100},
        headers=staff(installed),
    )
    assert program.status_code == 200, program.text
    rule = await client.put(
        "/api/admin/program/channels/sweden",
        json={"currency": "SEK", "points_per_unit": "0.1", "point_value": "0.1"},
        headers=staff(installed),
    )
    assert rule.status_code == 200, rule.text
    return installed


# --- the admin API ----------------------------------------------------------------------------------
class TestAdminRewards:
    async def test_create_read_update_deactivate(
        self, client: httpx.AsyncClient, installed: FakeSaleor
    ) -> None:
        created = await new_reward(client, installed, **FIVE_OFF, description="Five off your order")
        assert created["id"] > 0
        assert created["amounts"] == {"USD": "5.00", "SEK": "50.00"}
        assert (created["kind"], created["points_cost"], created["is_active"]) == ("fixed_amount", 500, True)
        assert created["codes_total"] is None and created["codes_free"] is None

        listed = await client.get("/api/admin/rewards", headers=staff(installed))
        assert listed.status_code == 200
        assert [r["id"] for r in listed.json()] == [created["id"]]
        assert await get_reward(client, installed, created["id"]) == created

        changed = await client.put(
            f"/api/admin/rewards/{created['id']}",
            json={**FIVE_OFF, "name": "Five off", "points_cost": 450, "stock": 10},
            headers=staff(installed),
        )
        assert changed.status_code == 200, changed.text
        assert (changed.json()["name"], changed.json()["points_cost"], changed.json()["stock"]) == (
            "Five off",
            450,
            10,
        )
        assert (await get_reward(client, installed, created["id"]))["points_cost"] == 450

        deleted = await client.delete(f"/api/admin/rewards/{created['id']}", headers=staff(installed))
        assert deleted.status_code == 204
        # Switched off, never deleted: redemptions keep pointing at it.
        assert (await get_reward(client, installed, created["id"]))["is_active"] is False
        again = await client.delete(f"/api/admin/rewards/{created['id']}", headers=staff(installed))
        assert again.status_code == 204

    async def test_unknown_reward_is_404(self, client: httpx.AsyncClient, installed: FakeSaleor) -> None:
        headers = staff(installed)
        assert (await client.get("/api/admin/rewards/999", headers=headers)).status_code == 404
        assert (await client.put("/api/admin/rewards/999", json=FIVE_OFF, headers=headers)).status_code == 404
        assert (await client.delete("/api/admin/rewards/999", headers=headers)).status_code == 404
        codes = await client.post("/api/admin/rewards/999/codes", json={"codes": ["A"]}, headers=headers)
        assert codes.status_code == 404

    async def test_reading_needs_manage_users_and_writing_manage_discounts(
        self, client: httpx.AsyncClient, installed: FakeSaleor
    ) -> None:
        partner = await new_reward(client, installed, name="Coffee", kind="partner", points_cost=100)
        rid = partner["id"]
        assert (await client.get("/api/admin/rewards")).status_code == 401
        assert (await client.post("/api/admin/rewards", json=FIVE_OFF)).status_code == 401

        reader = staff(installed, "MANAGE_USERS")
        assert (await client.get("/api/admin/rewards", headers=reader)).status_code == 200
        assert (await client.get(f"/api/admin/rewards/{rid}", headers=reader)).status_code == 200
        refused = [
            await client.post("/api/admin/rewards", json=FIVE_OFF, headers=reader),
            await client.put(
                f"/api/admin/rewards/{rid}",
                json={"name": "Tea", "kind": "partner", "points_cost": 100},
                headers=reader,
            ),
            await client.delete(f"/api/admin/rewards/{rid}", headers=reader),
            await client.post(f"/api/admin/rewards/{rid}/codes", json={"codes": ["X"]}, headers=reader),
        ]
        for response in refused:
            assert response.status_code == 403, response.text
            assert response.json()["error"] == "missing_permission"
            assert response.json()["missing_permissions"] == ["MANAGE_DISCOUNTS"]

        writer = staff(installed, "MANAGE_DISCOUNTS")
        assert (await client.post("/api/admin/rewards", json=FIVE_OFF, headers=writer)).status_code == 201
        codes = await client.post(f"/api/admin/rewards/{rid}/codes", json={"codes": ["X"]}, headers=writer)
        assert codes.status_code == 200
        for path in ("/api/admin/rewards", f"/api/admin/rewards/{rid}"):
            response = await client.get(path, headers=writer)
            assert response.status_code == 403
            assert response.json()["missing_permissions"] == ["MANAGE_USERS"]
        # Nothing the reader tried changed anything.
        assert (await get_reward(client, installed, rid))["name"] == "Coffee"
        assert (await get_reward(client, installed, rid))["is_active"] is True

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"name": "x", "kind": "fixed_amount", "points_cost": 100}, "body.amounts"),
            ({"name": "x", "kind": "percentage", "points_cost": 100}, "body.percentage"),
            ({"name": "x", "kind": "product", "points_cost": 100}, "body.variant_id"),
            ({**FIVE_OFF, "points_cost": 0}, "body.points_cost"),
            ({**FIVE_OFF, "points_cost": 10_000_001}, "body.points_cost"),
            ({**FIVE_OFF, "amounts": {"usd": "5.00"}}, "body.amounts"),
            ({**FIVE_OFF, "amounts": {"USD": "0"}}, "body.amounts"),
            ({**FIVE_OFF, "amounts": {"USD": "-5"}}, "body.amounts"),
            ({**FIVE_OFF, "amounts": {"USD": "five"}}, "body.amounts"),
            ({**FIVE_OFF, "amounts": {"USD": "NaN"}}, "body.amounts"),
            ({**FIVE_OFF, "amounts": {"USD": "5.00001"}}, "body.amounts"),
            ({**FIVE_OFF, "amounts": {"USD": 5}}, "body.amounts"),
            ({"name": "x", "kind": "percentage", "points_cost": 1, "percentage": "150"}, "body.percentage"),
            ({"name": "x", "kind": "percentage", "points_cost": 1, "percentage": "0"}, "body.percentage"),
            (
                {"name": "x", "kind": "percentage", "points_cost": 1, "percentage": "12.345"},
                "body.percentage",
            ),
            (
                {
                    "name": "x",
                    "kind": "percentage",
                    "points_cost": 1,
                    "percentage": "10",
                    "max_amounts": {"USD": "-1"},
                },
                "body.max_amounts",
            ),
            ({**FIVE_OFF, "min_order_amounts": {"EURO": "5"}}, "body.min_order_amounts"),
            ({**FIVE_OFF, "starts_at": "2026-12-01T00:00:00"}, "body.starts_at"),
            (
                {**FIVE_OFF, "starts_at": "2026-12-02T00:00:00Z", "ends_at": "2026-12-01T00:00:00Z"},
                "body.ends_at",
            ),
            ({**FIVE_OFF, "stock": -1}, "body.stock"),
            ({**FIVE_OFF, "per_member_limit": 0}, "body.per_member_limit"),
            ({**FIVE_OFF, "kind": "cashback"}, "body.kind"),
            ({**FIVE_OFF, "name": "   "}, "body.name"),
            ({**FIVE_OFF, "name": "x" * 256}, "body.name"),
            ({**FIVE_OFF, "colour": "red"}, "body.colour"),
        ],
    )
    async def test_invalid_bodies_are_422_naming_the_field(
        self, client: httpx.AsyncClient, installed: FakeSaleor, body: dict[str, Any], field: str
    ) -> None:
        for response in (
            await client.post("/api/admin/rewards", json=body, headers=staff(installed)),
            await client.put(
                f"/api/admin/rewards/{(await new_reward(client, installed, **FIVE_OFF))['id']}",
                json=body,
                headers=staff(installed),
            ),
        ):
            assert response.status_code == 422, response.text
            assert response.json()["error"] == "invalid_request"
            fields = [error["field"] for error in response.json()["errors"]]
            assert any(f == field or f.startswith(field + ".") for f in fields), fields
        [unchanged] = (await client.get("/api/admin/rewards", headers=staff(installed))).json()
        assert (unchanged["name"], unchanged["points_cost"], unchanged["amounts"]) == (
            "5 off",
            500,
            {"USD": "5.00", "SEK": "50.00"},
        )

    async def test_codes_body_is_validated(self, client: httpx.AsyncClient, installed: FakeSaleor) -> None:
        partner = await new_reward(client, installed, name="Coffee", kind="partner", points_cost=100)
        bodies: list[dict[str, Any]] = [
            {"codes": []},
            {"codes": [""]},
            {"codes": ["  "]},
            {"codes": "A,B"},
            {},
        ]
        for body in bodies:
            response = await client.post(
                f"/api/admin/rewards/{partner['id']}/codes", json=body, headers=staff(installed)
            )
            assert response.status_code == 422, body
            assert any(e["field"].startswith("body") for e in response.json()["errors"])
        fixed = await new_reward(client, installed, **FIVE_OFF)
        response = await client.post(
            f"/api/admin/rewards/{fixed['id']}/codes", json={"codes": ["A"]}, headers=staff(installed)
        )
        assert response.status_code == 404  # codes belong to partner rewards only

    async def test_stores_never_see_each_others_rewards(
        self,
        client: httpx.AsyncClient,
        installed: FakeSaleor,
        installed_other: FakeSaleor,
        database: Database,
    ) -> None:
        ours = await new_reward(client, installed, **FIVE_OFF)
        partner = await new_reward(client, installed, name="Coffee", kind="partner", points_cost=100)
        theirs = staff(installed_other)
        assert (await client.get("/api/admin/rewards", headers=theirs)).json() == []
        for reward_id in (ours["id"], partner["id"]):
            path = f"/api/admin/rewards/{reward_id}"
            assert (await client.get(path, headers=theirs)).status_code == 404
            assert (await client.put(path, json=FIVE_OFF, headers=theirs)).status_code == 404
            assert (await client.delete(path, headers=theirs)).status_code == 404
            codes = await client.post(f"{path}/codes", json={"codes": ["STOLEN"]}, headers=theirs)
            assert codes.status_code == 404
        assert (await get_reward(client, installed, ours["id"]))["is_active"] is True
        assert (await get_reward(client, installed, partner["id"]))["codes_total"] == 0
        # A token of one store is not a token of the other.
        forged = {**staff(installed), "saleor-api-url": installed_other.api_url}
        assert (await client.get("/api/admin/rewards", headers=forged)).status_code == 401

        # Their shopper cannot redeem our reward, and does not see it.
        await give_points(client, installed_other, 2000)
        checkout_id = installed_other.add_checkout()
        response = await client.post(
            redemptions_url(checkout_id),
            json={"reward_id": ours["id"]},
            headers=shopper_headers(installed_other),
        )
        assert response.status_code == 404, response.text
        listing_b = await client.get(
            "/api/storefront/rewards", params={"currency": "USD"}, headers=shopper_headers(installed_other)
        )
        assert listing_b.json()["rewards"] == []
        assert lojal_vouchers(installed_other) == []
        await assert_books_balance(database)


# --- every kind, in two currencies ---------------------------------------------------------------
class TestFlexiblePointsPerCurrency:
    async def test_point_value_is_the_channels(
        self, client: httpx.AsyncClient, store: FakeSaleor, database: Database
    ) -> None:
        usd = usd_checkout(store)
        sek = sek_checkout(store)
        in_usd = await redeem(client, store, usd, points=1000)
        in_sek = await redeem(client, store, sek, points=1000)
        assert in_usd.status_code == 201 and in_sek.status_code == 201, (in_usd.text, in_sek.text)
        assert money(in_usd.json()["redemption"]["discount"]) == (Decimal("10.00"), "USD")
        assert money(in_sek.json()["redemption"]["discount"]) == (Decimal("100.00"), "SEK")
        assert listing(voucher_on(store, usd)) == {USD_CHANNEL: Decimal("10.00")}
        assert listing(voucher_on(store, sek)) == {SEK_CHANNEL: Decimal("100.00")}
        assert money(in_sek.json()["checkout"]["total"]) == (Decimal("200.00"), "SEK")
        assert (await points(client, store))["held"] == 2000
        await assert_books_balance(database)


class TestFixedAmount:
    async def test_used_in_both_currencies_and_refused_in_a_third(
        self, client: httpx.AsyncClient, store: FakeSaleor, database: Database, worker: Worker
    ) -> None:
        reward = await new_reward(client, store, **FIVE_OFF)
        usd, sek = usd_checkout(store), sek_checkout(store)
        for checkout_id, channel_id, currency, amount in (
            (usd, USD_CHANNEL, "USD", Decimal("5.00")),
            (sek, SEK_CHANNEL, "SEK", Decimal("50.00")),
        ):
            response = await redeem(client, store, checkout_id, reward_id=reward["id"])
            assert response.status_code == 201, response.text
            body = response.json()
            assert (body["redemption"]["kind"], body["redemption"]["reward_id"]) == (
                "fixed_amount",
                reward["id"],
            )
            assert body["redemption"]["points"] == 500
            assert money(body["redemption"]["discount"]) == (amount, currency)
            assert money(body["checkout"]["discount"]) == (amount, currency)
            voucher = voucher_on(store, checkout_id)
            assert (voucher["type"], voucher["discountValueType"]) == ("ENTIRE_ORDER", "FIXED")
            assert listing(voucher) == {channel_id: amount}

        eur = store.add_checkout(channel=EURO, channel_id=EUR_CHANNEL)
        refused = await redeem(client, store, eur, reward_id=reward["id"])
        assert refused.status_code == 409, refused.text
        assert refused.json()["error"] == "reward_unavailable"
        assert "EUR" in refused.json()["detail"]
        assert store.checkout(eur).voucher_code is None
        state = await points(client, store)
        assert (state["available"], state["held"]) == (START - 1000, 1000)

        await complete_and_deliver(client, store, usd, "31")
        await complete_and_deliver(client, store, sek, "32")
        committed = [h for h in await holds(database) if h.status == "committed"]
        assert sorted((h.currency, h.points_committed) for h in committed) == [("SEK", 500), ("USD", 500)]
        await worker.drain()
        assert lojal_vouchers(store) == []
        await assert_books_balance(database)

    async def test_more_than_the_subtotal_is_refused_and_nothing_is_held(
        self, client: httpx.AsyncClient, store: FakeSaleor, database: Database
    ) -> None:
        reward = await new_reward(client, store, **FIVE_OFF)
        small = sek_checkout(store, lines=[(TEE, 1, "30.00")], shipping="49.00")
        response = await redeem(client, store, small, reward_id=reward["id"])
        assert response.status_code == 422, response.text
        assert response.json()["error"] == "invalid_redemption"
        assert await holds(database) == []
        assert lojal_vouchers(store) == []
        assert (await points(client, store))["available"] == START
        exact = sek_checkout(store, lines=[(TEE, 1, "50.00")], shipping="49.00")
        response = await redeem(client, store, exact, reward_id=reward["id"])
        assert response.status_code == 201, response.text
        # The whole subtotal, never the shipping.
        assert money(response.json()["checkout"]["total"]) == (Decimal("49.00"), "SEK")
        await assert_books_balance(database)


class TestPercentage:
    @pytest.mark.parametrize(
        ("channel", "channel_id", "subtotal", "expected"),
        [
            (("default-channel", "USD"), USD_CHANNEL, "53.18", "5.00"),  # 10.63, capped at 5.00
            (("default-channel", "USD"), USD_CHANNEL, "20.00", "4.00"),  # under the cap
            (SWEDEN, SEK_CHANNEL, "100.00", "20.00"),  # under the cap
            (SWEDEN, SEK_CHANNEL, "300.00", "40.00"),  # 60.00, capped at 40.00
            (EURO, EUR_CHANNEL, "333.33", "66.66"),  # no cap in EUR; whole cents, rounded down
        ],
    )
    async def test_capped_per_currency_as_a_fixed_voucher(
        self,
        client: httpx.AsyncClient,
        store: FakeSaleor,
        database: Database,
        channel: tuple[str, str],
        channel_id: str,
        subtotal: str,
        expected: str,
    ) -> None:
        reward = await new_reward(
            client,
            store,
            name="20% off",
            kind="percentage",
            points_cost=800,
            percentage="20",
            max_amounts={"USD": "5.00", "SEK": "40.00"},
        )
        checkout_id = store.add_checkout(channel=channel, channel_id=channel_id, lines=[(TEE, 1, subtotal)])
        response = await redeem(client, store, checkout_id, reward_id=reward["id"])
        assert response.status_code == 201, response.text
        assert money(response.json()["redemption"]["discount"]) == (Decimal(expected), channel[1])
        assert response.json()["redemption"]["points"] == 800
        voucher = voucher_on(store, checkout_id)
        # Saleor's percentage vouchers have no cap: a FIXED voucher for the computed amount.
        assert (voucher["type"], voucher["discountValueType"]) == ("ENTIRE_ORDER", "FIXED")
        assert listing(voucher) == {channel_id: Decimal(expected)}
        assert money(response.json()["checkout"]["total"]) == (
            Decimal(subtotal) - Decimal(expected),
            channel[1],
        )
        await complete_and_deliver(client, store, checkout_id, "33")
        [hold] = await holds(database)
        assert (hold.status, hold.points_committed) == ("committed", 800)
        await assert_books_balance(database)


class TestFreeShipping:
    @pytest.mark.parametrize(
        ("channel", "channel_id", "shipping"),
        [(("default-channel", "USD"), USD_CHANNEL, "9.99"), (SWEDEN, SEK_CHANNEL, "49.00")],
    )
    async def test_shipping_voucher_takes_the_shipping_to_zero(
        self,
        client: httpx.AsyncClient,
        store: FakeSaleor,
        database: Database,
        worker: Worker,
        channel: tuple[str, str],
        channel_id: str,
        shipping: str,
    ) -> None:
        reward = await new_reward(client, store, name="Free shipping", kind="free_shipping", points_cost=300)
        checkout_id = store.add_checkout(
            channel=channel, channel_id=channel_id, lines=[(TEE, 1, "100.00")], shipping=shipping
        )
        response = await redeem(client, store, checkout_id, reward_id=reward["id"])
        assert response.status_code == 201, response.text
        body = response.json()
        currency = channel[1]
        assert money(body["checkout"]["shipping"]) == (Decimal(0), currency)
        assert money(body["checkout"]["total"]) == (Decimal("100.00"), currency)
        assert money(body["checkout"]["discount"]) == (Decimal(shipping), currency)
        assert money(body["redemption"]["discount"]) == (Decimal(shipping), currency)
        voucher = voucher_on(store, checkout_id)
        assert (voucher["type"], voucher["discountValueType"]) == ("SHIPPING", "PERCENTAGE")
        assert listing(voucher) == {channel_id: Decimal(100)}
        order = await complete_and_deliver(client, store, checkout_id, "34")
        assert Decimal(str(order["order"]["shippingPrice"]["gross"]["amount"])) == 0
        [hold] = await holds(database)
        assert (hold.status, hold.points_committed) == ("committed", 300)
        await worker.drain()
        assert lojal_vouchers(store) == []
        await assert_books_balance(database)

    async def test_no_delivery_method_yet_is_refused_by_saleor(
        self, client: httpx.AsyncClient, store: FakeSaleor, database: Database
    ) -> None:
        reward = await new_reward(client, store, name="Free shipping", kind="free_shipping", points_cost=300)
        checkout_id = usd_checkout(store, shipping=None)
        response = await redeem(client, store, checkout_id, reward_id=reward["id"])
        assert response.status_code == 409, response.text
        assert response.json()["error"] == "discount_refused"
        assert (await points(client, store))["held"] == 0
        assert lojal_vouchers(store) == []
        await assert_books_balance(database)


class TestProduct:
    @pytest.mark.parametrize(
        ("channel", "channel_id", "unit_price"),
        [(("default-channel", "USD"), USD_CHANNEL, "1.59"), (SWEDEN, SEK_CHANNEL, "15.00")],
    )
    async def test_one_unit_of_the_variant_free(
        self,
        client: httpx.AsyncClient,
        store: FakeSaleor,
        database: Database,
        worker: Worker,
        channel: tuple[str, str],
        channel_id: str,
        unit_price: str,
    ) -> None:
        reward = await new_reward(
            client, store, name="Free socks", kind="product", points_cost=200, variant_id=SOCKS
        )
        checkout_id = store.add_checkout(
            channel=channel, channel_id=channel_id, lines=[(TEE, 1, "50.00"), (SOCKS, 2, unit_price)]
        )
        response = await redeem(client, store, checkout_id, reward_id=reward["id"])
        assert response.status_code == 201, response.text
        currency = channel[1]
        # One unit only (applyOncePerOrder), whatever the quantity.
        assert money(response.json()["redemption"]["discount"]) == (Decimal(unit_price), currency)
        assert money(response.json()["checkout"]["total"]) == (
            Decimal("50.00") + Decimal(unit_price),
            currency,
        )
        voucher = voucher_on(store, checkout_id)
        assert (voucher["type"], voucher["discountValueType"]) == ("SPECIFIC_PRODUCT", "PERCENTAGE")
        assert voucher["variants"] == [SOCKS]
        assert voucher["applyOncePerOrder"] is True
        assert listing(voucher) == {channel_id: Decimal(100)}
        await complete_and_deliver(client, store, checkout_id, "35")
        [hold] = await holds(database)
        assert (hold.status, hold.points_committed) == ("committed", 200)
        await worker.drain()
        assert lojal_vouchers(store) == []
        await assert_books_balance(database)

    async def test_discounted_not_free(
        self, client: httpx.AsyncClient, store: FakeSaleor, database: Database
    ) -> None:
        reward = await new_reward(
            client,
            store,
            name="Half-price tee",
            kind="product",
            points_cost=200,
            variant_id=TEE,
            percentage="50",
        )
        checkout_id = usd_checkout(store)
        response = await redeem(client, store, checkout_id, reward_id=reward["id"])
        assert response.status_code == 201, response.text
        assert money(response.json()["redemption"]["discount"]) == (Decimal("25.00"), "USD")
        assert listing(voucher_on(store, checkout_id)) == {USD_CHANNEL: Decimal(50)}
        await assert_books_balance(database)

    async def test_refused_when_the_variant_is_not_in_the_checkout(
        self, client: httpx.AsyncClient, store: FakeSaleor, database: Database
    ) -> None:
        reward = await new_reward(
            client, store, name="Free mug", kind="product", points_cost=200, variant_id=MUG
        )
        checkout_id = usd_checkout(store)
        response = await redeem(client, store, checkout_id, reward_id=reward["id"])
        assert response.status_code == 422, response.text
        assert response.json()["error"] == "invalid_redemption"
        assert await holds(database) == []
        assert lojal_vouchers(store) == []
        assert (await points(client, store))["available"] == START
        await assert_books_balance(database)


class TestPartner:
    async def test_codes_pool_hands_out_each_code_once(
        self, client: httpx.AsyncClient, store: FakeSaleor, database: Database
    ) -> None:
        reward = await new_reward(client, store, name="Coffee", kind="partner", points_cost=100)
        path = f"/api/admin/rewards/{reward['id']}/codes"
        first = await client.post(
            path, json={"codes": ["CAFE-1", "CAFE-2", "CAFE-1", " CAFE-3 "]}, headers=staff(store)
        )
        assert first.status_code == 200, first.text
        assert first.json() == {"added": 3, "skipped": 1, "codes_total": 3, "codes_free": 3}
        second = await client.post(path, json={"codes": ["CAFE-2", "CAFE-4"]}, headers=staff(store))
        assert second.json() == {"added": 1, "skipped": 1, "codes_total": 4, "codes_free": 4}

        checkout_id = usd_checkout(store)
        handed: list[str] = []
        for n in range(4):
            response = await redeem(client, store, checkout_id, reward_id=reward["id"])
            assert response.status_code == 201, response.text
            body = response.json()
            assert body["redemption"]["status"] == "committed"  # the code is the reward: spent at once
            assert body["redemption"]["kind"] == "partner"
            assert body["checkout"] is None
            handed.append(body["redemption"]["partner_code"])
            state = await points(client, store)
            assert (state["available"], state["held"]) == (START - 100 * (n + 1), 0)
        assert sorted(handed) == ["CAFE-1", "CAFE-2", "CAFE-3", "CAFE-4"]
        assert (await get_reward(client, store, reward["id"]))["codes_free"] == 0

        empty = await redeem(client, store, checkout_id, reward_id=reward["id"])
        assert empty.status_code == 409
        assert empty.json()["error"] == "reward_unavailable"
        state = await points(client, store)
        assert (state["available"], state["held"], state["lifetime_redeemed"]) == (START - 400, 0, 400)
        # No Saleor discount is involved at all.
        assert not [name for name, _ in store.calls if name.startswith("LojalVoucher")]
        assert store.checkout(checkout_id).voucher_code is None
        # Spent means spent: a partner redemption cannot be undone.
        [first_hold, *_] = await holds(database)
        assert (await undo(client, store, checkout_id, first_hold.id)).status_code == 409
        # More codes make it available again.
        more = await client.post(path, json={"codes": ["CAFE-5"]}, headers=staff(store))
        assert more.json()["codes_free"] == 1
        assert (await redeem(client, store, checkout_id, reward_id=reward["id"])).json()["redemption"][
            "partner_code"
        ] == "CAFE-5"
        await assert_books_balance(database)


# --- catalog rules ---------------------------------------------------------------------------------
class TestCatalogRules:
    async def test_minimum_order_per_currency(
        self, client: httpx.AsyncClient, store: FakeSaleor, database: Database
    ) -> None:
        reward = await new_reward(client, store, **FIVE_OFF, min_order_amounts={"USD": "60.00"})
        small = usd_checkout(store)  # 53.18
        response = await redeem(client, store, small, reward_id=reward["id"])
        assert response.status_code == 422, response.text
        assert response.json()["error"] == "invalid_redemption"
        assert response.json()["min_order_amount"] == "60.00"
        assert await holds(database) == []
        big = usd_checkout(store, lines=[(TEE, 1, "60.00")])
        assert (await redeem(client, store, big, reward_id=reward["id"])).status_code == 201
        sek = sek_checkout(store, lines=[(TEE, 1, "55.00")])  # no minimum in SEK
        assert (await redeem(client, store, sek, reward_id=reward["id"])).status_code == 201
        listed = {r["id"]: r for r in (await shopper_rewards(client, store, "USD"))["rewards"]}
        assert listed[reward["id"]]["min_order_amount"] == "60.00"
        listed = {r["id"]: r for r in (await shopper_rewards(client, store, "SEK"))["rewards"]}
        assert listed[reward["id"]]["min_order_amount"] is None
        await assert_books_balance(database)

    async def test_per_member_limit_counts_open_and_used_not_released(
        self, client: httpx.AsyncClient, store: FakeSaleor, database: Database
    ) -> None:
        reward = await new_reward(client, store, **FIVE_OFF, per_member_limit=1)
        first_checkout, second_checkout = usd_checkout(store), usd_checkout(store)
        first = await redeem(client, store, first_checkout, reward_id=reward["id"])
        assert first.status_code == 201
        second = await redeem(client, store, second_checkout, reward_id=reward["id"])
        assert second.status_code == 409
        assert second.json()["error"] == "reward_unavailable"
        assert (
            await undo(client, store, first_checkout, first.json()["redemption"]["id"])
        ).status_code == 200
        again = await redeem(client, store, second_checkout, reward_id=reward["id"])
        assert again.status_code == 201, again.text
        await complete_and_deliver(client, store, second_checkout, "36")
        third = await redeem(client, store, first_checkout, reward_id=reward["id"])
        assert third.status_code == 409  # the used one counts
        state = await points(client, store)
        assert (state["available"], state["held"], state["lifetime_redeemed"]) == (START - 500, 0, 500)
        await assert_books_balance(database)

    async def test_stock_goes_down_and_comes_back_on_release(
        self, client: httpx.AsyncClient, store: FakeSaleor, database: Database, worker: Worker
    ) -> None:
        reward = await new_reward(client, store, **FIVE_OFF, stock=2)
        rid = reward["id"]
        a, b, c = usd_checkout(store), usd_checkout(store), usd_checkout(store)
        first = await redeem(client, store, a, reward_id=rid)
        assert first.status_code == 201
        assert (await get_reward(client, store, rid))["stock"] == 1
        assert (await redeem(client, store, b, reward_id=rid)).status_code == 201
        assert (await get_reward(client, store, rid))["stock"] == 0
        sold_out = await redeem(client, store, c, reward_id=rid)
        assert sold_out.status_code == 409
        assert sold_out.json()["error"] == "reward_unavailable"
        assert "stock" in sold_out.json()["detail"]
        assert rid not in await listed_ids(client, store)

        assert (await undo(client, store, a, first.json()["redemption"]["id"])).status_code == 200
        assert (await get_reward(client, store, rid))["stock"] == 1
        assert rid in await listed_ids(client, store)

        clock.travel(timedelta(hours=25))  # b was never ordered: the sweep releases it
        assert (await worker.jobs())["holds_released"] == 1
        assert (await get_reward(client, store, rid))["stock"] == 2
        assert (await redeem(client, store, c, reward_id=rid)).status_code == 201
        assert (await get_reward(client, store, rid))["stock"] == 1
        # An order uses the unit; cancelling the order later gives the points back.
        order = store.complete_checkout(c, number="37")
        assert (await deliver(client, store, "ORDER_FULLY_PAID", order)).status_code == 200
        assert (await get_reward(client, store, rid))["stock"] == 1
        cancelled = {**order, "order": {**order["order"], "status": "CANCELED"}}
        assert (await deliver(client, store, "ORDER_CANCELLED", cancelled)).status_code == 200
        # Saleor failing midway gives the unit back too.
        store.fail_operations["LojalVoucherCreate"] = 1
        failed = await redeem(client, store, a, reward_id=rid)
        assert failed.status_code == 502
        assert (await get_reward(client, store, rid))["stock"] == 1
        await worker.drain()
        assert lojal_vouchers(store) == []
        state = await points(client, store)
        assert (state["available"], state["held"]) == (START, 0)
        await assert_books_balance(database)

    async def test_time_window(
        self, client: httpx.AsyncClient, store: FakeSaleor, database: Database
    ) -> None:
        now = clock.now()
        reward = await new_reward(
            client,
            store,
            **FIVE_OFF,
            starts_at=(now + timedelta(days=1)).isoformat(),
            ends_at=(now + timedelta(days=3)).isoformat(),
        )
        rid = reward["id"]
        early = await redeem(client, store, usd_checkout(store), reward_id=rid)
        assert early.status_code == 409
        assert early.json()["error"] == "reward_unavailable"
        assert "not available yet" in early.json()["detail"]
        assert rid not in await listed_ids(client, store)

        clock.travel(timedelta(days=1, minutes=1))
        assert rid in await listed_ids(client, store)
        assert (await redeem(client, store, usd_checkout(store), reward_id=rid)).status_code == 201

        clock.travel(timedelta(days=2))
        late = await redeem(client, store, usd_checkout(store), reward_id=rid)
        assert late.status_code == 409
        assert "ended" in late.json()["detail"]
        assert rid not in await listed_ids(client, store)
        await assert_books_balance(database)

    async def test_deactivated_reward_is_refused_and_hidden(
        self, client: httpx.AsyncClient, store: FakeSaleor, database: Database
    ) -> None:
        reward = await new_reward(client, store, **FIVE_OFF)
        assert reward["id"] in await listed_ids(client, store)
        deleted = await client.delete(f"/api/admin/rewards/{reward['id']}", headers=staff(store))
        assert deleted.status_code == 204
        response = await redeem(client, store, usd_checkout(store), reward_id=reward["id"])
        assert response.status_code == 409
        assert response.json()["error"] == "reward_unavailable"
        assert reward["id"] not in await listed_ids(client, store)
        assert await holds(database) == []
        await assert_books_balance(database)

    async def test_unknown_reward_is_404(self, client: httpx.AsyncClient, store: FakeSaleor) -> None:
        response = await redeem(client, store, usd_checkout(store), reward_id=987654)
        assert response.status_code == 404


# --- what the shopper sees -------------------------------------------------------------------------
class TestShopperListing:
    async def test_affordable_missing_and_offered_in_the_currency(
        self, client: httpx.AsyncClient, store: FakeSaleor, database: Database
    ) -> None:
        both = await new_reward(client, store, **{**FIVE_OFF, "points_cost": 1000})
        sek_only = await new_reward(
            client, store, name="SEK 30 off", kind="fixed_amount", points_cost=300, amounts={"SEK": "30.00"}
        )
        percent = await new_reward(
            client, store, name="10%", kind="percentage", points_cost=5000, percentage="10"
        )
        shipping = await new_reward(
            client, store, name="Free shipping", kind="free_shipping", points_cost=6000
        )
        partner = await new_reward(client, store, name="Coffee", kind="partner", points_cost=200)
        uploaded = await client.post(
            f"/api/admin/rewards/{partner['id']}/codes", json={"codes": ["COFFEE-1"]}, headers=staff(store)
        )
        assert uploaded.status_code == 200  # a partner reward is offered while its pool has a code
        gold = await new_reward(client, store, **FIVE_OFF, tier_required="gold")
        gone = await new_reward(client, store, **FIVE_OFF)
        await client.delete(f"/api/admin/rewards/{gone['id']}", headers=staff(store))
        assert gold["id"] and gone["id"]

        usd = await shopper_rewards(client, store, "USD")
        assert usd["points_available"] == START
        by_id = {r["id"]: r for r in usd["rewards"]}
        # Cheapest first; the SEK-only amount, the tier reward and the switched-off one are not shown.
        assert [r["id"] for r in usd["rewards"]] == [partner["id"], both["id"], percent["id"], shipping["id"]]
        assert (by_id[both["id"]]["value"], by_id[both["id"]]["currency"]) == ("5.00", "USD")
        assert Decimal(by_id[percent["id"]]["value"]) == Decimal(10)
        assert by_id[shipping["id"]]["value"] is None
        assert [(r["affordable"], r["points_missing"]) for r in usd["rewards"]] == [
            (True, 0),
            (True, 0),
            (True, 0),
            (False, 1000),
        ]

        sek = await shopper_rewards(client, store, "SEK")
        assert [r["id"] for r in sek["rewards"]] == [
            partner["id"],
            sek_only["id"],
            both["id"],
            percent["id"],
            shipping["id"],
        ]
        assert {r["id"]: r["value"] for r in sek["rewards"]}[both["id"]] == "50.00"

        # Points held by a redemption are not available to spend.
        assert (await redeem(client, store, usd_checkout(store), reward_id=both["id"])).status_code == 201
        usd = await shopper_rewards(client, store, "USD")
        assert usd["points_available"] == START - 1000
        by_id = {r["id"]: r for r in usd["rewards"]}
        assert (by_id[percent["id"]]["affordable"], by_id[percent["id"]]["points_missing"]) == (False, 1000)
        assert (by_id[both["id"]]["affordable"], by_id[both["id"]]["points_missing"]) == (True, 0)

        everything = await shopper_rewards(client, store)
        assert sek_only["id"] in [r["id"] for r in everything["rewards"]]
        bad = await client.get(
            "/api/storefront/rewards", params={"currency": "usd"}, headers=shopper_headers(store)
        )
        assert bad.status_code == 422
        await assert_books_balance(database)

    async def test_needs_a_shopper_token(self, client: httpx.AsyncClient, installed: FakeSaleor) -> None:
        response = await client.get("/api/storefront/rewards", headers={"saleor-api-url": installed.api_url})
        assert response.status_code == 401

    async def test_partner_reward_with_an_empty_pool_is_not_offered(
        self, client: httpx.AsyncClient, store: FakeSaleor
    ) -> None:
        partner = await new_reward(client, store, name="Coffee", kind="partner", points_cost=200)
        offered = {r["id"]: r for r in (await shopper_rewards(client, store, "USD"))["rewards"]}
        redeemed = await redeem(client, store, usd_checkout(store), reward_id=partner["id"])
        assert redeemed.status_code == 409  # nothing to hand out
        assert partner["id"] not in offered, offered[partner["id"]]
