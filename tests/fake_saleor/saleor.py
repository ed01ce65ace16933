"""A small fake Saleor: its own RSA key and JWKS, signing like Saleor 3.24 signs, and a GraphQL endpoint
that validates every document (and its variables) against the real schema before answering.

It also plays Saleor for checkout redemption: vouchers with codes and channel listings, checkouts with
Decimal money, promo codes applied and removed like Saleor 3.24 does it (`tests/fixtures/saleor/README.md`,
`voucher_experiment.json`, `PLATFORM.md` §5), and `complete_checkout` to turn a checkout into an order
webhook payload. Handlers render whole objects; the answer is cut down to the fields the document selected.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Undefined,
    build_schema,
    parse,
    validate,
)
from graphql.execution.values import get_variable_values
from graphql.utilities import value_from_ast_untyped
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app import clock
from tests.saleor_fixtures import schema_path


@cache
def load_schema(path: Path) -> GraphQLSchema:
    return build_schema(path.read_text())


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class SigningKey:
    """An RSA key with an RFC 7638 thumbprint as kid, as Saleor's JWTManager makes them."""

    def __init__(self) -> None:
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        numbers = self.private_key.public_key().public_numbers()
        self.e = _b64url_uint(numbers.e)
        self.n = _b64url_uint(numbers.n)
        canonical = json.dumps(
            {"e": self.e, "kty": "RSA", "n": self.n}, separators=(",", ":"), sort_keys=True
        )
        self.kid = base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).decode().rstrip("=")

    @property
    def jwk(self) -> dict[str, Any]:
        return {
            "kty": "RSA",
            "key_ops": ["verify"],
            "n": self.n,
            "e": self.e,
            "use": "sig",
            "kid": self.kid,
            "alg": "RS256",
        }


@cache
def _cached_key(slot: int) -> SigningKey:
    # RSA key generation is slow; tests reuse a handful of keys by slot.
    return SigningKey()


# --- money, ids and the checkout model ------------------------------------------------------------
DEFAULT_CHANNEL_ID = "Q2hhbm5lbDox"  # Channel:1, "default-channel" in the recorded deliveries
JANE = ("VXNlcjo0Ng==", "jane.loyal@example.com")
CENT = Decimal("0.01")
ZERO = Decimal(0)


def _decimal(value: Decimal | int | float | str) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _cents(value: Decimal) -> Decimal:
    # Saleor quantizes money to the currency's precision, rounding half up.
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _money(amount: Decimal, currency: str) -> dict[str, Any]:
    # Saleor serialises amounts as JSON numbers (Python floats); Lojal must read them exactly.
    return {"amount": float(amount), "currency": currency}


def _taxed(amount: Decimal, currency: str) -> dict[str, Any]:
    # The fake knows no taxes: gross == net, like the recorded shop.
    return {
        "gross": _money(amount, currency),
        "net": _money(amount, currency),
        "tax": _money(ZERO, currency),
        "currency": currency,
    }


