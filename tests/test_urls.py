"""URL validation and canonical identity."""

from __future__ import annotations

import random

import pytest

from reader.errors import BadInput, UnsupportedURL
from reader.fetch.urls import (
    canonicalize,
    is_probably_article_url,
    normalize_url,
    site_of,
    why_not_article,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("example.com/post", "https://example.com/post"),
        ("  https://example.com/a?b=1#c \n", "https://example.com/a?b=1#c"),
        ("//cdn.example.org/x", "https://cdn.example.org/x"),
        ("HTTP://Example.COM", "http://example.com/"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("http://example.com:8080/a", "http://example.com:8080/a"),
        ("localhost:8000/notes", "https://localhost:8000/notes"),
        ("https://bücher.example/straße", "https://xn--bcher-kva.example/stra%C3%9Fe"),
        ("https://example.com/a%2Fb?q=%e2%82%ac", "https://example.com/a%2Fb?q=%e2%82%ac"),
        ("https://example.com/100%", "https://example.com/100%25"),
        ('https://example.com/q?x="y"', "https://example.com/q?x=%22y%22"),
        ("https://example.com./trailing-dot-host", "https://example.com/trailing-dot-host"),
        ("https://[2001:DB8::1]:8443/", "https://[2001:db8::1]:8443/"),
        ("https://user:pw@example.com/", "https://user:pw@example.com/"),
        ("https://my_host.example.com/", "https://my_host.example.com/"),
    ],
)
def test_normalize_url_tidies_and_keeps_path_query_fragment(raw: str, expected: str) -> None:
    assert normalize_url(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["file:///etc/passwd", "javascript:alert(1)", "data:text/html,hi", "mailto:a@example.com",
     "ftp://files.example.com/x", "about:blank", "tel:+15551234", "chrome://settings"],
)  # fmt: skip
def test_normalize_url_rejects_unsupported_schemes(raw: str) -> None:
    with pytest.raises(UnsupportedURL, match="unsupported URL scheme"):
        normalize_url(raw)


@pytest.mark.parametrize(
    "raw",
    ["", "   ", "hello world", "https://exa mple.com/", "word", "/relative/path", "#anchor",
     "https://", "http://a..b/", "https://example.com:99999/", "https://[not-ipv6]/",
     "https://-bad-.example/", "tab\there.example", "https://ex\u0000ample.com"],
)  # fmt: skip
def test_normalize_url_rejects_what_is_not_a_url(raw: str) -> None:
    with pytest.raises(BadInput) as caught:
        normalize_url(raw)
    assert not isinstance(caught.value, UnsupportedURL)


def test_normalize_url_rejects_non_strings() -> None:
    with pytest.raises(BadInput):
        normalize_url(None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # case, default ports, fragments
        ("HTTPS://Example.COM:443/Path", "https://example.com/Path"),
        ("http://example.com:80/", "http://example.com/"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("https://example.com/a#section-2", "https://example.com/a"),
        ("https://example.com/#!/inbox/42", "https://example.com/#!/inbox/42"),
        ("https://example.com/app#/route/7", "https://example.com/app#/route/7"),
        # tracking parameters, everywhere
        ("https://e.com/a?utm_source=x&utm_medium=y&utm_campaign=z&utm_content=w&utm_term=v",
         "https://e.com/a"),
        ("https://e.com/a?id=3&fbclid=abc&gclid=d&dclid=e&msclkid=f", "https://e.com/a?id=3"),
        ("https://e.com/a?mc_cid=1&mc_eid=2&_hsenc=3&_hsmi=4&igshid=5&p=1", "https://e.com/a?p=1"),
        ("https://e.com/a?ref_src=twsrc&ref_url=x&UTM_Source=Caps", "https://e.com/a"),
        ("https://e.com/a?ref=producthunt&page=2", "https://e.com/a?page=2"),
        ("https://e.com/a?mtm_campaign=x&pk_campaign=y&_ga=1.2&yclid=9", "https://e.com/a"),
        # parameters that only track on some sites
        ("https://github.com/o/r/blob/main/x.py?ref=v1.2", "https://github.com/o/r/blob/main/x.py?ref=v1.2"),
        ("https://www.youtube.com/watch?v=abc&si=share&t=42", "https://www.youtube.com/watch?t=42&v=abc"),
        ("https://x.com/someone/status/1?s=20&t=xyz", "https://x.com/someone/status/1"),
        ("https://quiz.example/q?s=20&t=xyz", "https://quiz.example/q?s=20&t=xyz"),
        ("https://medium.com/@a/post-1?source=rss----1", "https://medium.com/@a/post-1"),
        ("https://shop.example/?source=catalog", "https://shop.example/?source=catalog"),
        # parameter order: sorted by name, repeated names keep their order
        ("https://e.com/s?b=2&a=9&a=1&c", "https://e.com/s?a=9&a=1&b=2&c"),
        ("https://e.com/s?&&x=1&", "https://e.com/s?x=1"),
        ("https://e.com/s?", "https://e.com/s"),
        ("https://e.com/s?q=a+b&q2=%20", "https://e.com/s?q=a+b&q2=%20"),
        # percent-encoding and dot segments
        ("https://e.com/%7euser/%41%62c", "https://e.com/~user/Abc"),
        ("https://e.com/a%2fb/%e2%82%ac", "https://e.com/a%2Fb/%E2%82%AC"),
        ("https://e.com/caf\u00e9", "https://e.com/caf%C3%A9"),
        ("https://e.com/a/./b/../c", "https://e.com/a/c"),
        ("https://e.com/../../x", "https://e.com/x"),
        # trailing slash dropped on paths, root kept
        ("https://e.com/post/", "https://e.com/post"),
        ("https://e.com/post//", "https://e.com/post"),
        ("https://e.com", "https://e.com/"),
        # IDN hosts: Unicode and punycode spellings are one identity
        ("https://BÜCHER.example/a", "https://xn--bcher-kva.example/a"),
        ("https://xn--bcher-kva.example/a", "https://xn--bcher-kva.example/a"),
        ("http://例え.テスト/", "http://xn--r8jz45g.xn--zckzah/"),
        # scheme and www are kept (see module docs)
        ("http://e.com/a", "http://e.com/a"),
        ("https://www.e.com/a", "https://www.e.com/a"),
        ("e.com/no-scheme", "https://e.com/no-scheme"),
    ],
)  # fmt: skip
def test_canonicalize(raw: str, expected: str) -> None:
    assert canonicalize(raw) == expected
    assert canonicalize(expected) == expected


