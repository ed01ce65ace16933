"""Path, query and header parameters, bounded where they are parsed (see `app/bounds.py`): an id the
tables cannot hold or text PostgreSQL cannot store is a 422 naming the parameter, never a 500."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from app.bounds import INT64_MAX, Text

# A row id in a path: /rewards/{reward_id}, /members/{member_id}, …
PathId = Annotated[int, Path(ge=1, le=INT64_MAX)]
# A row id in a query string (?member_id=…).
QueryId = Annotated[int, Query(ge=1, le=INT64_MAX)]
# A Saleor global id or slug in a path.
PathText = Annotated[Text, Path(min_length=1, max_length=255)]
