"""The ledger: append-only point entries with idempotency keys; member balances are their cached sums.

Owners carry outstanding points as a liability, so every number here must be explainable and exact.
"""
