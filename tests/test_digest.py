"""The digest: safe Markdown, windows, theme sections, drafting, keeping, CLI, Buttondown."""

from __future__ import annotations

import json
import os
import stat
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from markdown_it import MarkdownIt

from reader.errors import BadInput, NotEnoughData, NotFound
from reader.ml.embedder import FakeEmbedder
from reader.models import to_iso
from reader.render.digest import escape_markdown, markdown_link, render_digest, safe_url
from reader.services.digest.sections import (
    SectionPlan,
    describe_trend,
    intro_line,
    plan_sections,
)
from reader.services.digest.service import DigestService
from reader.services.digest.window import Window, parse_when, resolve_window
from reader.services.digest.wording import WindowWords
from reader.storage.articles import ArticleStore
from tests.test_llm import JsonServer, chat_reply, json_server  # noqa: F401 - fixture

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)

NASTY_TITLES = [
    "Hello](javascript:alert(1))",
    "[Brackets] and (parentheses) in a title",
    "snake_case_names and *stars* and `ticks`",
    "<script>alert('x')</script> & &amp; entities",
    "# Not a heading",
    "1. Not a list",
    "![not an image](http://example.org/x.png)",
    "Back\\slash \\] escape",
]
NASTY_URLS = [
    ("javascript:alert(1)", None),
    ("  JaVaScRiPt:alert(document.cookie)", None),
    ("java\tscript:alert(1)", None),
    ("data:text/html;base64,PHNjcmlwdD4=", None),
    ("vbscript:msgbox(1)", None),
    ("file:///etc/passwd", None),
    ("//evil.example/x", None),
    ("https://example.org/a (b)/c d?q=[1]", "https://example.org/a%20%28b%29/c%20d?q=%5B1%5D"),
    ("http://example.org/wiki/Foo_(bar)", "http://example.org/wiki/Foo_%28bar%29"),
    ('https://example.org/<x>"y"', "https://example.org/%3Cx%3E%22y%22"),
]


def _links(markdown: str) -> list[tuple[str, str]]:
    """(href, text) of every link a CommonMark parser finds."""
    found = []
    for block in MarkdownIt("commonmark").parse(markdown):
        children = block.children or []
        for i, token in enumerate(children):
            if token.type == "link_open":
                text = ""
                for child in children[i + 1 :]:
                    if child.type == "link_close":
                        break
                    text += child.content
                found.append((token.attrGet("href"), text))
            if token.type == "image":
                found.append((token.attrGet("src"), "IMAGE"))
    return found


def _inline_text(markdown: str) -> str:
    """What a reader sees: the text of every inline token, markup removed."""
    out = []
    for block in MarkdownIt("commonmark").parse(markdown):
        for child in block.children or []:
            if child.type in ("text", "code_inline"):
                out.append(child.content)
            elif child.type in ("html_inline", "html_block"):
                out.append("<RAW HTML>")
    return "".join(out)


@pytest.mark.parametrize("title", NASTY_TITLES)
def test_titles_render_as_their_own_text(title: str):
    markdown = markdown_link(title, "https://example.org/ok")
    assert _links(markdown) == [("https://example.org/ok", title)]
    assert escape_markdown(title) == escape_markdown(escape_markdown(title))
    assert _inline_text(escape_markdown(title)) == title


@pytest.mark.parametrize(("url", "expected"), NASTY_URLS)
def test_urls_are_made_safe_or_dropped(url: str, expected: str | None):
    assert safe_url(url) == expected
    markdown = markdown_link("A title", url)
    links = _links(markdown)
    if expected is None:
        assert links == [] and _inline_text(markdown) == "A title"
    else:
        assert links == [(expected, "A title")]


def _item(i: int, title: str, url: str, **extra):
    base = {
        "id": i,
        "title": title,
        "url": url,
        "site": "Site_(x)",
        "author": "",
        "source": "Site_(x)",
        "minutes": 4,
        "notes": [],
        "highlights": [],
        "summary": [],
        "line": None,
    }
    return {**base, **extra}


def _data(sections, also=(), unread=(), **extra):
    data = {
        "subject": "What I read: 23–29 November 2026",
        "window": {
            "since": "2026-11-22T12:00:00Z",
            "until": "2026-11-29T12:00:00Z",
            "label": "23–29 November 2026",
        },
        "intro": "This week I read 3 pieces, mostly about [gardens].",
        "top_themes": [],
        "rising": [],
        "fading": [],
        "sections": sections,
        "also_read": list(also),
        "also_read_label": "Also read",
        "unread": list(unread),
        "sign_off": "Until next week,",
        "author_name": "Ada *Lovelace*",
        "notes": [],
    }
    return {**data, **extra}


