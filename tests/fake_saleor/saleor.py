"""A small fake Saleor: its own RSA key and JWKS, signing like Saleor 3.24 signs, and a GraphQL endpoint
that validates every document (and its variables) against the real schema before answering.

It also plays Saleor for checkout redemption: vouchers with codes and channel listings, checkouts with
Decimal money, promo codes applied and removed like Saleor 3.24 does it (`tests/fixtures/saleor/README.md`,
`voucher_experiment.json`, `PLATFORM.md` §5), and `complete_checkout` to turn a checkout into an order
webhook payload. Handlers render whole objects; the answer is cut down to the fields the document selected.

This module holds the fake's state, its HTTP routes and the helpers tests call (the package's docstring
says where the rest lives).
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import secrets
import socket
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx
from graphql import FieldNode, OperationDefinitionNode, graphql_sync
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fake_saleor import promo_codes, render
from tests.fake_saleor.discounts import _use_code
from tests.fake_saleor.errors import CheckoutCompleteError
from tests.fake_saleor.executor import execute, load_schema, parse_operation
from tests.fake_saleor.keys import SigningKey, _cached_key, sign_detached, sign_token
from tests.fake_saleor.model import ZERO, FakeCheckout, FakeCheckoutLine, _decimal, global_id, new_voucher
from tests.fake_saleor.resolvers import GRAPHQL_HANDLERS
from tests.saleor_fixtures import schema_path

# Tests import these from here.
__all__ = [
    "DEFAULT_CHANNEL_ID",
    "GRAPHQL_HANDLERS",
    "CheckoutCompleteError",
    "FakeNetwork",
    "FakeSaleor",
    "SigningKey",
    "global_id",
    "load_schema",
]

DEFAULT_CHANNEL_ID = "Q2hhbm5lbDox"  # Channel:1, "default-channel" in the recorded deliveries
JANE = ("VXNlcjo0Ng==", "jane.loyal@example.com")


@dataclass
class FakeSaleor:
    host: str = "shop-a.saleor.test"
    app_id: str = "QXBwOjE="
    key_slot: int = 0
    app_token: str = field(default_factory=lambda: secrets.token_urlsafe(22)[:30])
    down: bool = False
    jwks_down: bool = False
    app_alive: bool = True
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    # add_checkout() stores a FakeCheckout; a dict put here directly is answered as it is.
    checkouts: dict[str, dict[str, Any] | FakeCheckout] = field(default_factory=dict)
    vouchers: dict[str, dict[str, Any]] = field(default_factory=dict)
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)  # placed by complete_checkout()
    channels: dict[str, tuple[str, str]] = field(
        default_factory=lambda: {DEFAULT_CHANNEL_ID: ("default-channel", "USD")}
    )  # channel id -> (slug, currency)
    webhooks: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    invalid_documents: list[str] = field(default_factory=list)
    fail_operations: dict[str, int] = field(default_factory=dict)  # operation -> HTTP 500s to answer
    timeout_operations: dict[str, int] = field(default_factory=dict)  # operation -> timeouts, nothing done
    lose_response_operations: dict[str, int] = field(default_factory=dict)  # operation -> done, then timeout
    jwks_fetches: int = 0
    _last_pk: dict[str, int] = field(default_factory=dict, repr=False)  # per type, like database sequences

    def __post_init__(self) -> None:
        self.key = _cached_key(self.key_slot)
        self.app = Starlette(
            routes=[
                Route("/graphql/", self._graphql, methods=["POST"]),
                Route("/.well-known/jwks.json", self._jwks, methods=["GET"]),
            ]
        )

    # --- identity -------------------------------------------------------------------------------
    @property
    def api_url(self) -> str:
        return f"https://{self.host}/graphql/"

    @property
    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.key.jwk]}

    def rotate_key(self, slot: int | None = None) -> None:
        self.key_slot = slot if slot is not None else self.key_slot + 1
        self.key = _cached_key(self.key_slot)

    # --- signing ----------------------------------------------------------------------------------
    def sign(self, body: bytes, key: SigningKey | None = None) -> str:
        """Detached JWS with an unencoded payload (RFC 7797), exactly as Saleor signs deliveries."""
        return sign_detached(body, key or self.key)

    def delivery(
        self, event: str, payload: dict[str, Any] | bytes, *, signature: str | None = None
    ) -> tuple[bytes, dict[str, str]]:
        """A webhook delivery: raw body bytes (Python json.dumps, as Saleor writes them) and headers."""
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        sig = signature if signature is not None else self.sign(body)
        event = event.lower()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Saleor/3.24",
            "Saleor-Event": event,
            "X-Saleor-Event": event,
            "Saleor-Domain": self.host,
            "X-Saleor-Domain": self.host,
            "Saleor-Api-Url": self.api_url,
            "Saleor-Signature": sig,
            "X-Saleor-Signature": sig,
        }
        return body, headers

    def event_meta(self, *, recipient: str | None = None) -> dict[str, Any]:
        return {
            "issuedAt": "2026-11-24T19:55:51.423075+00:00",
            "version": "3.24.0",
            "issuingPrincipal": None,
            "recipient": {"id": recipient or self.app_id, "name": "Lojal"},
        }

    # --- tokens -----------------------------------------------------------------------------------
    def dashboard_token(
        self,
        *,
        user_permissions: list[str] | None = None,
        app_id: str | None = None,
        expires_in: int = 300,
        key: SigningKey | None = None,
        **overrides: Any,
    ) -> str:
        now = int(time.time())
        granted = (
            user_permissions
            if user_permissions is not None
            else ["MANAGE_ORDERS", "MANAGE_USERS", "MANAGE_DISCOUNTS", "MANAGE_CHECKOUTS", "MANAGE_APPS"]
        )
        claims = {
            "iat": now,
            "exp": now + expires_in,
            "owner": "saleor",
            "iss": self.api_url,
            "token": secrets.token_hex(6),
            "email": "staff@example.com",
            "type": "thirdparty",
            "user_id": "VXNlcjoyMQ==",
            "is_staff": True,
            "app": app_id or self.app_id,
            "permissions": [p for p in granted if p != "MANAGE_APPS"],
            "user_permissions": granted,
            **overrides,
        }
        return sign_token(claims, key or self.key)

    def shopper_token(
        self,
        user_id: str = "VXNlcjo0Ng==",
        email: str = "jane.loyal@example.com",
        *,
        expires_in: int = 300,
        key: SigningKey | None = None,
        **overrides: Any,
    ) -> str:
        now = int(time.time())
        claims = {
            "iat": now,
            "exp": now + expires_in,
            "owner": "saleor",
            "iss": self.api_url,
            "token": secrets.token_hex(6),
            "email": email,
            "type": "access",
            "user_id": user_id,
            "is_staff": False,
            **overrides,
        }
        return sign_token(claims, key or self.key)

    # --- HTTP ---------------------------------------------------------------------------------------
    async def _jwks(self, request: Request) -> Response:
        self.jwks_fetches += 1
        if self.jwks_down:
            return Response("unavailable", status_code=503)
        return JSONResponse(self.jwks)

    async def _graphql(self, request: Request) -> Response:
        operation, errors = parse_operation(await request.json())
        name = operation.name
        if errors:
            self.invalid_documents.append(f"{name}: {errors}")
            return JSONResponse({"errors": [{"message": message} for message in errors]}, status_code=400)
        self.calls.append((name, operation.variables))
        if _take(self.fail_operations, name):
            return Response("internal error", status_code=500)
        if _take(self.timeout_operations, name):
            # Raised inside the ASGI app, this reaches the caller as it is: httpx.ASGITransport re-raises
            # the app's exceptions (tests/unit/test_fake_saleor.py checks it).
            raise httpx.ReadTimeout(f"fake Saleor: {name} timed out before doing anything")
        if _is_introspection(operation.definition):
            # Saleor answers introspection to anyone; graphql-core answers it from the same schema.
            answer = graphql_sync(load_schema(schema_path()), await _query(request))
            return JSONResponse({"data": answer.data})
        authorization = request.headers.get("authorization", "")
        as_app = self.app_alive and authorization == f"Bearer {self.app_token}"
        handler = GRAPHQL_HANDLERS.get(name)
        if handler is None:
            return JSONResponse({"errors": [{"message": f"fake Saleor has no handler for {name}"}]})
        result = execute(self, handler, operation, as_app)
        if _take(self.lose_response_operations, name):
            # The state has changed, but the caller never learns it.
            raise httpx.ReadTimeout(f"fake Saleor: the answer to {name} was lost")
        return JSONResponse(result)

    # --- checkouts and vouchers (test helpers) ---------------------------------------------------
    def _next_pk(self, type_name: str) -> int:
        self._last_pk[type_name] = self._last_pk.get(type_name, 0) + 1
        return self._last_pk[type_name]

    def add_checkout(
        self,
        *,
        checkout_id: str | None = None,
        user: tuple[str, str] | None = JANE,
        email: str | None = None,
        channel: tuple[str, str] = ("default-channel", "USD"),
        channel_id: str = DEFAULT_CHANNEL_ID,
        lines: Sequence[tuple[str, int, Decimal | int | str]] | None = None,
        shipping: Decimal | int | str | None = ZERO,
    ) -> str:
        """An open checkout; `lines` are (variant id, quantity, unit price), `shipping` None means no
        delivery method yet. The default lines are README's 53.18 checkout (50.00 + 2 x 1.59)."""
        if lines is None:
            lines = [("UHJvZHVjdFZhcmlhbnQ6MzQz", 1, "50.00"), ("UHJvZHVjdFZhcmlhbnQ6Mzg2", 2, "1.59")]
        checkout_id = checkout_id or global_id("Checkout", uuid.uuid4())
        self.channels[channel_id] = channel
        self.checkouts[checkout_id] = FakeCheckout(
            id=checkout_id,
            email=email if email is not None else (user[1] if user else None),
            user=user,
            channel_id=channel_id,
            channel_slug=channel[0],
            currency=channel[1],
            lines=[
                FakeCheckoutLine(global_id("CheckoutLine", uuid.uuid4()), variant, quantity, _decimal(price))
                for variant, quantity, price in lines
            ],
            shipping=None if shipping is None else _decimal(shipping),
        )
        return checkout_id

    def checkout(self, checkout_id: str) -> FakeCheckout:
        """The modelled checkout (KeyError once completed or never added)."""
        checkout = self.checkouts[checkout_id]
        if not isinstance(checkout, FakeCheckout):
            raise TypeError(f"checkout {checkout_id} is a ready-made dict; create it with add_checkout()")
        return checkout

    def add_voucher(
        self,
        *codes: str,
        name: str = "Shop voucher",
        voucher_type: str = "ENTIRE_ORDER",
        value_type: str = "FIXED",
        value: Decimal | int | str | None = None,
        channel_id: str = DEFAULT_CHANNEL_ID,
        min_amount_spent: Decimal | int | str | None = None,
        metadata: dict[str, str] | None = None,
        **voucher_input: Any,
    ) -> str:
        """A voucher as staff would make it in the Dashboard (e.g. the shopper's own code). `value` lists it
        in `channel_id`; `voucher_input` takes further VoucherInput fields by their GraphQL names
        (singleUse, usageLimit, endDate, variants, applyOncePerOrder, ...)."""
        voucher_id = self._create_voucher(
            {"name": name, "type": voucher_type, "discountValueType": value_type, "addCodes": list(codes)}
            | voucher_input
        )
        voucher = self.vouchers[voucher_id]
        if value is not None:
            voucher["channelListings"][channel_id] = {
                "discountValue": _decimal(value),
                "minAmountSpent": None if min_amount_spent is None else _decimal(min_amount_spent),
            }
        voucher["metadata"].update(metadata or {})
        return voucher_id

    def _create_voucher(self, data: dict[str, Any]) -> str:
        """Store a VoucherInput (GraphQL names) as Saleor would, defaults included; no validation here."""
        voucher = new_voucher(data, self._next_pk)
        voucher_id: str = voucher["id"]
        self.vouchers[voucher_id] = voucher
        return voucher_id

    def voucher_for_code(self, code: str) -> dict[str, Any] | None:
        """The voucher owning `code` (codes are globally unique and matched exactly)."""
        return next((voucher for voucher in self.vouchers.values() if code in voucher["codes"]), None)

    def add_promo_code(self, checkout_id: str, code: str) -> list[dict[str, Any]]:
        """checkoutAddPromoCode; returns its `errors` ([] once applied). No permission is needed: anyone
        holding the checkout id may call it. Applying reserves nothing."""
        return promo_codes.add_promo_code(self, checkout_id, code)

    def remove_promo_code(
        self, checkout_id: str, code: str | None = None, *, voucher_id: str | None = None
    ) -> list[dict[str, Any]]:
        """checkoutRemovePromoCode by `promoCode` or by `promoCodeId` (a voucher id); returns its `errors`
        ([] once removed)."""
        return promo_codes.remove_promo_code(self, checkout_id, code, voucher_id=voucher_id)

    def complete_checkout(
        self, checkout_id: str, *, order_id: str | None = None, number: str = "30"
    ) -> dict[str, Any]:
        """checkoutComplete, fully paid: consume the code, drop the checkout, and return the body of the
        ORDER_* webhook (event meta + order). Raises CheckoutCompleteError if the code was used up, deleted
        or expired meanwhile (the checkout stays, as in Saleor)."""
        checkout = self.checkout(checkout_id)
        voucher = None
        if checkout.voucher_code is not None:
            voucher = promo_codes.usable_voucher(self, checkout.voucher_code, checkout.channel_id)
            if voucher is None:
                raise CheckoutCompleteError("VOUCHER_NOT_APPLICABLE", "voucherCode", "Voucher not applicable")
            _use_code(voucher, checkout.voucher_code)
        order = render.render_order(
            checkout,
            voucher,
            order_id or global_id("Order", uuid.uuid4()),
            number,
            users=self.users,
            channels=self.channels,
        )
        del self.checkouts[checkout_id]
        self.orders[order["id"]] = order
        return {**self.event_meta(), "order": order}

    # --- rendering --------------------------------------------------------------------------------
    def render_checkout(self, checkout: dict[str, Any] | FakeCheckout | None) -> dict[str, Any] | None:
        """A checkout as Saleor's `Checkout` type (every field the documents use); dicts pass as they are."""
        return render.render_checkout(checkout, self.channels)

    def render_voucher(self, voucher: dict[str, Any]) -> dict[str, Any]:
        """A voucher as Saleor's `Voucher` type; `codes` is rendered whole whatever `first` asks."""
        return render.render_voucher(voucher, self.channels)


