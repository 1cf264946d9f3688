"""Train themes end to end: load vectors, decide full or incremental, train, group, label,
match to the previous themes, and save everything in one transaction.

A cancelled or failed training writes nothing: the previous themes stay as they were.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from reader.errors import IndexNotReady, NotEnoughData
from reader.ml.sae import Normaliser, SAEConfig, SAEWeights, encode
from reader.ml.sae_train import TrainResult, choose_size, split_by_article, train_sae
from reader.ml.theme_levels import (
    LatentReport,
    Sections,
    centred_articles,
    describe_latents,
    group_latents,
    unit_rows,
)
from reader.ml.theme_metrics import pool_by_article
from reader.services.context import LibraryContext, Progress, ProgressCallback, no_progress
from reader.services.themes.quality import FVU_POOR, too_small
from reader.services.themes.report import TrainReport
from reader.services.themes.save import label_and_save
from reader.storage.themes import RunRecord, ThemeStore

INCREMENTAL_GROWTH = 0.25  # more new passages than this (relative) means a full retrain
INCREMENTAL_LOSS = 0.10  # more removed passages than this, likewise
HELDOUT = 0.1


@dataclass
class LibraryVectors:
    """Every chunk vector of the library for one model, with its chunk and article ids."""

    model: str
    chunk_ids: np.ndarray  # (N,)
    article_ids: np.ndarray  # (N,)
    vectors: np.ndarray  # (N, D) unit vectors

    @property
    def n_articles(self) -> int:
        return len(np.unique(self.article_ids))


def load_vectors(ctx: LibraryContext) -> LibraryVectors:
    """The library's chunk vectors (IndexNotReady when nothing is embedded yet)."""
    from reader.services.search.indexing import library_model
    from reader.storage import chunks as chunk_store

    model, dimension = library_model(ctx)
    ids_parts, vec_parts = [], []
    for ids, vectors in chunk_store.chunk_vectors(ctx.db, model):
        ids_parts.append(ids)
        vec_parts.append(vectors)
    if not ids_parts:
        raise IndexNotReady("no passage has a vector yet: run `reader index` first")
    chunk_ids = np.concatenate(ids_parts)
    owner = dict(ctx.db.execute("select id, article_id from chunks").fetchall())
    article_ids = np.array([owner[int(c)] for c in chunk_ids], dtype=np.int64)
    return LibraryVectors(model, chunk_ids, article_ids, np.vstack(vec_parts).astype(np.float32))


def fingerprint(data: LibraryVectors, seed: int) -> str:
    """A hash of everything a training depends on: model, passages, their vectors, seed."""
    import hashlib

    order = np.argsort(data.chunk_ids, kind="stable")
    digest = hashlib.sha256(f"{data.model}|{seed}|{data.vectors.shape}".encode())
    digest.update(np.ascontiguousarray(data.chunk_ids[order], dtype="<i8").tobytes())
    digest.update(np.ascontiguousarray(data.article_ids[order], dtype="<i8").tobytes())
    digest.update(np.ascontiguousarray(data.vectors[order], dtype="<f4").tobytes())
    return digest.hexdigest()


@dataclass
class Plan:
    kind: str  # cold | full | incremental
    reason: str
    config: SAEConfig
    init: tuple[Normaliser | None, SAEWeights] | None = None
    previous: RunRecord | None = None
    match_by_overlap: bool = False  # the model changed: directions are not comparable
    inputs: str = ""  # fingerprint of what was trained on (see `fingerprint`)


