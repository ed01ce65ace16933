"""Small public pages the manifest links to: home, privacy, support, and the logo."""

from __future__ import annotations

from html import escape
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse

from app.api.deps import SettingsDep
from app.version import package_version

router = APIRouter(tags=["pages"], include_in_schema=False)

LOGO = Path(__file__).resolve().parent.parent / "static" / "logo.png"  # inside the package


def _page(title: str, body: str) -> HTMLResponse:
    return HTMLResponse(
        "<!doctype html><html lang=en><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title>"
        "<body style='font-family:system-ui,sans-serif;max-width:46rem;margin:3rem auto;line-height:1.5'>"
        f"<h1>{escape(title)}</h1>{body}</body></html>"
    )


@router.get("/logo.png")
async def logo() -> FileResponse:
    return FileResponse(LOGO, media_type="image/png")


@router.get("/")
async def home(settings: SettingsDep) -> HTMLResponse:
    manifest_url = escape(settings.app_url + "/api/manifest")
    return _page(
        "Lojal — loyalty points for Saleor",
        f"<p>Version {escape(package_version())}. To install, open your Saleor Dashboard, go to "
        f"<b>Apps → Install external app</b> and paste this manifest URL:</p>"
        f"<p><code>{manifest_url}</code></p>",
    )


@router.get("/privacy")
async def privacy() -> HTMLResponse:
    return _page(
        "Lojal and your customers' data",
        "<p>Lojal keeps, per store that installed it: each loyalty member's Saleor customer id, e-mail "
        "address, name, consent and join dates, and a ledger of points earned and spent with the orders "
        "that caused them. It keeps the order amounts it needs to compute and explain points.</p>"
        "<p>It stores the app token Saleor gives it encrypted, and never logs tokens or discount codes.</p>"
        "<p>When a customer is deleted in Saleor, Lojal erases their personal data and keeps only the "
        "anonymous point amounts the shop needs for its books. Staff can export or erase a member's data "
        "from the Loyalty tab.</p>",
    )


@router.get("/support")
async def support() -> HTMLResponse:
    return _page(
        "Lojal support",
        "<p>Most answers are in the Loyalty tab itself and in the README shipped with Lojal. "
        "For help, contact the team that runs this Lojal deployment for your store.</p>",
    )