def _take(counters: dict[str, int], name: str) -> bool:
    """Use one of the failures planned for `name`, if any are left."""
    if counters.get(name, 0) > 0:
        counters[name] -= 1
        return True
    return False


# A public address (TEST-NET ranges count as private): what fake Saleors' host names resolve to.
PUBLIC_ADDRESS = "93.184.215.14"


class FakeNetwork(httpx.AsyncBaseTransport):
    """Routes Lojal's outgoing HTTP to fake Saleors by host; a down or unknown host refuses to connect.

    It is also the DNS Lojal's address guard asks: fake Saleors resolve to a public address, and a test
    can point any host name at another address (`addresses`) to play a private or metadata Saleor."""

    def __init__(self) -> None:
        self.saleors: dict[str, FakeSaleor] = {}
        self.addresses: dict[str, list[str]] = {}
        self.resolved: list[str] = []

    async def resolve(self, host: str, port: int) -> list[str]:
        self.resolved.append(host)
        with contextlib.suppress(ValueError):
            return [str(ipaddress.ip_address(host.strip("[]")))]  # an address resolves to itself
        if host in self.addresses:
            return self.addresses[host]
        if host in self.saleors:
            return [PUBLIC_ADDRESS]
        raise socket.gaierror(f"fake network: no such host {host}")

    def add(self, saleor: FakeSaleor) -> FakeSaleor:
        self.saleors[saleor.host] = saleor
        return saleor

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        saleor = self.saleors.get(request.url.host)
        if saleor is None or saleor.down:
            raise httpx.ConnectError(f"connection refused by {request.url.host}", request=request)
        transport = httpx.ASGITransport(app=saleor.app)
        return await transport.handle_async_request(request)


def _is_introspection(definition: OperationDefinitionNode) -> bool:
    return all(
        isinstance(selection, FieldNode) and selection.name.value.startswith("__")
        for selection in definition.selection_set.selections
    )


async def _query(request: Request) -> str:
    body = await request.json()
    return str(body["query"])
