"""Links in an exported article's Markdown that a viewer must not follow.

The export escapes HTML itself; what is left is Markdown's own links. A link or a link
reference definition whose destination has a scheme other than http(s) or mailto
(`javascript:`, `data:`, `vbscript:`, `file:`) loses its link: its `]` or `[` is escaped,
so the text shows as written and nothing can be clicked.
"""

from __future__ import annotations

import re

_SCHEME = r"<?\s*(?!(?:https?|mailto):)[A-Za-z][A-Za-z0-9+.\-]*\s*:"
# `[text](javascript:...)`: the `]` before the destination.
_UNSAFE_LINK = re.compile(rf"\](?=\(\s*{_SCHEME})")
# `[id]: javascript:...` (used elsewhere as `[text][id]`): the definition's `[`.
_UNSAFE_DEFINITION = re.compile(rf"^( {{0,3}})\[(?=[^\]]+\]:\s*{_SCHEME})", re.M)


def drop_unsafe_links(markdown: str) -> str:
    """`markdown` with every link to a non-http(s), non-mailto destination made plain text."""
    return _UNSAFE_DEFINITION.sub(r"\1\\[", _UNSAFE_LINK.sub(r"\\]", markdown))
