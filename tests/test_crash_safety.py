"""SIGKILL during fetch, indexing and training, resumed each time: nothing lost, nothing twice.

The short form of bench/crash_kills.py (which runs 50+ kills): one kill in each stage, real
processes, a real HTTP server on 127.0.0.1, the fake embedder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_kills_during_fetch_index_and_training_lose_nothing() -> None:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "crash_kills.py"), "--kills", "3", "--seed", "1",
         "--start", "44", "--per-round", "4"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert result["kills_tried"] == 3
    # Each kill aims at the stage killed least; one may land in the next stage instead.
    assert len(result["kills_by_stage"]) >= 2, result["kills_by_stage"]
    assert result["kills_survived"] == 3, result["integrity_failures"]
    assert result["articles_present"] == result["articles_expected"]
    assert result["articles_lost"] == 0 and result["articles_duplicated"] == 0
    assert result["articles_with_wrong_text"] == 0 and result["passages_stored_twice"] == 0
    assert result["index_matches_sqlite"] is True
    assert result["doctor_problems"] == 0, result["doctor_findings"]
    assert result["themes"] > 0
