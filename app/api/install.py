"""Manifest and registration: what Saleor calls while a shop owner installs Lojal."""

from __future__ import annotations

from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from app.api.deps import GatewayDep, SessionDep, SettingsDep
from app.api.manifest import build_manifest
from app.errors import BadRequest, LojalError
from app.installations import service as installations

log = structlog.get_logger(__name__)
router = APIRouter(tags=["install"])


class RegisterBody(BaseModel):
    auth_token: str


@router.get("/api/manifest", summary="The app manifest Saleor installs from")
async def manifest(
    settings: SettingsDep,
    saleor_schema_version: Annotated[str | None, Header(alias="saleor-schema-version")] = None,
) -> dict[str, Any]:
    return build_manifest(settings, saleor_schema_version=saleor_schema_version)


@router.post("/api/register", summary="Saleor hands over the app token here on install")
async def register(
    request: Request,
    session: SessionDep,
    gateway: GatewayDep,
    saleor_api_url: Annotated[str | None, Header(alias="saleor-api-url")] = None,
    saleor_domain: Annotated[str | None, Header(alias="saleor-domain")] = None,
    saleor_schema_version: Annotated[str | None, Header(alias="saleor-schema-version")] = None,
) -> JSONResponse:
    # Answers follow app-sdk's register handler ({"success", "error": {code, message}}): Saleor shows
    # error.message to the shop owner in the Dashboard when an install fails.
    try:
        if not saleor_api_url:
            raise BadRequest("the saleor-api-url header is missing")
        try:
            body = RegisterBody.model_validate_json(await request.body())
        except ValidationError as exc:
            raise BadRequest("the body must be JSON with an auth_token") from exc
        await installations.register_installation(
            session,
            gateway,
            saleor_api_url=saleor_api_url,
            auth_token=body.auth_token,
            saleor_domain=saleor_domain,
            saleor_schema_version=saleor_schema_version,
        )
    except LojalError as exc:
        # One answer for every failure (app-sdk's shape: Saleor shows error.message to the shop owner);
        # what went wrong is in the log, never in the answer a prober reads.
        if not isinstance(exc, installations.RegistrationFailed):
            log.warning("registration_failed", reason=exc.error)
        failed = installations.RegistrationFailed(installations.REGISTRATION_FAILED)
        return JSONResponse(
            {
                "success": False,
                "error": {"code": failed.error, "message": failed.detail},
                "detail": failed.detail,
            },
            status_code=failed.status_code,
        )
    return JSONResponse({"success": True})
