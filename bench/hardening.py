"""Hardening figures: what reached where it should not, what was injected, what was lost.

    python bench/hardening.py [--kills 50] [--fuzz 300] [--seed 0]

Prints one JSON object:
- `fetch`: bench/hardening_fetch.py's `run()`: SSRF cases refused of cases tried (spellings,
  redirects, DNS names resolving to private addresses), bounded bombs and imports, and the
  examples fed to every importer with the crashes they caused;
- `injection`: hostile article strings (ANSI/OSC escapes, C1 controls, bidi overrides, Rich
  markup, HTML, Jinja) rendered safely of cases tried, per surface: CLI lines, `--json`
  exactness, the UI (Textual `run_test`: queue and article screen), Markdown export, digest;
- `kills`: SIGKILLs during fetch, indexing and training survived of kills tried, articles
  lost and duplicated (bench/crash_kills.py);
- `concurrency`: concurrent CLI operations on one library, the "database is locked" errors
  they showed, rows lost, and their time against the same work done one after another.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

FORBIDDEN = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
PAYLOADS = [
    "\x1b[2J\x1b[Hcleared screen",
    "\x1b]52;c;ZXZpbA==\x07clipboard write",
    "\x1b]8;;https://evil.example/\x1b\\hyperlink\x1b]8;;\x1b\\",
    "\x9b31m8-bit CSI\x9b0m",
    "\x1bP+q544e\x1b\\device control",
    "\u202eevil.exe\u202c reversed",
    "\u2066isolate\u2069 and \u200fmark",
    "carriage\rreturn overwrite",
    "bell\x07 backspace\x08 nul\x00",
    "[bold red]rich markup[/] [link=https://evil.example]link[/link]",
    "[@click=app.quit]textual action[/]",
    "<script>alert(1)</script><img src=x onerror=alert(2)>",
    "{{ 7*7 }} {% for x in range(3) %}jinja{% endfor %}",
    "[x](javascript:alert(1)) ![i](http://evil.example/t.png)",
]


def _load(name: str):
    path = REPO / "bench" / f"{name}.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location(f"bench_{name}", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


# -- SSRF -------------------------------------------------------------------------------


def fetch_figures(fuzz_examples: int) -> dict:
    """SSRF refusals, bounded bombs and imports, fuzzed importers: h1-fetch's part."""
    module = _load("hardening_fetch")
    if module is None:
        return {"note": "bench/hardening_fetch.py is not on this branch"}
    return module.run(fuzz_examples)


# -- injection --------------------------------------------------------------------------


def _hostile_library(home: Path) -> list[int]:
    """One article per payload, the payload in every field a user sees."""
    from reader.services.context import LibraryContext
    from reader.services.library.service import LibraryService

    rows = []
    for n, payload in enumerate(PAYLOADS):
        rows.append({"url": f"https://example.org/hostile/{n}", "title": f"T{n} {payload}",
                     "author": payload, "site": payload, "tags": [f"tag{n}"],
                     "text": f"Body{n} words {payload} more words {payload}",
                     "notes": [{"text": f"note {payload}"}],
                     "highlights": [{"text": f"Body{n}", "note": payload}],
                     "status": "read", "read_at": "2026-11-30T10:00:00Z"})
    path = home.parent / "hostile.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    ctx = LibraryContext(home)
    report = LibraryService(ctx).import_file(path, format="jsonl")
    ctx.close()
    return report.added


def _cli(home: Path, ids: list[int]) -> dict:
    from click.testing import CliRunner

    from reader.cli import main

    env = {"READER_HOME": str(home)}
    runner = CliRunner()
    safe = tried = exact = exact_tried = 0
    for article_id, payload in zip(ids, PAYLOADS, strict=True):
        for args in (["show", str(article_id)], ["list"],
                     ["search", "--mode", "keyword", f"Body{ids.index(article_id)}"]):
            result = runner.invoke(main, args, env=env)
            tried += 1
            safe += result.exit_code == 0 and not FORBIDDEN.search(result.output)
        shown = runner.invoke(main, ["show", str(article_id), "--json"], env=env).stdout
        exact_tried += 1
        exact += (json.loads(shown)["author"] == payload
                  and not re.search("[\x7f-\x9f\u202a-\u202e\u2066-\u2069\x1b]", shown))
    return {"cli_safe": safe, "cli_tried": tried, "json_exact": exact, "json_tried": exact_tried}


def _exports(home: Path) -> dict:
    from reader.render.digest import make_environment, markdown_view
    from reader.services.context import LibraryContext
    from reader.services.library.service import LibraryService, article_markdown

    ctx = LibraryContext(home)
    rows = list(LibraryService(ctx).export_rows())
    ctx.close()
    raw_html = re.compile(r"(?<!\\)<(script|img|iframe|svg)", re.I)
    link = re.compile(r"(?<!\\)\]\((?!https?://)")
    safe = sum(1 for r in rows
               if not raw_html.search(article_markdown(r)) and not link.search(article_markdown(r)))
    env = make_environment()
    template = env.from_string("{{ a.link }} {{ a.title }} {{ a.author }}")
    digest_safe = 0
    for r in rows:
        out = template.render(a=markdown_view({"title": r["title"], "url": r["url"],
                                               "author": r["author"]}))
        digest_safe += not raw_html.search(out) and "49" not in out and "jinja" * 3 not in out
    return {"markdown_export_safe": safe, "markdown_export_tried": len(rows),
            "digest_safe": digest_safe, "digest_tried": len(rows)}


