"""The OpenAPI document describes the error answers we send: `ErrorOut` for every 4xx and 5xx, never
FastAPI's HTTPValidationError; a client checking answers against the document agrees with them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
import schemathesis
from fastapi import FastAPI
from schemathesis.core.failures import FailureGroup
from schemathesis.core.transport import Response

from tests.fake_saleor import FakeSaleor
from tests.helpers import shopper_headers, staff_headers

ERROR_REF = "#/components/schemas/ErrorOut"


@pytest.fixture
def document(app: FastAPI) -> dict[str, Any]:
    return app.openapi()


def test_no_http_validation_error_anywhere(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert "ValidationError" not in schemas
    assert "HTTPValidationError" not in str(document)
    assert set(schemas["ErrorOut"]["required"]) == {"error", "detail"}
    assert schemas["ErrorOut"]["additionalProperties"] is True


def test_every_error_answer_is_an_error_out(document: dict[str, Any]) -> None:
    seen = 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status[0] in "45":
                    seen += 1
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": ERROR_REF}, (method, path, status)
    assert seen > 100


def test_routes_with_parameters_document_422(document: dict[str, Any]) -> None:
    operation = document["paths"]["/api/admin/members/{member_id}"]["get"]
    assert operation["responses"]["422"]["content"]["application/json"]["schema"] == {"$ref": ERROR_REF}


class TestAnswersMatchTheDocument:
    """Real answers, validated against the document as a schema-checking client would."""

    @pytest.fixture
    def schema(self, document: dict[str, Any]) -> Any:
        return schemathesis.openapi.from_dict(document)

    async def test_validation_error(
        self, client: httpx.AsyncClient, installed: FakeSaleor, schema: Any
    ) -> None:
        response = await client.put(
            "/api/admin/program", json={"hold_days": -1}, headers=staff_headers(installed)
        )
        assert response.status_code == 422
        assert response.json()["errors"] == [
            {"field": "body.hold_days", "message": "Input should be greater than or equal to 0"}
        ]
        schema["/api/admin/program"]["PUT"].validate_response(Response.from_any(response))

    async def test_validation_error_in_a_path(
        self, client: httpx.AsyncClient, installed: FakeSaleor, schema: Any
    ) -> None:
        response = await client.get("/api/admin/members/0", headers=staff_headers(installed))
        assert response.status_code == 422
        schema["/api/admin/members/{member_id}"]["GET"].validate_response(Response.from_any(response))

    async def test_domain_errors(self, client: httpx.AsyncClient, installed: FakeSaleor, schema: Any) -> None:
        missing = await client.get("/api/admin/rewards/5", headers=staff_headers(installed))
        assert missing.status_code == 404
        schema["/api/admin/rewards/{reward_id}"]["GET"].validate_response(Response.from_any(missing))
        forbidden = await client.get(
            "/api/admin/program", headers=staff_headers(installed, user_permissions=["MANAGE_ORDERS"])
        )
        assert forbidden.status_code == 403
        assert forbidden.json()["missing_permissions"] == ["MANAGE_USERS"]
        schema["/api/admin/program"]["GET"].validate_response(Response.from_any(forbidden))
        anonymous = await client.get("/api/storefront/me")
        assert anonymous.status_code == 401
        schema["/api/storefront/me"]["GET"].validate_response(Response.from_any(anonymous))

    async def test_a_wrong_answer_would_be_caught(
        self, client: httpx.AsyncClient, installed: FakeSaleor, schema: Any
    ) -> None:
        # Guards the guard: FastAPI's own 422 body does not match the document.
        response = await client.get("/api/storefront/me", headers=shopper_headers(installed))
        fake = httpx.Response(
            422,
            json={"detail": [{"loc": ["query", "x"], "msg": "bad", "type": "value_error"}]},
            request=response.request,
        )
        fake.elapsed = timedelta(0)
        with pytest.raises(FailureGroup) as raised:
            schema["/api/storefront/me"]["GET"].validate_response(Response.from_any(fake))
        assert any("Response violates schema" in str(error) for error in raised.value.exceptions)
