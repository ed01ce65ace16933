"""Every GraphQL document Lojal sends, and every subscription it registers, is valid for Saleor's schema."""

from __future__ import annotations

import pytest
from graphql import OperationDefinitionNode, OperationType, parse, validate

from tests.fake_saleor.saleor import load_schema
from tests.saleor_documents import document_names, load_document
from tests.saleor_fixtures import schema_path
from webhooks.definitions import WEBHOOKS
from webhooks.documents import subscription_stems


@pytest.mark.parametrize("name", document_names())
def test_client_document_is_valid(name: str) -> None:
    schema = load_schema(schema_path())
    errors = validate(schema, load_document(name))
    assert errors == [], f"{name}.graphql: {[e.message for e in errors]}"


@pytest.mark.parametrize("definition", WEBHOOKS, ids=lambda d: d.event)
def test_subscription_is_valid_and_asks_for_its_event(definition) -> None:
    schema = load_schema(schema_path())
    document = parse(definition.query)
    errors = validate(schema, document)
    assert errors == [], f"{definition.stem}.graphql: {[e.message for e in errors]}"
    [operation] = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    assert operation.operation is OperationType.SUBSCRIPTION
    # The `... on <Type>` names the event the webhook subscribes to, and the type exists in the schema.
    event_type = "".join(part.capitalize() for part in definition.event.split("_"))
    assert f"on {event_type}" in definition.query
    assert schema.get_type(event_type) is not None
    async_events = schema.get_type("WebhookEventTypeAsyncEnum")
    assert definition.event in async_events.values  # type: ignore[union-attr]


def test_every_subscription_file_has_a_route() -> None:
    assert set(subscription_stems()) == {definition.stem for definition in WEBHOOKS}


def test_subscriptions_ask_for_recipient_where_saleor_sends_it() -> None:
    for definition in WEBHOOKS:
        if definition.event != "APP_DELETED":  # APP_DELETED names the app itself instead
            assert "recipient" in definition.query
