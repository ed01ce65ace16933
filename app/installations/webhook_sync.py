"""`lojal webhooks sync`: Saleor reads a manifest's webhooks only at install (PLATFORM.md §1.3), so
installed stores are brought up to the current subscriptions with the app's own token."""

from __future__ import annotations

from typing import Any

import structlog

from app.db import Database
from app.errors import SaleorUnavailable
from app.installations import service as installations
from app.installations.models import Installation
from app.saleor.client import SaleorClient, SaleorGraphQLError
from app.saleor.gateway import SaleorGateway
from app.settings import Settings
from webhooks.definitions import WEBHOOKS

log = structlog.get_logger(__name__)
NAME_PREFIX = "lojal-"


def _events(webhook: dict[str, Any]) -> list[str]:
    return sorted(event["eventType"] for event in webhook.get("asyncEvents") or [])


def _mutation_errors(data: dict[str, Any], field: str) -> list[str]:
    return [
        f"{e.get('field')}: {e.get('code')} {e.get('message') or ''}".strip()
        for e in (data.get(field) or {}).get("errors") or []
    ]


async def sync_installation(
    client: SaleorClient, installation: Installation, app_url: str, *, dry_run: bool
) -> list[str]:
    data = await client.execute("app_webhooks")
    app = data.get("app")
    if not app:
        return [f"{installation.saleor_api_url}: the app token no longer works (uninstalled?); skipped"]
    existing = {w["name"]: w for w in app.get("webhooks") or [] if w["name"].startswith(NAME_PREFIX)}
    lines: list[str] = []
    wanted = {}
    for definition in WEBHOOKS:
        entry = definition.manifest_entry(app_url)
        wanted[entry["name"]] = entry
    for name, entry in wanted.items():
        current = existing.get(str(name))
        if current is None:
            lines.append(f"{installation.saleor_api_url}: create {name}")
            if not dry_run:
                result = await client.execute(
                    "webhook_create",
                    {
                        "input": {
                            "name": name,
                            "targetUrl": entry["targetUrl"],
                            "asyncEvents": entry["asyncEvents"],
                            "query": entry["query"],
                            "isActive": True,
                            "app": app["id"],
                        }
                    },
                )
                lines += [f"  error: {e}" for e in _mutation_errors(result, "webhookCreate")]
            continue
        changed = (
            current.get("targetUrl") != entry["targetUrl"]
            or (current.get("subscriptionQuery") or "").strip() != str(entry["query"]).strip()
            or _events(current) != sorted(entry["asyncEvents"])  # type: ignore[call-overload]
            or not current.get("isActive")
        )
        if changed:
            lines.append(f"{installation.saleor_api_url}: update {name}")
            if not dry_run:
                result = await client.execute(
                    "webhook_update",
                    {
                        "id": current["id"],
                        "input": {
                            "name": name,
                            "targetUrl": entry["targetUrl"],
                            "asyncEvents": entry["asyncEvents"],
                            "query": entry["query"],
                            "isActive": True,
                        },
                    },
                )
                lines += [f"  error: {e}" for e in _mutation_errors(result, "webhookUpdate")]
    for name, current in existing.items():
        if name not in wanted:
            lines.append(f"{installation.saleor_api_url}: delete {name}")
            if not dry_run:
                result = await client.execute("webhook_delete", {"id": current["id"]})
                lines += [f"  error: {e}" for e in _mutation_errors(result, "webhookDelete")]
    if not lines:
        lines.append(f"{installation.saleor_api_url}: up to date")
    return lines


async def sync_all(
    settings: Settings,
    *,
    dry_run: bool = False,
    gateway: SaleorGateway | None = None,
    database: Database | None = None,
) -> list[str]:
    """One line per change (or "up to date") per store; a store that failed says "failed: …"."""
    own_database = database is None
    database = database or Database(settings.database_url)
    gateway = gateway or SaleorGateway(settings)
    try:
        async with database.transaction() as session:
            targets = await installations.list_active_installations(session)
    finally:
        if own_database:
            await database.dispose()
    if not targets:
        return ["no installed stores"]
    lines: list[str] = []
    for installation in targets:
        try:
            lines += await sync_installation(
                gateway.client_for(installation), installation, settings.app_url, dry_run=dry_run
            )
        except (SaleorUnavailable, SaleorGraphQLError) as exc:
            lines.append(f"{installation.saleor_api_url}: failed: {exc}")
    return lines


def has_failures(lines: list[str]) -> bool:
    return any(": failed:" in line or line.lstrip().startswith("error:") for line in lines)
