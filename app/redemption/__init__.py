"""Redemption: points turned into a real Saleor discount on the shopper's own checkout.

A redemption is a two-phase transfer: points move from available to held when the discount is
created, and the hold ends exactly once — committed when an order carries our code, released when it
never does (undone, abandoned, or the Saleor call failed).
"""
