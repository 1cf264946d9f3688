"""How search hits look: article text stays text, the title bold, the matches marked."""

from __future__ import annotations

from textual.content import Content

from reader.services.search.ranking import SearchHit
from reader.tui.format import search_hit


def test_a_hit_is_title_meta_and_marked_snippet():
    hit = SearchHit(article_id=12, title="Oil [b]prices[/b] \x1b[2J rise", url="https://x.example/1",
                    state="unread", site="x.example", added_at=None, score=1.0,
                    snippet="oil prices rose again", spans=[(0, 3), (4, 10)])
    content = search_hit(hit)
    head, snippet, _ = content.plain.split("\n")
    assert head.startswith("Oil [b]prices[/b]") and "\x1b" not in head
    assert head.endswith("#12 · x.example · unread")
    assert snippet == "oil prices rose again"
    styles = {(content.plain[s.start:s.end], str(s.style)) for s in content.spans}
    title = head.rsplit("  #12", 1)[0]
    assert (title, "b") in styles
    assert ("#12 · x.example · unread", "dim") in styles
    assert ("oil", "bold $text-accent") in styles and ("prices", "bold $text-accent") in styles
    assert isinstance(content, Content)


def test_library_columns_leave_the_title_the_free_width():
    from reader.tui.screens.library_columns import column_layout, header_text

    for width in (80, 100, 120, 160, 200):
        for digits in (1, 3, 5, 6):
            layout = dict(column_layout(width, digits))
            assert layout["id"] == max(3, digits)  # every id shown whole, "Id ↓" fits
            others = sum(w + 2 for key, w in layout.items() if key != "title")
            assert others + layout["title"] + 2 + 6 == width  # nothing left over
            for key, w in layout.items():
                for arrow in ("", "↓"):
                    text = header_text(key, w, arrow)
                    assert len(text) <= w or key == "title"
                    assert arrow in text
    narrow = dict(column_layout(80, 3))
    assert narrow["title"] >= 30 and header_text("reading_time", narrow["reading_time"]) == "Read time"
    wide = dict(column_layout(200, 5))
    assert header_text("reading_time", wide["reading_time"]) == "Reading time"
    assert header_text("title", wide["title"], "↑") == "Title ↑"
