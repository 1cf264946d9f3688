"""CLI commands: `reader themes [list|show|train|rename|timeline|changes|status]`.

`reader themes` alone lists the themes. Torch is imported only by `themes train`.
"""

from __future__ import annotations

import click

from reader.cli.common import State, echo, echo_json, pass_state, progress_bar
from reader.errors import NotEnoughData


def _service(state: State):
    from reader.services.themes.service import ThemeService

    return ThemeService(state.context)


def _quality(metrics: dict, indent: str = "  ") -> None:
    """The verdict, then every metric with its meaning."""
    from reader.services.themes.quality import quality_lines, verdict

    echo(f"{indent}{verdict(metrics).text}.")
    for name, value, meaning in quality_lines(metrics):
        echo(f"{indent}  {name} {value}: {meaning}")


@click.group(name="themes", invoke_without_command=True)
@click.option("--level", type=click.Choice(["broad", "fine"]), help="Only this level.")
@click.option("--all", "show_all", is_flag=True, help="Include hidden (generic or mixed) themes.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON only.")
@click.pass_context
def themes(ctx: click.Context, level: str | None, show_all: bool, as_json: bool) -> None:
    """Themes found in your reading by a sparse autoencoder (alone: list them)."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(list_, level=level, show_all=show_all, as_json=as_json)


@themes.command(name="list")
@click.option("--level", type=click.Choice(["broad", "fine"]), help="Only this level.")
@click.option("--all", "show_all", is_flag=True, help="Include hidden (generic or mixed) themes.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON only.")
@pass_state
def list_(state: State, level: str | None = None, show_all: bool = False,
          as_json: bool = False) -> None:
    """List the themes, broad ones first."""
    from reader.services.themes.service import theme_dict

    service = _service(state)
    status = service.status()
    found = service.list_themes(level, include_hidden=show_all)
    if as_json:
        echo_json({"status": status, "themes": [theme_dict(t) for t in found]})
        return
    if not status["trained"]:
        echo("No themes yet: run `reader themes train` once the library is indexed.")
        return
    if status["stale"]:
        echo(f"Note: {status['note']}", err=True)
    echo(f"Themes of run {status['run_id']} ({status['created_at'][:10]}, "
               f"{status['model']}, {status['articles']} articles)")
    _quality(status["metrics"])
    for lvl in ("broad", "fine"):
        rows = [t for t in found if t.level == lvl]
        if not rows:
            continue
        echo(f"\n{lvl.capitalize()} themes ({len(rows)})"
                   + ("; articles are counted in up to 3 fine themes each, and in a broad "
                      "theme when in one of its fine ones" if lvl == "broad" else ""))
        total = sum(t.n_articles for t in rows)
        if lvl == "broad" and total > status["articles"]:
            echo(f"  (an article whose fine themes lie in two broad themes counts in both: "
                 f"these counts add up to {total} for {status['articles']} articles)")
        for t in rows:
            flags = " [new]" if t.is_new else ""
            flags += " [hidden]" if t.hidden else ""
            echo(f"  {t.id:>5}  {t.title[:48]:<48} {t.n_articles:>6} articles{flags}")
    hidden = sum(1 for t in service.list_themes(level, include_hidden=True) if t.hidden)
    if hidden and not show_all:
        echo(f"\n{hidden} generic or mixed themes hidden (--all shows them).")


@themes.command()
@click.argument("theme")
@click.option("--json", "as_json", is_flag=True, help="Print JSON only.")
@pass_state
def show(state: State, theme: str, as_json: bool) -> None:
    """One theme (by id or name): keywords, top articles and passages, history."""
    data = _service(state).show(theme)
    if as_json:
        echo_json(data)
        return
    t = data["theme"]
    echo(f"Theme {t['id']}: {t['title']} ({t['level']}"
               f"{', hidden: ' + t['hidden_reason'] if t['hidden'] else ''})")
    if t["name"] and t["name"] != t["label"]:
        echo(f"  automatic label: {t['label']}")
    echo(f"  keywords: {', '.join(t['keywords'])}")
    auc = f", label AUC {t['label_auc']:.2f}" if t["label_auc"] is not None else ""
    echo(f"  on {t['articles']} articles ({t['density']:.0%} of the library){auc}")
    if t["label_auc"] is not None:
        echo("    label AUC: how often the name sits closer in meaning to one of the "
                   "theme's articles than to an article outside it (0.5 chance, 1 always)")
    if data["parent"]:
        echo(f"  under: {data['parent']['id']} {data['parent']['title']}")
    if data["children"]:
        names = ", ".join(f"{c['id']} {c['title']}" for c in data["children"][:12])
        echo(f"  themes within: {names}")
    line = data["timeline"]
    if line["periods"]:
        echo(f"  articles by month {line['periods'][0]}..{line['periods'][-1]}: "
                   f"{line['sparkline']}")
    shown = len(data["articles"])
    if shown < t["articles"]:
        echo(f"\nIts {shown} strongest articles of {t['articles']} (strength: 1 = the "
                   "theme's strongest article)")
    else:
        echo(f"\nIts {shown} articles (strength: 1 = the theme's strongest article)")
    for a in data["articles"]:
        echo(f"  {a['id']:>6}  {a['strength']:.2f}  {a['title'] or '(untitled)'}")
    echo("\nTop passages")
    for p in data["passages"]:
        echo(f"  [{p['article_id']}] {p['text']}")


@themes.command()
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option("--full", is_flag=True, help="Run every step again even if a small update would do.")
@click.option("--fresh", is_flag=True, help="Start from scratch (theme ids are still matched).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_state
def train(state: State, seed: int, full: bool, fresh: bool, as_json: bool) -> None:
    """Train themes on the indexed library (keeps ids and names of themes it finds again)."""
    service = _service(state)
    try:
        with progress_bar("Themes", enabled=not as_json) as progress:
            report = service.train(seed=seed, full=full, fresh=fresh, progress=progress)
    except NotEnoughData:
        clusters = service.preview_clusters()
        if as_json:
            echo_json({"clusters": [c.__dict__ for c in clusters]})
        elif clusters:
            echo("Rough clusters meanwhile:")
            for c in clusters:
                echo(f"  {c.label} ({len(c.article_ids)}): "
                           f"{'; '.join(t for t in c.titles[:3] if t)}")
        raise
    if as_json:
        echo_json(report.to_dict())
        return
    echo(report.summary())
    for reason in report.reasons:
        echo(f"  {reason}")
    for note in report.notes:
        echo(f"  note: {note}", err=True)
    echo(f"  trained in {report.metrics.get('seconds')} s "
               f"({report.metrics.get('steps')} steps); total {report.seconds} s")


@themes.command()
@click.argument("theme")
@click.argument("name", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print JSON only.")
@pass_state
def rename(state: State, theme: str, name: tuple[str, ...], as_json: bool) -> None:
    """Name a theme yourself (no NAME: back to the automatic label)."""
    from reader.services.themes.service import theme_dict

    renamed = _service(state).rename(theme, " ".join(name))
    if as_json:
        echo_json(theme_dict(renamed))
        return
    echo(f"Theme {renamed.id} is now called {renamed.title!r}.")


@themes.command()
@click.argument("theme")
@click.option("--by", type=click.Choice(["month", "week"]), default="month", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON only.")
@pass_state
def timeline(state: State, theme: str, by: str, as_json: bool) -> None:
    """How much a theme ran through your reading, week by week or month by month."""
    data = _service(state).timeline(theme, by)
    if as_json:
        echo_json(data)
        return
    echo(f"Theme {data['theme']['id']}: {data['theme']['title']}  {data['sparkline']}")
    echo(f"  articles in the theme per {by}, of all articles read (or added) then; "
               "bars follow the article counts")
    top = max(data["articles"], default=0) or 1
    for period, count, total, partial in zip(data["periods"], data["articles"],
                                             data["totals"], data["partial"], strict=True):
        share = f"{count / total:.0%}" if total else "-"
        mark = " (partial)" if partial else ""
        echo(f"  {period}  {count:>4} of {total:<4} {share:>4}  "
                   f"{'#' * round(count / top * 30):<30}{mark}")


@themes.command()
@click.option("--since", required=True, help="Start: YYYY-MM-DD, an ISO time, or 30d, 4w, 3m.")
@click.option("--until", help="End (default: now).")
@click.option("--limit", type=click.IntRange(1, 50), default=5, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON only.")
@pass_state
def changes(state: State, since: str, until: str | None, limit: int, as_json: bool) -> None:
    """What changed in your reading: themes that rose and faded against the period before."""
    data = _service(state).changes(since, until, limit=limit)
    if as_json:
        echo_json(data)
        return
    echo(f"{data['since'][:10]} to {data['until'][:10]}: {data['articles_now']} articles "
               f"(the same span before: {data['articles_before']})")
    echo("Share of each span's articles that are in the theme, before -> now:")
    for key, word in (("rising", "Rising"), ("fading", "Fading")):
        echo(f"\n{word}")
        for r in data[key] or []:
            echo(f"  {r['id']:>5}  {r['title'][:40]:<40} {r['share_before']:>4.0%} -> "
                       f"{r['share_now']:>4.0%} ({r['articles_before']} -> {r['articles_now']} "
                       f"articles){' [new]' if r['new'] else ''}")
        if not data[key]:
            echo("  (none)")


@themes.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON only.")
@pass_state
def status(state: State, as_json: bool) -> None:
    """The last training: when, how, why that size, and its metrics."""
    data = _service(state).status()
    if as_json:
        echo_json(data)
        return
    if not data["trained"]:
        echo("No themes yet: run `reader themes train`.")
        return
    echo(f"Run {data['run_id']} ({data['kind']}, {data['created_at']}) on {data['model']}: "
               f"{data['articles']} articles, {data['passages']} passages")
    _quality(data["metrics"])
    for line in data["why"]:
        echo(f"  {line}")
    if data["stale"]:
        echo(f"  {data['note']}")


COMMANDS = [themes]

from reader.cli.map import MAP_COMMANDS  # noqa: E402  (map and browse live in their own module)

for _command in MAP_COMMANDS:
    themes.add_command(_command)
