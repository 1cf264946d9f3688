"""Progress without a terminal: a line every few seconds, rates per stage, nothing for quick work."""

from __future__ import annotations

import pytest

from reader.cli import common
from reader.services.context import Progress


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(common.time, "monotonic", fake)
    return fake


def test_plain_progress_prints_a_line_every_few_seconds_with_rate_and_time_left(
    clock: Clock, capsys: pytest.CaptureFixture[str]
) -> None:
    with common.progress_bar("Indexing") as update:  # capsys: stderr is not a terminal
        for done in range(0, 101, 10):
            clock.now += 1.0
            update(Progress("embedding", done, 100))
    lines = capsys.readouterr().err.splitlines()
    # 11 updates one second apart, the stage starting at the first: lines at 5 s and 10 s
    # after the bar began, then the final state; 10 items a second all along.
    assert lines == [
        "Indexing: embedding 40/100 (10.0/s, about 6 s left)",
        "Indexing: embedding 90/100 (10.0/s, about 1 s left)",
        "Indexing: embedding 100/100 (10.0/s)",
    ]


def test_rates_are_per_stage_and_one_step_stages_show_none(
    clock: Clock, capsys: pytest.CaptureFixture[str]
) -> None:
    with common.progress_bar("demo") as update:
        update(Progress("preparing the model", 0, 1))
        clock.now += 6.0
        update(Progress("preparing the model", 1, 1))
        clock.now += 0.5
        update(Progress("labelling", 0, 20))
        clock.now += 5.0
        update(Progress("labelling", 20, 20))
    assert capsys.readouterr().err.splitlines() == [
        "demo: preparing the model 1/1",
        "demo: labelling 20/20 (4.0/s)",
    ]


def test_quick_work_prints_nothing(clock: Clock, capsys: pytest.CaptureFixture[str]) -> None:
    with common.progress_bar("Fetching") as update:
        for done in range(5):
            clock.now += 0.1
            update(Progress("fetch", done, 4))
    assert capsys.readouterr().err == ""


def test_a_stage_whose_first_report_already_counts_some_is_timed_from_that_report(
    clock: Clock, capsys: pytest.CaptureFixture[str]
) -> None:
    with common.progress_bar("Fetching") as update:
        clock.now += 6.0  # the first page took a while, then it is reported as done
        update(Progress("fetch", 1, 181))
        for done in range(21, 182, 20):
            clock.now += 1.0
            update(Progress("fetch", done, 181))
    lines = capsys.readouterr().err.splitlines()
    # No rate from one page in no time (that was "1000000.0/s"); then 20 pages a second.
    assert lines == [
        "Fetching: fetch 1/181",
        "Fetching: fetch 101/181 (20.0/s, about 4 s left)",
        "Fetching: fetch 181/181 (20.0/s)",
    ]
