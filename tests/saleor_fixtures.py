"""Lojal's own copy of Saleor's schema and of real recorded deliveries (tests/fixtures/saleor/)."""

from __future__ import annotations

from pathlib import Path

FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures" / "saleor"


def schema_path() -> Path:
    return FIXTURES_DIR / "schema.graphql"


def deliveries_dir() -> Path:
    return FIXTURES_DIR / "deliveries"
