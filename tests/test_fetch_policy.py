"""The fetch policy: which addresses reader connects to, checked on the address connected to.

A real server on 127.0.0.1 plays both a private host and (through a connector that maps
one public address to it) a public one; a fake resolver stands in for DNS.
"""

from __future__ import annotations

import ipaddress
import socket

import httpcore
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader.fetch.client import FetchOptions, FetchResult, fetch_all
from reader.fetch.policy import non_public_reason, parse_ip_literal
from tests import httpserver
from tests.httpserver import TestServer

PUBLIC_IP = "93.184.216.34"  # stands for a public web server; the connector maps it to ours


class Connector(httpcore.AsyncNetworkBackend):
    """Connects like httpcore does, records every address, and maps PUBLIC_IP to 127.0.0.1."""

    def __init__(self) -> None:
        self.inner = httpcore.AnyIOBackend()
        self.connected: list[str] = []

    async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        self.connected.append(host)
        if host == PUBLIC_IP:
            host = "127.0.0.1"
        elif not ipaddress.ip_address(host).is_loopback:
            raise httpcore.ConnectError(f"test network: {host} is unreachable")
        return await self.inner.connect_tcp(host, port, timeout, local_address, socket_options)

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class Resolver:
    """A fake DNS: name -> list of answers, each answer used once, the last one repeated."""

    def __init__(self, answers: dict[str, list[list[str]]]) -> None:
        self.answers = answers
        self.calls: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append(host)
        queue = self.answers[host]
        return queue.pop(0) if len(queue) > 1 else queue[0]


DNS = {
    "public.test": [[PUBLIC_IP]],
    "intranet.test": [["10.0.0.1"]],
    "metadata.test": [["169.254.169.254"]],
    "mixed.test": [[PUBLIC_IP, "192.168.1.1"]],
    "mapped.test": [["::ffff:10.1.2.3"]],
}


def options(**overrides: object) -> FetchOptions:
    base: dict[str, object] = {"retries": 0, "connect_timeout": 2.0, "read_timeout": 2.0}
    base.update(overrides)
    return FetchOptions(**base)  # type: ignore[arg-type]


def fetch(
    urls: list[str],
    *,
    user_urls: tuple[str, ...] = (),
    resolver: Resolver | None = None,
    connector: Connector | None = None,
    **overrides: object,
) -> dict[str, FetchResult]:
    results: list[FetchResult] = []
    fetch_all(
        urls,
        options(**overrides),
        results.append,
        user_urls=user_urls,
        resolver=resolver or Resolver({k: list(v) for k, v in DNS.items()}),
        connector=connector or Connector(),
    )
    return {r.url: r for r in results}


PAGE = "/pages/essay-gardens.html"


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "127.1",
        "2130706433",
        "0x7f000001",
        "0x7f.1",
        "017700000001",
        "[::ffff:127.0.0.1]",
        "[::1]",
        "localhost",
        "localhost.",
        "LocalHost",
        "127.0.0.1.",
        "sub.localhost",
        "0",
        "[64:ff9b::7f00:1]",
        "[2002:7f00:1::]",
    ],
)
def test_every_spelling_of_this_machine_is_refused_for_harvested_urls(
    http_server: TestServer, host: str
) -> None:
    url = f"http://{host}:{http_server.port}{PAGE}"
    connector = Connector()
    result = fetch([url], connector=connector)[url]
    assert result.error is not None and result.error.startswith("refused: "), result.error
    assert "allow_private_addresses" in result.error
    assert result.permanent and result.text is None
    assert connector.connected == [] and http_server.hits[PAGE] == 0


def test_the_octal_spelling_is_not_even_a_url(http_server: TestServer) -> None:
    url = f"http://0177.0.0.1:{http_server.port}{PAGE}"
    result = fetch([url])[url]
    assert result.error is not None and result.error.startswith("invalid URL")
    assert http_server.hits[PAGE] == 0


