"""The `reader` command line: a thin edge over the services.

Commands live in one module per area (library, search, themes, digest, tui); each
exports COMMANDS. Heavy modules (torch, sentence-transformers, textual) are imported
inside the commands that need them so `reader --help` stays instant.
"""

from __future__ import annotations

import os
import sqlite3
import sys

import click

from reader.errors import ReaderError
from reader.textsafe import terminal_safe

AREAS = ("library", "annotations", "duplicates", "search", "themes", "digest", "tui", "serve",
         "demo", "maintenance", "next")
# Which area's module defines each command, so that a command imports only its own module:
# importing every area cost a third of a second of each `reader add` or `reader search`
# (-X importtime). tests/test_cli_lazy.py checks this table against the modules' COMMANDS.
COMMAND_AREAS = {
    **dict.fromkeys(("add", "import", "fetch", "list", "show", "mark", "note", "tag",
                     "highlight", "delete", "export", "config"), "library"),
    "notes": "annotations",
    "highlights": "annotations",
    **dict.fromkeys(("duplicates", "merge", "split"), "duplicates"),
    **dict.fromkeys(("index", "search", "related"), "search"),
    "themes": "themes",
    "digest": "digest",
    "tui": "tui",
    "serve": "serve",
    "demo": "demo",
    "doctor": "maintenance",
    "backup": "maintenance",
    "next": "next",
}


DEBUG_ENV = "READER_DEBUG"


def _fail(message: str) -> None:
    click.echo(f"Error: {terminal_safe(message, single_line=True)}", err=True)
    sys.exit(1)


def describe_os_error(exc: OSError) -> str:
    """An OSError in plain words: what failed, on which file."""
    import errno

    what = exc.strerror or str(exc)
    if exc.errno == errno.ENOSPC:
        what = "the disk is full"
    elif exc.errno in (errno.EACCES, errno.EPERM):
        what = "permission denied"
    where = f"{exc.filename}: " if exc.filename else ""
    return f"{where}{what}"


def describe_sqlite_error(exc: sqlite3.Error) -> str:
    text = str(exc)
    if "locked" in text or "busy" in text:
        return "the library is busy: another reader kept it locked too long; run the command again"
    if "disk is full" in text or "full" in text:
        return "the disk is full; the library is unchanged (free some space and run it again)"
    if "malformed" in text or "not a database" in text:
        return f"the library database is damaged ({text}); `reader doctor` says more"
    return f"the library database failed: {text}"


class ReaderGroup(click.Group):
    """Turns errors a user can act on into one line on stderr and exit code 1.

    Domain errors, file-system errors (unwritable path, full disk) and SQLite errors end
    with one line and no traceback; with READER_DEBUG=1 the last two show their traceback.
    Anything else is a bug and keeps its traceback.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMAND_AREAS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command, its area's module imported on first use."""
        if cmd_name not in self.commands and cmd_name in COMMAND_AREAS:
            _load_area(COMMAND_AREAS[cmd_name])
        return self.commands.get(cmd_name)

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        debug = bool(os.environ.get(DEBUG_ENV))
        try:
            return super().invoke(ctx)
        except ReaderError as exc:
            _fail(str(exc))
        except KeyboardInterrupt:
            click.echo("Interrupted: nothing was lost; run the command again to resume.", err=True)
            sys.exit(130)
        except BrokenPipeError:  # `reader list | head`: the reader of our output left
            sys.stderr.close()
            sys.exit(1)
        except OSError as exc:
            if debug:
                raise
            _fail(describe_os_error(exc) + f" [{DEBUG_ENV}=1 shows the traceback]")
        except sqlite3.Error as exc:
            if debug:
                raise
            _fail(describe_sqlite_error(exc) + f" [{DEBUG_ENV}=1 shows the traceback]")


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


def _load_area(area: str) -> None:
    """Import one area's module and register the commands it exports."""
    import importlib

    module = importlib.import_module(f"reader.cli.{area}")
    for command in getattr(module, "COMMANDS", []):
        if command.name not in main.commands:
            main.add_command(command)
