"""Members: one per (installation, Saleor customer) — or per e-mail for guests until they sign up.

Enrolment and consent live here, as do privacy export and erasure. Balances are caches of the ledger.
"""
