"""Themes on a labelled corpus, through the real path, against PCA and k-means baselines.

    python bench/themes.py [--labelled FILE] [--seed 0] [--embedding-cache FILE]
                           [--scale 100000] [--keep DIR] [--limit N]

The corpus (rows with `label` (string or list) and `text` or `article`, optional `title`) is
written as reader JSONL and imported with LibraryService, indexed with index_pending
(reader's chunking and embedding), and trained with ThemeService:
  1. 90% of the articles are imported and themes trained (cold);
  2. 3% more are added and themes retrained -> stability_grow3: share of the shown themes
     of step 1 still there with the same id and name (must be >= 90%);
  3. the rest of the 10% are added and themes retrained (the service decides incremental or
     full) -> stability_grow: share of the shown themes of step 2 that keep their id;
  4. a fresh (cold) retrain on everything -> every other figure; then training again with
     nothing new (stability_same, must be 100%) and a --full retrain with nothing new
     (stability_same_full): shares of shown themes kept with the same id and name. Its held-out articles (10%,
     split by article) are never trained on; FVU, PCA and label AUC are measured on them.
Baselines on the same vectors: PCA with K components, k-means with as many clusters as fine
themes (purity, NPMI of c-TF-IDF keywords) and k-means told the true number of labels.
`--embedding-cache` keeps vectors by (model, text hash) between runs. `--scale N` also times
a training on N synthetic chunk vectors (real ones resampled with noise); 0 skips it.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DEFAULT = REPO.parent / "shared" / "corpora" / "bbc" / "bbc.jsonl"
CACHE = Path(tempfile.gettempdir()) / "reader-bench-cache" / "embeddings.db"

from reader.ml.sae import encode  # noqa: E402
from reader.ml.sae_train import choose_size, split_by_article, train_sae  # noqa: E402
from reader.ml.theme_labels import TermCounts, auc, theme_keywords, tokenize  # noqa: E402
from reader.ml.theme_match import cosine_matrix  # noqa: E402
from reader.ml.theme_metrics import best_f1, fvu, match_rate, npmi, top_purity  # noqa: E402
from reader.services.context import LibraryContext  # noqa: E402


def read_rows(path: Path) -> list[dict]:
    rows = []
    for n, line in enumerate(path.read_text("utf-8").splitlines()):
        if not line.strip():
            continue
        raw = json.loads(line)
        text = raw.get("text") or raw.get("article") or ""
        labels = raw.get("label")
        labels = [labels] if isinstance(labels, str) else list(labels or [])
        if text.strip() and labels:
            rows.append({"id": str(raw.get("id", n)), "title": raw.get("title") or "",
                         "text": text, "labels": [str(x) for x in labels]})
    return rows


def write_reader_jsonl(rows: list[dict], path: Path) -> None:
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps({"url": f"https://corpus.local/{row['id']}", "title": row["title"],
                                "text": row["text"], "status": "read"}) + "\n")


def copy_embeddings(source: Path, target: Path) -> None:
    if not source.exists():
        return
    db = sqlite3.connect(target)
    db.execute("ATTACH DATABASE ? AS other", [str(source)])
    columns = "model, content_hash, dimension, vector, created_at"
    db.execute(f"INSERT OR IGNORE INTO main.embeddings ({columns}) "
               f"SELECT {columns} FROM other.embeddings")
    db.commit()
    db.execute("DETACH DATABASE other")
    db.close()


def save_embeddings(source: Path, cache: Path) -> None:
    cache.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(cache)
    db.execute("""CREATE TABLE IF NOT EXISTS embeddings (model TEXT NOT NULL,
        content_hash TEXT NOT NULL, dimension INTEGER NOT NULL, vector BLOB NOT NULL,
        created_at TEXT NOT NULL, PRIMARY KEY (model, content_hash)) WITHOUT ROWID""")
    db.commit()
    db.close()
    copy_embeddings(source, cache)


def add_articles(ctx: LibraryContext, rows: list[dict], folder: Path, name: str,
                 cache: Path | None) -> None:
    from reader.services.library.service import LibraryService
    from reader.services.search.indexing import index_pending

    path = folder / f"{name}.jsonl"
    write_reader_jsonl(rows, path)
    LibraryService(ctx).import_file(path, format="jsonl")
    if cache is not None:
        copy_embeddings(cache, ctx.paths.db)
    index_pending(ctx, wait=True)
    if cache is not None:
        save_embeddings(ctx.paths.db, cache)


def titles(ctx: LibraryContext, include_hidden: bool = False) -> dict[int, str]:
    """id -> title of the themes shown (or all)."""
    from reader.services.themes.service import ThemeService

    return {t.id: t.title for t in ThemeService(ctx).list_themes(include_hidden=include_hidden)}


def kept_share(before: dict[int, str], after: dict[int, str]) -> float:
    """Share of the themes shown before that are still there with the same id and name."""
    return sum(1 for i, name in before.items() if after.get(i) == name) / max(len(before), 1)


def lost(before: dict[int, str], ctx: LibraryContext) -> dict[str, int]:
    """Why themes shown before are not there with the same id and name: retired (no id),
    hidden now (generic, mixed or boilerplate), or renamed."""
    shown, every = titles(ctx), titles(ctx, include_hidden=True)
    out = {"retired": 0, "hidden": 0, "renamed": 0}
    for i, name in before.items():
        if i not in every:
            out["retired"] += 1
        elif i not in shown:
            out["hidden"] += 1
        elif shown[i] != name:
            out["renamed"] += 1
    return out


def kmeans(x: np.ndarray, k: int, seed: int):
    from sklearn.cluster import KMeans

    return KMeans(k, n_init=3, random_state=seed).fit(x)


def article_table(ctx, data):
    """Article ids (A,), their unit mean vectors (A, D), and row -> article position (N,)."""
    ids, inverse = np.unique(data.article_ids, return_inverse=True)
    sums = np.zeros((len(ids), data.vectors.shape[1]))
    np.add.at(sums, inverse, data.vectors)
    return ids, sums / np.linalg.norm(sums, axis=1, keepdims=True), inverse


def measure(ctx, data, gold_of, seed: int, embed) -> dict:
    """Every figure of the active (cold, full) run, and the baselines on the same vectors."""
    from reader.services.themes.service import ThemeService
    from reader.storage.chunks import get_chunks
    from reader.storage.themes import ThemeStore

    store = ThemeStore(ctx.db)
    run = store.active_run()
    service = ThemeService(ctx)
    arrays = store.weights(run.id)
    k = run.config["k"]
    ids, art_vecs, inverse = article_table(ctx, data)
    pos = {int(a): i for i, a in enumerate(ids)}
    held_rows = split_by_article(data.article_ids, 0.1, seed)
    held_art = np.zeros(len(ids), bool)
    held_art[inverse[held_rows]] = True
    labels = [gold_of[int(a)] for a in ids]
    names = sorted({x for ls in labels for x in ls})
    gold = np.array([[n in ls for n in names] for ls in labels])

    # Reconstruction: PCA-K fitted on training chunks, both in the model's normalised space.
    mean, scale = arrays["mean"], float(arrays["scale"][0])
    xn = (data.vectors - mean) / scale
    train, held = xn[~held_rows], xn[held_rows]
    centre = train.mean(axis=0)
    _, _, vt = np.linalg.svd(train - centre, full_matrices=False)
    basis = vt[:k]
    pca = (held - centre) @ basis.T @ basis + centre

    themes = store.themes()
    fine = [t for t in themes if t.level == "fine"]
    broad = [t for t in themes if t.level == "broad"]
    shown = [t for t in fine if not t.hidden]
    strength = np.zeros((len(ids), max(t.id for t in themes) + 1))
    for article_id, theme_id, _value, s in store.article_activations():
        strength[pos[article_id], theme_id] = s
    # Broad: each article goes to its strongest broad theme, as a digest section would.
    bs = strength[:, [t.id for t in broad]]
    member = np.zeros_like(bs, dtype=bool)
    member[np.arange(len(bs)), bs.argmax(axis=1)] = bs.max(axis=1) > 0
    km_oracle = kmeans(art_vecs, len(names), seed)
    oracle = np.zeros((len(ids), len(names)), bool)
    oracle[np.arange(len(ids)), km_oracle.labels_] = True

    fine_scores = strength[:, [t.id for t in shown]]
    purity = top_purity(fine_scores, labels)
    km_fine = kmeans(data.vectors, len(fine), seed)
    km_scores = np.zeros((len(ids), len(fine)))
    centres = km_fine.cluster_centers_ / np.linalg.norm(km_fine.cluster_centers_, axis=1,
                                                         keepdims=True)
    sims = np.einsum("nd,nd->n", data.vectors, centres[km_fine.labels_])
    np.maximum.at(km_scores, (inverse, km_fine.labels_), sims)

    # Keywords: ours as stored; k-means clusters' by the same c-TF-IDF on their top passages.
    texts = {c.id: f"{c.context}\n{c.text}" for c in
             get_chunks(ctx.db, data.chunk_ids.tolist()).values()}
    docs = [set(tokenize(" ".join(texts.get(int(c), "") for c in data.chunk_ids[inverse == i])))
            for i in range(len(ids))]
    rng = np.random.default_rng(seed)
    members = [list(np.flatnonzero(km_fine.labels_ == c)[np.argsort(
        -sims[km_fine.labels_ == c])][:20]) for c in range(len(fine))]
    sample = sorted(set(rng.choice(len(data.chunk_ids), size=min(3000, len(data.chunk_ids)),
                                   replace=False).tolist()).union(*members))
    where = {r: i for i, r in enumerate(sample)}
    counts = TermCounts([texts.get(int(data.chunk_ids[r]), "") for r in sample])
    km_words = [theme_keywords(counts, [(where[r], 1.0) for r in m], len(fine)) for m in members]

    # Label AUC on held-out articles: top ones by strength against random zero-strength ones.
    aucs = []
    held_idx = np.flatnonzero(held_art)
    for t in shown + broad:
        column = strength[held_idx, t.id]
        top = held_idx[np.argsort(-column)[:10]]
        top = top[strength[top, t.id] > 0]
        zero = held_idx[column <= 0]
        if len(top) >= 3 and len(zero) >= 10:
            neg = rng.choice(zero, size=min(100, len(zero)), replace=False)
            aucs.append(auc(embed([t.label])[0], art_vecs[top], art_vecs[neg]))
    # Names must pick their own theme's held-out articles against the other themes' names.
    naming = {}
    for level, group in (("fine", shown), ("broad", broad)):
        if len(group) < 2:
            continue
        vecs = embed([t.label for t in group])
        hits = {1: 0, 3: 0}
        total = 0
        for ti, t in enumerate(group):
            column = strength[held_idx, t.id]
            top = held_idx[np.argsort(-column, kind="stable")[:5]]
            for a in top[strength[top, t.id] > 0]:
                sims = vecs @ art_vecs[a]
                rank = int((sims > sims[ti]).sum())
                hits[1] += rank < 1
                hits[3] += rank < 3
                total += 1
        naming[f"name_top1_{level}"] = round(hits[1] / max(total, 1), 4)
        naming[f"name_top3_{level}"] = round(hits[3] / max(total, 1), 4)
        naming[f"name_chance_top1_{level}"] = round(1 / len(group), 4)
    return {
        **naming,
        "fvu_heldout": run.metrics["fvu_heldout"],
        "fvu_pca": round(fvu(held, pca), 4),
        "l0": run.metrics["l0"],
        "dead_frac": run.metrics["dead_frac"],
        "dense_frac": round(float(np.mean([t.density > 0.2 for t in fine])), 4),
        "broad_themes": len(broad),
        "broad_f1": round(float(best_f1(member, gold).mean()), 4),
        "broad_f1_per_label": dict(zip(names, np.round(best_f1(member, gold), 3).tolist(),
                                       strict=True)),
        "kmeans_oracle_f1": round(float(best_f1(oracle, gold).mean()), 4),
        "fine_themes": len(fine),
        "hidden_frac": round(1 - len(shown) / max(len(fine), 1), 4),
        "fine_purity": round(float(np.nanmean(purity)), 4),
        "fine_purity_all": round(float(np.nanmean(top_purity(
            strength[:, [t.id for t in fine]], labels))), 4),
        "kmeans_purity": round(float(np.nanmean(top_purity(km_scores, labels))), 4),
        "coverage": round(float((fine_scores > 0).any(axis=1).mean()), 4),
        "label_auc_median": round(float(np.median(aucs)), 4) if aucs else None,
        "npmi": round(float(np.nanmean(npmi([t.keywords for t in shown], docs))), 4),
        "npmi_kmeans": round(float(np.nanmean(npmi(km_words, docs))), 4),
        "examples": [service.show(t.id, articles=0, passages=0)["theme"]["title"]
                     for t in broad + shown[:8]],
    }


def seed_stability(data, seed: int) -> tuple[float, float, dict]:
    """Two cold trainings with different seeds: share of latents matched at cosine > 0.7."""
    config = choose_size(len(data.vectors), data.n_articles, data.vectors.shape[1], seed)
    a = train_sae(data.vectors, data.article_ids, config)
    b = train_sae(data.vectors, data.article_ids, config.__class__.from_dict(
        dict(config.to_dict(), seed=seed + 1)))
    rate = match_rate(cosine_matrix(a.weights.w_dec, b.weights.w_dec), 0.7)
    return rate, a.metrics["seconds"], a.metrics


def scale_timing(data, n: int, seed: int) -> dict:
    """Train on n synthetic chunk vectors: real ones resampled, jittered, renormalised."""
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(data.vectors), size=n)
    x = data.vectors[picks] + 0.05 * rng.standard_normal((n, data.vectors.shape[1]))
    x = (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)
    groups = np.arange(n) // 4  # four passages an article
    config = choose_size(n, n // 4, x.shape[1], seed)
    started = time.perf_counter()
    result = train_sae(x, groups, config)
    seconds = time.perf_counter() - started
    codes = encode(result.weights, result.normaliser.apply(x[:5000]), config.k)
    return {"chunks": n, "m": config.m, "k": config.k, "seconds": round(seconds, 2),
            "steps": result.metrics["steps"], "fvu_heldout": result.metrics["fvu_heldout"],
            "l0": round(float((codes > 0).sum(axis=1).mean()), 2)}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labelled", type=Path, default=DEFAULT)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--embedding-cache", type=Path, default=CACHE)
    parser.add_argument("--no-cache", action="store_true")
    parser.add_argument("--scale", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="build the library here and keep it")
    parser.add_argument("--limit", type=int, default=0,
                        help="only the corpus's first N rows (0: all), for a loaded machine")
    args = parser.parse_args(argv)
    if not args.labelled.exists():
        parser.error(f"{args.labelled} does not exist")
    cache = None if args.no_cache else args.embedding_cache
    rows = read_rows(args.labelled)
    if args.limit:
        rows = rows[:args.limit]
    rng = np.random.default_rng(args.seed)
    later = set(rng.choice(len(rows), size=len(rows) // 10, replace=False).tolist())
    work = Path(tempfile.mkdtemp(prefix="reader-themes-bench-"))
    home = args.keep or work / "home"
    ctx = LibraryContext(home)
    from reader.services.themes.build import load_vectors
    from reader.services.themes.service import ThemeService

    service = ThemeService(ctx)
    later_list = sorted(later)
    grow3 = set(later_list[:max(1, round(len(rows) * 0.03))])
    add_articles(ctx, [r for i, r in enumerate(rows) if i not in later], work, "first", cache)
    first = service.train(seed=args.seed)
    before = titles(ctx)
    add_articles(ctx, [r for i, r in enumerate(rows) if i in grow3], work, "grow3", cache)
    grown3 = service.train(seed=args.seed)
    stability_grow3 = kept_share(before, titles(ctx))
    lost_grow3 = lost(before, ctx)
    before = titles(ctx)
    add_articles(ctx, [r for i, r in enumerate(rows) if i in later and i not in grow3], work,
                 "later", cache)
    grown = service.train(seed=args.seed)
    stability_grow = len(set(before) & set(titles(ctx, include_hidden=True))) / max(len(before), 1)
    final = service.train(seed=args.seed, fresh=True)
    data = load_vectors(ctx)
    by_url = {f"https://corpus.local/{r['id']}": r["labels"] for r in rows}
    gold_of = {a: by_url[u] for a, u in ctx.db.execute("select id, url from articles")}
    embed = service.embedder_for(data.model)
    out = {"corpus": str(args.labelled), "articles": data.n_articles, "chunks": len(data.vectors),
           "model": data.model}
    out.update(measure(ctx, data, gold_of, args.seed, embed))
    stability_seed, seconds, _ = seed_stability(data, args.seed)
    before = titles(ctx)
    same = service.train(seed=args.seed)
    stability_same = kept_share(before, titles(ctx))
    same_full = service.train(seed=args.seed, full=True)
    stability_same_full = kept_share(before, titles(ctx))
    lost_full = lost(before, ctx)
    out.update(stability_same=round(stability_same, 4),
               stability_same_full=round(stability_same_full, 4),
               stability_grow3=round(stability_grow3, 4), lost_grow3=lost_grow3,
               lost_same_full=lost_full,
               stability_grow=round(stability_grow, 4), stability_seed=round(stability_seed, 4),
               train_seconds=seconds, service_seconds=final.seconds,
               runs=[{"kind": r.kind, "why": r.reasons[0], "seconds": r.seconds,
                      "new": len(r.new), "kept": r.kept, "retired": r.retired}
                     for r in (first, grown3, grown, final, same, same_full)],
               sizing=final.reasons[1:])
    if args.scale:
        out["scale"] = scale_timing(data, args.scale, args.seed)
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
