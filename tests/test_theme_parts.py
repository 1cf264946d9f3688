"""The small parts of themes that need no training: quality words, the membership rule,
name candidates, steering's re-ranking, timelines' partial periods."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from reader.ml.theme_labels import label_candidates, passage_overlap
from reader.ml.theme_members import length_fair, members
from reader.services.themes.quality import articles_needed, quality_lines, too_small, verdict
from reader.services.themes.steering import Steering, theme_pull
from reader.services.themes.timeline import partial_periods, sparkline


def test_quality_is_said_in_words_and_plainly_when_it_is_poor() -> None:
    assert verdict({"fvu_heldout": 1.04}).level == "none"
    assert "explain nothing" in verdict({"fvu_heldout": 1.04}).text
    assert verdict({"fvu_heldout": 0.97}).level == "poor"
    assert verdict({"fvu_heldout": 0.6}).level == "good"
    for name, _value, meaning in quality_lines({"fvu_heldout": 0.6, "l0": 4.0,
                                                 "dead_frac": 0.1, "m": 64}):
        assert len(meaning.split()) >= 4, name  # a meaning, not a bare number


def test_one_number_of_articles_needed() -> None:
    # 30 short articles: the passages bind, and the message says one number, no contradiction.
    message = too_small(30, 45)
    more = articles_needed(30, 45)
    assert more == 50 and f"about {more} more articles" in message
    assert message.count("more") == 1
    assert too_small(40, 120) is None and articles_needed(40, 120) == 0


def test_a_long_article_does_not_top_every_theme() -> None:
    # Article 0: one passage, strong in theme 0. Article 1: 20 passages, one on each theme.
    codes = np.zeros((21, 2), dtype=np.float32)
    owners = np.array([0] + [1] * 20)
    codes[0, 0] = 1.0
    codes[1, 0] = 1.2
    codes[2, 1] = 1.2
    _, fair = length_fair(codes, owners)
    assert fair[0, 0] > fair[1, 0]


def test_membership_puts_fine_themes_inside_their_broad_ones() -> None:
    rng = np.random.default_rng(0)
    strength = rng.random((50, 12))
    strength[strength < 0.5] = 0
    shown = np.ones(12, dtype=bool)
    shown[3] = False
    group = np.arange(12) % 3
    fine, broad = members(strength, shown, group, 3)
    assert fine[:, shown].sum(axis=1).max() <= 3
    for j in np.flatnonzero(shown):
        assert (broad[fine[:, j], group[j]]).all()
        assert fine[:, j].sum() <= broad[:, group[j]].sum()
    assert not (fine & (strength < 0.25)).any()


def test_name_candidates_put_phrases_first_and_spot_repeated_text() -> None:
    assert label_candidates(["mobile phones", "broadband", "network"])[0] == "mobile phones"
    assert label_candidates(["parking", "cities"]) == ["parking / cities"]
    footer = [set(zip(w, w[1:], strict=False)) for w in (
        "thanks to ann for reading drafts of this".split(),
        "thanks to bob for reading drafts of this".split(),
        "thanks to cy for reading drafts of this".split())]
    topic = [set(zip(w, w[1:], strict=False)) for w in (
        "the harbour was calm and the jib was set".split(),
        "a regatta needs wind more than a keel".split(),
        "mooring at dusk the tide turned against us".split())]
    assert passage_overlap(footer) > 0.4 > passage_overlap(topic)


def test_steering_reranks_towards_a_theme_while_the_query_still_orders() -> None:
    ranked = [(1, 0.9), (2, 0.8), (3, 0.7), (4, 0.2)]
    pull = theme_pull([(3, 10, 1.0), (4, 10, 1.0), (2, 11, 1.0)], {10}, {11})
    steering = Steering(lambda v: v, lambda ids: {a: pull.get(a, 0.0) for a in ids}, 0.5)
    order = [a for a, _ in steering.rerank(ranked)]
    assert order[0] == 3  # in the theme and close to the query
    assert order.index(1) < order.index(4)  # the query still matters
    assert order[-1] == 2  # pushed away by --minus
    assert [a for a, _ in Steering(lambda v: v, lambda ids: {}, 0.5).rerank(ranked)] == [1, 2, 3, 4]


def test_partial_periods_and_bars_that_follow_counts() -> None:
    periods = ["2026-10", "2026-11", "2026-12"]
    now = datetime(2026, 12, 3, tzinfo=UTC)
    assert partial_periods(periods, "2026-10-14T00:00:00Z", "2026-12-02T00:00:00Z", "month",
                           now) == [True, False, True]
    assert partial_periods(periods, "2026-10-01T00:00:00Z", "2026-12-31T00:00:00Z", "month",
                           datetime(2027, 1, 2, tzinfo=UTC)) == [False, False, False]
    line = sparkline([1, 8, 4, 0])
    assert line[3] == " " and line[0] < line[2] < line[1]


def test_a_library_with_themes_upgrades_to_memberships_without_loss(tmp_path) -> None:
    from sqlite_utils import Database

    from migrations.migrations import migrations
    from reader.storage.db import open_db
    from reader.storage.themes import ThemeStore

    path = tmp_path / "old.db"
    old = Database(path)
    migrations.apply(old, stop_before="m007_theme_members")
    old["articles"].insert({"id": 1, "url": "https://a.example/1", "canonical_url":
                            "https://a.example/1", "title": "One", "added_at": "2026-01-01"})
    old["articles"].insert({"id": 2, "url": "https://a.example/2", "canonical_url":
                            "https://a.example/2", "title": "Two", "added_at": "2026-01-02"})
    old["theme_runs"].insert({"id": 1, "created_at": "2026-01-03", "model": "m", "dimension": 4,
                              "kind": "cold", "config": "{}", "metrics": "{}", "why": "",
                              "n_articles": 2, "n_chunks": 2, "weights": b""})
    old["themes"].insert({"id": 1, "run_id": 1, "latent": 0, "level": "fine", "label": "a / b",
                          "keywords": "[]", "hidden": 0, "density": 0.5, "max_activation": 1.0,
                          "mean_activation": 1.0, "coherence": 0.0, "n_articles": 1,
                          "created_run_id": 1, "is_new": 0, "extra": "{}", "name": "Mine"})
    old.execute("insert into article_themes(article_id, theme_id, value, strength, passages) "
                "values (1, 1, 0.9, 1.0, 2), (2, 1, 0.1, 0.1, 1)")
    old.conn.commit()
    old.conn.close()
    store = ThemeStore(open_db(path))
    assert store.theme(1).title == "Mine"
    assert sorted(store.article_activations()) == [(1, 1, 0.9, 1.0), (2, 1, 0.1, 0.1)]
    assert store.member_articles() == [(1, 1)]
    assert [a for a, _, _ in store.top_articles(1)] == [1]


def test_pair_names_leave_out_a_second_word_of_the_same_root_and_any_word_order() -> None:
    from reader.ml.theme_labels import label_key, make_label, terms

    assert make_label(["japanese", "japan", "tokyo"]) == "japanese / tokyo"
    assert make_label(["china", "chinese", "exports"]) == "china / exports"
    assert make_label(["prize", "book", "novel"], taken={"book / prize"}) == "prize / novel"
    assert label_key("book / prize") == label_key("prize / book")
    assert label_key("practice / notes") == label_key("practice / note")
    assert make_label(["practice", "note", "knife"], taken={"practice / notes"}) == (
        "practice / knife")
    assert "india" in terms("India's airline grew") and "india's" not in terms("India's")


def test_segment_reduce_matches_ufunc_at() -> None:
    from reader.ml.theme_metrics import segment_reduce

    rng = np.random.default_rng(0)
    groups = rng.integers(0, 30, size=400)
    groups[groups == 7] = 8  # a group without rows stays zero
    values = (rng.standard_normal((400, 9)) * (rng.random((400, 9)) < 0.3)).astype(np.float32)
    total = np.zeros((30, 9))
    np.add.at(total, groups, values)
    top = np.zeros((30, 9))
    np.maximum.at(top, groups, values)
    assert np.allclose(segment_reduce(values, groups, 30, "sum", np.float64), total)
    assert np.array_equal(segment_reduce(values, groups, 30, "max", np.float64), top)
    assert not segment_reduce(values, groups, 30).any(axis=1)[7]