def test_default_template_is_a_safe_newsletter():
    nasty = [
        _item(i, t, u) for i, (t, (u, _)) in enumerate(zip(NASTY_TITLES, NASTY_URLS, strict=False))
    ]
    nasty[0]["notes"] = ["My note with ](javascript:x) and\n\n# a newline heading"]
    nasty[1]["highlights"] = ["> a quoted [link](javascript:alert(1))"]
    nasty[2]["summary"] = ["First _sentence_.", "Second <b>one</b>."]
    section = {
        "theme_id": 1,
        "label": "Gardens_[and] *soil*",
        "weight": 2.0,
        "lift": 1.5,
        "articles": nasty[:4],
    }
    data = _data([section], also=nasty[4:], unread=[_item(99, "Later", "https://x.org/l")])
    data["working_on"] = ["A [draft](javascript:x) about *rivers*."]
    text = render_digest(data)
    assert text.startswith("# What I read: 23–29 November 2026\n")
    for heading in (
        "## What I read",
        "### Gardens\\_\\[and\\] \\*soil\\*",
        "### Also read",
        "### Saved for later",
        "## What I'm working on",
    ):
        assert f"\n{heading}\n" in text
    assert "_[Say hello" in text and "Until next week,\\\nAda \\*Lovelace\\*" in text
    assert "\nA \\[draft\\](javascript:x) about \\*rivers\\*.\n" in text
    # Only http(s) links survive, and every title reads as itself.
    links = _links(text)
    assert all(href.startswith(("http://", "https://")) for href, _ in links)
    assert ("https://x.org/l", "Later") in links
    shown = _inline_text(text)
    assert "<RAW HTML>" not in shown
    for title in NASTY_TITLES[:7]:
        assert title in shown
    assert "\n  My note with \\](javascript:x) and # a newline heading\n" in text
    assert "  First \\_sentence\\_. Second \\<b\\>one\\</b\\>." in text


def test_notes_come_before_and_instead_of_the_summary():
    item = _item(
        1,
        "T",
        "https://example.org/t",
        notes=["Mine."],
        highlights=["Theirs."],
        summary=["Extracted."],
    )
    text = render_digest(_data([{"label": "L", "articles": [item]}]))
    assert text.index("  Mine.") < text.index("  > “Theirs.”")
    assert "Extracted." not in text
    item["line"] = "Polished line."
    assert "  Polished line." in render_digest(_data([{"label": "L", "articles": [item]}]))


def test_user_template_is_escaped_too(tmp_path: Path):
    template = tmp_path / "mine.md.j2"
    template.write_text(
        "{% for s in sections %}{% for a in s.articles %}* [{{ a.title }}]({{ a.url }}) "
        "{{ a.link }}\n{% endfor %}{% endfor %}",
        "utf-8",
    )
    item = _item(1, "Evil](javascript:alert(1))", "javascript:alert(1)")
    text = render_digest(_data([{"label": "L", "articles": [item]}]), template)
    # The hand-made link points nowhere; the ready-made one is plain text.
    assert _links(text) == [("", "Evil](javascript:alert(1))")]
    assert _inline_text(text).endswith("Evil](javascript:alert(1))")


def test_template_errors_are_bad_input(tmp_path: Path):
    broken = tmp_path / "broken.md.j2"
    broken.write_text("{% for x in %}", "utf-8")
    with pytest.raises(BadInput, match="broken.md.j2:1"):
        render_digest(_data([]), broken)
    unknown = tmp_path / "unknown.md.j2"
    unknown.write_text("{{ no_such_value }}", "utf-8")
    with pytest.raises(BadInput, match="no_such_value"):
        render_digest(_data([]), unknown)
    sneaky = tmp_path / "sneaky.md.j2"
    sneaky.write_text("{{ subject.__class__.__mro__ }}", "utf-8")
    with pytest.raises(BadInput):
        render_digest(_data([]), sneaky)


# -- windows ---------------------------------------------------------------------------