def global_id(type_name: str, pk: object) -> str:
    """A Saleor global id: base64 of "<Type>:<pk>"."""
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def _parse_datetime(value: str | datetime | None) -> datetime | None:
    if not value:
        return None
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass
class FakeCheckoutLine:
    id: str
    variant_id: str
    quantity: int
    unit_price: Decimal

    @property
    def undiscounted_total(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass
class AppliedVoucher:
    """What the checkout's code takes off, fixed when the code was applied. Saleor recalculates only when a
    checkout's prices expire, so a checkout keeps showing a discount whose code another order used up."""

    voucher_id: str
    amount: Decimal  # `checkout.discount`
    line_amounts: dict[str, Decimal] = field(default_factory=dict)  # taken off each line's total
    shipping_amount: Decimal = ZERO


@dataclass
class FakeCheckout:
    id: str
    email: str | None
    user: tuple[str, str] | None
    channel_id: str
    channel_slug: str
    currency: str
    lines: list[FakeCheckoutLine]
    shipping: Decimal | None  # None: no delivery method chosen yet
    voucher_code: str | None = None
    discount_name: str | None = None
    applied: AppliedVoucher | None = None

    def line_total(self, line: FakeCheckoutLine) -> Decimal:
        taken = self.applied.line_amounts.get(line.id, ZERO) if self.applied else ZERO
        return max(line.undiscounted_total - taken, ZERO)

    @property
    def undiscounted_subtotal(self) -> Decimal:
        return sum((line.undiscounted_total for line in self.lines), ZERO)

    @property
    def subtotal(self) -> Decimal:
        return sum((self.line_total(line) for line in self.lines), ZERO)

    @property
    def shipping_price(self) -> Decimal:
        taken = self.applied.shipping_amount if self.applied else ZERO
        return max((self.shipping or ZERO) - taken, ZERO)

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.shipping_price

    @property
    def discount(self) -> Decimal:
        return self.applied.amount if self.applied else ZERO

    def clear_voucher(self) -> None:
        self.voucher_code = None
        self.discount_name = None
        self.applied = None


class CheckoutCompleteError(Exception):
    """`checkoutComplete` answered with errors (e.g. VOUCHER_NOT_APPLICABLE for a code used up meanwhile)."""

    def __init__(self, code: str, field_name: str | None, message: str) -> None:
        super().__init__(f"{code} on {field_name}: {message}")
        self.code = code
        self.field = field_name
        self.message = message

    @property
    def error(self) -> dict[str, Any]:
        return {"field": self.field, "code": self.code, "message": self.message}


class GraphQLFieldError(Exception):
    """A top-level GraphQL error: the root field answers null and the message goes to `errors`."""

    def __init__(self, field_name: str, message: str, code: str = "GraphQLError") -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message
        self.code = code

    def as_error(self) -> dict[str, Any]:
        return {
            "message": self.message,
            "path": [self.field],
            "extensions": {"exception": {"code": self.code}},
        }


def _require_permission(as_app: bool, field_name: str, permission: str = "MANAGE_DISCOUNTS") -> None:
    # Saleor answers a missing permission with HTTP 200, the field null and a PermissionDenied error.
    if not as_app:
        raise GraphQLFieldError(
            field_name, f"You need one of the following permissions: {permission}", "PermissionDenied"
        )


# --- vouchers: Saleor's rules for applying a code -------------------------------------------------
class _NotApplicable(Exception):
    """Saleor's NotApplicable: the code is valid but a voucher rule fails for this checkout."""


def _voucher_is_active(voucher: dict[str, Any], now: datetime) -> bool:
    # Voucher.objects.active(): started, not ended, and the usage limit not reached.
    if voucher["startDate"] > now:
        return False
    if voucher["endDate"] is not None and voucher["endDate"] < now:
        return False
    return voucher["usageLimit"] is None or voucher["used"] < voucher["usageLimit"]


def _discount_on(voucher: dict[str, Any], value: Decimal, price: Decimal) -> Decimal:
    """Voucher.get_discount_amount_for: a percentage rounds half up to cents; a fixed value never takes
    more than the price it applies to."""
    if voucher["discountValueType"] == "PERCENTAGE":
        return _cents(price * value / 100)
    return min(value, price)


def _spread(amount: Decimal, lines: list[FakeCheckoutLine]) -> dict[str, Decimal]:
    """An ENTIRE_ORDER discount lands on the lines in proportion to their totals; the last line takes what
    rounding left, so the line totals add up to the discounted subtotal (README: 50.00 → 45.30, 3.18 → 2.88
    for 5.00 off 53.18)."""
    subtotal = sum((line.undiscounted_total for line in lines), ZERO)
    shares: dict[str, Decimal] = {}
    remaining = amount
    for line in lines[:-1]:
        share = _cents(line.undiscounted_total * amount / subtotal) if subtotal else ZERO
        shares[line.id] = share
        remaining -= share
    if lines:
        shares[lines[-1].id] = remaining
    return shares


def _line_level(voucher: dict[str, Any], value: Decimal, lines: list[FakeCheckoutLine]) -> dict[str, Decimal]:
    """A voucher that discounts items: every matching unit, or only the cheapest one (applyOncePerOrder)."""
    if voucher["applyOncePerOrder"]:
        cheapest = min(lines, key=lambda line: line.unit_price)
        return {cheapest.id: _discount_on(voucher, value, cheapest.unit_price)}
    return {line.id: _discount_on(voucher, value, line.unit_price) * line.quantity for line in lines}


def _check_rules(voucher: dict[str, Any], listing: dict[str, Any], checkout: FakeCheckout) -> None:
    # validate_voucher_for_checkout: minimum spent, minimum quantity, staff only (our shoppers are not staff).
    min_spent = listing.get("minAmountSpent")
    if min_spent is not None and checkout.undiscounted_subtotal < min_spent:
        raise _NotApplicable("minimum spent not reached")
    min_quantity = voucher.get("minCheckoutItemsQuantity")
    if min_quantity and sum(line.quantity for line in checkout.lines) < min_quantity:
        raise _NotApplicable("minimum quantity not reached")
    if voucher.get("onlyForStaff"):
        raise _NotApplicable("only for staff")


def _compute_discount(voucher: dict[str, Any], checkout: FakeCheckout) -> AppliedVoucher:
    """What the voucher takes off this checkout (get_voucher_discount_for_checkout); raises _NotApplicable."""
    listing = voucher["channelListings"][checkout.channel_id]
    _check_rules(voucher, listing, checkout)
    value = listing["discountValue"]
    kind = voucher["type"]
    if kind == "SHIPPING":
        if checkout.shipping is None:
            raise _NotApplicable("no delivery method")
        amount = _discount_on(voucher, value, checkout.shipping)
        return AppliedVoucher(voucher["id"], amount, shipping_amount=amount)
    if kind == "SPECIFIC_PRODUCT":
        # Only variants are modelled; the fake's lines carry no product, collection or category.
        matching = [line for line in checkout.lines if line.variant_id in voucher["variants"]]
        if not matching:
            raise _NotApplicable("This offer is only valid for selected items.")
        line_amounts = _line_level(voucher, value, matching)
        return AppliedVoucher(voucher["id"], sum(line_amounts.values(), ZERO), line_amounts)
    if voucher["applyOncePerOrder"] and checkout.lines:
        line_amounts = _line_level(voucher, value, checkout.lines)
        return AppliedVoucher(voucher["id"], sum(line_amounts.values(), ZERO), line_amounts)
    subtotal = checkout.undiscounted_subtotal
    amount = min(_discount_on(voucher, value, subtotal), subtotal)  # capped at the subtotal, never shipping
    return AppliedVoucher(voucher["id"], amount, _spread(amount, checkout.lines))


def _is_line_level(voucher: dict[str, Any]) -> bool:
    # Vouchers that discount items rather than the order: Saleor records them on the order lines.
    return voucher["type"] == "SPECIFIC_PRODUCT" or (
        voucher["type"] == "ENTIRE_ORDER" and bool(voucher["applyOncePerOrder"])
    )


def _promo_code_error(code: str, message: str, field_name: str | None = "promoCode") -> dict[str, Any]:
    return {"field": field_name, "code": code, "message": message}


def _not_found(node_id: str, field_name: str = "id") -> dict[str, Any]:
    return {"field": field_name, "code": "NOT_FOUND", "message": f"Couldn't resolve to a node: {node_id}"}


# Handlers get the root field's arguments (variables substituted) and whether the app token was used.
GraphQLHandler = Callable[["FakeSaleor", dict[str, Any], bool], dict[str, Any]]


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
        key = key or self.key
        return jwt.api_jws.encode(
            body,
            key.private_key,
            algorithm="RS256",
            headers={"kid": key.kid, "b64": False, "crit": ["b64"], "typ": "JWT"},
            is_payload_detached=True,
        )

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
    def _token(self, claims: dict[str, Any], key: SigningKey | None = None) -> str:
        key = key or self.key
        return jwt.encode(claims, key.private_key, algorithm="RS256", headers={"kid": key.kid, "typ": "JWT"})

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
        return self._token(claims, key)

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
        return self._token(claims, key)

    # --- HTTP ---------------------------------------------------------------------------------------
    async def _jwks(self, request: Request) -> Response:
        self.jwks_fetches += 1
        if self.jwks_down:
            return Response("unavailable", status_code=503)
        return JSONResponse(self.jwks)

    async def _graphql(self, request: Request) -> Response:
        body = await request.json()
        document = parse(body["query"])
        operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
        name = operation.name.value if operation.name else "<anonymous>"
        schema = load_schema(schema_path())
        errors = validate(schema, document)
        if not errors:
            coerced = get_variable_values(
                schema, operation.variable_definitions or [], body.get("variables") or {}
            )
            errors = coerced if isinstance(coerced, list) else []
        if errors:
            self.invalid_documents.append(f"{name}: {[e.message for e in errors]}")
            return JSONResponse({"errors": [{"message": e.message} for e in errors]}, status_code=400)
        variables = body.get("variables") or {}
        self.calls.append((name, variables))
        if _take(self.fail_operations, name):
            return Response("internal error", status_code=500)
        if _take(self.timeout_operations, name):
            # Raised inside the ASGI app, this reaches the caller as it is: httpx.ASGITransport re-raises
            # the app's exceptions (tests/unit/test_fake_saleor.py checks it).
            raise httpx.ReadTimeout(f"fake Saleor: {name} timed out before doing anything")
        authorization = request.headers.get("authorization", "")
        as_app = self.app_alive and authorization == f"Bearer {self.app_token}"
        handler = GRAPHQL_HANDLERS.get(name)
        if handler is None:
            return JSONResponse({"errors": [{"message": f"fake Saleor has no handler for {name}"}]})
        result: dict[str, Any]
        try:
            data = handler(self, _root_arguments(operation, variables), as_app)
            result = {"data": _select(data, operation.selection_set, _fragments(document.definitions))}
        except GraphQLFieldError as exc:
            result = {"data": {exc.field: None}, "errors": [exc.as_error()]}
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
        pk = self._next_pk("Voucher")
        voucher_id = global_id("Voucher", pk)
        codes = [*(data.get("addCodes") or []), *([data["code"]] if data.get("code") else [])]
        self.vouchers[voucher_id] = {
            "id": voucher_id,
            "pk": pk,
            "name": data.get("name"),
            "type": data.get("type") or "ENTIRE_ORDER",
            "discountValueType": data.get("discountValueType") or "FIXED",
            "codes": {
                code: {
                    "id": global_id("VoucherCode", self._next_pk("VoucherCode")),
                    "used": 0,
                    "isActive": True,
                }
                for code in codes
            },
            "singleUse": bool(data.get("singleUse")),
            "usageLimit": data.get("usageLimit"),
            "used": 0,
            "startDate": _parse_datetime(data.get("startDate")) or clock.now(),
            "endDate": _parse_datetime(data.get("endDate")),
            "variants": list(data.get("variants") or []),
            "products": list(data.get("products") or []),
            "collections": list(data.get("collections") or []),
            "categories": list(data.get("categories") or []),
            "countries": list(data.get("countries") or []),
            "applyOncePerOrder": bool(data.get("applyOncePerOrder")),
            "applyOncePerCustomer": bool(data.get("applyOncePerCustomer")),
            "onlyForStaff": bool(data.get("onlyForStaff")),
            "minCheckoutItemsQuantity": data.get("minCheckoutItemsQuantity"),
            # channel id -> {"discountValue": Decimal, "minAmountSpent": Decimal | None}
            "channelListings": {},
            "metadata": {},
        }
        return voucher_id

    def voucher_for_code(self, code: str) -> dict[str, Any] | None:
        """The voucher owning `code` (codes are globally unique and matched exactly)."""
        return next((voucher for voucher in self.vouchers.values() if code in voucher["codes"]), None)

    def _usable_voucher(self, code: str, channel_id: str) -> dict[str, Any] | None:
        # get_voucher_code_instance: an active code of a voucher active in the checkout's channel.
        voucher = self.voucher_for_code(code)
        if voucher is None or not voucher["codes"][code]["isActive"]:
            return None
        if not _voucher_is_active(voucher, clock.now()) or channel_id not in voucher["channelListings"]:
            return None
        return voucher

    def _checkout_for_mutation(self, checkout_id: str, field_name: str) -> FakeCheckout | None:
        checkout = self.checkouts.get(checkout_id)
        if isinstance(checkout, dict):
            raise GraphQLFieldError(
                field_name, f"fake Saleor: checkout {checkout_id} is a ready-made dict; use add_checkout()"
            )
        return checkout

    def add_promo_code(self, checkout_id: str, code: str) -> list[dict[str, Any]]:
        """checkoutAddPromoCode; returns its `errors` ([] once applied). No permission is needed: anyone
        holding the checkout id may call it. Applying reserves nothing."""
        checkout = self._checkout_for_mutation(checkout_id, "checkoutAddPromoCode")
        if checkout is None:
            return [_not_found(checkout_id)]
        voucher = self._usable_voucher(code, checkout.channel_id)
        if voucher is None:
            return [_promo_code_error("INVALID", "Promo code is invalid")]
        try:
            applied = _compute_discount(voucher, checkout)
        except _NotApplicable:
            return [
                _promo_code_error("VOUCHER_NOT_APPLICABLE", "Voucher is not applicable to this checkout.")
            ]
        # One voucher per checkout: the new code replaces whatever code the checkout had.
        checkout.voucher_code = code
        checkout.discount_name = voucher["name"]
        checkout.applied = applied
        return []

    def remove_promo_code(
        self, checkout_id: str, code: str | None = None, *, voucher_id: str | None = None
    ) -> list[dict[str, Any]]:
        """checkoutRemovePromoCode by `promoCode` or by `promoCodeId` (a voucher id); returns its `errors`
        ([] once removed)."""
        checkout = self._checkout_for_mutation(checkout_id, "checkoutRemovePromoCode")
        if checkout is None:
            return [_not_found(checkout_id)]
        if (code is None) == (voucher_id is None):
            message = "Exactly one of 'promoCode' and 'promoCodeId' is required."
            return [_promo_code_error("GRAPHQL_ERROR", message)]
        if voucher_id is not None:
            return self._remove_by_voucher_id(checkout, voucher_id)
        assert code is not None
        if self.voucher_for_code(code) is None:
            return [_promo_code_error("NOT_FOUND", "Promo code does not exists.")]
        # Saleor finds the checkout's voucher through its *active* code in an active voucher, so a code
        # another order used up (or of an expired voucher) cannot be removed: INVALID, like a foreign code.
        attached = (
            self._usable_voucher(checkout.voucher_code, checkout.channel_id)
            if checkout.voucher_code
            else None
        )
        if attached is None or code not in attached["codes"]:
            return [_promo_code_error("INVALID", "Cannot remove a voucher not attached to this checkout.")]
        checkout.clear_voucher()
        return []

    def _remove_by_voucher_id(self, checkout: FakeCheckout, voucher_id: str) -> list[dict[str, Any]]:
        # By id Saleor compares the checkout's code with all the voucher's codes, active or not, so this also
        # removes a used-up or expired code. A checkout without any code answers success.
        if checkout.voucher_code is None:
            return []
        voucher = self.vouchers.get(voucher_id)
        if voucher is None:
            return [_not_found(voucher_id, "promoCodeId")]
        if checkout.voucher_code not in voucher["codes"]:
            return [
                {
                    "field": "promoCodeId",
                    "code": "NOT_FOUND",
                    "message": "Couldn't remove a promo code from a checkout.",
                }
            ]
        checkout.clear_voucher()
        return []

    def complete_checkout(
        self, checkout_id: str, *, order_id: str | None = None, number: str = "30"
    ) -> dict[str, Any]:
        """checkoutComplete, fully paid: consume the code, drop the checkout, and return the body of the
        ORDER_* webhook (event meta + order). Raises CheckoutCompleteError if the code was used up, deleted
        or expired meanwhile (the checkout stays, as in Saleor)."""
        checkout = self.checkout(checkout_id)
        voucher = None
        if checkout.voucher_code is not None:
            voucher = self._usable_voucher(checkout.voucher_code, checkout.channel_id)
            if voucher is None:
                raise CheckoutCompleteError("VOUCHER_NOT_APPLICABLE", "voucherCode", "Voucher not applicable")
            _use_code(voucher, checkout.voucher_code)
        order = self._order(checkout, voucher, order_id or global_id("Order", uuid.uuid4()), number)
        del self.checkouts[checkout_id]
        self.orders[order["id"]] = order
        return {**self.event_meta(), "order": order}

    def _order_user(self, checkout: FakeCheckout) -> dict[str, Any] | None:
        user = checkout.user
        if user is None and checkout.email:
            # At completion Saleor gives a guest checkout to the active account with the same email.
            user = next(
                (
                    (user_id, data["email"])
                    for user_id, data in self.users.items()
                    if str(data.get("email", "")).lower() == checkout.email.lower()
                ),
                None,
            )
        if user is None:
            return None
        metadata = self.users.get(user[0], {}).get("metadata", {})
        return {"id": user[0], "email": user[1], "metadata": _metadata_list(metadata)}

    def _order(
        self, checkout: FakeCheckout, voucher: dict[str, Any] | None, order_id: str, number: str
    ) -> dict[str, Any]:
        currency = checkout.currency
        line_voucher_code = checkout.voucher_code if voucher and _is_line_level(voucher) else None
        now = clock.now().isoformat()
        return {
            "id": order_id,
            "number": number,
            "created": now,
            "updatedAt": now,
            "status": "UNFULFILLED",
            "chargeStatus": "FULL",
            "authorizeStatus": "FULL",
            "paymentStatus": "FULLY_CHARGED",
            "isPaid": True,
            "origin": "CHECKOUT",
            "checkoutId": checkout.id,
            "userEmail": checkout.email,
            "user": self._order_user(checkout),
            "channel": self._channel(checkout.channel_id),
            "lines": [_order_line(checkout, line, line_voucher_code) for line in checkout.lines],
            "subtotal": _taxed(checkout.subtotal, currency),
            "undiscountedTotal": _taxed(
                checkout.undiscounted_subtotal + (checkout.shipping or ZERO), currency
            ),
            "total": _taxed(checkout.total, currency),
            "shippingPrice": _taxed(checkout.shipping_price, currency),
            "totalCharged": _money(checkout.total, currency),
            "totalAuthorized": _money(ZERO, currency),
            "totalRefunded": _money(ZERO, currency),
            "totalGrantedRefund": _money(ZERO, currency),
            "totalBalance": _money(ZERO, currency),
            "voucherCode": checkout.voucher_code,
            "voucher": _order_voucher(voucher, checkout.voucher_code) if voucher else None,
            "discounts": _order_discounts(checkout, voucher) if voucher else [],
            "giftCards": [],
            "grantedRefunds": [],
            "fulfillments": [],
            "metadata": [],
        }

    # --- rendering --------------------------------------------------------------------------------
    def _channel(self, channel_id: str) -> dict[str, Any]:
        slug, currency = self.channels.get(channel_id, ("default-channel", "USD"))
        return {"id": channel_id, "slug": slug, "currencyCode": currency}

    def render_checkout(self, checkout: dict[str, Any] | FakeCheckout | None) -> dict[str, Any] | None:
        """A checkout as Saleor's `Checkout` type (every field the documents use); dicts pass as they are."""
        if not isinstance(checkout, FakeCheckout):
            return checkout
        currency = checkout.currency
        return {
            "id": checkout.id,
            "email": checkout.email,
            "voucherCode": checkout.voucher_code,
            "discountName": checkout.discount_name,
            "discount": _money(checkout.discount, currency),
            "user": {"id": checkout.user[0], "email": checkout.user[1]} if checkout.user else None,
            "channel": self._channel(checkout.channel_id),
            "lines": [_checkout_line(checkout, line) for line in checkout.lines],
            "subtotalPrice": _taxed(checkout.subtotal, currency),
            "shippingPrice": _taxed(checkout.shipping_price, currency),
            "totalPrice": _taxed(checkout.total, currency),
        }

    def render_voucher(self, voucher: dict[str, Any]) -> dict[str, Any]:
        """A voucher as Saleor's `Voucher` type; `codes` is rendered whole whatever `first` asks."""
        codes = [{"code": code, **state} for code, state in voucher["codes"].items()]
        return {
            "id": voucher["id"],
            "name": voucher["name"],
            "code": codes[0]["code"] if codes else None,  # deprecated single code
            "type": voucher["type"],
            "discountValueType": voucher["discountValueType"],
            "singleUse": voucher["singleUse"],
            "usageLimit": voucher["usageLimit"],
            "used": voucher["used"],
            "applyOncePerOrder": voucher["applyOncePerOrder"],
            "applyOncePerCustomer": voucher["applyOncePerCustomer"],
            "onlyForStaff": voucher["onlyForStaff"],
            "minCheckoutItemsQuantity": voucher["minCheckoutItemsQuantity"],
            "startDate": voucher["startDate"].isoformat(),
            "endDate": voucher["endDate"].isoformat() if voucher["endDate"] else None,
            "metadata": _metadata_list(voucher["metadata"]),
            "codes": _connection([(code["id"], code) for code in codes], has_next=False),
            "channelListings": [
                self._render_listing(voucher, channel_id, listing)
                for channel_id, listing in voucher["channelListings"].items()
            ],
        }

    def _render_listing(
        self, voucher: dict[str, Any], channel_id: str, listing: dict[str, Any]
    ) -> dict[str, Any]:
        channel = self._channel(channel_id)
        min_spent = listing["minAmountSpent"]
        return {
            "id": global_id("VoucherChannelListing", f"{voucher['pk']}-{channel_id}"),
            "channel": channel,
            "discountValue": float(listing["discountValue"]),
            "currency": channel["currencyCode"],
            "minSpent": _money(min_spent, channel["currencyCode"]) if min_spent is not None else None,
        }


def _take(counters: dict[str, int], name: str) -> bool:
    """Use one of the failures planned for `name`, if any are left."""
    if counters.get(name, 0) > 0:
        counters[name] -= 1
        return True
    return False


def _root_arguments(operation: OperationDefinitionNode, variables: dict[str, Any]) -> dict[str, Any]:
    """The first root field's arguments with the variables put in (literals such as `first: 100` too);
    arguments given an absent variable are left out, as GraphQL does."""
    root = next(s for s in operation.selection_set.selections if isinstance(s, FieldNode))
    values = {
        argument.name.value: value_from_ast_untyped(argument.value, variables)
        for argument in root.arguments or ()
    }
    return {name: value for name, value in values.items() if value is not Undefined}


def _fragments(definitions: Any) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}


