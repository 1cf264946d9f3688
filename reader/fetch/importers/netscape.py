"""Netscape bookmark files (what every browser, Pinboard and Raindrop export).

The format is loose HTML (`<DT>` and `<p>` never closed), so it is read as a stream of tags
rather than as a tree: a stack of folders follows `<DL>` nesting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from reader.errors import ImportFormatError
from reader.fetch.importers.capped import read_capped
from reader.fetch.importers.common import ItemCollector, decode_text, split_tags, unique
from reader.models import ImportBatch, ImportedItem, Note

# Browser-made top-level folders: every bookmark lives in one, so they say nothing as tags.
_STRUCTURAL = {
    "bookmarks", "bookmarks bar", "bookmarks toolbar", "bookmarks menu", "other bookmarks",
    "mobile bookmarks", "favorites bar", "favourites bar", "unsorted bookmarks", "favorites",
}  # fmt: skip
_STRUCTURAL_ATTRS = ("personal_toolbar_folder", "unfiled_bookmarks_folder")


@dataclass
class _Bookmark:
    attrs: dict[str, str]
    line: int
    folders: list[str]
    title: list[str] = field(default_factory=list)
    description: list[str] = field(default_factory=list)


class _BookmarkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.bookmarks: list[_Bookmark] = []
        self.folders: list[str | None] = []
        self._pending_folder: str | None = None
        self._folder_name: list[str] | None = None
        self._folder_structural = False
        self._in_link = False
        self._in_description = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("dt", "dl", "h3", "a"):
            self._in_description = False
        if tag == "h3":
            names = {k for k, _ in attrs}
            self._folder_name = []
            self._folder_structural = any(a in names for a in _STRUCTURAL_ATTRS)
        elif tag == "dl":
            self.folders.append(self._pending_folder)
            self._pending_folder = None
        elif tag == "a":
            folders = [f for f in self.folders if f]
            self.bookmarks.append(
                _Bookmark({k: v or "" for k, v in attrs}, self.getpos()[0], folders)
            )
            self._in_link = True
        elif tag == "dd" and self.bookmarks:
            self._in_description = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "h3" and self._folder_name is not None:
            name = " ".join("".join(self._folder_name).split())
            structural = self._folder_structural or name.lower() in _STRUCTURAL
            self._pending_folder = None if structural else name
            self._folder_name = None
        elif tag == "dl":
            if self.folders:
                self.folders.pop()
            self._in_description = False
        elif tag == "a":
            self._in_link = False

    def handle_data(self, data: str) -> None:
        if self._folder_name is not None:
            self._folder_name.append(data)
        elif self._in_link:
            self.bookmarks[-1].title.append(data)
        elif self._in_description:
            self.bookmarks[-1].description.append(data)


def read_netscape(path: Path) -> ImportBatch:
    """Bookmarks with their folders and TAGS as tags, ADD_DATE, TOREAD and descriptions."""
    collector = ItemCollector("netscape")
    text = decode_text(read_capped(path), collector.problems)
    parser = _BookmarkParser()
    parser.feed(text)
    parser.close()
    if not parser.bookmarks and "netscape-bookmark" not in text[:500].lower():
        raise ImportFormatError(f"{path.name}: not a bookmarks file (no bookmarks in it)")
    for bookmark in parser.bookmarks:
        where = f"line {bookmark.line}"
        attrs = bookmark.attrs
        url = collector.url(attrs.get("href"), where)
        if url is None:
            continue
        title = " ".join("".join(bookmark.title).split())
        description = "".join(bookmark.description).strip()
        item = ImportedItem(
            url=url,
            title=title if title and title != attrs.get("href") else None,
            added_at=collector.date(attrs.get("add_date"), where, "ADD_DATE"),
            state=_status(attrs.get("toread")),
            tags=unique([*bookmark.folders, *split_tags(attrs.get("tags"), ",")]),
            notes=[Note(text=description)] if description else [],
        )
        collector.add(item, where)
    return collector.batch


def _status(toread: str | None) -> str | None:
    """Pinboard's TOREAD: set means unread, explicitly off means read; absent says nothing."""
    if toread is None:
        return None
    return "unread" if toread.strip().lower() in ("1", "yes", "true", "") else "read"
