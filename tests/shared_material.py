"""Where the shared Saleor material (schema, real deliveries) lives; tests skip clearly without it."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


@cache
def shared_saleor_dir() -> Path | None:
    candidates = []
    if os.environ.get("LOJAL_SHARED_DIR"):
        candidates.append(Path(os.environ["LOJAL_SHARED_DIR"]) / "saleor")
    candidates += [REPO_ROOT.parent / "shared" / "saleor", Path("/work/shared/saleor")]
    for candidate in candidates:
        if (candidate / "schema.graphql").is_file():
            return candidate
    return None


def schema_path() -> Path | None:
    directory = shared_saleor_dir()
    return directory / "schema.graphql" if directory else None


def deliveries_dir() -> Path | None:
    directory = shared_saleor_dir()
    if directory and (directory / "deliveries").is_dir():
        return directory / "deliveries"
    return None


def require_schema() -> Path:
    path = schema_path()
    if path is None:
        pytest.skip(
            "Saleor's schema.graphql is not here (../shared/saleor/); CI has it, set LOJAL_SHARED_DIR"
        )
    return path


def require_deliveries() -> Path:
    path = deliveries_dir()
    if path is None:
        pytest.skip("the recorded Saleor deliveries are not here (../shared/saleor/deliveries/); CI has them")
    return path
