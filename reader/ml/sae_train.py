"""Train a TopK SAE: sizing, held-out split by article, early stopping, progress and cancellation.

Arrays in, arrays out: the caller passes chunk vectors and the article id of each chunk and
gets back weights, the normaliser, the config and the run's metrics.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from reader.errors import Cancelled
from reader.ml.sae import Normaliser, SAEConfig, SAEWeights, build_module, encode, module_weights
from reader.ml.theme_metrics import fvu

TrainProgress = Callable[[int, int, str], None]  # (steps done, steps planned, message)

MIN_ARTICLES = 30  # below this, a dictionary learns single articles rather than themes


@dataclass
class TrainResult:
    config: SAEConfig
    normaliser: Normaliser
    weights: SAEWeights
    metrics: dict[str, Any]
    history: list[dict[str, float]] = field(default_factory=list)


def choose_size(n_chunks: int, n_articles: int, d: int, seed: int = 0) -> SAEConfig:
    """A flat dictionary sized to the library, with the reason recorded in `notes["why"]`.

    Latents grow like the square root of the number of passages (about 160 for 5,000,
    190 for 7,600, capped at 512), so themes stay topics rather than single articles;
    every latent must still see enough examples (N*K/M >= 30 firings on average).
    Broad themes are groups of these latents (see reader.ml.theme_levels), which
    measured better than a Matryoshka prefix.
    """
    k = 8 if n_chunks >= 2000 else 4
    m = int(min(512, max(32, 32 * round(2.2 * math.sqrt(max(n_chunks, 1)) / 32))))
    while m > 16 and n_chunks * k / m < 30:
        m //= 2
    batch = 256 if n_chunks < 20000 else 512
    why = (f"{n_chunks} passages from {n_articles} articles: {m} latents with {k} active per "
           f"passage (about 2.2 x sqrt(passages); each latent sees about "
           f"{n_chunks * k / m:.0f} firings)")
    return SAEConfig(d=d, m=m, k=k, batch=batch, seed=seed,
                     notes={"why": why, "n_chunks": n_chunks, "n_articles": n_articles})


def split_by_article(groups: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """A boolean mask (N,) of held-out rows: `fraction` of articles, all chunks of each."""
    unique = np.unique(groups)
    rng = np.random.default_rng(seed)
    n_out = int(round(len(unique) * fraction)) if len(unique) >= 10 else 0
    held = rng.choice(unique, size=n_out, replace=False) if n_out else np.array([], groups.dtype)
    return np.isin(groups, held)


def _initial_weights(config: SAEConfig, x: np.ndarray, rng: np.random.Generator) -> SAEWeights:
    """Decoder rows at the centres of a quick spherical k-means of the training vectors
    (or at random training vectors when `config.init` says so); encoder its transpose.

    Starting at cluster centres makes two trainings with different seeds land on mostly
    the same directions (measured in bench/themes.py as stability_seed).
    """
    picks = rng.choice(len(x), size=config.m, replace=len(x) < config.m)
    rows = x[picks] + 0.3 * rng.standard_normal((config.m, config.d)).astype(np.float32) / math.sqrt(
        config.d)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True).clip(1e-8)
    if config.init == "kmeans" and len(x) > config.m:
        rows = _kmeans_rows(x, rows, rng, config.init_iters)
    return SAEWeights(w_enc=rows.copy(), b_enc=np.zeros(config.m, np.float32), w_dec=rows.astype(
        np.float32), b_dec=np.zeros(config.d, np.float32))


def _kmeans_rows(x: np.ndarray, rows: np.ndarray, rng: np.random.Generator, iters: int,
                 sample: int = 20000) -> np.ndarray:
    """Lloyd steps of spherical k-means from `rows` on (a sample of) x; empty ones keep theirs."""
    if len(x) > sample:
        x = x[rng.choice(len(x), size=sample, replace=False)]
    unit = x / np.linalg.norm(x, axis=1, keepdims=True).clip(1e-8)
    for _ in range(iters):
        nearest = (unit @ rows.T).argmax(axis=1)
        sums = np.zeros_like(rows)
        order = np.argsort(nearest, kind="stable")
        ordered = nearest[order]
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        sums[ordered[starts]] = np.add.reduceat(unit[order], starts, axis=0)
        filled = np.linalg.norm(sums, axis=1) > 0
        rows[filled] = sums[filled] / np.linalg.norm(sums[filled], axis=1, keepdims=True)
    return rows.astype(np.float32)


def _resized(previous: SAEWeights, fresh: SAEWeights) -> SAEWeights:
    """The previous dictionary's rows first, then fresh ones up to the new size."""
    m_old, m = previous.w_dec.shape[0], fresh.w_dec.shape[0]
    if m_old >= m:
        return SAEWeights(previous.w_enc[:m].copy(), previous.b_enc[:m].copy(),
                          previous.w_dec[:m].copy(), previous.b_dec.copy())
    return SAEWeights(np.vstack([previous.w_enc, fresh.w_enc[m_old:]]),
                      np.concatenate([previous.b_enc, fresh.b_enc[m_old:]]),
                      np.vstack([previous.w_dec, fresh.w_dec[m_old:]]), previous.b_dec.copy())


