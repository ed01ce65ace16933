"""Helpers tests call: install a fake Saleor, deliver a signed webhook, build auth headers."""

from __future__ import annotations

from typing import Any

import httpx

from tests.fake_saleor import FakeSaleor


async def install(client: httpx.AsyncClient, saleor: FakeSaleor) -> httpx.Response:
    return await client.post(
        "/api/register",
        json={"auth_token": saleor.app_token},
        headers={
            "Saleor-Api-Url": saleor.api_url,
            "Saleor-Domain": saleor.host,
            "Saleor-Schema-Version": "3.24",
        },
    )


async def deliver(
    client: httpx.AsyncClient,
    saleor: FakeSaleor,
    event: str,
    payload: dict[str, Any] | bytes,
    *,
    signature: str | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    body, sent_headers = saleor.delivery(event, payload, signature=signature)
    sent_headers.update(headers or {})
    return await client.post(
        f"/api/webhooks/{event.lower().replace('_', '-')}", content=body, headers=sent_headers
    )


def staff_headers(saleor: FakeSaleor, **token_kwargs: Any) -> dict[str, str]:
    return {"authorization-bearer": saleor.dashboard_token(**token_kwargs), "saleor-api-url": saleor.api_url}


def shopper_headers(
    saleor: FakeSaleor,
    user_id: str = "VXNlcjo0Ng==",
    email: str = "jane.loyal@example.com",
    **token_kwargs: Any,
) -> dict[str, str]:
    return {
        "authorization": f"Bearer {saleor.shopper_token(user_id, email, **token_kwargs)}",
        "saleor-api-url": saleor.api_url,
    }
