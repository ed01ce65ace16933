"""The Loyalty tab: the built front end (dashboard_ui/dist) served at the manifest's appUrl."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse, Response

from app.settings import PROJECT_ROOT

router = APIRouter(tags=["dashboard"], include_in_schema=False)

DIST = PROJECT_ROOT / "dashboard_ui" / "dist"

NOT_BUILT = """<!doctype html><html lang=en><meta charset=utf-8><title>Lojal</title>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;line-height:1.5">
<h1>Lojal is installed</h1>
<p>Points are being collected from your store's orders. This deployment was started without the
Loyalty tab's front end (<code>dashboard_ui/</code> was not built); run <code>make run</code> or use the
Docker image to get it.</p></body></html>"""


def _asset(path: str) -> Response | None:
    candidate = (DIST / path).resolve()
    if path and candidate.is_file() and candidate.is_relative_to(DIST.resolve()):
        return FileResponse(candidate)
    return None


@router.get("/app")
@router.get("/app/{path:path}")
async def dashboard(path: str = "") -> Response:
    asset = _asset(path)
    if asset is not None:
        return asset
    index = DIST / "index.html"
    if index.is_file():
        # Client-side routes (/app/loyalty, /app/customer, ...) all load the single-page app.
        return FileResponse(index, headers={"Cache-Control": "no-cache"})
    return HTMLResponse(NOT_BUILT)
