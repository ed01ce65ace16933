"""Dashboard (app) tokens and shopper tokens: valid, expired, foreign, for another app, without permission."""

from __future__ import annotations

import httpx
import pytest

from tests.fake_saleor import FakeSaleor, SigningKey
from tests.helpers import shopper_headers, staff_headers

ADMIN = "/api/admin/program"
ME = "/api/storefront/me"


class TestDashboardToken:
    async def test_valid(self, client: httpx.AsyncClient, installed: FakeSaleor) -> None:
        response = await client.get(ADMIN, headers=staff_headers(installed))
        assert response.status_code == 200, response.text
        assert response.json()["program"]["hold_days"] == 14

    async def test_missing(self, client: httpx.AsyncClient, installed: FakeSaleor) -> None:
        response = await client.get(ADMIN, headers={"saleor-api-url": installed.api_url})
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_token"

    async def test_unknown_store(
        self, client: httpx.AsyncClient, installed: FakeSaleor, other_saleor: FakeSaleor
    ) -> None:
        response = await client.get(ADMIN, headers=staff_headers(other_saleor))
        assert response.status_code == 401
        assert response.json()["error"] == "unknown_installation"

    async def test_expired(self, client: httpx.AsyncClient, installed: FakeSaleor) -> None:
        response = await client.get(ADMIN, headers=staff_headers(installed, expires_in=-120))
        assert response.status_code == 401
        assert "expired" in response.json()["detail"]

    async def test_signed_by_a_foreign_key(self, client: httpx.AsyncClient, installed: FakeSaleor) -> None:
        response = await client.get(ADMIN, headers=staff_headers(installed, key=SigningKey()))
        assert response.status_code == 401

    async def test_issued_by_another_saleor(
        self, client: httpx.AsyncClient, installed: FakeSaleor, installed_other: FakeSaleor
    ) -> None:
        # A real token of store B presented as store A: its key is unknown to A.
        headers = {
            "authorization-bearer": installed_other.dashboard_token(),
            "saleor-api-url": installed.api_url,
        }
        assert (await client.get(ADMIN, headers=headers)).status_code == 401
        # Same key but another issuer must fail too.
        forged_iss = installed.dashboard_token(iss=installed_other.api_url)
        headers = {"authorization-bearer": forged_iss, "saleor-api-url": installed.api_url}
        response = await client.get(ADMIN, headers=headers)
        assert response.status_code == 401
        assert "another Saleor" in response.json()["detail"]

    async def test_for_another_app(self, client: httpx.AsyncClient, installed: FakeSaleor) -> None:
        response = await client.get(ADMIN, headers=staff_headers(installed, app_id="QXBwOjQy"))
        assert response.status_code == 401
        assert "another app" in response.json()["detail"]

    async def test_shopper_token_is_not_a_dashboard_token(
        self, client: httpx.AsyncClient, installed: FakeSaleor
    ) -> None:
        headers = {"authorization-bearer": installed.shopper_token(), "saleor-api-url": installed.api_url}
        assert (await client.get(ADMIN, headers=headers)).status_code == 401

    async def test_without_permission(self, client: httpx.AsyncClient, installed: FakeSaleor) -> None:
        response = await client.get(
            ADMIN, headers=staff_headers(installed, user_permissions=["MANAGE_ORDERS"])
        )
        assert response.status_code == 403
        assert response.json()["missing_permissions"] == ["MANAGE_USERS"]

    async def test_reader_cannot_write(self, client: httpx.AsyncClient, installed: FakeSaleor) -> None:
        program = await client.get(ADMIN, headers=staff_headers(installed))
        body = {k: v for k, v in program.json()["program"].items() if k not in ("updated_at", "updated_by")}
        headers = staff_headers(installed, user_permissions=["MANAGE_USERS"])
        response = await client.put(ADMIN, json=body, headers=headers)
        assert response.status_code == 403

    async def test_not_staff(self, client: httpx.AsyncClient, installed: FakeSaleor) -> None:
        response = await client.get(ADMIN, headers=staff_headers(installed, is_staff=False))
        assert response.status_code == 401

    async def test_rotated_key_is_picked_up(self, client: httpx.AsyncClient, installed: FakeSaleor) -> None:
        installed.rotate_key()
        assert (await client.get(ADMIN, headers=staff_headers(installed))).status_code == 200


class TestShopperToken:
    async def test_valid(self, client: httpx.AsyncClient, installed: FakeSaleor) -> None:
        response = await client.get(ME, headers=shopper_headers(installed))
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["member"]["email"] == "jane.loyal@example.com"
        assert body["points"] == {
            "available": 0,
            "pending": 0,
            "held": 0,
            "lifetime_earned": 0,
            "lifetime_redeemed": 0,
        }

    @pytest.mark.parametrize("header", [None, "Token abc", "Bearer ", "Bearer not-a-jwt"])
    async def test_missing_or_malformed(
        self, client: httpx.AsyncClient, installed: FakeSaleor, header: str | None
    ) -> None:
        headers = {"saleor-api-url": installed.api_url}
        if header is not None:
            headers["authorization"] = header
        response = await client.get(ME, headers=headers)
        assert response.status_code == 401
        assert response.json()["error"] in ("invalid_token", "unauthorized")

    async def test_expired(self, client: httpx.AsyncClient, installed: FakeSaleor) -> None:
        response = await client.get(ME, headers=shopper_headers(installed, expires_in=-60))
        assert response.status_code == 401

    async def test_foreign_key(self, client: httpx.AsyncClient, installed: FakeSaleor) -> None:
        response = await client.get(ME, headers=shopper_headers(installed, key=SigningKey()))
        assert response.status_code == 401

    async def test_other_store(
        self, client: httpx.AsyncClient, installed: FakeSaleor, installed_other: FakeSaleor
    ) -> None:
        token = installed_other.shopper_token()
        response = await client.get(
            ME, headers={"authorization": f"Bearer {token}", "saleor-api-url": installed.api_url}
        )
        assert response.status_code == 401

    async def test_refresh_token_refused(self, client: httpx.AsyncClient, installed: FakeSaleor) -> None:
        response = await client.get(ME, headers=shopper_headers(installed, type="refresh"))
        assert response.status_code == 401
        assert "access token" in response.json()["detail"]

    async def test_dashboard_token_refused(self, client: httpx.AsyncClient, installed: FakeSaleor) -> None:
        token = installed.dashboard_token()
        response = await client.get(
            ME, headers={"authorization": f"Bearer {token}", "saleor-api-url": installed.api_url}
        )
        assert response.status_code == 401

    async def test_audience_when_configured(self, settings, database, network, installed: FakeSaleor) -> None:
        from app.main import create_app

        app = create_app(
            settings.model_copy(update={"shopper_token_audience": "custom:shop"}),
            database=database,
            saleor_transport=network,
        )
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://lojal.test"
        ) as http:
            ok = await http.get(ME, headers=shopper_headers(installed, aud="custom:shop"))
            wrong = await http.get(ME, headers=shopper_headers(installed, aud="custom:other"))
        assert ok.status_code == 200
        assert wrong.status_code == 401
