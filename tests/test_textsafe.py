"""Terminal safety: strings from articles and servers reach a terminal without control power."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from reader.cli import main
from reader.textsafe import has_unsafe, json_safe, terminal_safe

# What must never reach a terminal: C0 (but tab and newline), DEL, C1, bidi controls, surrogates.
FORBIDDEN = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
    "\ud800-\udfff]"
)

# Titles and text as a hostile page might send them.
HOSTILE = [
    "\x1b[2J\x1b[HCleared",  # clear screen, cursor home
    "\x1b]52;c;ZXZpbA==\x07clipboard",  # OSC 52 clipboard write
    "\x1b]8;;https://evil.example/\x1b\\link\x1b]8;;\x1b\\",  # OSC 8 hyperlink
    "\x9b31mred\x9b0m",  # 8-bit CSI
    "\u202eevil.exe\u202c txt",  # right-to-left override
    "\u2066isolate\u2069",
    "over\rwrite",
    "bell\x07 and backspace\x08",
    "[bold red]markup[/] and [link=https://evil.example]x[/link]",
]


def test_known_attacks_are_defused() -> None:
    for text in HOSTILE:
        cleaned = terminal_safe(text)
        assert not FORBIDDEN.search(cleaned), repr(cleaned)
    assert terminal_safe("\x1b[2J\x1b[HCleared") == "Cleared"
    assert terminal_safe("\x1b]52;c;ZXZpbA==\x07clipboard") == "clipboard"
    assert terminal_safe("over\rwrite") == "over\nwrite"
    assert terminal_safe("a\nb\tc", single_line=True) == "a b c"
    # Ordinary text of any script passes untouched.
    for text in ("Ça va — “quoted” 日本語 עברית العربية 🙂", "tab\tand\nnewline"):
        assert terminal_safe(text) == text
        assert not has_unsafe(text)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.characters(codec=None, categories=None), max_size=200))
def test_sanitised_output_never_holds_a_control_character(text: str) -> None:
    cleaned = terminal_safe(text)
    assert not FORBIDDEN.search(cleaned)
    assert "\x1b" not in cleaned and "\r" not in cleaned
    assert not FORBIDDEN.search(terminal_safe(text, single_line=True).replace(" ", ""))
    assert "\n" not in terminal_safe(text, single_line=True)
    assert terminal_safe(cleaned) == cleaned  # idempotent
    cleaned.encode("utf-8")  # always writable to a UTF-8 terminal


@settings(max_examples=300, deadline=None)
@given(st.recursive(st.text() | st.integers() | st.none(),
                    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(), kids, max_size=4),
                    max_leaves=10))
def test_json_output_is_exact_and_inert(value) -> None:
    encoded = json_safe(json.dumps(value, ensure_ascii=False, indent=2))
    assert json.loads(encoded) == value
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", encoded)


def _hostile_library(tmp_path: Path) -> int:
    """A library holding one article whose every field carries an attack; returns its id."""
    record = {
        "url": "https://example.com/hostile",
        "title": "Title \x1b[2J\x1b]52;c;ZXZpbA==\x07 \u202eevil [red]x[/red]",
        "author": "Au\x1b[31mthor",
        "site": "Si\x9b0mte",
        "text": "Body with repetition \x1b]8;;https://evil.example/\x1b\\link\x1b]8;;\x1b\\ "
        "and \u2066isolated\u2069 text about repetition.",
        "tags": ["t\x1b[5m"],
        "notes": [{"text": "note \x1b[2J here"}],
        "highlights": [{"text": "Body with\x07 repetition", "note": "hl \u202e note"}],
        "status": "unread",
    }
    path = tmp_path / "hostile.jsonl"
    path.write_text(json.dumps(record) + "\n", "utf-8")
    result = CliRunner().invoke(main, ["import", "--no-fetch", "--no-index", str(path)])
    assert result.exit_code == 0, result.output
    rows = json.loads(CliRunner().invoke(main, ["list", "--json"]).stdout)
    return rows[0]["id"]


def _assert_inert(output: str) -> None:
    assert not FORBIDDEN.search(output), repr(output)


def test_cli_human_output_is_sanitised_and_json_exact(tmp_path: Path) -> None:
    article_id = _hostile_library(tmp_path)
    for args in (["list"], ["show", str(article_id)],
                 ["search", "--mode", "keyword", "repetition"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, (args, result.output)
        _assert_inert(result.stdout)
        _assert_inert(result.stderr)
    shown = CliRunner().invoke(main, ["show", str(article_id)]).stdout
    assert "Title" in shown and "evil" in shown and "isolated" in shown
    data = json.loads(CliRunner().invoke(main, ["show", str(article_id), "--json"]).stdout)
    assert data["title"] == "Title \x1b[2J\x1b]52;c;ZXZpbA==\x07 \u202eevil [red]x[/red]"
    raw = CliRunner().invoke(main, ["show", str(article_id), "--json"]).stdout
    assert "\u202e" not in raw and "\x9b" not in raw and "\x1b" not in raw


def test_error_lines_are_sanitised(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["add", "--no-fetch", "javascript:\x1b[2Jalert(1)\u202e"])
    assert result.exit_code == 1
    _assert_inert(result.stderr)
    assert "failed:" in result.stderr


def test_digest_templates_render_article_data_as_data() -> None:
    import jinja2
    import pytest
    from jinja2.sandbox import SandboxedEnvironment

    from reader.render.digest import make_environment, markdown_view

    env = make_environment()
    assert isinstance(env, SandboxedEnvironment)
    data = {"title": "<script>alert(1)</script> {{ 7*7 }} {% if 1 %}x{% endif %}",
            "url": "javascript:alert(1)"}
    rendered = env.from_string("{{ item.title }} {{ item.link }} ({{ item.url }})").render(
        item=markdown_view(data)
    )
    assert "<script>" not in rendered and "49" not in rendered
    assert "{{ 7\\*7 }}" in rendered and "{% if 1 %}x{% endif %}" in rendered
    assert "javascript:" not in rendered.split("(")[-1]
    with pytest.raises((jinja2.exceptions.SecurityError, jinja2.UndefinedError)):
        env.from_string("{{ item.__class__.__mro__[1].__subclasses__() }}").render(item=data)


def test_markdown_export_shows_html_as_text_and_follows_no_unsafe_link() -> None:
    from reader.services.library.service import article_markdown

    row = {"url": "javascript:alert(1)", "title": "<script>alert(1)</script> [x](javascript:y)",
           "author": "<img src=x onerror=alert(1)>", "tags": ["<b>"], "state": "read",
           "highlights": [{"text": "<iframe src=//evil>", "note": "<!-- hidden -->"}],
           "notes": [{"text": "<svg onload=alert(1)>"}],
           "markdown": "Para with <script>alert(2)</script> [y](javascript:alert(3)) "
                       "[ok](https://a.example)\n\n[id]: data:text/html,x\n"}
    out = article_markdown(row)
    assert not re.search(r"<(script|img|iframe|svg|!--|b>)", out), out
    assert not re.search(r"(?<!\\)\]\((javascript|data):", out)
    assert "<javascript:" not in out and "\\[id]: data:" in out
    assert "[ok](https://a.example)" in out


def test_unsafe_link_schemes_lose_their_link() -> None:
    from reader.render.article import drop_unsafe_links

    out = drop_unsafe_links("[x](javascript:alert(1)) [d](data:text/html,x) [ok](https://a.example)"
                            " [m](mailto:a@b.example)\n[id]: javascript:alert(1)\n"
                            "[fine]: https://a.example")
    assert "[x\\](javascript:" in out and "[d\\](data:" in out and "\\[id]: javascript" in out
    assert "[ok](https://a.example)" in out and "[m](mailto:a@b.example)" in out
    assert "\n[fine]: https://a.example" in out
