"""CLI commands for the library: add, import, fetch, list, show, reading state, export."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import click

from reader.cli.common import State, echo, echo_json, paragraphs, pass_state, progress_bar
from reader.textsafe import json_safe, terminal_safe

STATE_CHOICES = ["unread", "reading", "read", "archived", "all"]
FETCH_CHOICES = ["queued", "fetched", "failed", "provided", "all"]


def _library(state: State):
    from reader.services.library.service import LibraryService

    return LibraryService(state.context)


def _print_capture(report, *, verb: str) -> None:
    for problem in report.failed:
        echo(f"failed: {problem.where}: {problem.message}", err=True)
    for problem in report.skipped:
        echo(f"skipped: {problem.where}: {problem.message}", err=True)
    echo(f"{verb}: {report.summary()}", err=True)


def _fetch_and_index(state: State, *, retry_failed: bool = False, index: bool = True,
                     captured: bool = False, ids: list[int] | None = None):
    """Fetch what is queued (or just `ids`), then index what is new; returns the fetch report."""
    library = _library(state)
    with progress_bar("Fetching") as progress:
        report = library.fetch(retry_failed=retry_failed, progress=progress, ids=ids)
    for article_id, url, error in report.failed:
        echo(f"failed: #{article_id} {url}: {error}", err=True)
    for article_id, original in report.duplicates:
        echo(f"duplicate: #{article_id} has the same text as #{original}", err=True)
    if report.fetched or report.failed:
        echo(f"Fetch: {report.summary()} in {report.seconds:.1f}s", err=True)
    if index and (report.fetched or captured):
        with progress_bar("Indexing") as progress:
            message = library.index_new(progress=progress)
        if message:
            echo(message, err=True)
    return report


def _finish(all_done: bool) -> None:
    """Exit 1 when some items of the batch failed (the rest was done), as the contract says."""
    if not all_done:
        sys.exit(1)


@click.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("--tag", "tags", multiple=True, help="Tag every added article (repeatable).")
@click.option("--no-fetch", is_flag=True, help="Only queue; fetch later with `reader fetch`.")
@click.option("--no-index", is_flag=True, help="Do not embed and index after fetching.")
@pass_state
def add(state: State, inputs: tuple[str, ...], tags: tuple[str, ...], no_fetch: bool,
        no_index: bool) -> None:
    """Queue URLs or add local HTML/Markdown/text files (`-` reads URLs from stdin), then fetch them."""
    stdin_text = sys.stdin.read() if "-" in inputs else None
    report = _library(state).add(list(inputs), tags=list(tags), stdin_text=stdin_text)
    _print_capture(report, verb="Add")
    captured = bool(report.added or report.merged)
    fetched = True
    if not no_fetch:
        # What this command added, not the whole queue: `reader fetch` does that.
        fetched = not _fetch_and_index(state, index=not no_index, captured=captured,
                                       ids=[*report.added, *report.merged]).failed
    elif not no_index and captured:
        message = _library(state).index_new()
        if message:
            echo(message, err=True)
    _finish(fetched and not report.failed)


@click.command(name="import")
@click.argument("file", type=click.Path(dir_okay=True, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["pocket-csv", "pocket-html", "instapaper-csv", "omnivore", "netscape",
                       "opml", "jsonl", "document"]),
    help="The file's format (default: detected).",
)
@click.option("--tag", "tags", multiple=True, help="Tag every imported article.")
@click.option("--no-fetch", is_flag=True, help="Only queue what has no text yet.")
@click.option("--no-index", is_flag=True, help="Do not embed and index after fetching.")
@pass_state
def import_(state: State, file: Path, fmt: str | None, tags: tuple[str, ...], no_fetch: bool,
            no_index: bool) -> None:
    """Import a reading list: Pocket, Instapaper, Omnivore, bookmarks, OPML, JSONL, or a document's links."""
    library = _library(state)
    with progress_bar("Import") as progress:
        report = library.import_file(file, format=fmt, tags=list(tags), progress=progress)
    _print_capture(report, verb="Import")
    if not (report.added or report.merged or report.skipped):
        echo(f"Error: nothing was imported from {file}", err=True)
        sys.exit(1)
    fetched = True
    if not no_fetch:
        fetched = not _fetch_and_index(state, index=not no_index, captured=bool(report.added),
                                       ids=list(report.added)).failed
    elif not no_index and report.added:
        message = library.index_new()
        if message:
            echo(message, err=True)
    _finish(fetched and not report.failed)


@click.command()
@click.option("--retry-failed", is_flag=True, help="Also retry articles whose fetch failed.")
@click.option("--feeds", is_flag=True, help="Refresh subscribed feeds first and queue new items.")
@click.option("--no-index", is_flag=True, help="Do not embed and index after fetching.")
@pass_state
def fetch(state: State, retry_failed: bool, feeds: bool, no_index: bool) -> None:
    """Fetch and extract whatever is queued."""
    feeds_done = True
    if feeds:
        refreshed = _library(state).refresh_feeds()
        _print_capture(refreshed, verb="Feeds")
        feeds_done = not refreshed.failed
    fetched = not _fetch_and_index(state, retry_failed=retry_failed, index=not no_index).failed
    _finish(feeds_done and fetched)


