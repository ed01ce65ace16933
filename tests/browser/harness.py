"""What the browser tests run against: the real app served by uvicorn on 127.0.0.1, a stand-in Saleor
Dashboard page on another origin (http://localhost:<port>) that embeds the app in an iframe and answers
AppBridge as Dashboard 3.23 does, and a store seeded through signed webhooks.

Both servers share one background thread with an event loop of its own; the tests (sync, with
Playwright's sync API in the main thread) reach that loop only through `LiveServers.call`.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route
from starlette.types import ASGIApp

from app.db import utcnow
from tests.factories import JANE_EMAIL, JANE_ID, Line, customer_body, order_body
from tests.fake_saleor import FakeSaleor
from tests.helpers import deliver, install, staff_headers

T = TypeVar("T")

SALEOR_VERSION = "3.24.0"
DASHBOARD_VERSION = "3.23.27"
SANDBOX = "allow-same-origin allow-forms allow-scripts allow-downloads allow-popups"


def free_socket() -> socket.socket:
    """A listening socket on a free loopback port, handed to uvicorn (no race for the port)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


def port_of(sock: socket.socket) -> int:
    return int(sock.getsockname()[1])


class LiveServers:
    """ASGI apps served by uvicorn in one background thread, each on its own loopback port."""

    def __init__(self, apps: list[tuple[ASGIApp, socket.socket]]) -> None:
        self.sockets = [sock for _, sock in apps]
        self.servers = [
            uvicorn.Server(
                uvicorn.Config(app, log_level="warning", access_log=False, lifespan="auto", ws="none")
            )
            for app, _ in apps
        ]
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, name="browser-test-servers", daemon=True)
        self.failure: BaseException | None = None

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(
                asyncio.gather(
                    *(
                        server.serve(sockets=[sock])
                        for server, sock in zip(self.servers, self.sockets, strict=True)
                    )
                )
            )
        except BaseException as exc:  # reported by start() / stop()
            self.failure = exc

    def start(self, timeout: float = 20.0) -> None:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not all(server.started for server in self.servers):
            if self.failure is not None or not self.thread.is_alive():
                raise RuntimeError(f"the test servers did not start: {self.failure!r}")
            if time.monotonic() > deadline:
                raise RuntimeError("the test servers did not start in time")
            time.sleep(0.02)

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 60.0) -> T:
        """Runs a coroutine on the servers' loop (where the app's database engine lives)."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        for server in self.servers:
            server.should_exit = True
        self.thread.join(timeout=20)
        if not self.loop.is_closed():
            self.loop.close()
        for sock in self.sockets:
            sock.close()


# --- the stand-in Dashboard -------------------------------------------------------------------------

DASHBOARD_HTML = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<title>Saleor Dashboard (test stand-in)</title>
<style>
  html, body { margin: 0; min-height: 100%; font-family: sans-serif; }
  body { display: flex; align-items: stretch; min-height: 100vh; }
  nav { width: 200px; flex: none; box-sizing: border-box; padding: 16px;
        background: #1f2228; color: #c9ccd3; }
  nav p { margin: 0 0 12px; font-size: 13px; }
  main { flex: 1; min-width: 0; }
  iframe { display: block; width: 100%; height: 100vh; border: 0; }
</style>
</head>
<body>
<nav><p><b>Saleor</b></p><p>Customers</p><p>&rsaquo; Loyalty</p><p>Apps</p></nav>
<main>
<iframe id="app" name="app" sandbox="__SANDBOX__" src="__SRC__"></iframe>
</main>
<script>
(() => {
  const config = __CONFIG__;
  const frame = document.getElementById("app");
  const state = {
    token: config.token, theme: config.theme, locale: config.locale,
    actions: [], notifications: [], handshakes: 0, loads: 0,
  };
  window.dashboard = state;

  const send = (type, payload) => frame.contentWindow.postMessage({ type, payload }, config.appOrigin);
  const handshake = () => {
    state.handshakes += 1;
    send("handshake", {
      token: state.token, version: 1,
      saleorVersion: config.saleorVersion, dashboardVersion: config.dashboardVersion,
    });
  };

  // What Dashboard 3.23 does: answer every action with `response`; on notifyReady also hand over
  // the token (the first handshake).
  window.addEventListener("message", (event) => {
    if (!config.answer) return; // a Dashboard that never answers (the app must not wait forever)
    if (event.origin !== config.appOrigin || event.source !== frame.contentWindow) return;
    const { type, payload } = event.data || {};
    state.actions.push({ type, payload });
    if (type === "notification") state.notifications.push(payload);
    if (type === "notifyReady") handshake();
    if (payload && payload.actionId) send("response", { actionId: payload.actionId, ok: true });
  });

  // On the iframe's load event: a second handshake (same token), the locale, the theme, the path.
  frame.addEventListener("load", () => {
    state.loads += 1;
    if (!config.answer) return;
    handshake();
    send("localeChanged", { locale: state.locale });
    send("theme", { theme: state.theme });
    send("redirect", { path: config.dashboardPath });
  });

  state.setTheme = (theme) => { state.theme = theme; send("theme", { theme }); };
  state.refreshToken = (token) => { state.token = token; send("tokenRefresh", { token }); };
  state.setLocale = (locale) => { state.locale = locale; send("localeChanged", { locale }); };
})();
</script>
</body>
</html>
"""


