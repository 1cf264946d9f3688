"""Importers: every format keeps every field its source has; bad rows become problems."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest

from reader.errors import BadInput, ImportFormatError
from reader.fetch.importers import FORMATS, detect_format, read_import
from reader.fetch.importers.common import decode_text, parse_date
from reader.fetch.importers.omnivore import parse_highlights
from reader.models import Highlight, ImportedItem, ImportProblem, Note

DATA = Path(__file__).parent / "data" / "imports"


def by_url(batch) -> dict[str, ImportedItem]:
    return {item.url: item for item in batch.items}


def problems(batch) -> dict[str, str]:
    """where -> messages joined, for compact assertions."""
    out: dict[str, str] = {}
    for problem in batch.problems:
        out[problem.where] = (out.get(problem.where, "") + " | " + problem.message).strip(" |")
    return out


# -- detection -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("pocket.csv", "pocket-csv"),
        ("pocket_export.html", "pocket-html"),
        ("instapaper.csv", "instapaper-csv"),
        ("instapaper_cp1252.csv", "instapaper-csv"),
        ("omnivore", "omnivore"),
        ("bookmarks.html", "netscape"),
        ("feeds.opml", "opml"),
        ("library.jsonl", "jsonl"),
        ("newsletter.html", "document"),
        ("newsletter.md", "document"),
        ("newsletter.txt", "document"),
        ("newsletter.eml", "document"),
    ],
)
def test_detect_format_from_name_and_content(name: str, expected: str) -> None:
    assert detect_format(DATA / name) == expected


def test_detection_sniffs_content_not_just_the_extension(tmp_path: Path) -> None:
    for name, target in [("pocket.csv", "export.txt"), ("feeds.opml", "subs.xml"),
                         ("bookmarks.html", "bookmarks"), ("library.jsonl", "backup.json")]:  # fmt: skip
        shutil.copy(DATA / name, tmp_path / target)
    assert detect_format(tmp_path / "export.txt") == "pocket-csv"
    assert detect_format(tmp_path / "subs.xml") == "opml"
    assert detect_format(tmp_path / "bookmarks") == "netscape"
    assert detect_format(tmp_path / "backup.json") == "jsonl"


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"name,email\nSam,sam@example.com\n", "people.csv", "neither a Pocket nor an Instapaper"),
        (b'<?xml version="1.0"?><rss version="2.0"><channel/></rss>', "feed.xml", "RSS/Atom feed"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "picture.png", "binary file"),
        (b'[{"slug": "x", "savedAt": "2024-01-01"}]', "metadata.json", "JSON file"),
    ],
)
def test_detection_refuses_what_it_cannot_import(
    tmp_path: Path, content: bytes, name: str, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ImportFormatError, match=message):
        read_import(path)


def test_a_folder_or_zip_that_is_not_an_export_is_refused(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    with pytest.raises(ImportFormatError, match="folder"):
        read_import(tmp_path / "folder")
    archive = tmp_path / "random.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("notes.txt", "hello")
    with pytest.raises(ImportFormatError, match="neither an Omnivore nor a Pocket"):
        read_import(archive)


@pytest.mark.parametrize(
    ("name", "format"),
    [
        ("pocket.csv", "instapaper-csv"),
        ("instapaper.csv", "jsonl"),
        ("pocket.csv", "opml"),
        ("library.jsonl", "pocket-html"),
        ("pocket.csv", "netscape"),
        ("pocket.csv", "omnivore"),
        ("feeds.opml", "pocket-csv"),
    ],
)
def test_a_file_that_is_not_its_stated_format_raises(name: str, format: str) -> None:
    with pytest.raises(ImportFormatError) as caught:
        read_import(DATA / name, format)
    assert str(caught.value)  # a message the user can act on


def test_unknown_format_and_missing_file_are_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="unknown import format"):
        read_import(DATA / "pocket.csv", "evernote")
    with pytest.raises(BadInput, match="no such file"):
        read_import(tmp_path / "missing.csv")


def test_format_aliases() -> None:
    assert read_import(DATA / "pocket.csv", "pocket").format == "pocket-csv"
    assert read_import(DATA / "pocket_export.html", "Pocket").format == "pocket-html"
    assert read_import(DATA / "bookmarks.html", "bookmarks").format == "netscape"
    assert read_import(DATA / "newsletter.md", "newsletter").format == "document"
    assert set(FORMATS) >= {"pocket-csv", "omnivore", "jsonl", "document"}


# -- Pocket ----------------------------------------------------------------------------------


def test_pocket_csv_fields() -> None:
    batch = read_import(DATA / "pocket.csv")
    assert batch.format == "pocket-csv"
    items = by_url(batch)
    tide = items[
        "https://shorelines.example/notes/tide-pools?utm_source=pocket_saves&utm_medium=web"
    ]
    # line 5 is the same article (host case, trailing slash, fragment): merged into line 2
    assert tide.title == "Tide pools at low water"
    assert tide.tags == ["nature", "coast", "field-guides"]
    assert tide.state == "archived"  # the more advanced state of the two
    assert tide.added_at == "2023-11-14T19:26:40Z"  # the earlier of the two
    clip = items["https://objects.example/paperclip"]
    assert (clip.state, clip.added_at, clip.tags) == ("archived", "2023-11-14T23:13:20Z", [])
    assert items["https://plain.example/untitled-post"].title is None  # title was the URL
    quoted = items["https://quotes.example/ok"]
    assert quoted.title == 'Quoted, properly "escaped" title' and quoted.tags == ["writing"]
    assert any(s.where == "line 5" and "line 2" in s.message for s in batch.skipped)


def test_pocket_csv_bad_rows_are_problems_and_the_rest_proceeds() -> None:
    batch = read_import(DATA / "pocket.csv")
    found = problems(batch)
    assert "not a URL" in found["line 6"]
    assert "unsupported URL scheme 'javascript:'" in found["line 7"]
    assert "imported the URL only" in found["line 8"]
    assert "yesterday" in found["line 10"]
    assert "favourite" in found["line 11"]
    assert "unbalanced quote" in found["line 12"]
    assert "missing ones are empty" in found["line 14"]
    items = by_url(batch)
    assert items["https://commas.example/essay"].title is None
    assert items["https://dates.example/post"].added_at is None
    assert items["https://status.example/post"].state == "unread"
    # the stray quote on line 12 does not swallow line 13
    assert items["https://stray.example/one"].title == '"Stray quote starts here'
    after = items["https://after.example/two"]
    assert (after.state, after.tags) == ("archived", ["recovered"])
    assert items["https://short.example/three"].title == "Short row"
    assert len(batch.items) == 10


def test_pocket_zip_with_annotations(tmp_path: Path) -> None:
    archive = tmp_path / "pocket.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(DATA / "pocket.csv", "part_000000.csv")
        zf.write(DATA / "pocket_annotations.json", "annotations/part_000000.json")
    assert detect_format(archive) == "pocket-csv"
    batch = read_import(archive)
    items = by_url(batch)
    tide = items[
        "https://shorelines.example/notes/tide-pools?utm_source=pocket_saves&utm_medium=web"
    ]
    assert tide.highlights == [
        Highlight("Anemones close when the tide leaves them.", created_at="2023-11-16T02:00:00Z")
    ]
    assert [h.text for h in items["https://objects.example/paperclip"].highlights] == [
        "The Gem shape was never patented."
    ]
    assert any(p.where.startswith("part_000000.csv line 6") for p in batch.problems)
    assert any(p.where.startswith("annotations/part_000000.json") for p in batch.problems)


def test_pocket_html_fields() -> None:
    batch = read_import(DATA / "pocket_export.html")
    items = by_url(batch)
    lanterns = items["https://lanterns.example/paper-lanterns"]
    assert lanterns.title == "Folding paper lanterns"
    assert (lanterns.state, lanterns.tags) == ("unread", ["craft", "japan"])
    assert lanterns.added_at == "2022-04-15T05:20:00Z"
    rivers = items["https://rivers.example/braided?fbclid=AbC123"]
    assert rivers.tags == ["geography"]  # merged from the duplicate without fbclid
    assert items["https://bread.example/rye"].state == "archived"
    assert items["https://bread.example/rye"].tags == ["baking", "rye"]
    assert len(batch.items) == 4
    assert "mailto:" in problems(batch)["line 12"]


# -- Instapaper ------------------------------------------------------------------------------


def test_instapaper_csv_fields() -> None:
    batch = read_import(DATA / "instapaper.csv")
    items = by_url(batch)
    owls = items["https://owls.example/silent-flight"]
    assert owls.title == "How owls fly silently"
    assert owls.state == "unread"
    assert owls.added_at == "2024-03-09T16:00:00Z"
    assert owls.tags == ["birds", "physics", "Essays", "nature"]  # merged duplicate, line 8
    assert owls.highlights[0].text.startswith("Serrated feathers break up turbulence, so")
    assert items["https://maps.example/portolan"].state == "archived"
    letters = items["https://letters.example/handwriting"]
    assert (letters.state, letters.tags) == (None, ["starred"])
    assert letters.highlights == [Highlight('He wrote: "slow is smooth"\nand then stopped.')]
    walking = items["https://essays.example/on-walking"]
    assert (walking.state, walking.tags) == (None, ["Essays", "slow"])
    found = problems(batch)
    assert "ftp:" in found["line 7"] and "not-a-time" in found["line 9"]


def test_non_utf8_lines_are_read_and_reported() -> None:
    batch = read_import(DATA / "instapaper_cp1252.csv")
    titles = [item.title for item in batch.items]
    assert titles == ["Cafés of Vienna – a guide", "Naïve but valid UTF-8", "Crème brûlée"]
    assert [p.where for p in batch.problems] == ["line 2", "line 4"]
    assert all("Windows-1252" in p.message for p in batch.problems)


def test_decode_text_handles_boms_utf16_and_caps_its_problems() -> None:
    found: list[ImportProblem] = []
    assert decode_text("\ufeffurl,title\n".encode(), found) == "url,title\n"
    assert decode_text("a,é\n".encode("utf-16"), found) == "a,é\n"
    assert found == []
    many = b"".join(b"caf\xe9 %d\n" % i for i in range(30))
    text = decode_text(many, found)
    assert text.startswith("café 0\n")
    assert len(found) == 21 and "10 more lines" in found[-1].message


# -- Omnivore --------------------------------------------------------------------------------


def check_omnivore(batch) -> None:
    items = by_url(batch)
    assert len(batch.items) == 4
    lichens = items["https://moss.example/lichens?utm_source=omnivore"]
    assert lichens.title == "The quiet work of lichens"
    assert lichens.author == "Ines Valdera"
    assert lichens.published == "2024-01-28T00:00:00Z"
    assert lichens.added_at == "2024-02-03T10:15:00Z"
    assert (lichens.state, lichens.progress) == ("reading", 0.4)
    assert lichens.tags == ["botany", "slow science"]
    assert lichens.notes == [Note("A note on the whole article: lend this one to Sam.")]
    assert lichens.highlights == [
        Highlight(
            "Lichens are not one organism but a partnership.\n"
            "The fungus builds the house; the alga cooks.",
            note="#biology #partnership\n\nReminds me of the mycorrhiza piece.",
        ),
        Highlight(
            "A crust on a gravestone can be older than the name carved under it.\n\n"
            "Some grow a millimetre a year."
        ),
    ]
    assert lichens.text.startswith("The quiet work of lichens\n\nWalk past any old wall")
    assert "partnerships between a fungus and an alga.\nNeither lives well alone." in lichens.text
    assert "track()" not in lichens.text
    kilns = items["https://pottery.example/kilns"]
    assert (kilns.state, kilns.progress, kilns.text) == (
        "archived",
        1.0,
        "A kiln is a patient oven.",
    )
    done = items["https://done.example/read-to-the-end"]
    assert (done.state, done.tags, done.published) == ("read", ["done"], "2024-03-01T07:30:00Z")
    assert "https://deleted.example/gone" not in items
    assert any("deleted in Omnivore" in s.message for s in batch.skipped)
    found = problems(batch)
    assert found["metadata_0_to_5.json item 5"] == "no URL"
    assert "most of it" in found["metadata_0_to_5.json item 6"]
    assert "last tuesday" in found["metadata_0_to_5.json item 6"]


def test_omnivore_folder() -> None:
    check_omnivore(read_import(DATA / "omnivore"))


def test_omnivore_zip(tmp_path: Path) -> None:
    archive = tmp_path / "omnivore-export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted((DATA / "omnivore").rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(DATA / "omnivore").as_posix())
    assert detect_format(archive) == "omnivore"
    check_omnivore(read_import(archive))


def test_omnivore_broken_metadata_file_is_a_problem(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    shutil.copytree(DATA / "omnivore", folder)
    (folder / "metadata_6_to_7.json").write_text('[{"url": "https://x.example/a"', "utf-8")
    batch = read_import(folder)
    assert len(batch.items) == 4
    assert "not valid JSON" in problems(batch)["metadata_6_to_7.json"]


def test_parse_highlights_keeps_standalone_notes_and_strips_backlinks() -> None:
    highlights, notes = parse_highlights("> one [⤴️](https://omnivore.app/me/x#1)\n\n> two\n")
    assert [h.text for h in highlights] == ["one", "two"] and notes == []


# -- Netscape bookmarks ----------------------------------------------------------------------


def test_netscape_fields() -> None:
    batch = read_import(DATA / "bookmarks.html")
    items = by_url(batch)
    assert len(batch.items) == 4
    clouds = items["https://weather.example/clouds"]
    assert (clouds.title, clouds.tags, clouds.state) == ("Cloud atlas for beginners", [], None)
    assert clouds.added_at == "2020-09-13T12:30:00Z"
    attention = items["https://essays.example/attention"]
    assert attention.title == "On attention & boredom"
    assert attention.tags == ["Reading", "focus", "mind", "essays"]  # folder, TAGS, duplicate
    assert attention.state == "unread"
    assert attention.added_at == "2020-09-13T09:40:00Z"  # the duplicate was added earlier
    assert attention.notes == [Note("Recommended by a friend; read before the meetup.")]
    ships = items["https://ships.example/clipper-ships?gclid=xyz"]
    assert (ships.tags, ships.state) == (["Reading", "Long reads"], "read")
    assert items["https://garden.example/compost"].tags == []  # "Other bookmarks" says nothing
    found = problems(batch)
    assert "javascript:" in found["line 21"] and "garbage" in found["line 26"]


# -- OPML ------------------------------------------------------------------------------------


def test_opml_feeds_and_links() -> None:
    batch = read_import(DATA / "feeds.opml")
    assert batch.feeds == [
        {"url": "https://tides.example/feed.xml", "title": "Tide Tables Weekly",
         "site_url": "https://tides.example/"},
        {"url": "https://owls.example/atom.xml", "title": "Owl notes", "site_url": None},
        {"url": "https://bread.example/rss", "title": "Bread & butter",
         "site_url": "https://bread.example/"},
    ]  # fmt: skip
    assert [(i.url, i.title) for i in batch.items] == [
        ("https://essays.example/letters-to-a-gardener", "A single essay to read")
    ]
    assert "file:" in problems(batch)["line 12"]
    assert [s.where for s in batch.skipped] == ["line 11"]


def test_opml_that_is_not_xml(tmp_path: Path) -> None:
    path = tmp_path / "subs.opml"
    path.write_text("this is not xml at all", "utf-8")
    with pytest.raises(ImportFormatError, match="not XML"):
        read_import(path)


# -- reader's own JSONL ----------------------------------------------------------------------


def item_as_export(item: ImportedItem) -> dict:
    """What an export line would be, rebuilt from an ImportedItem (the inverse of the importer)."""
    line = dict(item.extra)
    for name in ("url", "title", "author", "site", "published", "language", "added_at",
                 "read_at", "progress", "text", "markdown"):  # fmt: skip
        line.setdefault(name, getattr(item, name))
    line["tags"] = item.tags
    line["notes"] = [
        {**({"id": n.id} if n.id is not None else {}), "text": n.text, "created_at": n.created_at}
        for n in item.notes
    ]
    line["highlights"] = [
        {"text": h.text, "note": h.note, "created_at": h.created_at} for h in item.highlights
    ]
    return line


def test_jsonl_round_trip_loses_nothing() -> None:
    lines = (DATA / "library.jsonl").read_text("utf-8").splitlines()
    originals = [json.loads(line) for line in [*lines[:3], lines[-1]]]  # the last: a local file
    batch = read_import(DATA / "library.jsonl")
    items = by_url(batch)
    legacy = ("status", "target_status", "error")  # read into the two states (below)
    for original in originals:
        item = items[original["url"]]
        rebuilt = {k: v for k, v in item_as_export(item).items()
                   if k not in ("fetch_state", "fetch_error")}
        assert rebuilt == {k: v for k, v in original.items() if k not in legacy}
    first = items["https://glass.example/lampwork"]
    assert first.published == "2024-04-01"  # kept as written, not reformatted
    assert first.notes == [Note("Try the annealing tip.", "2024-04-03T21:05:00Z", id=11)]
    assert first.state == "read" and first.extra["fetch_state"] == "fetched"
    assert first.highlights == [
        Highlight("Cool it slowly.", "the whole trick", "2024-04-03T21:01:00Z")
    ]
    assert first.extra["duplicate_of"] is None and first.extra["id"] == 1
    queued = items["https://slow.example/queued"]
    assert (queued.extra["fetch_error"], queued.extra["fetch_state"]) == ("HTTP 503", "failed")


def test_jsonl_bad_lines_are_problems() -> None:
    batch = read_import(DATA / "library.jsonl")
    found = problems(batch)
    assert "not valid JSON" in found["line 4"]
    assert "found list" in found["line 5"]
    assert found["line 6"] == "no URL"
    assert "mailto:" in found["line 7"]
    weird = by_url(batch)["https://weird.example/values"]
    assert weird.title is None and weird.extra["title"] == 42
    assert weird.published is None and weird.extra["published"] == "sometime"
    assert weird.progress is None and weird.extra["progress"] == 7
    assert weird.extra["custom_key"] == {"nested": True}
    assert weird.highlights == [Highlight("kept")] and weird.notes == []
    assert weird.state == "reading"
    assert len(batch.items) == 5


def test_a_csv_is_not_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text("title,url\nA,https://a.example/x\n", "utf-8")
    with pytest.raises(ImportFormatError, match="not a JSONL file"):
        read_import(path)


# -- documents -------------------------------------------------------------------------------


def test_document_html_newsletter() -> None:
    batch = read_import(DATA / "newsletter.html")
    assert [(i.url, i.title) for i in batch.items] == [
        ("https://marsh.example/salt-marshes-breathe?utm_source=tidewater&utm_medium=email",
         "How salt marshes breathe"),
        ("https://cartography.example/2024/05/why-every-map-lies/", "Why every map lies a little"),
        ("https://kitchen.example/recipes/seaweed-butter", "Seaweed butter, two ways"),
    ]  # fmt: skip
    reasons = {s.where: s.message for s in batch.skipped}
    assert "unsubscribe" in reasons["https://mailer.example/unsubscribe?u=abc&id=42"]
    assert "own site" in reasons["https://tidewater.example/notes/seaweed"]
    assert batch.problems == []


def test_document_markdown_text_and_mail() -> None:
    markdown = read_import(DATA / "newsletter.md")
    assert len(markdown.items) == 8
    assert markdown.items[0].title == "The geometry of honeycombs"
    text = read_import(DATA / "newsletter.txt")
    assert [i.url for i in text.items] == [
        "https://time.example/clockwise-origins",
        "https://sea.example/52-hertz-whale",
        "https://www.knots.example/bowline-variations",
    ]
    mail = read_import(DATA / "newsletter.eml")
    assert [(i.url, i.title) for i in mail.items] == [
        ("https://bridges.example/suspension-cables", "Spinning suspension cables")
    ]
    assert [s.message for s in mail.skipped] == ["an unsubscribe link"]


def test_document_without_links_says_so(tmp_path: Path) -> None:
    path = tmp_path / "plain.txt"
    path.write_text("Just some words, no links.\n", "utf-8")
    batch = read_import(path)
    assert batch.items == [] and "no links" in batch.problems[0].message


# -- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1700000000, "2023-11-14T22:13:20Z"),
        ("1700000000", "2023-11-14T22:13:20Z"),
        (1700000000123, "2023-11-14T22:13:20Z"),
        ("2024-02-03T10:15:00.000Z", "2024-02-03T10:15:00Z"),
        ("2024-02-03T11:15:00+01:00", "2024-02-03T10:15:00Z"),
        ("2024-02-03 10:15:00", "2024-02-03T10:15:00Z"),
        ("2024-02-03", "2024-02-03T00:00:00Z"),
        ("Sat, 03 Feb 2024 10:15:00 GMT", "2024-02-03T10:15:00Z"),
        ("Sat, 03 Feb 2024 05:15:00 EST", "2024-02-03T10:15:00Z"),
        ("2019", "2019-01-01T00:00:00Z"),
        ("", None),
        (None, None),
        ("0", None),
    ],
)
def test_parse_date(value: object, expected: str | None) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", ["yesterday", "2024-13-45", True, "Sat, 99 Foo"])
def test_parse_date_refuses_garbage(value: object) -> None:
    with pytest.raises(ValueError):
        parse_date(value)
