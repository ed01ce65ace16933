"""The webhooks Lojal subscribes to: one definition per event, shared by the manifest and the routes."""

from __future__ import annotations

from dataclasses import dataclass

from app.installations.webhook_sync import WantedWebhook
from webhooks.documents import subscription_query


@dataclass(frozen=True)
class WebhookDefinition:
    event: str  # Saleor's WebhookEventTypeAsyncEnum name, e.g. ORDER_FULLY_PAID

    @property
    def stem(self) -> str:
        return self.event.lower()

    @property
    def name(self) -> str:
        """Kebab-case name used for the route and the webhook's name in Saleor."""
        return self.stem.replace("_", "-")

    @property
    def path(self) -> str:
        return f"/api/webhooks/{self.name}"

    @property
    def query(self) -> str:
        return subscription_query(self.stem)

    def wanted(self, app_url: str) -> WantedWebhook:
        """The webhook as `lojal webhooks sync` brings it into an installed store."""
        return WantedWebhook(
            name=f"lojal-{self.name}", events=(self.event,), query=self.query, target_url=app_url + self.path
        )

    def manifest_entry(self, app_url: str) -> dict[str, object]:
        return {
            "name": f"lojal-{self.name}",
            "asyncEvents": [self.event],
            "query": self.query,
            "targetUrl": app_url + self.path,
            "isActive": True,
        }


WEBHOOKS: tuple[WebhookDefinition, ...] = (
    WebhookDefinition("ORDER_CREATED"),
    WebhookDefinition("ORDER_FULLY_PAID"),
    WebhookDefinition("ORDER_FULFILLED"),
    WebhookDefinition("ORDER_REFUNDED"),
    WebhookDefinition("ORDER_FULLY_REFUNDED"),
    WebhookDefinition("ORDER_CANCELLED"),
    WebhookDefinition("ORDER_EXPIRED"),
    WebhookDefinition("CHECKOUT_UPDATED"),
    WebhookDefinition("CUSTOMER_CREATED"),
    WebhookDefinition("CUSTOMER_DELETED"),
    WebhookDefinition("ACCOUNT_DELETED"),
    WebhookDefinition("APP_DELETED"),
)