def _select(
    value: Any, selection_set: SelectionSetNode | None, fragments: dict[str, FragmentDefinitionNode]
) -> Any:
    """Keep what the document selected, under its aliases, as a GraphQL server answers; a field the
    handler did not render stays out (so a test notices the fake lacks it)."""
    if selection_set is None or value is None:
        return value
    if isinstance(value, list):
        return [_select(item, selection_set, fragments) for item in value]
    if not isinstance(value, dict):
        return value
    result: dict[str, Any] = {}
    for node in selection_set.selections:
        if isinstance(node, FieldNode):
            if node.name.value in value:
                key = node.alias.value if node.alias else node.name.value
                result[key] = _select(value[node.name.value], node.selection_set, fragments)
        elif isinstance(node, InlineFragmentNode):
            result.update(_select(value, node.selection_set, fragments))
        elif isinstance(node, FragmentSpreadNode):
            result.update(_select(value, fragments[node.name.value].selection_set, fragments))
    return result


def _metadata_list(metadata: dict[str, str]) -> list[dict[str, str]]:
    return [{"key": key, "value": value} for key, value in metadata.items()]


def _connection(edges: list[tuple[str, dict[str, Any]]], *, has_next: bool) -> dict[str, Any]:
    """A Relay connection of (cursor, node) pairs."""
    return {
        "edges": [{"node": node, "cursor": cursor} for cursor, node in edges],
        "pageInfo": {
            "hasNextPage": has_next,
            "hasPreviousPage": False,
            "startCursor": edges[0][0] if edges else None,
            "endCursor": edges[-1][0] if edges else None,
        },
        "totalCount": len(edges),
    }


