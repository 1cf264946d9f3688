"""Text from strangers made safe for a terminal: the one function every edge uses.

Article titles, text, sites, authors, URLs and server error messages can carry escape
sequences (clear screen, OSC 52 clipboard writes, hyperlinks), C0/C1 control characters
and Unicode bidi overrides that reverse what a reader sees. `terminal_safe` removes them;
`--json` output keeps data exact and never passes through here.
"""

from __future__ import annotations

import re

# CSI (ESC [ ... final), OSC (ESC ] ... BEL or ST), DCS/SOS/PM/APC (ESC P/X/^/_ ... ST),
# and two-character escapes (ESC followed by one byte). The 8-bit C1 forms are matched too.
_ESCAPES = re.compile(
    r"""
    (?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?                 # CSI, possibly cut short
    | (?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f]).*?(?:\x07|\x1b\\|\x9c|$)  # OSC, DCS, SOS, PM, APC
    | \x1b[ -/]*[0-~]?                                 # other escapes (and a lone ESC)
    """,
    re.VERBOSE | re.DOTALL,
)

# C0 controls except tab and newline, DEL, C1 controls; bidi embeddings, overrides and
# isolates (U+202A-U+202E, U+2066-U+2069), the directional marks that can be abused
# together with them (U+200E, U+200F, U+061C), and the line/paragraph separators that
# some terminals treat as newlines.
_CONTROLS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)

_SURROGATES = re.compile("[\ud800-\udfff]")
_MASK = re.compile(f"{_CONTROLS.pattern}|[\r\ud800-\udfff]")


def terminal_safe(value: object, *, single_line: bool = False) -> str:
    """`value` as text with escape sequences, control and bidi characters removed.

    Carriage returns become newlines (a lone CR would let text overwrite its own line).
    With `single_line`, newlines and tabs become spaces too (titles, table cells).
    """
    if value is None:
        return ""
    text = str(value)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _ESCAPES.sub("", text)
    text = _CONTROLS.sub("", text)
    # A lone surrogate (from a JSON \\ud800 escape) cannot be written to a UTF-8 terminal.
    text = _SURROGATES.sub("\ufffd", text)
    if single_line:
        text = re.sub(r"[\n\t]+", " ", text)
    return text


def mask_unsafe(value: str) -> str:
    """`value` with every control, bidi or surrogate character (and CR) replaced by a space.

    For text whose character offsets matter (search snippets with marked spans): escape
    sequences lose their power once ESC is gone, and nothing moves.
    """
    return _MASK.sub(" ", value)


def json_safe(encoded: str) -> str:
    """JSON text with the characters a terminal would act on written as \\uXXXX escapes.

    `json.dumps(..., ensure_ascii=False)` leaves C1 controls, DEL and bidi controls raw;
    they can only occur inside JSON strings, so escaping them keeps the data exact.
    """
    return _CONTROLS.sub(lambda m: f"\\u{ord(m.group()):04x}", encoded)


def has_unsafe(value: str) -> bool:
    """Whether `value` holds anything `terminal_safe` would remove."""
    return terminal_safe(value) != value.replace("\r\n", "\n").replace("\r", "\n")
