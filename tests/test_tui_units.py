"""Unit tests of the reader's pure parts: choseong matching, rendering, keys config, state."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from rich.cells import cell_len

from newsterm.tui.hangul import initials, title_matches
from newsterm.tui.keys import KNOWN_IDS, load_config
from newsterm.tui.render import Palette, Renderer, find_hits, reading_minutes, simple_matcher
from newsterm.tui.state import ReadingState
from newsterm.tui.widgets.post_list import fit


def test_choseong_filter_matches_initials_and_mixed_forms():
    assert initials("넷플릭스") == "ㄴㅍㄹㅅ"
    assert title_matches("넷플릭스의 딜레마", "ㄴㅍㄹㅅ")
    assert title_matches("넷플릭스의 딜레마", "넷ㅍ")
    assert title_matches("Netflix 넷플릭스", "netflix ㄷㄹ") is False
    assert title_matches("Netflix 넷플릭스의 딜레마", "NETFLIX ㄷㄹ")
    assert not title_matches("넷플릭스", "ㄴㄹ")


def test_fit_keeps_wide_characters_in_their_columns():
    for text in ("콘텐츠와 AI의 무게중심 이동", "short", "가나다라마바사아자차카타파하"):
        for width in (5, 8, 11, 30):
            out = fit(text, width)
            assert cell_len(out) == width


def test_renderer_keeps_block_start_lines_for_headings():
    body = "## First\n\nPara one.\n\n### Sub\nText under sub.\n\n## Second\n\nMore."
    doc = Renderer(40, Palette()).render(body)
    headings = [b for b in doc.blocks if b.heading]
    assert [b.source_line for b in headings] == [1, 5, 8]
    assert doc.lines[doc.y_of_line(8)].plain.startswith("Second")
    assert doc.line_of_y(doc.y_of_line(5)) == 5
    assert all(line.cell_len <= 40 for line in doc.lines)


def test_hits_are_found_on_rendered_lines():
    doc = Renderer(30, Palette()).render("넷플릭스가 보유한 작품. 다시 넷플릭스.\n\n## 넷플릭스")
    hits = find_hits(doc, simple_matcher("넷플릭스"))
    assert len(hits) == 3
    for hit in hits:
        assert doc.lines[hit.y].plain[hit.start : hit.end] == "넷플릭스"


def test_reading_minutes_counts_hangul_and_words():
    assert reading_minutes("가" * 5000) == 10
    assert reading_minutes("word " * 460) == 2


def test_config_keymap_and_problems(tmp_path: Path):
    cfg = tmp_path / "config.toml"
    cfg.write_text('theme = "nord"\n[keymap]\n"newsterm.search" = "ctrl+s"\nquit = "x"\n')
    config = load_config(cfg)
    assert config.problems == []
    assert config.theme == "nord"
    assert config.keymap == {"newsterm.search": "ctrl+s", "newsterm.quit": "x"}
    assert set(config.keymap) <= KNOWN_IDS

    cfg.write_text('[keymap]\n"newsterm.nope" = "x"\n"newsterm.help" = 3\n')
    config = load_config(cfg)
    assert config.keymap == {}
    assert len(config.problems) == 2 and "nope" in config.problems[0]

    cfg.write_text("[keymap\n")
    config = load_config(cfg)
    assert config.keymap == {} and "using the defaults" in config.problems[0]


def test_state_persists_and_survives_two_connections(tmp_path: Path):
    db = tmp_path / "state.sqlite3"
    root = tmp_path / "arch"
    root.mkdir()
    one = ReadingState(root, db_path=db)
    two = ReadingState(root, db_path=db)
    one.set_read("a.md")
    two.toggle_bookmark("b.md")
    one.set_scroll("a.md", 42)
    one.put("last_post", "a.md")
    one.close()
    two.close()
    again = ReadingState(root, db_path=db)
    assert again.is_read("a.md") and not again.is_read("b.md")
    assert again.bookmarks() == ["b.md"]
    assert again.scroll_of("a.md") == 42
    assert again.get("last_post") == "a.md"
    # other profiles and archives see nothing of it
    assert not ReadingState(root, profile="alice", db_path=db).is_read("a.md")
    other = tmp_path / "other"
    other.mkdir()
    assert not ReadingState(other, db_path=db).is_read("a.md")
    # a post that is gone keeps nothing stale
    assert again.forget_missing(["b.md"]) == 1
    assert not again.is_read("a.md")
    mode = sqlite3.connect(db).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_in_memory_state_writes_no_file(tmp_path: Path):
    state = ReadingState.in_memory(tmp_path)
    state.set_read("x.md")
    assert state.is_read("x.md")
    assert list(tmp_path.iterdir()) == []
