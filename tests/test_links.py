"""The link finder: outbound links kept, everything else skipped with a reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.errors import BadInput
from reader.fetch.links import FoundLink, find_links

DATA = Path(__file__).parent / "data" / "imports"


def reasons(skipped) -> dict[str, str]:
    return {s.where: s.message for s in skipped}


def test_html_newsletter() -> None:
    html = (DATA / "newsletter.html").read_text("utf-8")
    found, skipped = find_links(html, kind="html")
    assert found == [
        FoundLink("https://marsh.example/salt-marshes-breathe?utm_source=tidewater&utm_medium=email",
                  "How salt marshes breathe"),
        FoundLink("https://cartography.example/2024/05/why-every-map-lies/",
                  "Why every map lies a little"),
        FoundLink("https://kitchen.example/recipes/seaweed-butter", "Seaweed butter, two ways"),
    ]  # fmt: skip
    why = reasons(skipped)
    assert why["https://tidewater.example/issues/42?view=web"].startswith("a 'view in browser'")
    assert why["https://tidewater.example/"] == "navigation (in the page header)"
    # relative nav links resolve against the page's canonical URL
    assert why["https://tidewater.example/about"] == "navigation (in the page's <nav>)"
    assert why["https://tidewater.example/archive"].startswith("navigation")
    assert why["https://marsh.example/salt-marshes-breathe"] == "a duplicate of an earlier link"
    assert why["https://cartography.example/2024/05/why-every-map-lies/?fbclid=IwAR0abc"] == (
        "a duplicate of an earlier link"
    )
    for share in ("https://twitter.com/intent/tweet?url=https%3A%2F%2Fmarsh.example",
                  "https://www.facebook.com/sharer/sharer.php?u=https%3A%2F%2Fmarsh.example",
                  "https://www.linkedin.com/shareArticle?mini=true&url=https%3A%2F%2Fmarsh.example"):  # fmt: skip
        assert why[share] == "a social-share link"
    assert why["#footnote-1"] == "an anchor within the document"
    assert why["https://tidewater.example/notes/seaweed"] == "a link to the newsletter's own site"
    assert why["mailto:editor@tidewater.example"] == "a mailto: link"
    assert why["https://images.example/photos/seaweed.png"] == "an image, not an article"
    assert "home page" in why["https://kitchen.example/"]
    assert "javascript:" in why["javascript:void(0)"]
    assert why["https://tidewater.example/account/preferences"] == "a subscription-preferences link"
    assert why["https://mailer.example/unsubscribe?u=abc&id=42"] == "an unsubscribe link"
    assert why["https://twitter.com/tidewaterletter"] == "navigation (in the page footer)"
    assert why["https://owls.example/a-post-in-the-footer"] == "navigation (in the page footer)"
    assert len(skipped) == 20


def test_markdown_newsletter() -> None:
    markdown = (DATA / "newsletter.md").read_text("utf-8")
    found, skipped = find_links(markdown, kind="markdown")
    assert [(link.url, link.title) for link in found] == [
        ("https://bees.example/honeycomb-geometry?utm_source=fieldnotes",
         "The geometry of honeycombs"),
        ("https://en.wikipedia.org/wiki/Voronoi_diagram_(mathematics)",
         "Wikipedia on the Voronoi diagram"),
        ("https://pencils.example/history", "history of the pencil"),
        ("https://pencils.example/erasers", "eraser"),
        ("https://ink.example/iron-gall-ink", None),
        ("https://stone.example/dry-stone-walls", "A bare link"),
        ("https://pottery.example/firing-schedules", "Thumbnail of a kiln"),
        ("https://html.example/raw-anchor", "A raw HTML anchor"),
    ]  # fmt: skip
    why = reasons(skipped)
    # the front matter's url names the newsletter; its own links are self links
    assert why["https://fieldnotes.example/7"].startswith("a 'view in browser'")
    assert why["https://bees.example/honeycomb-geometry"] == "a duplicate of an earlier link"
    assert why["https://bees.example/images/bee.jpg"] == "an image, not an article"
    assert why["https://fieldnotes.example/archive"].startswith("navigation")
    assert why["https://fieldnotes.example/unsubscribe?token=xyz"] == "an unsubscribe link"
    assert why["https://fieldnotes.example/"].startswith("navigation")
    assert not any("api.example" in s.where or "code.example" in s.where for s in skipped)
    assert len(skipped) == 6


def test_plain_text_newsletter() -> None:
    text = (DATA / "newsletter.txt").read_text("utf-8")
    found, skipped = find_links(text, kind="text")
    assert found == [
        FoundLink("https://time.example/clockwise-origins", "Why clocks run clockwise"),
        FoundLink("https://sea.example/52-hertz-whale", "The loneliest whale"),
        FoundLink("https://www.knots.example/bowline-variations", "a knot for every day"),
    ]
    why = reasons(skipped)
    assert why["https://time.example/clockwise-origins?utm_campaign=oddities"].startswith(
        "a duplicate"
    )
    assert "subscribe" in why["https://oddities.example/subscribe"]
    assert why["https://oddities.example/unsubscribe/abc123"] == "an unsubscribe link"


def test_base_url_resolves_relative_links_and_marks_self_links() -> None:
    html = """<p><a href="/2024/other-issue">Last week</a>
              <a href="https://www.letter.example/posts/older">An older post</a>
              <a href="https://elsewhere.example/essay">An essay</a>
              <a href="essays/relative">Relative on elsewhere</a></p>"""
    found, skipped = find_links(html, kind="html", base_url="https://letter.example/issues/9")
    assert [link.url for link in found] == ["https://elsewhere.example/essay"]
    why = reasons(skipped)
    assert why["https://letter.example/2024/other-issue"] == "a link to the newsletter's own site"
    assert why["https://www.letter.example/posts/older"] == "a link to the newsletter's own site"
    assert why["https://letter.example/issues/essays/relative"].endswith("own site")


def test_relative_links_without_a_base_are_skipped_with_a_reason() -> None:
    found, skipped = find_links('<a href="/posts/x">x</a>', kind="html")
    assert found == []
    assert skipped[0].message == "a relative link, and no base URL to resolve it against"


def test_base_element_sets_the_base() -> None:
    html = '<head><base href="https://docs.example/guide/"></head><a href="part-2">Part two</a>'
    found, _ = find_links(html, kind="html")
    assert found == [FoundLink("https://docs.example/guide/part-2", "Part two")]


def test_an_image_link_first_then_a_text_link_keeps_the_words() -> None:
    html = """<a href="https://a.example/story"><img src="https://a.example/s.jpg"></a>
              <a href="https://a.example/story?utm_source=x">The story</a>"""
    found, skipped = find_links(html, kind="html")
    assert found == [FoundLink("https://a.example/story", "The story")]
    assert [s.message for s in skipped] == ["a duplicate of an earlier link"]


def test_article_titles_that_mention_unsubscribing_are_kept() -> None:
    html = """<a href="https://essays.example/why-i-unsubscribed">Why I finally unsubscribe from
              everything and you might too, a long essay</a>
              <a href="https://essays.example/preferences-of-cats">How cats show their preferences</a>"""
    found, _ = find_links(html, kind="html")
    assert len(found) == 2


@pytest.mark.parametrize(
    ("text", "href", "reason"),
    [
        ("Unsubscribe", "https://esp.example/u/123", "an unsubscribe link"),
        ("click here to unsubscribe", "https://esp.example/x", "an unsubscribe link"),
        ("Opt out", "https://esp.example/x", "an unsubscribe link"),
        ("x", "https://esp.example/optout?id=1", "an unsubscribe link"),
        ("Update your preferences", "https://esp.example/p/1", "a subscription-preferences link"),
        ("Manage subscription", "https://esp.example/m", "a subscription-preferences link"),
        ("View in browser", "https://esp.example/v/1", "a 'view in browser' link to this same newsletter"),
        ("Read online", "https://esp.example/v/1", "a 'view in browser' link to this same newsletter"),
        ("Home", "https://site.example/home-page", "navigation (a link reading 'home')"),
        ("Subscribe now →", "https://site.example/join", "navigation (a link reading 'subscribe now')"),
        ("Share", "https://reddit.com/submit?url=x", "a social-share link"),
        ("", "https://news.ycombinator.com/submitlink?u=x", "a social-share link"),
        ("WhatsApp", "https://wa.me/?text=hello", "a social-share link"),
        ("Mastodon", "https://mastodon.social/@letter", "a social-media profile, not an article"),
        ("pixel", "https://pixel.esp.example/o/1", "a tracking pixel"),
        ("logo", "https://cdn.example/logo.svg", "an image, not an article"),
        ("Jobs", "https://site.example/careers", "not an article (the site's /careers page, not an article)"),
    ],
)  # fmt: skip
def test_skip_rules(text: str, href: str, reason: str) -> None:
    found, skipped = find_links(f'<p><a href="{href}">{text}</a></p>', kind="html")
    assert found == []
    assert [(s.where, s.message) for s in skipped] == [(href, reason)]


def test_structural_blocks_by_class_and_role() -> None:
    html = """<div class="mcnFooterContainer"><a href="https://x.example/a1">A</a></div>
              <div role="navigation"><a href="https://x.example/a2">B</a></div>
              <aside class="sidebar"><a href="https://x.example/a3">C</a></aside>
              <div class="story-header"><a href="https://x.example/a4">A real story</a></div>"""
    found, skipped = find_links(html, kind="html")
    assert [link.url for link in found] == ["https://x.example/a4"]
    assert [s.message for s in skipped] == [
        "navigation (in a 'mcnfootercontainer' block)",
        "navigation (in a navigation bar)",
        "navigation (in a 'sidebar' block)",
    ]


def test_markdown_reference_links_and_code_are_handled() -> None:
    markdown = """See [the report][r1] and [r2].

    indented code is text: https://indented.example/kept

