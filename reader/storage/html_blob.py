"""The page HTML an article keeps: zlib-compressed UTF-8 (level 1: fast, and half the size).

Its own module, free of SQLite, so that extraction workers can compress a page without
importing the storage layer (sqlite-utils, and numpy behind it) into every worker.
"""

from __future__ import annotations

import zlib


def compress_html(html: str | None) -> bytes | None:
    return zlib.compress(html.encode("utf-8"), 1) if html else None


def decompress_html(blob: bytes | None) -> str | None:
    return zlib.decompress(blob).decode("utf-8") if blob else None
