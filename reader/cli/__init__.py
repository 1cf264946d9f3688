"""The `reader` command line: a thin edge over the services.

Commands live in one module per area (library, search, themes, digest, tui); each
exports COMMANDS. Heavy modules (torch, sentence-transformers, textual) are imported
inside the commands that need them so `reader --help` stays instant.
"""

from __future__ import annotations

import sys

import click

from reader.errors import ReaderError

AREAS = ("library", "annotations", "duplicates", "search", "themes", "digest", "tui", "serve",
         "demo", "next")


class ReaderGroup(click.Group):
    """Turns domain errors into one line on stderr and exit code 1."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except ReaderError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("Interrupted: nothing was lost; run the command again to resume.", err=True)
            sys.exit(130)


@click.group(cls=ReaderGroup, invoke_without_command=True)
@click.option(
    "--home",
    type=click.Path(file_okay=False),
    envvar="READER_HOME",
    help="Library folder (default: $READER_HOME, else the user data folder).",
)
@click.version_option(package_name="reader", prog_name="reader")
@click.pass_context
def main(ctx: click.Context, home: str | None) -> None:
    """reader: your reading queue, library, themes and newsletter draft."""
    from reader.cli.common import State

    ctx.obj = State(home)
    ctx.call_on_close(ctx.obj.close)
    if ctx.invoked_subcommand is None:
        tui_command = main.get_command(ctx, "tui")
        if tui_command is None:
            click.echo(ctx.get_help())
            return
        ctx.invoke(tui_command)


def _register() -> None:
    import importlib

    for area in AREAS:
        module = importlib.import_module(f"reader.cli.{area}")
        for command in getattr(module, "COMMANDS", []):
            main.add_command(command)


_register()
