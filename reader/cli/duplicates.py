"""Near duplicates at the command line: list them, merge two articles, split one apart."""

from __future__ import annotations

import click

from reader.cli.common import State, echo_json, pass_state
from reader.textsafe import terminal_safe


@click.command()
@click.option("--scan", is_flag=True, help="First sign and check articles never checked (after an upgrade).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON only.")
@pass_state
def duplicates(state: State, scan: bool, as_json: bool) -> None:
    """Articles marked as near copies of another, and how close they are."""
    from reader.services.library import dedupe

    db = state.context.db
    if scan:
        with db.atomic():
            checked = dedupe.sign_missing(db)
        if not as_json:
            click.echo(f"checked {checked} articles", err=True)
    found = dedupe.list_duplicates(db)
    if as_json:
        echo_json([d.__dict__ for d in found])
        return
    if not found:
        click.echo("No duplicates.", err=True)
        return
    for d in found:
        score = f"{d.similarity:.2f}" if d.similarity is not None else "same text"
        title = terminal_safe((d.title or d.url)[:60])
        original = terminal_safe((d.original_title or "")[:40])
        click.echo(f"{d.id:>5}  copies #{d.duplicate_of} ({score})  {title}  <- {original}")


@click.command()
@click.argument("keep", type=int)
@click.argument("other", type=int)
@pass_state
def merge(state: State, keep: int, other: int) -> None:
    """Merge OTHER into KEEP: notes, highlights, tags and reading state move to KEEP."""
    from reader.services.library import dedupe

    dedupe.merge(state.context.db, keep, other)
    click.echo(f"merged #{other} into #{keep}; #{other} is now hidden as its duplicate")


@click.command()
@click.argument("article_id", type=int)
@pass_state
def split(state: State, article_id: int) -> None:
    """ARTICLE_ID is not a duplicate: show it in search, themes and digests again."""
    from reader.services.library import dedupe

    was = dedupe.split(state.context.db, article_id)
    if was is None:
        click.echo(f"#{article_id} was not marked as a duplicate; it will not be marked again")
    else:
        click.echo(f"#{article_id} is no longer a duplicate of #{was}; `reader index` adds it to search")


COMMANDS = [duplicates, merge, split]