@pytest.fixture
def utc_zone(monkeypatch: pytest.MonkeyPatch):
    """Local time = UTC, so that dates in tests mean what they say."""
    import time

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_parse_when_understands_the_documented_forms(utc_zone):
    assert parse_when("7d", now=NOW) == NOW - timedelta(days=7)
    assert parse_when("2w", now=NOW) == NOW - timedelta(days=14)
    assert parse_when("36h", now=NOW) == NOW - timedelta(hours=36)
    assert parse_when("2026-11-01", now=NOW) == datetime(2026, 11, 1, tzinfo=UTC)
    assert parse_when("2026-11-01", now=NOW, end=True) == datetime(2026, 11, 2, tzinfo=UTC)
    assert parse_when("2026-11-01T18:30Z", now=NOW) == datetime(2026, 11, 1, 18, 30, tzinfo=UTC)
    assert parse_when("yesterday", now=NOW) == datetime(2026, 11, 28, tzinfo=UTC)
    for bad in ("last tuesday", "7x", "2026-13-01", "", "01/11/2026"):
        with pytest.raises(BadInput, match="cannot understand the date"):
            parse_when(bad, now=NOW)


def test_resolve_window_defaults_and_last(utc_zone):
    window, note = resolve_window(None, None, now=NOW, last_end=None)
    assert (window.since, window.until, note) == (NOW - timedelta(days=7), NOW, None)
    window, note = resolve_window("last", None, now=NOW, last_end=None)
    assert window.days == 7 and "no earlier digest" in note
    window, _ = resolve_window(None, None, now=NOW, last_end="2026-11-25T08:00:00Z")
    assert window.since == datetime(2026, 11, 25, 8, tzinfo=UTC)
    window, _ = resolve_window("2026-11-01", "2026-11-07", now=NOW, last_end=None)
    assert window.label() == "1–7 November 2026" and window.period()[0] == "this week"
    assert window.previous().until == window.since and window.previous().days == 7
    with pytest.raises(BadInput, match="window is empty"):
        resolve_window("2026-11-07", "2026-11-01", now=NOW, last_end=None)


# -- sections --------------------------------------------------------------------------

LABELS = {1: "gardens", 2: "bridges", 3: "kilns", 4: "always there"}


def test_sections_are_distinctive_themes_heaviest_first():
    strengths = {
        10: [(1, 0.9), (4, 0.8)],
        11: [(1, 0.7), (4, 0.9)],
        12: [(2, 0.8), (4, 0.2)],
        13: [(2, 0.6)],
        14: [(3, 0.3)],
        15: [],
        16: [(4, 0.05)],
    }
    # Theme 4 is everywhere in the library; gardens and bridges are not.
    background = {1: 0.05, 2: 0.1, 3: 0.1, 4: 0.8}
    plan = plan_sections(list(strengths), strengths, LABELS, background)
    assert [s.label for s in plan.sections] == ["gardens", "bridges", "always there"]
    # Each article once, under its strongest theme.
    assert plan.sections[0].article_ids == [10]
    assert plan.sections[2].article_ids == [11]
    assert plan.sections[1].article_ids == [12, 13]
    # 14's only theme is weak and alone; 15 has no theme; 16's is below the floor.
    assert plan.also_read == [14, 15, 16]
    placed = [a for s in plan.sections for a in s.article_ids] + plan.also_read
    assert sorted(placed) == sorted(strengths)


def test_a_single_strong_article_keeps_its_section_and_sections_are_capped():
    strengths = {i: [(i, 0.9), (0, 0.4)] for i in range(1, 6)}
    strengths[6] = [(0, 0.45)]
    labels = {i: f"theme {i}" for i in range(0, 6)}
    plan = plan_sections(list(strengths), strengths, labels, {})
    assert len(plan.sections) == 5 and all(len(s.article_ids) == 1 for s in plan.sections)
    assert plan.also_read == [6]  # alone under theme 0, and weak
    capped = plan_sections(list(strengths), strengths, labels, {}, max_sections=2)
    assert len(capped.sections) <= 2
    moved = {a for s in capped.sections for a in s.article_ids}
    assert moved | set(capped.also_read) == set(strengths)
    # Theme 0 is far weaker than each article's own theme: it does not take them in.
    assert not any(s.theme_id == 0 for s in capped.sections)
    assert len(capped.also_read) == 6 - sum(len(s.article_ids) for s in capped.sections)