def test_the_refusal_says_why_in_plain_words(http_server: TestServer) -> None:
    urls = [
        f"http://10.0.0.1:{http_server.port}/",
        f"http://intranet.test:{http_server.port}/",
        f"http://metadata.test:{http_server.port}/",
        f"http://mapped.test:{http_server.port}/",
    ]
    results = fetch(urls)
    assert results[urls[0]].error == (
        "refused: 10.0.0.1 is a private address; "
        "set allow_private_addresses to fetch from your own network"
    )
    assert results[urls[1]].error == (
        "refused: intranet.test resolves to 10.0.0.1, a private address; "
        "set allow_private_addresses to fetch from your own network"
    )
    assert "169.254.169.254, a link-local address" in (results[urls[2]].error or "")
    assert "a private address (it carries 10.1.2.3)" in (results[urls[3]].error or "")


def test_a_name_with_one_private_answer_among_public_ones_is_refused(
    http_server: TestServer,
) -> None:
    url = f"http://mixed.test:{http_server.port}{PAGE}"
    connector = Connector()
    result = fetch([url], connector=connector)[url]
    assert result.error is not None and "192.168.1.1, a private address" in result.error
    assert connector.connected == []


def test_public_names_are_fetched_from_the_checked_address(http_server: TestServer) -> None:
    url = f"http://public.test:{http_server.port}{PAGE}"
    connector = Connector()
    result = fetch([url], connector=connector)[url]
    assert result.ok, result.error
    assert connector.connected == [PUBLIC_IP]
    assert "Kitchen Gardens" in (result.text or "")


def test_dns_rebinding_has_no_window(http_server: TestServer) -> None:
    # The first answer is public, every later one private: a check that resolved apart from
    # the connection would connect to 127.0.0.1. Resolved once, connected to what was checked.
    resolver = Resolver({"rebind.test": [[PUBLIC_IP], ["127.0.0.1"]]})
    connector = Connector()
    url = f"http://rebind.test:{http_server.port}{PAGE}"
    first = fetch([url], resolver=resolver, connector=connector)[url]
    assert first.ok, first.error
    assert resolver.calls == ["rebind.test"] and connector.connected == [PUBLIC_IP]
    # The next connection sees the private answer and is refused before connecting.
    second = fetch([url], resolver=resolver, connector=connector)[url]
    assert second.error is not None
    assert second.error.startswith("refused: rebind.test resolves to 127.0.0.1")
    assert connector.connected == [PUBLIC_IP]


@pytest.mark.parametrize(
    ("route", "target", "reason"),
    [
        ("/to-metadata", "http://169.254.169.254/latest/meta-data/", "link-local"),
        ("/to-ten", "http://10.0.0.1/admin", "private"),
        ("/to-metadata-name", "http://metadata.test/latest/", "link-local"),
        ("/to-mapped", "http://[::ffff:169.254.169.254]/", "link-local"),
    ],
)
def test_redirects_from_a_public_host_to_private_ones_are_refused(
    http_server: TestServer, monkeypatch: pytest.MonkeyPatch, route: str, target: str, reason: str
) -> None:
    monkeypatch.setitem(httpserver.REDIRECTS, route, target)
    connector = Connector()
    url = f"http://public.test:{http_server.port}{route}"
    # Even typed by the user: the redirect leaves the host they typed.
    result = fetch([url], user_urls=(url,), connector=connector)[url]
    assert result.error is not None and result.error.startswith("refused: ")
    assert reason in result.error and result.permanent
    assert result.redirects == [url]
    assert connector.connected == [PUBLIC_IP]


def test_a_typed_private_url_is_fetched_with_redirects_on_its_own_host(
    http_server: TestServer,
) -> None:
    url = http_server.url("/redirect/3")
    result = fetch([url], user_urls=(url,))[url]
    assert result.ok, result.error
    assert result.final_url == http_server.url(PAGE)


