"""A small fake Saleor: its own RSA key and JWKS, signing like Saleor 3.24 signs, and a GraphQL endpoint
that validates every document (and its variables) against the real schema before answering."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from graphql import GraphQLSchema, OperationDefinitionNode, build_schema, parse, validate
from graphql.execution.values import get_variable_values
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.shared_material import schema_path


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
    checkouts: dict[str, dict[str, Any]] = field(default_factory=dict)
    webhooks: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    invalid_documents: list[str] = field(default_factory=list)
    fail_operations: dict[str, int] = field(default_factory=dict)  # operation -> HTTP 500s to answer
    jwks_fetches: int = 0

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
        path = schema_path()
        if path is not None:
            schema = load_schema(path)
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
        if self.fail_operations.get(name, 0) > 0:
            self.fail_operations[name] -= 1
            return Response("internal error", status_code=500)
        authorization = request.headers.get("authorization", "")
        as_app = self.app_alive and authorization == f"Bearer {self.app_token}"
        handler = GRAPHQL_HANDLERS.get(name)
        if handler is None:
            return JSONResponse({"errors": [{"message": f"fake Saleor has no handler for {name}"}]})
        return JSONResponse({"data": handler(self, variables, as_app)})


def _no_permission(field_name: str) -> dict[str, Any]:
    return {field_name: None}


def _app_id(fake: FakeSaleor, variables: dict[str, Any], as_app: bool) -> dict[str, Any]:
    # Saleor treats an unknown or dead app token as anonymous: `app` is null, HTTP 200.
    return {"app": {"id": fake.app_id} if as_app else None}


def _app_webhooks(fake: FakeSaleor, variables: dict[str, Any], as_app: bool) -> dict[str, Any]:
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


def _webhook_create(fake: FakeSaleor, variables: dict[str, Any], as_app: bool) -> dict[str, Any]:
    if not as_app:
        return _no_permission("webhookCreate")
    webhook_id = base64.b64encode(f"Webhook:{len(fake.webhooks) + 1}".encode()).decode()
    fake.webhooks[webhook_id] = {"id": webhook_id, **_webhook_fields(variables["input"])}
    return {"webhookCreate": {"webhook": {"id": webhook_id}, "errors": []}}


def _webhook_update(fake: FakeSaleor, variables: dict[str, Any], as_app: bool) -> dict[str, Any]:
    webhook_id = variables["id"]
    if not as_app or webhook_id not in fake.webhooks:
        return {
            "webhookUpdate": {
                "webhook": None,
                "errors": [{"field": "id", "code": "NOT_FOUND", "message": None}],
            }
        }
    fake.webhooks[webhook_id].update(_webhook_fields(variables["input"]))
    return {"webhookUpdate": {"webhook": {"id": webhook_id}, "errors": []}}


def _webhook_delete(fake: FakeSaleor, variables: dict[str, Any], as_app: bool) -> dict[str, Any]:
    webhook_id = variables["id"]
    if not as_app or fake.webhooks.pop(webhook_id, None) is None:
        return {
            "webhookDelete": {
                "webhook": None,
                "errors": [{"field": "id", "code": "NOT_FOUND", "message": None}],
            }
        }
    return {"webhookDelete": {"webhook": {"id": webhook_id}, "errors": []}}


def _update_metadata(fake: FakeSaleor, variables: dict[str, Any], as_app: bool) -> dict[str, Any]:
    user = fake.users.get(variables["id"])
    if not as_app or user is None:
        error = {"field": "id", "code": "NOT_FOUND", "message": "Couldn't resolve to a node"}
        return {"updateMetadata": {"item": None, "errors": [error]}}
    metadata = user.setdefault("metadata", {})
    for item in variables["input"]:
        metadata[item["key"]] = item["value"]
    return {"updateMetadata": {"item": {"__typename": "User"}, "errors": []}}


def _checkout_for_preview(fake: FakeSaleor, variables: dict[str, Any], as_app: bool) -> dict[str, Any]:
    return {"checkout": fake.checkouts.get(variables["id"]) if as_app else None}


GRAPHQL_HANDLERS: dict[str, GraphQLHandler] = {
    "LojalAppId": _app_id,
    "LojalAppWebhooks": _app_webhooks,
    "LojalWebhookCreate": _webhook_create,
    "LojalWebhookUpdate": _webhook_update,
    "LojalWebhookDelete": _webhook_delete,
    "LojalUpdateMetadata": _update_metadata,
    "LojalCheckoutForPreview": _checkout_for_preview,
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
