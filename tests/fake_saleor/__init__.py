"""A fake Saleor that speaks the real schema and signs like Saleor does."""

from tests.fake_saleor.saleor import FakeNetwork, FakeSaleor, SigningKey

__all__ = ["FakeNetwork", "FakeSaleor", "SigningKey"]
