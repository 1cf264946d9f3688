"""The CLI contract: exit codes, one-line errors, JSON-only output, instant --help."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from reader.cli import main


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def test_help_does_not_import_torch_or_sentence_transformers() -> None:
    code = (
        "import sys\n"
        "from reader.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('torch', 'sentence_transformers', 'transformers', 'textual', "
        "'trafilatura', 'onnxruntime') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY []" in out.stdout, out.stdout


def test_list_json_prints_json_only(tmp_path: Path) -> None:
    essay = tmp_path / "e.md"
    essay.write_text("# Essay\n\nBody words.", "utf-8")
    assert run("add", "--no-index", str(essay), "--tag", "demo").exit_code == 0
    result = CliRunner().invoke(main, ["list", "--json"])
    rows = json.loads(result.stdout)
    assert rows[0]["title"] == "Essay" and rows[0]["tags"] == ["demo"]
    assert "text" not in rows[0]
    shown = json.loads(CliRunner().invoke(main, ["show", str(rows[0]["id"]), "--json"]).stdout)
    assert shown["text"] == "Essay\n\nBody words." or "Body words." in shown["text"]


def test_user_error_is_one_line_and_exit_1() -> None:
    result = CliRunner().invoke(main, ["show", "42"])
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: no article with id 42"


def test_bad_usage_exits_2() -> None:
    assert CliRunner().invoke(main, ["list", "--status", "sideways"]).exit_code == 2
    assert CliRunner().invoke(main, ["mark", "1"]).exit_code == 2


def test_add_of_only_bad_items_fails_with_a_line_each() -> None:
    result = CliRunner().invoke(main, ["add", "--no-fetch", "javascript:alert(1)", "nope nope"])
    assert result.exit_code == 1
    failed = [line for line in result.stderr.splitlines() if line.startswith("failed:")]
    assert len(failed) == 2
    assert result.stderr.strip().endswith("Add: failed 2")


def test_reading_state_commands(tmp_path: Path) -> None:
    essay = tmp_path / "e.txt"
    essay.write_text("Title\n\nBody", "utf-8")
    run("add", "--no-index", str(essay))
    assert run("mark", "1", "--read").exit_code == 0
    assert run("note", "1", "a thought").exit_code == 0
    assert run("highlight", "1", "Body", "--note", "why").exit_code == 0
    assert run("tag", "1", "x", "y").exit_code == 0
    shown = json.loads(CliRunner().invoke(main, ["show", "1", "--json"]).stdout)
    assert shown["state"] == "read" and shown["tags"] == ["x", "y"]
    assert shown["notes"][0]["text"] == "a thought"
    assert shown["highlights"][0] == {"text": "Body", "note": "why", "start_char": 7,
                                      "end_char": 11, "updated_at": None,
                                      "created_at": shown["highlights"][0]["created_at"]}
    out = tmp_path / "all.jsonl"
    assert run("export", "--out", str(out)).exit_code == 0
    header, first = (json.loads(line) for line in out.read_text().splitlines()[:2])
    assert header == {"kind": "reader-export", "version": 2}
    assert (first["kind"], first["title"]) == ("article", "Title")
    assert run("delete", "1", "--yes").exit_code == 0
    assert CliRunner().invoke(main, ["show", "1"]).exit_code == 1


def test_home_option_overrides_environment(tmp_path: Path) -> None:
    other = tmp_path / "elsewhere"
    essay = tmp_path / "e.txt"
    essay.write_text("T\n\nB", "utf-8")
    assert run("--home", str(other), "add", "--no-index", str(essay)).exit_code == 0
    assert (other / "reader.db").exists()
    assert json.loads(CliRunner().invoke(main, ["list", "--json"]).stdout) == []


def test_config_shows_sets_and_rejects(tmp_path: Path) -> None:
    assert run("config", "concurrency", "4").exit_code == 0
    assert run("config", "llm_polish", "yes").exit_code == 0
    assert run("config", "llm_api_key", "sk-secret").exit_code == 0
    shown = json.loads(CliRunner().invoke(main, ["config", "--json"]).stdout)
    assert shown["concurrency"] == 4 and shown["llm_polish"] is True
    assert shown["llm_api_key"] == "(set)"
    bad = CliRunner().invoke(main, ["config", "concurrency", "many"])
    assert bad.exit_code == 1 and "must be a whole number" in bad.stderr
    unknown = CliRunner().invoke(main, ["config", "colour", "blue"])
    assert unknown.exit_code == 1 and "unknown setting" in unknown.stderr
