"""Stable themes: nothing new changes nothing, names survive growth, one training at a time."""

from __future__ import annotations

import multiprocessing
import shutil
from pathlib import Path

import pytest

from reader.ml.theme_names import keeps_name
from reader.services.context import LibraryContext
from reader.services.themes.lock import TrainingBusy, training_lock
from reader.services.themes.service import ThemeService
from tests.test_themes import add, corpus, fake_embedder, template  # noqa: F401


@pytest.fixture
def library(template: Path, reader_home: Path):  # noqa: F811
    shutil.rmtree(reader_home)
    shutil.copytree(template, reader_home)
    ctx = LibraryContext(reader_home)
    fake = fake_embedder()
    yield ctx, ThemeService(ctx, embed=fake.embed), fake
    ctx.close()


def snapshot(service: ThemeService) -> dict[int, tuple]:
    return {t.id: (t.title, t.level, t.n_articles, t.parent_id)
            for t in service.list_themes(include_hidden=True)}


def test_training_again_with_nothing_new_changes_nothing(library) -> None:
    ctx, service, _ = library
    service.rename(service.list_themes("broad")[0].id, "Tech industry")
    before = snapshot(service)
    runs = len(service.store.runs())
    activations = sorted(service.store.article_activations())
    report = service.train()
    assert report.kind == "unchanged" and not report.new and report.retired == 0
    assert snapshot(service) == before
    assert sorted(service.store.article_activations()) == activations
    assert len(service.store.runs()) == runs  # no run written at all


def test_a_full_retrain_with_nothing_new_keeps_ids_names_and_the_users_name(library) -> None:
    ctx, service, _ = library
    broad = service.list_themes("broad")[0]
    service.rename(broad.id, "Tech industry")
    before = snapshot(service)
    report = service.train(full=True)
    assert report.kind == "full" and report.retired == 0 and not report.new
    after = snapshot(service)
    assert set(after) == set(before)
    assert {i: v[0] for i, v in after.items()} == {i: v[0] for i, v in before.items()}
    assert service.store.theme(broad.id).title == "Tech industry"


