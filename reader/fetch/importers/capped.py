"""Reading import files with bounded memory: one capped reader for files, lines and zips.

Only regular files (and Omnivore folders) are read: a device such as /dev/zero, a FIFO or
a socket is refused before it is opened (opening a FIFO would wait for a writer). A file
read whole stops at MAX_FILE_BYTES; JSONL is read a line at a time up to MAX_STREAM_BYTES,
no line longer than MAX_LINE_BYTES; a zip may hold at most MAX_ZIP_MEMBERS entries and
MAX_ZIP_BYTES once unpacked, and each member is read under the same caps.
"""

from __future__ import annotations

import os
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path

from reader.errors import BadInput, ImportFormatError
from reader.models import ImportProblem

MAX_FILE_BYTES = 128 * 1024 * 1024
MAX_STREAM_BYTES = 2 * 1024 * 1024 * 1024
MAX_LINE_BYTES = 64 * 1024 * 1024
MAX_ZIP_MEMBERS = 100_000
MAX_ZIP_BYTES = 512 * 1024 * 1024
_CHUNK = 1024 * 1024
_MAX_DECODE_PROBLEMS = 20


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):g} MB" if n >= 1024 * 1024 else f"{n} bytes"


def check_readable(path: Path) -> None:
    """Refuse anything but a regular file or a folder, before opening it."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        raise BadInput(f"{path}: cannot read it ({exc.strerror or exc})") from None
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return
    kind = (
        "a device"
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "a pipe (FIFO)"
        if stat.S_ISFIFO(mode)
        else "a socket"
        if stat.S_ISSOCK(mode)
        else "not a regular file"
    )
    raise ImportFormatError(f"{path}: {kind}, not an export or document; import a file")


def read_capped(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The whole file, or ImportFormatError once it passes `limit` (whatever stat says)."""
    path = Path(path)
    check_readable(path)
    if path.stat().st_size > limit:
        raise _too_large(path.name, limit)
    chunks, total = [], 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            total += len(chunk)
            if total > limit:
                raise _too_large(path.name, limit)
            chunks.append(chunk)
    return b"".join(chunks)


def _too_large(name: str, limit: int) -> ImportFormatError:
    return ImportFormatError(
        f"{name}: larger than {_size(limit)}, more than any export reader reads; "
        "split it or check that it is the right file"
    )


def stream_lines(
    path: Path, problems: list[ImportProblem], limit: int = MAX_STREAM_BYTES
) -> Iterator[tuple[int, str]]:
    """(line number, text) for each line, read as it goes: UTF-8, else Windows-1252 (noted)."""
    path = Path(path)
    check_readable(path)
    if path.stat().st_size > limit:
        raise _too_large(path.name, limit)
    total, bad = 0, 0
    with path.open("rb") as handle:
        number = 0
        while True:
            raw = handle.readline(MAX_LINE_BYTES + 1)
            if not raw:
                break
            number += 1
            total += len(raw)
            if total > limit:
                raise _too_large(path.name, limit)
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                raise ImportFormatError(
                    f"{path.name}: line {number} is longer than {_size(MAX_LINE_BYTES)}"
                )
            if number == 1:
                raw = raw.removeprefix(b"\xef\xbb\xbf")
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = raw.decode("cp1252", errors="replace")
                bad += 1
                if bad <= _MAX_DECODE_PROBLEMS:
                    problems.append(
                        ImportProblem(
                            f"line {number}", "not valid UTF-8; read as Windows-1252, check accents"
                        )
                    )
            yield number, text.rstrip("\r\n")
    if bad > _MAX_DECODE_PROBLEMS:
        more = bad - _MAX_DECODE_PROBLEMS
        problems.append(ImportProblem("file", f"{more} more lines were not valid UTF-8"))


def open_zip(path: Path) -> zipfile.ZipFile:
    """A zip whose member count and unpacked size are within the caps."""
    check_readable(path)
    archive = zipfile.ZipFile(path)
    try:
        infos = archive.infolist()
        if len(infos) > MAX_ZIP_MEMBERS:
            raise ImportFormatError(
                f"{Path(path).name}: a zip of {len(infos)} files, over {MAX_ZIP_MEMBERS}"
            )
        unpacked = sum(info.file_size for info in infos)
        if unpacked > MAX_ZIP_BYTES:
            raise ImportFormatError(
                f"{Path(path).name}: a zip that unpacks to {_size(unpacked)}, "
                f"over {_size(MAX_ZIP_BYTES)}"
            )
    except BaseException:
        archive.close()
        raise
    return archive


def read_member(archive: zipfile.ZipFile, name: str, limit: int = MAX_FILE_BYTES) -> bytes:
    """One member of a zip opened with open_zip, never more than `limit` bytes unpacked."""
    info = archive.getinfo(name)
    if info.file_size > limit:
        raise _too_large(name, limit)
    with archive.open(info) as handle:
        data = handle.read(limit + 1)  # zipfile stops at the declared size; belt and braces
    if len(data) > limit:
        raise _too_large(name, limit)
    return data
