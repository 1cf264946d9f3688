"""CLI command: demo (build a small library from the bundled sample essays, then open it)."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Any

import click

from reader.cli.common import State, echo_json, pass_state, progress_bar


def default_demo_home() -> Path:
    """A `demo` folder inside the user data folder, so a real library is never touched."""
    import platformdirs

    return Path(platformdirs.user_data_dir("reader", appauthor=False)) / "demo"


@click.command()
@click.option(
    "--home",
    type=click.Path(file_okay=False),
    help="Build the demo library here (default: $READER_HOME or the top-level --home, "
    "else a separate 'demo' folder in the user data folder).",
)
@click.option("--no-tui", is_flag=True, help="Print the summary and stop; do not open the UI.")
@click.option(
    "--no-index", is_flag=True, help="Only build the library: skip search, themes, digest."
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON only (no UI).")
@pass_state
def demo(state: State, home: str | None, no_tui: bool, no_index: bool, as_json: bool) -> None:
    """Build a demo library from bundled sample essays and open it."""
    from reader.services.demo import build_demo

    if home is not None:
        state.home = home
    elif state.home is None:  # neither --home nor READER_HOME: keep away from the real library
        state.home = str(default_demo_home())
    with progress_bar("demo", enabled=not as_json) as progress:
        report = build_demo(
            state.context, progress=progress, index=not no_index, digest=not no_index
        )
    if as_json:
        echo_json(report.to_dict())
        return
    for line in summary_lines(report):
        click.echo(line)
    if no_tui or not sys.stdout.isatty() or not _open_tui():
        click.echo(f"Open it with: reader --home {shlex.quote(report.home)}")


def summary_lines(report: Any) -> list[str]:
    """The few lines `reader demo` prints about the library it built."""
    order = ("read", "reading", "unread", "archived")
    states = ", ".join(f"{report.statuses[s]} {s}" for s in order if report.statuses.get(s))
    lines = [
        f"Demo library: {report.essays} essays ({report.added} added, {report.merged} "
        f"already there) in {report.home}",
        f"  {states}; {report.read_this_week} read in the last 7 days; "
        f"{report.notes} notes, {report.highlights} highlights",
    ]
    lines += [f"  failed: {problem}" for problem in report.failed]
    for step in report.steps:
        lines.append(f"  {step.name}: {step.status} ({step.detail})")
    if report.themes:
        shown = ", ".join(report.themes[:8])
        more = f" and {len(report.themes) - 8} more" if len(report.themes) > 8 else ""
        lines.append(f"  themes: {shown}{more}")
    if report.digest_subject:
        lines.append(
            f"  digest #{report.digest_id}: {report.digest_subject} "
            f"(reader digest show {report.digest_id})"
        )
    return lines


def _open_tui() -> bool:
    """Invoke the `tui` command when this build has one; False when it does not."""
    ctx = click.get_current_context()
    root = ctx.find_root()
    group = root.command
    command = group.get_command(root, "tui") if isinstance(group, click.Group) else None
    if command is None:
        return False
    ctx.invoke(command)
    return True


COMMANDS = [demo]