def plan_training(store: ThemeStore, data: LibraryVectors, seed: int, full: bool,
                  fresh: bool = False) -> Plan:
    """Decide how to train, and say why.

    - cold: nothing to start from (first training, another embedding model, or asked for);
    - incremental: the library grew modestly, so the previous model continues for 40% of
      the steps with its normaliser;
    - full: it changed a lot (or the dictionary must change size): all the steps, a new
      normaliser, but still starting from the previous dictionary so themes keep their ids.
    """
    n, dim = len(data.vectors), data.vectors.shape[1]
    sized = choose_size(n, data.n_articles, dim, seed)
    previous = store.active_run()
    if previous is None:
        return Plan("cold", "first training", sized)
    if previous.model != data.model or previous.dimension != dim:
        return Plan("cold", f"the embedding model changed from {previous.model} to {data.model}: "
                    "trained from scratch, never mixing old and new vectors", sized, None,
                    previous, match_by_overlap=True)
    if fresh:
        return Plan("cold", "a fresh start was asked for", sized, None, previous)
    old = SAEConfig.from_dict(previous.config)
    arrays = store.weights(previous.id)
    weights = SAEWeights.from_dict(arrays)
    seen = set(store.activated_chunks())
    new = int(sum(1 for c in data.chunk_ids.tolist() if c not in seen))
    removed = max(0, previous.n_chunks - (n - new))
    base = max(previous.n_chunks, 1)
    change = f"{new} new and {removed} removed passages since the last training (of {base})"
    if full:
        return Plan("full", f"a full retrain was asked for ({change})", sized, (None, weights),
                    previous)
    if (old.m, old.k) != (sized.m, sized.k):
        return Plan("full", f"{change}: the dictionary changes size ({old.m} -> {sized.m} "
                    "latents), starting from the previous one", sized, (None, weights), previous)
    if new / base > INCREMENTAL_GROWTH or removed / base > INCREMENTAL_LOSS:
        return Plan("full", f"{change}: the library changed a lot, so all the steps again from "
                    "the previous dictionary", sized, (None, weights), previous)
    normaliser = Normaliser(arrays["mean"], float(arrays["scale"][0]))
    steps = max(old.min_steps, int(sized.max_steps * 0.4))
    config = replace(sized, max_steps=steps)
    return Plan("incremental", f"{change}: continued from the previous model for {steps} steps",
                config, (normaliser, weights), previous)


SMALLEST_M = 16


