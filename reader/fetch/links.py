"""Outbound links worth reading in a newsletter-like document (HTML, Markdown or plain text).

Candidates are gathered per kind, then judged by one set of rules: navigation, unsubscribe and
preference links, social sharing, images and pixels, self links, anchors and duplicates are
skipped, each with a reason the user can read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urljoin, urlsplit

from reader.errors import BadInput
from reader.fetch.urls import canonicalize, normalize_url, site_of, why_not_article
from reader.models import ImportProblem

KINDS = ("html", "markdown", "text")


@dataclass
class FoundLink:
    """A link worth queueing: its normalized URL and the words it was linked from."""

    url: str
    title: str | None = None


@dataclass
class _Candidate:
    href: str
    text: str = ""
    structural: str | None = None  # why its place in the page says "navigation"
    image: bool = False


def find_links(
    content: str, *, kind: str, base_url: str | None = None
) -> tuple[list[FoundLink], list[ImportProblem]]:
    """Outbound links of a document, and the links skipped with why (`where` is the link)."""
    if kind not in KINDS:
        raise BadInput(f"unknown document kind {kind!r} (expected one of {', '.join(KINDS)})")
    own_sites = {site_of(base_url)} if base_url else set()
    if kind == "html":
        candidates, base, declared = _html_candidates(content, base_url)
        own_sites |= declared
    elif kind == "markdown":
        candidates, base = _markdown_candidates(content), base_url
    else:
        candidates, base = _text_candidates(content), base_url
    return _judge(candidates, base, own_sites - {""})


# -- judging ---------------------------------------------------------------------------------

# Text rules match the whole anchor text (plus a few trailing words), so an article titled
# "Why I unsubscribed from everything" is not mistaken for the footer link.
_UNSUBSCRIBE_TEXT = re.compile(r"^(click here to |you can )?(unsubscribe|opt[- ]?out)\b.{0,40}$")
_UNSUBSCRIBE_URL = re.compile(r"/(unsubscribe|unsub|opt[-_]?out|disable_email)([/?.]|$)")
_PREFERENCES_TEXT = re.compile(
    r"^((manage|update|change|edit)( your| my)? (email |subscription |notification )?"
    r"(preferences|subscriptions?|profile|settings)|(email |notification )?preferences"
    r"|subscription cent(er|re))\b.{0,30}$"
)
_PREFERENCE_URL = re.compile(
    r"/(preferences|email[-_]preferences|manage[-_]?subscriptions?|subscription[-_]?cent(er|re))"
    r"([/?.]|$)|list-manage\.com/profile",
)
_VIEW_ONLINE_TEXT = re.compile(
    r"\b(view|read|open|see)( it| this| the)?( email| newsletter| issue| message)? (in|on) "
    r"(your |a |the )?(web ?)?browser\b|^(view|read)( it| this)? online\b|\bweb version\b"
    r"|\bview (it )?as a web ?page\b"
)
_NAV_TEXT = {
    "home", "homepage", "about", "about us", "about me", "archive", "archives", "past issues",
    "subscribe", "subscribe now", "sign up", "signup", "log in", "login", "sign in", "contact",
    "contact us", "privacy", "privacy policy", "terms", "terms of service", "advertise",
    "sponsor us", "become a sponsor", "donate", "support us", "forward to a friend",
    "forward this email", "refer a friend", "share", "tweet", "upgrade to paid", "get the app",
    "start writing", "like", "comment", "restack", "reply", "website", "rss", "feed",
}  # fmt: skip
_SHARE = [
    ("twitter.com", "/intent"), ("x.com", "/intent"), ("twitter.com", "/share"),
    ("x.com", "/share"), ("facebook.com", "/sharer"), ("facebook.com", "/share"),
    ("facebook.com", "/dialog/share"), ("linkedin.com", "/sharearticle"),
    ("linkedin.com", "/sharing"), ("linkedin.com", "/cws/share"), ("reddit.com", "/submit"),
    ("news.ycombinator.com", "/submitlink"), ("pinterest.com", "/pin/create"),
    ("tumblr.com", "/share"), ("tumblr.com", "/widgets/share"), ("bsky.app", "/intent"),
    ("t.me", "/share"), ("telegram.me", "/share"), ("wa.me", "/"),
    ("api.whatsapp.com", "/send"), ("threads.net", "/intent"), ("mastodonshare.com", "/"),
]  # fmt: skip
_SOCIAL = ("twitter.com", "x.com", "facebook.com", "instagram.com", "linkedin.com", "threads.net",
           "bsky.app", "tiktok.com", "youtube.com", "mastodon.social", "t.me", "discord.gg",
           "discord.com")  # fmt: skip
_IMAGE_EXTENSIONS = ("png", "jpg", "jpeg", "gif", "webp", "svg", "ico", "bmp", "avif")


def _judge(
    candidates: list[_Candidate], base: str | None, own_sites: set[str]
) -> tuple[list[FoundLink], list[ImportProblem]]:
    found: list[FoundLink] = []
    skipped: list[ImportProblem] = []
    seen: dict[str, FoundLink] = {}
    for candidate in candidates:
        href = candidate.href.strip()
        url, reason = _resolve(href, base)
        if reason is None:
            reason = _reason(candidate, url, own_sites)
        if reason is None:
            key = canonicalize(url)
            if key in seen:
                if not seen[key].title and candidate.text:
                    seen[key].title = candidate.text
                reason = "a duplicate of an earlier link"
            else:
                seen[key] = FoundLink(url=url, title=candidate.text or None)
                found.append(seen[key])
                continue
        skipped.append(ImportProblem(where=url or href or "(empty link)", message=reason))
    return found, skipped


def _resolve(href: str, base: str | None) -> tuple[str, str | None]:
    """The normalized absolute URL, or why the link cannot be one."""
    if not href:
        return "", "an empty link"
    if href.startswith("#"):
        return href, "an anchor within the document"
    if href.lower().startswith("mailto:"):
        return href, "a mailto: link"
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*:|^//|^www\.", href):
        if not base:
            return href, "a relative link, and no base URL to resolve it against"
        href = urljoin(base, href)
    try:
        return normalize_url(href), None
    except BadInput as exc:
        return href, str(exc)


def _reason(candidate: _Candidate, url: str, own_sites: set[str]) -> str | None:
    """Why a resolved link is not worth queueing, or None when it is."""
    text = " ".join(candidate.text.split()).strip(" .:!»›>|·-–—→").lower()
    parts = urlsplit(url)
    host = site_of(url)
    path = unquote(parts.path).lower()
    if _UNSUBSCRIBE_TEXT.match(text) or _UNSUBSCRIBE_URL.search(path):
        return "an unsubscribe link"
    if _VIEW_ONLINE_TEXT.search(text):
        return "a 'view in browser' link to this same newsletter"
    if _PREFERENCES_TEXT.match(text) or _PREFERENCE_URL.search(url.lower()):
        return "a subscription-preferences link"
    if any(_on(host, site) and path.startswith(prefix) for site, prefix in _SHARE):
        return "a social-share link"
    if candidate.structural:
        return f"navigation ({candidate.structural})"
    if text in _NAV_TEXT:
        return f"navigation (a link reading '{text}')"
    extension = path.rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1] else ""
    if candidate.image or extension in _IMAGE_EXTENSIONS:
        return "an image, not an article"
    segments = [s for s in path.split("/") if s]
    if host.startswith(("pixel.", "beacon.")) or {"pixel", "beacon"} & set(segments):
        return "a tracking pixel"
    if host in own_sites:
        return "a link to the newsletter's own site"
    if any(_on(host, site) for site in _SOCIAL) and len(segments) <= 1:
        return "a social-media profile, not an article"
    not_article = why_not_article(url)
    if not_article:
        return f"not an article ({not_article})"
    return None


def _on(host: str, site: str) -> bool:
    return host == site or host.endswith("." + site)


# -- HTML ------------------------------------------------------------------------------------

_STRUCTURAL_TAGS = {"nav": "in the page's <nav>", "footer": "in the page footer"}
_STRUCTURAL_ROLES = {"navigation": "in a navigation bar", "banner": "in the page header",
                     "contentinfo": "in the page footer"}  # fmt: skip
_STRUCTURAL_NAMES = {
    "nav", "navbar", "navigation", "menu", "main-nav", "site-nav", "site-header", "page-header",
    "masthead", "breadcrumb", "breadcrumbs", "social", "social-links", "share", "sharing",
    "share-buttons", "sidebar",
}  # fmt: skip


def _html_candidates(
    content: str, base_url: str | None
) -> tuple[list[_Candidate], str | None, set[str]]:
    import lxml.html
    from lxml import etree

    # lxml refuses text that still declares its byte encoding (XHTML newsletters do).
    content = re.sub(r"^\s*<\?xml[^>]*\?>", "", content, count=1)
    if not content.strip():
        return [], base_url, set()
    try:
        root = lxml.html.document_fromstring(content)
    except (etree.ParserError, ValueError):
        return [], base_url, set()
    base = base_url
    for element in root.iter("base"):
        if element.get("href"):
            base = urljoin(base or "", element.get("href").strip())
            break
    declared = set()
    for element in root.xpath("//link[@rel='canonical']|//meta[@property='og:url']"):
        value = (element.get("href") or element.get("content") or "").strip()
        if value.startswith(("http://", "https://")):
            declared.add(site_of(value))
            base = base or value  # the page's own address resolves its relative links
    candidates = []
    for anchor in root.iter("a", "area"):
        if anchor.get("href") is None:
            continue
        text = " ".join(anchor.text_content().split())
        images = anchor.xpath(".//img")
        if not text:
            alt = next((i.get("alt") for i in images if (i.get("alt") or "").strip()), None)
            text = " ".join((alt or anchor.get("title") or anchor.get("aria-label") or "").split())
        candidates.append(_Candidate(anchor.get("href"), text, _structural(anchor)))
    return candidates, base, declared


def _structural(anchor) -> str | None:
    """Why the anchor's place in the page marks it as navigation, or None."""
    for element in anchor.iterancestors():
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in _STRUCTURAL_TAGS:
            return _STRUCTURAL_TAGS[tag]
        if tag == "header" and not any(
            a.tag in ("article", "main") for a in element.iterancestors()
        ):
            return "in the page header"
        role = (element.get("role") or "").lower()
        if role in _STRUCTURAL_ROLES:
            return _STRUCTURAL_ROLES[role]
        names = [*(element.get("class") or "").lower().split(), (element.get("id") or "").lower()]
        for name in names:
            if name in _STRUCTURAL_NAMES or "footer" in name or "preheader" in name:
                return f"in a '{name}' block"
    return None


