"""The fake Saleor store the benchmark installs, shared by the load generator and the server process.

The load generator signs deliveries and shopper tokens with the store's private key; the server process
only needs to publish the matching JWKS (and answer the app-id check on install), so only the public
JWK crosses the process boundary.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.fake_saleor import FakeNetwork, FakeSaleor, SigningKey

STORE_HOST = "shop-bench.saleor.test"
STORE_APP_ID = "QXBwOjE="


def load_generator_store() -> FakeSaleor:
    return FakeSaleor(host=STORE_HOST, app_id=STORE_APP_ID, key_slot=0)


def write_spec(store: FakeSaleor, path: Path) -> None:
    spec = {"host": store.host, "app_id": store.app_id, "app_token": store.app_token, "jwk": store.key.jwk}
    path.write_text(json.dumps(spec))
    path.chmod(0o600)


class PublishedKey(SigningKey):
    """A key known only by its public JWK: enough to publish the JWKS, never used to sign."""

    def __init__(self, jwk: dict[str, Any]) -> None:
        # No super().__init__(): that would generate a fresh RSA key the load generator does not have.
        self._jwk = jwk
        self.kid = str(jwk["kid"])

    @property
    def jwk(self) -> dict[str, Any]:
        return self._jwk


def server_network(spec_path: Path) -> tuple[FakeNetwork, FakeSaleor]:
    """The FakeNetwork the app's gateway talks to in the server process, with the same store on it."""
    spec = json.loads(spec_path.read_text())
    store = FakeSaleor(host=spec["host"], app_id=spec["app_id"], app_token=spec["app_token"], key_slot=0)
    store.key = PublishedKey(spec["jwk"])
    network = FakeNetwork()
    network.add(store)
    return network, store
