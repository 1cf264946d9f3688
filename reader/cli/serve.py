"""CLI command: serve, the terminal UI in a web browser through textual-serve."""

from __future__ import annotations

import shlex
import sys

import click

from reader.cli.common import State, pass_state

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def app_command(home: str) -> str:
    """The shell command textual-serve runs for each browser session: this Python, this library."""
    return shlex.join([sys.executable, "-m", "reader", "--home", home, "tui"])


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but loopback lets others on the network in.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--public-url", default=None, help="The URL browsers reach (behind a proxy).")
@pass_state
def serve(state: State, host: str, port: int, public_url: str | None) -> None:
    """Serve the terminal UI to a web browser (http://127.0.0.1:8000 by default)."""
    from textual_serve.server import Server

    home = str(state.context.paths.root)
    if host not in LOCAL_HOSTS:
        click.echo(f"Warning: listening on {host}: anyone who can reach it can read and change "
                   "this library.", err=True)
    click.echo(f"Serving {home} at {public_url or f'http://{host}:{port}'} (Ctrl-C stops)", err=True)
    Server(app_command(home), host=host, port=port, title="reader", public_url=public_url).serve()


COMMANDS = [serve]
