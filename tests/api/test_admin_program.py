"""The admin program-settings API behind the Loyalty tab: validation, round-trips, permissions, tenancy."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.fake_saleor import FakeSaleor
from tests.helpers import staff_headers

PROGRAM = "/api/admin/program"
MULTIPLIERS = "/api/admin/program/multipliers"
STAFF_EMAIL = "staff@example.com"

VALID_RULE: dict[str, Any] = {"currency": "USD", "points_per_unit": "1", "point_value": "0.01"}
VALID_MULTIPLIER: dict[str, Any] = {
    "name": "Sustainable x2",
    "target_type": "collection",
    "target": "sustainable",
    "factor": "2",
}


def channel_url(slug: str) -> str:
    return f"/api/admin/program/channels/{slug}"


async def read_settings(client: httpx.AsyncClient, saleor: FakeSaleor) -> dict[str, Any]:
    response = await client.get(PROGRAM, headers=staff_headers(saleor))
    assert response.status_code == 200, response.text
    return response.json()


def editable(program: dict[str, Any]) -> dict[str, Any]:
    """The program as a PUT body: what GET shows minus the fields the server keeps."""
    return {k: v for k, v in program.items() if k not in ("updated_at", "updated_by")}


def assert_invalid(response: httpx.Response, field: str, message_part: str | None = None) -> None:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "invalid_request"
    assert isinstance(body["errors"], list) and body["errors"]
    for error in body["errors"]:
        assert set(error) == {"field", "message"}
        assert isinstance(error["message"], str) and error["message"]
    fields = [error["field"] for error in body["errors"]]
    assert field in fields, body["errors"]
    if message_part is not None:
        messages = " ".join(error["message"] for error in body["errors"])
        assert message_part in messages, body["errors"]


class TestInvalidProgram:
    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"hold_days": -1}, "body.hold_days"),
            ({"hold_days": 400}, "body.hold_days"),
            ({"hold_days": "two weeks"}, "body.hold_days"),
            ({"default_points_per_unit": "0"}, "body.default_points_per_unit"),
            ({"default_points_per_unit": "-1"}, "body.default_points_per_unit"),
            ({"default_points_per_unit": "10001"}, "body.default_points_per_unit"),
            ({"default_points_per_unit": "0.00001"}, "body.default_points_per_unit"),
            ({"default_point_value": "0"}, "body.default_point_value"),
            ({"rounding": "ceil"}, "body.rounding"),
            ({"earn_trigger": "order_created"}, "body.earn_trigger"),
            ({"enrolment": "sometimes"}, "body.enrolment"),
            ({"reversal_policy": "ignore"}, "body.reversal_policy"),
            ({"welcome_bonus_points": -5}, "body.welcome_bonus_points"),
            ({"welcome_bonus_points": 1_000_001}, "body.welcome_bonus_points"),
            ({"include_tax": "maybe"}, "body.include_tax"),
            ({"tier": "gold"}, "body.tier"),
            # The audit fields are the server's: a client cannot write who changed the program.
            ({"updated_by": "someone@else.example"}, "body.updated_by"),
            ({"updated_at": "2020-01-01T00:00:00Z"}, "body.updated_at"),
        ],
    )
    async def test_invalid_value_is_named_and_changes_nothing(
        self, client: httpx.AsyncClient, installed: FakeSaleor, change: dict[str, Any], field: str
    ) -> None:
        before = await read_settings(client, installed)
        body = editable(before["program"]) | change
        response = await client.put(PROGRAM, json=body, headers=staff_headers(installed))
        assert_invalid(response, field)
        assert await read_settings(client, installed) == before

    async def test_unknown_field_says_it_is_not_permitted(
        self, client: httpx.AsyncClient, installed: FakeSaleor
    ) -> None:
        before = await read_settings(client, installed)
        body = editable(before["program"]) | {"points_expire_days": 365}
        response = await client.put(PROGRAM, json=body, headers=staff_headers(installed))
        assert_invalid(response, "body.points_expire_days", "not permitted")
        assert await read_settings(client, installed) == before

    async def test_only_the_fields_sent_change(
        self, client: httpx.AsyncClient, installed: FakeSaleor
    ) -> None:
        before = await read_settings(client, installed)
        response = await client.put(PROGRAM, json={"rounding": "half_up"}, headers=staff_headers(installed))
        assert response.status_code == 200, response.text
        after = response.json()["program"]
        assert after["rounding"] == "half_up"
        unchanged = {
            k: v for k, v in before["program"].items() if k not in ("rounding", "updated_at", "updated_by")
        }
        assert {k: after[k] for k in unchanged} == unchanged

    async def test_null_is_refused(self, client: httpx.AsyncClient, installed: FakeSaleor) -> None:
        before = await read_settings(client, installed)
        response = await client.put(PROGRAM, json={"hold_days": None}, headers=staff_headers(installed))
        assert response.status_code == 422
        assert "hold_days" in response.text
        assert await read_settings(client, installed) == before

    async def test_every_bad_field_is_reported_at_once(
        self, client: httpx.AsyncClient, installed: FakeSaleor
    ) -> None:
        before = await read_settings(client, installed)
        body = editable(before["program"]) | {"hold_days": -3, "rounding": "up", "welcome_bonus_points": -1}
        response = await client.put(PROGRAM, json=body, headers=staff_headers(installed))
        assert response.status_code == 422
        fields = {error["field"] for error in response.json()["errors"]}
        assert fields == {"body.hold_days", "body.rounding", "body.welcome_bonus_points"}
        assert await read_settings(client, installed) == before

    async def test_not_json_is_422_and_changes_nothing(
        self, client: httpx.AsyncClient, installed: FakeSaleor
    ) -> None:
        before = await read_settings(client, installed)
        response = await client.put(
            PROGRAM,
            content=b"{not json",
            headers={**staff_headers(installed), "content-type": "application/json"},
        )
        assert response.status_code == 422
        assert response.json()["error"] == "invalid_request"
        assert await read_settings(client, installed) == before


class TestInvalidChannelRule:
    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"currency": "usd"}, "body.currency"),
            ({"currency": "USDX"}, "body.currency"),
            ({"currency": "US"}, "body.currency"),
            ({"points_per_unit": "0"}, "body.points_per_unit"),
            ({"points_per_unit": "-0.5"}, "body.points_per_unit"),
            ({"point_value": "0"}, "body.point_value"),
            ({"point_value": "10000.5"}, "body.point_value"),
            ({"min_order_amount": "-1"}, "body.min_order_amount"),
            ({"bonus_threshold_amount": "0", "bonus_points": 10}, "body.bonus_threshold_amount"),
            ({"bonus_threshold_amount": "100", "bonus_points": -1}, "body.bonus_points"),
            ({"channel_slug": "other"}, "body.channel_slug"),
            ({"rate": "2"}, "body.rate"),
        ],
    )
    async def test_invalid_rule_is_named_and_changes_nothing(
        self, client: httpx.AsyncClient, installed: FakeSaleor, change: dict[str, Any], field: str
    ) -> None:
        # An existing rule must survive an invalid replacement untouched, and no new rule may appear.
        created = await client.put(
            channel_url("default-channel"), json=VALID_RULE, headers=staff_headers(installed)
        )
        assert created.status_code == 200, created.text
        before = await read_settings(client, installed)
        for slug in ("default-channel", "new-channel"):
            response = await client.put(
                channel_url(slug), json=VALID_RULE | change, headers=staff_headers(installed)
            )
            assert_invalid(response, field)
        assert await read_settings(client, installed) == before

    async def test_bonus_points_need_a_threshold(
        self, client: httpx.AsyncClient, installed: FakeSaleor
    ) -> None:
        before = await read_settings(client, installed)
        response = await client.put(
            channel_url("default-channel"),
            json=VALID_RULE | {"bonus_points": 50},
            headers=staff_headers(installed),
        )
        # Reported on the field the form shows it under, naming the field that is missing.
        assert_invalid(response, "body.bonus_points", "bonus_threshold_amount")
        assert await read_settings(client, installed) == before

    async def test_missing_required_fields_are_named(
        self, client: httpx.AsyncClient, installed: FakeSaleor
    ) -> None:
        response = await client.put(
            channel_url("default-channel"), json={"currency": "USD"}, headers=staff_headers(installed)
        )
        assert response.status_code == 422
        fields = {error["field"] for error in response.json()["errors"]}
        assert fields == {"body.points_per_unit", "body.point_value"}
        assert (await read_settings(client, installed))["channels"] == []

    async def test_over_long_channel_slug_is_refused(
        self, client: httpx.AsyncClient, installed: FakeSaleor
    ) -> None:
        response = await client.put(channel_url("c" * 256), json=VALID_RULE, headers=staff_headers(installed))
        assert_invalid(response, "path.channel")
        assert (await read_settings(client, installed))["channels"] == []


class TestInvalidMultiplier:
    @pytest.mark.parametrize(
        ("change", "field", "message_part"),
        [
            (
                {"starts_at": "2026-12-10T00:00:00Z", "ends_at": "2026-12-01T00:00:00Z"},
                "body.ends_at",
                "ends_at must be after starts_at",
            ),
            (
                {"starts_at": "2026-12-10T00:00:00Z", "ends_at": "2026-12-10T00:00:00Z"},
                "body.ends_at",
                "ends_at must be after starts_at",
            ),
            ({"starts_at": "2026-12-01T00:00:00"}, "body.starts_at", "timezone"),
            ({"ends_at": "2026-12-01T00:00:00"}, "body.ends_at", "timezone"),
            (
                {"starts_at": "2026-12-01T00:00:00Z", "ends_at": "2026-12-02T00:00:00"},
                "body.ends_at",
                "timezone",
            ),
            ({"starts_at": "next tuesday"}, "body.starts_at", None),
            ({"factor": "0"}, "body.factor", None),
            ({"factor": "100.5"}, "body.factor", None),
            ({"factor": "1.00001"}, "body.factor", None),
            ({"target_type": "brand"}, "body.target_type", None),
            ({"name": "   "}, "body.name", None),
            ({"target": ""}, "body.target", None),
            ({"id": 7}, "body.id", "not permitted"),
        ],
    )
    async def test_invalid_multiplier_is_named_and_nothing_is_added(
        self,
        client: httpx.AsyncClient,
        installed: FakeSaleor,
        change: dict[str, Any],
        field: str,
        message_part: str | None,
    ) -> None:
        before = await read_settings(client, installed)
        response = await client.post(
            MULTIPLIERS, json=VALID_MULTIPLIER | change, headers=staff_headers(installed)
        )
        assert_invalid(response, field, message_part)
        after = await read_settings(client, installed)
        assert after == before
        assert after["multipliers"] == []


class TestValidUpdates:
    async def test_fresh_program_has_defaults_and_no_author(
        self, client: httpx.AsyncClient, installed: FakeSaleor
    ) -> None:
        settings = await read_settings(client, installed)
        program = settings["program"]
        assert Decimal(program["default_points_per_unit"]) == 1
        assert Decimal(program["default_point_value"]) == Decimal("0.01")
        assert (program["rounding"], program["hold_days"], program["enrolment"]) == ("floor", 14, "automatic")
        assert program["updated_by"] is None
        assert (settings["channels"], settings["multipliers"]) == ([], [])

    async def test_program_round_trips_and_records_the_staff_email(
        self, client: httpx.AsyncClient, installed: FakeSaleor
    ) -> None:
        before = await read_settings(client, installed)
        changes = {
            "default_points_per_unit": "2.5",
            "default_point_value": "0.05",
            "rounding": "half_up",
            "include_shipping": True,
            "include_tax": True,
            "earn_trigger": "order_fulfilled",
            "hold_days": 0,
            "enrolment": "opt_in",
            "welcome_bonus_points": 100,
            "reversal_policy": "clamp",
        }
        response = await client.put(
            PROGRAM, json=editable(before["program"]) | changes, headers=staff_headers(installed)
        )
        assert response.status_code == 200, response.text
        read_back = await read_settings(client, installed)
        for body in (response.json(), read_back):
            program = body["program"]
            assert Decimal(program["default_points_per_unit"]) == Decimal("2.5")
            assert Decimal(program["default_point_value"]) == Decimal("0.05")
            for key in ("rounding", "include_shipping", "include_tax", "earn_trigger", "hold_days"):
                assert program[key] == changes[key]
            for key in ("enrolment", "welcome_bonus_points", "reversal_policy"):
                assert program[key] == changes[key]
            assert program["updated_by"] == STAFF_EMAIL
        updated_at = datetime.fromisoformat(read_back["program"]["updated_at"])
        assert updated_at >= datetime.fromisoformat(before["program"]["updated_at"])

    async def test_limits_are_accepted(self, client: httpx.AsyncClient, installed: FakeSaleor) -> None:
        before = await read_settings(client, installed)
        body = editable(before["program"]) | {"hold_days": 365, "default_points_per_unit": "10000"}
        assert (await client.put(PROGRAM, json=body, headers=staff_headers(installed))).status_code == 200
        program = (await read_settings(client, installed))["program"]
        assert program["hold_days"] == 365
        assert Decimal(program["default_points_per_unit"]) == 10000

    async def test_author_falls_back_to_the_staff_user_id(
        self, client: httpx.AsyncClient, installed: FakeSaleor
    ) -> None:
        before = await read_settings(client, installed)
        body = editable(before["program"]) | {"hold_days": 7}
        response = await client.put(PROGRAM, json=body, headers=staff_headers(installed, email=None))
        assert response.status_code == 200, response.text
        assert (await read_settings(client, installed))["program"]["updated_by"] == "VXNlcjoyMQ=="

    async def test_channel_rule_is_created_replaced_and_deleted(
        self, client: httpx.AsyncClient, installed: FakeSaleor
    ) -> None:
        rule = {
            "currency": "SEK",
            "points_per_unit": "0.1",
            "point_value": "0.1",
            "min_order_amount": "50",
            "bonus_threshold_amount": "1000",
            "bonus_points": 200,
        }
        response = await client.put(channel_url("sweden"), json=rule, headers=staff_headers(installed))
        assert response.status_code == 200, response.text
        assert response.json()["channel_slug"] == "sweden"
        [stored] = (await read_settings(client, installed))["channels"]
        assert stored["channel_slug"] == "sweden"
        assert stored["currency"] == "SEK"
        assert Decimal(stored["points_per_unit"]) == Decimal("0.1")
        assert Decimal(stored["point_value"]) == Decimal("0.1")
        assert Decimal(stored["min_order_amount"]) == 50
        assert Decimal(stored["bonus_threshold_amount"]) == 1000
        assert stored["bonus_points"] == 200

        # PUT replaces the whole rule: fields left out go back to their defaults.
        replaced = await client.put(
            channel_url("sweden"),
            json={"currency": "SEK", "points_per_unit": "0.2", "point_value": "0.1"},
            headers=staff_headers(installed),
        )
        assert replaced.status_code == 200, replaced.text
        [stored] = (await read_settings(client, installed))["channels"]
        assert Decimal(stored["points_per_unit"]) == Decimal("0.2")
        assert Decimal(stored["min_order_amount"]) == 0
        assert stored["bonus_threshold_amount"] is None
        assert stored["bonus_points"] == 0

        await client.put(
            channel_url("japan"), json=VALID_RULE | {"currency": "JPY"}, headers=staff_headers(installed)
        )
        slugs = [c["channel_slug"] for c in (await read_settings(client, installed))["channels"]]
        assert slugs == ["japan", "sweden"]

        deleted = await client.delete(channel_url("sweden"), headers=staff_headers(installed))
        assert deleted.status_code == 204
        assert deleted.content == b""
        slugs = [c["channel_slug"] for c in (await read_settings(client, installed))["channels"]]
        assert slugs == ["japan"]

    async def test_multiplier_is_added_and_removed(
        self, client: httpx.AsyncClient, installed: FakeSaleor
    ) -> None:
        body = VALID_MULTIPLIER | {
            "starts_at": "2026-12-01T00:00:00+02:00",
            "ends_at": "2026-12-24T23:59:59Z",
            "is_active": False,
        }
        created = await client.post(MULTIPLIERS, json=body, headers=staff_headers(installed))
        assert created.status_code == 201, created.text
        multiplier_id = created.json()["id"]
        [stored] = (await read_settings(client, installed))["multipliers"]
        assert stored["id"] == multiplier_id
        assert (stored["name"], stored["target_type"], stored["target"]) == (
            "Sustainable x2",
            "collection",
            "sustainable",
        )
        assert Decimal(stored["factor"]) == 2
        assert stored["is_active"] is False
        # Times with any offset are kept as the same instant.
        assert datetime.fromisoformat(stored["starts_at"]) == datetime(2026, 11, 30, 22, 0, tzinfo=UTC)
        assert datetime.fromisoformat(stored["ends_at"]) == datetime(2026, 12, 24, 23, 59, 59, tzinfo=UTC)

        second = await client.post(MULTIPLIERS, json=VALID_MULTIPLIER, headers=staff_headers(installed))
        assert second.status_code == 201
        ids = [m["id"] for m in (await read_settings(client, installed))["multipliers"]]
        assert ids == [multiplier_id, second.json()["id"]]

        deleted = await client.delete(f"{MULTIPLIERS}/{multiplier_id}", headers=staff_headers(installed))
        assert deleted.status_code == 204
        ids = [m["id"] for m in (await read_settings(client, installed))["multipliers"]]
        assert ids == [second.json()["id"]]

    async def test_names_are_trimmed(self, client: httpx.AsyncClient, installed: FakeSaleor) -> None:
        body = VALID_MULTIPLIER | {"name": "  Autumn x3  ", "target": " autumn "}
        assert (
            await client.post(MULTIPLIERS, json=body, headers=staff_headers(installed))
        ).status_code == 201
        [stored] = (await read_settings(client, installed))["multipliers"]
        assert (stored["name"], stored["target"]) == ("Autumn x3", "autumn")


class TestMissing:
    async def test_deleting_a_channel_without_a_rule_is_404(
        self, client: httpx.AsyncClient, installed: FakeSaleor
    ) -> None:
        response = await client.delete(channel_url("nowhere"), headers=staff_headers(installed))
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("application/json")
        assert response.json()["error"] == "not_found"
        assert response.json()["detail"]

    async def test_deleting_twice_is_404_the_second_time(
        self, client: httpx.AsyncClient, installed: FakeSaleor
    ) -> None:
        await client.put(channel_url("default-channel"), json=VALID_RULE, headers=staff_headers(installed))
        assert (
            await client.delete(channel_url("default-channel"), headers=staff_headers(installed))
        ).status_code == 204
        again = await client.delete(channel_url("default-channel"), headers=staff_headers(installed))
        assert again.status_code == 404
        assert again.json()["error"] == "not_found"

    async def test_deleting_a_missing_multiplier_is_404(
        self, client: httpx.AsyncClient, installed: FakeSaleor
    ) -> None:
        created = await client.post(MULTIPLIERS, json=VALID_MULTIPLIER, headers=staff_headers(installed))
        missing_id = created.json()["id"] + 1000
        response = await client.delete(f"{MULTIPLIERS}/{missing_id}", headers=staff_headers(installed))
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("application/json")
        assert response.json()["error"] == "not_found"
        assert len((await read_settings(client, installed))["multipliers"]) == 1

    async def test_multiplier_id_must_be_a_number(
        self, client: httpx.AsyncClient, installed: FakeSaleor
    ) -> None:
        response = await client.delete(f"{MULTIPLIERS}/abc", headers=staff_headers(installed))
        assert_invalid(response, "path.multiplier_id")


class TestTenantIsolation:
    async def test_each_store_reads_and_writes_only_its_own_program(
        self, client: httpx.AsyncClient, installed: FakeSaleor, installed_other: FakeSaleor
    ) -> None:
        store_a, store_b = installed, installed_other
        a_before = await read_settings(client, store_a)
        b_program = editable((await read_settings(client, store_b))["program"])
        response = await client.put(
            PROGRAM, json=b_program | {"hold_days": 30, "rounding": "half_up"}, headers=staff_headers(store_b)
        )
        assert response.status_code == 200, response.text
        assert (await read_settings(client, store_b))["program"]["hold_days"] == 30
        assert await read_settings(client, store_a) == a_before

        # And the other way round: A's change leaves B's program as B set it.
        a_program = editable(a_before["program"])
        await client.put(PROGRAM, json=a_program | {"hold_days": 3}, headers=staff_headers(store_a))
        assert (await read_settings(client, store_a))["program"]["hold_days"] == 3
        b_after = (await read_settings(client, store_b))["program"]
        assert (b_after["hold_days"], b_after["rounding"]) == (30, "half_up")

    async def test_channel_rules_are_per_store(
        self, client: httpx.AsyncClient, installed: FakeSaleor, installed_other: FakeSaleor
    ) -> None:
        store_a, store_b = installed, installed_other
        await client.put(channel_url("default-channel"), json=VALID_RULE, headers=staff_headers(store_a))
        a_before = await read_settings(client, store_a)
        # Same slug in B is B's own rule; it neither sees nor replaces A's.
        assert (await read_settings(client, store_b))["channels"] == []
        response = await client.put(
            channel_url("default-channel"),
            json=VALID_RULE | {"currency": "EUR", "points_per_unit": "9"},
            headers=staff_headers(store_b),
        )
        assert response.status_code == 200, response.text
        assert await read_settings(client, store_a) == a_before
        [b_rule] = (await read_settings(client, store_b))["channels"]
        assert b_rule["currency"] == "EUR"
        # B deleting "its" rule removes B's only; deleting again is 404 although A still has one.
        assert (
            await client.delete(channel_url("default-channel"), headers=staff_headers(store_b))
        ).status_code == 204
        again = await client.delete(channel_url("default-channel"), headers=staff_headers(store_b))
        assert again.status_code == 404
        assert await read_settings(client, store_a) == a_before

    async def test_a_multiplier_of_store_a_cannot_be_deleted_with_store_b_token(
        self, client: httpx.AsyncClient, installed: FakeSaleor, installed_other: FakeSaleor
    ) -> None:
        store_a, store_b = installed, installed_other
        created = await client.post(MULTIPLIERS, json=VALID_MULTIPLIER, headers=staff_headers(store_a))
        assert created.status_code == 201
        multiplier_id = created.json()["id"]
        assert (await read_settings(client, store_b))["multipliers"] == []
        response = await client.delete(f"{MULTIPLIERS}/{multiplier_id}", headers=staff_headers(store_b))
        assert response.status_code == 404
        assert response.json()["error"] == "not_found"
        [still] = (await read_settings(client, store_a))["multipliers"]
        assert still["id"] == multiplier_id
        # B's own multipliers do not show in A either.
        await client.post(
            MULTIPLIERS, json=VALID_MULTIPLIER | {"name": "B only"}, headers=staff_headers(store_b)
        )
        assert [m["name"] for m in (await read_settings(client, store_a))["multipliers"]] == [
            "Sustainable x2"
        ]
        assert [m["name"] for m in (await read_settings(client, store_b))["multipliers"]] == ["B only"]

    async def test_a_token_of_store_b_cannot_be_used_for_store_a(
        self, client: httpx.AsyncClient, installed: FakeSaleor, installed_other: FakeSaleor
    ) -> None:
        store_a, store_b = installed, installed_other
        a_before = await read_settings(client, store_a)
        headers = {"authorization-bearer": store_b.dashboard_token(), "saleor-api-url": store_a.api_url}
        body = editable(a_before["program"]) | {"hold_days": 99}
        assert (await client.get(PROGRAM, headers=headers)).status_code == 401
        assert (await client.put(PROGRAM, json=body, headers=headers)).status_code == 401
        assert (await client.post(MULTIPLIERS, json=VALID_MULTIPLIER, headers=headers)).status_code == 401
        assert await read_settings(client, store_a) == a_before


class TestPermissions:
    async def test_reading_needs_manage_users(self, client: httpx.AsyncClient, installed: FakeSaleor) -> None:
        response = await client.get(
            PROGRAM, headers=staff_headers(installed, user_permissions=["MANAGE_DISCOUNTS"])
        )
        assert response.status_code == 403
        assert response.json()["missing_permissions"] == ["MANAGE_USERS"]
        reader = await client.get(
            PROGRAM, headers=staff_headers(installed, user_permissions=["MANAGE_USERS"])
        )
        assert reader.status_code == 200

    async def test_writing_needs_manage_discounts(
        self, client: httpx.AsyncClient, installed: FakeSaleor
    ) -> None:
        await client.put(channel_url("kept"), json=VALID_RULE, headers=staff_headers(installed))
        kept = await client.post(MULTIPLIERS, json=VALID_MULTIPLIER, headers=staff_headers(installed))
        before = await read_settings(client, installed)
        reader = staff_headers(installed, user_permissions=["MANAGE_USERS", "MANAGE_ORDERS"])
        attempts = [
            client.put(PROGRAM, json=editable(before["program"]) | {"hold_days": 1}, headers=reader),
            client.put(channel_url("default-channel"), json=VALID_RULE, headers=reader),
            client.delete(channel_url("kept"), headers=reader),
            client.post(MULTIPLIERS, json=VALID_MULTIPLIER, headers=reader),
            client.delete(f"{MULTIPLIERS}/{kept.json()['id']}", headers=reader),
        ]
        for attempt in attempts:
            response = await attempt
            assert response.status_code == 403, response.text
            assert response.json()["missing_permissions"] == ["MANAGE_DISCOUNTS"]
        assert await read_settings(client, installed) == before

    async def test_permission_is_checked_before_the_body(
        self, client: httpx.AsyncClient, installed: FakeSaleor
    ) -> None:
        # Someone who may not write learns nothing about what a valid body looks like.
        reader = staff_headers(installed, user_permissions=["MANAGE_USERS"])
        response = await client.put(PROGRAM, json={"hold_days": -1}, headers=reader)
        assert response.status_code == 403
        assert response.json()["missing_permissions"] == ["MANAGE_DISCOUNTS"]

    async def test_a_writer_without_read_permission_can_write(
        self, client: httpx.AsyncClient, installed: FakeSaleor
    ) -> None:
        before = await read_settings(client, installed)
        writer = staff_headers(installed, user_permissions=["MANAGE_DISCOUNTS"])
        response = await client.put(
            PROGRAM, json=editable(before["program"]) | {"hold_days": 21}, headers=writer
        )
        assert response.status_code == 200, response.text
        created = await client.post(MULTIPLIERS, json=VALID_MULTIPLIER, headers=writer)
        assert created.status_code == 201
        after = await read_settings(client, installed)
        assert after["program"]["hold_days"] == 21
        assert [m["id"] for m in after["multipliers"]] == [created.json()["id"]]

    async def test_without_any_token_nothing_changes(
        self, client: httpx.AsyncClient, installed: FakeSaleor
    ) -> None:
        before = await read_settings(client, installed)
        anonymous = {"saleor-api-url": installed.api_url}
        body = editable(before["program"]) | {"hold_days": 1}
        for response in (
            await client.get(PROGRAM, headers=anonymous),
            await client.put(PROGRAM, json=body, headers=anonymous),
            await client.put(channel_url("default-channel"), json=VALID_RULE, headers=anonymous),
            await client.post(MULTIPLIERS, json=VALID_MULTIPLIER, headers=anonymous),
        ):
            assert response.status_code == 401
            assert response.json()["error"] == "invalid_token"
        assert await read_settings(client, installed) == before
