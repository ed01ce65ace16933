"""Every admin route, taken from the OpenAPI description so a new route cannot be forgotten: it needs a
Dashboard token, and store B's staff can neither read nor change anything of store A through it."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
from fastapi import FastAPI

from app.db import Database, utcnow
from app.installations.service import get_active_installation
from app.outbox.models import OutboxMessage
from tests.factories import JANE_ID, customer_body, order_body
from tests.fake_saleor import FakeSaleor
from tests.helpers import deliver, staff_headers

SECRET_MARKERS = (
    "jane.loyal@example.com",
    "A-only dead letter",
    "A-only reward",
    "A-only multiplier",
    "a-only-channel",
    "A-CODE-1",
)

BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("put", "/api/admin/program"): {"hold_days": 1},
    ("put", "/api/admin/program/channels/{channel}"): {
        "currency": "USD",
        "points_per_unit": "50",
        "point_value": "1",
    },
    ("post", "/api/admin/program/multipliers"): {
        "name": "B multiplier",
        "target_type": "collection",
        "target": "x",
        "factor": "9",
    },
    ("post", "/api/admin/rewards"): {"name": "B reward", "kind": "free_shipping", "points_cost": 1},
    ("put", "/api/admin/rewards/{reward_id}"): {
        "name": "hijacked",
        "kind": "free_shipping",
        "points_cost": 1,
    },
    ("post", "/api/admin/rewards/{reward_id}/codes"): {"codes": ["B-CODE"]},
    ("post", "/api/admin/members/{member_id}/adjustments"): {"points": 1000, "reason": "steal points"},
}


async def dead_letter(database: Database, saleor: FakeSaleor) -> int:
    """A message to Saleor that could not be delivered (a dead letter) of store A."""
    async with database.transaction() as session:
        installation = await get_active_installation(session, saleor.api_url)
        assert installation is not None
        message = OutboxMessage(
            installation_id=installation.id,
            kind="member_metadata",
            dedupe_key="member:isolation",
            payload={},
            dead_at=utcnow(),
            dead_reason="A-only dead letter",
        )
        session.add(message)
        await session.flush()
        return message.id


async def seed_store_a(client: httpx.AsyncClient, saleor: FakeSaleor, database: Database) -> dict[str, str]:
    headers = staff_headers(saleor)
    await deliver(client, saleor, "CUSTOMER_CREATED", customer_body(saleor))
    await deliver(client, saleor, "ORDER_FULLY_PAID", order_body(saleor))
    member = (await client.get("/api/admin/members", headers=headers)).json()["members"][0]
    reward = (
        await client.post(
            "/api/admin/rewards",
            json={"name": "A-only reward", "kind": "partner", "points_cost": 10},
            headers=headers,
        )
    ).json()
    await client.post(
        f"/api/admin/rewards/{reward['id']}/codes", json={"codes": ["A-CODE-1"]}, headers=headers
    )
    multiplier = (
        await client.post(
            "/api/admin/program/multipliers",
            json={"name": "A-only multiplier", "target_type": "collection", "target": "a", "factor": "2"},
            headers=headers,
        )
    ).json()
    await client.put(
        "/api/admin/program/channels/a-only-channel",
        json={"currency": "USD", "points_per_unit": "2", "point_value": "0.01"},
        headers=headers,
    )
    return {
        "message_id": str(await dead_letter(database, saleor)),
        "member_id": str(member["id"]),
        "reward_id": str(reward["id"]),
        "multiplier_id": str(multiplier["id"]),
        "channel": "a-only-channel",
        "saleor_user_id": JANE_ID,
    }


async def snapshot(client: httpx.AsyncClient, saleor: FakeSaleor, ids: dict[str, str]) -> dict[str, Any]:
    headers = staff_headers(saleor)
    return {
        "program": (await client.get("/api/admin/program", headers=headers)).json(),
        "rewards": (await client.get("/api/admin/rewards", headers=headers)).json(),
        "member": (await client.get(f"/api/admin/members/{ids['member_id']}", headers=headers)).json()[
            "member"
        ],
    }


def admin_operations(app: FastAPI) -> list[tuple[str, str]]:
    operations = []
    for path, methods in app.openapi()["paths"].items():
        if path.startswith("/api/admin"):
            operations += [(method, path) for method in methods]
    return sorted(operations)


async def test_every_admin_route_needs_a_token_and_keeps_to_its_store(
    app: FastAPI, client: httpx.AsyncClient, installed: FakeSaleor, installed_other: FakeSaleor
) -> None:
    ids = await seed_store_a(client, installed, app.state.db)
    before = await snapshot(client, installed, ids)
    operations = admin_operations(app)
    assert len(operations) >= 20, operations  # the whole admin surface is covered

    for method, path in operations:
        url = re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], path)
        body = BODIES.get((method, path))
        anonymous = await client.request(
            method, url, json=body, headers={"saleor-api-url": installed.api_url}
        )
        assert anonymous.status_code == 401, (method, path, anonymous.status_code)

        response = await client.request(method, url, json=body, headers=staff_headers(installed_other))
        assert response.status_code < 500, (method, path, response.text)
        assert response.status_code in (200, 201, 204, 404), (
            method,
            path,
            response.status_code,
            response.text,
        )
        text = response.text
        for marker in SECRET_MARKERS:
            if marker == "a-only-channel" and response.status_code != 200:
                continue  # a PUT to that slug creates B's own rule, named by B's request
            assert marker not in text or (method, path) == ("put", "/api/admin/program/channels/{channel}"), (
                method,
                path,
                marker,
            )

    after = await snapshot(client, installed, ids)
    assert json.dumps(after, sort_keys=True) == json.dumps(before, sort_keys=True)
