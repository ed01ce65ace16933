"""`lojal webhooks sync`: Saleor reads a manifest's webhooks only at install (PLATFORM.md §1.3), so
installed stores are brought up to the current subscriptions with the app's own token."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import structlog
from pydantic import ValidationError

from app.db import Database
from app.errors import SaleorUnavailable
from app.installations import service as installations
from app.installations.models import Installation
from app.saleor.gateway import SaleorGateway
from app.saleor.generated import SaleorClient
from app.saleor.generated.enums import WebhookEventTypeAsyncEnum
from app.saleor.generated.input_types import WebhookCreateInput, WebhookUpdateInput
from app.saleor.generated.lojal_app_webhooks import LojalAppWebhooksAppWebhooks
from app.saleor.transport import SaleorGraphQLError

log = structlog.get_logger(__name__)
NAME_PREFIX = "lojal-"


@dataclass(frozen=True)
class WantedWebhook:
    """One webhook as the current manifest declares it."""

    name: str
    events: tuple[str, ...]
    query: str
    target_url: str


class MutationError(Protocol):
    @property
    def field(self) -> str | None: ...
    @property
    def code(self) -> str: ...
    @property
    def message(self) -> str | None: ...


def _errors(errors: Sequence[MutationError]) -> list[str]:
    return [f"  error: {e.field}: {e.code} {e.message or ''}".rstrip() for e in errors]


def _events(webhook: WantedWebhook) -> list[WebhookEventTypeAsyncEnum]:
    return [WebhookEventTypeAsyncEnum(event) for event in webhook.events]


def _differs(current: LojalAppWebhooksAppWebhooks, wanted: WantedWebhook) -> bool:
    return (
        current.target_url != wanted.target_url
        or (current.subscription_query or "").strip() != wanted.query.strip()
        or sorted(event.event_type for event in current.async_events) != sorted(wanted.events)
        or not current.is_active
    )


async def sync_installation(
    client: SaleorClient, installation: Installation, wanted: Sequence[WantedWebhook], *, dry_run: bool
) -> list[str]:
    app = await client.lojal_app_webhooks()
    store = installation.saleor_api_url
    if app is None:
        return [f"{store}: the app token no longer works (uninstalled?); skipped"]
    existing = {w.name: w for w in app.webhooks or [] if w.name and w.name.startswith(NAME_PREFIX)}
    lines: list[str] = []
    for webhook in wanted:
        current = existing.get(webhook.name)
        if current is None:
            lines.append(f"{store}: create {webhook.name}")
            if not dry_run:
                created = await client.lojal_webhook_create(
                    input=WebhookCreateInput(
                        name=webhook.name,
                        target_url=webhook.target_url,
                        async_events=_events(webhook),
                        query=webhook.query,
                        is_active=True,
                        app=app.id,
                    )
                )
                lines += _errors(created.errors if created else [])
        elif _differs(current, webhook):
            lines.append(f"{store}: update {webhook.name}")
            if not dry_run:
                updated = await client.lojal_webhook_update(
                    id=current.id,
                    input=WebhookUpdateInput(
                        name=webhook.name,
                        target_url=webhook.target_url,
                        async_events=_events(webhook),
                        query=webhook.query,
                        is_active=True,
                    ),
                )
                lines += _errors(updated.errors if updated else [])
    wanted_names = {webhook.name for webhook in wanted}
    for name, current in existing.items():
        if name not in wanted_names:
            lines.append(f"{store}: delete {name}")
            if not dry_run:
                deleted = await client.lojal_webhook_delete(id=current.id)
                lines += _errors(deleted.errors if deleted else [])
    return lines or [f"{store}: up to date"]


async def sync_all(
    database: Database, gateway: SaleorGateway, wanted: Sequence[WantedWebhook], *, dry_run: bool = False
) -> list[str]:
    """One line per change (or "up to date") per store; a store that failed says "failed: …"."""
    async with database.transaction() as session:
        targets = await installations.list_active_installations(session)
    if not targets:
        return ["no installed stores"]
    lines: list[str] = []
    for installation in targets:
        try:
            lines += await sync_installation(
                gateway.client_for(installation), installation, wanted, dry_run=dry_run
            )
        except (SaleorUnavailable, SaleorGraphQLError, ValidationError) as exc:
            lines.append(f"{installation.saleor_api_url}: failed: {exc}")
    return lines


def has_failures(lines: list[str]) -> bool:
    return any(": failed:" in line or line.lstrip().startswith("error:") for line in lines)
