"""The edges of HTTP: oversized bodies (413 before they are read whole), the request id a client sends,
405 answers with their Allow header, and /metrics behind METRICS_TOKEN."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
import structlog
from fastapi import FastAPI
from pydantic import ValidationError

from app.db import Database
from app.main import create_app
from app.settings import Settings
from tests.conftest import APP_URL
from tests.fake_saleor import FakeNetwork, FakeSaleor
from tests.helpers import staff_headers

MiB = 1024 * 1024


def client_for(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=APP_URL)


class TestBodyLimit:
    async def test_declared_length_over_the_limit(self, client: httpx.AsyncClient) -> None:
        body = json.dumps({"auth_token": "x" * (24 * MiB)})
        response = await client.post("/api/register", content=body, headers={"saleor-api-url": "https://a/"})
        assert response.status_code == 413, response.text
        assert response.json() == {
            "error": "payload_too_large",
            "detail": f"the request body is larger than {MiB} bytes",
        }

    async def test_streamed_chunks_are_counted_and_not_read_whole(
        self, client: httpx.AsyncClient, installed: FakeSaleor
    ) -> None:
        sent = 0

        async def chunks() -> AsyncIterator[bytes]:
            nonlocal sent
            yield b'{"name": "'
            for _ in range(64):  # 4 MiB, without a Content-Length
                sent += 1
                yield b"x" * (64 * 1024)
            yield b'"}'

        response = await client.post(
            "/api/admin/rewards",
            content=chunks(),
            headers=staff_headers(installed) | {"content-type": "application/json"},
        )
        assert response.status_code == 413, response.text
        assert response.json()["error"] == "payload_too_large"
        assert sent <= 17, f"read {sent} chunks of 64 KiB for a 1 MiB limit"

    async def test_under_the_limit_is_served(self, client: httpx.AsyncClient, installed: FakeSaleor) -> None:
        reward = {"name": "x" * 200, "kind": "free_shipping", "points_cost": 10, "description": "d" * 2000}
        response = await client.post("/api/admin/rewards", json=reward, headers=staff_headers(installed))
        assert response.status_code == 201, response.text

    async def test_webhooks_keep_their_own_larger_limit(
        self, client: httpx.AsyncClient, installed: FakeSaleor
    ) -> None:
        # 1.5 MiB: over MAX_BODY_BYTES, under WEBHOOK_MAX_BODY_BYTES; the receiver answers it (here: no
        # signature), not the general limit.
        body = b"{" + b" " * (3 * MiB // 2) + b"}"
        headers = {"saleor-api-url": installed.api_url, "saleor-event": "order_created"}
        answered = await client.post("/api/webhooks/order-created", content=body, headers=headers)
        assert answered.status_code != 413, answered.text
        too_big = b"{" + b" " * (3 * MiB) + b"}"
        refused = await client.post("/api/webhooks/order-created", content=too_big, headers=headers)
        assert refused.status_code == 413
        assert refused.json()["error"] == "payload_too_large"

    @pytest.mark.parametrize(
        ("declared", "status"),
        [("9" * 5000, 413), ("99999999999999999999", 413), ("\u00b2", 401), ("-1", 401), ("abc", 401)],
    )
    async def test_odd_content_lengths(self, client: httpx.AsyncClient, declared: str, status: int) -> None:
        # Not a number: the body is counted as it arrives instead (and is small here).
        response = await client.post(
            "/api/storefront/preview",
            content=b"{}",
            headers=[(b"content-length", declared.encode("latin-1")), (b"content-type", b"application/json")],
        )
        assert response.status_code == status, response.text

    async def test_the_limit_is_a_setting(
        self, settings: Settings, database: Database, network: FakeNetwork
    ) -> None:
        app = create_app(settings.model_copy(update={"max_body_bytes": 1000}), database=database)
        async with client_for(app) as client:
            response = await client.post("/api/register", content=b"x" * 1001)
            assert response.status_code == 413
            assert response.json()["detail"] == "the request body is larger than 1000 bytes"
        with pytest.raises(ValidationError):
            Settings(_env_file=None, secret_key="k" * 40, max_body_bytes=0)  # type: ignore[call-arg]


class TestRequestId:
    @pytest.mark.parametrize("sent", ["abc-123._XYZ", "a" * 64, "0"])
    async def test_plain_short_ids_are_kept(self, client: httpx.AsyncClient, sent: str) -> None:
        response = await client.get("/healthz", headers={"x-request-id": sent})
        assert response.headers["x-request-id"] == sent

    @pytest.mark.parametrize("sent", ["a" * 65, "x" * 7000, "has space", "quote'", "ä-latin1", ""])
    async def test_others_are_replaced(self, client: httpx.AsyncClient, sent: str) -> None:
        response = await client.get(
            "/healthz", headers=[(b"x-request-id", sent.encode("latin-1"))] if sent else {}
        )
        made = response.headers["x-request-id"]
        assert made != sent
        assert len(made) == 32 and all(c in "0123456789abcdef" for c in made)

    async def test_a_long_id_is_not_logged(
        self,
        settings: Settings,
        database: Database,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        saved = structlog.get_config()
        try:
            app = create_app(settings, database=database)  # logs to the stderr captured now
            async with client_for(app) as client:
                await client.get("/api/storefront/me", headers={"x-request-id": "z" * 7000})
            logged = capsys.readouterr().err
        finally:
            structlog.configure(**saved)
        assert '"path": "/api/storefront/me"' in logged
        assert "z" * 65 not in logged


class TestMethodNotAllowed:
    @pytest.mark.parametrize(
        ("method", "path", "allow"),
        [
            ("PATCH", "/api/admin/rewards/1", "DELETE, GET, PUT"),
            ("POST", "/api/admin/rewards/1", "DELETE, GET, PUT"),
            ("DELETE", "/api/admin/program", "GET, PUT"),
            ("PUT", "/api/admin/rewards", "GET, POST"),
            ("POST", "/healthz", "GET"),
            ("GET", "/api/register", "POST"),
            ("DELETE", "/api/storefront/checkouts/abc/redemptions", "GET, POST"),
        ],
    )
    async def test_405_names_every_allowed_method(
        self, client: httpx.AsyncClient, method: str, path: str, allow: str
    ) -> None:
        response = await client.request(method, path)
        assert response.status_code == 405
        assert response.headers["allow"] == allow
        assert response.json() == {"error": "http_error", "detail": "Method Not Allowed"}


class TestMetrics:
    async def test_public_without_a_token(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/metrics")
        assert response.status_code == 200
        assert "lojal" in response.text

    async def test_bearer_token_when_set(self, settings: Settings, database: Database) -> None:
        token = "metrics-token-0123456789abcdef"
        app = create_app(settings.model_copy(update={"metrics_token": token}), database=database)
        async with client_for(app) as client:
            missing = await client.get("/metrics")
            assert missing.status_code == 401
            assert missing.json()["error"] == "unauthorized"
            assert missing.headers["www-authenticate"].startswith("Bearer")
            for wrong in (f"Bearer {token}x", token, f"Basic {token}", "Bearer ä"):
                response = await client.get("/metrics", headers=[(b"authorization", wrong.encode("latin-1"))])
                assert response.status_code == 401, wrong
            allowed = await client.get("/metrics", headers={"authorization": f"Bearer {token}"})
            assert allowed.status_code == 200
            assert "lojal" in allowed.text

    def test_setting(self) -> None:
        def make(value: str) -> Settings:
            return Settings(_env_file=None, secret_key="k" * 40, metrics_token=value)  # type: ignore[call-arg]

        assert make("").metrics_token is None
        assert make("  ").metrics_token is None
        assert make("a" * 16).metrics_token == "a" * 16
        with pytest.raises(ValidationError):
            make("short")
