from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, BigId, UTCDateTime, utcnow


class Installation(Base):
    __tablename__ = "installations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # Saleor's own key for a store: the exact `Saleor-Api-Url` it sends (PLATFORM.md §7).
    saleor_api_url: Mapped[str] = mapped_column(sa.String(512), unique=True)
    saleor_domain: Mapped[str | None] = mapped_column(sa.String(255))
    saleor_schema_version: Mapped[str | None] = mapped_column(sa.String(32))
    app_id: Mapped[str] = mapped_column(sa.String(255))
    token_encrypted: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    jwks: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    jwks_fetched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    is_active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    installed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    uninstalled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:  # never print the token
        return f"Installation(id={self.id}, saleor_api_url={self.saleor_api_url!r}, active={self.is_active})"
