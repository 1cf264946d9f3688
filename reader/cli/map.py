"""CLI commands on the `themes` group: `reader themes map` and `reader themes browse`.

Kept apart from reader/cli/themes.py, which registers MAP_COMMANDS on its group.
"""

from __future__ import annotations

from pathlib import Path

import click

from reader.cli.common import State, echo_json, pass_state, progress_bar
from reader.errors import BadInput
from reader.textsafe import terminal_safe


@click.command(name="map")
@click.option("--out", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Write a standalone HTML map here (opens offline in any browser).")
@click.option("--method", type=click.Choice(["auto", "umap", "pca"]), default="auto",
              show_default=True, help="Layout: UMAP when installed, else PCA.")
@click.option("--seed", type=int, default=0, show_default=True, help="Layout seed.")
@click.option("--json", "as_json", is_flag=True, help="Print the map's data as JSON only.")
@pass_state
def map_(state: State, out: Path | None, method: str, seed: int, as_json: bool) -> None:
    """A 2-D map of your library, coloured by broad theme (HTML with --out)."""
    from reader.services.themes.map import reading_map

    with progress_bar("Map", enabled=not as_json) as progress:
        found = reading_map(state.context, method=method, seed=seed, progress=progress)
    data = found.to_dict()
    if out is not None:
        from reader.render.map_html import render_map_html

        try:
            out.write_text(render_map_html(data), "utf-8")
        except OSError as exc:
            raise BadInput(f"cannot write {out}: {exc.strerror or exc}") from exc
    if as_json:
        echo_json(data)
        return
    how = "from the cache" if found.cached else "computed now"
    click.echo(f"Map of {len(found.points)} articles by {found.method.upper()} ({how}).")
    for t in found.themes:
        click.echo(f"  {t.id:>5}  {terminal_safe(t.title, single_line=True)[:48]:<48} "
                   f"{t.articles:>6} articles")
    for note in found.notes:
        click.echo(f"  note: {note}", err=True)
    if out is not None:
        click.echo(f"Wrote {out}: open it in a browser (no network needed).")
    else:
        click.echo("Use --out map.html for the picture, or the map in `reader tui`.")


@click.command(name="browse")
@click.option("--sort", type=click.Choice(["size", "recent", "novel", "name"]), default="size",
              show_default=True, help="size: most articles; recent: most in the last --days; "
              "novel: largest share of articles arriving in the last --days.")
@click.option("--filter", "text", default="", help="Only themes whose name or keywords "
              "contain this.")
@click.option("--level", type=click.Choice(["broad", "fine"]), help="Only this level.")
@click.option("--days", type=click.IntRange(1, 3650), default=30, show_default=True,
              help="The recent window, ending at your latest reading.")
@click.option("--limit", type=click.IntRange(1, 100_000), default=40, show_default=True)
@click.option("--all", "show_all", is_flag=True, help="Include hidden (generic or mixed) themes.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON only.")
@pass_state
def browse(state: State, sort: str, text: str, level: str | None, days: int, limit: int,
           show_all: bool, as_json: bool) -> None:
    """Find themes among many: filter by name, sort by size, recent activity or novelty."""
    from reader.services.themes.browse import browse_themes

    data = browse_themes(state.context, sort=sort, text=text, level=level,
                         include_hidden=show_all, days=days, limit=limit)
    if as_json:
        echo_json(data)
        return
    if not data["total"]:
        click.echo("No theme matches." if text else
                   "No themes yet: run `reader themes train` once the library is indexed.")
        return
    window = (f"last {days} days to {data['window_end'][:10]}" if data["window_end"]
              else f"last {days} days")
    click.echo(f"{data['total']} themes{' matching ' + repr(text) if text else ''}, by {sort} "
               f"(recent = {window}); showing {len(data['themes'])}")
    click.echo(f"  {'id':>5}  {'theme':<44} {'level':<5} {'articles':>8} {'recent':>6}  since")
    for r in data["themes"]:
        title = terminal_safe(r["title"], single_line=True)
        click.echo(f"  {r['id']:>5}  {title[:44]:<44} {r['level']:<5} {r['articles']:>8} "
                   f"{r['recent']:>6}  {(r['first_seen'] or '')[:10]}")


MAP_COMMANDS = [map_, browse]
