"""Boilerplate: lines a site repeats are found per site and kept out of chunks and summaries."""

from __future__ import annotations

from reader.ml.boilerplate import boilerplate_spans, repeated_keys, strip_boilerplate
from reader.ml.chunking import chunk_article
from reader.ml.embedder import FakeEmbedder
from reader.services.search.boilerplate import SiteBoilerplate, site_of
from reader.services.search.indexing import index_pending
from reader.storage.articles import ArticleStore

SIGNUP = "Subscribe to The Weekly Letter to get every issue in your inbox."
TOPICS = ["rivers", "bridges", "kilns", "gardens", "lichens", "ferries"]


def body(topic: str) -> str:
    return "\n".join(
        f"Paragraph {i} is about {topic}: the {topic} of the valley changed in year {1900 + i} "
        f"and people wrote about {topic} for a long time afterwards."
        for i in range(4)
    )


def issue(topic: str, names: str) -> str:
    return f"{body(topic)}\n{SIGNUP}\nThanks to {names} for reading drafts of this.\n"


def test_repeated_lines_and_templated_thanks_are_found() -> None:
    texts = [issue("rivers", "Ann Lee"), issue("kilns", "Bo Park and Cy Ode"), issue("moss", "Di")]
    keys = repeated_keys(texts)
    spans = boilerplate_spans(texts[1], keys)
    found = [texts[1][s:e] for s, e in spans]
    assert found == [SIGNUP, "Thanks to Bo Park and Cy Ode for reading drafts of this."]
    stripped = strip_boilerplate(texts[1], keys)
    assert SIGNUP not in stripped and "Paragraph 3 is about kilns" in stripped
    # two articles are not enough to call anything boilerplate
    assert repeated_keys(texts[:2]) == set()


def test_an_article_that_is_mostly_repeated_lines_is_left_whole() -> None:
    same = "One line that repeats everywhere on this site.\nAnother repeated line, also everywhere."
    keys = repeated_keys([same, same, same + "\nA short line of its own."])
    assert boilerplate_spans(same, keys) == []


def test_chunks_skip_the_spans_and_never_cross_them() -> None:
    text = issue("rivers", "Ann Lee")
    keys = repeated_keys([text, issue("kilns", "Bo"), issue("moss", "Cy")])
    skip = boilerplate_spans(text, keys)
    chunks = chunk_article("T", text, FakeEmbedder(max_tokens=256), budget=254, skip=skip)
    joined = " ".join(c.text for c in chunks)
    assert SIGNUP not in joined and "reading drafts" not in joined
    assert "Paragraph 3 is about rivers" in joined
    for chunk in chunks:
        assert not any(chunk.start < e and s < chunk.end for s, e in skip)


def test_site_of() -> None:
    assert site_of("https://www.Example.org/a") == "example.org"
    assert site_of("file:///home/me/a.md") is None
    assert site_of(None) is None


def test_indexing_leaves_a_sites_boilerplate_out_and_rechunks_when_it_appears(ctx) -> None:
    store = ArticleStore(ctx.db)
    fake = FakeEmbedder(dimension=32, max_tokens=64)

    def add(url: str, text: str) -> int:
        return store.insert(url=url, canonical_url=url, title=url, text=text, state="unread",
                            fetch_state="provided")

    first = add("https://letter.example/1", issue("rivers", "Ann"))
    add("https://letter.example/2", issue("kilns", "Bo"))
    add("https://other.example/1", issue("gardens", "Cy"))  # another site: does not count
    index_pending(ctx, embedder=fake)
    chunk_texts = [r[0] for r in ctx.db.execute("select text from chunks where article_id = ?", [first])]
    assert any(SIGNUP in t for t in chunk_texts)  # two articles: not boilerplate yet

    third = add("https://letter.example/3", issue("lichens", "Di"))
    report = index_pending(ctx, embedder=fake)
    assert report.articles_chunked == 3  # the new one, and the two whose boilerplate changed
    for article_id in (first, third):
        texts = [r[0] for r in ctx.db.execute("select text from chunks where article_id = ?", [article_id])]
        assert texts and not any(SIGNUP in t or "reading drafts" in t for t in texts)
    assert SIGNUP in store.get(first).text  # the stored text keeps it
    assert SiteBoilerplate(ctx.db).keys("other.example") == frozenset()
    assert index_pending(ctx, embedder=fake).articles_chunked == 0
