"""Register, re-install and uninstall; look installations up by the URL Saleor sends."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
import structlog
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import utcnow
from app.errors import Forbidden, LojalError, SaleorUnavailable, Unauthorized
from app.installations.models import Installation
from app.program import service as programs
from app.saleor.gateway import SaleorGateway
from app.saleor.transport import SaleorGraphQLError

log = structlog.get_logger(__name__)


class SaleorUrlProhibited(Forbidden):
    error = "saleor_url_prohibited"


class UnknownAppId(Unauthorized):
    error = "unknown_app_id"


class RegistrationFailed(LojalError):
    """Every failed registration answers the same: the answer must not tell a prober whether a host or
    port exists. The reason goes to the log."""

    status_code = 400
    error = "registration_failed"


REGISTRATION_FAILED = (
    "Lojal could not confirm this Saleor, so nothing was installed. Check that this Lojal accepts "
    "installs from your Saleor (ALLOWED_SALEOR_API_URLS) and can reach it, then install again."
)


async def get_active_installation(session: AsyncSession, saleor_api_url: str) -> Installation | None:
    result = await session.execute(
        sa.select(Installation).where(
            Installation.saleor_api_url == saleor_api_url, Installation.is_active.is_(True)
        )
    )
    return result.scalar_one_or_none()


async def list_active_installations(session: AsyncSession) -> list[Installation]:
    result = await session.execute(
        sa.select(Installation).where(Installation.is_active.is_(True)).order_by(Installation.id)
    )
    return list(result.scalars())


async def _prove(gateway: SaleorGateway, saleor_api_url: str, auth_token: str) -> tuple[str, dict[str, Any]]:
    """The app's id and the store's keys, from a Saleor the settings allow and whose token works."""
    if not gateway.settings.saleor_api_url_allowed(saleor_api_url):
        raise SaleorUrlProhibited(f"this Lojal does not accept installs from {saleor_api_url}")

    client = gateway.client_with_token(saleor_api_url, auth_token)
    try:
        app = await client.lojal_app_id()
    except (SaleorGraphQLError, ValidationError) as exc:
        raise UnknownAppId("Saleor did not accept the app token") from exc
    except SaleorUnavailable as exc:
        raise SaleorUnavailable(
            f"Lojal could not reach Saleor at {saleor_api_url} to confirm the app token"
        ) from exc
    if app is None or not app.id:
        raise UnknownAppId("Saleor did not return the app's id for this token")
    return app.id, await gateway.fetch_jwks(saleor_api_url)


async def register_installation(
    session: AsyncSession,
    gateway: SaleorGateway,
    *,
    saleor_api_url: str,
    auth_token: str,
    saleor_domain: str | None,
    saleor_schema_version: str | None,
) -> Installation:
    """Prove the token against Saleor, fetch its JWKS, then store (or replace) the installation.

    Nothing is written until both Saleor calls succeeded, so a failed install leaves no trace; any
    failure answers `RegistrationFailed`, the same for every cause."""
    try:
        app_id, jwks = await _prove(gateway, saleor_api_url, auth_token)
    except LojalError as exc:
        log.warning("registration_failed", reason=exc.error, detail=exc.detail[:300])
        raise RegistrationFailed(REGISTRATION_FAILED) from None
    now = utcnow()
    token_encrypted = gateway.cipher.encrypt(auth_token)

    existing = (
        await session.execute(
            sa.select(Installation)
            .where(Installation.saleor_api_url == saleor_api_url)
            .with_for_update(key_share=True)
        )
    ).scalar_one_or_none()
    if existing is None:
        installation = Installation(
            saleor_api_url=saleor_api_url,
            saleor_domain=saleor_domain,
            saleor_schema_version=saleor_schema_version,
            app_id=app_id,
            token_encrypted=token_encrypted,
            jwks=jwks,
            jwks_fetched_at=now,
            is_active=True,
            installed_at=now,
            updated_at=now,
        )
        session.add(installation)
    else:
        # Re-install: Saleor made a new app (new id, new token); the store's loyalty data stays.
        installation = existing
        installation.app_id = app_id
        installation.token_encrypted = token_encrypted
        installation.jwks = jwks
        installation.jwks_fetched_at = now
        installation.saleor_domain = saleor_domain
        installation.saleor_schema_version = saleor_schema_version
        installation.is_active = True
        installation.uninstalled_at = None
        installation.updated_at = now
    await session.flush()
    # The program row exists from the start, so webhooks never race to create it while they hold
    # member locks (that ordering deadlocked under concurrent deliveries on PostgreSQL).
    await programs.get_program(session, installation.id)
    log.info(
        "installation_registered",
        installation_id=installation.id,
        saleor_api_url=saleor_api_url,
        app_id=app_id,
        reinstall=existing is not None,
    )
    return installation


async def uninstall(session: AsyncSession, installation: Installation) -> None:
    """Deactivate and destroy the token; members and ledger stay for the books."""
    installation.is_active = False
    installation.token_encrypted = None
    installation.uninstalled_at = utcnow()
    log.info("installation_uninstalled", installation_id=installation.id)
