"""`reader next`: the ranking arithmetic, the service on a real library, and the CLI."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from reader.ml.next_rank import (
    continued_themes,
    new_themes,
    recency_weights,
    score_next,
)
from reader.services.themes.next import next_order, rank_next
from tests.reading_library import NOW, topic_of


@pytest.fixture
def library(reading_library):
    return reading_library


def unit(v) -> np.ndarray:
    v = np.asarray(v, dtype=np.float64)
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


# -- arithmetic -----------------------------------------------------------------------------
def test_recency_weights_halve_every_half_life() -> None:
    assert np.allclose(recency_weights(np.array([0, 30, 60, -5]), 30), [1, 0.5, 0.25, 1])


def test_recent_reads_outweigh_old_ones() -> None:
    old, new = unit([1, 0, 0]), unit([0, 1, 0])
    reads = np.vstack([old, old, new])
    cands = unit([[0.9, 0.1, 0.4], [0.1, 0.9, 0.4]])
    scores = score_next(cands, reads, np.array([200, 200, 1]), redundancy=0)
    assert scores.score[1] > scores.score[0]  # two old reads count less than one recent one
    flat = score_next(cands, reads, np.array([1, 1, 1]), redundancy=0)
    assert flat.score[0] > flat.score[1]


def test_what_you_have_nearly_read_already_ranks_below_what_adds_to_it() -> None:
    read = unit([[1, 0, 0, 0]])
    copy = unit([[1, 0.01, 0, 0]])
    adds = unit([[1, 0, 0.5, 0]])
    scores = score_next(np.vstack([copy, adds]), read, np.array([1.0]))
    assert scores.fit[0] > scores.fit[1]  # the copy fits better...
    assert scores.score[1] > scores.score[0]  # ...but the one that adds something comes first
    assert scores.novelty[1] > scores.novelty[0] and scores.nearest_read.tolist() == [0, 0]


def test_themes_mix_into_the_fit_and_name_the_reasons() -> None:
    reads = unit([[1, 0], [1, 0.1]])
    cands = unit([[1, 0.05], [1, 0.05]])
    read_themes = np.array([[0.9, 0.0, 0.0], [0.8, 0.0, 0.0]])
    cand_themes = np.array([[0.9, 0.0, 0.8], [0.0, 0.7, 0.0]])
    scores = score_next(cands, reads, np.array([1.0, 2.0]), cand_themes, read_themes)
    assert scores.score[0] > scores.score[1]  # same vectors; the theme profile decides
    assert continued_themes(cand_themes[0], scores.interest) == [0]
    assert new_themes(cand_themes[0], scores.read_cover) == [2]
    assert continued_themes(cand_themes[1], scores.interest) == []
    assert scores.read_cover.tolist() == [1.0, 0.0, 0.0]


def test_no_history_scores_nothing() -> None:
    scores = score_next(unit([[1, 0], [0, 1]]), np.zeros((0, 2)), np.zeros(0))
    assert scores.score.tolist() == [0, 0] and scores.nearest_read.tolist() == [-1, -1]


# -- the service on a library ----------------------------------------------------------------
def test_next_puts_the_topic_read_lately_first_with_reasons(library) -> None:
    topics = topic_of(library)
    # Saving times are spread over three months here; this test is about reading, so the
    # timing (tested on its own in test_next_timing.py) is left out.
    result = rank_next(library, limit=None, now=NOW, options={"timing": False})
    unread = {r[0] for r in library.db.execute("select id from articles where state = 'unread'")}
    assert {i.id for i in result.items} == unread and result.candidates == len(unread)
    assert result.history == 24  # 12 garden (January) + 12 sailing (March)
    order = [topics[i.id] for i in result.items]
    assert order[:4] == ["sailing"] * 4  # read this month
    assert set(order[4:8]) == {"garden"}  # read two months ago: still above the unread topics
    scores = [i.score for i in result.items]
    assert scores == sorted(scores, reverse=True)
    top = result.items[0]
    assert top.reason.startswith("continues: ") and top.continues
    assert top.nearest_read and topics[top.nearest_read["id"]] == "sailing"
    # A topic never read is new: the reason for astronomy or baking says so when a theme names it.
    fresh = [i for i in result.items if topics[i.id] in ("astronomy", "baking")]
    assert any(i.new_to_you for i in fresh)
    assert all(not i.continues or i.new_to_you for i in fresh[:4])


def test_a_longer_half_life_brings_the_old_interest_back(library) -> None:
    topics = topic_of(library)
    long = rank_next(library, limit=8, now=NOW, half_life_days=3650,
                     options={"timing": False})
    assert Counter(topics[i.id] for i in long.items) == {"sailing": 4, "garden": 4}


def test_time_travel_and_an_empty_history(library) -> None:
    topics = topic_of(library)
    # On 1 February only the garden reads had happened: garden first.
    early = rank_next(library, limit=4, now="2026-02-01T00:00:00Z", options={"timing": False})
    assert early.history == 12 and {topics[i.id] for i in early.items} == {"garden"}
    before = rank_next(library, limit=3, now="2025-12-01T00:00:00Z")
    assert before.history == 0 and "newest saved first" in before.notes[0]
    added = [i.added_at for i in before.items]
    assert added == sorted(added, reverse=True)


def test_queue_order_for_the_ui(library) -> None:
    ranked = [i.id for i in rank_next(library, limit=None).items]
    assert next_order(library) == ranked
    some = ranked[::3] + [10_000]
    assert next_order(library, list(reversed(some))) == ranked[::3] + [10_000]


def test_bad_arguments(library) -> None:
    from reader.errors import BadInput

    with pytest.raises(BadInput):
        rank_next(library, half_life_days=0)
    with pytest.raises(BadInput):
        rank_next(library, now="yesterday-ish")


def test_next_cli_json_and_text(library, reader_home: Path) -> None:
    from reader.cli import main

    runner = CliRunner()
    data = json.loads(runner.invoke(main, ["--home", str(reader_home), "next", "--json",
                                           "--limit", "3"]).output)
    assert len(data["items"]) == 3 and data["candidates"] == 40
    assert {"id", "title", "score", "fit", "novelty", "reason", "continues",
            "new_to_you", "nearest_read"} <= set(data["items"][0])
    library.db.execute("update articles set title = ? where id = ?",
                       ["Evil \x1b[31mred\x1b[0m \u202etitle", data["items"][0]["id"]])
    library.db.conn.commit()
    plain = runner.invoke(main, ["--home", str(reader_home), "next", "--limit", "2"])
    assert plain.exit_code == 0, plain.output
    assert "\x1b" not in plain.output and "\u202e" not in plain.output
    assert "Evil" in plain.output and plain.output.count("\n") >= 5
    assert runner.invoke(main, ["--home", str(reader_home), "next", "--limit", "0"]).exit_code == 2


def test_next_on_an_empty_library(ctx, reader_home: Path) -> None:
    from reader.cli import main

    result = CliRunner().invoke(main, ["--home", str(reader_home), "next"])
    assert result.exit_code == 0 and "Nothing unread" in result.output


def test_closest_rows_in_blocks_matches_the_full_matrix() -> None:
    from reader.ml.next_rank import closest_rows

    rng = np.random.default_rng(4)
    a, b = unit(rng.normal(size=(37, 8))), unit(rng.normal(size=(11, 8)))
    nearest, closest = closest_rows(a, b, block=5)
    full = a @ b.T
    assert nearest.tolist() == full.argmax(axis=1).tolist()
    assert np.allclose(closest, full.max(axis=1), atol=1e-6)


def test_saved_lately_breaks_a_tie_but_does_not_beat_a_clear_fit() -> None:
    reads = unit([[1, 0, 0]])
    cands = unit([[0.6, 0.8, 0], [0.6, 0.8, 0], [0, 0.2, 1]])
    scores = score_next(cands, reads, np.array([1.0]), saved_ages_days=np.array([200, 2, 1]))
    assert scores.score[1] > scores.score[0]  # same fit: the one saved lately first
    assert scores.score[1] > scores.score[2]  # an off-topic article saved a day later stays below
    assert scores.fit[0] == scores.fit[1] and scores.soon[0] < scores.soon[1]
    plain = score_next(cands, reads, np.array([1.0]))
    assert plain.score[0] == plain.score[1]
    untimed = score_next(cands, reads, np.array([1.0]), saved_ages_days=np.array([200, 2, 1]),
                         timing=False)
    assert untimed.score[0] == untimed.score[1] > untimed.score[2]
