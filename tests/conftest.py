"""Shared fixtures: every test gets its own library folder and never touches a model hub."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.httpserver import http_server_fixture  # noqa: F401

# In CI, property tests draw the same examples every run: a failure there is reproducible,
# never a coin toss; run locally they explore new examples each time.
if os.environ.get("CI"):
    from hypothesis import settings as _hypothesis_settings

    _hypothesis_settings.register_profile("ci", derandomize=True, database=None)
    _hypothesis_settings.load_profile("ci")

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CORPORA = SHARED / "corpora"


@pytest.fixture(autouse=True)
def reader_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point READER_HOME at a fresh folder for each test."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("READER_HOME", str(home))
    monkeypatch.setenv("READER_NO_KEYRING", "1")  # never touch the real keyring
    return home


@pytest.fixture
def ctx(reader_home: Path):
    from reader.services.context import LibraryContext

    context = LibraryContext(reader_home)
    yield context
    context.close()


@pytest.fixture(scope="session")
def reading_template(tmp_path_factory) -> Path:
    """The trained reading library of tests/reading_library.py, built once per run."""
    from tests.reading_library import build

    home = tmp_path_factory.mktemp("reading-template")
    build(home)
    return home


@pytest.fixture
def reading_library(reading_template: Path, reader_home: Path):
    """A context on a fresh copy of the trained reading library, at READER_HOME."""
    from reader.services.context import LibraryContext

    shutil.rmtree(reader_home)
    shutil.copytree(reading_template, reader_home)
    context = LibraryContext(reader_home)
    yield context
    context.close()


def corpus(name: str) -> Path:
    """A folder of ../shared/corpora, or skip the test when it is absent."""
    path = CORPORA / name
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared corpora are not beside this checkout")
    return path
