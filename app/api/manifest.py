"""The app manifest Saleor reads at install: `manifest.json` with URLs, version and webhooks filled in."""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any

from app.settings import PROJECT_ROOT, Settings
from app.version import package_version
from webhooks.definitions import WEBHOOKS

MANIFEST_TEMPLATE = PROJECT_ROOT / "manifest.json"
URL_KEYS = ("appUrl", "tokenTargetUrl", "dataPrivacyUrl", "homepageUrl", "supportUrl")


@cache
def _template() -> dict[str, Any]:
    template: dict[str, Any] = json.loads(MANIFEST_TEMPLATE.read_text())
    return template


def _schema_version_at_least(schema_version: str | None, major: int, minor: int) -> bool:
    if not schema_version:
        return False
    try:
        parts = [int(part) for part in schema_version.split(".")[:2]]
    except ValueError:
        return False
    return [*parts, 0][:2] >= [major, minor]


def build_manifest(settings: Settings, *, saleor_schema_version: str | None = None) -> dict[str, Any]:
    manifest = copy.deepcopy(_template())
    base = settings.app_url
    manifest["version"] = package_version()
    for key in URL_KEYS:
        if isinstance(manifest.get(key), str) and manifest[key].startswith("/"):
            manifest[key] = base + manifest[key]
    logo = manifest.get("brand", {}).get("logo", {})
    if isinstance(logo.get("default"), str) and logo["default"].startswith("/"):
        logo["default"] = base + logo["default"]
    # Saleor 3.22 added widget mounts; older cores refuse unknown mounts, so they keep the popup.
    if _schema_version_at_least(saleor_schema_version, 3, 22):
        for extension in manifest.get("extensions", []):
            if extension.get("mount") == "CUSTOMER_DETAILS_MORE_ACTIONS":
                extension["mount"] = "CUSTOMER_DETAILS_WIDGETS"
                extension["target"] = "WIDGET"
    manifest["webhooks"] = [definition.manifest_entry(base) for definition in WEBHOOKS]
    return manifest
