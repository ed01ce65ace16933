"""Where Lojal may send requests.

- A Saleor API URL is checked against the operator's allow-list (`ALLOWED_SALEOR_API_URLS`) part by
  part: scheme, host (a `*` matches exactly one DNS label), port and path. A URL with a user, a query
  or a fragment is never a Saleor API URL.
- No request goes to a loopback, private, link-local (cloud metadata), shared or reserved address,
  unless the operator allows it, like Saleor's own `HTTP_IP_FILTER_*` settings: a local development
  Saleor needs `HTTP_IP_FILTER_ENABLED=false` or `HTTP_IP_FILTER_ALLOW_LOOPBACK_IPS=true`. Every call to
  a Saleor goes through `GuardedTransport`, which checks what the host resolves to before connecting.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from typing import Protocol, runtime_checkable
from urllib.parse import SplitResult, urlsplit

import httpx

DEFAULT_PORTS = {"http": 80, "https": 443}


class UrlRefused(ValueError):
    """The URL cannot be a Saleor API URL Lojal talks to; the message says why (for the operator's log)."""


def split_saleor_url(url: str) -> SplitResult:
    """The URL's parts, or UrlRefused when it has anything a Saleor API URL never has."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UrlRefused(f"not a URL: {exc}") from None
    if parts.scheme not in DEFAULT_PORTS:
        raise UrlRefused("only http and https URLs")
    if not parts.hostname:
        raise UrlRefused("no host")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise UrlRefused("a user or password in the URL")
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        raise UrlRefused("a query or fragment")
    if port == 0:
        raise UrlRefused("port 0")
    return parts


def _port(parts: SplitResult) -> int:
    return parts.port if parts.port is not None else DEFAULT_PORTS[parts.scheme]


@dataclass(frozen=True)
class UrlPattern:
    """One allow-list entry, e.g. `https://*.saleor.cloud/graphql/`."""

    scheme: str
    host_labels: tuple[str, ...]
    port: int
    path: str

    @classmethod
    def parse(cls, text: str) -> UrlPattern:
        # A `*` is not valid in a host name, so it is swapped out while the URL is parsed.
        parts = split_saleor_url(text.replace("*", "wildcard--"))
        hostname = parts.hostname or ""
        labels = tuple(label.replace("wildcard--", "*") for label in hostname.split("."))
        if any("*" in label and label != "*" for label in labels):
            raise UrlRefused(
                "a * stands for one whole label of the host, e.g. https://*.saleor.cloud/graphql/"
            )
        if "wildcard--" in parts.path:
            raise UrlRefused("only the host may hold a *")
        return cls(parts.scheme, labels, _port(parts), parts.path or "/")

    def matches(self, parts: SplitResult) -> bool:
        labels = tuple((parts.hostname or "").split("."))
        return (
            parts.scheme == self.scheme
            and len(labels) == len(self.host_labels)
            and all(want == "*" or want == got for want, got in zip(self.host_labels, labels, strict=True))
            and all(labels)
            and _port(parts) == self.port
            and (parts.path or "/") == self.path
        )


def url_allowed(url: str, patterns: list[UrlPattern]) -> bool:
    """True when the URL is a clean Saleor API URL that some pattern allows (or no pattern is set)."""
    try:
        parts = split_saleor_url(url)
    except UrlRefused:
        return False
    return not patterns or any(pattern.matches(parts) for pattern in patterns)


@dataclass(frozen=True)
class AddressPolicy:
    """Which IP addresses requests may go to (Saleor's HTTP_IP_FILTER_* settings, same meaning)."""

    filter_enabled: bool = True
    allow_loopback: bool = False

    def allows(self, address: str) -> bool:
        if not self.filter_enabled:
            return True
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if ip.is_loopback:
            return self.allow_loopback
        # Private, link-local (169.254.169.254, the cloud metadata service), shared (100.64/10),
        # reserved, multicast and unspecified addresses are not the public internet.
        return ip.is_global and not ip.is_multicast


class DestinationRefused(httpx.ConnectError):
    """The host resolves to an address the policy refuses; nothing was sent."""


@runtime_checkable
class Resolver(Protocol):
    """Says which addresses a host name stands for."""

    async def resolve(self, host: str, port: int) -> list[str]: ...


class DnsResolver:
    async def resolve(self, host: str, port: int) -> list[str]:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        return sorted({str(info[4][0]) for info in infos})


class GuardedTransport(httpx.AsyncBaseTransport):
    """Refuses a request whose host resolves to any address the policy refuses, before connecting.

    One is shared by every client of a gateway, so its connection pool outlives each client: a client
    closing it does not close the pool (`close_pool` does, at shutdown). A test network that routes
    hosts itself (it implements `Resolver`) also says what they resolve to. A name can resolve
    differently a moment later; the allow-list is what pins hosts in production."""

    def __init__(self, policy: AddressPolicy, inner: httpx.AsyncBaseTransport | None = None) -> None:
        self._policy = policy
        self._inner = inner if inner is not None else httpx.AsyncHTTPTransport()
        self._resolver: Resolver = inner if isinstance(inner, Resolver) else DnsResolver()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        port = request.url.port or DEFAULT_PORTS.get(request.url.scheme, 443)
        try:
            addresses = await self._resolver.resolve(host, port)
        except OSError as exc:
            raise httpx.ConnectError(f"cannot resolve {host}", request=request) from exc
        refused = [address for address in addresses if not self._policy.allows(address)]
        if not addresses or refused:
            raise DestinationRefused(f"{host} resolves to an address Lojal does not call", request=request)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        """Called by each client as it closes: the shared pool stays open."""

    async def close_pool(self) -> None:
        await self._inner.aclose()
