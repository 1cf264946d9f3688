"""Title, author, date and site name of a page: trafilatura's metadata steps, minus the unused ones.

`trafilatura.extract_metadata` also collects categories, tags and a licence, which reader
never keeps: on the article-extraction corpus those steps were a third of its metadata
time (py-spy, bench/extraction.py). This runs the same steps in the same order for the
fields reader stores, on a tree parsed once for both the article and its metadata.
"""

from __future__ import annotations

import logging
from typing import Any

_LOG = logging.getLogger(__name__)


def page_metadata(tree: Any, url: str | None, date_params: dict[str, Any]) -> Any:
    """A trafilatura Document with title, author, url, date and sitename set (or None)."""
    from trafilatura.metadata import (
        META_URL,
        examine_meta,
        extract_author,
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
        metadata.author = extract_author(tree)
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
