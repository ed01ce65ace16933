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
    store = installation.saleor_api_url
    existing = {w["name"]: w for w in app.get("webhooks") or [] if w["name"].startswith(NAME_PREFIX)}
    wanted: dict[str, dict[str, Any]] = {}
    for definition in WEBHOOKS:
        fields = {**definition.manifest_entry(app_url), "isActive": True}
        wanted[str(fields["name"])] = fields
    lines: list[str] = []
    for name, fields in wanted.items():
        current = existing.get(name)
        if current is None:
            lines.append(f"{store}: create {name}")
            if not dry_run:
                result = await client.execute("webhook_create", {"input": {**fields, "app": app["id"]}})
                lines += [f"  error: {e}" for e in _mutation_errors(result, "webhookCreate")]
        elif _differs(current, fields):
            lines.append(f"{store}: update {name}")
            if not dry_run:
                result = await client.execute("webhook_update", {"id": current["id"], "input": fields})
                lines += [f"  error: {e}" for e in _mutation_errors(result, "webhookUpdate")]
    for name, current in existing.items():
        if name not in wanted:
            lines.append(f"{store}: delete {name}")
            if not dry_run:
                result = await client.execute("webhook_delete", {"id": current["id"]})
                lines += [f"  error: {e}" for e in _mutation_errors(result, "webhookDelete")]
    return lines or [f"{store}: up to date"]


def _differs(current: dict[str, Any], fields: dict[str, Any]) -> bool:
    return (
        current.get("targetUrl") != fields["targetUrl"]
        or (current.get("subscriptionQuery") or "").strip() != str(fields["query"]).strip()
        or _events(current) != sorted(fields["asyncEvents"])
        or not current.get("isActive")
    )


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
