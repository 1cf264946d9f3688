"""Commands load their own area's module only, and the table that says where each lives is right."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from reader.cli import AREAS, COMMAND_AREAS, main


def test_every_command_is_in_the_table_under_its_own_area() -> None:
    exported = {}
    for area in AREAS:
        for command in importlib.import_module(f"reader.cli.{area}").COMMANDS:
            exported[command.name] = area
    assert exported == COMMAND_AREAS


def test_help_lists_every_command() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    listed = {line.split()[0] for line in result.output.split("Commands:")[1].splitlines() if line.strip()}
    assert listed == set(COMMAND_AREAS)


def test_a_command_imports_only_its_own_area(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from reader.cli import main\n"
        "try:\n"
        f"    main(['--home', {str(tmp_path)!r}, 'list'])\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
        "print('AREAS', sorted(m for m in sys.modules if m.startswith('reader.cli.')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stdout.splitlines() if x.startswith("AREAS"))
    loaded = {name.removeprefix("reader.cli.") for name in eval(line[len("AREAS "):])}  # noqa: S307
    assert "library" in loaded
    assert not loaded & {"themes", "digest", "tui", "serve", "demo", "search", "next"}, loaded


def test_an_unknown_command_is_bad_usage() -> None:
    result = CliRunner().invoke(main, ["no-such-command"])
    assert result.exit_code == 2
    assert "No such command" in result.output