def _use_code(voucher: dict[str, Any], code: str) -> None:
    # At checkoutComplete Saleor counts a use only for vouchers with a usage limit, and deactivates a
    # single-use code; cancelling the order later gives nothing back (README).
    state = voucher["codes"][code]
    if voucher["usageLimit"] is not None:
        state["used"] += 1
        voucher["used"] += 1
    if voucher["singleUse"]:
        state["isActive"] = False


def _product(line: FakeCheckoutLine) -> dict[str, Any]:
    # The fake's lines know only their variant; the product is a stand-in.
    return {
        "id": global_id("Product", line.variant_id),
        "name": "Product",
        "category": None,
        "collections": [],
    }


def _checkout_line(checkout: FakeCheckout, line: FakeCheckoutLine) -> dict[str, Any]:
    currency = checkout.currency
    total = checkout.line_total(line)
    return {
        "id": line.id,
        "quantity": line.quantity,
        "variant": {"id": line.variant_id, "product": _product(line)},
        "unitPrice": _taxed(_cents(total / line.quantity), currency),
        "undiscountedUnitPrice": _money(line.unit_price, currency),
        "totalPrice": _taxed(total, currency),
        "undiscountedTotalPrice": _money(line.undiscounted_total, currency),
    }


def _order_line(checkout: FakeCheckout, line: FakeCheckoutLine, voucher_code: str | None) -> dict[str, Any]:
    currency = checkout.currency
    total = checkout.line_total(line)
    unit = _cents(total / line.quantity)
    discounted = voucher_code if checkout.applied and line.id in checkout.applied.line_amounts else None
    return {
        "id": global_id("OrderLine", uuid.uuid4()),
        "productName": "Product",
        "variantName": "",
        "productSku": None,
        "productVariantId": line.variant_id,
        "quantity": line.quantity,
        "quantityFulfilled": 0,
        "isGift": False,
        "voucherCode": discounted,  # only line-level vouchers show on lines
        "unitPrice": _taxed(unit, currency),
        "undiscountedUnitPrice": _taxed(line.unit_price, currency),
        "totalPrice": _taxed(total, currency),
        "undiscountedTotalPrice": _taxed(line.undiscounted_total, currency),
        "unitDiscount": _money(line.unit_price - unit, currency),
        "variant": {"id": line.variant_id, "sku": None, "product": _product(line)},
    }


