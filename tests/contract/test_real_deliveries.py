"""Replays of real deliveries captured from Saleor 3.24 (tests/fixtures/saleor/deliveries/).

Our verifier must accept every one as recorded, our parsers must read them, and the orders must earn
what they should."""

from __future__ import annotations

import base64
import json
import random
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from app.db import Database
from app.installations.models import Installation
from app.ledger.models import LedgerEntry, Member
from app.main import create_app
from app.orders.models import Order
from app.saleor.jwks import JwksVerifier
from app.settings import Settings
from bench.store import PublishedKey
from tests.conftest import SECRET_KEY
from tests.factories import create_installation
from tests.fake_saleor import FakeNetwork, FakeSaleor
from tests.saleor_fixtures import deliveries_dir
from webhooks.definitions import WEBHOOKS
from webhooks.payloads import parse_json

SALEOR_API_URL = "http://127.0.0.1:8001/graphql/"
ROUTED = {definition.stem for definition in WEBHOOKS}


def _deliveries() -> list[tuple[str, dict[str, Any]]]:
    directory = deliveries_dir()
    found = []
    for path in sorted(directory.glob("*.json")):
        if path.name in ("jwks.json", "register.json"):
            continue
        found.append((path.stem, json.loads(path.read_text())))
    return found


def _jwks() -> dict[str, Any]:
    return json.loads((deliveries_dir() / "jwks.json").read_text())


def _raw(delivery: dict[str, Any]) -> bytes:
    return base64.b64decode(delivery["body_b64"])


async def _install(database: Database, app_id: str = "QXBwOjE=") -> int:
    async with database.transaction() as session:
        installation = await create_installation(
            session, saleor_api_url=SALEOR_API_URL, app_id=app_id, jwks=_jwks(), secret_key=SECRET_KEY
        )
        return installation.id


async def _replay(client: httpx.AsyncClient, delivery: dict[str, Any]) -> httpx.Response:
    event = delivery["event"]
    # Exactly the recorded bytes and headers, minus hop-by-hop ones our client sets itself.
    headers = {
        k: v
        for k, v in delivery["headers"].items()
        if k.lower() not in ("content-length", "host", "connection")
    }
    return await client.post(
        f"/api/webhooks/{event.replace('_', '-')}", content=_raw(delivery), headers=headers
    )


@pytest.fixture
def app(settings: Settings, database: Database, network: FakeNetwork) -> FastAPI:
    """The app, beside a stand-in for the recorded Saleor at 127.0.0.1 that publishes the recorded keys
    (so a signature that fails is judged against freshly fetched keys, as in production)."""
    recorded = network.add(FakeSaleor(host="127.0.0.1", app_id="QXBwOjE=", key_slot=0))
    [jwk] = _jwks()["keys"]
    recorded.key = PublishedKey(jwk)
    local = settings.model_copy(update={"http_ip_filter_allow_loopback_ips": True})
    return create_app(local, database=database, saleor_transport=network)


def test_every_recording_is_here() -> None:
    names = {name for name, _ in _deliveries()}
    assert {
        "order_fully_paid",
        "order_refunded",
        "order_cancelled",
        "customer_created",
        "app_deleted",
    } <= names


def _delivery_names() -> list[str]:
    directory = deliveries_dir()
    return sorted(p.stem for p in directory.glob("*.json") if p.name not in ("jwks.json", "register.json"))


@pytest.mark.parametrize("name", _delivery_names())
async def test_verifier_accepts_recorded_signature(
    database: Database, client: httpx.AsyncClient, app, name: str
) -> None:
    delivery = dict(_deliveries())[name]
    body = parse_json(_raw(delivery))
    app_id = body.get("recipient", {}).get("id") if body.get("recipient") else body["app"]["id"]
    installation_id = await _install(database, app_id)
    verifier: JwksVerifier = app.state.jwks
    async with database.transaction() as session:
        installation = await session.get(Installation, installation_id)
        assert installation is not None
        await verifier.verify_webhook(installation, delivery["headers"]["Saleor-Signature"], _raw(delivery))
        with pytest.raises(Exception, match="signature"):
            await verifier.verify_webhook(
                installation, delivery["headers"]["Saleor-Signature"], _raw(delivery) + b" "
            )
    if delivery["event"] in ROUTED:
        response = await _replay(client, delivery)
        assert response.status_code == 200, response.text


