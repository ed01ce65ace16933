"""A fake Saleor that speaks the real schema and signs like Saleor does.

`saleor` holds FakeSaleor (state, HTTP routes, test helpers) and FakeNetwork; beside it are `keys`
(signing keys, JWS and JWT), `model` (money, ids, checkouts and vouchers), `discounts` (Saleor's voucher
rules), `promo_codes` (applying and removing codes), `render` (Saleor's types as JSON), `executor`
(schema validation and selection), `resolvers` (one handler per operation) and `errors`.
"""

from tests.fake_saleor.keys import SigningKey
from tests.fake_saleor.saleor import FakeNetwork, FakeSaleor

__all__ = ["FakeNetwork", "FakeSaleor", "SigningKey"]
