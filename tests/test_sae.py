"""The SAE and theme maths on synthetic data with known answers (no database, no model)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from reader.errors import Cancelled
from reader.ml.sae import Normaliser, SAEConfig, SAEWeights, build_module, decode, encode
from reader.ml.sae_train import choose_size, split_by_article, train_sae
from reader.ml.theme_labels import TermCounts, auc, make_label, mmr, terms, theme_keywords
from reader.ml.theme_levels import (
    centred_articles,
    describe_latents,
    group_latents,
    silhouette,
    unit_rows,
)
from reader.ml.theme_match import assign, cosine_matrix, jaccard_matrix, match_directions
from reader.ml.theme_metrics import (
    best_f1,
    dead_fraction,
    fvu,
    l0,
    npmi,
    pool_by_article,
    top_purity,
)


def planted(n: int = 1500, d: int = 32, atoms: int = 12, active: int = 2, seed: int = 0):
    """Unit vectors that are sparse positive mixtures of `atoms` known directions + noise."""
    rng = np.random.default_rng(seed)
    truth = unit_rows(rng.standard_normal((atoms, d)))
    codes = np.zeros((n, atoms))
    for row in codes:
        row[rng.choice(atoms, size=active, replace=False)] = rng.uniform(0.5, 1.5, size=active)
    x = codes @ truth + 0.02 * rng.standard_normal((n, d))
    groups = np.arange(n) // 3  # three passages an "article"
    return x.astype(np.float32), groups, truth


def small_config(**overrides) -> SAEConfig:
    values = dict(d=32, m=24, k=2, max_steps=400, min_steps=400, eval_every=50, batch=128)
    values.update(overrides)
    return SAEConfig(**values)


@pytest.fixture(scope="module")
def trained():
    x, groups, truth = planted()
    return x, groups, truth, train_sae(x, groups, small_config())


def test_config_round_trips_and_rejects_nonsense() -> None:
    config = SAEConfig(d=8, m=16, k=2, prefixes=(4, 16), notes={"why": "test"})
    again = SAEConfig.from_dict(config.to_dict())
    assert again == config and again.prefixes == (4, 16) and again.broad == 4
    with pytest.raises(ValueError):
        SAEConfig(d=8, m=16, k=2, prefixes=(8, 4, 16))
    with pytest.raises(ValueError):
        SAEConfig(d=8, m=16, k=0)


def test_training_recovers_planted_directions(trained) -> None:
    x, _, truth, result = trained
    best = cosine_matrix(truth, result.weights.w_dec).max(axis=1)
    assert (best > 0.9).mean() >= 0.9, best
    assert np.allclose(np.linalg.norm(result.weights.w_dec, axis=1), 1.0, atol=1e-4)
    assert result.metrics["fvu_heldout"] < 0.2
    assert result.metrics["l0"] <= 2
    assert result.metrics["dead_frac"] <= 0.5  # 24 latents for 12 atoms: spares may idle


def test_training_is_deterministic_for_a_seed(trained) -> None:
    x, groups, _, result = trained
    again = train_sae(x, groups, small_config())
    other = train_sae(x, groups, small_config(seed=1))
    assert np.array_equal(again.weights.w_dec, result.weights.w_dec)
    assert not np.array_equal(other.weights.w_dec, result.weights.w_dec)


def test_numpy_encoding_matches_the_torch_module(trained) -> None:
    import torch

    x, _, _, result = trained
    xn = result.normaliser.apply(x[:50])
    module = build_module(result.config, result.weights)
    with torch.no_grad():
        z_torch = module.topk(module.pre_acts(torch.from_numpy(xn)), result.config.k).numpy()
    z_np = encode(result.weights, xn, result.config.k)
    assert np.allclose(z_np, z_torch, atol=1e-5)
    assert fvu(xn, decode(result.weights, z_np)) < 0.3


def test_progress_and_cancellation() -> None:
    x, groups, _ = planted(n=300)
    seen: list[tuple[int, int]] = []
    train_sae(x, groups, small_config(max_steps=100, min_steps=100),
              progress=lambda done, total, _m: seen.append((done, total)))
    assert seen[-1] == (100, 100) and [d for d, _ in seen] == sorted(d for d, _ in seen)
    calls = iter(range(1000))
    with pytest.raises(Cancelled):
        train_sae(x, groups, small_config(), should_stop=lambda: next(calls) >= 20)


def test_warm_start_continues_from_previous_weights(trained) -> None:
    x, groups, _, result = trained
    warm = train_sae(x, groups, small_config(max_steps=50, min_steps=50),
                     init=(result.normaliser, result.weights))
    cos = np.diag(cosine_matrix(warm.weights.w_dec, result.weights.w_dec))
    assert np.median(cos) > 0.95


def test_auxk_revives_dead_latents() -> None:
    """Latents started outside the data's span starve; AuxK points them at the residual."""
    x, groups, truth = planted(n=900, atoms=12)
    config = small_config(m=16, k=2, max_steps=600, min_steps=600, dead_epochs=0.5)
    rng = np.random.default_rng(0)
    basis = np.linalg.qr(np.hstack([truth.T, rng.standard_normal((32, 20))]))[0]
    w = unit_rows(rng.standard_normal((16, 32))).astype(np.float32)
    w[8:] = basis[:, 12:20].T  # orthogonal to every planted direction
    start = SAEWeights(w.copy(), np.zeros(16, np.float32), w.copy(), np.zeros(32, np.float32))
    normaliser = Normaliser.fit(x)
    with_aux = train_sae(x, groups, config, init=(normaliser, start))
    without = train_sae(x, groups, SAEConfig.from_dict(dict(config.to_dict(), aux_coef=0.0)),
                        init=(normaliser, start))
    assert without.metrics["dead_frac"] >= 0.25
    assert with_aux.metrics["dead_frac"] <= without.metrics["dead_frac"] / 2


