"""The generated Saleor client on our transport: queries are retried a bounded number of times,
mutations never."""

from __future__ import annotations

import pytest

from app.errors import SaleorUnavailable
from app.saleor.generated import SaleorClient
from tests.fake_saleor import FakeNetwork, FakeSaleor


def _client(network: FakeNetwork, saleor: FakeSaleor, retries: int = 2) -> SaleorClient:
    return SaleorClient(
        saleor.api_url, saleor.app_token, timeout_seconds=2, query_retries=retries, transport=network
    )


async def test_query_is_retried_after_a_server_error(network: FakeNetwork, saleor: FakeSaleor) -> None:
    saleor.fail_operations["LojalAppId"] = 2
    app = await _client(network, saleor).lojal_app_id()
    assert app is not None and app.model_dump() == {"id": saleor.app_id}
    assert [name for name, _ in saleor.calls] == ["LojalAppId"] * 3


async def test_query_gives_up_after_its_retries(network: FakeNetwork, saleor: FakeSaleor) -> None:
    saleor.fail_operations["LojalAppId"] = 5
    with pytest.raises(SaleorUnavailable):
        await _client(network, saleor, retries=1).lojal_app_id()
    assert len(saleor.calls) == 2


async def test_mutation_is_sent_once(network: FakeNetwork, saleor: FakeSaleor) -> None:
    saleor.fail_operations["LojalUpdateMetadata"] = 1
    with pytest.raises(SaleorUnavailable):
        await _client(network, saleor).lojal_update_metadata(id="VXNlcjox", input=[])
    assert [name for name, _ in saleor.calls] == ["LojalUpdateMetadata"]


async def test_unreachable_saleor(network: FakeNetwork, saleor: FakeSaleor) -> None:
    saleor.down = True
    with pytest.raises(SaleorUnavailable, match="did not answer"):
        await _client(network, saleor, retries=0).lojal_app_id()
