"""Make articles searchable by meaning: chunk, embed, index. Resumable at every step.

SQLite holds chunks and vectors (committed batch by batch); the HNSW file beside the
database is a cache rebuilt from them whenever it cannot be trusted. One indexer runs at a
time (a lock file); a second one returns at once, saying so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from reader.errors import BadInput, Cancelled, IndexNotReady
from reader.index.hnsw import IndexBusy, IndexInvalid, VectorIndex, index_lock
from reader.ml.chunking import chunk_article, source_hash
from reader.ml.embedder import Embedder, ModelSource, SentenceTransformerEmbedder, resolve_model
from reader.services.context import LibraryContext, Progress, ProgressCallback, no_progress
from reader.services.search.boilerplate import SiteBoilerplate
from reader.storage import chunks as store
from reader.storage.db import meta_get, meta_set

MODEL_KEY = "search.model"
DIMENSION_KEY = "search.dimension"
INDEXER_LOCK = "indexer.lock"
CHUNK_BATCH = 200  # articles chunked per transaction
EMBED_BATCH = 128  # texts embedded per transaction: an interruption loses at most this much


@dataclass
class IndexReport:
    """What one indexing run did."""

    model: str = ""
    articles_chunked: int = 0
    articles_removed: int = 0
    chunks_added: int = 0
    chunks_removed: int = 0
    embedded: int = 0  # passages sent to the model in this run
    index_size: int = 0  # vectors in the search index afterwards
    rebuilt: bool = False
    skipped: str = ""  # why nothing was done, when nothing was
    messages: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if self.skipped:
            return f"indexing skipped: {self.skipped}"
        rebuilt = ", index rebuilt" if self.rebuilt else ""
        return (
            f"{self.articles_chunked} articles chunked, {self.embedded} passages embedded, "
            f"{self.index_size} passages searchable ({self.model}{rebuilt})"
        )


# -- embedders ------------------------------------------------------------------------


def model_source(ctx: LibraryContext) -> ModelSource:
    return resolve_model(ctx.settings.model)


def precision(ctx: LibraryContext) -> str:
    """The embedding precision the settings ask for: fp32 or int8."""
    value = str(ctx.settings.embedding_precision or "fp32").lower()
    if value not in ("fp32", "int8"):
        raise BadInput(f"embedding_precision must be fp32 or int8, not {value!r}")
    return value


def configured_model_id(ctx: LibraryContext) -> str:
    """The id the library's vectors should carry under the current settings.

    The model's own id for fp32; with `+int8` when int8 is asked for and the quantised model
    was not refused for drifting from fp32 (then fp32 serves).
    """
    from reader.ml.onnx_encoder import INT8, export_folder, read_manifest, variant_id

    model_id = model_source(ctx).model_id
    if precision(ctx) != INT8:
        return model_id
    fp32 = read_manifest(export_folder(ctx.paths.models_dir, model_id)) or {}
    manifest = read_manifest(export_folder(ctx.paths.models_dir, variant_id(model_id, INT8))) or {}
    if fp32.get("unsupported") or manifest.get("rejected"):
        return model_id
    return variant_id(model_id, INT8)


def indexing_embedder(ctx: LibraryContext, progress: ProgressCallback = no_progress) -> Embedder:
    """The embedder for bulk work: the ONNX export (made here when missing), else sentence-transformers."""
    return _embedder(ctx, progress)


def query_embedder(ctx: LibraryContext, progress: ProgressCallback = no_progress) -> Embedder:
    """The embedder for queries: the ONNX export, so a search never imports torch.

    Only when the export is missing (deleted, or the model changed) is it made here, once.
    """
    return _embedder(ctx, progress)


def _embedder(ctx: LibraryContext, progress: ProgressCallback) -> Embedder:
    from reader.ml.onnx_encoder import (
        OnnxEncoder,
        UnsupportedModel,
        export_folder,
        export_is_current,
        export_onnx,
        model_fingerprint,
        read_manifest,
    )

    source = model_source(ctx)
    folder = export_folder(ctx.paths.models_dir, source.model_id)
    if export_is_current(folder, source):
        return _variant(ctx, OnnxEncoder(folder), progress)
    manifest = read_manifest(folder) or {}
    if manifest.get("unsupported") and manifest.get("fingerprint") == model_fingerprint(
        source.folder
    ):
        return SentenceTransformerEmbedder(source)
    progress(
        Progress("preparing the model", 0, None, f"exporting {source.model_id} to ONNX (once)")
    )
    try:
        export_onnx(source, folder)
    except UnsupportedModel as exc:
        _remember_unsupported(folder, source, str(exc))
        progress(Progress("preparing the model", 1, 1, f"{exc}; using sentence-transformers"))
        return SentenceTransformerEmbedder(source)
    progress(Progress("preparing the model", 1, 1))
    return _variant(ctx, OnnxEncoder(folder), progress)


def _variant(ctx: LibraryContext, fp32: Embedder, progress: ProgressCallback) -> Embedder:
    """The int8 encoder when the settings ask for it and it keeps fp32's quality, else fp32."""
    from reader.ml.onnx_encoder import (
        INT8,
        OnnxEncoder,
        UnsupportedModel,
        export_folder,
        int8_is_current,
        quantize_export,
        read_manifest,
        variant_id,
    )

    if precision(ctx) != INT8 or not isinstance(fp32, OnnxEncoder):
        return fp32
    folder = export_folder(ctx.paths.models_dir, variant_id(fp32.model_id, INT8))
    if not int8_is_current(folder, fp32.export_dir):
        progress(
            Progress("preparing the model", 0, None, f"quantising {fp32.model_id} to int8 (once)")
        )
        try:
            quantize_export(fp32.export_dir, folder)
        except UnsupportedModel as exc:
            progress(Progress("preparing the model", 1, 1, str(exc)))
            return fp32
        progress(Progress("preparing the model", 1, 1))
    if (read_manifest(folder) or {}).get("rejected"):
        return fp32
    return OnnxEncoder(folder)


