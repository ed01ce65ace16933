"""Lojal's version, as installed (the manifest, the log and the home page show it)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version


def package_version() -> str:
    try:
        return version("lojal")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0.0.0+source"
