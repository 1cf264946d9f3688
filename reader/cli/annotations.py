"""CLI commands: notes and highlights listed, added by position, edited and deleted.

`reader note ID TEXT` and `reader highlight ID TEXT` (in library.py) still add; these groups
work on the notes and highlights by their own ids, which `reader notes list` shows.
"""

from __future__ import annotations

import sys
from dataclasses import asdict

import click

from reader.cli.common import State, echo_json, pass_state


def _annotations(state: State):
    from reader.services.library.annotations import Annotations

    return Annotations(state.context)


def _listing(state: State, kind: str, article_id: int | None, as_json: bool) -> None:
    from reader.textsafe import terminal_safe

    rows = [a for a in _annotations(state).list(article_id) if a.kind == kind]
    if as_json:
        echo_json([asdict(a) for a in rows])
        return
    if not rows:
        click.echo(f"No {kind}s yet.", err=True)
    for a in rows:
        where = f" @{a.start_char}-{a.end_char}" if a.start_char is not None else ""
        line = f"{a.id}\t#{a.article_id}{where}\t{terminal_safe(a.text, single_line=True)}"
        if a.note:
            line += f"\t— {terminal_safe(a.note, single_line=True)}"
        click.echo(line)


def _confirm_delete(what: str, yes: bool) -> None:
    if yes:
        return
    if not sys.stdin.isatty():
        raise click.UsageError(f"deleting {what} needs --yes when there is no terminal to ask")
    click.confirm(f"Delete {what}?", abort=True)


@click.group()
def notes() -> None:
    """List, edit and delete notes (add one with `reader note ID TEXT`)."""


@notes.command(name="list")
@click.argument("article_id", type=int, required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON only.")
@pass_state
def notes_list(state: State, article_id: int | None, as_json: bool) -> None:
    """Every note (of one article when given): note id, article id, text."""
    _listing(state, "note", article_id, as_json)


@notes.command(name="edit")
@click.argument("note_id", type=int)
@click.argument("text")
@pass_state
def notes_edit(state: State, note_id: int, text: str) -> None:
    """Replace a note's text."""
    article = _annotations(state).edit_note(note_id, text)
    click.echo(f"Note {note_id} on #{article.id} changed", err=True)


@notes.command(name="delete")
@click.argument("note_id", type=int)
@click.option("--yes", is_flag=True, help="Do not ask.")
@pass_state
def notes_delete(state: State, note_id: int, yes: bool) -> None:
    """Delete a note."""
    _annotations(state).store.annotation("notes", note_id)
    _confirm_delete(f"note {note_id}", yes)
    article = _annotations(state).delete_note(note_id)
    click.echo(f"Note {note_id} on #{article.id} deleted", err=True)


@click.group()
def highlights() -> None:
    """List, add, edit and delete highlights: passages of an article's text."""


@highlights.command(name="list")
@click.argument("article_id", type=int, required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON only.")
@pass_state
def highlights_list(state: State, article_id: int | None, as_json: bool) -> None:
    """Every highlight (of one article when given): id, article id @start-end, passage, note."""
    _listing(state, "highlight", article_id, as_json)


@highlights.command(name="add")
@click.argument("article_id", type=int)
@click.argument("passage", required=False)
@click.option("--start", type=int, help="First character of the passage in the article's text.")
@click.option("--end", type=int, help="One past its last character.")
@click.option("--note", "note_text", default="", help="A note on the highlight.")
@pass_state
def highlights_add(state: State, article_id: int, passage: str | None, start: int | None,
                   end: int | None, note_text: str) -> None:
    """Keep a passage, quoted (found in the text) or by --start/--end offsets."""
    service = _annotations(state)
    if passage is not None and (start is not None or end is not None):
        raise click.UsageError("give the passage or --start/--end, not both")
    if passage is not None:
        article = service.highlight_passage(article_id, passage, note_text)
    elif start is not None and end is not None:
        article = service.highlight(article_id, start, end, note_text)
    else:
        raise click.UsageError("give the passage to keep, or both --start and --end")
    new = max(article.highlights, key=lambda h: h.id or 0)
    click.echo(f"Highlight {new.id} on #{article_id} @{new.start_char}-{new.end_char}", err=True)


@highlights.command(name="edit")
@click.argument("highlight_id", type=int)
@click.option("--note", "note_text", default=None, help="The highlight's new note.")
@click.option("--passage", default=None, help="A new passage (must be in the article).")
@pass_state
def highlights_edit(state: State, highlight_id: int, note_text: str | None,
                    passage: str | None) -> None:
    """Change a highlight's note or the passage it keeps."""
    if note_text is None and passage is None:
        raise click.UsageError("give --note or --passage")
    article = _annotations(state).edit_highlight(highlight_id, note=note_text, passage=passage)
    click.echo(f"Highlight {highlight_id} on #{article.id} changed", err=True)


@highlights.command(name="delete")
@click.argument("highlight_id", type=int)
@click.option("--yes", is_flag=True, help="Do not ask.")
@pass_state
def highlights_delete(state: State, highlight_id: int, yes: bool) -> None:
    """Delete a highlight."""
    _annotations(state).store.annotation("highlights", highlight_id)
    _confirm_delete(f"highlight {highlight_id}", yes)
    article = _annotations(state).delete_highlight(highlight_id)
    click.echo(f"Highlight {highlight_id} on #{article.id} deleted", err=True)


COMMANDS = [notes, highlights]
