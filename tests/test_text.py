"""Terminal-safe text (newsterm.text): what untrusted post text may carry to a terminal."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsterm.text import (
    UNSAFE,
    escape_controls,
    has_unsafe,
    is_web_link,
    json_safe,
    one_line,
    strip_controls,
)

HOSTILE = [
    "\x1b]52;c;aGVsbG8=\x07",  # OSC 52: write the reader's clipboard
    "\x1b[2J",  # clear the screen
    "\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\",  # OSC 8 hyperlink
    "\x9b31m",  # C1 CSI
    "\u202egnp.exe",  # right-to-left override
    "\u2066isolate\u2069",
    "\x00nul\x7fdel\x0cff\r",
]


@pytest.mark.parametrize("bad", HOSTILE)
def test_strip_controls_removes_every_sequence_introducer(bad: str):
    out = strip_controls(f"before {bad} after")
    assert not has_unsafe(out)
    for ch in "\x1b\x07\x9b\u202e\u2066\u2069\x00\x7f\x0c\r":
        assert ch not in out
    assert out.startswith("before ") and out.endswith(" after")


def test_tab_newline_and_text_are_kept():
    text = "제목\tcolumn\n둘째 줄 — “quoted” ‘x’ é \u200d👩‍💻"
    assert strip_controls(text) is text  # nothing to do: the same object, no copy
    assert not has_unsafe(text)


def test_lone_surrogates_become_replacement_characters():
    name = b"bad\xff.md".decode("utf-8", "surrogateescape")
    assert strip_controls(name) == "bad\ufffd.md"
    assert strip_controls(name).encode("utf-8")


def test_one_line_collapses_blank_space_and_controls():
    assert one_line("  a\n\tb \x1b[2J c\r\n") == "a b [2J c"


def test_escape_controls_shows_what_was_there_on_one_line():
    name = "x\x1b[2J\n\t\x9b\u202e" + b"\xff".decode("utf-8", "surrogateescape") + ".md"
    shown = escape_controls(name)
    assert shown == "x\\e[2J\\n\\t\\x9b\\u202e\\xff.md"
    assert not has_unsafe(shown) and "\n" not in shown
    assert escape_controls("plain 한글.md") == "plain 한글.md"


def test_json_safe_keeps_json_valid_and_round_trips_surrogates():
    value = {"path": b"a\xfe.md".decode("utf-8", "surrogateescape"), "t": "한"}
    text = json_safe(json.dumps(value, ensure_ascii=False))
    text.encode("utf-8")  # no lone surrogate left to fail encoding
    assert "한" in text  # Korean stays readable
    assert json.loads(text) == value


@given(st.text())
def test_any_text_comes_out_safe(text: str):
    assert UNSAFE.search(strip_controls(text)) is None
    assert UNSAFE.search(escape_controls(text)) is None
    assert "\n" not in one_line(text) and "\n" not in escape_controls(text)
    safe = "".join(ch for ch in text if not UNSAFE.match(ch))
    assert strip_controls(safe) == safe


def test_only_http_https_and_mailto_are_web_links():
    for href in ("https://example.com", "HTTP://x.org/a?b", " mailto:desk@example.org"):
        assert is_web_link(href), href
    for href in (
        "file:///etc/passwd",
        "javascript:alert(1)",
        "ssh://host",
        "//example.com/x",
        "notes.md",
        "#section",
        "",
        "data:text/html,x",
    ):
        assert not is_web_link(href), href