~~~
https://fenced.example/ignored
~~~

[r1]: https://reports.example/annual-2024 'Annual report'
[r2]: https://reports.example/summary
"""
    found, _ = find_links(markdown, kind="markdown")
    assert [(link.url, link.title) for link in found] == [
        ("https://reports.example/annual-2024", "the report"),
        ("https://reports.example/summary", "r2"),
        ("https://indented.example/kept", "indented code is text"),
    ]


def test_bare_urls_lose_trailing_punctuation_but_keep_balanced_brackets() -> None:
    text = ('Read https://a.example/x. And (https://b.example/y), then "https://c.example/z"! '
            "Also https://w.example/wiki/Thing_(disambiguation); done.")  # fmt: skip
    found, _ = find_links(text, kind="text")
    assert [link.url for link in found] == [
        "https://a.example/x",
        "https://b.example/y",
        "https://c.example/z",
        "https://w.example/wiki/Thing_(disambiguation)",
    ]


def test_xhtml_with_an_encoding_declaration() -> None:
    xhtml = '<?xml version="1.0" encoding="UTF-8"?><html><body><a href="https://a.example/x">X</a>'
    assert find_links(xhtml, kind="html")[0] == [FoundLink("https://a.example/x", "X")]


def test_empty_and_linkless_documents() -> None:
    for kind in ("html", "markdown", "text"):
        assert find_links("", kind=kind) == ([], [])
        assert find_links("no links here", kind=kind) == ([], [])


def test_unknown_kind_is_bad_input() -> None:
    with pytest.raises(BadInput, match="unknown document kind"):
        find_links("x", kind="pdf")
