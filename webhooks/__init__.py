"""Saleor webhook receivers and the subscription queries they are registered with."""
