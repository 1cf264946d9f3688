"""Render a digest as Markdown through a Jinja2 template, with safe text and links.

Templates never see raw strings: `markdown_view` escapes every text value and makes every
`url` safe before rendering, so a user's own template is safe by construction: a title like
`[x](javascript:alert(1))` prints as literal text and a `javascript:` URL becomes "".
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from reader.errors import BadInput

if TYPE_CHECKING:
    from jinja2.sandbox import SandboxedEnvironment

SAFE_SCHEMES = frozenset({"http", "https"})
DEFAULT_TEMPLATE = "digest.md.j2"

# Characters that can start or end inline Markdown constructs (emphasis, code, links, HTML,
# tables, strikethrough). Escaping them with a backslash is valid CommonMark for any of them.
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")
_ENTITY = re.compile(r"&(?=#?\w+;)")
_IMAGE_BANG = re.compile(r"!(?=\\\[)")
_BLOCK_START = re.compile(r"^([#>+=-])")
_ORDERED_START = re.compile(r"^(\d+)([.)])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_WHITESPACE = re.compile(r"\s+")
_NETLOC = re.compile(r"[A-Za-z0-9.\-_~%!$&'*+,;=:@\[\]]+")
# What may stay unencoded in a link destination: RFC 3986 characters minus the ones that
# end or confuse a Markdown link, `(`, `)`, `<`, `>`, brackets, quotes and backslash.
_URL_SAFE = "-._~:/?#@!$&*+,;=%"


class MarkdownSafe(str):
    """A string that is already valid, safe Markdown: printed as it is."""


def escape_markdown(text: object) -> MarkdownSafe:
    """Plain text as one line of Markdown that renders as exactly that text."""
    if isinstance(text, MarkdownSafe):
        return text
    if text is None:
        return MarkdownSafe("")
    flat = _WHITESPACE.sub(" ", _CONTROL.sub(" ", str(text))).strip()
    flat = _INLINE_SPECIAL.sub(r"\\\1", flat)
    flat = _ENTITY.sub(r"\\&", flat)
    flat = _IMAGE_BANG.sub(r"\\!", flat)
    # A line that starts like a heading, quote, list or rule would change the block.
    flat = _BLOCK_START.sub(r"\\\1", flat)
    flat = _ORDERED_START.sub(r"\1\\\2", flat)
    return MarkdownSafe(flat)


def safe_url(url: object) -> str | None:
    """An http(s) URL made safe inside `(...)`, or None for any other scheme or no host."""
    if not url:
        return None
    # Browsers ignore controls and whitespace inside a scheme ("java\tscript:"): so do we.
    cleaned = _CONTROL.sub("", str(url)).strip()
    try:
        parts = urlsplit(cleaned)
    except ValueError:
        return None
    if parts.scheme.lower() not in SAFE_SCHEMES or not parts.netloc:
        return None
    netloc = _ascii_netloc(parts.netloc)
    if netloc is None:
        return None
    rest = cleaned[len(parts.scheme) + 3 + len(parts.netloc) :]
    return f"{parts.scheme.lower()}://{netloc}{quote(rest, safe=_URL_SAFE)}"


def _ascii_netloc(netloc: str) -> str | None:
    """The host part in ASCII (IDNA for non-ASCII names), or None when it cannot be a host."""
    if not netloc.isascii():
        try:
            netloc = netloc.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    return netloc if _NETLOC.fullmatch(netloc) else None


def markdown_link(title: object, url: object) -> MarkdownSafe:
    """`[title](url)` with the title escaped; just the title when the URL is unsafe."""
    text = escape_markdown(title if title else url or "untitled")
    href = safe_url(url)
    if href is None:
        return text
    return MarkdownSafe(f"[{text}]({href})")


def blockquote(text: object, indent: int = 0) -> MarkdownSafe:
    """Text as a one-paragraph Markdown blockquote, indented to sit inside a list item."""
    return MarkdownSafe(" " * indent + "> " + escape_markdown(text))


URL_KEYS = frozenset({"url", "href"})


def markdown_view(value: Any, key: str | None = None) -> Any:
    """`value` with every string escaped for Markdown (URLs made safe) and item links added."""
    if isinstance(value, dict):
        view = {k: markdown_view(v, k) for k, v in value.items()}
        if "title" in value and "url" in value:
            view["link"] = markdown_link(value["title"], value["url"])
        return view
    if isinstance(value, list | tuple):
        return [markdown_view(v, key) for v in value]
    if isinstance(value, str):
        if key in URL_KEYS:
            return MarkdownSafe(safe_url(value) or "")
        return escape_markdown(value)
    return value


def _finalize(value: Any) -> Any:
    return "" if value is None else value


def make_environment(template_dir: Path | None = None) -> SandboxedEnvironment:
    """A sandboxed Jinja2 environment that escapes for Markdown and has our filters."""
    # Imported here: the URL and Markdown helpers above serve `reader add` and `show`, which
    # should not pay for Jinja2.
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    if template_dir is None:
        loader: jinja2.BaseLoader = jinja2.PackageLoader("reader.render", "templates")
    else:
        loader = jinja2.FileSystemLoader(str(template_dir))
    env = SandboxedEnvironment(
        loader=loader,
        autoescape=False,
        finalize=_finalize,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = escape_markdown
    env.filters["link"] = markdown_link
    env.filters["url"] = lambda u: MarkdownSafe(safe_url(u) or "")
    env.filters["quote"] = blockquote
    return env


# Keys older digest data (and hand-made data) may lack; the default template reads them.
DATA_DEFAULTS: dict[str, Any] = {
    "greeting": "Say hello, and a line on how the week went.",
    "working_on": [],
    "sign_off": "",
    "author_name": "",
}


def render_digest(data: dict[str, Any], template: Path | None = None) -> str:
    """The digest `data` rendered with the default template or the user's Jinja2 file."""
    import jinja2

    data = {**DATA_DEFAULTS, **data}
    try:
        if template is None:
            tmpl = make_environment().get_template(DEFAULT_TEMPLATE)
        else:
            tmpl = make_environment(template.parent).get_template(template.name)
        text = tmpl.render(**markdown_view(data))
    except jinja2.TemplateNotFound as exc:
        raise BadInput(f"template not found: {exc.name}") from exc
    except jinja2.TemplateSyntaxError as exc:
        raise BadInput(
            f"{exc.filename or exc.name}:{exc.lineno}: template error: {exc.message}"
        ) from exc
    except (jinja2.UndefinedError, jinja2.exceptions.SecurityError) as exc:
        raise BadInput(f"template error: {exc}") from exc
    return _tidy(text)


def default_template_text() -> str:
    """The packaged default template, for users who want to start their own from it."""
    return (
        resources.files("reader.render").joinpath("templates", DEFAULT_TEMPLATE).read_text("utf-8")
    )


def _tidy(text: str) -> str:
    """At most one blank line in a row and a single final newline."""
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip() + "\n"
