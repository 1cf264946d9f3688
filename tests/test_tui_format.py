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