def _order_voucher(voucher: dict[str, Any], code: str | None) -> dict[str, Any]:
    return {
        "id": voucher["id"],
        "code": code,
        "name": voucher["name"],
        "type": voucher["type"],
        "discountValueType": voucher["discountValueType"],
        "singleUse": voucher["singleUse"],
        "usageLimit": voucher["usageLimit"],
        "used": voucher["used"],
        "metadata": _metadata_list(voucher["metadata"]),
    }


def _order_discounts(checkout: FakeCheckout, voucher: dict[str, Any]) -> list[dict[str, Any]]:
    # Order-level vouchers (ENTIRE_ORDER, SHIPPING) become one VOUCHER discount on the order; line-level
    # ones (SPECIFIC_PRODUCT, applyOncePerOrder) show on the lines instead (PLATFORM §5.1).
    if _is_line_level(voucher):
        return []
    listing = voucher["channelListings"].get(checkout.channel_id)
    return [
        {
            "id": global_id("OrderDiscount", uuid.uuid4()),
            "type": "VOUCHER",
            "name": voucher["name"],
            "valueType": voucher["discountValueType"],
            "value": float(listing["discountValue"]) if listing else None,
            "reason": None,
            "total": _money(checkout.discount, checkout.currency),
        }
    ]


def _no_permission(field_name: str) -> dict[str, Any]:
    return {field_name: None}


