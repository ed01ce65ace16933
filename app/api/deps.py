"""Dependencies of the HTTP layer: the request's database session, and who is calling (the Dashboard's
staff user, a shopper, or a Saleor store)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

import structlog
from fastapi import Depends, Header, Request
from sqlalchemy.ext.asyncio import AsyncSession

from app.bounds import Text
from app.db import Database
from app.errors import Forbidden, Unauthorized
from app.installations import service as installations
from app.installations.models import Installation
from app.saleor.gateway import SaleorGateway
from app.saleor.jwks import InvalidToken, JwksVerifier
from app.settings import Settings


class UnknownInstallation(Unauthorized):
    error = "unknown_installation"


class MissingPermission(Forbidden):
    error = "missing_permission"


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_gateway(request: Request) -> SaleorGateway:
    gateway: SaleorGateway = request.app.state.saleor
    return gateway


def get_verifier(request: Request) -> JwksVerifier:
    verifier: JwksVerifier = request.app.state.jwks
    return verifier


def get_database(request: Request) -> Database:
    database: Database = request.app.state.db
    return database


async def get_session(database: Annotated[Database, Depends(get_database)]) -> AsyncIterator[AsyncSession]:
    # Used with scope="function" so the commit runs before the answer is sent: a webhook whose
    # commit failed must not have been answered 2xx.
    async with database.transaction() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
GatewayDep = Annotated[SaleorGateway, Depends(get_gateway)]
VerifierDep = Annotated[JwksVerifier, Depends(get_verifier)]


DatabaseDep = Annotated[Database, Depends(get_database)]
# Looked up in the database: text it can store, as long as the column.
SaleorApiUrlHeader = Annotated[Text | None, Header(alias="saleor-api-url", max_length=512)]


async def installation_for(session: AsyncSession, saleor_api_url: str | None) -> Installation:
    """The active installation a request names in its saleor-api-url header, or 401."""
    if not saleor_api_url:
        raise UnknownInstallation("the saleor-api-url header is missing")
    installation = await installations.get_active_installation(session, saleor_api_url)
    if installation is None:
        raise UnknownInstallation("Lojal is not installed in this Saleor")
    structlog.contextvars.bind_contextvars(installation_id=installation.id)
    return installation


async def _verified_claims(
    database: Database, verifier: JwksVerifier, saleor_api_url: str | None, token: str, audience: str | None
) -> tuple[Installation, dict[str, Any]]:
    """Find the store and verify a Saleor-issued token for it, in a short transaction of its own.

    Auth never shares the route's transaction: the route's session begins only when it first touches
    the database, after this has committed (which also stores a refetched JWKS).
    """
    async with database.transaction() as session:
        installation = await installation_for(session, saleor_api_url)
        claims = await verifier.decode_token(installation, token, audience=audience)
    return installation, claims


@dataclass(frozen=True)
class StaffUser:
    """A staff member using the Loyalty tab, as the Dashboard token describes them."""

    installation: Installation
    user_id: str
    email: str | None
    permissions: frozenset[str]
    claims: dict[str, Any] = field(repr=False, compare=False)

    @property
    def audit_label(self) -> str:
        return self.email or self.user_id


@dataclass(frozen=True)
class Shopper:
    """A logged-in shopper, as their own Saleor access token describes them."""

    installation: Installation
    user_id: str
    email: str | None
    claims: dict[str, Any] = field(repr=False, compare=False)


def require_staff(*permissions: str) -> Callable[..., Awaitable[StaffUser]]:
    """Dashboard auth per app-sdk's convention: `authorization-bearer` + `saleor-api-url` headers."""
    required = frozenset(permissions)

    async def dependency(
        database: DatabaseDep,
        verifier: VerifierDep,
        saleor_api_url: SaleorApiUrlHeader = None,
        token: Annotated[str | None, Header(alias="authorization-bearer")] = None,
    ) -> StaffUser:
        if not saleor_api_url:
            raise UnknownInstallation("the saleor-api-url header is missing")
        if not token:
            raise InvalidToken("the authorization-bearer header is missing")
        installation, claims = await _verified_claims(database, verifier, saleor_api_url, token, None)
        if claims.get("type") != "thirdparty":
            raise InvalidToken("not a Dashboard app token")
        if claims.get("app") != installation.app_id:
            raise InvalidToken("the token was issued for another app")
        user_id = claims.get("user_id")
        if not isinstance(user_id, str) or not claims.get("is_staff"):
            raise InvalidToken("the token does not name a staff user")
        granted = claims.get("user_permissions") or []
        if not isinstance(granted, list):
            raise InvalidToken("the token's permissions are unreadable")
        missing = required - set(granted)
        if missing:
            raise MissingPermission(
                "this needs the Saleor permission " + ", ".join(sorted(missing)),
                extra={"missing_permissions": sorted(missing)},
            )
        structlog.contextvars.bind_contextvars(staff_user_id=user_id)
        email = claims.get("email")
        return StaffUser(
            installation=installation,
            user_id=user_id,
            email=email if isinstance(email, str) else None,
            permissions=frozenset(str(p) for p in granted),
            claims=claims,
        )

    return dependency


async def current_shopper(
    database: DatabaseDep,
    verifier: VerifierDep,
    settings: SettingsDep,
    saleor_api_url: SaleorApiUrlHeader = None,
    authorization: Annotated[str | None, Header()] = None,
) -> Shopper:
    if not saleor_api_url:
        raise UnknownInstallation("the saleor-api-url header is missing")
    if not authorization or not authorization.lower().startswith("bearer "):
        raise InvalidToken("send the shopper's Saleor access token as 'Authorization: Bearer <token>'")
    token = authorization.split(" ", 1)[1].strip()
    installation, claims = await _verified_claims(
        database, verifier, saleor_api_url, token, settings.shopper_token_audience
    )
    if claims.get("type") != "access":
        raise InvalidToken("not a Saleor access token (refresh and app tokens are refused)")
    user_id = claims.get("user_id")
    if not isinstance(user_id, str) or not user_id:
        raise InvalidToken("the token does not name a user")
    email = claims.get("email")
    return Shopper(
        installation=installation,
        user_id=user_id,
        email=email.strip().lower() if isinstance(email, str) else None,
        claims=claims,
    )


ShopperDep = Annotated[Shopper, Depends(current_shopper)]
