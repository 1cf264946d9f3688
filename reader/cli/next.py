"""CLI command: `reader next`, unread articles ranked for now, each with its reason."""

from __future__ import annotations

import click

from reader.cli.common import State, echo_json, pass_state
from reader.textsafe import terminal_safe


@click.command(name="next")
@click.option("--limit", type=click.IntRange(1, 10_000), default=10, show_default=True)
@click.option("--half-life", "half_life", type=click.FloatRange(0.5, 3650), default=None,
              help="Days after which a read counts half as much in 'what you read now' "
                   "[default: 30].")
@click.option("--json", "as_json", is_flag=True, help="Print JSON only.")
@pass_state
def next_(state: State, limit: int, half_life: float | None, as_json: bool) -> None:
    """Unread articles ranked by the chance you read them soon: what they are about, against
    what you read and passed over, and how long they have waited."""
    from reader.services.themes.next import rank_next

    result = rank_next(state.context, limit=limit, half_life_days=half_life)
    if as_json:
        echo_json(result.to_dict())
        return
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    if not result.items:
        click.echo("Nothing unread to rank: save something with `reader add URL`.")
        return
    click.echo(f"{len(result.items)} of {result.candidates} unread, ranked against "
               f"{result.history} articles you read (recent ones count most):")
    for n, item in enumerate(result.items, 1):
        title = terminal_safe(item.title, single_line=True)
        site = f"  ({terminal_safe(item.site, single_line=True)})" if item.site else ""
        click.echo(f"{n:>3}. [{item.id}] {title}{site}")
        click.echo(f"     {terminal_safe(item.reason, single_line=True)}")


COMMANDS = [next_]