async def _ui(home: Path, ids: list[int]) -> dict:
    from textual.widgets import DataTable, OptionList, Static

    from reader.services.context import LibraryContext
    from reader.tui.app import make_app

    ctx = LibraryContext(home)
    safe = tried = 0
    app = make_app(ctx)
    async with app.run_test(size=(140, 40)) as pilot:
        for _ in range(40):
            await app.workers.wait_for_complete()
            await pilot.pause()
            if app.screen.query("#queue") and app.screen.query_one("#queue", DataTable).row_count:
                break
        table = app.screen.query_one("#queue", DataTable)
        for row in range(table.row_count):
            cells = " ".join(str(c) for c in table.get_row_at(row))
            tried += 1
            safe += not FORBIDDEN.search(cells)
        payload_of = dict(zip(ids, PAYLOADS, strict=True))
        for row in range(table.row_count):
            payload = payload_of[int(table.ordered_rows[row].key.value)]
            table.move_cursor(row=row)
            await pilot.press("enter")
            for _ in range(20):
                await app.workers.wait_for_complete()
                await pilot.pause()
                if app.screen.query("#article-header"):
                    break
            header = str(app.screen.query_one("#article-header", Static).render())
            listing = app.screen.query_one("#article-notes", OptionList)
            notes = " ".join(str(listing.get_option_at_index(i).prompt)
                             for i in range(listing.option_count))
            shot = app.export_screenshot()
            tried += 1
            # Markup in a title is shown as the text it is, never applied.
            literal = payload.split("]")[0] + "]" in header if payload.startswith("[") else True
            safe += not FORBIDDEN.search(header + notes + shot) and literal
            await pilot.press("escape")
            await pilot.pause()
    ctx.close()
    return {"ui_safe": safe, "ui_tried": tried}


def injection(work: Path) -> dict:
    home = work / "hostile" / "library"
    home.mkdir(parents=True)
    ids = _hostile_library(home)
    if len(ids) != len(PAYLOADS):
        return {"error": f"only {len(ids)} of {len(PAYLOADS)} hostile articles were imported"}
    out = {"payloads": len(PAYLOADS), **_cli(home, ids), **_exports(home)}
    out.update(asyncio.run(_ui(home, ids)))
    out["safe"] = out["cli_safe"] + out["json_exact"] + out["markdown_export_safe"] + \
        out["digest_safe"] + out["ui_safe"]
    out["tried"] = out["cli_tried"] + out["json_tried"] + out["markdown_export_tried"] + \
        out["digest_tried"] + out["ui_tried"]
    return out


# -- kills ---------------------------------------------------------------------------


def kills(work: Path, count: int, seed: int) -> dict:
    crash = _load("crash_kills")
    folder = work / "kills"
    folder.mkdir()
    k = crash.run(count, seed, 6, 48, folder)
    keep = ("kills_tried", "kills_survived", "kills_by_stage", "articles_expected",
            "articles_present", "articles_lost", "articles_duplicated", "articles_with_wrong_text",
            "passages_stored_twice", "index_matches_sqlite", "doctor_problems",
            "integrity_failures")
    return {key: k[key] for key in keep}


# -- concurrency ------------------------------------------------------------------------


def _reading_list(folder: Path, name: str, rows: int) -> Path:
    path = folder / f"{name}.jsonl"
    path.write_text("".join(json.dumps({"url": f"https://{name}.example.org/{i}",
                                        "title": f"{name} {i}"}) + "\n" for i in range(rows)))
    return path


def _reader(home: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "READER_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    return subprocess.Popen([sys.executable, "-m", "reader", *args], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def concurrency(work: Path, writers: int = 4, rows: int = 300) -> dict:
    folder = work / "concurrency"
    folder.mkdir()
    lists = [_reading_list(folder, f"w{n}", rows) for n in range(writers)]

    def commands(home: Path) -> list[list[str]]:
        cmds = [["import", "--no-fetch", "--no-index", str(p)] for p in lists]
        cmds += [["doctor"], ["backup", "--force", str(home.parent / "copy.db")], ["list"]]
        return cmds

    sequential_home = folder / "sequential" / "lib"
    sequential_home.mkdir(parents=True)
    t0 = time.perf_counter()
    for cmd in commands(sequential_home):
        _reader(sequential_home, *cmd).communicate()
    sequential_s = time.perf_counter() - t0

    home = folder / "concurrent" / "lib"
    home.mkdir(parents=True)
    t0 = time.perf_counter()
    procs = [_reader(home, *cmd) for cmd in commands(home)]
    results = [(p, *p.communicate()) for p in procs]
    concurrent_s = time.perf_counter() - t0
    locked = sum(err.count("locked") + err.count("busy") for _, _, err in results)
    failed = sum(1 for p, _, _ in results if p.returncode not in (0,))
    import sqlite3

    count = sqlite3.connect(home / "reader.db").execute("select count(*) from articles").fetchone()[0]
    return {"operations": len(results), "writers": writers, "rows_each": rows,
            "database_locked_errors_shown": locked, "operations_failed": failed,
            "rows_expected": writers * rows, "rows_present": count,
            "rows_lost": writers * rows - count,
            "concurrent_s": round(concurrent_s, 2), "sequential_s": round(sequential_s, 2),
            "concurrent_over_sequential": round(concurrent_s / sequential_s, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--fuzz", type=int, default=300, help="examples per importer")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("READER_NO_KEYRING", "1")
    started = time.monotonic()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        result: dict = {"fetch": fetch_figures(args.fuzz), "injection": injection(work)}
        result["kills"] = kills(work, args.kills, args.seed) if args.kills else {"skipped": True}
        result["concurrency"] = concurrency(work)
    result["seconds"] = round(time.monotonic() - started, 1)
    result["machine_load_1m"] = {"start": round(load_before, 2),
                                 "end": round(os.getloadavg()[0], 2)}
    print(json.dumps(result, indent=2, ensure_ascii=True))


if __name__ == "__main__":
    main()
