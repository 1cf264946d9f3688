"""Label a trained model's themes, match them to the previous run's, and save it all at once."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from reader.ml.theme_labels import (
    TermCounts,
    auc,
    label_candidates,
    label_key,
    make_label,
    passage_overlap,
    theme_keywords,
    tokenize,
)
from reader.ml.theme_levels import TOP, section_scores, unit_rows
from reader.ml.theme_match import (
    MATCH_COSINE,
    MATCH_OVERLAP,
    assign,
    cosine_matrix,
    jaccard_matrix,
    top_sets,
)
from reader.ml.theme_members import length_fair, members, normalised
from reader.ml.theme_metrics import segment_reduce
from reader.ml.theme_names import keeps_name
from reader.services.context import LibraryContext, Progress, ProgressCallback
from reader.services.themes.report import TrainReport
from reader.services.themes.word_cache import WORD_CACHE, load_word_vectors, save_word_vectors
from reader.storage.themes import ThemeStore

NAMED_MATCH = 0.3  # a user-named theme is matched down to this (others: MATCH_COSINE)
BOILERPLATE = 0.4  # top passages sharing this much of their word pairs: one text, repeated
TOP_PASSAGES = 20  # passages a fine theme's keywords come from
TOP_SECTION_PASSAGES = 60
BACKGROUND = 3000  # passages standing for "the rest of the library"
Embed = Callable[[list[str]], np.ndarray]


def _top_rows(score: np.ndarray, allowed: np.ndarray, owners: np.ndarray, n: int,
              per_owner: int) -> list[int]:
    """Indices of the n highest positive scores among allowed rows, at most per_owner each."""
    order = np.argsort(-np.where(allowed, score, -np.inf), kind="stable")
    picked: list[int] = []
    seen: dict[int, int] = {}
    for i in order:
        if score[i] <= 0 or not allowed[i] or len(picked) >= n:
            break
        owner = int(owners[i])
        if seen.get(owner, 0) < per_owner:
            seen[owner] = seen.get(owner, 0) + 1
            picked.append(int(i))
    return picked


class Labeller:
    """Keywords, a label and its embedding AUC for each theme, from training passages only."""

    def __init__(self, ctx: LibraryContext, data, analysis, embed: Embed | None) -> None:
        from reader.storage.chunks import get_chunks

        self.data, self.analysis, self.embed = data, analysis, embed
        train = ~analysis.heldout
        rng = np.random.default_rng(analysis.result.config.seed)
        train_rows = np.flatnonzero(train)
        background = rng.choice(train_rows, size=min(BACKGROUND, len(train_rows)), replace=False)
        codes = analysis.chunk_codes
        self.fine_members = {
            j: _top_rows(codes[:, j], train, data.article_ids, TOP_PASSAGES, 2)
            for j in analysis.live}
        top = np.maximum(analysis.article_codes.max(axis=0), 1e-12)
        self.chunk_sections = (codes / top) @ analysis.sections.affinity
        own = self.chunk_sections.argmax(axis=1) if analysis.sections.count else None
        self.broad_members = {
            g: _top_rows(self.chunk_sections[:, g], train & (own == g), data.article_ids,
                         TOP_SECTION_PASSAGES, 1)
            for g in range(analysis.sections.count)}
        self.weight = {("fine", j): codes[:, j] for j in analysis.live}
        self.weight.update({("broad", g): self.chunk_sections[:, g]
                            for g in range(analysis.sections.count)})
        rows = sorted(set(background.tolist()).union(
            *self.fine_members.values(), *self.broad_members.values()))
        stored = get_chunks(ctx.db, [int(data.chunk_ids[r]) for r in rows])
        self.row_pos = {r: i for i, r in enumerate(rows)}
        texts = []
        for r in rows:
            chunk = stored.get(int(data.chunk_ids[r]))
            texts.append(f"{chunk.context}\n{chunk.text}" if chunk else "")
        self.counts = TermCounts(texts)
        # Word pairs in order: a repeated footer shares them, a shared topic hardly does.
        self.shingles = [set(zip(words, words[1:], strict=False))
                         for words in (tokenize(t) for t in texts)]
        self.n_classes = len(self.fine_members) + len(self.broad_members)
        self.background = unit_rows(data.vectors[background].mean(axis=0))
        self._cache: dict[str, np.ndarray] = {}
        self._cache_file = ctx.paths.root / WORD_CACHE
        self._cache_model = str(data.model)
        self._cache.update(load_word_vectors(self._cache_file, self._cache_model))
        self._loaded = len(self._cache)
        held_articles = set(data.article_ids[analysis.heldout].tolist())
        self.train_articles = np.array([int(a) not in held_articles
                                        for a in analysis.article_ids])

    def boilerplate(self, j: int) -> float:
        """How alike the latent's top passages are (one per article), as the mean overlap of
        their word pairs: a footer or a site's standard paragraph repeats nearly word for
        word across articles; passages on one subject share words, not their order."""
        seen: set[int] = set()
        sets = []
        for r in self.fine_members[j]:
            owner = int(self.data.article_ids[r])
            if owner not in seen:
                seen.add(owner)
                sets.append(self.shingles[self.row_pos[r]])
        return passage_overlap(sets) if len(sets) >= 3 else 0.0

    def save_cache(self) -> None:
        """Keep the vectors of short texts (keywords, names) for the next training: the
        same words come back, and embedding them was a quarter of a training's time."""
        if self.embed is not None and len(self._cache) > self._loaded:
            save_word_vectors(self._cache_file, self._cache_model, self._cache)

    def _embed(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing and self.embed is not None:
            for text, vector in zip(missing, self.embed(missing), strict=True):
                self._cache[text] = vector
        return np.array([self._cache[t] for t in texts])

    def keywords(self, key: tuple[str, int], members: list[int]) -> list[str]:
        score = self.weight[key]
        top = max(float(score[members].max()), 1e-12) if members else 1.0
        weights = [(self.row_pos[r], float(score[r]) / top) for r in members]
        centroid = unit_rows(self.data.vectors[members].mean(axis=0)) if members else None
        return theme_keywords(self.counts, weights, self.n_classes,
                              embed=self._embed if self.embed else None, centroid=centroid,
                              background=self.background)

    def top_train(self, scores: np.ndarray, n: int = 20) -> np.ndarray:
        """The n training articles (positions) scoring highest, positive scores only."""
        candidates = np.flatnonzero(self.train_articles)
        top = candidates[np.argsort(-scores[candidates], kind="stable")[:n]]
        return top[scores[top] > 0]

    def choice_score(self, label: str, scores: np.ndarray, rivals: np.ndarray) -> float | None:
        """How well a candidate name picks its theme: the mean of its label AUC (against the
        library) and its AUC against the top articles of the other themes of its level
        (`rivals`, article positions), so a name must also tell its theme from its
        neighbours, as a reader choosing among the names must."""
        base = self.label_auc(label, scores)
        top = self.top_train(scores)
        negatives = np.setdiff1d(rivals, top)
        if base is None or len(top) < 2 or len(negatives) < 2:
            return base
        av = self.analysis.article_vectors
        return 0.5 * (base + auc(self._embed([label])[0], av[top], av[negatives]))

    def label_auc(self, label: str, scores: np.ndarray) -> float | None:
        """AUC of the label's embedding: top training articles by `scores` (A,) against
        random training articles that score zero."""
        if self.embed is None or label == "(unnamed)":
            return None
        candidates = np.flatnonzero(self.train_articles)
        top = candidates[np.argsort(-scores[candidates], kind="stable")[:20]]
        top = top[scores[top] > 0]
        zero = candidates[scores[candidates] <= 0]
        if len(top) < 2 or len(zero) < 2:
            return None
        rng = np.random.default_rng(0)
        negatives = rng.choice(zero, size=min(300, len(zero)), replace=False)
        vector = self._embed([label])[0]
        av = self.analysis.article_vectors
        return round(auc(vector, av[top], av[negatives]), 4)


def llm_labels(ctx: LibraryContext, items: list[tuple[Any, list[str], list[str]]]
               ) -> tuple[dict[Any, str], list[str]]:
    """Ask the configured chat model to name each (key, keywords, passages); off by default."""
    settings = ctx.settings
    if not settings.llm_labels or not settings.llm_base_url:
        return {}, []
    from reader.services.llm import ChatClient, ChatMessage, LLMError

    out: dict[Any, str] = {}
    client = ChatClient.from_settings(settings)
    assert client is not None
    with client:
        for key, keywords, passages in items:
            excerpts = "\n".join(f"- {' '.join(p.split())[:400]}" for p in passages[:5])
            prompt = (f"These passages from one person's reading share a theme.\n"
                      f"Keywords: {', '.join(keywords[:10])}\nPassages:\n{excerpts}\n\n"
                      "Name the theme in two to five words. Reply with the name only.")
            try:
                reply = client.complete([ChatMessage("user", prompt)], temperature=0.2,
                                        max_tokens=20)
            except LLMError as exc:
                return out, [f"LLM labels stopped: {exc}"]
            name = reply.splitlines()[0].strip().strip("\"'").rstrip(".")
            if name:
                out[key] = name[:60]
    return out, []


def _match(store: ThemeStore, plan, level: str, new_dirs: np.ndarray,
           new_tops: list[set[int]], keys: list[int],
           new_children: list[set[int]] | None = None) -> dict[int, tuple[int, float]]:
    """new key -> (old theme id, similarity) for the themes of one level.

    Broad themes also match by the fine themes they hold (`new_children`: old theme ids of
    each new broad theme's matched fine latents): sharing a third of them counts like a
    direction at cosine 0.5, since a group's direction moves when one member moves.
    """
    previous = plan.previous
    if previous is None:
        return {}
    old = [t for t in store.themes() if t.level == level and t.latent is not None]
    if not old:
        return {}
    if plan.match_by_overlap:
        old_tops = [{a for a, _, _ in store.top_articles(t.id, 20)} for t in old]
        score, threshold = jaccard_matrix(new_tops, old_tops), MATCH_OVERLAP
    else:
        arrays = store.weights(previous.id)
        source = arrays["w_dec"] if level == "fine" else arrays.get("section_dirs")
        if source is None or not len(source):
            return {}
        valid = [t for t in old if t.latent < len(source)]
        old = valid
        score = cosine_matrix(new_dirs, source[[t.latent for t in old]])
        threshold = MATCH_COSINE
        # A theme that covers the same articles is the same theme even when its direction
        # moved (a full retrain starts the normaliser anew): top-article overlap at
        # MATCH_OVERLAP counts like a direction at MATCH_COSINE.
        old_tops = [{a for a, _, _ in store.top_articles(t.id, 20)} for t in old]
        overlap = jaccard_matrix(new_tops, old_tops)
        score = np.maximum(score, np.minimum(1.0, overlap * MATCH_COSINE / MATCH_OVERLAP))
        if new_children is not None:
            held: dict[int, set[int]] = {}
            for t in store.themes():
                if t.level == "fine" and t.parent_id is not None:
                    held.setdefault(t.parent_id, set()).add(t.id)
            overlap = jaccard_matrix(new_children, [held.get(t.id, set()) for t in old])
            score = np.maximum(score, np.minimum(1.0, overlap * MATCH_COSINE / 0.34))
    found = {m.new: m for m in assign(score, threshold)}
    # A theme the user named is worth keeping: it may match more loosely, among what is left.
    taken_old = {m.old for m in found.values()}
    left_new = [i for i in range(len(keys)) if i not in found]
    named_old = [i for i, t in enumerate(old) if t.name and i not in taken_old]
    if left_new and named_old:
        sub = score[np.ix_(left_new, named_old)]
        for m in assign(sub, NAMED_MATCH):
            found[left_new[m.new]] = type(m)(left_new[m.new], named_old[m.old], m.cosine)
    return {keys[i]: (old[m.old].id, m.cosine) for i, m in found.items()}


KEEP_SHOWN_AGREEMENT = 0.5  # a shown theme found again is hidden as mixed only below this


def _keep_shown(store: ThemeStore, report, fine_match: dict[int, tuple[int, float]]
                ) -> dict[int, float]:
    """Hysteresis for hiding: a theme shown before and found again stays shown when it is now
    only borderline mixed (hidden when under 75% of its top articles share a section, or
    among the least coherent, with a budget). It is hidden again as mixed only when clearly
    mixed: under KEEP_SHOWN_AGREEMENT, and below the agreement it had when last shown by more
    than two standard errors of a share measured on its 20 top articles (a drop from 60% to
    45% is three articles of twenty: noise, not a change). Other reasons (generic,
    duplicate, boilerplate) hide it as before.

    Returns latent -> the agreement it is judged against next time: the one it had when it
    was last shown on its own merits, so small drops cannot add up unnoticed."""
    was_shown = {t.id: t for t in store.themes() if t.level == "fine" and not t.hidden}
    anchors: dict[int, float] = {}
    for j, (old_id, _) in fine_match.items():
        reason = report.hidden[j]
        if not (reason and reason.startswith("mixed") and old_id in was_shown):
            continue
        extra = was_shown[old_id].extra
        before = extra.get("shown_agreement", extra.get("agreement"))
        floor = KEEP_SHOWN_AGREEMENT
        if isinstance(before, int | float):
            floor = min(floor, before - 2 * math.sqrt(max(before * (1 - before), 0.0) / TOP))
        if report.agreement[j] >= floor:
            report.hidden[j] = None
            if isinstance(before, int | float):
                anchors[j] = float(before)
    return anchors


def label_and_save(ctx: LibraryContext, store: ThemeStore, plan, data, analysis, *,
                   embed: Embed | None, should_stop, progress: ProgressCallback):
    """Label every live latent and section, match ids, and write the run in one transaction."""
    from reader.errors import Cancelled

    result, report, sections = analysis.result, analysis.report, analysis.sections
    labeller = Labeller(ctx, data, analysis, embed)
    live = [int(j) for j in analysis.live]
    for j in live:  # boilerplate is never a theme, whatever else is said about it
        overlap = labeller.boilerplate(j)
        if overlap >= BOILERPLATE:
            report.hidden[j] = (f"boilerplate: its passages repeat across articles "
                                f"({overlap:.0%} of their word pairs in common)")
    total = len(live) + sections.count
    fine_words: dict[int, list[str]] = {}
    for done, j in enumerate(live):
        if should_stop is not None and should_stop():
            raise Cancelled("labelling stopped: the previous themes are kept")
        fine_words[j] = labeller.keywords(("fine", j), labeller.fine_members[j])
        progress(Progress("labelling", done + 1, total))
    broad_words = {g: labeller.keywords(("broad", g), labeller.broad_members[g])
                   for g in range(sections.count)}
    progress(Progress("labelling", total, total))
    labeller.save_cache()

    art_codes = analysis.article_codes
    section_dirs = np.array([analysis.section_direction(g) for g in range(sections.count)]
                            ).reshape(sections.count, -1)
    keys_fine, keys_broad = live, list(range(sections.count))
    fine_match = _match(store, plan, "fine", result.weights.w_dec[live],
                        top_sets(art_codes[:, live], analysis.article_ids), keys_fine)
    children = [{fine_match[j][0] for j in live if sections.group[j] == g and j in fine_match}
                for g in keys_broad]
    broad_match = _match(store, plan, "broad", section_dirs,
                         top_sets(sections.scores, analysis.article_ids), keys_broad, children)

    # A cold training (a fresh start asked for, or another model) judges every theme anew;
    # one that continues the last model keeps what it showed unless clearly changed.
    agreement_anchor = _keep_shown(store, report, fine_match) if plan.kind != "cold" else {}
    shown = [j for j in live if report.hidden[j] is None]
    passages = _passages(ctx, data, labeller)
    asked = [(("fine", j), fine_words[j], passages(labeller.fine_members[j])) for j in shown]
    asked += [(("broad", g), broad_words[g], passages(labeller.broad_members[g]))
              for g in keys_broad]
    named, notes = llm_labels(ctx, asked)

    ms = Membership(analysis)
    arrays = dict(result.weights.as_dict(), mean=result.normaliser.mean,
                  scale=np.array([result.normaliser.scale]), section_affinity=sections.affinity,
                  section_dirs=section_dirs, section_centres=sections.centres,
                  latent_max=art_codes.max(axis=0),
                  section_max=sections.scores.max(axis=0) if sections.count else np.zeros(0))
    why = [plan.reason, plan.config.notes.get("why", ""), sections.why()]
    metrics = dict(result.metrics, sections=sections.count, live=len(live),
                   hidden=len(live) - len(shown), inputs=plan.inputs,
                   m=plan.config.m, k=plan.config.k)
    previous = {t.id: t for t in store.themes()}
    previous_ids = set(previous)
    fine_tops = dict(zip(keys_fine, top_sets(ms.fine_strength[:, live],
                                             analysis.article_ids), strict=True))
    broad_tops = dict(zip(keys_broad, top_sets(ms.broad_strength, analysis.article_ids),
                          strict=True))
    columns = {("broad", g): ms.broad_strength[:, g] for g in keys_broad}
    columns.update({("fine", j): ms.fine_strength[:, j] for j in live})
    tops_of = {key: labeller.top_train(column, 10) for key, column in columns.items()}
    rivals = {key: np.unique(np.concatenate([tops_of[other] for other in columns
                                             if other[0] == key[0] and other != key] or [[]])
                             ).astype(int) for key in columns}
    namer = _Namer(previous, plan.previous is not None,
                   lambda key, label: labeller.choice_score(label, columns[key], rivals[key]))
    for key, match in [(("broad", g), broad_match.get(g)) for g in keys_broad] + [
            (("fine", j), fine_match.get(j)) for j in live]:
        tops = broad_tops[key[1]] if key[0] == "broad" else fine_tops[key[1]]
        words = broad_words[key[1]] if key[0] == "broad" else fine_words[key[1]]
        namer.keep(key, match, words, tops)
    # Names (and the embeddings they need) before the write transaction, which stays short.
    fine_order = sorted(live, key=lambda j: (-int(ms.fine[:, j].sum()), j))
    names = {("broad", g): namer.name(("broad", g), broad_words[g], broad_tops[g])
             for g in keys_broad}
    names.update({("fine", j): namer.name(("fine", j), fine_words[j], fine_tops[j])
                  for j in fine_order})
    aucs = {key: labeller.label_auc(label, columns[key]) for key, (label, _) in names.items()}
    with ctx.db.atomic():
        run_id = store.insert_run(
            model=data.model, dimension=int(data.vectors.shape[1]), kind=plan.kind,
            config=plan.config.to_dict(), metrics=metrics, why="\n".join(w for w in why if w),
            n_articles=data.n_articles, n_chunks=len(data.vectors), weights=arrays,
            parent_id=plan.previous.id if plan.previous else None)
        broad_ids, new_ids, history = {}, [], []
        for g in keys_broad:
            label, anchor = names[("broad", g)]
            values = _values(run_id, g, "broad", label, broad_words[g], named.get(("broad", g)))
            values.update(_broad_stats(sections, ms, g), extra={"anchor": anchor},
                          label_auc=aucs[("broad", g)])
            theme_id, similarity = _upsert(store, values, broad_match.get(g), run_id, new_ids,
                                           namer.is_new)
            broad_ids[g] = theme_id
            history.append(("broad", g, theme_id, similarity))
        fine_ids = {}
        for j in fine_order:
            label, anchor = names[("fine", j)]
            values = _values(run_id, j, "fine", label, fine_words[j], named.get(("fine", j)))
            values.update(
                density=float(report.density[j]), max_activation=float(report.max_activation[j]),
                mean_activation=float(report.mean_activation[j]),
                coherence=float(report.coherence[j]), n_articles=int(ms.fine[:, j].sum()),
                hidden=int(report.hidden[j] is not None), hidden_reason=report.hidden[j],
                parent_id=broad_ids.get(int(sections.group[j])),
                label_auc=aucs[("fine", j)],
                extra={"agreement": round(float(report.agreement[j]), 4), "anchor": anchor,
                       "shown_agreement": round(agreement_anchor.get(
                           j, float(report.agreement[j])), 4)})
            theme_id, similarity = _upsert(store, values, fine_match.get(j), run_id, new_ids,
                                           namer.is_new)
            fine_ids[j] = theme_id
            history.append(("fine", j, theme_id, similarity))
        kept = set(fine_ids.values()) | set(broad_ids.values())
        store.retire(previous_ids - kept)
        store.record_latents(run_id, history)
        _write_activations(store, data, analysis, ms, fine_ids, broad_ids,
                           labeller.chunk_sections)
        store.activate(run_id)
    return TrainReport(
        run_id=run_id, kind=plan.kind, model=data.model, reasons=[w for w in why if w],
        metrics=metrics, broad=sections.count, fine=len(live), hidden=len(live) - len(shown),
        new=new_ids, kept=len(kept & previous_ids), retired=len(previous_ids - kept),
        notes=notes)


def _values(run_id, latent, level, label, keywords, llm_label) -> dict[str, Any]:
    return {"run_id": run_id, "latent": latent, "level": level, "label": label,
            "keywords": keywords, "llm_label": llm_label, "retired_at": None}


class Membership:
    """Length-fair strengths and who is in which theme (reader.ml.theme_members)."""

    def __init__(self, analysis) -> None:
        sections, report = analysis.sections, analysis.report
        _, self.fine_raw = length_fair(analysis.chunk_codes, analysis.data_article_ids)
        self.fine_strength = normalised(self.fine_raw)
        self.broad_raw = section_scores(self.fine_raw, sections.affinity,
                                        self.fine_raw.max(axis=0))
        self.broad_strength = normalised(self.broad_raw)
        shown = np.array([h is None for h in report.hidden]) & (report.n_articles > 0)
        self.fine, self.broad = members(self.fine_strength, shown, sections.group,
                                        sections.count)


def _broad_stats(sections, ms: Membership, g: int) -> dict[str, Any]:
    inside = ms.broad[:, g]
    scores = ms.broad_raw[:, g]
    return {"density": float(inside.mean()), "max_activation": float(scores.max()),
            "mean_activation": float(scores[inside].mean()) if inside.any() else 0.0,
            "coherence": 0.0, "n_articles": int(inside.sum()), "hidden": 0,
            "hidden_reason": None, "parent_id": None}


class _Namer:
    """Automatic labels for one run: a theme found again keeps its label while the rule in
    reader.ml.theme_names holds; every other theme gets a label no kept one uses."""

    def __init__(self, previous: dict[int, Any], had_run: bool,
                 score: Callable[[Any, str], float | None] | None = None) -> None:
        self.previous = previous
        self.score = score
        self.is_new = had_run  # on a first training nothing is "new": there is no before
        self.kept: dict[tuple[str, int], tuple[str, list[int]]] = {}
        self.taken: set[frozenset[str]] = set()  # label_key of every name given

    def keep(self, key, match, keywords: list[str], tops: set[int]) -> None:
        if match is None or match[0] not in self.previous:
            return
        old = self.previous[match[0]]
        anchor = [int(a) for a in old.extra.get("anchor", [])]
        if (label_key(old.label) not in self.taken
                and keeps_name(old.label, anchor, keywords, tops)):
            self.kept[key] = (old.label, anchor or sorted(tops))
            self.taken.add(label_key(old.label))

    def name(self, key, keywords: list[str], tops: set[int]) -> tuple[str, list[int]]:
        if key in self.kept:
            return self.kept[key]
        label = self.choose(key, keywords)
        self.taken.add(label_key(label))
        return label, sorted(tops)

    def choose(self, key, keywords: list[str]) -> str:
        """The candidate name (phrases first) that best picks the theme's articles out of the
        library and out of its neighbours' (Labeller.choice_score); ties go to the earlier
        candidate."""
        candidates = [c for c in label_candidates(keywords) if label_key(c) not in self.taken]
        if not candidates:
            return make_label(keywords, taken={" ".join(k) for k in self.taken})
        if self.score is None or len(candidates) == 1:
            return candidates[0]
        scored = [(self.score(key, c), -i, c) for i, c in enumerate(candidates)]
        best = max(scored, key=lambda x: (x[0] if x[0] is not None else -1.0, x[1]))
        return best[2]


def _upsert(store: ThemeStore, values, match, run_id, new_ids, mark_new: bool = True
            ) -> tuple[int, float | None]:
    if match is None:
        theme_id = store.save_theme(dict(values, created_run_id=run_id, is_new=int(mark_new),
                                         match_cosine=None))
        new_ids.append(theme_id)
        return theme_id, None
    old_id, similarity = match
    store.save_theme(dict(values, is_new=0, match_cosine=round(similarity, 4)), old_id)
    return old_id, round(similarity, 4)


def _passages(ctx, data, labeller):
    from reader.storage.chunks import get_chunks

    def texts(rows: list[int]) -> list[str]:
        stored = get_chunks(ctx.db, [int(data.chunk_ids[r]) for r in rows[:5]])
        return [stored[c].text for c in (int(data.chunk_ids[r]) for r in rows[:5]) if c in stored]

    return texts


def _write_activations(store, data, analysis, ms: Membership, fine_ids, broad_ids,
                       chunk_sections) -> None:
    codes = analysis.chunk_codes
    chunk_rows = []
    rows, cols = np.nonzero(codes)
    for r, j in zip(rows.tolist(), cols.tolist(), strict=True):
        if j in fine_ids:
            chunk_rows.append((int(data.chunk_ids[r]), int(data.article_ids[r]), fine_ids[j],
                               float(codes[r, j])))
    rows, cols = np.nonzero(chunk_sections > 0)
    for r, g in zip(rows.tolist(), cols.tolist(), strict=True):
        chunk_rows.append((int(data.chunk_ids[r]), int(data.article_ids[r]), broad_ids[g],
                           float(chunk_sections[r, g])))
    fine_counts, broad_counts = _passage_counts(data.article_ids, analysis.article_ids,
                                                codes > 0, chunk_sections > 0)
    ids = analysis.article_ids
    article_rows = []
    rows, cols = np.nonzero(ms.fine_raw)
    for a, j in zip(rows.tolist(), cols.tolist(), strict=True):
        if j in fine_ids:
            article_rows.append((int(ids[a]), fine_ids[j], float(ms.fine_raw[a, j]),
                                 float(ms.fine_strength[a, j]), int(fine_counts[a, j]),
                                 int(ms.fine[a, j])))
    rows, cols = np.nonzero(ms.broad_raw > 0)
    for a, g in zip(rows.tolist(), cols.tolist(), strict=True):
        article_rows.append((int(ids[a]), broad_ids[g], float(ms.broad_raw[a, g]),
                             float(ms.broad_strength[a, g]), int(broad_counts[a, g]),
                             int(ms.broad[a, g])))
    store.replace_activations(chunk_rows, article_rows)


def _passage_counts(row_articles, article_ids, fine_fired, broad_fired):
    index = np.searchsorted(article_ids, row_articles)
    return (segment_reduce(fine_fired, index, len(article_ids), "sum", np.int32),
            segment_reduce(broad_fired, index, len(article_ids), "sum", np.int32))