def _row(article) -> dict:
    from reader.services.library.service import article_to_dict

    data = article_to_dict(article)
    data.pop("text", None)
    data.pop("markdown", None)
    data["reading_minutes"] = article.reading_minutes
    return data


@click.command(name="list")
@click.option("--status", "--state", "reading_state", type=click.Choice(STATE_CHOICES),
              help="Only articles in this reading state.")
@click.option("--fetch", "fetch_state", type=click.Choice(FETCH_CHOICES),
              help="Only articles in this fetch state (failed: dead links and errors).")
@click.option("--tag", help="Only articles with this tag.")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON only.")
@pass_state
def list_(state: State, reading_state: str | None, fetch_state: str | None, tag: str | None,
          limit: int | None, as_json: bool) -> None:
    """The queue and the library, newest first: reading state, then fetch state when not fetched."""
    if as_json:
        # Streamed a page at a time, in exactly the form echo_json gives a whole list.
        rows = _library(state).iter_list(state=reading_state, fetch_state=fetch_state, tag=tag,
                                         limit=limit)
        # Terminal controls as \u escapes, as echo_json writes them, and before indenting:
        # textwrap takes U+2028 and U+0085 inside a title for line breaks. Written a few
        # hundred rows at a time rather than row by row.
        pieces: list[str] = []
        first = True
        for article in rows:
            item = json_safe(json.dumps(_row(article), ensure_ascii=False, indent=2, default=str))
            pieces.append(("[\n" if first else ",\n") + textwrap.indent(item, "  "))
            first = False
            if len(pieces) >= 200:
                click.echo("".join(pieces), nl=False)
                pieces.clear()
        click.echo("".join(pieces) + ("[]" if first else "\n]"))
        return
    articles = _library(state).list(state=reading_state, fetch_state=fetch_state, tag=tag,
                                    limit=limit)
    if not articles:
        filtered = reading_state not in (None, "all") or fetch_state not in (None, "all") or tag
        echo("No articles match." if filtered
                   else "Nothing here yet. Add something with `reader add URL`.", err=True)
        return
    for a in articles:
        title = terminal_safe(a.title or a.url, single_line=True)
        extra = f" [{terminal_safe(', '.join(a.tags), single_line=True)}]" if a.tags else ""
        minutes = f" {a.reading_minutes} min" if a.word_count else ""
        fetch = "" if a.has_text else f"{a.fetch_state}"
        flag = " (duplicate)" if a.duplicate_of else (" (thin)" if a.extraction == "fallback" else "")
        echo(f"{a.id:>5}  {a.state:<8} {fetch:<7} {title[:64]}{minutes}{extra}{flag}")


@click.command()
@click.argument("article_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print JSON only.")
@pass_state
def show(state: State, article_id: int, as_json: bool) -> None:
    """One article with its text, notes, highlights and themes."""
    from reader.services.library.service import article_to_dict
    from reader.services.themes.service import ThemeService

    article = _library(state).get(article_id)
    themes = ThemeService(state.context).themes_of(article_id)
    if as_json:
        echo_json({**article_to_dict(article), "themes": themes})
        return
    safe = terminal_safe
    echo(safe(article.title or article.url, single_line=True), bold=True)
    meta = [safe(x, single_line=True) for x in (article.author, article.site, article.published) if x]
    if article.title:
        meta.append(safe(article.url, single_line=True))
    if meta:
        echo(" · ".join(meta))
    fetched = {"queued": "not fetched yet", "failed": "link failed", "fetched": "fetched",
               "provided": "text provided"}[article.fetch_state]
    echo(f"state: {article.state}  ({fetched})  words: {article.word_count}  "
               f"progress: {article.progress:.0%}")
    if article.tags:
        echo("tags: " + safe(", ".join(article.tags), single_line=True))
    if themes:
        echo("themes: " + ", ".join(
            f"{safe(t['title'], single_line=True)} ({t['strength']:.2f})" for t in themes))
    if article.fetch_error:
        tries = "1 attempt" if article.attempts == 1 else f"{article.attempts} attempts"
        retry = ""
        if article.next_retry_at:
            retry = f"; `reader fetch` tries again after {article.next_retry_at.replace('T', ' ')}"
        echo(f"fetch error: {safe(article.fetch_error, single_line=True)} ({tries}{retry})")
    if article.extraction_note:
        echo(f"extraction: {safe(article.extraction_note, single_line=True)}")
    if article.duplicate_of:
        echo(f"duplicate of #{article.duplicate_of}")
    for h in article.highlights:
        echo(f"> {safe(h.text)}" + (f"  — {safe(h.note)}" if h.note else ""))
    for n in article.notes:
        echo(f"note: {safe(n.text)}")
    if article.text:
        echo("")
        echo(paragraphs(safe(article.text)))