def _app_id(fake: FakeSaleor, args: dict[str, Any], as_app: bool) -> dict[str, Any]:
    # Saleor treats an unknown or dead app token as anonymous: `app` is null, HTTP 200.
    return {"app": {"id": fake.app_id} if as_app else None}


def _app_webhooks(fake: FakeSaleor, args: dict[str, Any], as_app: bool) -> dict[str, Any]:
    if not as_app:
        return {"app": None}
    return {"app": {"id": fake.app_id, "webhooks": list(fake.webhooks.values())}}


def _webhook_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": data["name"],
        "targetUrl": data["targetUrl"],
        "isActive": data.get("isActive", True),
        "subscriptionQuery": data["query"],
        "asyncEvents": [{"eventType": e} for e in data.get("asyncEvents", [])],
    }


def _webhook_create(fake: FakeSaleor, args: dict[str, Any], as_app: bool) -> dict[str, Any]:
    if not as_app:
        return _no_permission("webhookCreate")
    webhook_id = base64.b64encode(f"Webhook:{len(fake.webhooks) + 1}".encode()).decode()
    fake.webhooks[webhook_id] = {"id": webhook_id, **_webhook_fields(args["input"])}
    return {"webhookCreate": {"webhook": {"id": webhook_id}, "errors": []}}


