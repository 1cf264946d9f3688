"""URL hygiene: validate what a user or a file gives us, and compute an article's identity.

`normalize_url` makes a typed or imported URL fetchable (scheme, lower-case IDNA host, encoded
path) and rejects what reader will not fetch. `canonicalize` goes further and gives the identity
used to deduplicate articles. Choices, and why:

- The scheme is kept: http and https may serve different things, and almost every site redirects
  one to the other, so the fetcher's final URL (and the content hash) merges the two later.
- `www.` is kept for the same reason: it is a different host that usually redirects.
- Fragments are dropped, except `#!...` and `#/...`, which single-page sites use as the address.
- A trailing slash on a non-root path is dropped: servers treat `/post/` and `/post` as one page
  (one redirects to the other) and exports mix them. The canonical URL is therefore an identity,
  not always the exact address to fetch: fetch `url`, dedupe on `canonical_url`.
- Only well-known tracking parameters are dropped (see `_TRACKERS`); parameters whose meaning
  depends on the site (`ref`, `si`, `source`, ...) only on the sites where they are trackers.
- The remaining query parameters are sorted by name, keeping the order of repeated names.
- `file:` URLs (local documents added by path) have an identity too, though they are never fetched.

Filtering (`why_not_article`) is courlan's. Canonicalisation stays here, because courlan's
`normalize_url` merges distinct articles: it drops valueless parameters (`?c`), every unknown
parameter in strict mode, `ref` even on code forges (`?ref=v1.2` names a branch on GitHub)
and `#!/...` routes, and it leaves escapes and dot segments as they are (`/%7euser/./a`).
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import SplitResult, unquote, urlsplit, urlunsplit

import idna  # a dependency of httpx

from reader.errors import BadInput, UnsupportedURL

FETCHABLE = ("http", "https")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):(.*)$", re.S)
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")
_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")
_HEX = "0123456789ABCDEFabcdef"
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_PATH_OK = _UNRESERVED | frozenset("!$&'()*+,;=:@/")
_QUERY_OK = _PATH_OK | frozenset("?")

# Parameters that only ever track a click, whatever the site.
_TRACKERS = frozenset(
    {
        "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid",
        "ttclid", "li_fat_id", "igshid", "mc_cid", "mc_eid", "_hsenc", "_hsmi", "__hstc",
        "__hssc", "__hsfp", "hsctatracking", "mkt_tok", "_ga", "_gl", "ref_src", "ref_url",
        "oly_anon_id", "oly_enc_id", "vero_id", "vero_conv", "wickedid", "rb_clickid",
        "ck_subscriber_id", "ml_subscriber", "ml_subscriber_hash", "pk_campaign", "pk_kwd",
        "pk_keyword", "pk_source", "pk_medium", "pk_content", "pk_cid",
    }
)  # fmt: skip
_TRACKER_PREFIXES = ("utm_", "mtm_")
# Parameters that track on these sites (and their subdomains) but mean something elsewhere.
_SITE_TRACKERS: dict[str, frozenset[str]] = {
    "youtube.com": frozenset({"si", "feature", "pp"}),
    "youtu.be": frozenset({"si", "feature"}),
    "spotify.com": frozenset({"si"}),
    "twitter.com": frozenset({"s", "t"}),
    "x.com": frozenset({"s", "t"}),
    "instagram.com": frozenset({"igsh"}),
    "medium.com": frozenset({"source"}),
    "substack.com": frozenset({"r", "triedredirect"}),
    "linkedin.com": frozenset({"trk", "trackingid", "lipi"}),
}
# `ref` is a referral tag almost everywhere, but a branch or tag name on code forges.
_REF_KEEPERS = ("github.com", "gitlab.com", "bitbucket.org", "codeberg.org", "sr.ht")


def normalize_url(raw: str) -> str:
    """Validate and tidy a URL a user typed or a file contained.

    Raises UnsupportedURL for schemes reader does not fetch (file:, javascript:, mailto:, ...) and
    BadInput for text that is not a URL. `example.com/post` (no scheme) is read as https.
    The path, query and fragment are kept; only characters that must be encoded are encoded.
    """
    if not isinstance(raw, str):
        raise BadInput(f"not a URL: {raw!r}")
    text = raw.strip()
    if not text:
        raise BadInput("empty URL")
    if _SPACE_OR_CONTROL.search(text):
        raise BadInput(f"not a URL (contains spaces or control characters): {_shown(text)}")
    scheme = _scheme_of(text)
    explicit = scheme is not None
    if scheme is None:
        text = "https:" + text if text.startswith("//") else "https://" + text
    elif scheme not in FETCHABLE:
        raise UnsupportedURL(
            f"unsupported URL scheme '{scheme}:' (reader fetches http and https): {_shown(text)}"
        )
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise BadInput(f"not a URL ({exc}): {_shown(raw)}") from None
    scheme = parts.scheme.lower()
    host = _clean_host(parts.hostname or "", raw, needs_dot=not explicit)
    netloc = _netloc(parts, host, None if port == _DEFAULT_PORTS.get(scheme) else port)
    path = _encode(parts.path, _PATH_OK) or "/"
    return urlunsplit(
        (scheme, netloc, path, _encode(parts.query, _QUERY_OK), _encode(parts.fragment, _QUERY_OK))
    )


def canonicalize(url: str) -> str:
    """The identity of an article: same canonical URL, same article. Idempotent.

    Lower-case scheme and IDNA host, no default port, no fragment, no tracking parameters,
    sorted query, normalised percent-encoding and dot segments, no trailing slash on a path.
    """
    if _scheme_of(url.strip()) == "file":
        return _canonical_file(url.strip())
    parts = urlsplit(normalize_url(url))
    path = _strip_trailing_slash(_remove_dot_segments(_normalize_escapes(parts.path)))
    query = _canonical_query(parts.query, (parts.hostname or "").rstrip("."))
    fragment = parts.fragment if parts.fragment.startswith(("!", "/")) else ""
    return urlunsplit((parts.scheme, parts.netloc, path, query, _normalize_escapes(fragment)))


def site_of(url: str) -> str:
    """The host of a URL without `www.`, for comparing sites (`''` when there is none)."""
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    return host[4:] if host.startswith("www.") else host


def why_not_article(url: str) -> str | None:
    """Why a (normalized) URL is unlikely to be an article, or None when it may well be one.

    courlan's filters judge file types, login pages and navigation (tags, categories, page N
    of a list); a few rules of ours add what it leaves to crawlers (sharing and subscription
    links, a site's about/contact pages, media files), and keep PDFs, which are papers.
    """
    from courlan import is_navigation_page, is_not_crawlable
    from courlan.filters import extension_filter

    parts = urlsplit(url)
    segments = [unquote(s).lower() for s in parts.path.split("/") if s]
    if not segments and not parts.query:
        return "a site's home page, not an article"
    last = segments[-1] if segments else ""
    extension = last.rsplit(".", 1)[-1] if "." in last else ""
    asset = extension in _MORE_ASSETS or not extension_filter(url.lower())
    if extension and extension not in _DOCUMENT_EXTENSIONS and asset:
        return f"a .{extension} file, not an article"
    if segments and (segments[0] in _NON_ARTICLE_SECTIONS or is_not_crawlable(url)):
        return f"a /{segments[0]} page, not an article"
    if len(segments) == 1 and last in _NAV_PAGES:
        return f"the site's /{last} page, not an article"
    if is_navigation_page(url):
        return "a list of articles (tags, categories or a page of them), not an article"
    return None


def is_probably_article_url(url: str) -> bool:
    """True when a URL looks like a readable article (not a home page, an asset or a form)."""
    try:
        return why_not_article(normalize_url(url)) is None
    except BadInput:
        return False


# Documents reader reads although crawlers skip them.
_DOCUMENT_EXTENSIONS = frozenset({"pdf"})
# Files courlan's extension filter lets through that are never articles.
_MORE_ASSETS = frozenset(
    "webp bmp avif mjs woff2 otf mp3 m4a mp4 wav flac m4v tgz bz2 xz 7z rar dmg exe msi apk "
    "deb rpm ics vcf".split()
)
_NON_ARTICLE_SECTIONS = frozenset(
    "signin sign-in signup sign-up register account accounts cart checkout subscribe "
    "unsubscribe preferences settings search share intent sharer".split()
)
_NAV_PAGES = frozenset(
    "about about-us contact contact-us privacy privacy-policy terms tos terms-of-service faq "
    "archive archives careers jobs advertise sponsor sponsors donate newsletter feed rss "
    "tags categories authors".split()
)


def _scheme_of(text: str) -> str | None:
    """The scheme of `text`, or None when it has none (`example.com:8080/x` is a host and port)."""
    match = _SCHEME.match(text)
    if not match:
        return None
    name, rest = match.group(1), match.group(2)
    if "." in name or (re.match(r"^\d+(?:[/?#]|$)", rest) and not rest.startswith("//")):
        return None
    return name.lower()


def _clean_host(host: str, raw: str, *, needs_dot: bool) -> str:
    """A lower-case ASCII (IDNA) host, or BadInput."""
    host = host.rstrip(".").lower()
    if not host:
        raise BadInput(f"not a URL (no host): {_shown(raw)}")
    if ":" in host:  # urlsplit unwraps [IPv6]
        try:
            return f"[{ipaddress.IPv6Address(host).compressed}]"
        except ValueError:
            raise BadInput(f"not a URL (bad IPv6 address): {_shown(raw)}") from None
    if not host.isascii():
        host = _idna(host, raw)
    labels = host.split(".")
    if len(host) > 253 or not all(_LABEL.match(label) for label in labels):
        raise BadInput(f"not a URL (bad host name '{host}'): {_shown(raw)}")
    if needs_dot and len(labels) < 2 and host != "localhost":
        raise BadInput(f"not a URL: {_shown(raw)}")
    return host


def _idna(host: str, raw: str) -> str:
    try:  # IDNA 2008 with UTS 46 mapping, as browsers do
        return idna.encode(host, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        pass
    try:
        return host.encode("idna").decode("ascii")  # IDNA 2003: lenient fallback
    except UnicodeError:
        raise BadInput(f"not a URL (bad international host name): {_shown(raw)}") from None


def _netloc(parts: SplitResult, host: str, port: int | None) -> str:
    userinfo = parts.netloc.rpartition("@")[0] if "@" in parts.netloc else ""
    netloc = f"{userinfo}@{host}" if userinfo else host
    return f"{netloc}:{port}" if port is not None else netloc


def _encode(text: str, allowed: frozenset[str]) -> str:
    """Percent-encode characters that may not appear raw; keep valid %XX escapes as they are."""
    out = []
    for i, char in enumerate(text):
        if char == "%":
            valid = text[i + 1 : i + 2] in _HEX_SET and text[i + 2 : i + 3] in _HEX_SET
            out.append("%" if valid else "%25")
        elif char in allowed:
            out.append(char)
        else:
            out.append("".join(f"%{b:02X}" for b in char.encode("utf-8")))
    return "".join(out)


_HEX_SET = frozenset(_HEX)


def _normalize_escapes(text: str) -> str:
    """Decode escapes of unreserved characters, upper-case the hex of the rest (RFC 3986 6.2.2)."""

    def fix(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        return char if char in _UNRESERVED else match.group(0).upper()

    return re.sub(r"%([0-9A-Fa-f]{2})", fix, text)


def _remove_dot_segments(path: str) -> str:
    if "." not in path:
        return path
    out: list[str] = []
    segments = path.split("/")
    for i, segment in enumerate(segments):
        last = i == len(segments) - 1
        if segment == ".":
            if last:
                out.append("")
        elif segment == "..":
            if len(out) > 1:
                out.pop()
            if last:
                out.append("")
        else:
            out.append(segment)
    result = "/".join(out)
    return result if result.startswith("/") else "/" + result


def _strip_trailing_slash(path: str) -> str:
    stripped = path.rstrip("/")
    return stripped or "/"


def _canonical_query(query: str, host: str) -> str:
    kept = []
    for piece in query.split("&"):
        if not piece:
            continue
        piece = _normalize_escapes(piece)
        name = unquote(piece.partition("=")[0]).lower()
        if not _is_tracker(name, host):
            kept.append((piece.partition("=")[0], piece))
    kept.sort(key=lambda pair: pair[0])  # stable: repeated names keep their order
    return "&".join(piece for _, piece in kept)


def _is_tracker(name: str, host: str) -> bool:
    if name in _TRACKERS or name.startswith(_TRACKER_PREFIXES):
        return True
    if name == "ref":
        return not _on_site(host, _REF_KEEPERS)
    return any(name in names and _on_site(host, (site,)) for site, names in _SITE_TRACKERS.items())


def _on_site(host: str, sites: tuple[str, ...]) -> bool:
    return any(host == site or host.endswith("." + site) for site in sites)


def _canonical_file(url: str) -> str:
    parts = urlsplit(url)
    path = _remove_dot_segments(_normalize_escapes(_encode(parts.path, _PATH_OK))) or "/"
    return urlunsplit(("file", parts.netloc.lower(), path, "", ""))


def _shown(text: str) -> str:
    """The input as it appears in an error message, shortened."""
    return repr(text if len(text) <= 120 else text[:117] + "...")
