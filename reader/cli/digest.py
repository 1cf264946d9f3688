"""CLI commands: `reader digest` previews the newsletter, `--save` keeps it;
`digest list/show/edit/delete/push` work on the saved ones."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from reader.cli.common import State, echo, echo_json, pass_state


def _service(state: State):
    from reader.services.digest.service import DigestService

    return DigestService(state.context)


@click.group(name="digest", invoke_without_command=True)
@click.option(
    "--since",
    metavar="WHEN",
    help="Start: 7d, 2w, a date (2026-11-01), or `last` (default: the end of the last "
    "digest, else 7 days ago).",
)
@click.option(
    "--until", metavar="WHEN", help="End, same formats (default: now; a date includes the day)."
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the draft to this file instead of stdout.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["markdown", "json"]),
    default="markdown",
    show_default=True,
    help="Markdown, or the digest's structured data as JSON.",
)
@click.option(
    "--template",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Your own Jinja2 Markdown template (see `reader digest template`).",
)
@click.option("--save", is_flag=True, help="Keep the draft as a saved digest (default: preview).")
@click.option(
    "--allow-overlap",
    is_flag=True,
    help="Save even when the window overlaps a saved digest.",
)
@click.option(
    "--working-on",
    metavar="FILE|note:ID",
    help="\"What I'm working on\" from this file or note (default: the working_on setting).",
)
@click.option("--edit", is_flag=True, help="Edit the draft in $EDITOR, then save it.")
@click.option(
    "--polish/--no-polish",
    default=None,
    help="Rewrite each line with the configured language model (default: settings).",
)
@click.option("--push", is_flag=True, help="Also create it on Buttondown as a draft (never sent).")
@click.pass_context
def digest(
    ctx: click.Context,
    since: str | None,
    until: str | None,
    out: Path | None,
    fmt: str,
    template: Path | None,
    save: bool,
    allow_overlap: bool,
    working_on: str | None,
    edit: bool,
    polish: bool | None,
    push: bool,
) -> None:
    """Preview the newsletter's "What I read" since the last digest; --save keeps it."""
    if ctx.invoked_subcommand is not None:
        return
    state = ctx.find_object(State)
    service = _service(state)
    draft = service.draft(
        since, until, template=template, polish=polish, working_on_ref=working_on
    )
    if save or edit or push:
        draft = _save(service, draft, since, until, allow_overlap, template, polish, working_on)
    text = draft.text
    if edit:
        text = _edit(service, draft.id, text)
    if fmt == "json":
        payload = {"id": draft.id, **draft.data, "markdown": text}
        output = json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
    else:
        output = text
    _write(output, out)
    _report(draft.id, draft.data, draft.notes, out)
    if push:
        _push(service, draft.id)


def _save(
    service: Any,
    draft: Any,
    since: str | None,
    until: str | None,
    allow_overlap: bool,
    template: Path | None,
    polish: bool | None,
    working_on: str | None,
) -> Any:
    """Save the draft; on an overlap, offer what is new since the saved digest (on a terminal)."""
    from reader.services.digest.service import DigestOverlap

    try:
        return service.save(draft, allow_overlap=allow_overlap)
    except DigestOverlap as exc:
        if not (exc.new_since and sys.stdin.isatty() and sys.stderr.isatty()):
            raise
        echo(draft.overlap_message() + ".", err=True)
        choice = click.prompt(
            "Save [n]ew pieces only (since the saved digest), [a]ll of this window, or [c]ancel?",
            type=click.Choice(["n", "a", "c"]),
            default="n",
            err=True,
        )
        if choice == "c":
            raise click.Abort() from None
        if choice == "a":
            return service.save(draft, allow_overlap=True)
        fresh = service.draft(
            exc.new_since, until, template=template, polish=polish, working_on_ref=working_on
        )
        return service.save(fresh, allow_overlap=True)


def _edit(service: Any, digest_id: int, text: str) -> str:
    try:
        edited = click.edit(text, extension=".md")
    except click.ClickException as exc:
        raise click.ClickException(
            f"{exc.message}; the unedited draft is kept as digest {digest_id}"
        ) from exc
    if edited is None or edited == text:
        echo("No changes saved from the editor.", err=True)
        return text
    service.update_text(digest_id, edited)
    return edited