# -- Markdown and text -----------------------------------------------------------------------

_URL_CHARS = r"[^\s<>\"'`\[\]{}|\\^]"
_BARE_URL = re.compile(rf"(?:https?://|www\.){_URL_CHARS}+", re.I)
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n.*?\n---[ \t]*$", re.M | re.S)
_FENCE = re.compile(r"^ {0,3}(```|~~~).*?(?:^ {0,3}\1[^\n]*$|\Z)", re.M | re.S)
_CODE_SPAN = re.compile(r"(`+)[^`]+?\1")
_REF_DEF = re.compile(r"^ {0,3}\[([^\]]+)\]:[ \t]*<?(\S+?)>?(?:[ \t]+[\"'(].*[\"')])?[ \t]*$", re.M)
_LINK_TEXT = r"\[((?:[^\[\]]|\[[^\]]*\])*)\]"
_LINK_TARGET = (
    r"\(\s*<?((?:[^\s()<>]|\([^\s()]*\))+)>?(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)"
)
_INLINE_LINK = re.compile(rf"(?<!!){_LINK_TEXT}{_LINK_TARGET}")
_IMAGE = re.compile(rf"!{_LINK_TEXT}(?:{_LINK_TARGET}|\[[^\]]*\])")
_REF_LINK = re.compile(rf"(?<![!\]]){_LINK_TEXT}(?:\[([^\]]*)\])?(?![(:])")
_AUTOLINK = re.compile(r"<((?:https?|mailto|ftp):[^\s<>]+)>", re.I)
_HTML_ANCHOR = re.compile(r"<a\s[^>]*?href\s*=\s*([\"'])(.*?)\1[^>]*>(.*?)</a\s*>", re.I | re.S)