@click.command()
@click.argument("article_id", type=int)
@click.option("--read", "state_", flag_value="read", help="Mark read.")
@click.option("--unread", "state_", flag_value="unread", help="Mark unread.")
@click.option("--reading", "state_", flag_value="reading", help="Mark as being read.")
@click.option("--archived", "state_", flag_value="archived", help="Archive.")
@click.option("--progress", type=click.FloatRange(0, 1), help="Reading progress, 0 to 1.")
@pass_state
def mark(state: State, article_id: int, state_: str | None, progress: float | None) -> None:
    """Set an article's reading state or progress."""
    library = _library(state)
    if state_ is None and progress is None:
        raise click.UsageError("give one of --read, --unread, --reading, --archived or --progress")
    if progress is not None:
        article = library.set_progress(article_id, progress)
    if state_ is not None:
        article = library.mark(article_id, state_)
    echo(f"#{article.id} is {article.state}", err=True)


@click.command()
@click.argument("article_id", type=int)
@click.argument("text")
@pass_state
def note(state: State, article_id: int, text: str) -> None:
    """Add a note to an article."""
    _library(state).note(article_id, text)
    echo(f"Noted on #{article_id}", err=True)


@click.command()
@click.argument("article_id", type=int)
@click.argument("tags", nargs=-1, required=True)
@click.option("--remove", is_flag=True, help="Remove these tags instead.")
@pass_state
def tag(state: State, article_id: int, tags: tuple[str, ...], remove: bool) -> None:
    """Tag an article (or --remove tags)."""
    article = _library(state).tag(article_id, list(tags), remove=remove)
    echo(f"#{article_id} tags: {', '.join(article.tags) or '(none)'}", err=True)


@click.command()
@click.argument("article_id", type=int)
@click.argument("text")
@click.option("--note", "note_text", default="", help="A note on the highlight.")
@pass_state
def highlight(state: State, article_id: int, text: str, note_text: str) -> None:
    """Keep a passage of an article."""
    _library(state).highlight(article_id, text, note_text)
    echo(f"Highlighted on #{article_id}", err=True)


@click.command()
@click.argument("article_ids", type=int, nargs=-1, required=True)
@click.option("--yes", is_flag=True, help="Do not ask.")
@pass_state
def delete(state: State, article_ids: tuple[int, ...], yes: bool) -> None:
    """Delete articles with their notes, highlights and vectors."""
    library = _library(state)
    for article_id in article_ids:
        library.get(article_id)
    if not yes:
        if not sys.stdin.isatty():
            raise click.UsageError(
                "no terminal to confirm on: pass --yes to delete without asking"
            )
        click.confirm(f"Delete {len(article_ids)} article(s)?", abort=True)
    for article_id in article_ids:
        library.delete(article_id)
    echo(f"Deleted {len(article_ids)}", err=True)


@click.command()
@click.option("--format", "fmt", type=click.Choice(["jsonl", "markdown"]), default="jsonl")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="File (default: stdout).")
@pass_state
def export(state: State, fmt: str, out: Path | None) -> None:
    """Everything, losslessly: JSONL re-imports to the same library."""
    library = _library(state)
    if out is None:
        count = library.export(sys.stdout, format=fmt)
    else:
        tmp = out.with_name(out.name + ".tmp")
        with tmp.open("w", encoding="utf-8") as handle:
            count = library.export(handle, format=fmt)
        tmp.replace(out)
    echo(f"Exported {count} articles", err=True)


@click.command()
@click.argument("key", required=False)
@click.argument("value", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON only.")
@pass_state
def config(state: State, key: str | None, value: str | None, as_json: bool) -> None:
    """Show the settings, or one; with a VALUE, change it (kept in settings.json).

    Secrets (API keys) are never shown: they print as (set), live in the system keyring when
    there is one (else in the owner-only settings.json), and READER_<NAME> overrides them.
    """
    from reader.config import is_secret

    settings = state.context.settings
    if value is not None:
        settings.set(key, value)
        state.context.save_settings()
        shown = "(set)" if is_secret(key) and value else repr(getattr(settings, key))
        echo(f"{key} = {shown}", err=True)
        return
    data = settings.shown()
    if key is not None:
        if key not in data:
            settings.set(key, "")  # raises the unknown-setting error with the known names
        data = {key: data[key]}
    if as_json:
        echo_json(data)
        return
    for name, current in data.items():
        echo(f"{name} = {current!r}")
    if key is None:
        echo(f"(in {state.context.paths.root / 'settings.json'})", err=True)


COMMANDS = [add, import_, fetch, list_, show, mark, note, tag, highlight, delete, export, config]