def test_growing_the_library_keeps_the_themes_it_finds_again(library, reader_home) -> None:
    ctx, service, fake = library
    before = {t.id: t.title for t in service.list_themes()}
    add(ctx, corpus(1, start=200), fake, reader_home)  # 4 more articles on 64: ~6%
    report = service.train()
    assert report.kind in ("incremental", "full")
    after = {t.id: t.title for t in service.list_themes(include_hidden=True)}
    kept = [i for i in before if after.get(i) == before[i]]
    assert len(kept) / len(before) >= 0.9, (before, after)
    # After a first training, the themes of a later one are new only when really new.
    assert len(report.new) <= max(1, len(before) // 10)


def test_a_name_changes_only_when_what_the_theme_covers_changed() -> None:
    anchor = list(range(20))
    # Same articles: kept whatever the keywords say now.
    assert keeps_name("tomato / compost", anchor, ["rye", "crumb"], set(range(2, 22)))
    # Other articles, but the name's words still lead the keywords: kept.
    assert keeps_name("tomato / compost", anchor, ["soil", "compost"], set(range(50, 70)))
    # Other articles and other words: the theme moved, the name goes.
    assert not keeps_name("tomato / compost", anchor, ["rye", "crumb"], set(range(50, 70)))
    # Hysteresis: a third of the anchor in common is still the same subject.
    assert keeps_name("a / b", anchor, ["x"], set(range(8, 28)))
    assert not keeps_name("a / b", anchor, ["x"], set(range(15, 35)))


def _train_in_process(home: str, queue) -> None:
    ctx = LibraryContext(home)
    fake = fake_embedder()
    try:
        report = ThemeService(ctx, embed=fake.embed).train(full=True)
        queue.put(("ok", report.kind, report.run_id))
    except Exception as exc:  # report every failure to the parent test
        queue.put(("error", type(exc).__name__, str(exc)))


def test_two_trainings_at_once_never_reshuffle_ids(library, reader_home) -> None:
    ctx, service, fake = library
    before = snapshot(service)
    add(ctx, corpus(1, start=300), fake, reader_home)
    ctx.close()
    mp = multiprocessing.get_context("spawn")
    queue = mp.Queue()
    procs = [mp.Process(target=_train_in_process, args=(str(reader_home), queue))
             for _ in range(2)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert all(r[0] == "ok" for r in results), results
    runs = sorted(r[2] for r in results)
    assert runs[0] != runs[1]  # serialised: the second trained after the first saved
    after = {t.id: t.title for t in service.list_themes(include_hidden=True)}
    kept = [i for i in before if i in after and after[i] == before[i][0]]
    assert len(kept) / len(before) >= 0.9


def test_the_lock_refuses_after_its_wait(tmp_path) -> None:
    # A second holder in another open file description: flock locks conflict.
    with (training_lock(tmp_path), pytest.raises(TrainingBusy),
          training_lock(tmp_path, wait=0.3)):
        pass


def test_counts_add_up_by_one_rule(library) -> None:
    ctx, service, _ = library
    store = service.store
    themes = {t.id: t for t in service.list_themes(include_hidden=True)}
    members: dict[int, set[int]] = {}
    for theme_id, article_id in store.member_articles():
        members.setdefault(theme_id, set()).add(article_id)
    n_library = ctx.db.execute("select count(*) from articles").fetchone()[0]
    for theme in themes.values():
        assert theme.n_articles == len(members.get(theme.id, set()))
        if theme.level == "fine" and not theme.hidden and theme.parent_id in themes:
            # A fine theme lies within its broad parent.
            assert members.get(theme.id, set()) <= members[theme.parent_id]
            assert theme.n_articles <= themes[theme.parent_id].n_articles
    # "on N articles" lists N (all of them when asked for enough).
    some = max(themes.values(), key=lambda t: t.n_articles)
    assert len(service.show(some.id, articles=1000)["articles"]) == some.n_articles
    # An article is in a few fine themes at most, so a fine theme is a small share.
    fine_counts = [len([t for t in members if themes[t].level == "fine" and not
                        themes[t].hidden and a in members[t]]) for a in range(1, n_library + 1)]
    assert max(fine_counts) <= 3
    # The article page lists a few themes, each one the article is in.
    for article_id in range(1, 6):
        listed = service.themes_of(article_id)
        assert len(listed) <= 5
        assert all(article_id in members[t["id"]] for t in listed)


def test_timeline_bars_follow_counts_and_mark_partial_periods(library) -> None:
    ctx, service, _ = library
    theme = max(service.list_themes("broad"), key=lambda t: t.n_articles)
    line = service.timeline(theme.id, "month")
    assert sum(line["articles"]) == theme.n_articles
    assert all(c <= t for c, t in zip(line["articles"], line["totals"], strict=True))
    bars = line["sparkline"]
    order = sorted(range(len(bars)), key=lambda i: line["articles"][i])
    # Bars never shrink as counts grow.
    assert all(bars[a] <= bars[b] or line["articles"][a] == line["articles"][b]
               for a, b in zip(order, order[1:], strict=False))
    # The test library starts on 2026-01-01 (not partial) and ends long ago (not running).
    assert line["partial"][-1] is False


FOOTER = ("Thanks to {a} and {b} for reading drafts of this essay. Translations of this "
          "essay exist in Japanese, Russian and Spanish; write if you would like to help.")
PEOPLE = "Jessica Robert Trevor Daniel Sarah Harj Geoff Paul".split()


def test_a_footer_repeated_across_articles_never_becomes_a_theme(tmp_path) -> None:
    ctx = LibraryContext(tmp_path / "home")
    fake = fake_embedder()
    rows = corpus(12)
    for n, row in enumerate(rows):
        row["text"] += "\n\n" + FOOTER.format(a=PEOPLE[n % 8], b=PEOPLE[(n + 3) % 8])
    add(ctx, rows, fake, tmp_path)
    service = ThemeService(ctx, embed=fake.embed)
    service.train()
    footer_words = {"thanks", "drafts", "translations", "japanese", "russian", "essay",
                    "reading", "spanish", "help"}
    for theme in service.list_themes():
        assert not set(theme.label.replace("/", " ").split()) & footer_words, theme.label
    hidden = [t for t in service.list_themes(include_hidden=True) if t.hidden]
    assert any("boilerplate" in (t.hidden_reason or "") for t in hidden) or not any(
        set(t.keywords[:3]) & footer_words for t in hidden)
    ctx.close()


def test_swapping_activations_keeps_the_schema_and_every_row(reading_library) -> None:
    """replace_activations drops the tables' indexes for the swap and creates them again from
    their own SQL: the schema after is the schema before, and the rows are all there."""
    from reader.storage.themes import ThemeStore

    db = reading_library.db
    schema = "select type, name, sql from sqlite_master order by type, name"
    before = db.execute(schema).fetchall()
    chunk_rows = db.execute("select chunk_id, article_id, theme_id, value from chunk_themes "
                            "order by theme_id desc").fetchall()
    article_rows = db.execute("select article_id, theme_id, value, strength, passages, member "
                              "from article_themes order by theme_id desc").fetchall()
    assert chunk_rows and article_rows
    with db.atomic():
        ThemeStore(db).replace_activations([tuple(r) for r in chunk_rows],
                                           [tuple(r) for r in article_rows])
    assert db.execute(schema).fetchall() == before
    assert sorted(db.execute("select * from chunk_themes").fetchall()) == sorted(
        tuple(r) for r in chunk_rows)
    assert db.execute("select count(*) from article_themes").fetchone()[0] == len(article_rows)
    plan = " ".join(str(r) for r in db.execute(
        "explain query plan select article_id from article_themes where theme_id = ? "
        "order by strength desc", [1]).fetchall())
    assert "idx_article_themes_theme_id_strength" in plan
