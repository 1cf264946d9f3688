"""CLI command: tui (also what a bare `reader` runs)."""

from __future__ import annotations

import click

from reader.cli.common import State, pass_state


@click.command()
@pass_state
def tui(state: State) -> None:
    """Open the terminal UI."""
    from reader.tui.app import make_app  # textual is imported only when the UI opens

    make_app(state.context).run()


COMMANDS = [tui]
