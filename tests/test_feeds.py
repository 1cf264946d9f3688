"""Feed parsing: RSS 2.0, RSS 1.0 and Atom, safely."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.errors import ImportFormatError
from reader.fetch.feeds import parse_feed
from reader.models import ImportProblem

DATA = Path(__file__).parent / "data" / "imports"


def test_rss2() -> None:
    problems: list[ImportProblem] = []
    info, items = parse_feed((DATA / "rss2.xml").read_bytes(), "https://tides.example/feed.xml",
                             problems)  # fmt: skip
    assert info == {"url": "https://tides.example/feed.xml", "title": "Tide Tables Weekly",
                    "site_url": "https://tides.example/"}  # fmt: skip
    assert [item.url for item in items] == [
        "https://tides.example/posts/spring-and-neap?utm_source=rss",
        "https://tides.example/posts/relative-link",  # resolved against the feed URL
        "https://tides.example/posts/guid-only",  # a permalink guid stands in for the link
        "https://tides.example/posts/the-real-link",  # FeedBurner's original link
    ]  # the last item repeats the first (same canonical URL) and is merged into it
    first, second, third, _ = items
    assert first.title == "Spring tides & neap tides"
    assert first.author == "María Costa"  # from "email (Name)"
    assert first.published == "2024-04-02T07:30:00Z"  # RFC 822 with an offset
    assert (first.site, first.language) == ("Tide Tables Weekly", "en-gb")
    assert (second.author, second.published) == ("Jon Ferreira", "2024-04-09T08:00:00Z")
    assert third.published is None
    assert [(p.where, p.message) for p in problems] == [
        ("item 3", "published: unreadable date 'a day in April'; left empty"),
        ("item 5", "an item without a link; left out"),
    ]


def test_rss1_rdf() -> None:
    info, items = parse_feed((DATA / "rss1.rdf").read_bytes(), "https://owlnotes.example/index.rdf")
    assert info["title"] == "Owl notes" and info["site_url"] == "https://owlnotes.example/"
    assert [(i.url, i.title, i.author, i.published) for i in items] == [
        ("https://owlnotes.example/barn-owl", "The barn owl's heart-shaped face", "Ada Brennan",
         "2024-01-15T17:45:00Z"),
        ("https://owlnotes.example/tawny-owl", 'Tawny owls do not say "twit-twoo" alone', None,
         "2024-01-20T00:00:00Z"),  # no <link>: rdf:about is the item's address
    ]  # fmt: skip
    assert items[0].language == "en"


def test_atom_with_xml_base() -> None:
    problems: list[ImportProblem] = []
    info, items = parse_feed((DATA / "atom.xml").read_bytes(), "https://atelier.example/feed",
                             problems)  # fmt: skip
    assert info == {"url": "https://atelier.example/feed", "title": "L’atelier du verre",
                    "site_url": "https://atelier.example/blog/"}  # fmt: skip
    first, guest = items
    assert first.url == "https://atelier.example/blog/2024/05/souffler-une-bulle"
    assert (first.title, first.author, first.language) == (
        "Souffler une bulle",
        "Claire Dubois",
        "fr",
    )
    assert first.published == "2024-05-01T07:00:00Z"  # published wins over updated
    assert guest.url == "https://guest.example/posts/annealing"  # the entry's own xml:base
    assert (guest.title, guest.author, guest.language) == ("A guest post", "Guest Writer", "en")
    assert guest.published == "2024-04-20T16:00:00Z"  # falls back to updated
    assert [p.message for p in problems] == ["an item without a link; left out"]


def test_text_input_with_an_encoding_declaration_and_latin1_bytes() -> None:
    text = ('<?xml version="1.0" encoding="ISO-8859-1"?><rss version="2.0"><channel>'
            "<title>Café Ñandú</title><link>https://c.example/</link>"
            "<item><title>Crème</title><link>https://c.example/creme</link></item>"
            "</channel></rss>")  # fmt: skip
    info, items = parse_feed(text, "https://c.example/rss")
    assert info["title"] == "Café Ñandú" and items[0].title == "Crème"
    info, items = parse_feed(text.encode("latin-1"), "https://c.example/rss")
    assert info["title"] == "Café Ñandú" and items[0].title == "Crème"


def test_slightly_broken_feeds_are_recovered() -> None:
    broken = ("<rss version='2.0'><channel><title>Fish & Chips</title>"
              "<item><title>Cod &nbsp;and haddock</title><link>https://fish.example/cod</link></item>"
              "</channel></rss>")  # fmt: skip
    info, items = parse_feed(broken, "https://fish.example/rss")
    assert items[0].url == "https://fish.example/cod"
    assert items[0].title == "Cod and haddock"


def test_external_entities_are_never_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE", "utf-8")
    feed = f"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>
<rss version="2.0"><channel><title>t &xxe;</title>
<item><title>item &xxe;</title><link>https://x.example/a</link></item></channel></rss>"""
    info, items = parse_feed(feed, "https://x.example/rss")
    assert "TOP-SECRET" not in repr(info) + repr(items)
    assert items[0].url == "https://x.example/a"


def test_entity_expansion_bombs_are_not_expanded() -> None:
    lol = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10 if i else "lol"}">' for i in range(10))
    feed = (f'<?xml version="1.0"?><!DOCTYPE rss [{lol}]><rss version="2.0"><channel>'
            "<title>&l9;</title><item><title>x</title><link>https://x.example/b</link></item>"
            "</channel></rss>")  # fmt: skip
    info, items = parse_feed(feed, "https://x.example/rss")
    # libxml2 stops at the bomb; what was read before it survives, nothing is expanded
    assert len(info["title"] or "") < 100
    assert all(len(item.title or "") < 100 for item in items)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("<!DOCTYPE html><html><head><title>A page</title></head><body>Hi</body></html>",
         "HTML page"),
        ("<opml version='2.0'><body/></opml>", "root is <opml>"),
        ("just some text, not XML", "not XML"),
        ("", "not XML"),
        ("<rss version='2.0'><nothing/></rss>", "without a <channel>"),
    ],
)  # fmt: skip
def test_documents_that_are_not_feeds(document: str, message: str) -> None:
    with pytest.raises(ImportFormatError, match=message):
        parse_feed(document, "https://x.example/feed")


def test_an_empty_feed_has_no_items() -> None:
    info, items = parse_feed(
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>Quiet</title></feed>',
        "https://q.example/",
    )
    assert info == {"url": "https://q.example/", "title": "Quiet", "site_url": None}
    assert items == []


def test_rss_091_with_its_dates_and_sanitised_titles() -> None:
    feed = (
        '<?xml version="1.0"?><rss version="0.91"><channel><title>Old <b>school</b></title>'
        "<link>https://old.example/</link><language>en-us</language>"
        "<item><title>&lt;script&gt;alert(1)&lt;/script&gt;Still here</title>"
        "<link>https://old.example/1</link><pubDate>Sun, 19 May 2002 15:21:36 GMT</pubDate></item>"
        "<item><title>Two</title><link>/2</link><pubDate>2002-05-20T10:00:00-05:00</pubDate>"
        "</item></channel></rss>"
    )
    info, items = parse_feed(feed, "https://old.example/rss.xml")
    assert info["title"] == "Old school"
    assert [(i.url, i.published, i.language) for i in items] == [
        ("https://old.example/1", "2002-05-19T15:21:36Z", "en-us"),
        ("https://old.example/2", "2002-05-20T15:00:00Z", "en-us"),
    ]
    assert items[0].title is not None and "<" not in items[0].title
    assert items[0].title.endswith("Still here")