def _remember_unsupported(folder, source: ModelSource, reason: str) -> None:
    import json

    from reader.ml.onnx_encoder import EXPORT_FORMAT, model_fingerprint

    folder.mkdir(parents=True, exist_ok=True)
    manifest = {
        "format": EXPORT_FORMAT,
        "model_id": source.model_id,
        "fingerprint": model_fingerprint(source.folder),
        "unsupported": reason,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2), "utf-8")


# -- the indexing run -----------------------------------------------------------------


def index_pending(
    ctx: LibraryContext,
    progress: ProgressCallback | None = None,
    should_stop: Callable[[], bool] | None = None,
    *,
    embedder: Embedder | None = None,
    rebuild: bool = False,
    wait: bool = False,
) -> IndexReport:
    """Chunk, embed and index whatever is missing or stale; safe to call after every fetch.

    Returns at once with `skipped` set when another indexer is running (unless `wait`).
    Raises Cancelled when `should_stop` says so; what was done by then is kept.
    """
    progress = progress or no_progress
    should_stop = should_stop or (lambda: False)
    try:
        with index_lock(ctx.paths.index_dir, exclusive=True, wait=wait, name=INDEXER_LOCK):
            return _run(ctx, progress, should_stop, embedder, rebuild)
    except IndexBusy:
        return IndexReport(skipped="another indexer is running; it will pick up new articles")


def _run(
    ctx: LibraryContext,
    progress: ProgressCallback,
    should_stop: Callable[[], bool],
    embedder: Embedder | None,
    rebuild: bool,
) -> IndexReport:
    db = ctx.db
    embedder = embedder or indexing_embedder(ctx, progress)
    report = IndexReport(model=embedder.model_id)
    _record_model(ctx, embedder, report, progress)
    for article_id in store.articles_no_longer_eligible(db):
        report.chunks_removed += len(store.forget_article(db, article_id))
        report.articles_removed += 1
    _chunk(ctx, embedder, report, progress, should_stop)
    try:
        _embed(ctx, embedder, report, progress, should_stop)
    finally:
        # Whatever was embedded is indexed, even when stopped half way.
        index, messages, rebuilt = open_index(
            ctx, embedder.model_id, embedder.dimension, progress=progress, rebuild=rebuild
        )
        report.index_size, report.rebuilt = len(index), rebuilt
        report.messages.extend(messages)
    return report


def _record_model(
    ctx: LibraryContext, embedder: Embedder, report: IndexReport, progress: ProgressCallback
) -> None:
    """Remember which model the library's vectors come from; a change means re-embedding all."""
    db = ctx.db
    previous = meta_get(db, MODEL_KEY)
    if previous == embedder.model_id:
        return
    if previous is not None:
        message = (
            f"The embedding model changed from {previous} to {embedder.model_id}: "
            f"re-embedding all {store.count_chunks(db)} passages."
        )
        report.messages.append(message)
        progress(Progress("model changed", 0, None, message))
    with db.atomic():
        meta_set(db, MODEL_KEY, embedder.model_id)
        meta_set(db, DIMENSION_KEY, str(embedder.dimension))