def test_trend_names_what_rose_and_faded():
    plan = SectionPlan([], [])
    from reader.services.digest.sections import Section

    plan.sections = [Section(1, "gardens", 2.0, 2.0, [1, 2]), Section(2, "bridges", 1.0, 1.0, [3])]
    trend = describe_trend(plan, {1: 0.6, 2: 0.3, 3: 0.0}, {1: 0.1, 2: 0.3, 3: 0.5}, LABELS)
    assert trend.top == ["gardens", "bridges"] and trend.rising == ["gardens"]
    assert trend.fading == ["kilns"]
    week = WindowWords("this week", "the week before", "week", "23–29 November")
    line = intro_line(trend, 3, week)
    assert line == (
        "This week I read three pieces, mostly on gardens and bridges; gardens came "
        "up more than the week before, and kilns faded."
    )
    assert describe_trend(plan, {}, None, LABELS).compared is False
    assert intro_line(trend, 0, week, 2) == (
        "I did not finish anything this week, but I saved two pieces for later."
    )
    assert intro_line(trend, 1, week) == "This week I read one piece, on gardens."
    machine = describe_trend(
        SectionPlan([Section(1, "read / exam", 2.0, 2.0, [1, 2]), Section(2, "x_y", 1, 1, [3])], []),
        {},
        None,
        {1: "read / exam", 2: "x_y"},
    )
    assert intro_line(machine, 12, week) == "This week I read 12 pieces across a few threads."


# -- drafting and keeping (a real SQLite library) -----------------------------------------

GARDEN_TEXT = (
    "The bus was late again this morning.\n\n"
    "Community gardens in cities grow vegetables, herbs and flowers for their neighbours. "
    "City gardens also cool streets, hold rain water and give gardeners a place to meet. "
    "Volunteers keep the gardens open through the winter with compost and cover crops. "
    "Some councils now fund community gardens in every district of the city."
)


class FakeThemes:
    """A ThemeSource from plain dicts."""

    def __init__(self, labels: dict[int, str], strengths: dict[int, list[tuple[int, float]]]):
        self.labels, self.all = labels, strengths

    def section_labels(self) -> dict[int, str]:
        return dict(self.labels)

    def strengths(self, article_ids):
        wanted = None if article_ids is None else set(article_ids)
        return {a: s for a, s in self.all.items() if wanted is None or a in wanted}


def _add(store: ArticleStore, n: int, *, read: datetime | None, added: datetime, **values) -> int:
    values.setdefault("title", f"Article {n}")
    values.setdefault("state", "read" if read else "unread")
    values.setdefault("fetch_state", "fetched")
    return store.insert(
        url=f"https://example.org/{n}",
        canonical_url=f"https://example.org/{n}",
        added_at=to_iso(added),
        read_at=to_iso(read) if read else None,
        **values,
    )


@pytest.fixture
def library(ctx):
    """Six reads this week (two themes, one without text or themes), one saved, older reads."""
    store = ArticleStore(ctx.db)
    day = timedelta(days=1)
    ids = {}
    for n in range(1, 4):
        ids[f"garden{n}"] = _add(
            store,
            n,
            read=NOW - n * day,
            added=NOW - 9 * day,
            title=f"Gardens {n}",
            site="Garden Weekly",
            word_count=920,
            text=GARDEN_TEXT,
        )
    for n in (4, 5):
        ids[f"bridge{n}"] = _add(
            store,
            n,
            read=NOW - n * day,
            added=NOW - 9 * day,
            title=f"Bridges {n}",
            author="B. Builder",
            word_count=460,
            text="Bridges carry roads over rivers. Steel bridges rust.",
        )
    ids["bare"] = _add(store, 6, read=NOW - 2 * day, added=NOW - 3 * day, title="A bare link")
    ids["saved"] = _add(
        store, 7, read=None, added=NOW - day, title="Saved for later", site="Later Mag"
    )
    ids["old"] = _add(
        store,
        8,
        read=NOW - 10 * day,
        added=NOW - 20 * day,
        title="Old kilns",
        text="Kilns fire clay. Kilns are hot.",
    )
    ids["dup"] = _add(
        store, 9, read=NOW - day, added=NOW - day, title="Duplicate", duplicate_of=ids["garden1"]
    )
    store.add_note(ids["garden2"], "Made me want a plot of my own.")
    store.add_highlight(ids["bridge4"], "Steel bridges rust.", note="True of my bike too.")
    themes = FakeThemes(
        {1: "city gardens", 2: "bridges", 3: "kilns"},
        {
            ids["garden1"]: [(1, 0.9)],
            ids["garden2"]: [(1, 0.8)],
            ids["garden3"]: [(1, 0.7)],
            ids["bridge4"]: [(2, 0.9), (1, 0.1)],
            ids["bridge5"]: [(2, 0.6)],
            ids["old"]: [(3, 0.9)],
            1000: [(2, 0.9)],
            1001: [(2, 0.8)],
            1002: [(3, 0.7)],
        },
    )
    return ctx, ids, themes


