"""One route per Saleor event: verify → parse → one domain call → answer.

Status codes are chosen for Saleor's retry rules (it retries 5xx and timeouts, never 4xx):
401 unknown store or bad signature, 403 a payload meant for another app, 400 malformed, 413 too big,
503 when our database cannot take the delivery, 200 once the state the payload describes is stored
(also when it was stored before: redeliveries converge and change nothing).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

import structlog
from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.api.deps import VerifierDep, installation_for
from app.db import SessionDep
from app.earning import service as earning
from app.earning.service import OrderTrigger
from app.errors import BadRequest, Forbidden, LojalError, PayloadTooLarge, TemporarilyUnavailable
from app.installations import service as installations
from app.installations.models import Installation
from app.members import service as members
from app.metrics import WEBHOOKS
from app.redemption import service as redemption
from webhooks.definitions import WEBHOOKS as DEFINITIONS
from webhooks.definitions import WebhookDefinition
from webhooks.payloads import (
    AppDeletedEvent,
    CheckoutEvent,
    CustomerEvent,
    EventPayload,
    OrderEvent,
    parse_json,
    parse_payload,
)

log = structlog.get_logger(__name__)
router = APIRouter(tags=["webhooks"], include_in_schema=True)

PayloadT = TypeVar("PayloadT", bound=EventPayload)


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
        await verifier.verify_webhook(session, installation, saleor_signature, raw_body)
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


def _order_handler(trigger: OrderTrigger) -> Handler:
    async def handle(session: AsyncSession, delivery: Delivery) -> None:
        payload = parse_payload(OrderEvent, delivery.body)
        log.info("order_event", saleor_order_id=payload.order.id, trigger=trigger.value)
        await earning.apply_order_event(session, delivery.installation, payload.order, trigger)

    return handle


async def _customer_created(session: AsyncSession, delivery: Delivery) -> None:
    payload = parse_payload(CustomerEvent, delivery.body)
    await members.apply_customer_created(session, delivery.installation, payload.user)


async def _customer_deleted(session: AsyncSession, delivery: Delivery) -> None:
    payload = parse_payload(CustomerEvent, delivery.body)
    await members.erase_customer(session, delivery.installation, payload.user.id)


async def _checkout_updated(session: AsyncSession, delivery: Delivery) -> None:
    payload = parse_payload(CheckoutEvent, delivery.body)
    await redemption.check_checkout(
        session, delivery.installation, payload.checkout.id, payload.checkout.voucher_code
    )


async def _app_deleted(session: AsyncSession, delivery: Delivery) -> None:
    parse_payload(AppDeletedEvent, delivery.body)
    await installations.uninstall(session, delivery.installation)


HANDLERS: dict[str, Handler] = {
    "ORDER_CREATED": _order_handler(OrderTrigger.CREATED),
    "ORDER_FULLY_PAID": _order_handler(OrderTrigger.FULLY_PAID),
    "ORDER_FULFILLED": _order_handler(OrderTrigger.FULFILLED),
    "ORDER_REFUNDED": _order_handler(OrderTrigger.REFUNDED),
    "ORDER_FULLY_REFUNDED": _order_handler(OrderTrigger.REFUNDED),
    "ORDER_CANCELLED": _order_handler(OrderTrigger.CANCELLED),
    "ORDER_EXPIRED": _order_handler(OrderTrigger.EXPIRED),
    "CHECKOUT_UPDATED": _checkout_updated,
    "CUSTOMER_CREATED": _customer_created,
    "CUSTOMER_DELETED": _customer_deleted,
    "ACCOUNT_DELETED": _customer_deleted,
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
