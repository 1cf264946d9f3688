"""Property tests: canonical URLs are stable and never merge distinct articles; importers fed
random or damaged files never crash and never drop a valid row."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reader.errors import BadInput
from reader.fetch.importers import FORMATS, read_import
from reader.fetch.urls import canonicalize

DATA = Path(__file__).parent / "data" / "imports"
SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
FEW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_SAFE = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_~"
segment = st.text(_SAFE, min_size=1, max_size=8)
host = st.builds(
    lambda labels, tld: ".".join([*labels, tld]),
    st.lists(st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=6),
             min_size=1, max_size=3),
    st.sampled_from(["com", "org", "example", "xn--p1ai"]),
)  # fmt: skip
# Parameter names that are no tracker anywhere: a letter "k" keeps utm_, fbclid, ref... out.
param = st.tuples(
    st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=5).map(lambda s: "k" + s),
    st.text(_SAFE + "%20+", max_size=6),
)
noise = st.sampled_from(
    ["", "#frag", "#top", "?utm_source=news", "?fbclid=x1", ":443", "/"]
)


def build(scheme: str, netloc: str, path: list[str], query: list[tuple[str, str]]) -> str:
    text = f"{scheme}://{netloc}/" + "/".join(path)
    if query:
        text += "?" + "&".join(f"{k}={v}" for k, v in query)
    return text


urls = st.builds(
    build,
    st.sampled_from(["http", "https", "HTTPS"]),
    host,
    st.lists(segment, max_size=4),
    st.lists(param, max_size=3),
)


@SETTINGS
@given(urls, noise, st.sampled_from(["", "/", "/./", "#a", "?", "?&"]))
def test_canonicalize_is_idempotent(url: str, extra: str, tail: str) -> None:
    for candidate in (url, url + tail, url + extra):
        try:
            once = canonicalize(candidate)
        except BadInput:
            continue
        assert canonicalize(once) == once


@SETTINGS
@given(host, st.lists(segment, min_size=1, max_size=4), st.lists(segment, min_size=1, max_size=4),
       st.lists(param, max_size=3))  # fmt: skip
def test_distinct_paths_are_distinct_articles(
    netloc: str, a: list[str], b: list[str], query: list[tuple[str, str]]
) -> None:
    if a == b:
        return
    first, second = build("https", netloc, a, query), build("https", netloc, b, query)
    assert canonicalize(first) != canonicalize(second), (first, second)


@SETTINGS
@given(host, st.lists(segment, max_size=3), param, st.text(_SAFE, min_size=1, max_size=6))
def test_distinct_parameter_values_are_distinct_articles(
    netloc: str, path: list[str], kv: tuple[str, str], other: str
) -> None:
    name, value = kv
    if value == other:
        return
    first = build("https", netloc, path, [(name, value)])
    second = build("https", netloc, path, [(name, other)])
    # "+" and "%20" both mean a space in a form value; everything else must stay apart.
    if value.replace("+", "%20") == other.replace("+", "%20"):
        return
    assert canonicalize(first) != canonicalize(second), (first, second)


_SUFFIX = {
    "pocket-csv": ".csv", "pocket-html": ".html", "instapaper-csv": ".csv", "omnivore": ".zip",
    "netscape": ".html", "opml": ".opml", "jsonl": ".jsonl", "document": ".md",
}  # fmt: skip
_SAMPLES = {
    "pocket-csv": "pocket.csv", "pocket-html": "pocket_export.html",
    "instapaper-csv": "instapaper.csv", "netscape": "bookmarks.html", "opml": "feeds.opml",
    "jsonl": "library.jsonl", "document": "newsletter.html",
}  # fmt: skip


def _read(data: bytes, format: str | None, suffix: str) -> None:  # noqa: A002
    """Import `data`; only a clean BadInput (ImportFormatError is one) may come out."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"export{suffix}"
        path.write_bytes(data)
        try:
            batch = read_import(path, format)
        except BadInput:
            return
        for problem in batch.problems:
            assert problem.where and problem.message


@FEW
@given(st.sampled_from(FORMATS), st.binary(max_size=2048))
def test_random_bytes_never_crash_an_importer(format: str, data: bytes) -> None:  # noqa: A002
    _read(data, format, _SUFFIX[format])
    _read(data, None, _SUFFIX[format])


@FEW
@given(
    st.sampled_from(sorted(_SAMPLES)),
    st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=8),
)
def test_damaged_exports_never_crash_an_importer(
    format: str,  # noqa: A002
    flips: list[tuple[int, int]],
) -> None:
    data = bytearray((DATA / _SAMPLES[format]).read_bytes())
    for position, value in flips:
        data[position % len(data)] = value
    _read(bytes(data), format, _SUFFIX[format])
    _read(bytes(data), None, _SUFFIX[format])


junk = st.text(
    st.characters(blacklist_characters="\n", blacklist_categories=("Cs",)), max_size=40
)


def _rows(n: int) -> list[tuple[str, str]]:
    return [(f"Title {i}", f"https://site{i}.example/post/{i}") for i in range(n)]


def _urls_of(batch) -> set[str]:
    return {canonicalize(item.url) for item in batch.items}


@SETTINGS
@given(st.integers(1, 8), st.lists(st.tuples(st.integers(0, 8), junk), max_size=6))
def test_junk_lines_never_drop_a_valid_pocket_row(n: int, junk_lines) -> None:
    rows = [f"{title},{url},1700000000,tag,unread" for title, url in _rows(n)]
    lines = list(rows)
    for position, text in sorted(junk_lines, reverse=True):
        lines.insert(min(position, len(lines)), text)
    data = ("title,url,time_added,tags,status\n" + "\n".join(lines) + "\n").encode()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pocket.csv"
        path.write_bytes(data)
        batch = read_import(path, "pocket-csv")
    assert {canonicalize(url) for _t, url in _rows(n)} <= _urls_of(batch)


@SETTINGS
@given(st.integers(1, 8), st.lists(st.tuples(st.integers(0, 8), junk), max_size=6))
def test_junk_lines_never_drop_a_valid_jsonl_row(n: int, junk_lines) -> None:
    lines = [json.dumps({"url": url, "title": title}) for title, url in _rows(n)]
    for position, text in sorted(junk_lines, reverse=True):
        lines.insert(min(position, len(lines)), text)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "library.jsonl"
        path.write_bytes(("\n".join(lines) + "\n").encode())
        try:
            batch = read_import(path, "jsonl")
        except BadInput:
            # Only a file whose first lines are not JSON at all is refused as a whole.
            assert not lines[0].lstrip().startswith("{")
            return
    assert {canonicalize(url) for _t, url in _rows(n)} <= _urls_of(batch)