def _service(ctx, themes, **kwargs) -> DigestService:
    return DigestService(ctx, embedder=FakeEmbedder(dimension=128), themes=themes, **kwargs)


def test_draft_groups_by_theme_quotes_notes_and_keeps_it(library, utc_zone):
    ctx, ids, themes = library
    draft = _service(ctx, themes).draft(now=NOW, save=True)
    data, text = draft.data, draft.text
    assert data["window"] == {
        "since": "2026-11-22T12:00:00Z",
        "until": "2026-11-29T12:00:00Z",
        "label": "22–29 November 2026",
        "period": "this week",
        "cadence": "week",
    }
    assert [s["label"] for s in data["sections"]] == ["city gardens", "bridges"]
    assert [a["id"] for a in data["sections"][0]["articles"]] == [
        ids["garden1"],
        ids["garden2"],
        ids["garden3"],
    ]
    assert [a["id"] for a in data["also_read"]] == [ids["bare"]]
    assert [a["id"] for a in data["unread"]] == [ids["saved"]]
    assert data["intro"] == (
        "This week I read six pieces, mostly on city gardens and bridges; city gardens and "
        "bridges came up more than the week before, and kilns faded."
    )
    garden1 = data["sections"][0]["articles"][0]
    assert garden1["minutes"] == 4 and garden1["source"] == "Garden Weekly"
    assert len(garden1["summary"]) == 2 and "bus was late" not in " ".join(garden1["summary"])
    assert data["sections"][1]["articles"][1]["source"] == "B. Builder"
    # Notes as the commentary, highlights quoted, and no summary for them.
    assert "\n  Made me want a plot of my own.\n" in text
    assert "  > “Steel bridges rust.”" in text and "\n  True of my bike too.\n" in text
    assert text.count(garden1["summary"][0]) == 2  # gardens 1 and 3; not 2, which has a note
    assert "### Also read\n\n- [A bare link](https://example.org/6)" in text
    assert "### Saved for later\n\n- [Saved for later](https://example.org/7) · Later Mag" in text
    assert "Duplicate" not in text and "Old kilns" not in text
    # Kept, with its window and article ids.
    service = _service(ctx, themes)
    [record] = service.list()
    assert record.id == draft.id and record.text == text
    assert (record.window_start, record.window_end) == (
        "2026-11-22T12:00:00Z",
        "2026-11-29T12:00:00Z",
    )
    assert sorted(record.article_ids) == sorted(
        ids[k] for k in ("garden1", "garden2", "garden3", "bridge4", "bridge5", "bare")
    )
    assert record.unread_ids == [ids["saved"]]
    assert service.get(draft.id).data["sections"][0]["label"] == "city gardens"
    with pytest.raises(NotFound):
        service.get(draft.id + 1)


def test_next_digest_starts_where_the_last_ended(library):
    ctx, ids, themes = library
    service = _service(ctx, themes)
    first = service.draft(now=NOW, save=True)
    # Nothing new since: says so in words, and writes nothing.
    with pytest.raises(NotEnoughData, match="Nothing read or saved since the last digest"):
        service.draft(now=NOW + timedelta(hours=1))
    with pytest.raises(NotEnoughData, match="already covers"):
        service.draft(now=NOW)
    assert len(service.list()) == 1
    new = _add(ArticleStore(ctx.db), 20, read=NOW + timedelta(days=1), added=NOW, title="A new one")
    second = service.draft(now=NOW + timedelta(days=2), save=True)
    assert second.data["window"]["since"] == first.data["window"]["until"]
    assert [a["id"] for a in second.data["also_read"]] == [new]
    assert [r.id for r in service.list()] == [second.id, first.id]
    # An explicit window may overlap an earlier digest.
    again = service.draft("2026-11-20", "2026-11-29", now=NOW + timedelta(days=2), save=False)
    assert again.id is None and len(service.list()) == 2


def test_no_themes_means_one_plain_list(library):
    ctx, _ids, _themes = library
    draft = _service(ctx, FakeThemes({}, {})).draft(now=NOW)
    assert draft.id is None and _service(ctx, FakeThemes({}, {})).list() == []  # a preview
    assert draft.data["sections"] == [] and len(draft.data["also_read"]) == 6
    assert "### Also read" not in draft.text
    assert any("themes" in n for n in draft.notes)