def train_supported(data: LibraryVectors, plan: Plan, on_step, should_stop) -> TrainResult:
    """Train the planned dictionary; while the themes explain little of held-out passages
    (FVU >= FVU_POOR), halve the dictionary (down to SMALLEST_M latents) and keep the best.

    A dictionary too large for the library memorises training articles and explains
    nothing about the held-out ones; a smaller one is what the data supports.
    """
    config = plan.config
    result = train_sae(data.vectors, data.article_ids, config, init=plan.init,
                       progress=on_step, should_stop=should_stop, heldout_fraction=HELDOUT)
    tried = [f"{config.m} latents: held-out FVU {result.metrics['fvu_heldout']:.2f}"]
    best = result
    while best.metrics["fvu_heldout"] >= FVU_POOR and config.m > SMALLEST_M:
        m = config.m // 2
        config = replace(config, m=m, k=max(1, min(config.k, m // 8)))
        init = None if plan.init is None else (plan.init[0], plan.init[1])
        attempt = train_sae(data.vectors, data.article_ids, config, init=init,
                            progress=on_step, should_stop=should_stop, heldout_fraction=HELDOUT)
        tried.append(f"{m} latents: {attempt.metrics['fvu_heldout']:.2f}")
        if attempt.metrics["fvu_heldout"] < best.metrics["fvu_heldout"]:
            best = attempt
    if len(tried) > 1:
        plan.reason += (f"; the themes explained little, so smaller dictionaries were tried "
                        f"({'; '.join(tried)}) and the one with {best.config.m} latents kept")
        plan.config = best.config
    return best


@dataclass
class Analysis:
    """Everything derived from a trained model over the whole library."""

    result: TrainResult
    heldout: np.ndarray  # (N,) bool: rows of articles held out of training
    chunk_codes: np.ndarray  # (N, M)
    article_ids: np.ndarray  # (A,)
    article_codes: np.ndarray  # (A, M) max over the article's chunks
    article_vectors: np.ndarray  # (A, D) unit mean of its chunk vectors
    sections: Sections
    report: LatentReport
    data_article_ids: np.ndarray  # (N,) the article of each passage row

    @property
    def live(self) -> np.ndarray:
        return np.flatnonzero(self.report.n_articles)

    def section_direction(self, g: int) -> np.ndarray:
        """A broad theme's direction in the normalised space: its members' decoder rows,
        weighted by centrality and use."""
        w = self.sections.affinity[:, g] * self.report.n_articles
        return unit_rows(w @ self.result.weights.w_dec)


def analyse(result: TrainResult, data: LibraryVectors, seed: int,
            previous_sections: np.ndarray | None = None) -> Analysis:
    """Encode every passage, pool by article, group into sections, judge every latent.

    previous_sections: the last training's section centres, continued when the model was
    (see reader.ml.theme_levels.group_latents)."""
    held = split_by_article(data.article_ids, HELDOUT, seed)
    codes = encode(result.weights, result.normaliser.apply(data.vectors), result.config.k)
    ids, article_codes = pool_by_article(codes, data.article_ids, "max")
    _, sums = pool_by_article(data.vectors, data.article_ids, "mean")
    article_vectors = unit_rows(sums)
    centred = centred_articles(article_vectors)
    sections = group_latents(article_codes, centred, seed, previous=previous_sections)
    report = describe_latents(article_codes, centred, sections, result.weights.w_dec)
    return Analysis(result, held, codes, ids, article_codes, article_vectors, sections, report,
                    data.article_ids)


Embed = Callable[[list[str]], np.ndarray]


def train_themes(
    ctx: LibraryContext,
    *,
    seed: int = 0,
    full: bool = False,
    fresh: bool = False,
    progress: ProgressCallback = no_progress,
    should_stop: Callable[[], bool] | None = None,
    embed_for: Callable[[str], Embed | None] | None = None,
    data: LibraryVectors | None = None,
    wait: float = 600.0,
) -> TrainReport:
    """Train, label and save themes for the library (see the module doc).

    One training at a time per library: a second waits for the first (up to `wait` seconds,
    then TrainingBusy) and then sees what the first saved.
    """
    from reader.services.themes.lock import training_lock

    def waiting() -> None:
        progress(Progress("waiting for another training to finish", 0, None))

    with training_lock(ctx.paths.root, wait=wait, on_wait=waiting):
        return _train_locked(ctx, seed=seed, full=full, fresh=fresh, progress=progress,
                             should_stop=should_stop, embed_for=embed_for, data=data)


def _train_locked(ctx: LibraryContext, *, seed: int, full: bool, fresh: bool,
                  progress: ProgressCallback, should_stop: Callable[[], bool] | None,
                  embed_for: Callable[[str], Embed | None] | None,
                  data: LibraryVectors | None) -> TrainReport:
    started = time.perf_counter()
    progress(Progress("loading vectors", 0, None))
    data = data or load_vectors(ctx)
    problem = too_small(data.n_articles, len(data.vectors))
    if problem:
        raise NotEnoughData(problem)
    store = ThemeStore(ctx.db)
    inputs = fingerprint(data, seed)
    previous = store.active_run()
    if (previous is not None and not full and not fresh
            and previous.metrics.get("inputs") == inputs):
        return unchanged_report(store, previous, started)
    plan = plan_training(store, data, seed, full, fresh)
    plan.inputs = inputs

    def on_step(done: int, total: int, message: str) -> None:
        progress(Progress("training", done, total, message))

    result = train_supported(data, plan, on_step, should_stop)
    progress(Progress("grouping and labelling", 0, None))
    analysis = analyse(result, data, plan.config.seed, previous_sections(store, plan))
    embed = embed_for(data.model) if embed_for is not None else None
    report = label_and_save(ctx, store, plan, data, analysis, embed=embed,
                            should_stop=should_stop, progress=progress)
    report.seconds = round(time.perf_counter() - started, 2)
    return report


def previous_sections(store: ThemeStore, plan: Plan) -> np.ndarray | None:
    """The last run's section centres when this training continues its model (not cold)."""
    if plan.kind == "cold" or plan.previous is None:
        return None
    centres = store.weights(plan.previous.id).get("section_centres")
    return centres if centres is not None and len(centres) else None


def unchanged_report(store: ThemeStore, run: RunRecord, started: float) -> TrainReport:
    """The report of a training skipped because nothing it depends on changed."""
    themes = store.themes()
    fine = [t for t in themes if t.level == "fine"]
    return TrainReport(
        run_id=run.id, kind="unchanged", model=run.model,
        reasons=["nothing new since the last training (same passages, vectors and seed): "
                 "the themes are kept as they are (--full trains again anyway)"],
        metrics=run.metrics, broad=sum(1 for t in themes if t.level == "broad"),
        fine=len(fine), hidden=sum(1 for t in fine if t.hidden), kept=len(themes),
        seconds=round(time.perf_counter() - started, 2))
