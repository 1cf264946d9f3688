"""Import files are read with bounded memory: devices, FIFOs, huge files and zip bombs end
with a clear error, never a hang or gigabytes of memory."""

from __future__ import annotations

import json
import os
import resource
import threading
import zipfile
from pathlib import Path

import pytest

from reader.errors import BadInput, ImportFormatError
from reader.fetch.importers import capped, read_import


def test_a_device_is_refused_before_it_is_read() -> None:
    with pytest.raises(ImportFormatError, match="a device"):
        read_import(Path("/dev/zero"))
    with pytest.raises(ImportFormatError, match="a device"):
        read_import(Path("/dev/zero"), "jsonl")


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "list.csv"
    os.mkfifo(fifo)
    outcome: list[BaseException] = []

    def attempt() -> None:
        try:
            read_import(fifo)
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            outcome.append(exc)

    thread = threading.Thread(target=attempt, daemon=True)
    thread.start()
    thread.join(10)
    if thread.is_alive():  # unblock the reader so the test process can end
        with open(fifo, "wb"):
            pass
        pytest.fail("reading a FIFO blocked")
    assert isinstance(outcome[0], ImportFormatError) and "FIFO" in str(outcome[0])


@pytest.mark.parametrize(
    ("name", "head", "format"),
    [
        ("huge.jsonl", b'{"url": "https://example.com/a"}\n', "jsonl"),
        ("huge.csv", b"title,url,time_added,tags,status\n", "pocket-csv"),
        ("huge.csv", b"URL,Title,Selection,Folder,Timestamp\n", "instapaper-csv"),
        ("huge.html", b"<html><body><a href='https://example.com/a'>a</a>", "document"),
        ("huge.html", b"<!DOCTYPE NETSCAPE-Bookmark-file-1>", "netscape"),
        ("huge.html", b"<title>Pocket Export</title>", "pocket-html"),
        ("huge.opml", b"<?xml version='1.0'?><opml><body>", "opml"),
    ],
)
def test_a_5_gb_file_ends_with_a_clear_error_and_bounded_memory(
    tmp_path: Path, name: str, head: bytes, format: str  # noqa: A002
) -> None:
    path = tmp_path / name
    with path.open("wb") as handle:
        handle.write(head)
        handle.truncate(5 * 1024**3)  # sparse: no disk used
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ImportFormatError, match="larger than"):
        read_import(path, format)
    with pytest.raises(ImportFormatError):  # detected: zeros after the head are binary
        read_import(path)
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kb < 256 * 1024


def test_a_file_that_grows_past_its_size_is_still_capped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(capped, "MAX_FILE_BYTES", 1000)
    path = tmp_path / "page.html"
    path.write_bytes(b"<p>" + b"x" * 2000)
    with pytest.raises(ImportFormatError, match="larger than 1000 bytes"):
        capped.read_capped(path, 1000)


def test_an_overlong_jsonl_line_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(capped, "MAX_LINE_BYTES", 100)
    path = tmp_path / "export.jsonl"
    good = json.dumps({"url": "https://example.com/a", "title": "A"})
    path.write_text(good + "\n" + '{"url": "' + "x" * 500 + '"}\n', "utf-8")
    with pytest.raises(ImportFormatError, match="line 2 is longer than 100 bytes"):
        read_import(path)


def test_jsonl_is_read_a_line_at_a_time(tmp_path: Path) -> None:
    path = tmp_path / "export.jsonl"
    lines = [json.dumps({"url": f"https://example.com/{i}", "title": f"T{i}"}) for i in range(50)]
    path.write_bytes(("\n".join(lines[:25]) + "\n").encode() + b'{"url": "https://example.com/caf\xe9"}\n'
                     + ("\n".join(lines[25:]) + "\n").encode())
    batch = read_import(path)
    assert len(batch.items) == 51
    assert [p.where for p in batch.problems] == ["line 26"]


def test_a_zip_that_unpacks_too_large_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(capped, "MAX_ZIP_BYTES", 1024 * 1024)
    path = tmp_path / "omnivore.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("metadata_0_to_1.json", "[]")
        archive.writestr("content/big.html", b"\0" * (2 * 1024 * 1024))
    assert path.stat().st_size < 16 * 1024
    with pytest.raises(ImportFormatError, match="unpacks to 2 MB, over 1 MB"):
        read_import(path)


def test_a_zip_of_too_many_files_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(capped, "MAX_ZIP_MEMBERS", 10)
    path = tmp_path / "omnivore.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("metadata_0_to_1.json", "[]")
        for i in range(20):
            archive.writestr(f"content/{i}.html", "<p>hi</p>")
    with pytest.raises(ImportFormatError, match="a zip of 21 files, over 10"):
        read_import(path)


def test_a_missing_file_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="no such file"):
        read_import(tmp_path / "nothing.csv")
