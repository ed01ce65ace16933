"""Schemathesis over the app's whole OpenAPI document, in-process, with a store owner's Dashboard token,
a shopper's token and no token. No answer may be a 5xx, and every answer must match what the document
says about it: its status is documented, its body has the documented schema.

Per operation, bounded and deterministic:

- fuzzing: Hypothesis draws valid and invalid requests from the document, from any of the three callers
  (MAX_EXAMPLES, derandomized, no example database, no deadline);
- coverage: Schemathesis's coverage phase (boundary and just-out-of-range values of every parameter and
  body field, wrong types, missing and unexpected parts), from the caller the route is for and from no
  one;
- edges: a request the route accepts, with one parameter or top-level body field at a time set to what
  databases choke on (ids past int64, counts past int32, NUL, dates far away, huge numbers), which a
  document-driven generator rarely tries.

The app runs in the test's own event loop (its database engine belongs there), through the `client`
fixture: Schemathesis makes each request and judges each answer; httpx sends it.

Left out: the webhooks (fuzzed with signed bodies in their own tests) and /api/register (it calls Saleor;
tests/api/test_install.py covers it).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error, response_schema_conformance, status_code_conformance
from schemathesis.generation import GenerationMode

from app.db import Database, utcnow
from app.installations.service import get_active_installation
from app.main import create_app
from app.outbox.models import OutboxMessage
from app.settings import Settings
from tests.conftest import APP_URL, SECRET_KEY
from tests.factories import JANE_EMAIL, JANE_ID
from tests.fake_saleor import FakeSaleor
from tests.helpers import shopper_headers, staff_headers
from tests.redemption.conftest import give_points

MAX_EXAMPLES = 25
EXCLUDED_PREFIXES = ("/api/webhooks/", "/api/register")
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
CALLERS = ["owner", "shopper", "anonymous"]
CHECKOUT_ID = "Q2hlY2tvdXQ6ZnV6eg=="
REDEEMED_CHECKOUT_ID = "Q2hlY2tvdXQ6cmVkZWVtZWQ="


def _document() -> dict[str, Any]:
    # Only to list the operations at collection; the requests go to the `app` fixture, whose document
    # is the same.
    lister = Settings(
        _env_file=None,  # type: ignore[call-arg]
        secret_key=SECRET_KEY,
        database_url=f"sqlite+aiosqlite:///{tempfile.gettempdir()}/lojal-never-opened.db",
        worker_in_process=False,
    )
    return create_app(lister).openapi()


DOCUMENT = _document()
SCHEMA = schemathesis.openapi.from_dict(DOCUMENT)
OPERATIONS = [
    (path, method.upper())
    for path, methods in DOCUMENT["paths"].items()
    for method in methods
    if not path.startswith(EXCLUDED_PREFIXES)
]
OPERATION_IDS = [f"{method} {path}" for path, method in OPERATIONS]

DEAD_LETTER_ID = 1000

# Rows the fixture below creates, for the fuzzer to find under the small ids and names it tries.
KNOWN = {
    "member_id": 1,
    "reward_id": 1,
    "multiplier_id": 1,
    "redemption_id": 1,
    "checkout_id": CHECKOUT_ID,
    "saleor_user_id": JANE_ID,
    "channel": "default-channel",
    "message_id": DEAD_LETTER_ID,
}
# What databases choke on: past int64 and int32, NUL, dates a timedelta cannot move, huge numbers. (Lone
# surrogates are in test_input_bounds.py: Schemathesis's JSON encoder cannot send them.)
EDGES: list[Any] = [
    2**63,
    -(2**63) - 1,
    2**31,
    "bad\x00text",
    "0001-01-01",
    "9999-12-31T23:59:59-01:00",
    1e308,
    "1e400",
]


# A request each operation accepts, for the edges pass to change one field at a time; without one, the
# coverage phase's first valid request (which cross-field rules may still refuse).
BASELINES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/api/storefront/me/consent"): {"consent": True},
    ("POST", "/api/storefront/preview"): {
        "channel": "default-channel",
        "currency": "USD",
        "lines": [{"amount": "10", "product_id": "UHJvZHVjdDox", "category": "c", "collections": ["summer"]}],
        "shipping_amount": "5",
    },
    ("POST", "/api/storefront/checkouts/{checkout_id}/redemptions"): {"points": 200},
    ("PUT", "/api/admin/program"): {
        "hold_days": 3,
        "welcome_bonus_points": 10,
        "default_point_value": "0.02",
    },
    ("PUT", "/api/admin/program/channels/{channel}"): {
        "currency": "USD",
        "points_per_unit": "2",
        "point_value": "0.01",
        "min_order_amount": "5",
        "bonus_threshold_amount": "100",
        "bonus_points": 50,
    },
    ("POST", "/api/admin/program/multipliers"): {
        "name": "Winter",
        "target_type": "collection",
        "target": "winter",
        "factor": "1.5",
        "starts_at": "2026-01-01T00:00:00Z",
        "ends_at": "2027-01-01T00:00:00Z",
    },
    ("POST", "/api/admin/rewards"): {
        "name": "10 percent",
        "description": "ten off",
        "kind": "percentage",
        "points_cost": 700,
        "percentage": "10",
        "max_amounts": {"USD": "20"},
        "min_order_amounts": {"USD": "30"},
        "starts_at": "2026-01-01T00:00:00Z",
        "ends_at": "2027-01-01T00:00:00Z",
        "tier_required": None,
        "per_member_limit": 2,
        "stock": 10,
    },
    ("PUT", "/api/admin/rewards/{reward_id}"): {
        "name": "6 off",
        "kind": "fixed_amount",
        "points_cost": 600,
        "amounts": {"USD": "6"},
        "per_member_limit": 1,
        "stock": 5,
    },
    ("POST", "/api/admin/rewards/{reward_id}/codes"): {"codes": ["B-1", "B-2"]},
    ("POST", "/api/admin/members/{member_id}/adjustments"): {
        "points": 25,
        "reason": "goodwill",
        "idempotency_key": "fuzz-edge-0001",
    },
}
# Path parameters of those baselines, where the known rows above do not fit.
BASELINE_PATHS: dict[tuple[str, str], dict[str, Any]] = {
    ("DELETE", "/api/storefront/checkouts/{checkout_id}/redemptions/{redemption_id}"): {
        "checkout_id": REDEEMED_CHECKOUT_ID,
        "redemption_id": 1,
    },
    ("POST", "/api/admin/rewards/{reward_id}/codes"): {"reward_id": 3},
}
# The caller each family of routes is for: the edges pass checks its baseline request is accepted.
OWNERS = {"/api/admin": "owner", "/api/storefront": "shopper"}


def test_the_fuzzed_operations() -> None:
    """What is fuzzed (and left out) does not change silently."""
    assert len(OPERATIONS) == 37
    assert ("/api/admin/members/{member_id}/adjustments", "POST") in OPERATIONS
    assert ("/api/storefront/checkouts/{checkout_id}/redemptions/{redemption_id}", "DELETE") in OPERATIONS
    assert not [path for path, _ in OPERATIONS if path.startswith(EXCLUDED_PREFIXES)]


def test_the_document_is_the_apps(app: Any) -> None:
    assert app.openapi() == DOCUMENT


@pytest.fixture
async def shop(client: httpx.AsyncClient, installed: FakeSaleor, database: Database) -> FakeSaleor:
    """Jane (member 1) with points, a reward of three kinds (ids 1..3, partner codes on 3), a channel
    rule, a multiplier, two checkouts of hers in Saleor, one with a redemption (1) on it."""
    staff = staff_headers(installed)
    await give_points(client, installed, 2000)
    rewards = [
        {"name": "5 off", "kind": "fixed_amount", "points_cost": 500, "amounts": {"USD": "5"}},
        {"name": "Free shipping", "kind": "free_shipping", "points_cost": 300},
        {"name": "Coffee", "kind": "partner", "points_cost": 100},
    ]
    for reward in rewards:
        assert (await client.post("/api/admin/rewards", json=reward, headers=staff)).status_code == 201
    codes = await client.post("/api/admin/rewards/3/codes", json={"codes": ["A-1", "A-2"]}, headers=staff)
    assert codes.status_code == 200, codes.text
    rule = {"currency": "USD", "points_per_unit": "1", "point_value": "0.01"}
    put = await client.put("/api/admin/program/channels/default-channel", json=rule, headers=staff)
    assert put.status_code == 200, put.text
    multiplier = {"name": "Summer", "target_type": "collection", "target": "summer", "factor": "2"}
    added = await client.post("/api/admin/program/multipliers", json=multiplier, headers=staff)
    assert added.status_code == 201, added.text
    installed.add_checkout(checkout_id=CHECKOUT_ID, user=(JANE_ID, JANE_EMAIL))
    installed.add_checkout(checkout_id=REDEEMED_CHECKOUT_ID, user=(JANE_ID, JANE_EMAIL))
    redeemed = await client.post(
        f"/api/storefront/checkouts/{REDEEMED_CHECKOUT_ID}/redemptions",
        json={"points": 100},
        headers=shopper_headers(installed),
    )
    assert redeemed.status_code == 201, redeemed.text
    async with database.transaction() as session:
        installation = await get_active_installation(session, installed.api_url)
        assert installation is not None
        session.add(
            OutboxMessage(
                id=DEAD_LETTER_ID,
                installation_id=installation.id,
                kind="member_metadata",
                dedupe_key="member:fuzz",
                payload={"member_id": 1},
                dead_at=utcnow(),
                dead_reason="Saleor refused the metadata write",
            )
        )
    return installed


def _headers(who: str, saleor: FakeSaleor) -> dict[str, str] | None:
    if who == "owner":
        return staff_headers(saleor)
    if who == "shopper":
        return shopper_headers(saleor)
    return None  # no tokens: whatever headers the document allows, generated


async def _check(client: httpx.AsyncClient, case: Any, headers: dict[str, str] | None) -> httpx.Response:
    """Send the request Schemathesis would send (prepared by requests, byte for byte) through httpx, and
    have Schemathesis judge the answer."""
    kwargs = case.as_transport_kwargs(base_url=APP_URL, headers=headers)
    prepared = requests.Request(
        method=kwargs["method"],
        url=kwargs["url"],
        headers=kwargs.get("headers"),
        params=kwargs.get("params"),
        cookies=kwargs.get("cookies"),
        data=kwargs.get("data"),
        json=kwargs.get("json"),
        files=kwargs.get("files"),
    ).prepare()
    assert prepared.method is not None and prepared.url is not None
    sent_headers = [
        (name.encode("latin-1"), value.encode("latin-1") if isinstance(value, str) else value)
        for name, value in prepared.headers.items()
        if name.lower() != "content-length"
    ]
    body = prepared.body.encode() if isinstance(prepared.body, str) else prepared.body
    response = await client.request(prepared.method, prepared.url, headers=sent_headers, content=body)
    case.validate_response(response, checks=CHECKS)
    return response


def _coverage_cases(path: str, method: str) -> Iterator[Any]:
    operation = SCHEMA[path][method]
    generation = SCHEMA.config.generation_for(operation=operation, phase="coverage")
    modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    yield from SCHEMA.iter_coverage_cases(operation, generation_modes=modes, generation_config=generation)


def _baseline(path: str, method: str) -> Any:
    """A request the operation accepts: the coverage phase's first valid one, with the known rows' ids
    and names in its path and the body from BASELINES."""
    baseline = next(
        case for case in _coverage_cases(path, method) if case.meta.generation.mode == GenerationMode.POSITIVE
    )
    baseline.path_parameters.update({k: v for k, v in KNOWN.items() if k in baseline.path_parameters})
    baseline.path_parameters.update(BASELINE_PATHS.get((method, path), {}))
    if baseline.query:
        baseline.query.pop("cursor", None)  # only cursors this API gave out are accepted
    if (method, path) in BASELINES:
        baseline.body = BASELINES[method, path]
    return baseline


def _edge_cases(baseline: Any) -> Iterator[Any]:
    """The baseline with one parameter or top-level body field at a time at each edge value."""
    path, method = baseline.operation.path, baseline.method
    for name in baseline.path_parameters:
        for value in EDGES:
            case = baseline.derive()
            case.path_parameters = {**baseline.path_parameters, name: value}
            yield case
    parameters = DOCUMENT["paths"][path][method.lower()].get("parameters", [])
    for name in [parameter["name"] for parameter in parameters if parameter["in"] == "query"]:
        for value in EDGES:
            # With the other parameters, and alone (defaults can make their own arithmetic).
            yield baseline.derive(query={**(baseline.query or {}), name: value})
            yield baseline.derive(query={name: value})
    if isinstance(baseline.body, dict):
        for field in baseline.body:
            for value in EDGES:
                case = baseline.derive()
                case.body = {**baseline.body, field: value}
                yield case


def _callers(path: str) -> list[str]:
    """Who the route is for (the owner for the admin API, the shopper for the storefront's), then no one."""
    return [caller for prefix, caller in OWNERS.items() if path.startswith(prefix)] + ["anonymous"]


@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=OPERATION_IDS)
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
@given(data=st.data())
async def test_fuzzing(
    client: httpx.AsyncClient, shop: FakeSaleor, path: str, method: str, data: st.DataObject
) -> None:
    who = data.draw(st.sampled_from(CALLERS), label="caller")
    mode = data.draw(st.sampled_from([GenerationMode.POSITIVE, GenerationMode.NEGATIVE]), label="mode")
    known = {name: value for name, value in KNOWN.items() if f"{{{name}}}" in path}
    use_known = bool(known) and data.draw(st.booleans(), label="known ids")
    strategy = SCHEMA[path][method].as_strategy(
        generation_mode=mode, headers=_headers(who, shop), path_parameters=known if use_known else None
    )
    await _check(client, data.draw(strategy, label="case"), None)


@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=OPERATION_IDS)
async def test_edges_and_coverage(
    client: httpx.AsyncClient, shop: FakeSaleor, path: str, method: str
) -> None:
    callers = _callers(path)
    # Edges first, while the known rows are all there: the baseline must be accepted.
    headers = _headers(callers[0], shop)
    baseline = _baseline(path, method)
    accepted = await _check(client, baseline, headers)
    if callers[0] != "anonymous":
        assert accepted.status_code < 300, f"the baseline was refused: {accepted.status_code} {accepted.text}"
    for case in _edge_cases(baseline):
        await _check(client, case, headers)
    for who in callers:
        headers = _headers(who, shop)
        for case in _coverage_cases(path, method):
            await _check(client, case, headers)
