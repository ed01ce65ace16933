"""Who may install Lojal, and where Lojal may send requests: the allow-list is matched part by part,
and no request goes to a private, loopback or metadata address unless the operator allows it. Each
refusal happens before anything is sent, and every refused registration answers the same."""

from __future__ import annotations

import httpx
import pytest

from app.db import Database
from app.main import create_app
from app.netguard import AddressPolicy, UrlPattern, UrlRefused, url_allowed
from app.settings import Settings
from tests.api.test_install import _installations, assert_refused
from tests.fake_saleor import FakeNetwork, FakeSaleor
from tests.helpers import install

CLOUD = "https://*.saleor.cloud/graphql/"


class TestAllowList:
    @pytest.mark.parametrize(
        "url",
        [
            "https://10.0.0.5:5432/.saleor.cloud/graphql/",
            "https://attacker.example/?.saleor.cloud/graphql/",
            "https://user@host/x.saleor.cloud/graphql/",
            "https://acme.saleor.cloud.attacker.example/graphql/",
            "https://a.b.saleor.cloud/graphql/",  # a * is one label, not several
            "https://.saleor.cloud/graphql/",
            "http://acme.saleor.cloud/graphql/",
            "https://acme.saleor.cloud:8443/graphql/",
            "https://acme.saleor.cloud/graphql/x",
            "https://acme.saleor.cloud/graphql/#frag",
            "https://acme.saleor.cloud/graphql/?",
            "https://user:pw@acme.saleor.cloud/graphql/",
            "ftp://acme.saleor.cloud/graphql/",
        ],
    )
    def test_urls_the_cloud_pattern_refuses(self, url: str) -> None:
        assert not url_allowed(url, [UrlPattern.parse(CLOUD)])

    @pytest.mark.parametrize(
        "url",
        [
            "https://acme.saleor.cloud/graphql/",
            "https://ACME.saleor.cloud/graphql/",
            "https://x.saleor.cloud:443/graphql/",
        ],
    )
    def test_urls_the_cloud_pattern_admits(self, url: str) -> None:
        assert url_allowed(url, [UrlPattern.parse(CLOUD)])

    @pytest.mark.parametrize(
        "pattern",
        ["https://acme*.saleor.cloud/graphql/", "https://x.saleor.cloud/*/", "saleor.cloud", "https://u@x/"],
    )
    def test_patterns_that_cannot_mean_a_saleor_are_refused_at_start_up(self, pattern: str) -> None:
        with pytest.raises(UrlRefused):
            UrlPattern.parse(pattern)

    @pytest.mark.parametrize(
        "url",
        [
            "https://10.0.0.5:5432/.saleor.cloud/graphql/",
            "https://attacker.example/?.saleor.cloud/graphql/",
            "https://user@host/x.saleor.cloud/graphql/",
        ],
    )
    async def test_registration_with_a_bypass_url_sends_nothing(
        self, settings: Settings, database: Database, network: FakeNetwork, url: str
    ) -> None:
        host = httpx.URL(url).host
        target = network.add(FakeSaleor(host=host, app_id="QXBwOjE=", key_slot=0))
        restricted = settings.model_copy(update={"allowed_saleor_api_urls": [CLOUD]})
        async with _client(restricted, database, network) as http:
            response = await http.post(
                "/api/register", json={"auth_token": target.app_token}, headers={"Saleor-Api-Url": url}
            )
        assert_refused(response)
        assert (target.calls, target.jwks_fetches, network.resolved) == ([], 0, [])  # nothing was sent
        assert await _installations(database) == []


