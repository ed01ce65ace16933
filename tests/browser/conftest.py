"""Fixtures of the browser tests: the live app + stand-in Dashboard (one per run of this package, seeded
once), Debian's Chromium driven by Playwright's sync API, and helpers to open a page in the Dashboard.

Without Chromium (or the built front end) the tests are skipped with the reason — except in CI
(CI=true), where that fails the run.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from app import clock
from app.db import Database
from app.main import create_app
from app.settings import PROJECT_ROOT, Settings
from tests.browser.harness import LiveServers, Store, dashboard_app, free_socket, port_of, seed_store
from tests.conftest import SECRET_KEY, empty_tables
from tests.fake_saleor import FakeNetwork, FakeSaleor
from tests.helpers import deliver, staff_headers

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Frame, FrameLocator, Page, Playwright

try:  # the tests import `expect` from here, so they load (and skip, below) without Playwright
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - only without the dev extra
    expect = None  # type: ignore[assignment]

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
DIST_INDEX = PROJECT_ROOT / "dashboard_ui" / "dist" / "index.html"
ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return f"Chromium is not installed at {CHROMIUM} (make test installs Debian's chromium)"
    if importlib.util.find_spec("playwright") is None:
        return "the Python package playwright is not installed (make test installs it: uv sync --frozen)"
    if not DIST_INDEX.is_file():
        return "the front end is not built (make ui, or cd dashboard_ui && npm ci && npm run build)"
    return None


@pytest.fixture(scope="package", autouse=True)
def _browser_tools() -> None:
    missing = _missing()
    if missing is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests cannot run in CI: {missing}")
    pytest.skip(f"browser tests skipped: {missing}")


@pytest.fixture(autouse=True)
def _clean_state() -> Iterator[None]:
    """Replaces the suite's per-test cleanup: these tests share one seeded store (emptied at the end)."""
    clock.reset()
    yield
    clock.reset()


@dataclass
class Live:
    servers: LiveServers
    app_url: str
    dashboard_url: str
    saleor: FakeSaleor
    store: Store
    database: Database

    def staff_headers(self, **token: Any) -> dict[str, str]:
        return staff_headers(self.saleor, **token)

    def deliver(self, event: str, payload: dict[str, Any]) -> None:
        """A signed webhook delivery to the running app (on the servers' loop)."""

        async def send() -> httpx.Response:
            async with httpx.AsyncClient(base_url=self.app_url, timeout=30) as client:
                return await deliver(client, self.saleor, event, payload)

        response = self.servers.call(send())
        assert response.status_code == 200, response.text

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """The admin API over real HTTP, as staff (to check what the UI did)."""
        with httpx.Client(base_url=self.app_url, timeout=30) as client:
            return client.request(method, path, headers=self.staff_headers(), **kwargs)

    def dashboard(self, path: str, *, theme: str = "light", locale: str = "en", answer: bool = True) -> str:
        query = httpx.QueryParams(
            {"path": path, "theme": theme, "locale": locale, "answer": "1" if answer else "0"}
        )
        return f"{self.dashboard_url}/?{query}"


@pytest.fixture(scope="package")
def live(_browser_tools: None, database_url: str, database: Database) -> Iterator[Live]:
    # `database` ran the migrations; the served app gets an engine of its own, on the servers' loop.
    network = FakeNetwork()
    saleor = network.add(FakeSaleor(host="shop-a.saleor.test", app_id="QXBwOjE=", key_slot=0))
    app_socket, dashboard_socket = free_socket(), free_socket()
    app_url = f"http://127.0.0.1:{port_of(app_socket)}"
    dashboard_url = f"http://localhost:{port_of(dashboard_socket)}"  # another origin, as in production
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        app_url=app_url,
        database_url=database_url,
        secret_key=SECRET_KEY,
        worker_in_process=False,
        jwks_refetch_interval_seconds=0,
        saleor_query_retries=1,
        log_json=True,
    )
    app_db = Database(database_url)
    servers = LiveServers(
        [
            (create_app(settings, database=app_db, saleor_transport=network), app_socket),
            (dashboard_app(saleor, app_url), dashboard_socket),
        ]
    )
    servers.start()
    try:
        store = servers.call(seed_store(app_url, saleor))
        yield Live(servers, app_url, dashboard_url, saleor, store, app_db)
    finally:
        try:
            servers.call(empty_tables(app_db))
            servers.call(app_db.dispose())
        finally:
            servers.stop()
    assert saleor.invalid_documents == [], saleor.invalid_documents


@pytest.fixture(scope="package")
def playwright_instance(live: Live) -> Iterator[Playwright]:
    # Started after `live` (and so after the suite's async database fixtures): while Playwright's sync API
    # is alive it marks its own loop as running in this thread.
    from playwright.sync_api import sync_playwright

    manager = sync_playwright().start()
    try:
        yield manager
    finally:
        manager.stop()


@pytest.fixture(scope="package")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    # launch() gives Chromium a fresh temporary profile (user data dir) of its own, removed on close.
    browser = playwright_instance.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield page
    finally:
        context.close()
    assert errors == [], f"uncaught errors in the page: {errors}"


@pytest.fixture(scope="package")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def open_in_dashboard(page: Page, live: Live, path: str, *, theme: str = "light", ready: str) -> Frame:
    """Opens the stand-in Dashboard with the app at `path` and waits for `ready` (a selector) in the app."""
    page.goto(live.dashboard(path, theme=theme))
    app_frame = page.frame_locator("#app")
    app_frame.locator(ready).first.wait_for()
    frame = page.frame(name="app")
    assert frame is not None
    return frame


def app_frame(page: Page) -> FrameLocator:
    return page.frame_locator("#app")


def notifications(page: Page) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = page.evaluate("window.dashboard.notifications")
    return result


def screenshot(page: Page, artifacts: Path, name: str) -> Path:
    """The whole app page. The app runs in a cross-origin (out-of-process) iframe, which paints only what
    is on screen: the iframe is stretched to its content and the viewport to the page, then restored."""
    frame = page.frame(name="app")
    assert frame is not None
    viewport = page.viewport_size or {"width": 1280, "height": 900}
    height = max(int(frame.evaluate("document.documentElement.scrollHeight")), viewport["height"])
    page.evaluate("h => { document.getElementById('app').style.height = h + 'px'; }", height)
    page.set_viewport_size({"width": viewport["width"], "height": height})
    # Let the frame lay out and paint at its new size before the picture is taken.
    frame.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    path = artifacts / f"{name}.png"
    page.screenshot(path=str(path))
    page.set_viewport_size(viewport)
    page.evaluate("() => { document.getElementById('app').style.height = ''; }")
    return path
