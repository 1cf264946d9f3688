"""CLI commands: `reader index`, `reader search`, `reader related`.

Nothing here imports numpy, torch or the model at import time: `reader --help` stays instant,
and `reader search` loads only ONNX Runtime, never torch.
"""

from __future__ import annotations

import click

from reader.cli.common import State, echo, echo_json, pass_state, progress_bar
from reader.errors import ReaderError

STATUS_CHOICES = ["unread", "reading", "read", "archived"]


@click.command(name="index")
@click.option("--rebuild", is_flag=True, help="Rebuild the search index file from the library.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_state
def index(state: State, rebuild: bool, as_json: bool) -> None:
    """Chunk, embed and index the articles not searchable by meaning yet."""
    from dataclasses import asdict

    from reader.services.search.indexing import index_pending

    shown: set[str] = set()
    with progress_bar("Indexing", enabled=not as_json) as progress:

        def show(p) -> None:
            if p.message and p.message not in shown:
                shown.add(p.message)
                echo(p.message, err=True)
            progress(p)

        report = index_pending(state.context, progress=show, rebuild=rebuild)
    if report.skipped:
        raise ReaderError(report.skipped)
    for message in report.messages:
        if message not in shown:
            echo(message, err=True)
    if as_json:
        echo_json(asdict(report))
        return
    echo(f"Index: {report.summary()}")


@click.command(name="search")
@click.argument("query", nargs=-1, required=True)
@click.option(
    "--mode",
    type=click.Choice(["hybrid", "semantic", "keyword"]),
    default="hybrid",
    show_default=True,
    help="By words and meaning, meaning only, or words only.",
)
@click.option("--limit", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option(
    "--status",
    "states",
    multiple=True,
    type=click.Choice(STATUS_CHOICES),
    help="Only articles in this state (repeatable).",
)
@click.option("--tag", "tags", multiple=True, help="Only articles with this tag (repeatable).")
@click.option("--since", help="Only articles saved since: YYYY-MM-DD, an ISO time, or 7d, 2w.")
@click.option("--until", help="Only articles saved until (a date includes that day).")
@click.option(
    "--plus",
    "plus",
    multiple=True,
    metavar="THEME",
    help="Steer the meaning of the query towards a theme (id or name; repeatable).",
)
@click.option(
    "--minus",
    "minus",
    multiple=True,
    metavar="THEME",
    help="Steer the meaning of the query away from a theme (id or name; repeatable).",
)
@click.option("--json", "as_json", is_flag=True, help="Print results as JSON.")
@pass_state
def search(
    state: State,
    query: tuple[str, ...],
    mode: str,
    limit: int,
    states: tuple[str, ...],
    tags: tuple[str, ...],
    since: str | None,
    until: str | None,
    plus: tuple[str, ...],
    minus: tuple[str, ...],
    as_json: bool,
) -> None:
    """Search the library: words in "quotes" must appear together, -word must not appear.

    --plus/--minus move the query along themes' directions before the nearest-neighbour
    search (try `reader themes` for their ids and names).
    """
    from reader.services.search.service import SearchFilters, SearchService

    steer = None
    if plus or minus:
        if mode == "keyword":
            raise click.UsageError("--plus/--minus steer meaning: use --mode hybrid or semantic")
        from reader.services.themes.service import ThemeService

        steer = ThemeService(state.context).steerer(plus, minus)
    filters = SearchFilters(states=states, tags=tags, since=since, until=until)
    results = SearchService(state.context).search(
        " ".join(query), mode=mode, limit=limit, filters=filters, steer=steer
    )
    _print(results, as_json)


@click.command(name="related")
@click.argument("article_id", type=int)
@click.option("--limit", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print results as JSON.")
@pass_state
def related(state: State, article_id: int, limit: int, as_json: bool) -> None:
    """Articles nearest in meaning to article ID, and the themes each shares with it."""
    from reader.services.search.service import SearchService
    from reader.services.themes.service import ThemeService

    results = SearchService(state.context).related(article_id, limit=limit)
    themes = ThemeService(state.context)
    shared = {
        hit.article_id: themes.shared_themes(article_id, hit.article_id) for hit in results.hits
    }
    _print(results, as_json, shared=shared)


def _print(results, as_json: bool, shared: dict[int, list[dict]] | None = None) -> None:
    for notice in results.notices:
        echo(f"Note: {notice}", err=True)
    if as_json:
        data = results.to_dict()
        if shared is not None:
            for row, hit in zip(data["results"], results.hits, strict=True):
                row["shared_themes"] = shared.get(hit.article_id, [])
        echo_json(data)
        return
    if not results.hits:
        echo("No matches.", err=True)
        return
    for number, hit in enumerate(results.hits, start=1):
        where = " · ".join(x for x in (hit.state, hit.site, (hit.added_at or "")[:10]) if x)
        score = f"  similarity {hit.score:.2f}" if shared is not None else ""
        echo(f"{number:>2}. [{hit.article_id}] {hit.title or hit.url}  ({where}){score}")
        if hit.snippet:
            echo(f"    {hit.marked()}")
        if shared and shared.get(hit.article_id):
            names = ", ".join(t["title"] for t in shared[hit.article_id])
            echo(f"    shared themes: {names}")


COMMANDS = [index, search, related]
