"""What a client sends is bounded where it is parsed, so nothing reaches the database that the database
cannot hold: ids beyond int64, counts beyond a 32-bit column, text PostgreSQL refuses (NUL, lone
surrogates), dates a timedelta cannot move, amounts beyond the amount column. Each is a 422 (a 4xx in
any case), never a 500, on SQLite and on PostgreSQL."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from tests.factories import customer_body
from tests.fake_saleor import FakeSaleor
from tests.helpers import deliver, shopper_headers, staff_headers

INT64_MAX = 2**63 - 1
INT32_MAX = 2**31 - 1
TOO_BIG_ID = INT64_MAX + 1

REWARD: dict[str, Any] = {
    "name": "5 off",
    "kind": "fixed_amount",
    "points_cost": 500,
    "amounts": {"USD": "5"},
}


async def send(
    client: httpx.AsyncClient, method: str, path: str, body: Any, headers: dict[str, str]
) -> httpx.Response:
    """JSON with lone surrogates escaped (\\ud800), as any JSON encoder may send them."""
    headers = headers | {"content-type": "application/json"}
    return await client.request(method, path, content=json.dumps(body), headers=headers)


def assert_refused(response: httpx.Response, *fields: str) -> None:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "invalid_request"
    named = {error["field"] for error in body["errors"]}
    for field in fields:
        assert any(name.endswith(field) for name in named), (field, named)


class TestIds:
    """Path and query ids are bounded to the 64-bit ids the tables use."""

    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("GET", "/api/admin/members/{id}"),
            ("POST", "/api/admin/members/{id}/enrol"),
            ("POST", "/api/admin/members/{id}/unenrol"),
            ("GET", "/api/admin/members/{id}/export"),
            ("POST", "/api/admin/members/{id}/erase"),
            ("GET", "/api/admin/rewards/{id}"),
            ("DELETE", "/api/admin/rewards/{id}"),
            ("DELETE", "/api/admin/program/multipliers/{id}"),
        ],
    )
    async def test_staff_path_ids_above_int64(
        self, client: httpx.AsyncClient, installed: FakeSaleor, method: str, path: str
    ) -> None:
        headers = staff_headers(installed)
        too_big = await client.request(method, path.format(id=TOO_BIG_ID), headers=headers)
        assert_refused(too_big, "member_id" if "members" in path else "_id")
        zero = await client.request(method, path.format(id=0), headers=headers)
        assert zero.status_code == 422, zero.text
        largest = await client.request(method, path.format(id=INT64_MAX), headers=headers)
        assert largest.status_code == 404, largest.text

    async def test_staff_id_routes_with_bodies(
        self, client: httpx.AsyncClient, installed: FakeSaleor
    ) -> None:
        headers = staff_headers(installed)
        adjust = await client.post(
            f"/api/admin/members/{TOO_BIG_ID}/adjustments",
            json={"points": 5, "reason": "goodwill"},
            headers=headers,
        )
        assert_refused(adjust, "member_id")
        put = await client.put(f"/api/admin/rewards/{TOO_BIG_ID}", json=REWARD, headers=headers)
        assert_refused(put, "reward_id")
        codes = await client.post(
            f"/api/admin/rewards/{TOO_BIG_ID}/codes", json={"codes": ["A"]}, headers=headers
        )
        assert_refused(codes, "reward_id")

    async def test_storefront_redemption_id(self, client: httpx.AsyncClient, installed: FakeSaleor) -> None:
        response = await client.delete(
            f"/api/storefront/checkouts/Q2hlY2tvdXQ6MQ==/redemptions/{TOO_BIG_ID}",
            headers=shopper_headers(installed),
        )
        assert_refused(response, "redemption_id")

    async def test_redeem_reward_id_in_the_body(
        self, client: httpx.AsyncClient, installed: FakeSaleor
    ) -> None:
        response = await client.post(
            "/api/storefront/checkouts/Q2hlY2tvdXQ6MQ==/redemptions",
            json={"reward_id": TOO_BIG_ID},
            headers=shopper_headers(installed),
        )
        assert_refused(response, "reward_id")

    async def test_query_ids_and_pages(self, client: httpx.AsyncClient, installed: FakeSaleor) -> None:
        headers = staff_headers(installed)
        redemptions = await client.get(
            "/api/admin/redemptions", params={"member_id": TOO_BIG_ID}, headers=headers
        )
        assert_refused(redemptions, "member_id")
        fine = await client.get("/api/admin/redemptions", params={"member_id": INT64_MAX}, headers=headers)
        assert fine.status_code == 200, fine.text
        page = await client.get("/api/admin/members", params={"page": TOO_BIG_ID}, headers=headers)
        assert_refused(page, "page")

    async def test_history_cursor_beyond_int64(
        self, client: httpx.AsyncClient, installed: FakeSaleor
    ) -> None:
        cursor = base64.urlsafe_b64encode(f"e:{TOO_BIG_ID}".encode()).decode().rstrip("=")
        response = await client.get(
            "/api/storefront/me/history", params={"cursor": cursor}, headers=shopper_headers(installed)
        )
        assert response.status_code == 400, response.text


class TestInt32Columns:
    """Counts stored in 32-bit INTEGER columns are bounded by the column."""

    @pytest.mark.parametrize("field", ["per_member_limit", "stock", "points_cost"])
    async def test_reward_counts(self, client: httpx.AsyncClient, installed: FakeSaleor, field: str) -> None:
        headers = staff_headers(installed)
        too_big = await client.post(
            "/api/admin/rewards", json=REWARD | {field: INT32_MAX + 1}, headers=headers
        )
        assert_refused(too_big, field)

    async def test_reward_counts_at_the_limit_are_stored(
        self, client: httpx.AsyncClient, installed: FakeSaleor
    ) -> None:
        headers = staff_headers(installed)
        body = REWARD | {"per_member_limit": INT32_MAX, "stock": INT32_MAX}
        created = await client.post("/api/admin/rewards", json=body, headers=headers)
        assert created.status_code == 201, created.text
        assert created.json()["per_member_limit"] == INT32_MAX

    async def test_channel_bonus_points(self, client: httpx.AsyncClient, installed: FakeSaleor) -> None:
        response = await client.put(
            "/api/admin/program/channels/default-channel",
            json={
                "currency": "USD",
                "points_per_unit": "1",
                "point_value": "0.01",
                "bonus_threshold_amount": "10",
                "bonus_points": INT32_MAX + 1,
            },
            headers=staff_headers(installed),
        )
        assert_refused(response, "bonus_points")

    async def test_program_counts(self, client: httpx.AsyncClient, installed: FakeSaleor) -> None:
        for field in ("welcome_bonus_points", "redeem_min_points", "hold_days", "hold_ttl_minutes"):
            response = await client.put(
                "/api/admin/program", json={field: INT32_MAX + 1}, headers=staff_headers(installed)
            )
            assert_refused(response, field)


class TestAmounts:
    """Amounts fit the amount column (NUMERIC(20, 4); 1/10000 units in a 64-bit integer on SQLite)."""

    @pytest.mark.parametrize("field", ["min_order_amount", "bonus_threshold_amount"])
    async def test_channel_amounts(
        self, client: httpx.AsyncClient, installed: FakeSaleor, field: str
    ) -> None:
        body: dict[str, Any] = {"currency": "USD", "points_per_unit": "1", "point_value": "0.01"}
        response = await client.put(
            "/api/admin/program/channels/default-channel",
            json=body | {field: "1e20"},
            headers=staff_headers(installed),
        )
        assert_refused(response, field)

    async def test_preview_amounts(self, client: httpx.AsyncClient, installed: FakeSaleor) -> None:
        for body in (
            {"channel": "default-channel", "currency": "USD", "lines": [{"amount": 1e300}]},
            {"channel": "default-channel", "currency": "USD", "shipping_amount": "1e40"},
        ):
            response = await client.post(
                "/api/storefront/preview", json=body, headers=shopper_headers(installed)
            )
            assert response.status_code == 422, response.text


NUL = "bad\x00text"
SURROGATE = "bad\ud800text"


class TestText:
    """Text PostgreSQL cannot store (NUL; lone surrogates, which are not UTF-8 at all) is refused with a
    422 naming the field, wherever it is parsed."""

    @pytest.mark.parametrize("bad", [NUL, SURROGATE], ids=["nul", "surrogate"])
    async def test_bodies(self, client: httpx.AsyncClient, installed: FakeSaleor, bad: str) -> None:
        headers = staff_headers(installed)
        cases: list[tuple[str, str, dict[str, Any], str]] = [
            ("POST", "/api/admin/rewards", REWARD | {"name": bad}, "name"),
            ("POST", "/api/admin/rewards", REWARD | {"description": bad}, "description"),
            ("POST", "/api/admin/rewards", REWARD | {"tier_required": bad}, "tier_required"),
            (
                "POST",
                "/api/admin/program/multipliers",
                {"name": bad, "target_type": "collection", "target": "summer", "factor": "2"},
                "name",
            ),
            (
                "POST",
                "/api/admin/program/multipliers",
                {"name": "Summer", "target_type": "collection", "target": bad, "factor": "2"},
                "target",
            ),
        ]
        for method, path, body, field in cases:
            assert_refused(await send(client, method, path, body, headers), field)

    @pytest.mark.parametrize("bad", [NUL, SURROGATE], ids=["nul", "surrogate"])
    async def test_adjustment_reason(
        self, client: httpx.AsyncClient, installed: FakeSaleor, bad: str
    ) -> None:
        await deliver(client, installed, "CUSTOMER_CREATED", customer_body(installed))
        headers = staff_headers(installed)
        [member] = (await client.get("/api/admin/members", headers=headers)).json()["members"]
        for body, field in (
            ({"points": 5, "reason": bad}, "reason"),
            ({"points": 5, "reason": "goodwill", "idempotency_key": f"key-{bad}"}, "idempotency_key"),
        ):
            response = await send(
                client, "POST", f"/api/admin/members/{member['id']}/adjustments", body, headers
            )
            assert_refused(response, field)

    @pytest.mark.parametrize("bad", [NUL, SURROGATE], ids=["nul", "surrogate"])
    async def test_partner_codes(self, client: httpx.AsyncClient, installed: FakeSaleor, bad: str) -> None:
        headers = staff_headers(installed)
        partner = REWARD | {"kind": "partner", "amounts": {}}
        created = await client.post("/api/admin/rewards", json=partner, headers=headers)
        assert created.status_code == 201, created.text
        path = f"/api/admin/rewards/{created.json()['id']}/codes"
        response = await send(client, "POST", path, {"codes": ["GOOD-1", bad]}, headers)
        assert_refused(response, "codes.1")

    @pytest.mark.parametrize(
        ("bad", "message"),
        [
            (NUL, "must not contain NUL characters (\\u0000)"),
            (SURROGATE, "must be valid Unicode text (it contains a lone surrogate)"),
        ],
        ids=["nul", "surrogate"],
    )
    async def test_the_refusal_says_why(
        self, client: httpx.AsyncClient, installed: FakeSaleor, bad: str, message: str
    ) -> None:
        response = await send(
            client, "POST", "/api/admin/rewards", REWARD | {"name": bad}, staff_headers(installed)
        )
        assert response.status_code == 422
        assert response.json()["errors"] == [{"field": "body.name", "message": message}]

    async def test_path_and_query(self, client: httpx.AsyncClient, installed: FakeSaleor) -> None:
        headers = staff_headers(installed)
        channel = await client.put(
            "/api/admin/program/channels/bad%00slug",
            json={"currency": "USD", "points_per_unit": "1", "point_value": "0.01"},
            headers=headers,
        )
        assert_refused(channel, "channel")
        assert_refused(
            await client.delete("/api/admin/program/channels/bad%00slug", headers=headers), "channel"
        )
        assert_refused(
            await client.get("/api/admin/members", params={"search": NUL}, headers=headers), "search"
        )
        assert_refused(
            await client.get("/api/admin/members/by-customer/VXNlcjo%00", headers=headers), "saleor_user_id"
        )
        shopper = shopper_headers(installed)
        assert_refused(
            await client.get("/api/storefront/checkouts/Q2hl%00/redemptions", headers=shopper), "checkout_id"
        )

    @pytest.mark.parametrize("bad", [NUL, SURROGATE], ids=["nul", "surrogate"])
    async def test_preview(self, client: httpx.AsyncClient, installed: FakeSaleor, bad: str) -> None:
        shopper = shopper_headers(installed)
        line = {"amount": "10"}
        for body, field in (
            ({"checkout_id": bad}, "checkout_id"),
            ({"channel": bad, "currency": "USD"}, "channel"),
            ({"channel": "default-channel", "currency": "US\x00"}, "currency"),
            ({"channel": "c", "currency": "USD", "lines": [line | {"product_id": bad}]}, "product_id"),
            ({"channel": "c", "currency": "USD", "lines": [line | {"category": bad}]}, "category"),
            ({"channel": "c", "currency": "USD", "lines": [line | {"collections": [bad]}]}, "collections.0"),
        ):
            response = await send(client, "POST", "/api/storefront/preview", body, shopper)
            assert_refused(response, field)

    async def test_saleor_api_url_header(self, client: httpx.AsyncClient, installed: FakeSaleor) -> None:
        headers = staff_headers(installed) | {"saleor-api-url": installed.api_url + "\x00"}
        response = await client.get("/api/admin/program", headers=headers)
        assert response.status_code in (401, 422), response.text


class TestDates:
    """KPI periods and reward or multiplier windows stay within 2000-01-01 .. 2100-12-31."""

    @pytest.mark.parametrize(
        "params",
        [
            {"to": "0001-01-01"},
            {"from": "9999-12-31", "to": "9999-12-31"},
            {"from": "0001-01-01", "to": "0001-01-02"},
            {"from": "2101-01-01", "to": "2101-01-02"},
            {"from": "1999-12-31"},
        ],
    )
    async def test_kpi_periods(
        self, client: httpx.AsyncClient, installed: FakeSaleor, params: dict[str, str]
    ) -> None:
        for path in ("/api/admin/kpis", "/api/admin/kpis.csv"):
            response = await client.get(path, params=params, headers=staff_headers(installed))
            assert_refused(response, next(iter(params)))

    async def test_kpi_period_at_the_edges(self, client: httpx.AsyncClient, installed: FakeSaleor) -> None:
        for params in (
            {"from": "2000-01-01", "to": "2000-01-05"},
            {"from": "2100-12-01", "to": "2100-12-31"},
        ):
            response = await client.get("/api/admin/kpis", params=params, headers=staff_headers(installed))
            assert response.status_code == 200, response.text

    @pytest.mark.parametrize(
        "moment", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "1970-01-01T00:00:00Z"]
    )
    async def test_windows(self, client: httpx.AsyncClient, installed: FakeSaleor, moment: str) -> None:
        headers = staff_headers(installed)
        reward = await client.post("/api/admin/rewards", json=REWARD | {"starts_at": moment}, headers=headers)
        assert_refused(reward, "starts_at")
        multiplier = await client.post(
            "/api/admin/program/multipliers",
            json={"name": "x", "target_type": "collection", "target": "y", "factor": "2", "ends_at": moment},
            headers=headers,
        )
        assert_refused(multiplier, "ends_at")