def _markdown_candidates(content: str) -> list[_Candidate]:
    """Inline, reference, autolinks, raw HTML anchors and bare URLs, in document order."""
    text = _mask(content, _FRONT_MATTER)
    text = _mask(text, _FENCE)
    text = _mask(text, _CODE_SPAN)
    refs = {m.group(1).strip().lower(): m.group(2) for m in _REF_DEF.finditer(text)}
    text = _mask(text, _REF_DEF)
    found: list[tuple[int, _Candidate]] = []
    for match in _INLINE_LINK.finditer(text):
        found.append((match.start(), _Candidate(match.group(2), _md_text(match.group(1)))))
    text = _mask(text, _INLINE_LINK)
    for match in _IMAGE.finditer(text):
        target = match.group(2) or ""
        found.append((match.start(), _Candidate(target, _md_text(match.group(1)), image=True)))
    text = _mask(text, _IMAGE)
    for match in _REF_LINK.finditer(text):
        label = (match.group(2) or match.group(1)).strip().lower()
        if label in refs:
            found.append((match.start(), _Candidate(refs[label], _md_text(match.group(1)))))
    for match in _AUTOLINK.finditer(text):
        found.append((match.start(), _Candidate(match.group(1))))
    text = _mask(text, _AUTOLINK)
    for match in _HTML_ANCHOR.finditer(text):
        words = " ".join(re.sub(r"<[^>]+>", " ", match.group(3)).split())
        found.append((match.start(), _Candidate(match.group(2), words)))
    text = _mask(text, _HTML_ANCHOR)
    found += _bare_urls(text)
    found.sort(key=lambda pair: pair[0])
    return [candidate for _, candidate in found]