async def _state(database: Database) -> dict[str, Any]:
    async with database.transaction() as session:
        members = {
            m.saleor_user_id: (m.points_available, m.points_pending, m.points_earned_lifetime, m.email)
            for m in (await session.execute(sa.select(Member))).scalars()
        }
        orders = {
            o.number: (o.earn_status, o.points_earned, o.points_reversed, o.is_cancelled)
            for o in (await session.execute(sa.select(Order))).scalars()
        }
        entries = (await session.execute(sa.select(sa.func.count()).select_from(LedgerEntry))).scalar_one()
    return {"members": members, "orders": orders, "entries": entries}


async def test_recorded_orders_earn_what_they_should(database: Database, client: httpx.AsyncClient) -> None:
    await _install(database)
    deliveries = [d for _, d in _deliveries() if d["event"] in ROUTED and d["event"] != "app_deleted"]
    deliveries.sort(key=lambda d: d["body"]["issuedAt"])
    for delivery in deliveries:
        response = await _replay(client, delivery)
        assert response.status_code == 200, (delivery["event"], response.text)
    state = await _state(database)
    # #21: 24.00 + 50.00 at 1 point per USD = 74, then 12.00 of 74.00 refunded → 12 taken back.
    assert state["orders"]["21"] == ("earned", 74, 12, False)
    # #22: a draft completed unpaid, then cancelled: never earned.
    assert state["orders"]["22"] == ("cancelled", 0, 0, True)
    # #23: draft marked as paid: 12.00 + 5.97 = 17.97 → 17 (rounded down).
    assert state["orders"]["23"] == ("earned", 17, 0, False)
    # #24: paid with a voucher: lines after discount 45.30 + 2.88 = 48.18 → 48; 1.44 refunded → 1 back.
    assert state["orders"]["24"] == ("earned", 48, 1, False)
    jane = state["members"]["VXNlcjo0Ng=="]
    assert jane[:3] == (0, 126, 126)  # all still in the 14-day hold
    # customer_deleted erased the second customer's personal data
    assert state["members"]["VXNlcjo0OA=="][3] is None

    # Saleor redelivers, in any order: nothing changes.
    shuffled = deliveries[:]
    random.Random(7).shuffle(shuffled)
    for delivery in shuffled:
        assert (await _replay(client, delivery)).status_code == 200
    assert await _state(database) == state


async def test_recorded_orders_converge_in_any_order(database: Database, client: httpx.AsyncClient) -> None:
    await _install(database)
    deliveries = [d for _, d in _deliveries() if d["event"].startswith("order_")]
    random.Random(2026).shuffle(deliveries)
    for delivery in deliveries:
        assert (await _replay(client, delivery)).status_code == 200
    state = await _state(database)
    assert state["orders"]["21"][1:3] == (74, 12)
    assert state["orders"]["24"][1:3] == (48, 1)
    assert state["members"]["VXNlcjo0Ng=="][1] == 126


async def test_recorded_app_deleted_uninstalls_its_own_installation(
    database: Database, client: httpx.AsyncClient
) -> None:
    delivery = dict(_deliveries())["app_deleted"]
    # The recording is of a second installation (app QXBwOjI=); only that app receives it.
    await _install(database, app_id=delivery["body"]["app"]["id"])
    response = await _replay(client, delivery)
    assert response.status_code == 200
    async with database.transaction() as session:
        installation = (await session.execute(sa.select(Installation))).scalar_one()
        assert not installation.is_active
        assert installation.token_encrypted is None