def test_a_typed_private_url_may_not_redirect_to_another_private_host(
    http_server: TestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(
        httpserver.REDIRECTS, "/to-localhost", f"http://localhost:{http_server.port}{PAGE}"
    )
    monkeypatch.setitem(httpserver.REDIRECTS, "/to-ten", "http://10.0.0.1/")
    urls = [http_server.url("/to-localhost"), http_server.url("/to-ten")]
    results = fetch(urls, user_urls=tuple(urls))
    assert (results[urls[0]].error or "").startswith("refused: localhost is a loopback address")
    assert (results[urls[1]].error or "").startswith("refused: 10.0.0.1 is a private address")
    assert http_server.hits[PAGE] == 0


def test_the_same_private_url_harvested_in_the_same_batch_is_still_refused(
    http_server: TestServer,
) -> None:
    typed = http_server.url(PAGE)
    harvested = http_server.url("/pages/essay-bridges.html")
    results = fetch([typed, harvested], user_urls=(typed,))
    assert results[typed].ok
    assert (results[harvested].error or "").startswith("refused: 127.0.0.1 is a loopback")
    assert http_server.hits["/pages/essay-bridges.html"] == 0


def test_the_setting_allows_private_addresses_for_every_url(http_server: TestServer) -> None:
    url = f"http://intranet.test:{http_server.port}{PAGE}"
    local = http_server.url(PAGE)

    class Mapping(Connector):
        async def connect_tcp(self, host, port, *args, **kw):  # 10.0.0.1 is us, here
            return await super().connect_tcp(
                "127.0.0.1" if host == "10.0.0.1" else host, port, *args, **kw
            )

    results = fetch([url, local], connector=Mapping(), allow_private_addresses=True)
    assert results[url].ok and results[local].ok


def test_a_refusal_is_one_url_and_the_batch_goes_on(http_server: TestServer) -> None:
    good = f"http://public.test:{http_server.port}{PAGE}"
    bad = [f"http://127.1:{http_server.port}{PAGE}", f"http://intranet.test:{http_server.port}/"]
    results = fetch([bad[0], good, bad[1]])
    assert results[good].ok
    assert all((results[u].error or "").startswith("refused") for u in bad)
    assert all(results[u].attempts == 1 for u in bad)  # permanent: never retried


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0x7f.0.0.1", "127.0.0.1"),
        ("10.1", "10.0.0.1"),
        ("192.168.257", "192.168.1.1"),
        ("[::ffff:127.0.0.1]", "::ffff:7f00:1"),
        ("1.2.3.4.", "1.2.3.4"),
        ("example.com", None),
        ("1.2.3.4.5", None),
        ("256.1.1.1", None),
        ("08.1.1.1", None),
        ("0x", "0.0.0.0"),
    ],
)
def test_ip_literals_are_read_as_a_resolver_reads_them(text: str, expected: str | None) -> None:
    ip = parse_ip_literal(text)
    assert (str(ip) if ip is not None else None) == expected


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.1",
        "172.16.0.1",
        "192.168.0.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "192.0.2.1",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "fd12::1",
        "ff02::1",
        "::ffff:10.0.0.1",
        "64:ff9b::a00:1",
        "2002:a9fe:a9fe::",
        "::7f00:1",
        "2001:db8::1",
    ],
)
def test_non_public_addresses(address: str) -> None:
    assert non_public_reason(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize(
    "address", ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"]
)
def test_public_addresses(address: str) -> None:
    assert non_public_reason(ipaddress.ip_address(address)) is None


@settings(max_examples=300, deadline=None)
@given(st.text("0123456789.xXabcdefABCDEF", min_size=1, max_size=20))
def test_ip_literals_agree_with_the_system_inet_aton(text: str) -> None:
    # Whatever the C library would read as an address, the policy reads as the same address.
    try:
        expected = str(ipaddress.IPv4Address(socket.inet_aton(text)))
    except OSError:
        expected = None
    ip = parse_ip_literal(text)
    if expected is not None:
        assert ip is not None and str(ip) == expected, text