def _text_candidates(content: str) -> list[_Candidate]:
    return [candidate for _, candidate in _bare_urls(content)]


def _bare_urls(text: str) -> list[tuple[int, _Candidate]]:
    """Bare URLs, each titled by the rest of its line when that reads like a title."""
    found = []
    for match in _BARE_URL.finditer(text):
        url = _trim_url(match.group(0))
        line_start = text.rfind("\n", 0, match.start()) + 1
        line_end = text.find("\n", match.end())
        line = text[line_start : len(text) if line_end < 0 else line_end]
        rest = line.replace(match.group(0), " ")
        rest = _BARE_URL.sub(" ", rest)
        rest = re.sub(r"^\s*(?:[-*+•]|\d+[.)])\s+", "", rest)
        rest = " ".join(rest.split()).strip(" :-–—|()[]<>*_")
        found.append((match.start(), _Candidate(url, rest if len(rest) >= 3 else "")))
    return found


def _trim_url(url: str) -> str:
    """Drop punctuation that ends the sentence rather than the URL; keep balanced brackets."""
    while url:
        last = url[-1]
        if last in ".,;:!?*_'\"" or last == ")" and url.count("(") < url.count(")"):
            url = url[:-1]
        else:
            break
    return url


def _md_text(text: str) -> str:
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[*_`~]+", "", text)
    return " ".join(text.split())


def _mask(text: str, pattern: re.Pattern[str]) -> str:
    """Blank out matches, keeping offsets (and newlines) so positions still sort in order."""
    return pattern.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
