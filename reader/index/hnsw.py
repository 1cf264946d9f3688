"""An approximate nearest-neighbour index of chunk vectors (hnswlib, cosine), kept on disk.

The files are a cache of what SQLite holds. A manifest records the model, the dimension,
the count and a checksum of the ids (and of the index file itself); anything that does not
match raises `IndexInvalid`, and the caller rebuilds from SQLite rather than use it.
Writers hold an exclusive lock on `index.lock`; readers a shared one while loading.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FORMAT = 1
INDEX_FILE = "chunks.hnsw"
IDS_FILE = "chunks.ids.npy"
MANIFEST_FILE = "manifest.json"
LOCK_FILE = "index.lock"


class IndexInvalid(Exception):
    """The saved index cannot be trusted: missing, corrupt, stale or from another model."""


class IndexBusy(Exception):
    """Another process holds the lock."""


@dataclass(frozen=True)
class HnswParams:
    # M=16, ef_construction=200: recall@10 about 0.99 at ef=150 for 100k MiniLM vectors, in
    # 0.3 ms (bench/search_speed.py). Searches for many chunks raise ef to what they ask for.
    M: int = 16
    ef_construction: int = 200
    ef_search: int = 150


# ef at search time follows the index size: recall@10 at a fixed ef falls as the graph grows
# (0.99 at 100k with ef 150, 0.63 at 1M: bench/search_speed.py). Below EF_KNEE vectors the
# base ef holds; past it ef grows as (size / EF_KNEE) ** EF_GROWTH, to EF_MAX.
EF_KNEE = 100_000
EF_GROWTH = 0.8
EF_MAX = 2_000


def auto_ef(count: int, base: int = HnswParams.ef_search) -> int:
    """The search-time ef for an index of `count` vectors."""
    if count <= EF_KNEE:
        return base
    return min(EF_MAX, int(round(base * (count / EF_KNEE) ** EF_GROWTH)))


def ids_checksum(ids: np.ndarray) -> str:
    return hashlib.sha256(np.sort(np.asarray(ids, dtype="<i8")).tobytes()).hexdigest()


def file_checksum(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 22):
            h.update(block)
    return h.hexdigest()


class VectorIndex:
    """hnswlib with the set of live ids beside it; deletions are marked, slots reused."""

    def __init__(self, dimension: int, params: HnswParams | None = None, capacity: int = 1024):
        import hnswlib

        self.dimension = dimension
        self.params = params or HnswParams()
        self._index = hnswlib.Index(space="cosine", dim=dimension)
        self._index.init_index(
            max_elements=max(capacity, 16),
            M=self.params.M,
            ef_construction=self.params.ef_construction,
            allow_replace_deleted=True,
        )
        self._index.set_ef(self.params.ef_search)
        self._ids: set[int] = set()
        self._removed: set[int] = set()  # labels marked deleted that may still be in the graph

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def ids(self) -> np.ndarray:
        return np.fromiter(sorted(self._ids), dtype=np.int64, count=len(self._ids))

    @property
    def nbytes(self) -> int:
        """Memory the graph and its vectors take (what saving it would write)."""
        return int(self._index.index_file_size())

    def ef_for(self, setting: int = 0) -> int:
        """The ef a search uses: `setting` when positive, else one that follows the size."""
        return (
            int(setting) if setting and setting > 0 else auto_ef(len(self), self.params.ef_search)
        )

    def __contains__(self, chunk_id: int) -> bool:
        return int(chunk_id) in self._ids

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add vectors under ids (new ids only), growing the index when it is full."""
        ids = np.asarray(ids, dtype=np.int64)
        fresh = np.array([i not in self._ids for i in ids.tolist()], dtype=bool)
        ids, vectors = ids[fresh], np.asarray(vectors, dtype=np.float32)[fresh]
        if not len(ids):
            return
        needed = len(self._ids) + len(ids)
        capacity = self._index.get_max_elements()
        # Marked-deleted slots are reused, so live ids are what must fit.
        if needed > capacity:
            self._index.resize_index(max(needed, capacity * 2))
        revived = self._revive([i for i in ids.tolist() if i in self._removed])
        if revived:
            # A label still in the graph (marked deleted) is unmarked and its vector updated.
            again = np.isin(ids, list(revived))
            self._index.add_items(vectors[again], ids[again])
            ids, vectors = ids[~again], vectors[~again]
        if len(ids):
            self._index.add_items(vectors, ids, replace_deleted=True)
        self._ids.update(ids.tolist())
        self._ids.update(revived)

    def _revive(self, candidates: list[int]) -> set[int]:
        if not candidates:
            return set()
        in_graph = set(self._index.get_ids_list())
        revived = {i for i in candidates if i in in_graph}
        for chunk_id in revived:
            self._index.unmark_deleted(chunk_id)
        self._removed.difference_update(candidates)
        return revived

    def remove(self, ids: np.ndarray) -> None:
        for chunk_id in np.asarray(ids, dtype=np.int64).tolist():
            if chunk_id in self._ids:
                self._index.mark_deleted(chunk_id)
                self._ids.discard(chunk_id)
                self._removed.add(chunk_id)

    def search(
        self,
        vectors: np.ndarray,
        k: int,
        *,
        allowed: Callable[[int], bool] | None = None,
        ef: int | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """(ids, cosine similarities), best first, for each query vector; fewer when the index is small."""
        vectors = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
        k = min(k, len(self._ids))
        if k == 0:
            empty = np.zeros((len(vectors), 0))
            return empty.astype(np.int64), empty.astype(np.float32)
        self._index.set_ef(max(ef or self.ef_for(), k))
        while True:
            try:
                labels, distances = self._index.knn_query(vectors, k=k, filter=allowed)
                break
            except RuntimeError:
                # hnswlib cannot fill k results (a filter left fewer): ask for fewer.
                if k == 1:
                    empty = np.zeros((len(vectors), 0))
                    return empty.astype(np.int64), empty.astype(np.float32)
                k = max(1, k // 2)
        return labels.astype(np.int64), (1.0 - distances).astype(np.float32)

    def save(self, folder: Path, model: str) -> None:
        """Write index, ids and manifest, each atomically; call with the write lock held."""
        folder.mkdir(parents=True, exist_ok=True)
        ids = self.ids
        index_tmp = folder / f".{INDEX_FILE}.tmp"
        self._index.save_index(str(index_tmp))
        ids_tmp = folder / f".{IDS_FILE}.tmp"
        with ids_tmp.open("wb") as f:
            np.save(f, ids)
        manifest = {
            "format": FORMAT,
            "model": model,
            "dimension": self.dimension,
            "count": int(len(ids)),
            "ids_sha256": ids_checksum(ids),
            "index_bytes": index_tmp.stat().st_size,
            "index_sha256": file_checksum(index_tmp),
            # The file as it was checked, so a load can trust it without hashing it again.
            "index_stat": _stat_key(index_tmp),
            "capacity": int(self._index.get_max_elements()),
            "M": self.params.M,
            "ef_construction": self.params.ef_construction,
        }
        manifest_tmp = folder / f".{MANIFEST_FILE}.tmp"
        manifest_tmp.write_text(json.dumps(manifest, indent=2), "utf-8")
        # Manifest last: a reader that sees it also sees the files it describes.
        os.replace(index_tmp, folder / INDEX_FILE)
        os.replace(ids_tmp, folder / IDS_FILE)
        os.replace(manifest_tmp, folder / MANIFEST_FILE)

    @classmethod
    def load(cls, folder: Path, *, model: str, dimension: int) -> VectorIndex:
        """The saved index, checked against its manifest; raises IndexInvalid with why."""
        manifest = read_manifest(folder)
        if manifest.get("format") != FORMAT:
            raise IndexInvalid("it was written by another version of reader")
        if manifest.get("model") != model:
            raise IndexInvalid(f"it was built with {manifest.get('model')!r}, not {model!r}")
        if manifest.get("dimension") != dimension:
            raise IndexInvalid(f"it holds {manifest.get('dimension')}-d vectors, not {dimension}-d")
        index_path = folder / INDEX_FILE
        try:
            ids = np.load(folder / IDS_FILE, allow_pickle=False)
            size = index_path.stat().st_size
        except (OSError, ValueError) as exc:
            raise IndexInvalid(f"its files cannot be read ({exc})") from exc
        if len(ids) != manifest.get("count") or ids_checksum(ids) != manifest.get("ids_sha256"):
            raise IndexInvalid("its id list does not match its manifest")
        # Checked before hnswlib reads it: hnswlib trusts its input and may crash on garbage.
        if size != manifest.get("index_bytes") or (
            not _unchanged_since_saved(index_path, folder / MANIFEST_FILE, manifest)
            and file_checksum(index_path) != manifest.get("index_sha256")
        ):
            raise IndexInvalid("the index file is damaged (checksum mismatch)")
        params = HnswParams(M=int(manifest["M"]), ef_construction=int(manifest["ef_construction"]))
        index = cls.__new__(cls)
        index.dimension = dimension
        index.params = params
        import hnswlib

        index._index = hnswlib.Index(space="cosine", dim=dimension)
        try:
            index._index.load_index(
                str(index_path), max_elements=int(manifest["capacity"]), allow_replace_deleted=True
            )
        except RuntimeError as exc:
            raise IndexInvalid(f"hnswlib cannot read it ({exc})") from exc
        index._index.set_ef(params.ef_search)
        index._ids = set(ids.tolist())
        index._removed = set(index._index.get_ids_list()) - index._ids
        return index


def _stat_key(path: Path) -> list[int]:
    stat = path.stat()
    return [stat.st_size, stat.st_mtime_ns, stat.st_ino]


def _unchanged_since_saved(index_path: Path, manifest_path: Path, manifest: dict) -> bool:
    """The index file is the one the manifest's checksum was taken of: same size, inode and
    modification time, and that time older than the manifest's own (a file rewritten within
    the same clock tick as the save could keep its time, so such a file is always hashed).
    Hashing a 100,000-article index on every search took longer than the search."""
    recorded = manifest.get("index_stat")
    try:
        return (
            isinstance(recorded, list)
            and _stat_key(index_path) == recorded
            and recorded[1] < manifest_path.stat().st_mtime_ns
        )
    except OSError:
        return False


def read_manifest(folder: Path) -> dict:
    try:
        return json.loads((folder / MANIFEST_FILE).read_text("utf-8"))
    except FileNotFoundError as exc:
        raise IndexInvalid("there is no index file yet") from exc
    except (OSError, json.JSONDecodeError) as exc:
        raise IndexInvalid(f"its manifest cannot be read ({exc})") from exc


@contextmanager
def index_lock(
    folder: Path, *, exclusive: bool, wait: bool = True, name: str = LOCK_FILE
) -> Iterator[None]:
    """flock on a file in the index folder: shared to read the files, exclusive to write them."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / name).open("a+b") as handle:
        flags = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
        if not wait:
            flags |= fcntl.LOCK_NB
        try:
            fcntl.flock(handle.fileno(), flags)
        except BlockingIOError as exc:
            raise IndexBusy(str(folder / name)) from exc
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