def _webhook_update(fake: FakeSaleor, args: dict[str, Any], as_app: bool) -> dict[str, Any]:
    webhook_id = args["id"]
    if not as_app or webhook_id not in fake.webhooks:
        return {
            "webhookUpdate": {
                "webhook": None,
                "errors": [{"field": "id", "code": "NOT_FOUND", "message": None}],
            }
        }
    fake.webhooks[webhook_id].update(_webhook_fields(args["input"]))
    return {"webhookUpdate": {"webhook": {"id": webhook_id}, "errors": []}}


def _webhook_delete(fake: FakeSaleor, args: dict[str, Any], as_app: bool) -> dict[str, Any]:
    webhook_id = args["id"]
    if not as_app or fake.webhooks.pop(webhook_id, None) is None:
        return {
            "webhookDelete": {
                "webhook": None,
                "errors": [{"field": "id", "code": "NOT_FOUND", "message": None}],
            }
        }
    return {"webhookDelete": {"webhook": {"id": webhook_id}, "errors": []}}


def _update_metadata(fake: FakeSaleor, args: dict[str, Any], as_app: bool) -> dict[str, Any]:
    # Users (MANAGE_USERS) and vouchers (MANAGE_DISCOUNTS) both take public metadata from the app.
    typename, target = "User", fake.users.get(args["id"])
    if target is None and args["id"] in fake.vouchers:
        typename, target = "Voucher", fake.vouchers[args["id"]]
    if not as_app or target is None:
        error = {"field": "id", "code": "NOT_FOUND", "message": "Couldn't resolve to a node"}
        return {"updateMetadata": {"item": None, "errors": [error]}}
    metadata = target.setdefault("metadata", {})
    for item in args["input"]:
        metadata[item["key"]] = item["value"]
    return {"updateMetadata": {"item": {"__typename": typename}, "errors": []}}


def _checkout(fake: FakeSaleor, args: dict[str, Any], as_app: bool) -> dict[str, Any]:
    # Lojal reads checkouts with its app token only; anonymous reads are not modelled.
    return {"checkout": fake.render_checkout(fake.checkouts.get(args["id"])) if as_app else None}


def _checkout_add_promo_code(fake: FakeSaleor, args: dict[str, Any], as_app: bool) -> dict[str, Any]:
    errors = fake.add_promo_code(args["id"], args["promoCode"])
    checkout = None if errors else fake.render_checkout(fake.checkouts[args["id"]])
    return {"checkoutAddPromoCode": {"checkout": checkout, "errors": errors}}


def _checkout_remove_promo_code(fake: FakeSaleor, args: dict[str, Any], as_app: bool) -> dict[str, Any]:
    errors = fake.remove_promo_code(args["id"], args.get("promoCode"), voucher_id=args.get("promoCodeId"))
    checkout = None if errors else fake.render_checkout(fake.checkouts[args["id"]])
    return {"checkoutRemovePromoCode": {"checkout": checkout, "errors": errors}}


def _code_errors(fake: FakeSaleor, codes: list[str]) -> list[dict[str, Any]]:
    # VoucherCreate._clean_new_codes: Saleor reports both problems on the field "codes", not "addCodes".
    duplicated = sorted({code for code in codes if codes.count(code) > 1})
    if duplicated:
        return [
            {
                "field": "codes",
                "code": "DUPLICATED_INPUT_ITEM",
                "message": "Duplicated promo codes provided.",
                "voucherCodes": duplicated,
            }
        ]
    taken = [code for code in codes if fake.voucher_for_code(code) is not None]
    if taken:
        return [
            {
                "field": "codes",
                "code": "ALREADY_EXISTS",
                "message": "Promo code already exists.",
                "voucherCodes": taken,
            }
        ]
    return []


def _voucher_create(fake: FakeSaleor, args: dict[str, Any], as_app: bool) -> dict[str, Any]:
    _require_permission(as_app, "voucherCreate")
    data = dict(args["input"])
    # Saleor strips codes and makes one up for an empty code.
    data["addCodes"] = [code.strip() or secrets.token_hex(6).upper() for code in data.get("addCodes") or []]
    errors = _code_errors(fake, data["addCodes"])
    if errors:
        return {"voucherCreate": {"voucher": None, "errors": errors}}
    voucher_id = fake._create_voucher(data)
    return {"voucherCreate": {"voucher": fake.render_voucher(fake.vouchers[voucher_id]), "errors": []}}


def _listing_error(voucher: dict[str, Any], listing: dict[str, Any]) -> tuple[str, str] | None:
    # VoucherChannelListingUpdate.clean_discount_values, for two-decimal currencies.
    value = listing.get("discountValue")
    if value is None:
        new = listing["channelId"] not in voucher["channelListings"]
        return ("REQUIRED", "Value is required for voucher.") if new else None
    value = _decimal(value)
    if voucher["discountValueType"] == "FIXED" and value != _cents(value):
        return "INVALID", "Invalid amount precision."
    if voucher["discountValueType"] == "PERCENTAGE" and value > 100:
        return "INVALID", "Invalid percentage value."
    return None


def _listing_errors(voucher: dict[str, Any], added: list[dict[str, Any]]) -> list[dict[str, Any]]:
    errors = []
    for listing in added:
        problem = _listing_error(voucher, listing)
        if problem:
            code, message = problem
            errors.append(
                {
                    "field": "discountValue",
                    "code": code,
                    "message": message,
                    "channels": [listing["channelId"]],
                }
            )
    return errors


