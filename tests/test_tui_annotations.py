"""Highlights are passages of the text (kept by offsets); notes and highlights edit and delete."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from textual.geometry import Offset
from textual.selection import Selection

from reader.cli import main
from reader.errors import BadInput, NotFound
from reader.services.library.annotations import Annotations, locate, sentences
from reader.tui.app import make_app
from reader.tui.article_text import Paragraph, paragraphs
from reader.tui.screens.modals import Confirm, TextPrompt
from tests.test_tui import ids_by_title, make_library, panel_text, queue, settle, titles

SIZE = (120, 36)


@pytest.fixture
def library(ctx, tmp_path):
    return make_library(ctx, tmp_path)


def test_locate_finds_a_passage_across_line_breaks_and_case():
    text = "One two\nthree four.\n\nFive six. One two three."
    assert locate(text, "two three") == (4, 13)
    assert text[slice(*locate(text, "TWO   THREE four"))] == "two\nthree four"
    # The match nearest the hint wins when a passage occurs twice.
    start, end = locate(text, "One two three", near=len(text))
    assert text[start:end] == "One two three" and start > 20
    with pytest.raises(BadInput, match="not in the article"):
        locate(text, "seven")


def test_sentences_and_paragraphs_keep_offsets():
    text = "First one. Second? Third!\n\nNew paragraph here."
    spans = sentences(text)
    assert [text[a:b] for a, b in spans] == ["First one.", "Second?", "Third!", "New paragraph here."]
    assert [text[a:b] for a, b in paragraphs(text)] == ["First one. Second? Third!",
                                                        "New paragraph here."]


def test_highlights_by_offsets_and_by_quote_edit_and_delete(ctx, library):
    hedges = ids_by_title(library)["Why hedgerows matter"]
    notes = Annotations(ctx)
    text = library.get(hedges).text
    start = text.index("A single")
    article = notes.highlight(hedges, start - 1, start + 20, note="  first ")  # trims spaces
    h = article.highlights[0]
    assert (h.text, h.start_char, h.end_char, h.note) == (text[start:start + 20], start,
                                                          start + 20, "first")
    article = notes.highlight_passage(hedges, "laying   MEANS cutting")
    quoted = article.highlights[-1]
    assert text[quoted.start_char:quoted.end_char] == quoted.text == "Laying means cutting"
    with pytest.raises(BadInput):
        notes.highlight_passage(hedges, "not in this article at all")
    with pytest.raises(BadInput, match="outside"):
        notes.highlight(hedges, 0, len(text) + 5)

    article = notes.edit_highlight(h.id, note="changed")
    assert next(x for x in article.highlights if x.id == h.id).note == "changed"
    assert next(x for x in article.highlights if x.id == h.id).updated_at
    article = notes.delete_highlight(h.id)
    assert [x.id for x in article.highlights] == [quoted.id]
    with pytest.raises(NotFound):
        notes.delete_highlight(h.id)

    article = library.note(hedges, "a note")
    note_id = article.notes[0].id
    assert notes.edit_note(note_id, "better note").notes[0].text == "better note"
    with pytest.raises(BadInput):
        notes.edit_note(note_id, "  ")
    assert notes.delete_note(note_id).notes == []


def test_cli_lists_adds_edits_and_deletes(ctx, library, reader_home):
    hedges = ids_by_title(library)["Why hedgerows matter"]
    runner = CliRunner()
    home = ["--home", str(reader_home)]
    done = runner.invoke(main, [*home, "highlights", "add", str(hedges), "oldest managed habitat"])
    assert done.exit_code == 0, done.output
    done = runner.invoke(main, [*home, "highlights", "list", str(hedges), "--json"])
    rows = __import__("json").loads(done.stdout)
    assert rows[0]["text"] == "oldest managed habitat"
    hid = rows[0]["id"]
    assert runner.invoke(main, [*home, "highlights", "edit", str(hid), "--note", "why"]).exit_code == 0
    bad = runner.invoke(main, [*home, "highlights", "add", str(hedges), "no such words here"])
    assert bad.exit_code == 1 and "not in the article" in bad.output
    # Deleting with no terminal to ask needs --yes.
    assert runner.invoke(main, [*home, "highlights", "delete", str(hid)]).exit_code == 2
    assert runner.invoke(main, [*home, "highlights", "delete", str(hid), "--yes"]).exit_code == 0
    assert runner.invoke(main, [*home, "highlights", "delete", str(hid), "--yes"]).exit_code == 1

    assert runner.invoke(main, [*home, "note", str(hedges), "old form still works"]).exit_code == 0
    listed = runner.invoke(main, [*home, "notes", "list"])
    assert "old form still works" in listed.stdout
    nid = int(listed.stdout.split("\t")[0])
    assert runner.invoke(main, [*home, "notes", "edit", str(nid), "new words"]).exit_code == 0
    assert library.get(hedges).notes[0].text == "new words"
    assert runner.invoke(main, [*home, "notes", "delete", str(nid), "--yes"]).exit_code == 0
    assert library.get(hedges).notes == []


def at(text: str, index: int) -> Offset:
    """The (column, line) of a character, as a selection gives it."""
    line = text.count("\n", 0, index)
    return Offset(index - (text.rfind("\n", 0, index) + 1), line)


async def open_hedges(pilot) -> None:
    await settle(pilot)
    queue(pilot.app).move_cursor(row=titles(pilot.app).index("Why hedgerows matter"))
    await pilot.press("enter")
    await settle(pilot)


async def test_a_mouse_selection_becomes_a_highlight_of_that_text(ctx, library):
    hedges = ids_by_title(library)["Why hedgerows matter"]
    app = make_app(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await open_hedges(pilot)
        paragraph = next(p for p in app.screen.query(Paragraph) if "kilometre" in p.source)
        lo = at(paragraph.shown, paragraph.shown.index("A single"))
        hi = at(paragraph.shown, paragraph.shown.index(" can shelter"))
        # The passage crosses a soft line break of the source, shown as a space.
        assert "single\nkilometre" in paragraph.source and lo.y == hi.y
        # What a mouse drag leaves: a selection in the widget's own lines and columns.
        app.screen.selections = {paragraph: Selection(lo, hi)}
        await pilot.press("h")
        await settle(pilot)
        assert "A single kilometre of mixed hawthorn" in panel_text(app)
    text = library.get(hedges).text
    (passage, start, end), = ctx.db.execute(
        "select text, start_char, end_char from highlights where article_id = ?", [hedges]
    ).fetchall()
    assert text[start:end] == passage
    assert passage.startswith("A single\nkilometre") and passage.endswith("blackthorn")


async def test_notes_and_highlights_edit_and_delete_in_the_ui(ctx, library):
    hedges = ids_by_title(library)["Why hedgerows matter"]
    Annotations(ctx).highlight_passage(hedges, "oldest managed habitat")
    library.note(hedges, "first thought")
    app = make_app(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await open_hedges(pilot)
        await pilot.press("tab")  # into the notes panel
        panel = app.screen.query_one("#article-notes")
        assert panel.has_focus
        while panel.get_option_at_index(panel.highlighted).id != f"note-{library.get(hedges).notes[0].id}":
            await pilot.press("j")
        await pilot.press("e")
        assert isinstance(app.screen, TextPrompt)
        app.screen.query_one("#prompt-input").value = "second thought"
        await pilot.press("enter")
        await settle(pilot)
        assert "second thought" in panel_text(app)

        await pilot.press("g")  # the first highlight (the heading is not selectable)
        assert panel.get_option_at_index(panel.highlighted).id.startswith("highlight-")
        await pilot.press("e")
        app.screen.query_one("#prompt-input").value = "habitat!"
        await pilot.press("enter")
        await settle(pilot)
        assert "habitat!" in panel_text(app)
        await pilot.press("d")
        assert isinstance(app.screen, Confirm)
        await pilot.press("y")
        await settle(pilot)
        assert "Highlights (0)" in panel_text(app)
    assert library.get(hedges).notes[0].text == "second thought"
    assert library.get(hedges).highlights == []


def test_extracted_web_text_has_a_paragraph_per_line():
    text = "First paragraph. Still first.\nSecond paragraph.\n  \nThird."
    # A blank line anywhere means Markdown-like text: blank lines separate, single breaks wrap.
    assert [text[a:b] for a, b in paragraphs(text)] == [
        "First paragraph. Still first.\nSecond paragraph.", "Third."]
    web = "First paragraph. Still first.\nSecond paragraph.\nThird."
    assert [web[a:b] for a, b in paragraphs(web)] == [
        "First paragraph. Still first.", "Second paragraph.", "Third."]
    assert [web[a:b] for a, b in sentences(web)][:2] == ["First paragraph.", "Still first."]


def test_a_paragraph_with_control_characters_maps_selections_to_the_source():
    source = "Safe \x1b[2Jtext with\x07 a bell and a soft\nwrap."
    paragraph = Paragraph(source, 100)
    assert "\x1b" not in paragraph.shown and "\x07" not in paragraph.shown
    lo = paragraph.shown.index("text")
    hi = paragraph.shown.index(" a bell")
    start, end = paragraph.selected_span(Selection(Offset(lo, 0), Offset(hi, 0)))
    assert source[start - 100:end - 100].replace("\x07", "") == "text with"


def test_a_heading_glued_to_the_paragraph_before_it_stands_apart():
    from reader.tui.article_text import blocks

    text = "Title\n\nFirst paragraph\nwrapped.\nA heading\n\nNext paragraph."
    shown = [(text[a:b], heading) for a, b, heading in blocks(text, {"Title", "A heading"})]
    assert shown == [("Title", True), ("First paragraph\nwrapped.", False), ("A heading", True),
                     ("Next paragraph.", False)]


def test_quotes_and_code_blocks_are_styled_and_selections_keep_their_offsets():
    from reader.tui.article_text import quoted_and_code

    markdown = ("# Title\n\nIntro words here.\n\n> A quoted line\n> that goes on.\n>\n> And a second.\n\n"
                "```python\ndef f():\n    return 1\n```\n\nAfter.")
    kinds = quoted_and_code(markdown)
    assert kinds == {"A quoted line that goes on.": "quote", "And a second.": "quote",
                     "def f(): return 1": "code"}
    assert quoted_and_code(None) == {} and quoted_and_code("Plain > not a quote.") == {}
    text = "Intro words here.\n\nA quoted line\nthat goes on.\n\ndef f():\n    return 1\n\nAfter."
    at = text.index("def f")
    code = Paragraph(text[at:text.index("\n\nAfter")], at, kind="code")
    assert code.has_class("-code") and code.shown == "def f():\n    return 1"  # breaks kept
    quote_at = text.index("A quoted")
    quote = Paragraph("A quoted line\nthat goes on.", quote_at, kind="quote")
    assert quote.has_class("-quote") and quote.shown == "A quoted line that goes on."
    lo = code.shown.index("return")
    start, end = code.selected_span(Selection(Offset(4, 1), Offset(12, 1)))
    assert text[start:end] == "return 1" and lo == code.shown.index("return")
    start, end = quote.selected_span(Selection(Offset(2, 0), Offset(13, 0)))
    assert text[start:end] == "quoted line"
