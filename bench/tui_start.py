"""First paint of reader's UI against a minimal Textual app, each in a fresh process.

Both apps run headless at 120x40 and exit as soon as a table with rows has been painted: ours
over a library of real articles (default 10,000), the baseline a Header, a DataTable with 40
rows and a Footer. Runs alternate; medians are compared.

    python bench/tui_start.py [--articles 10000] [--runs 7]

Prints one JSON object: {"ratio": ours/baseline, "ours_s": ..., "baseline_s": ..., ...}.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO))
from tui_library import build  # noqa: E402

OURS = """
import sys
from pathlib import Path
from reader.services.context import LibraryContext
from reader.tui.app import ReaderApp
from reader.tui.services import Services

class Timed(ReaderApp):
    CSS_PATH = str(Path(sys.modules[ReaderApp.__module__].__file__).with_name("app.tcss"))

    def on_ready(self):
        self.set_interval(0.002, self.painted)

    def painted(self):
        tables = self.screen.query("#queue")
        if tables and tables.first().row_count:
            self.call_after_refresh(self.exit)

Timed(Services(LibraryContext(sys.argv[1]))).run(headless=True, size=(120, 40))
"""

BASELINE = """
from textual.app import App
from textual.widgets import DataTable, Footer, Header

class Minimal(App):
    def compose(self):
        yield Header()
        yield DataTable()
        yield Footer()

    def on_ready(self):
        table = self.query_one(DataTable)
        table.add_columns("id", "title", "site")
        table.add_rows((str(i), f"Article {i}", "example.org") for i in range(40))
        self.call_after_refresh(self.exit)

Minimal().run(headless=True, size=(120, 40))
"""


# Both apps run from bytecode, as an installed reader does (pip compiles it): where the shell
# sets PYTHONDONTWRITEBYTECODE, reader's own modules were compiled from source on every run
# while Textual's came from its installed .pyc files. The cache lives in a folder of this run.
PYCACHE = tempfile.mkdtemp(prefix="tui-start-pycache-")


def timed(code: str, *args: str) -> float:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "PYTHONPATH": str(REPO), "PYTHONPYCACHEPREFIX": PYCACHE}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          env=env, cwd=REPO, timeout=120)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(done.stderr[-2000:])
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        build(home, args.articles)
        timed(OURS, str(home))  # warm the disk cache and byte-compile for both
        timed(BASELINE)
        ours, baseline = [], []
        for _ in range(args.runs):
            ours.append(timed(OURS, str(home)))
            baseline.append(timed(BASELINE))
    shutil.rmtree(PYCACHE, ignore_errors=True)
    o, b = statistics.median(ours), statistics.median(baseline)
    print(json.dumps({
        "ratio": round(o / b, 3), "ours_s": round(o, 3), "baseline_s": round(b, 3),
        "articles": args.articles, "runs": args.runs,
        "load_avg_1m": round(os.getloadavg()[0], 2),
    }))


if __name__ == "__main__":
    main()
