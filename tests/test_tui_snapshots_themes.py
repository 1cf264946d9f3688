"""The themes, map and digest screens at 80x24 and 120x40, compared with committed SVG snapshots.

The library is the small trained one of tests/reading_library.py (four made-up topics, the
deterministic FakeEmbedder, themes trained with a fixed seed); time is frozen at its NOW, the
map uses the PCA layout (no UMAP), so every run draws the same screens. Update them after a
deliberate change with `pytest tests/test_tui_snapshots_themes.py --snapshot-update` and read
the SVGs' text before committing them.
"""

from __future__ import annotations

import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from reader.ml import layout
from reader.services.context import LibraryContext
from tests.reading_library import NOW, fake_embedder
from tests.test_tui_snapshots import SIZES, scenario

FROZEN = datetime.strptime(NOW, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


class FrozenDatetime(datetime):
    @classmethod
    def now(cls, tz=None):  # noqa: ANN001 - the signature of datetime.now
        return FROZEN if tz is not None else FROZEN.replace(tzinfo=None)


@pytest.fixture
def template(reading_template: Path) -> Path:
    return reading_template


@pytest.fixture
def trained(template: Path, reader_home: Path, monkeypatch):
    import reader.services.digest.service as digest_service
    import reader.services.themes.timeline as timeline

    shutil.rmtree(reader_home)
    shutil.copytree(template, reader_home)
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.setattr(digest_service, "datetime", FrozenDatetime)
    monkeypatch.setattr(timeline, "datetime", FrozenDatetime)
    monkeypatch.setattr(layout, "umap_available", lambda: False)
    ctx = LibraryContext(reader_home)
    yield ctx
    ctx.close()
    monkeypatch.undo()
    time.tzset()


def make(ctx):
    from reader.services.digest.service import DigestService
    from reader.services.search.service import SearchService
    from reader.services.themes.service import ThemeService
    from reader.tui.app import make_app

    fake = fake_embedder()
    return make_app(ctx, themes=ThemeService(ctx, embed=fake.embed),
                    digest=DigestService(ctx, embedder=fake),
                    search=SearchService(ctx, embedder=fake))


SCENARIOS = {
    "themes": ("3",),
    "map": ("5",),
    "digest": ("4",),
    "digest_30_days": ("4", "down", "down", "enter"),
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", SCENARIOS)
def test_screen(snap_compare, trained, name, size):
    assert snap_compare(make(trained), terminal_size=SIZES[size],
                        run_before=scenario(*SCENARIOS[name]))