def _voucher_channel_listing_update(fake: FakeSaleor, args: dict[str, Any], as_app: bool) -> dict[str, Any]:
    _require_permission(as_app, "voucherChannelListingUpdate")
    voucher = fake.vouchers.get(args["id"])
    if voucher is None:
        return {"voucherChannelListingUpdate": {"voucher": None, "errors": [_not_found(args["id"])]}}
    added = args["input"].get("addChannels") or []
    errors = _listing_errors(voucher, added)
    if errors:
        return {"voucherChannelListingUpdate": {"voucher": None, "errors": errors}}
    for listing in added:
        stored = voucher["channelListings"].setdefault(
            listing["channelId"], {"discountValue": ZERO, "minAmountSpent": None}
        )
        if listing.get("discountValue") is not None:
            stored["discountValue"] = _decimal(listing["discountValue"])
        if "minAmountSpent" in listing:
            spent = listing["minAmountSpent"]
            stored["minAmountSpent"] = None if spent is None else _decimal(spent)
    for channel_id in args["input"].get("removeChannels") or []:
        voucher["channelListings"].pop(channel_id, None)
    return {"voucherChannelListingUpdate": {"voucher": fake.render_voucher(voucher), "errors": []}}


def _voucher_delete(fake: FakeSaleor, args: dict[str, Any], as_app: bool) -> dict[str, Any]:
    # Checkouts keep the deleted code as a string; they fail checkoutComplete later.
    _require_permission(as_app, "voucherDelete")
    voucher = fake.vouchers.pop(args["id"], None)
    if voucher is None:
        return {"voucherDelete": {"voucher": None, "errors": [_not_found(args["id"])]}}
    return {"voucherDelete": {"voucher": fake.render_voucher(voucher), "errors": []}}


def _voucher_matches(voucher: dict[str, Any], voucher_filter: dict[str, Any]) -> bool:
    for item in voucher_filter.get("metadata") or []:
        # Each item must match: a key with a value, or just the key when no value is given.
        if item["key"] not in voucher["metadata"]:
            return False
        if item.get("value") is not None and voucher["metadata"][item["key"]] != item["value"]:
            return False
    if voucher_filter.get("ids") and voucher["id"] not in voucher_filter["ids"]:
        return False
    search = (voucher_filter.get("search") or "").lower()
    if search:
        # Saleor's `ilike` lookup is a case-insensitive *substring* match, on the name and on every code.
        texts = [voucher["name"] or "", *voucher["codes"]]
        return any(search in text.lower() for text in texts)
    return True


def _voucher_cursor(voucher: dict[str, Any]) -> str:
    return base64.b64encode(json.dumps([voucher["pk"]]).encode()).decode()


def _vouchers(fake: FakeSaleor, args: dict[str, Any], as_app: bool) -> dict[str, Any]:
    _require_permission(as_app, "vouchers")
    first = args.get("first")
    if first is None:
        raise GraphQLFieldError(
            "vouchers",
            "You must provide a `first` or `last` value to properly paginate the `vouchers` connection.",
        )
    if first > 100:
        raise GraphQLFieldError(
            "vouchers",
            f"Requesting {first} records on the `vouchers` connection exceeds the `first` limit of "
            "100 records.",
        )
    matching = sorted(
        (
            voucher
            for voucher in fake.vouchers.values()
            if _voucher_matches(voucher, args.get("filter") or {})
        ),
        key=lambda voucher: voucher["pk"],
    )
    total = len(matching)
    if args.get("after"):
        after_pk = json.loads(base64.b64decode(args["after"]))[0]
        matching = [voucher for voucher in matching if voucher["pk"] > after_pk]
    page = matching[:first]
    connection = _connection(
        [(_voucher_cursor(voucher), fake.render_voucher(voucher)) for voucher in page],
        has_next=len(matching) > first,
    )
    connection["pageInfo"]["hasPreviousPage"] = bool(args.get("after"))
    connection["totalCount"] = total
    return {"vouchers": connection}


GRAPHQL_HANDLERS: dict[str, GraphQLHandler] = {
    "LojalAppId": _app_id,
    "LojalAppWebhooks": _app_webhooks,
    "LojalWebhookCreate": _webhook_create,
    "LojalWebhookUpdate": _webhook_update,
    "LojalWebhookDelete": _webhook_delete,
    "LojalUpdateMetadata": _update_metadata,
    "LojalCheckoutForPreview": _checkout,
    "LojalRedemptionCheckout": _checkout,
    "LojalCheckoutAddPromoCode": _checkout_add_promo_code,
    "LojalCheckoutRemovePromoCode": _checkout_remove_promo_code,
    "LojalVoucherCreate": _voucher_create,
    "LojalVoucherChannelListingUpdate": _voucher_channel_listing_update,
    "LojalVoucherDelete": _voucher_delete,
    "LojalVouchers": _vouchers,
    "LojalVoucherSearch": _vouchers,
}


class FakeNetwork(httpx.AsyncBaseTransport):
    """Routes Lojal's outgoing HTTP to fake Saleors by host; a down or unknown host refuses to connect."""

    def __init__(self) -> None:
        self.saleors: dict[str, FakeSaleor] = {}

    def add(self, saleor: FakeSaleor) -> FakeSaleor:
        self.saleors[saleor.host] = saleor
        return saleor

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        saleor = self.saleors.get(request.url.host)
        if saleor is None or saleor.down:
            raise httpx.ConnectError(f"connection refused by {request.url.host}", request=request)
        transport = httpx.ASGITransport(app=saleor.app)
        return await transport.handle_async_request(request)
