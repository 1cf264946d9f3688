"""CLI commands: `reader doctor [--fix]` and `reader backup FILE`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from reader.cli.common import State, echo, echo_json, pass_state


@click.command()
@click.option("--fix", is_flag=True, help="Repair what can be repaired (never articles or notes).")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@pass_state
def doctor(state: State, fix: bool, as_json: bool) -> None:
    """Check the library: file integrity, schema, keyword and search indexes, orphans, themes.

    Exits 1 while a problem remains; --fix repairs them by rebuilding what is derived from
    your articles (indexes, activations) and removing rows nothing points to.
    """
    from reader.services.maintenance.doctor import run_doctor

    report = run_doctor(state.context, fix=fix)
    if as_json:
        echo_json(report.to_dict())
    else:
        for f in report.findings:
            mark = "ok  " if f.ok else ("fixed" if f.fixed else ("FAIL" if f.problem else "note"))
            echo(f"{mark:<5} {f.check}: {f.message}")
        left = report.problems_left
        fixable = sum(f.remains and f.fixable for f in report.findings)
        if left == 0:
            echo("The library is healthy." if not fix else "The library is healthy now.",
                 err=True)
        elif fixable and not fix:
            echo(f"{left} problem(s); `reader doctor --fix` repairs {fixable} of them.", err=True)
        else:
            echo(f"{left} problem(s) remain.", err=True)
    if report.problems_left:
        sys.exit(1)


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@pass_state
def backup(state: State, file: Path, force: bool) -> None:
    """Copy the library database to FILE: consistent even while the UI or a fetch is running."""
    from reader.services.maintenance.backup import backup_library

    report = backup_library(state.context, file, overwrite=force)
    echo(f"Backed up {report.articles} articles ({report.bytes / 1e6:.1f} MB) to {report.path}",
         err=True)


COMMANDS = [doctor, backup]
