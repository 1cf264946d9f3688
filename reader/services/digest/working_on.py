"""The optional "What I'm working on" section: from a file, or from one of the user's notes."""

from __future__ import annotations

import re
from pathlib import Path

from sqlite_utils import Database

from reader.errors import BadInput, NotFound

MAX_CHARS = 4000  # a paragraph or three, not a second newsletter


def working_on(db: Database, ref: str | None) -> list[str]:
    """The paragraphs to print under "What I'm working on", or [] when none was named.

    ref: a path to a Markdown or text file, or `note:ID` for one of your notes.
    """
    if not ref or not ref.strip():
        return []
    ref = ref.strip()
    match = re.fullmatch(r"note:(\d+)", ref)
    if match:
        row = db.execute("select text from notes where id = ?", [int(match.group(1))]).fetchone()
        if row is None:
            raise NotFound(f"no note with id {match.group(1)} (for What I'm working on)")
        text = row[0] or ""
    else:
        path = Path(ref).expanduser()
        try:
            text = path.read_text("utf-8")
        except FileNotFoundError:
            raise BadInput(f"What I'm working on: no file {path}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise BadInput(f"What I'm working on: cannot read {path} ({exc})") from exc
    text = text[:MAX_CHARS]
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
    return [p for p in paragraphs if p]
