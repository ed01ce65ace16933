"""Members: one per (installation, Saleor customer), or per e-mail for guests until they sign up.

Enrolment and consent live here, as does the welcome bonus and the copy of a member's points in their
Saleor customer's metadata. The member row itself is the ledger's account (`app/ledger/models.py`)."""