def test_empty_library_says_so_and_writes_nothing(ctx):
    service = _service(ctx, FakeThemes({}, {}))
    with pytest.raises(NotEnoughData, match="Nothing read or saved this week"):
        service.draft(now=NOW)
    assert service.list() == []


def test_polish_rewrites_lines_with_a_local_model(library, json_server: JsonServer):  # noqa: F811
    ctx, _ids, themes = library
    json_server.routes["/v1/chat/completions"] = chat_reply("I kept thinking about this one.")
    ctx.settings.llm_base_url = json_server.url("/v1")
    draft = _service(ctx, themes).draft(now=NOW, polish=True)
    assert draft.notes == []
    assert draft.text.count("  I kept thinking about this one.") == 5  # all but the bare link
    assert "\n  Made me want a plot of my own.\n" in draft.text  # the user's words stay


def test_polish_failure_falls_back_with_a_note(library, json_server: JsonServer):  # noqa: F811
    ctx, _ids, themes = library
    json_server.routes["/v1/chat/completions"] = lambda _p: (500, {"error": "down"})
    ctx.settings.llm_base_url = json_server.url("/v1")
    ctx.settings.llm_polish = True
    draft = _service(ctx, themes).draft(now=NOW)
    assert len(draft.notes) == 1 and "LLM polish failed" in draft.notes[0]
    plain = _service(ctx, themes).draft("7d", now=NOW, polish=False, save=False)
    assert draft.text == plain.text


def test_push_to_buttondown_as_a_draft(library, json_server: JsonServer):  # noqa: F811
    ctx, _ids, themes = library
    json_server.routes["/v1/emails"] = lambda p: (201, {"id": "em_42", "status": p["status"]})
    ctx.settings.buttondown_api_key = "bd-key"
    ctx.settings.buttondown_base_url = json_server.url("/v1")
    service = _service(ctx, themes)
    draft = service.draft(now=NOW, save=True)
    record = service.push(draft.id)
    assert record.remote_id == "em_42" and record.pushed_at
    path, headers, payload = json_server.requests[-1]
    assert headers["Authorization"] == "Token bd-key"
    assert payload == {"subject": draft.data["subject"], "body": draft.text, "status": "draft"}


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (400, "HTTP 400: the draft was rejected"),
        (401, "API key was refused"),
        (503, "server error"),
    ],
)
def test_buttondown_errors_are_clear(library, json_server: JsonServer, status, message):  # noqa: F811
    from reader.services.digest.buttondown import ButtondownError

    ctx, _ids, themes = library
    json_server.routes["/v1/emails"] = lambda _p: (status, {"detail": "nope"})
    ctx.settings.buttondown_api_key = "bd-key"
    ctx.settings.buttondown_base_url = json_server.url("/v1")
    service = _service(ctx, themes)
    draft = service.draft(now=NOW, save=True)
    with pytest.raises(ButtondownError, match=message):
        service.push(draft.id)
    assert service.get(draft.id).pushed_at is None


def test_push_without_a_key_is_a_clear_error(library):
    from reader.services.digest.buttondown import ButtondownError

    ctx, _ids, themes = library
    service = _service(ctx, themes)
    draft = service.draft(now=NOW, save=True)
    with pytest.raises(ButtondownError, match="no Buttondown API key"):
        service.push(draft.id)


# -- the command line ------------------------------------------------------------------


def _reader(home: Path, *args: str, env: dict | None = None):
    from reader.cli import main

    return CliRunner().invoke(main, ["--home", str(home), *args], env=env, catch_exceptions=False)


@pytest.fixture
def cli_library(reader_home: Path):
    """A library of read articles with notes (so no model is needed to draft)."""
    from reader.services.context import LibraryContext

    ctx = LibraryContext(reader_home)
    store = ArticleStore(ctx.db)
    now = datetime.now(UTC)
    for n in range(1, 4):
        article = _add(
            store,
            n,
            read=now - timedelta(days=n),
            added=now - timedelta(days=8),
            title=f"Essay [{n}] on snake_case",
            site="Example",
        )
        store.add_note(article, f"Note {n}.")
    _add(store, 9, read=None, added=now - timedelta(hours=3), title="Unread thing")
    ctx.close()
    return reader_home


