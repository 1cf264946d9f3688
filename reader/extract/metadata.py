"""Title, author, date and site name of a page: trafilatura's metadata steps, minus the unused ones.

`trafilatura.extract_metadata` also collects categories, tags and a licence, which reader
never keeps: on the article-extraction corpus those steps were a third of its metadata
time (py-spy, bench/extraction.py). This runs the same steps in the same order for the
fields reader stores, on a tree parsed once for both the article and its metadata.

The byline search (`page_author`) gives trafilatura's `extract_author` result without its
cost: that copies the whole tree, prunes comments, dates and figures from the copy, then
runs three XPath searches whose EXSLT regular expressions call back into Python for every
element. It was over half of the metadata time. Here the searches run on the tree as it is
(the pruned parts are only looked up, and only once a candidate byline is found), and each
regular-expression test first checks that its attribute exists, so elements without one
never call back. tests/test_extract_author.py checks the result equals extract_author's.
"""

from __future__ import annotations

import functools
import logging
import re
from copy import deepcopy
from typing import Any

_LOG = logging.getLogger(__name__)
_EXSLT = "http://exslt.org/regular-expressions"
# re:test(@attr, 'pattern') -> ((contains(@attr, 'lit') or ...) and re:test(@attr, 'pattern')):
# the same matches, as any match contains one of the literals, with far fewer Python callbacks.
_RE_TEST = re.compile(r"re:test\((@[\w-]+),\s*('[^']*')\)")


def page_metadata(tree: Any, url: str | None, date_params: dict[str, Any]) -> Any:
    """A trafilatura Document with title, author, url, date and sitename set (or None)."""
    from trafilatura.metadata import (
        META_URL,
        examine_meta,
        extract_meta_json,
        extract_sitename,
        extract_title,
        extract_url,
        find_date,
    )

    metadata = examine_meta(tree)
    if metadata.author and " " not in metadata.author:
        metadata.author = None  # a single word is a handle or a site, not a byline
    try:
        metadata = extract_meta_json(tree, metadata)
    except (ValueError, TypeError, KeyError, AttributeError, IndexError) as exc:
        _LOG.debug("JSON-LD metadata unreadable: %s", exc)
    if not metadata.title:
        metadata.title = extract_title(tree)
    if not metadata.author:
        metadata.author = page_author(tree)
    if not metadata.url:
        metadata.url = extract_url(tree, url)
    metadata.date = find_date(tree, **{**date_params, "url": metadata.url})
    if not metadata.sitename:
        metadata.sitename = extract_sitename(tree)
    if metadata.sitename:
        metadata.sitename = metadata.sitename.lstrip("@")
        if "." not in metadata.sitename and not metadata.sitename[:1].isupper():
            metadata.sitename = metadata.sitename.title()
    elif metadata.url:
        match = META_URL.match(metadata.url)
        if match:
            metadata.sitename = match[1]
    return metadata


def page_author(tree: Any) -> str | None:
    """The byline trafilatura's extract_author finds, without copying or pruning the tree."""
    from trafilatura.json_metadata import normalize_authors
    from trafilatura.utils import trim

    searches, discards = _author_xpaths()
    pruned: set[Any] | None = None
    for search in searches:
        for element in search(tree):
            if pruned is None:
                pruned = {hit for discard in discards for hit in discard(tree)}
            if pruned and (element in pruned or any(a in pruned for a in element.iterancestors())):
                continue  # extract_author would have cut it from its copy
            content = trim(" ".join(_pruned_text(element, pruned, discards)))
            if content and 2 < len(content) < 120:
                return normalize_authors(None, content)
    return None


def _pruned_text(element: Any, pruned: set[Any], discards: list[Any]) -> Any:
    """The element's text as it reads once the discarded parts inside it are cut."""
    if not pruned or not any(inner in pruned for inner in element.iterdescendants()):
        return element.itertext()
    from trafilatura.htmlprocessing import prune_unwanted_nodes

    return prune_unwanted_nodes(deepcopy(element), discards).itertext()


@functools.cache
def _author_xpaths() -> tuple[list[Any], list[Any]]:
    """trafilatura's byline searches and discard rules, each regex test guarded."""
    from trafilatura.xpaths import AUTHOR_DISCARD_XPATHS, AUTHOR_XPATHS

    return [_guarded(x) for x in AUTHOR_XPATHS], [_guarded(x) for x in AUTHOR_DISCARD_XPATHS]


def _guarded(xpath: Any) -> Any:
    from lxml.etree import XPath, XPathSyntaxError

    def guard(match: re.Match[str]) -> str:
        attribute, quoted = match.group(1), match.group(2)
        needed = _needed_literals(quoted[1:-1])
        if needed is None:
            return match.group(0)
        tests = " or ".join(f"contains({attribute}, '{literal}')" for literal in needed)
        return f"(({tests}) and {match.group(0)})"

    try:
        return XPath(_RE_TEST.sub(guard, xpath.path), namespaces={"re": _EXSLT})
    except XPathSyntaxError:
        return xpath


def _needed_literals(pattern: str) -> list[str] | None:
    """For each top-level alternative of `pattern`, a run of plain characters any match of it
    contains (its longest); None when some alternative has none of at least 3 characters."""
    alternatives, depth, start = [], 0, 0
    for i, char in enumerate(pattern):
        if char == "\\":
            return None  # escapes: not worth reading here
        depth += (char in "([") - (char in ")]")
        if char == "|" and depth == 0:
            alternatives.append(pattern[start:i])
            start = i + 1
    alternatives.append(pattern[start:])
    needed = []
    for alternative in alternatives:
        runs, run, depth = [], "", 0
        for char in alternative:
            if char in "([":
                depth += 1
            if depth or not (char.isalnum() or char in "-_ "):
                if char in "?*{" and run:
                    run = run[:-1]  # the character before is optional
                elif char == "+" and run:
                    pass  # at least once: it stays needed
                runs.append(run)
                run = ""
            else:
                run += char
            if char in ")]":
                depth -= 1
        runs.append(run)
        longest = max(runs, key=len)
        if len(longest) < 3 or "'" in longest:
            return None
        needed.append(longest)
    return needed
