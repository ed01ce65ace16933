"""Manifest and registration, driven by a fake Saleor."""

from __future__ import annotations

import httpx
import sqlalchemy as sa

from app.crypto import TokenCipher
from app.db import Database
from app.installations import service as installations
from app.installations.models import Installation
from tests.conftest import SECRET_KEY
from tests.fake_saleor import FakeNetwork, FakeSaleor
from tests.helpers import install


async def _installations(database: Database) -> list[Installation]:
    async with database.transaction() as session:
        return list((await session.execute(sa.select(Installation).order_by(Installation.id))).scalars())


class TestManifest:
    async def test_urls_are_absolute_and_webhooks_listed(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/manifest")
        assert response.status_code == 200
        manifest = response.json()
        assert manifest["id"] == "app.lojal"
        assert manifest["version"] != "filled from the package"
        assert manifest["tokenTargetUrl"] == "http://lojal.test/api/register"
        assert manifest["appUrl"] == "http://lojal.test/app"
        for key in ("dataPrivacyUrl", "homepageUrl", "supportUrl"):
            assert manifest[key].startswith("http://lojal.test")
        assert manifest["brand"]["logo"]["default"].endswith(".png")
        assert set(manifest["permissions"]) == {
            "MANAGE_ORDERS",
            "MANAGE_USERS",
            "MANAGE_DISCOUNTS",
            "MANAGE_CHECKOUTS",
        }
        assert manifest["requiredSaleorVersion"] == ">=3.20 <4"
        events = {event for webhook in manifest["webhooks"] for event in webhook["asyncEvents"]}
        assert {
            "ORDER_FULLY_PAID",
            "ORDER_REFUNDED",
            "ORDER_CANCELLED",
            "CUSTOMER_CREATED",
            "APP_DELETED",
        } <= events
        for webhook in manifest["webhooks"]:
            assert webhook["targetUrl"].startswith("http://lojal.test/api/webhooks/")
            assert webhook["query"].lstrip().startswith("subscription")
            target = webhook["targetUrl"].removeprefix("http://lojal.test")
            # every advertised target is served (a 404 would silently lose events)
            assert (await client.post(target, content=b"{}")).status_code == 401

    async def test_extensions_mount_under_customers(self, client: httpx.AsyncClient) -> None:
        manifest = (await client.get("/api/manifest")).json()
        mounts = {(e["mount"], e["target"]) for e in manifest["extensions"]}
        assert ("NAVIGATION_CUSTOMERS", "APP_PAGE") in mounts
        assert ("CUSTOMER_DETAILS_MORE_ACTIONS", "POPUP") in mounts
        for extension in manifest["extensions"]:
            assert extension["url"].startswith("/")  # ≤3.22 requires relative APP_PAGE urls

    async def test_widget_mount_for_saleor_3_22_and_newer(self, client: httpx.AsyncClient) -> None:
        manifest = (await client.get("/api/manifest", headers={"Saleor-Schema-Version": "3.22"})).json()
        mounts = {(e["mount"], e["target"]) for e in manifest["extensions"]}
        assert ("CUSTOMER_DETAILS_WIDGETS", "WIDGET") in mounts
        old = (await client.get("/api/manifest", headers={"Saleor-Schema-Version": "3.21"})).json()
        assert ("CUSTOMER_DETAILS_WIDGETS", "WIDGET") not in {
            (e["mount"], e["target"]) for e in old["extensions"]
        }

    async def test_no_redirect_on_trailing_slash(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/manifest/")
        assert response.status_code == 404  # never a 307: Saleor does not follow redirects

    async def test_logo_is_a_png(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/logo.png")
        assert response.status_code == 200
        assert response.content.startswith(b"\x89PNG")


REFUSED = {
    "success": False,
    "error": {"code": "registration_failed", "message": installations.REGISTRATION_FAILED},
    "detail": installations.REGISTRATION_FAILED,
}


def assert_refused(response: httpx.Response) -> None:
    """Every failed registration answers the same, whatever failed (no oracle for a prober)."""
    assert (response.status_code, response.json()) == (400, REFUSED)


class TestRegister:
    async def test_install_stores_installation_with_encrypted_token(
        self, client: httpx.AsyncClient, saleor: FakeSaleor, database: Database
    ) -> None:
        response = await install(client, saleor)
        assert response.status_code == 200
        assert response.json() == {"success": True}
        [row] = await _installations(database)
        assert row.saleor_api_url == saleor.api_url
        assert row.app_id == saleor.app_id
        assert row.is_active
        assert row.jwks == saleor.jwks
        assert row.token_encrypted is not None
        assert saleor.app_token.encode() not in row.token_encrypted
        assert TokenCipher(SECRET_KEY).decrypt(row.token_encrypted) == saleor.app_token
        assert row.saleor_schema_version == "3.24"

    async def test_reinstall_replaces_token_and_app_id(
        self, client: httpx.AsyncClient, saleor: FakeSaleor, database: Database
    ) -> None:
        assert (await install(client, saleor)).status_code == 200
        saleor.app_token = "a-brand-new-token-from-reinstall"
        saleor.app_id = "QXBwOjM="
        assert (await install(client, saleor)).status_code == 200
        [row] = await _installations(database)
        assert row.app_id == "QXBwOjM="
        assert row.token_encrypted is not None
        assert TokenCipher(SECRET_KEY).decrypt(row.token_encrypted) == "a-brand-new-token-from-reinstall"

    async def test_disallowed_saleor_is_refused_and_nothing_stored(
        self, settings, database: Database, network: FakeNetwork, saleor: FakeSaleor
    ) -> None:
        from app.main import create_app

        restricted = settings.model_copy(
            update={"allowed_saleor_api_urls": ["https://*.allowed.example/graphql/"]}
        )
        app = create_app(restricted, database=database, saleor_transport=network)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://lojal.test"
        ) as http:
            response = await install(http, saleor)
        assert_refused(response)
        assert saleor.calls == []  # not even asked
        assert await _installations(database) == []

    async def test_allowed_pattern_admits(
        self, settings, database: Database, network: FakeNetwork, saleor: FakeSaleor
    ) -> None:
        from app.main import create_app

        restricted = settings.model_copy(
            update={"allowed_saleor_api_urls": ["https://*.saleor.test/graphql/"]}
        )
        app = create_app(restricted, database=database, saleor_transport=network)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://lojal.test"
        ) as http:
            assert (await install(http, saleor)).status_code == 200

    async def test_unreachable_saleor_gets_clear_error_and_nothing_stored(
        self, client: httpx.AsyncClient, saleor: FakeSaleor, database: Database
    ) -> None:
        saleor.down = True
        response = await install(client, saleor)
        assert_refused(response)
        assert await _installations(database) == []

    async def test_jwks_failure_stores_nothing(
        self, client: httpx.AsyncClient, saleor: FakeSaleor, database: Database
    ) -> None:
        saleor.jwks_down = True
        response = await install(client, saleor)
        assert_refused(response)
        assert await _installations(database) == []

    async def test_token_saleor_does_not_know_is_refused(
        self, client: httpx.AsyncClient, saleor: FakeSaleor, database: Database
    ) -> None:
        response = await client.post(
            "/api/register", json={"auth_token": "not-the-token"}, headers={"Saleor-Api-Url": saleor.api_url}
        )
        assert_refused(response)
        assert await _installations(database) == []

    async def test_missing_header_or_body(self, client: httpx.AsyncClient, saleor: FakeSaleor) -> None:
        assert_refused(await client.post("/api/register", json={"auth_token": "x"}))
        response = await client.post(
            "/api/register", content=b"nope", headers={"Saleor-Api-Url": saleor.api_url}
        )
        assert_refused(response)


class TestUninstall:
    async def test_app_deleted_deactivates_and_destroys_token(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        from tests.helpers import deliver

        body = {"issuedAt": "2026-11-24T19:58:15+00:00", "version": "3.24.0", "app": {"id": installed.app_id}}
        response = await deliver(client, installed, "APP_DELETED", body)
        assert response.status_code == 200
        [row] = await _installations(database)
        assert not row.is_active
        assert row.token_encrypted is None
        assert row.uninstalled_at is not None
        # An uninstalled store is unknown from now on.
        again = await deliver(client, installed, "APP_DELETED", body)
        assert again.status_code == 401

    async def test_app_deleted_for_another_app_is_refused(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        from tests.helpers import deliver

        body = {"issuedAt": "2026-11-24T19:58:15+00:00", "version": "3.24.0", "app": {"id": "QXBwOjI="}}
        response = await deliver(client, installed, "APP_DELETED", body)
        assert response.status_code == 403
        [row] = await _installations(database)
        assert row.is_active