def test_matryoshka_prefix_reconstructs_on_its_own() -> None:
    x, groups, _ = planted()
    flat = train_sae(x, groups, small_config())
    nested = train_sae(x, groups, small_config(prefixes=(4, 24)))
    xn = nested.normaliser.apply(x)
    z_nested = encode(nested.weights, xn, 2)
    z_flat = encode(flat.weights, flat.normaliser.apply(x), 2)
    assert nested.metrics["fvu_prefix"]["4"] < 0.95
    assert fvu(xn, decode(nested.weights, z_nested, 4)) < fvu(
        flat.normaliser.apply(x), decode(flat.weights, z_flat, 4))


def test_split_keeps_articles_whole() -> None:
    groups = np.repeat(np.arange(200), 3)
    held = split_by_article(groups, 0.1, seed=0)
    assert set(groups[held]).isdisjoint(set(groups[~held]))
    assert len(set(groups[held])) == 20


@pytest.mark.parametrize("n_chunks", [150, 900, 4900, 7600, 100_000])
def test_size_follows_the_library(n_chunks: int) -> None:
    config = choose_size(n_chunks, n_chunks // 2, 384)
    assert n_chunks * config.k / config.m >= 30 or config.m <= 16
    assert 16 <= config.m <= 512
    assert str(config.m) in config.notes["why"] and str(n_chunks) in config.notes["why"]


def test_importing_the_models_does_not_load_torch() -> None:
    code = ("import sys, reader.ml.sae, reader.ml.sae_train, reader.ml.theme_levels, "
            "reader.services.themes.service; print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# -- metrics ---------------------------------------------------------------------------


def test_metrics_on_known_answers() -> None:
    member = np.array([[1, 0], [1, 0], [0, 1], [1, 1]], dtype=bool)
    gold = np.array([[1, 0], [1, 0], [0, 1], [0, 1]], dtype=bool)
    f1 = best_f1(member, gold)
    assert f1[0] == pytest.approx(2 * (2 / 3) * 1 / (2 / 3 + 1))
    assert f1[1] == 1.0  # theme 1 fires exactly on label 1
    scores = np.array([[0.9, 0.0], [0.8, 0.1], [0.1, 0.7], [0.0, 0.2]])
    purity = top_purity(scores, [["a"], ["a"], ["b"], ["a"]], top=2)
    assert purity.tolist() == [1.0, 0.5]
    codes = np.array([[1.0, 0, 0], [0, 2.0, 0]])
    assert l0(codes) == 1.0 and dead_fraction(codes) == pytest.approx(1 / 3)
    ids, pooled = pool_by_article(np.array([[1.0, 0], [3.0, 1.0], [0, 2.0]]), np.array([7, 7, 9]))
    assert ids.tolist() == [7, 9] and pooled.tolist() == [[3.0, 1.0], [0.0, 2.0]]


def test_npmi_prefers_words_that_occur_together() -> None:
    docs = [{"cat", "dog"}, {"cat", "dog"}, {"fish"}, {"bird", "fish"}, {"bird"}]
    together, apart = npmi([["cat", "dog"], ["cat", "fish"]], docs)
    assert together > 0.5 and apart == -1.0


def test_matching_recovers_a_permutation_and_refuses_strangers() -> None:
    rng = np.random.default_rng(0)
    old = unit_rows(rng.standard_normal((10, 16)))
    order = rng.permutation(10)
    new = unit_rows(old[order] + 0.05 * rng.standard_normal((10, 16)))
    new[3] = unit_rows(rng.standard_normal(16))  # a theme that did not exist before
    matches = {m.new: m.old for m in match_directions(new, old)}
    assert 3 not in matches
    assert all(matches[i] == order[i] for i in range(10) if i != 3)
    assert jaccard_matrix([{1, 2}], [{2, 3}, {9}]).tolist() == [[1 / 3, 0.0]]
    assert [m.new for m in assign(np.array([[0.1, 0.9], [0.8, 0.2]]), 0.5)] == [0, 1]


# -- labels ----------------------------------------------------------------------------


def test_keywords_name_what_sets_a_theme_apart() -> None:
    garden = "Tomato seedlings need compost and the greenhouse keeps tomato seedlings warm."
    boats = "The harbour pilot guided the sailing boats past the harbour wall at dawn."
    common = "People said the week was busy and the weather was mild."
    passages = [garden] * 5 + [boats] * 5 + [common] * 20
    counts = TermCounts(passages)
    words = theme_keywords(counts, [(i, 1.0) for i in range(5)], n_classes=3, n=5)
    assert words[0] in {"tomato", "tomato seedlings", "seedlings"}
    assert not set(words) & {"week", "weather", "people"}
    assert "tomato" in terms(garden) and "tomato seedlings" in terms(garden)
    assert make_label(["tomato seedlings", "tomato", "compost"]) == "tomato seedlings / compost"


def test_mmr_trades_relevance_for_variety() -> None:
    relevance = np.array([1.0, 0.95, 0.5])
    similarity = np.array([[1, 0.99, 0], [0.99, 1, 0], [0, 0, 1.0]])
    assert mmr(relevance, similarity, 2, diversity=0.0) == [0, 1]
    assert mmr(relevance, similarity, 2, diversity=0.5) == [0, 2]


def test_label_auc() -> None:
    label = np.array([1.0, 0.0])
    pos = unit_rows(np.array([[1.0, 0.1], [0.9, 0.3]]))
    neg = unit_rows(np.array([[0.1, 1.0], [0.95, 0.2]]))
    assert auc(label, pos, neg) == pytest.approx(0.75)


# -- levels ----------------------------------------------------------------------------


def test_latents_group_into_the_planted_sections() -> None:
    """Three topics, each expressed by four latents: sections must find the three."""
    rng = np.random.default_rng(0)
    centres = np.linalg.qr(rng.standard_normal((24, 3)))[0].T  # three orthogonal topics
    topic = np.repeat(np.arange(3), 60)
    articles = centred_articles(unit_rows(centres[topic] + 0.15 * rng.standard_normal((180, 24))))
    codes = np.zeros((180, 12))
    for a, t in enumerate(topic):
        picks = t * 4 + rng.choice(4, size=2, replace=False)
        codes[a, picks] = rng.uniform(0.5, 1.0, size=2)
    sections = group_latents(codes, articles, seed=0, counts=(2, 5))
    assert sections.count == 3
    assigned = sections.scores.argmax(axis=1)
    for t in range(3):
        assert len(set(assigned[topic == t].tolist())) == 1
    assert silhouette(articles, topic, 0) > 0.3
    report = describe_latents(codes, articles, sections, unit_rows(rng.standard_normal((12, 24))))
    assert sum(r is not None for r in report.hidden) <= 0.25 * 12
    assert report.agreement.min() == 1.0


def _planted(n: int, seed: int, spread: float = 0.15):
    rng = np.random.default_rng(seed)
    centres = np.linalg.qr(np.random.default_rng(0).standard_normal((24, 3)))[0].T
    topic = np.arange(n) % 3
    articles = centred_articles(unit_rows(centres[topic] + spread * rng.standard_normal((n, 24))))
    codes = np.zeros((n, 12))
    for a, t in enumerate(topic):
        picks = t * 4 + rng.choice(4, size=2, replace=False)
        codes[a, picks] = rng.uniform(0.5, 1.0, size=2)
    return codes, articles


def test_a_grown_library_continues_its_sections_in_the_same_order() -> None:
    """Sections continued from the last training keep each latent in the section of the same
    index (what matching broad themes relies on), and say so."""
    codes, articles = _planted(180, 0)
    first = group_latents(codes, articles, seed=0, counts=(2, 5))
    grown_codes, grown_articles = _planted(186, 1)
    again = group_latents(grown_codes, grown_articles, seed=0, counts=(2, 5),
                          previous=first.centres)
    assert again.kept_previous and again.continued is not None
    assert np.array_equal(again.group, first.group)
    assert "continued from the last training" in again.why()


def test_a_clearly_better_fresh_grouping_replaces_the_continued_one() -> None:
    """Two previous sections over three planted topics: the fresh three separate the articles
    far better, so they replace the continued grouping."""
    codes, articles = _planted(180, 0)
    three = group_latents(codes, articles, seed=0, counts=(2, 5))
    merged = unit_rows(np.array([three.centres[0] + three.centres[1], three.centres[2]]))
    again = group_latents(codes, articles, seed=0, counts=(2, 5), previous=merged)
    assert not again.kept_previous and again.count == 3
    assert "grouped afresh" in again.why()