def dashboard_app(saleor: FakeSaleor, app_origin: str) -> Starlette:
    """GET /?path=/app/loyalty&theme=light&locale=en: the app in an iframe, as the Dashboard opens it
    (&answer=0: a Dashboard that never answers AppBridge)."""

    async def page(request: Request) -> HTMLResponse:
        path = request.query_params.get("path", "/app/loyalty")
        theme = request.query_params.get("theme", "light")
        locale = request.query_params.get("locale", "en")
        answer = request.query_params.get("answer", "1") == "1"
        own_path, _, own_query = path.partition("?")
        # The iframe's query: extension parameters first, then what Dashboard 3.23 adds, in its order.
        params = urlencode(
            [
                ("domain", saleor.host),
                ("saleorApiUrl", saleor.api_url),
                ("id", saleor.app_id),
                ("featureFlags[new_order_ui][enabled]", "false"),
                ("featureFlags[new_order_ui][payload]", ""),
                ("theme", theme),
            ],
            quote_via=quote,
        )
        src = f"{app_origin}{own_path}?{own_query + '&' if own_query else ''}{params}"
        config = {
            "token": saleor.dashboard_token(),
            "appOrigin": app_origin,
            "theme": theme,
            "locale": locale,
            "saleorVersion": SALEOR_VERSION,
            "dashboardVersion": DASHBOARD_VERSION,
            "answer": answer,
            "dashboardPath": f"/extensions/app/{saleor.app_id}{own_path.removeprefix('/app')}",
        }
        html = (
            DASHBOARD_HTML.replace("__SANDBOX__", SANDBOX)
            .replace("__SRC__", src.replace("&", "&amp;").replace('"', "&quot;"))
            .replace("__CONFIG__", json.dumps(config).replace("</", "<\\/"))
        )
        return HTMLResponse(html, headers={"Cache-Control": "no-store"})

    return Starlette(routes=[Route("/", page)])


# --- the seeded store -------------------------------------------------------------------------------

ANNA = ("VXNlcjox", "anna.berg@example.com", "Anna", "Berg")
BO = ("VXNlcjoy", "bo.lind@example.com", "Bo", "Lind")
JANE = (JANE_ID, JANE_EMAIL, "Jane", "Doe")
CLEO = ("VXNlcjoz", "cleo.park@example.com", "Cleo", "Park")
UNKNOWN_CUSTOMER = "VXNlcjo5OTk5"


@dataclass
class Store:
    """What the seed put in: member ids by e-mail, reward ids by name."""

    members: dict[str, int] = field(default_factory=dict)
    rewards: dict[str, int] = field(default_factory=dict)


async def seed_store(app_url: str, saleor: FakeSaleor) -> Store:
    """A small store, built the way production data arrives: signed webhooks and the admin API.

    Four customers; paid orders over the last days in USD and SEK (sverige: 0.1 point per SEK); one order
    with no customer (a non-member); Jane gets +300 points by hand so she can afford a reward; two rewards.
    """
    store = Store()
    now = utcnow()
    async with httpx.AsyncClient(base_url=app_url, timeout=30) as client:
        response = await install(client, saleor)
        assert response.status_code == 200, response.text
        headers = staff_headers(saleor)

        rule = {"currency": "SEK", "points_per_unit": "0.1", "point_value": "0.1"}
        response = await client.put("/api/admin/program/channels/sverige", json=rule, headers=headers)
        assert response.status_code == 200, response.text

        for user_id, email, first, last in (ANNA, BO, JANE, CLEO):
            body = customer_body(saleor, user_id=user_id, email=email, first_name=first, last_name=last)
            response = await deliver(client, saleor, "CUSTOMER_CREATED", body)
            assert response.status_code == 200, response.text

        orders: list[tuple[tuple[str, str, str, str] | None, tuple[str, str], int, timedelta]] = [
            (ANNA, ("default-channel", "USD"), 120, timedelta(hours=1)),
            (ANNA, ("default-channel", "USD"), 60, timedelta(days=3)),
            (BO, ("default-channel", "USD"), 40, timedelta(days=2)),
            (JANE, ("default-channel", "USD"), 74, timedelta(hours=2)),
            (JANE, ("sverige", "SEK"), 500, timedelta(days=1)),
            (None, ("default-channel", "USD"), 80, timedelta(days=1)),
        ]
        for number, (person, channel, amount, age) in enumerate(orders, start=21):
            body = order_body(
                saleor,
                order_id=f"T3JkZXI6{number}",
                number=str(number),
                user=(person[0], person[1]) if person else None,
                email=person[1] if person else None,
                channel=channel,
                lines=[Line(amount)],
            )
            body["order"]["created"] = (now - age).isoformat()
            response = await deliver(client, saleor, "ORDER_FULLY_PAID", body)
            assert response.status_code == 200, response.text

        found = (await client.get("/api/admin/members", params={"page_size": 50}, headers=headers)).json()
        store.members = {m["email"]: m["id"] for m in found["members"]}

        jane = store.members[JANE_EMAIL]
        gift = {"points": 300, "reason": "welcome gift from the shop", "idempotency_key": "seed-jane-gift"}
        response = await client.post(f"/api/admin/members/{jane}/adjustments", json=gift, headers=headers)
        assert response.status_code == 201, response.text

        rewards = [
            {"name": "5 USD off", "kind": "fixed_amount", "points_cost": 500, "amounts": {"USD": "5.00"}},
            {"name": "Free shipping", "kind": "free_shipping", "points_cost": 100},
        ]
        for reward in rewards:
            response = await client.post("/api/admin/rewards", json=reward, headers=headers)
            assert response.status_code == 201, response.text
            store.rewards[reward["name"]] = response.json()["id"]
    return store