def train_sae(
    vectors: np.ndarray,
    groups: np.ndarray,
    config: SAEConfig,
    *,
    init: tuple[Normaliser | None, SAEWeights] | None = None,
    progress: TrainProgress | None = None,
    should_stop: Callable[[], bool] | None = None,
    heldout_fraction: float = 0.1,
) -> TrainResult:
    """Train on `vectors` (N, D) whose rows belong to articles `groups` (N,).

    Deterministic for `config.seed` on the CPU. `init` warm-starts from a previous model:
    with its normaliser (old and new latents then live in exactly the same space), or with
    None to fit a new one; a dictionary of another size is cut or grown with rows drawn
    from the data. Raises Cancelled when `should_stop()` turns true.
    """
    import torch

    started = time.perf_counter()
    threads = torch.get_num_threads()
    # Small matrices: one thread is fastest, and on a busy machine extra threads spin and
    # slow training down by an order of magnitude.
    torch.set_num_threads(1)
    try:
        return _train(vectors, groups, config, init, progress, should_stop, heldout_fraction,
                      started)
    finally:
        torch.set_num_threads(threads)


def _train(vectors: np.ndarray, groups: np.ndarray, config: SAEConfig,
           init: tuple[Normaliser | None, SAEWeights] | None, progress: TrainProgress | None,
           should_stop: Callable[[], bool] | None, heldout_fraction: float, started: float
           ) -> TrainResult:
    import torch

    from reader.ml.sae_loss import auxk_loss, matryoshka_loss, normalised_mse

    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    vectors = np.asarray(vectors, dtype=np.float32)
    held = split_by_article(np.asarray(groups), heldout_fraction, config.seed)
    normaliser = init[0] if init and init[0] is not None else Normaliser.fit(vectors[~held])
    x_all = normaliser.apply(vectors)
    x_train, x_held = x_all[~held], x_all[held]
    if init is None or len(init[1].w_dec) < config.m:
        weights = _initial_weights(config, x_train, rng)
        weights = _resized(init[1], weights) if init else weights
    else:
        weights = _resized(init[1], init[1])
    module = build_module(config, weights)
    module.normalise_decoder()
    optimiser = torch.optim.Adam(module.parameters(), lr=config.lr)

    n = len(x_train)
    batch = min(config.batch, n)
    steps_per_epoch = max(1, n // batch)
    dead_after = config.dead_epochs * n  # samples
    since_fired = torch.zeros(config.m)
    aux_k = config.aux_k or 2 * config.k
    decay_from = int(config.max_steps * 0.8)
    xt = torch.from_numpy(x_train)
    xh = torch.from_numpy(x_held) if len(x_held) else xt
    gen = torch.Generator().manual_seed(config.seed)
    order = torch.randperm(n, generator=gen)
    cursor, best, best_step, evals_without_gain = 0, math.inf, 0, 0
    best_state = module_weights(module)
    history: list[dict[str, float]] = []
    step = 0
    for step in range(1, config.max_steps + 1):
        if should_stop is not None and should_stop():
            raise Cancelled(f"training stopped at step {step} of {config.max_steps}")
        if cursor + batch > n:
            order, cursor = torch.randperm(n, generator=gen), 0
        xb = xt[order[cursor:cursor + batch]]
        cursor += batch
        lr = config.lr * min(1.0, (config.max_steps - step + 1) / max(1, config.max_steps - decay_from))
        for group in optimiser.param_groups:
            group["lr"] = lr

        pre = module.pre_acts(xb)
        z = module.topk(pre, config.k)
        loss, recon = matryoshka_loss(xb, z, module.w_dec, module.b_dec, config.groups)
        fired = (z > 0).any(dim=0)
        since_fired = torch.where(fired, torch.zeros_like(since_fired), since_fired + batch)
        dead = since_fired > dead_after
        aux = auxk_loss(xb, recon, pre, dead, aux_k, module.w_dec)
        optimiser.zero_grad(set_to_none=True)
        (loss + config.aux_coef * aux).backward()
        module.project_decoder_grad()
        torch.nn.utils.clip_grad_norm_(module.parameters(), config.grad_clip)
        optimiser.step()
        module.normalise_decoder()

        if step % config.eval_every == 0 or step == config.max_steps:
            with torch.no_grad():
                zh = module.topk(module.pre_acts(xh), config.k)
                held_fvu = float(normalised_mse(xh, module.decode(zh)))
            history.append({"step": step, "loss": float(loss.detach()), "heldout_fvu": held_fvu,
                            "dead": float(dead.float().mean())})
            if progress is not None:
                progress(step, config.max_steps, f"held-out FVU {held_fvu:.3f}")
            if held_fvu < best - 1e-4:
                best, best_step, evals_without_gain = held_fvu, step, 0
                best_state = module_weights(module)
            else:
                evals_without_gain += 1
                if step >= config.min_steps and evals_without_gain >= config.patience:
                    break
    if progress is not None:
        progress(config.max_steps, config.max_steps, "done")

    metrics = evaluate(best_state, config, x_train, x_held)
    metrics.update(steps=step, best_step=best_step, seconds=round(time.perf_counter() - started, 3),
                   n_train=int(n), n_heldout=int(len(x_held)),
                   heldout_articles=int(len(np.unique(np.asarray(groups)[held]))),
                   steps_per_epoch=steps_per_epoch)
    return TrainResult(config=config, normaliser=normaliser, weights=best_state,
                       metrics=metrics, history=history)


def evaluate(weights: SAEWeights, config: SAEConfig, x_train: np.ndarray,
             x_held: np.ndarray) -> dict[str, Any]:
    """Held-out FVU (overall and per prefix), L0, and the fraction of latents never firing."""
    from reader.ml.sae import decode

    x_eval = x_held if len(x_held) else x_train
    z_eval = encode(weights, x_eval, config.k)
    prefix_fvu = {str(p): round(fvu(x_eval, decode(weights, z_eval, p)), 4) for p in config.groups}
    z_train = encode(weights, x_train, config.k)
    fired = (z_train > 0).any(axis=0) | (z_eval > 0).any(axis=0)
    return {
        "fvu_heldout": round(fvu(x_eval, decode(weights, z_eval)), 4),
        "fvu_train": round(fvu(x_train, decode(weights, z_train)), 4),
        "fvu_prefix": prefix_fvu,
        "l0": round(float((z_eval > 0).sum(axis=1).mean()), 3),
        "dead_frac": round(float(1 - fired.mean()), 4),
    }


def with_seed(config: SAEConfig, seed: int) -> SAEConfig:
    return replace(config, seed=seed)
