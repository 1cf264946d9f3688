"""Which addresses reader may connect to, checked on the address actually connected to.

The check lives in an httpcore network backend: it resolves the host once, judges every
address the name resolves to, and then connects to one of those checked addresses itself,
so nothing can change between the check and the connection (no DNS rebinding window).
TLS still uses the original host name for SNI and certificate checks, and the Host header
is untouched, because httpcore hands the name, not the address, to `start_tls`.

An address is public when it is none of: loopback, private (RFC 1918, fc00::/7),
link-local, shared (100.64.0.0/10), multicast, unspecified, reserved or documentation
ranges, nor an IPv4-mapped, IPv4-compatible, NAT64 (64:ff9b::/96) or 6to4 (2002::/16)
form of one of these. IPv4 literals in every spelling `inet_aton` accepts (127.1,
2130706433, 0x7f000001, 0177.0.0.1) are read as the address they mean, and
`localhost` (with or without a trailing dot, and its subdomains) is loopback by name.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import httpcore

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# Resolve (host, port) to the addresses it names, as text; the default asks the system.
Resolver = Callable[[str, int], Awaitable[list[str]]]

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_SHARED = ipaddress.IPv4Network("100.64.0.0/10")
ALLOW_HINT = "set allow_private_addresses to fetch from your own network"
# getaddrinfo errors that mean the name does not exist (retrying will not help).
_NO_NAME = {
    getattr(socket, name)
    for name in ("EAI_NONAME", "EAI_NODATA", "EAI_ADDRFAMILY")
    if hasattr(socket, name)
}


class Refused(Exception):
    """The policy refuses this address; the message says why, for the user."""


class NameNotFound(Exception):
    """The host name does not exist in DNS (a permanent failure)."""


def parse_ip_literal(host: str) -> IPAddress | None:
    """The address a host spells, in any form a resolver would accept as a number, else None."""
    host = host.strip().rstrip(".")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host)
        except ValueError:
            return None
    return _inet_aton(host)


def _inet_aton(host: str) -> ipaddress.IPv4Address | None:
    """IPv4 as BSD inet_aton reads it: 1 to 4 parts, each decimal, 0x hex or 0-led octal."""
    parts = host.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    numbers = []
    for part in parts:
        text = part.lower()
        try:
            if text.startswith("0x"):
                number = int(text[2:] or "0", 16)
            elif len(text) > 1 and text.startswith("0"):
                number = int(text[1:], 8)
            elif text.isdigit():
                number = int(text)
            else:
                return None
        except ValueError:
            return None
        numbers.append(number)
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (4 - len(head)):
        return None
    value = 0
    for n in head:
        value = value * 256 + n
    value = value * 256 ** (4 - len(head)) + last
    return ipaddress.IPv4Address(value)


def non_public_reason(ip: IPAddress) -> str | None:
    """Why an address is not a public one ("a loopback address", ...), or None when it is."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            reason = non_public_reason(embedded)
            return f"{reason} (it carries {embedded})" if reason else None
    checks = (
        ("is_unspecified", "an unspecified address"),
        ("is_loopback", "a loopback address"),
        ("is_link_local", "a link-local address"),
        ("is_multicast", "a multicast address"),
    )
    for attribute, reason in checks:
        if getattr(ip, attribute):
            return reason
    if isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED:
        return "a shared (carrier-grade NAT) address"
    if ip.is_reserved:
        return "a reserved address"
    if ip.is_private or not ip.is_global:
        return "a private address"
    return None


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 form carries: mapped, compatible, NAT64 or 6to4."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if int(ip) >> 32 == 0 and int(ip) > 1:  # ::a.b.c.d, the deprecated compatible form
        return ipaddress.IPv4Address(int(ip))
    return None


def is_localhost_name(host: str) -> bool:
    """localhost and its subdomains always mean this machine (RFC 6761), whatever DNS says."""
    name = host.strip().rstrip(".").lower()
    return name == "localhost" or name.endswith(".localhost")


def check_host_addresses(host: str, addresses: Iterable[str]) -> list[str]:
    """The addresses, in order, when all are public; raises Refused naming the first that is not."""
    checked = []
    for text in addresses:
        ip = ipaddress.ip_address(text.split("%", 1)[0])
        reason = non_public_reason(ip)
        if reason is not None:
            literal = parse_ip_literal(host)
            what = f"{ip} is" if literal is not None else f"{host} resolves to {ip},"
            raise Refused(f"refused: {what} {reason}; {ALLOW_HINT}")
        checked.append(str(ip))
    return checked


async def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for host, in its order, without repeats."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        if exc.errno in _NO_NAME:
            raise NameNotFound(f"no such host: {host}") from exc
        raise httpcore.ConnectError(f"cannot resolve {host}: {exc.strerror or exc}") from exc
    seen: dict[str, None] = {}
    for _family, _type, _proto, _name, sockaddr in infos:
        seen.setdefault(str(sockaddr[0]), None)
    return list(seen)


class PolicyBackend(httpcore.AsyncNetworkBackend):
    """An httpcore backend that connects only to addresses the policy allows.

    `allow_private` lets every address through (the user's setting, or a URL the user
    typed); the resolution is still done here so that the connection goes to the address
    resolved once. `inner` makes the TCP connection to that address (httpcore's default).
    """

    def __init__(
        self,
        *,
        allow_private: bool = False,
        resolver: Resolver | None = None,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self.allow_private = allow_private
        self.resolver = resolver or system_resolver
        self.inner = inner or httpcore.AnyIOBackend()

    async def addresses(self, host: str, port: int) -> list[str]:
        """The addresses to try for host, every one of them checked."""
        literal = parse_ip_literal(host)
        if literal is not None:
            found = [str(literal)]
        elif is_localhost_name(host):
            if not self.allow_private:
                raise Refused(f"refused: {host} is a loopback address; {ALLOW_HINT}")
            found = ["127.0.0.1"]
        else:
            found = await self.resolver(host, port)
            if not found:
                raise NameNotFound(f"no such host: {host}")
        if self.allow_private:
            return found
        return check_host_addresses(host, found)

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                found = await self.addresses(host, port)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from exc
        failure: Exception | None = None
        for address in found:
            try:
                return await self.inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc  # try the next checked address
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.AsyncNetworkStream:
        raise Refused("refused: unix sockets are never fetched")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


def policy_transport(backend: PolicyBackend, *, max_connections: int, verify: Any = True) -> Any:
    """An httpx transport whose every connection goes through `backend` (no proxies)."""
    import httpx

    transport = httpx.AsyncHTTPTransport(verify=verify, trust_env=False)
    # httpx builds its httpcore pool without a way to pass a network backend; replace the
    # pool with one that uses ours, with the same settings httpx would have used.
    old = transport._pool
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=old._ssl_context,
        max_connections=max_connections,
        max_keepalive_connections=max_connections,
        http1=True,
        http2=False,
        network_backend=backend,
    )
    return transport