class TestPrivateAddresses:
    @pytest.mark.parametrize(
        ("address", "loopback_allowed", "allowed"),
        [
            ("10.0.0.5", False, False),
            ("192.168.1.10", False, False),
            ("172.16.0.1", False, False),
            ("100.64.0.1", False, False),  # shared address space
            ("169.254.169.254", False, False),  # the cloud metadata service
            ("127.0.0.1", False, False),
            ("::1", False, False),
            ("fd00:ec2::254", False, False),  # AWS's IPv6 metadata address
            ("::ffff:10.0.0.5", False, False),  # an IPv4 address in IPv6 clothing
            ("0.0.0.0", False, False),  # noqa: S104 - an address to refuse, not one to bind
            ("127.0.0.1", True, True),
            ("10.0.0.5", True, False),
            ("93.184.215.14", False, True),
            ("2606:4700::6810:84e5", False, True),
        ],
    )
    def test_the_policy(self, address: str, loopback_allowed: bool, allowed: bool) -> None:
        assert AddressPolicy(allow_loopback=loopback_allowed).allows(address) is allowed
        assert AddressPolicy(filter_enabled=False).allows(address)

    @pytest.mark.parametrize(
        ("host", "addresses"),
        [
            ("internal.example", ["10.0.0.5"]),
            ("metadata.example", ["169.254.169.254"]),
            ("mixed.example", ["93.184.215.14", "127.0.0.1"]),  # one bad address is enough
            ("127.0.0.1", None),
            ("[::1]", None),
            ("169.254.169.254", None),
        ],
    )
    async def test_registration_never_calls_a_private_saleor(
        self,
        client: httpx.AsyncClient,
        network: FakeNetwork,
        database: Database,
        host: str,
        addresses: list[str] | None,
    ) -> None:
        target = network.add(FakeSaleor(host=host.strip("[]"), app_id="QXBwOjE=", key_slot=0))
        if addresses is not None:
            network.addresses[host] = addresses
        url = f"https://{host}/graphql/"
        response = await client.post(
            "/api/register", json={"auth_token": target.app_token}, headers={"Saleor-Api-Url": url}
        )
        assert_refused(response)
        assert (target.calls, target.jwks_fetches) == ([], 0)
        assert await _installations(database) == []

    async def test_a_local_saleor_installs_when_the_operator_allows_it(
        self, settings: Settings, database: Database, network: FakeNetwork
    ) -> None:
        local = network.add(FakeSaleor(host="127.0.0.1", app_id="QXBwOjE=", key_slot=0))
        for update, works in (
            ({}, False),
            ({"http_ip_filter_allow_loopback_ips": True}, True),
            ({"http_ip_filter_enabled": False}, True),
        ):
            async with _client(settings.model_copy(update=update), database, network) as http:
                response = await install(http, local)
            assert (response.status_code == 200) is works, response.text

    async def test_every_failed_registration_answers_the_same(
        self, client: httpx.AsyncClient, network: FakeNetwork, saleor: FakeSaleor
    ) -> None:
        """A prober cannot tell a closed port from an open one, a private address or a wrong token."""
        network.addresses["internal.example"] = ["10.0.0.5"]
        answers = [
            await client.post(
                "/api/register",
                json={"auth_token": "x"},
                headers={"Saleor-Api-Url": "https://nowhere.example/graphql/"},
            ),
            await client.post(
                "/api/register",
                json={"auth_token": "x"},
                headers={"Saleor-Api-Url": "https://internal.example/graphql/"},
            ),
            await client.post(
                "/api/register", json={"auth_token": "x"}, headers={"Saleor-Api-Url": saleor.api_url}
            ),
            await client.post(
                "/api/register", json={"auth_token": "x"}, headers={"Saleor-Api-Url": "https://[bad/graphql/"}
            ),
        ]
        for answer in answers:
            assert_refused(answer)

    async def test_calls_to_an_installed_saleor_are_guarded_too(
        self, client: httpx.AsyncClient, installed: FakeSaleor, network: FakeNetwork
    ) -> None:
        """A store whose name later resolves to a private address gets no more calls from Lojal."""
        network.addresses[installed.host] = ["10.0.0.5"]
        checkout_id = installed.add_checkout()
        from tests.redemption.test_paths import redeem

        before = len(installed.calls)
        response = await redeem(client, installed, checkout_id, points=100)
        assert response.status_code == 502
        assert len(installed.calls) == before


def _client(settings: Settings, database: Database, network: FakeNetwork) -> httpx.AsyncClient:
    app = create_app(settings, database=database, saleor_transport=network)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://lojal.test")
