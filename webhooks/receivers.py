"""One route per Saleor event: verify → parse → one domain call → answer.

Status codes are chosen for Saleor's retry rules (it retries 5xx and timeouts, never 4xx):
401 unknown store or bad signature, 403 a payload meant for another app, 400 malformed, 413 too big,
503 when our database cannot take the delivery, 200 once the state the payload describes is stored
(also when it was stored before: redeliveries converge and change nothing).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.api.deps import SessionDep, VerifierDep, installation_for
from app.errors import (
    BadRequest,
    Forbidden,
    LojalError,
    MalformedPayload,
    PayloadTooLarge,
    TemporarilyUnavailable,
)
from app.installations import service as installations
from app.installations.models import Installation
from app.members import service as members
from app.metrics import WEBHOOKS
from app.orders import service as orders
from app.orders.snapshot import OrderTrigger
from app.privacy import service as privacy
from app.redemption import orders as redemption
from webhooks.definitions import WEBHOOKS as DEFINITIONS
from webhooks.definitions import WebhookDefinition
from webhooks.generated import fragments as generated
from webhooks.payloads import customer_facts, order_snapshot, parse_json, parse_payload

log = structlog.get_logger(__name__)
router = APIRouter(tags=["webhooks"], include_in_schema=True)


class WrongRecipient(Forbidden):
    error = "wrong_recipient"


@dataclass(frozen=True)
class Delivery:
    installation: Installation
    event: str
    body: dict[str, Any]


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"the body is larger than {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the body is larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def verified_delivery(definition: WebhookDefinition) -> Callable[..., Awaitable[Delivery]]:
    async def dependency(
        request: Request,
        session: SessionDep,
        verifier: VerifierDep,
        saleor_api_url: Annotated[str | None, Header(alias="saleor-api-url")] = None,
        saleor_event: Annotated[str | None, Header(alias="saleor-event")] = None,
        saleor_signature: Annotated[str | None, Header(alias="saleor-signature")] = None,
    ) -> Delivery:
        structlog.contextvars.bind_contextvars(saleor_event=definition.stem)
        raw_body = await _read_body(request, request.app.state.settings.webhook_max_body_bytes)
        # Look the store up before any key is fetched: never fetch a JWKS from a URL nobody installed.
        installation = await installation_for(session, saleor_api_url)
        await verifier.verify_webhook(installation, saleor_signature, raw_body)
        if saleor_event is not None and saleor_event.lower() != definition.stem:
            raise BadRequest(f"this endpoint takes {definition.stem}, not {saleor_event}")
        body = parse_json(raw_body)
        recipient = body.get("app") if definition.event == "APP_DELETED" else body.get("recipient")
        recipient_id = recipient.get("id") if isinstance(recipient, dict) else None
        if recipient_id != installation.app_id:
            raise WrongRecipient("this delivery is addressed to another app")
        return Delivery(installation=installation, event=definition.stem, body=body)

    return dependency


Handler = Callable[[AsyncSession, Delivery], Awaitable[None]]
OrderEventModel = (
    type[generated.LojalOrderCreatedEvent]
    | type[generated.LojalOrderFullyPaidEvent]
    | type[generated.LojalOrderFulfilledEvent]
    | type[generated.LojalOrderRefundedEvent]
    | type[generated.LojalOrderFullyRefundedEvent]
    | type[generated.LojalOrderCancelledEvent]
    | type[generated.LojalOrderExpiredEvent]
)
CustomerEventModel = (
    type[generated.LojalCustomerCreatedEvent]
    | type[generated.LojalCustomerDeletedEvent]
    | type[generated.LojalAccountDeletedEvent]
)


def _order_handler(model: OrderEventModel, trigger: OrderTrigger) -> Handler:
    async def handle(session: AsyncSession, delivery: Delivery) -> None:
        order = order_snapshot(parse_payload(model, delivery.body).order)
        log.info("order_event", saleor_order_id=order.saleor_order_id, trigger=trigger.value)
        await orders.apply_order_event(session, delivery.installation.id, order, trigger)

    return handle


async def _customer_created(session: AsyncSession, delivery: Delivery) -> None:
    customer = customer_facts(parse_payload(generated.LojalCustomerCreatedEvent, delivery.body).user)
    await members.apply_customer_created(session, delivery.installation.id, customer)


def _customer_deleted(model: CustomerEventModel) -> Handler:
    async def handle(session: AsyncSession, delivery: Delivery) -> None:
        customer = customer_facts(parse_payload(model, delivery.body).user)
        await privacy.erase_customer(session, delivery.installation.id, customer.saleor_user_id)

    return handle


async def _checkout_updated(session: AsyncSession, delivery: Delivery) -> None:
    checkout = parse_payload(generated.LojalCheckoutUpdatedEvent, delivery.body).checkout
    if checkout is None:
        raise MalformedPayload("the delivery names no checkout")
    await redemption.check_checkout(session, delivery.installation.id, checkout.id, checkout.voucher_code)


async def _app_deleted(session: AsyncSession, delivery: Delivery) -> None:
    parse_payload(generated.LojalAppDeletedEvent, delivery.body)
    await installations.uninstall(session, delivery.installation)


HANDLERS: dict[str, Handler] = {
    "ORDER_CREATED": _order_handler(generated.LojalOrderCreatedEvent, OrderTrigger.CREATED),
    "ORDER_FULLY_PAID": _order_handler(generated.LojalOrderFullyPaidEvent, OrderTrigger.FULLY_PAID),
    "ORDER_FULFILLED": _order_handler(generated.LojalOrderFulfilledEvent, OrderTrigger.FULFILLED),
    "ORDER_REFUNDED": _order_handler(generated.LojalOrderRefundedEvent, OrderTrigger.REFUNDED),
    "ORDER_FULLY_REFUNDED": _order_handler(generated.LojalOrderFullyRefundedEvent, OrderTrigger.REFUNDED),
    "ORDER_CANCELLED": _order_handler(generated.LojalOrderCancelledEvent, OrderTrigger.CANCELLED),
    "ORDER_EXPIRED": _order_handler(generated.LojalOrderExpiredEvent, OrderTrigger.EXPIRED),
    "CHECKOUT_UPDATED": _checkout_updated,
    "CUSTOMER_CREATED": _customer_created,
    "CUSTOMER_DELETED": _customer_deleted(generated.LojalCustomerDeletedEvent),
    "ACCOUNT_DELETED": _customer_deleted(generated.LojalAccountDeletedEvent),
    "APP_DELETED": _app_deleted,
}


def _add_route(definition: WebhookDefinition) -> None:
    handler = HANDLERS[definition.event]
    dependency = verified_delivery(definition)

    # A plain default, not Annotated[...]: the annotation is a string here and `dependency` is local.
    async def receive(session: SessionDep, delivery: Delivery = Depends(dependency)) -> JSONResponse:
        try:
            await handler(session, delivery)
            await session.flush()
        except IntegrityError as exc:
            # A concurrent delivery of the same state won the race; Saleor's retry will find it stored.
            raise TemporarilyUnavailable("a concurrent delivery is being stored; retry") from exc
        except LojalError as exc:
            WEBHOOKS.labels(definition.stem, exc.error).inc()
            raise
        WEBHOOKS.labels(definition.stem, "accepted").inc()
        return JSONResponse({"status": "accepted"})

    receive.__name__ = f"receive_{definition.stem}"
    router.add_api_route(
        definition.path,
        receive,
        methods=["POST"],
        summary=f"Saleor {definition.event} webhook",
        responses={
            400: {"description": "malformed payload"},
            401: {"description": "unknown store or bad signature"},
            403: {"description": "addressed to another app"},
            413: {"description": "body too large"},
            503: {"description": "temporarily unavailable; Saleor retries"},
        },
    )


for _definition in DEFINITIONS:
    _add_route(_definition)
