"""CLI edges: exit codes, failures as one line, --yes, secrets, file modes, settings checks."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from reader.cli import main
from reader.config import IN_KEYRING, Settings

REPO = Path(__file__).resolve().parents[1]


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input)


def one_clean_line(result) -> str:
    assert "Traceback" not in result.output, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def article(tmp_path: Path) -> None:
    essay = tmp_path / "e.md"
    essay.write_text("# Essay\n\nBody words.", "utf-8")
    assert run("add", "--no-index", str(essay)).exit_code == 0


def test_import_of_a_file_without_a_reading_list_exits_1(tmp_path: Path) -> None:
    plain = tmp_path / "plain.txt"
    plain.write_text("Just words, no links at all.\n", "utf-8")
    result = run("import", "--no-fetch", str(plain))
    assert result.exit_code == 1
    assert "nothing was imported" in one_clean_line(result)


def test_import_with_some_bad_rows_does_the_rest_and_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "list.jsonl"
    path.write_text('{"url": "https://example.com/a", "title": "A"}\n{"url": "no url"}\n', "utf-8")
    result = run("import", "--no-fetch", "--no-index", str(path))
    assert result.exit_code == 1
    assert len(json.loads(run("list", "--json").stdout)) == 1


def test_a_fetch_where_every_url_failed_exits_1() -> None:
    # Port 9 (discard) on loopback: nothing listens, every attempt is refused at once.
    urls = [f"http://127.0.0.1:9/page-{i}" for i in range(3)]
    assert run("config", "retries", "0").exit_code == 0
    assert run("add", "--no-fetch", "--no-index", *urls).exit_code == 0
    result = run("fetch", "--no-index")
    assert result.exit_code == 1
    assert result.stderr.count("failed: #") == 3
    assert "Traceback" not in result.output


def test_export_to_an_unwritable_path_is_one_line(tmp_path: Path) -> None:
    article(tmp_path)
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    result = run("export", "--out", str(blocker / "inside" / "out.jsonl"))
    assert result.exit_code == 1
    assert "inside" in one_clean_line(result)


def test_a_full_disk_is_one_line_and_keeps_the_old_export(tmp_path: Path, monkeypatch) -> None:
    import errno

    from reader.services.library.service import LibraryService

    article(tmp_path)
    out = tmp_path / "library.jsonl"
    out.write_text("the previous export\n")

    def full(self, handle, *, format="jsonl"):
        handle.write("partial")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(out) + ".tmp")

    monkeypatch.setattr(LibraryService, "export", full)
    result = run("export", "--out", str(out))
    assert result.exit_code == 1
    assert "the disk is full" in one_clean_line(result)
    assert out.read_text() == "the previous export\n"


def test_export_to_a_full_device_exits_non_zero_without_a_traceback(tmp_path: Path) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    essay = tmp_path / "e.md"
    essay.write_text("# Essay\n\n" + "Body words. " * 2000, "utf-8")
    env = {**os.environ, "READER_HOME": os.environ["READER_HOME"]}
    subprocess.run([sys.executable, "-m", "reader", "add", "--no-index", str(essay)], env=env,
                   cwd=REPO, check=True, capture_output=True)
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "reader", "export"], env=env, cwd=REPO,
                              stdout=full, stderr=subprocess.PIPE, text=True)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "disk is full" in done.stderr


def test_a_lock_error_is_one_line_and_debug_shows_the_traceback(tmp_path, monkeypatch) -> None:
    from reader.services.library.service import LibraryService

    article(tmp_path)

    def locked(self, *args, **kwargs):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(LibraryService, "list", locked)
    result = run("list")
    assert result.exit_code == 1
    assert "busy" in one_clean_line(result)
    monkeypatch.setenv("READER_DEBUG", "1")
    debug = run("list")
    assert isinstance(debug.exception, sqlite3.OperationalError)


def test_delete_without_a_terminal_refuses_unless_yes(tmp_path: Path) -> None:
    article(tmp_path)
    refused = run("delete", "1")  # CliRunner's stdin is not a terminal
    assert refused.exit_code == 2 and "--yes" in refused.stderr
    assert run("show", "1").exit_code == 0
    assert run("delete", "1", "--yes").exit_code == 0
    assert run("show", "1").exit_code == 1


def test_library_files_are_the_owners_alone(reader_home: Path, tmp_path: Path) -> None:
    fresh = tmp_path / "fresh-library"
    essay = tmp_path / "e.md"
    essay.write_text("# E\n\nB", "utf-8")
    assert run("--home", str(fresh), "add", "--no-index", str(essay)).exit_code == 0
    assert run("--home", str(fresh), "config", "concurrency", "4").exit_code == 0
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o700
    for name in ("reader.db", "settings.json"):
        assert stat.S_IMODE((fresh / name).stat().st_mode) == 0o600, name


def test_secrets_are_never_printed_and_kept_owner_only(reader_home: Path) -> None:
    set_ = run("config", "llm_api_key", "sk-very-secret")
    assert set_.exit_code == 0 and "sk-very-secret" not in set_.output
    assert "(set)" in set_.stderr
    for args in (["config"], ["config", "--json"], ["config", "llm_api_key"]):
        assert "sk-very-secret" not in run(*args).output
    path = reader_home / "settings.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text())["llm_api_key"] == "sk-very-secret"  # no keyring here


def test_environment_overrides_secrets_and_is_never_written(reader_home, monkeypatch) -> None:
    assert run("config", "llm_api_key", "from-file").exit_code == 0
    monkeypatch.setenv("READER_LLM_API_KEY", "from-env")
    settings = Settings.load(reader_home)
    assert settings.llm_api_key == "from-env"
    assert run("config", "concurrency", "3").exit_code == 0  # saves the settings again
    assert json.loads((reader_home / "settings.json").read_text())["llm_api_key"] == "from-file"


def test_secrets_go_to_the_keyring_when_one_is_usable(reader_home, monkeypatch) -> None:
    import keyring
    from keyring.backend import KeyringBackend

    class Memory(KeyringBackend):
        priority = 1
        store: dict = {}

        def get_password(self, service, username):
            return self.store.get((service, username))

        def set_password(self, service, username, password):
            self.store[(service, username)] = password

        def delete_password(self, service, username):
            self.store.pop((service, username), None)

    previous = keyring.get_keyring()
    keyring.set_keyring(Memory())
    monkeypatch.delenv("READER_NO_KEYRING")
    try:
        assert run("config", "buttondown_api_key", "bd-secret").exit_code == 0
        on_disk = (reader_home / "settings.json").read_text()
        assert "bd-secret" not in on_disk
        assert json.loads(on_disk)["buttondown_api_key"] == IN_KEYRING
        assert Settings.load(reader_home).buttondown_api_key == "bd-secret"
        assert Memory.store  # it is in the keyring
    finally:
        keyring.set_keyring(previous)


def test_settings_are_checked_on_load_and_on_config(reader_home: Path, tmp_path: Path) -> None:
    (reader_home / "settings.json").write_text(
        json.dumps({"concurrency": None, "per_host": 0, "read_timeout": "fast", "colour": "blue"})
    )
    settings = Settings.load(reader_home)
    assert settings.concurrency == 8 and settings.per_host == 2 and settings.read_timeout == 20.0
    problems = " | ".join(settings.problems)
    assert "concurrency must be a whole number, not null" in problems
    assert "per_host must be at least 1" in problems
    assert "unknown setting 'colour'" in problems
    essay = tmp_path / "e.md"
    essay.write_text("# E\n\nB", "utf-8")
    added = run("add", "--no-index", str(essay))  # a null no longer crashes anything
    assert added.exit_code == 0 and "warning: settings.json: concurrency" in added.stderr
    for key, value, words in (("concurrency", "0", "at least 1"),
                              ("read_timeout", "nan", "must be a number"),
                              ("max_redirects", "-1", "at least 0")):
        bad = run("config", "--", key, value)
        assert bad.exit_code == 1 and words in bad.stderr, (key, bad.stderr)


def test_embedders_turn_telemetry_off(monkeypatch) -> None:
    from reader.ml.embedder import no_telemetry

    monkeypatch.delenv("HF_HUB_DISABLE_TELEMETRY", raising=False)
    no_telemetry()
    assert os.environ["HF_HUB_DISABLE_TELEMETRY"] == "1"


def test_an_archive_cannot_restore_an_invalid_setting(reader_home: Path, tmp_path: Path) -> None:
    archive = tmp_path / "archive.jsonl"
    archive.write_text(
        json.dumps({"kind": "reader-export", "version": 2}) + "\n"
        + json.dumps({"kind": "article", "url": "https://example.org/a", "title": "A"}) + "\n"
        + json.dumps({"kind": "settings", "settings": {"concurrency": 0, "per_host": None,
                                                        "retries": 5}}) + "\n", "utf-8")
    assert run("import", "--no-fetch", "--no-index", str(archive)).exit_code == 0
    settings = Settings.load(reader_home)
    assert settings.concurrency == 8 and settings.per_host == 2 and settings.retries == 5
    assert not settings.problems
