"""The hash that spots the same content twice: blind to whitespace, punctuation and case.

Its own module so that extraction workers compute it without importing the capture service.
"""

from __future__ import annotations

import hashlib
import re

_WORD = re.compile(r"\w+")


def text_hash(text: str) -> str:
    """A hash of an article's words, blind to whitespace and case, to spot the same content twice."""
    words = _WORD.findall(text.lower())
    return hashlib.sha256(" ".join(words).encode("utf-8")).hexdigest()