def test_variants_of_one_article_share_an_identity() -> None:
    variants = [
        "https://blog.example/posts/tide-pools",
        "HTTPS://BLOG.EXAMPLE/posts/tide-pools/",
        "https://blog.example:443/posts/tide-pools?utm_source=newsletter&utm_medium=email",
        "https://blog.example/posts/./tide-pools#comments",
        "https://blog.example/posts/tide%2Dpools?fbclid=IwAR123",
        " blog.example/posts/tide-pools ",
    ]
    assert {canonicalize(v) for v in variants} == {"https://blog.example/posts/tide-pools"}


def test_different_articles_keep_different_identities() -> None:
    distinct = [
        "https://e.com/a?id=1", "https://e.com/a?id=2", "https://e.com/A", "http://e.com/a",
        "https://www.e.com/a", "https://e.com:8443/a", "https://e.com/a%2Fb", "https://e.com/a/b",
    ]  # fmt: skip
    assert len({canonicalize(u) for u in distinct}) == len(distinct)


def test_canonicalize_is_idempotent_over_many_generated_urls() -> None:
    rng = random.Random(7)
    hosts = [
        "Example.COM",
        "bücher.example",
        "sub.e.org:8080",
        "e.org:443",
        "[::1]",
        "localhost:80",
    ]
    paths = ["", "/", "/a/b/", "/a/./b/../c", "/%7Efoo/%2f", "/caf\u00e9/", "/x%zz", "/a//b/"]
    queries = ["", "?", "?b=2&a=1", "?utm_source=x&id=9", "?ref=hn&q=a+b", "?a=%41&a=1", "?x"]
    fragments = ["", "#top", "#!/r", "#/route/", "#%7e"]
    for _ in range(400):
        scheme = rng.choice(["http://", "https://", "HTTPS://", ""])
        url = (scheme + rng.choice(hosts) + rng.choice(paths) + rng.choice(queries)
               + rng.choice(fragments))  # fmt: skip
        once = canonicalize(url)
        assert canonicalize(once) == once, url
        assert normalize_url(normalize_url(url)) == normalize_url(url), url


def test_canonicalize_rejects_what_normalize_rejects() -> None:
    with pytest.raises(UnsupportedURL):
        canonicalize("javascript:alert(1)")
    with pytest.raises(BadInput):
        canonicalize("not a url")


def test_local_files_have_an_identity_too() -> None:
    url = "file:///home/me/notes/./issue%2012.html"
    assert canonicalize(url) == "file:///home/me/notes/issue%2012.html"
    assert canonicalize(canonicalize(url)) == canonicalize(url)


@pytest.mark.parametrize(
    ("url", "article"),
    [
        ("https://blog.example/2024/05/a-post", True),
        ("https://news.example/item?id=42", True),
        ("https://papers.example/paper.pdf", True),
        ("https://blog.example/", False),
        ("https://blog.example/about", False),
        ("https://blog.example/login?next=/x", False),
        ("https://blog.example/images/cover.JPG", False),
        ("https://blog.example/static/app.js", False),
        ("mailto:someone@example.com", False),
        ("not a url", False),
    ],
)
def test_is_probably_article_url(url: str, article: bool) -> None:
    assert is_probably_article_url(url) is article
    if not article and url.startswith("https"):
        assert why_not_article(normalize_url(url))


def test_site_of_ignores_www_and_case() -> None:
    assert site_of("https://WWW.Example.com/a") == "example.com"
    assert site_of("https://blog.example.com/a") == "blog.example.com"
    assert site_of("not a url") == ""


@pytest.mark.parametrize(
    "url",
    [
        "https://blog.example/tag/gardening",
        "https://blog.example/category/essays/",
        "https://blog.example/page/3",
        "https://blog.example/podcast/episode-4.mp3",
        "https://blog.example/favicon.ico",
    ],
)
def test_lists_and_media_are_not_articles(url: str) -> None:
    assert not is_probably_article_url(url)


def test_filtering_never_drops_a_paper_or_a_dated_post() -> None:
    assert is_probably_article_url("https://arxiv.example/pdf/2401.00001.pdf")
    assert is_probably_article_url("https://blog.example/2024/05/tags-considered-harmful")