def _chunk(
    ctx: LibraryContext,
    embedder: Embedder,
    report: IndexReport,
    progress: ProgressCallback,
    should_stop: Callable[[], bool],
) -> None:
    db = ctx.db
    pending = store.articles_to_chunk(db, embedder.model_id)
    boilerplate = SiteBoilerplate(db)  # lines a site repeats are left out of chunks
    if pending:
        with db.atomic():
            if boilerplate.refresh(pending):
                pending = store.articles_to_chunk(db, embedder.model_id)
    for begin in range(0, len(pending), CHUNK_BATCH):
        if should_stop():
            raise Cancelled("indexing stopped; the articles chunked so far are kept")
        progress(Progress("chunking", begin, len(pending)))
        batch = pending[begin : begin + CHUNK_BATCH]
        for article_id, (title, text) in store.article_texts(db, batch).items():
            skip = boilerplate.spans(article_id, text)
            digest = source_hash(title, text, embedder.model_id, embedder.budget, skip)
            if store.chunk_source_hash(db, article_id) == digest:
                store.mark_fresh(db, article_id, embedder.model_id)
                continue
            chunks = chunk_article(title, text, embedder, budget=embedder.budget, skip=skip)
            added, removed = store.replace_chunks(db, article_id, chunks, digest, embedder.model_id)
            report.articles_chunked += 1
            report.chunks_added += len(added)
            report.chunks_removed += len(removed)
    if pending:
        progress(Progress("chunking", len(pending), len(pending)))


def _embed(
    ctx: LibraryContext,
    embedder: Embedder,
    report: IndexReport,
    progress: ProgressCallback,
    should_stop: Callable[[], bool],
) -> None:
    db = ctx.db
    todo = store.missing_embeddings(db, embedder.model_id)
    # Longest first across the whole run: batches pad little, and time estimates err high.
    todo.sort(key=lambda item: -len(item[1]))
    total = len(todo)
    for begin in range(0, total, EMBED_BATCH):
        if should_stop():
            raise Cancelled(f"indexing stopped after {begin} of {total} passages; they are kept")
        progress(Progress("embedding", begin, total))
        batch = todo[begin : begin + EMBED_BATCH]
        vectors = embedder.embed([text for _, text in batch])
        store.put_embeddings(db, embedder.model_id, [digest for digest, _ in batch], vectors)
        report.embedded += len(batch)
    if total:
        progress(Progress("embedding", total, total))


# -- the index file -------------------------------------------------------------------


def open_index(
    ctx: LibraryContext,
    model: str,
    dimension: int,
    *,
    progress: ProgressCallback = no_progress,
    rebuild: bool = False,
    must_save: bool = True,
) -> tuple[VectorIndex, list[str], bool]:
    """The HNSW index in step with SQLite: (index, messages for the user, whether it was rebuilt).

    A missing, damaged or foreign index file is never used: it is rebuilt from SQLite. One
    merely behind (passages added or removed since) is brought up to date. With `must_save`
    false (a search), saving is skipped when another process is writing.
    """
    folder = ctx.paths.index_dir
    messages: list[str] = []
    index = None
    if not rebuild:
        try:
            with index_lock(folder, exclusive=False):
                index = VectorIndex.load(folder, model=model, dimension=dimension)
        except IndexInvalid as why:
            if (folder / "manifest.json").exists():
                messages.append(f"The search index was rebuilt from the library: {why}.")
    expected = store.indexable_ids(ctx.db, model)
    changed = index is None
    if index is None:
        index = build_index(ctx, model, dimension, expected, progress)
    else:
        changed = sync_index(ctx, index, model, expected, progress)
    if changed:
        try:
            with index_lock(folder, exclusive=True, wait=must_save):
                index.save(folder, model)
        except IndexBusy:
            pass  # another process is writing an index of the same library; ours stays in memory
    return index, messages, rebuild or bool(messages)


def build_index(
    ctx: LibraryContext,
    model: str,
    dimension: int,
    expected: np.ndarray,
    progress: ProgressCallback = no_progress,
) -> VectorIndex:
    """A fresh index of every vector SQLite holds for `model`."""
    index = VectorIndex(dimension, capacity=max(1024, int(len(expected) * 1.25)))
    done = 0
    for ids, vectors in store.chunk_vectors(ctx.db, model):
        index.add(ids, vectors)
        done += len(ids)
        progress(Progress("building the index", done, len(expected)))
    return index


def sync_index(
    ctx: LibraryContext,
    index: VectorIndex,
    model: str,
    expected: np.ndarray,
    progress: ProgressCallback = no_progress,
) -> bool:
    """Add what SQLite has and the index lacks, mark deleted what SQLite lost; True if changed."""
    have = index.ids
    missing = np.setdiff1d(expected, have, assume_unique=True)
    gone = np.setdiff1d(have, expected, assume_unique=True)
    if len(gone):
        index.remove(gone)
    done = 0
    for ids, vectors in store.chunk_vectors(ctx.db, model, missing.tolist()):
        index.add(ids, vectors)
        done += len(ids)
        progress(Progress("updating the index", done, len(missing)))
    return bool(len(missing) or len(gone))


def library_model(ctx: LibraryContext) -> tuple[str, int]:
    """(model id, dimension) of the vectors in the library; IndexNotReady when there are none."""
    model = meta_get(ctx.db, MODEL_KEY)
    dimension = meta_get(ctx.db, DIMENSION_KEY)
    if model is None or dimension is None:
        raise IndexNotReady("nothing is indexed yet: run `reader index` to search by meaning")
    return model, int(dimension)
