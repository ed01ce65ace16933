"""The admin members API behind the Loyalty tab: search, member page, adjustments, enrolment, export,
erasure — each behind the Dashboard token and MANAGE_USERS, and never across stores."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.db import Database
from app.jobs.doctor import find_problems
from tests.factories import JANE_ID, Line, customer_body, order_body
from tests.fake_saleor import FakeSaleor
from tests.helpers import deliver, staff_headers

MEMBERS = "/api/admin/members"


async def seed(client: httpx.AsyncClient, saleor: FakeSaleor) -> None:
    people = [
        ("VXNlcjox", "anna.berg@example.com", "Anna", "Berg", 120),
        ("VXNlcjoy", "bo.lind@example.com", "Bo", "Lind", 40),
        (JANE_ID, "jane.loyal@example.com", "Jane", "Doe", 74),
    ]
    for n, (user_id, email, first, last, amount) in enumerate(people):
        await deliver(
            client,
            saleor,
            "CUSTOMER_CREATED",
            customer_body(saleor, user_id=user_id, email=email, first_name=first, last_name=last),
        )
        body = order_body(
            saleor,
            order_id=f"T3JkZXI6{n}",
            number=str(n),
            user=(user_id, email),
            email=email,
            lines=[Line(amount)],
        )
        await deliver(client, saleor, "ORDER_FULLY_PAID", body)


async def member_id(client: httpx.AsyncClient, saleor: FakeSaleor, search: str) -> int:
    response = await client.get(MEMBERS, params={"search": search}, headers=staff_headers(saleor))
    [member] = response.json()["members"]
    return int(member["id"])


class TestSearch:
    async def test_search_by_email_or_name_sorted_and_paged(
        self, client: httpx.AsyncClient, installed: FakeSaleor
    ) -> None:
        await seed(client, installed)
        by_name = await client.get(MEMBERS, params={"search": "berg"}, headers=staff_headers(installed))
        assert [m["email"] for m in by_name.json()["members"]] == ["anna.berg@example.com"]
        by_full_name = await client.get(
            MEMBERS, params={"search": "Jane D"}, headers=staff_headers(installed)
        )
        assert [m["first_name"] for m in by_full_name.json()["members"]] == ["Jane"]
        by_mail = await client.get(MEMBERS, params={"search": "LIND@"}, headers=staff_headers(installed))
        assert [m["last_name"] for m in by_mail.json()["members"]] == ["Lind"]

        params: dict[str, Any] = {"sort": "points_earned_lifetime", "descending": "true", "page_size": 2}
        first = (await client.get(MEMBERS, params=params, headers=staff_headers(installed))).json()
        assert first["total"] == 3
        assert [m["points"]["lifetime_earned"] for m in first["members"]] == [120, 74]
        second = (
            await client.get(MEMBERS, params=params | {"page": 2}, headers=staff_headers(installed))
        ).json()
        assert [m["points"]["lifetime_earned"] for m in second["members"]] == [40]
        ascending = await client.get(
            MEMBERS, params={"sort": "email", "descending": "false"}, headers=staff_headers(installed)
        )
        assert [m["email"][0] for m in ascending.json()["members"]] == ["a", "b", "j"]

    async def test_bad_sort_is_422(self, client: httpx.AsyncClient, installed: FakeSaleor) -> None:
        response = await client.get(MEMBERS, params={"sort": "password"}, headers=staff_headers(installed))
        assert response.status_code == 422


class TestMemberPage:
    async def test_member_page_shows_balances_history_and_orders(
        self, client: httpx.AsyncClient, installed: FakeSaleor
    ) -> None:
        await seed(client, installed)
        jane = await member_id(client, installed, "jane")
        page = await client.get(f"{MEMBERS}/{jane}", headers=staff_headers(installed))
        assert page.status_code == 200
        body = page.json()
        assert body["member"]["points"]["pending"] == 74
        assert [e["kind"] for e in body["history"]] == ["earn"]
        assert body["orders"][0]["explanation"] == "Order #2 earned 74 points."
        assert body["orders"][0]["currency"] == "USD"
        by_customer = await client.get(f"{MEMBERS}/by-customer/{JANE_ID}", headers=staff_headers(installed))
        assert by_customer.json()["member"]["id"] == jane
        unknown = await client.get(f"{MEMBERS}/by-customer/VXNlcjo5OTk=", headers=staff_headers(installed))
        assert unknown.status_code == 404


class TestAdjustments:
    async def test_adjustment_needs_a_reason_and_records_the_staff_user(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        await seed(client, installed)
        jane = await member_id(client, installed, "jane")
        url = f"{MEMBERS}/{jane}/adjustments"
        for bad in ({"points": 10}, {"points": 10, "reason": "  "}, {"points": 0, "reason": "nothing"}):
            assert (await client.post(url, json=bad, headers=staff_headers(installed))).status_code == 422
        body = {"points": 50, "reason": "parcel arrived late", "idempotency_key": "form-1234-abcd"}
        response = await client.post(url, json=body, headers=staff_headers(installed))
        assert response.status_code == 201, response.text
        entry = response.json()["entry"]
        assert (entry["kind"], entry["points"], entry["actor"]) == ("adjust", 50, "staff@example.com")
        assert entry["description"] == "+50 points adjusted by the shop: parcel arrived late"
        again = await client.post(url, json=body, headers=staff_headers(installed))  # a double click
        assert again.json()["entry"]["id"] == entry["id"]
        assert again.json()["member"]["points"]["available"] == 50
        too_much = await client.post(
            url, json={"points": -60, "reason": "clawback"}, headers=staff_headers(installed)
        )
        assert too_much.status_code == 409
        taken = await client.post(
            url, json={"points": -20, "reason": "clawback"}, headers=staff_headers(installed)
        )
        assert taken.json()["member"]["points"]["available"] == 30
        assert await find_problems(database) == []


class TestEnrolmentPrivacy:
    async def test_unenrol_enrol_export_and_erase(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        await seed(client, installed)
        jane = await member_id(client, installed, "jane")
        out = await client.post(f"{MEMBERS}/{jane}/unenrol", headers=staff_headers(installed))
        assert out.json()["member"]["enrolled"] is False
        back = await client.post(f"{MEMBERS}/{jane}/enrol", headers=staff_headers(installed))
        assert back.json()["member"]["enrolled"] is True
        assert back.json()["member"]["consent_at"] is not None
        export = await client.get(f"{MEMBERS}/{jane}/export", headers=staff_headers(installed))
        assert export.status_code == 200
        assert "attachment" in export.headers["content-disposition"]
        data = export.json()
        assert data["member"]["email"] == "jane.loyal@example.com"
        assert [e["points"] for e in data["ledger"]] == [74]
        assert data["orders"][0]["points_earned"] == 74
        erased = await client.post(f"{MEMBERS}/{jane}/erase", headers=staff_headers(installed))
        assert erased.status_code == 204
        after = await client.get(f"{MEMBERS}/{jane}/export", headers=staff_headers(installed))
        assert after.json()["member"]["email"] is None
        assert after.json()["ledger"][0]["points"] == 74  # the books keep the amounts
        listed = await client.get(MEMBERS, headers=staff_headers(installed))
        assert jane not in [m["id"] for m in listed.json()["members"]]


class TestAccess:
    @pytest.mark.parametrize(
        ("method", "suffix"),
        [
            ("get", ""),
            ("get", "/1"),
            ("post", "/1/adjustments"),
            ("post", "/1/enrol"),
            ("post", "/1/unenrol"),
            ("get", "/1/export"),
            ("post", "/1/erase"),
        ],
    )
    async def test_every_route_needs_manage_users(
        self, client: httpx.AsyncClient, installed: FakeSaleor, method: str, suffix: str
    ) -> None:
        await seed(client, installed)
        kwargs: dict[str, Any] = (
            {"json": {"points": 5, "reason": "test"}} if suffix.endswith("adjustments") else {}
        )
        no_token = await client.request(
            method, MEMBERS + suffix, headers={"saleor-api-url": installed.api_url}, **kwargs
        )
        assert no_token.status_code == 401
        weak = staff_headers(installed, user_permissions=["MANAGE_ORDERS"])
        assert (await client.request(method, MEMBERS + suffix, headers=weak, **kwargs)).status_code == 403

    async def test_another_store_cannot_see_or_touch_our_members(
        self,
        client: httpx.AsyncClient,
        installed: FakeSaleor,
        installed_other: FakeSaleor,
        database: Database,
    ) -> None:
        await seed(client, installed)
        jane = await member_id(client, installed, "jane")
        theirs = staff_headers(installed_other)
        listed = await client.get(MEMBERS, headers=theirs)
        assert listed.json()["total"] == 0
        for method, suffix in (("get", ""), ("get", "/export"), ("post", "/erase"), ("post", "/enrol")):
            response = await client.request(method, f"{MEMBERS}/{jane}{suffix}", headers=theirs)
            assert response.status_code == 404, (method, suffix)
        adjusted = await client.post(
            f"{MEMBERS}/{jane}/adjustments", json={"points": 500, "reason": "steal"}, headers=theirs
        )
        assert adjusted.status_code == 404
        by_customer = await client.get(f"{MEMBERS}/by-customer/{JANE_ID}", headers=theirs)
        assert by_customer.status_code == 404
        mine = await client.get(f"{MEMBERS}/{jane}", headers=staff_headers(installed))
        assert mine.json()["member"]["email"] == "jane.loyal@example.com"
        assert mine.json()["member"]["points"]["available"] == 0
