"""Subscription queries: `webhooks/<event>.graphql` plus the fragments they use from `fragments/`.

Saleor wants one self-contained document per webhook, so the served query is the subscription
followed by every fragment it reaches; the fragments themselves are written once.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from app.saleor.documents import complete_document

WEBHOOKS_DIR = Path(__file__).resolve().parent
FRAGMENTS_DIR = WEBHOOKS_DIR / "fragments"


@cache
def subscription_query(stem: str) -> str:
    """The complete document for `webhooks/<stem>.graphql`, fragments appended."""
    return complete_document(WEBHOOKS_DIR / f"{stem}.graphql", FRAGMENTS_DIR)


def subscription_stems() -> list[str]:
    return sorted(path.stem for path in WEBHOOKS_DIR.glob("*.graphql"))
