"""The typed Saleor code is generated from Saleor's schema (refreshable from a running Saleor) and reads
money as Decimals and enum values as plain strings."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from graphql import build_schema, print_schema

from app.saleor.generated.fragments import LojalCheckoutTotals
from tests.fake_saleor import FakeNetwork, FakeSaleor
from tools.saleor_schema import fetch_schema
from webhooks.generated.fragments import LojalMoney, LojalOrder

SCHEMA = Path(__file__).resolve().parents[2] / "app" / "saleor" / "schema.graphql"


async def test_the_schema_is_refreshed_from_a_running_saleor(
    network: FakeNetwork, saleor: FakeSaleor
) -> None:
    fetched = await fetch_schema(saleor.api_url, transport=network)
    assert print_schema(build_schema(fetched)) == print_schema(build_schema(SCHEMA.read_text()))
    assert [name for name, _ in saleor.calls] == ["IntrospectionQuery"]


def test_money_is_read_as_decimal_and_enums_as_strings() -> None:
    money = LojalMoney.model_validate({"amount": 0.1, "currency": "SEK"})
    assert money.amount == Decimal("0.1") and isinstance(money.amount, Decimal)
    assert LojalCheckoutTotals.model_fields["discount"].annotation is not None
    # A status Saleor adds after this schema must not make a delivery unreadable.
    assert LojalOrder.model_fields["status"].annotation is str
    assert LojalOrder.model_fields["charge_status"].annotation is str