def _write(output: str, out: Path | None) -> None:
    if out is None:
        echo(output, nl=False)
        return
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(output, "utf-8")
    tmp.replace(out)


def _report(digest_id: int | None, data: dict[str, Any], notes: list[str], out: Path | None) -> None:
    from reader.services.digest.wording import NUMBER_WORDS, count

    def number(n: int) -> str:
        return NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else str(n)

    read = sum(len(s["articles"]) for s in data["sections"]) + len(data["also_read"])
    parts = [f"{count(read, 'piece')} read"]
    if data["sections"]:
        parts[0] += f" in {count(len(data['sections']), 'section')}"
    if data["also_read"] and data["sections"]:
        parts.append(f"{number(len(data['also_read']))} under Also read")
    if data["unread"]:
        parts.append(f"{number(len(data['unread']))} saved for later")
    where = f" -> {out}" if out else ""
    what = f"Saved digest {digest_id}" if digest_id is not None else "Preview, not saved"
    echo(
        (f"{what} ({data['window']['label']}): {', '.join(parts)}{where}"), err=True
    )
    for note in notes:
        echo((f"note: {note}"), err=True)
    if digest_id is None:
        echo("Keep it with --save (or --edit to edit, then save).", err=True)


def _push(service: Any, digest_id: int) -> None:
    record = service.push(digest_id)
    echo(
        f"Pushed digest {digest_id} to Buttondown as draft {record.remote_id} (not sent).", err=True
    )


@digest.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON only.")
@pass_state
def list_(state: State, as_json: bool) -> None:
    """The saved digests, newest first."""
    records = _service(state).list()
    if as_json:
        echo_json([r.summary() for r in records])
        return
    if not records:
        echo("No saved digests yet: preview one with `reader digest`, keep it with --save.", err=True)
        return
    from reader.services.digest.wording import count

    for r in records:
        flags = (" edited" if r.edited_at else "") + (" pushed" if r.pushed_at else "")
        dates = r.data.get("window", {}).get("label") or f"{r.window_start[:10]} – {r.window_end[:10]}"
        echo(

                f"{r.id:>4}  {dates:<28}  {count(len(r.article_ids), 'piece')} read, "
                f"{len(r.unread_ids)} saved  saved {r.created_at[:10]}{flags}"

        )


@digest.command()
@click.argument("digest_id", type=int, metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print JSON only.")
@pass_state
def show(state: State, digest_id: int, as_json: bool) -> None:
    """One saved digest's Markdown (as you last edited it)."""
    record = _service(state).get(digest_id)
    if as_json:
        echo_json(
            {
                **record.summary(),
                "article_ids": record.article_ids,
                "unread_ids": record.unread_ids,
                "text": record.text,
                "data": record.data,
            }
        )
        return
    echo((record.text), nl=False)


@digest.command()
@click.argument("digest_id", type=int, metavar="ID")
@click.option("--yes", is_flag=True, help="Do not ask (needed when stdin is not a terminal).")
@pass_state
def delete(state: State, digest_id: int, yes: bool) -> None:
    """Delete a saved digest (the articles stay); the next digest then starts earlier."""
    service = _service(state)
    record = service.get(digest_id)
    if not yes:
        if not sys.stdin.isatty():
            raise click.UsageError("deleting a digest needs --yes when stdin is not a terminal")
        label = record.data.get("window", {}).get("label") or record.subject
        click.confirm((f"Delete digest {digest_id} ({label})?"), abort=True, err=True)
    service.delete(digest_id)
    echo(f"Deleted digest {digest_id}.", err=True)


@digest.command()
@click.argument("digest_id", type=int, metavar="ID")
@pass_state
def edit(state: State, digest_id: int) -> None:
    """Open a saved digest in $EDITOR and keep what you save."""
    service = _service(state)
    record = service.get(digest_id)
    _edit(service, digest_id, record.text)


@digest.command()
@click.argument("digest_id", type=int, metavar="ID")
@pass_state
def push(state: State, digest_id: int) -> None:
    """Create a saved digest on Buttondown as a draft; it is never sent from here."""
    _push(_service(state), digest_id)


@digest.command()
def template() -> None:
    """Print the default template, to start your own from."""
    from reader.render.digest import default_template_text

    sys.stdout.write(default_template_text())


COMMANDS = [digest]