def test_cli_drafts_lists_and_shows(cli_library: Path, tmp_path: Path):
    out = tmp_path / "draft.md"
    preview = _reader(cli_library, "digest")
    assert preview.exit_code == 0 and "Preview, not saved" in preview.stderr
    assert json.loads(_reader(cli_library, "digest", "list", "--json").stdout) == []
    result = _reader(cli_library, "digest", "--save", "--out", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text("utf-8")
    assert text == preview.stdout
    assert "Essay \\[1\\] on snake\\_case" in text and "\n  Note 1.\n" in text
    assert "three pieces read" in result.stderr and "one saved for later" in result.stderr
    listed = _reader(cli_library, "digest", "list", "--json")
    [entry] = json.loads(listed.stdout)
    assert entry["read"] == 3 and entry["unread"] == 1
    shown = _reader(cli_library, "digest", "show", str(entry["id"]))
    assert shown.stdout == text
    shown_json = json.loads(
        _reader(cli_library, "digest", "show", str(entry["id"]), "--json").stdout
    )
    assert shown_json["text"] == text and len(shown_json["article_ids"]) == 3
    missing = _reader(cli_library, "digest", "show", "99")
    assert missing.exit_code == 1 and "no digest with id 99" in missing.stderr


def test_cli_json_format(cli_library: Path):
    result = _reader(cli_library, "digest", "--since", "30d", "--format", "json")
    assert result.exit_code == 0
    payload = json.loads(result.stdout)
    assert payload["id"] is None and payload["markdown"].startswith("# What I read")
    saved = json.loads(
        _reader(cli_library, "digest", "--since", "30d", "--format", "json", "--save").stdout
    )
    assert saved["id"] and saved["markdown"] == payload["markdown"]
    assert len(payload["also_read"]) == 3 and payload["unread"][0]["title"] == "Unread thing"


def test_cli_bad_date_and_empty_window(cli_library: Path, tmp_path: Path):
    bad = _reader(cli_library, "digest", "--since", "last tuesday")
    assert bad.exit_code == 1 and "cannot understand the date 'last tuesday'" in bad.stderr
    out = tmp_path / "never.md"
    empty = _reader(
        cli_library, "digest", "--since", "2020-01-01", "--until", "2020-01-07", "--out", str(out)
    )
    assert empty.exit_code == 1
    assert "Nothing read or saved from 1 to 7 January 2020" in empty.stderr
    assert not out.exists()
    assert json.loads(_reader(cli_library, "digest", "list", "--json").stdout) == []


def _editor(tmp_path: Path, body: str) -> str:
    script = tmp_path / "editor.sh"
    script.write_text(f"#!/bin/sh\n{body}\n", "utf-8")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX shell script stands in for $EDITOR")
def test_cli_edit_saves_the_edited_text(cli_library: Path, tmp_path: Path):
    editor = _editor(tmp_path, 'printf "\\nP.S. Edited by hand.\\n" >> "$1"')
    result = _reader(cli_library, "digest", "--edit", env={"EDITOR": editor, "VISUAL": editor})
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("P.S. Edited by hand.\n")
    [entry] = json.loads(_reader(cli_library, "digest", "list", "--json").stdout)
    assert entry["edited_at"]
    assert _reader(cli_library, "digest", "show", str(entry["id"])).stdout == result.stdout
    # An editor that fails keeps the unedited draft and says so.
    failing = _editor(tmp_path, "exit 3")
    again = _reader(
        cli_library, "digest", "edit", str(entry["id"]), env={"EDITOR": failing, "VISUAL": failing}
    )
    assert again.exit_code == 1 and f"kept as digest {entry['id']}" in again.stderr
    assert _reader(cli_library, "digest", "show", str(entry["id"])).stdout == result.stdout


def test_cli_user_template(cli_library: Path, tmp_path: Path):
    template = tmp_path / "mine.md.j2"
    template.write_text(
        "{{ subject }}\n{% for a in also_read %}* {{ a.link }}\n{% endfor %}", "utf-8"
    )
    result = _reader(cli_library, "digest", "--template", str(template))
    assert result.exit_code == 0
    assert result.stdout.count("* [Essay \\[") == 3
    default = _reader(cli_library, "digest", "template")
    assert "What I'm working on" in default.stdout


def test_cli_push(cli_library: Path, json_server: JsonServer):  # noqa: F811
    from reader.config import Settings

    settings = Settings(buttondown_api_key="k", buttondown_base_url=json_server.url("/v1"))
    settings.save(cli_library)
    json_server.routes["/v1/emails"] = lambda _p: (422, {"detail": "subject too long"})
    failed = _reader(cli_library, "digest", "--push")
    assert (
        failed.exit_code == 1
        and "HTTP 422" in failed.stderr
        and "subject too long" in failed.stderr
    )
    json_server.routes["/v1/emails"] = lambda _p: (201, {"id": "em_7"})
    [entry] = json.loads(_reader(cli_library, "digest", "list", "--json").stdout)
    pushed = _reader(cli_library, "digest", "push", str(entry["id"]))
    assert pushed.exit_code == 0 and "draft em_7 (not sent)" in pushed.stderr


def test_window_label_spans_months(utc_zone):
    window = Window(datetime(2026, 11, 28, tzinfo=UTC), datetime(2026, 12, 5, tzinfo=UTC))
    assert window.label() == "28 November – 4 December 2026"
    assert os.environ["TZ"] == "UTC"


def _stored_themes(ctx, themes: list[dict], rows: list[tuple[int, int, float]]) -> list[int]:
    """Themes saved the way the themes work saves them, with article strengths."""
    import numpy as np

    from reader.storage.themes import ThemeStore

    store = ThemeStore(ctx.db)
    run = store.insert_run(
        model="m",
        dimension=4,
        kind="full",
        config={},
        metrics={},
        why="",
        n_articles=0,
        n_chunks=0,
        weights={"w": np.zeros(1)},
        parent_id=None,
    )
    ids = []
    for theme in themes:
        values = {
            "run_id": run,
            "latent": len(ids),
            "level": "broad",
            "label": "x",
            "keywords": [],
            "hidden": 0,
            "density": 0.1,
            "max_activation": 1.0,
            "mean_activation": 0.5,
            "coherence": 0.5,
            "n_articles": 1,
            "created_run_id": run,
            "is_new": 1,
        }
        ids.append(store.save_theme({**values, **theme}))
    store.activate(run)
    store.replace_activations([], [(a, ids[t], s, s, 1) for a, t, s in rows])
    return ids


def test_stored_themes_use_visible_broad_themes_and_their_titles(library):
    from reader.services.digest.service import StoredThemes

    ctx, ids, _themes = library
    theme_ids = _stored_themes(
        ctx,
        [
            {"label": "garden soil"},
            {"label": "bridge steel", "name": "Bridges, my name"},
            {"label": "generic", "hidden": 1},
            {"label": "fine detail", "level": "fine"},
        ],
        [
            (ids["garden1"], 0, 0.9),
            (ids["garden2"], 0, 0.8),
            (ids["bridge4"], 1, 0.9),
            (ids["bridge5"], 1, 0.7),
            (ids["garden3"], 2, 0.95),
            (ids["garden3"], 3, 0.9),
        ],
    )
    source = StoredThemes(ctx)
    assert source.section_labels() == {
        theme_ids[0]: "garden soil",
        theme_ids[1]: "Bridges, my name",
    }
    # Hidden themes are left out; fine ones are there but never head a section.
    assert source.strengths([ids["garden3"]]) == {ids["garden3"]: [(theme_ids[3], 0.9)]}
    draft = DigestService(ctx, embedder=FakeEmbedder()).draft(now=NOW)
    assert [s["label"] for s in draft.data["sections"]] == ["garden soil", "Bridges, my name"]
    # garden3's only themes are hidden or fine: it is read, so it is under "Also read".
    assert {a["id"] for a in draft.data["also_read"]} == {ids["garden3"], ids["bare"]}


@pytest.mark.slow
def test_cli_end_to_end_with_the_real_model(reader_home: Path, tmp_path: Path):
    from reader.services.context import LibraryContext

    ctx = LibraryContext(reader_home)
    now = datetime.now(UTC)
    _add(
        ArticleStore(ctx.db),
        1,
        read=now - timedelta(days=1),
        added=now - timedelta(days=2),
        title="Rivers",
        site="Example",
        word_count=120,
        text=GARDEN_TEXT.replace("gardens", "rivers").replace("garden", "river"),
    )
    ctx.close()
    out = tmp_path / "digest.md"
    result = _reader(reader_home, "digest", "--out", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text("utf-8")
    item = text[text.index("- [Rivers](https://example.org/1) · Example · 1 min") :]
    summary = [line for line in item.splitlines()[1:] if line.strip()][0]
    assert summary.startswith("  ") and "river" in summary.lower()
    assert "bus was late" not in text
