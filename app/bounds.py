"""What the database can hold, as pydantic types: requests are bounded where they are parsed, so a
value the columns cannot store is a 422 naming the field, never a 500 from the driver.

- ids are 64-bit (`BigId`), counts in `sa.Integer` columns 32-bit;
- text never holds NUL (PostgreSQL refuses it in text) or lone surrogates (not UTF-8 at all);
- amounts fit `Amount` (NUMERIC(20, 4), and 1/10000 units in a 64-bit integer on SQLite);
- dates and times stay between 2000 and 2100, so any arithmetic on them (a KPI period and the period
  before it, a conversion to UTC) stays within what `datetime` can represent.

Pure pydantic: the HTTP layer uses these in its parameters, the domain in its schemas.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
# Amount columns hold 16 integer digits on PostgreSQL and about 9.2e14 on SQLite; a trillion is plenty.
AMOUNT_MAX = Decimal(10**12)
FIRST_DATE = date(2000, 1, 1)
LAST_DATE = date(2100, 12, 31)

# A money amount or threshold (never negative); add gt/decimal_places on the field as needed.
Amount = Annotated[Decimal, Field(ge=0, le=AMOUNT_MAX)]

# Text PostgreSQL can store: no NUL. A pattern rather than a validator function, so it merges with the
# length and whitespace constraints a field adds (a function would run before them); it is in the OpenAPI
# document too. Lone surrogates (not UTF-8 at all) fail any constrained string already ("string_unicode").
# `app/api/errors.py` words both refusals plainly.
STORABLE_PATTERN = "^[^\\u0000]*$"
Text = Annotated[str, StringConstraints(pattern=STORABLE_PATTERN)]


def _date_in_range(value: date) -> date:
    if not FIRST_DATE <= value <= LAST_DATE:
        raise ValueError(f"must be between {FIRST_DATE} and {LAST_DATE}")
    return value


def _datetime_in_range(value: datetime) -> datetime:
    # Naive times are compared as UTC here; whether they are accepted is the field's own rule.
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    first = datetime(FIRST_DATE.year, FIRST_DATE.month, FIRST_DATE.day, tzinfo=UTC)
    end = datetime(LAST_DATE.year + 1, 1, 1, tzinfo=UTC)
    if not first <= aware < end:
        raise ValueError(f"must be between {FIRST_DATE} and {LAST_DATE}")
    return value


Date = Annotated[date, AfterValidator(_date_in_range)]
DateTime = Annotated[datetime, AfterValidator(_datetime_in_range)]
