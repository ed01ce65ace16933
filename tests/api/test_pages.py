"""Public pages the manifest links to, and the Loyalty tab's entry point."""

from __future__ import annotations

import httpx
import pytest


@pytest.mark.parametrize("path", ["/", "/privacy", "/support", "/app", "/app/loyalty", "/app/customer"])
async def test_pages_answer_html(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")


async def test_home_shows_the_manifest_url(client: httpx.AsyncClient) -> None:
    assert "http://lojal.test/api/manifest" in (await client.get("/")).text


@pytest.mark.parametrize(
    "path", ["/app/../pyproject.toml", "/app/%2e%2e/%2e%2e/etc/passwd", "/app/..%2fmanifest.json"]
)
async def test_tab_never_serves_files_outside_its_build(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert "[project]" not in response.text
    assert "root:" not in response.text
    assert '"tokenTargetUrl"' not in response.text


async def test_health_and_metrics(client: httpx.AsyncClient) -> None:
    health = await client.get("/healthz")
    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    await client.get("/api/manifest")
    metrics = await client.get("/metrics")
    assert metrics.status_code == 200
    assert 'lojal_http_requests_total{method="GET",route="/api/manifest",status="200"}' in metrics.text
