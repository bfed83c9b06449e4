"""Unit tests of the reader's pure parts: choseong matching, rendering, keys config, state."""

from __future__ import annotations

import sqlite3
from datetime import UTC
from pathlib import Path

from rich.cells import cell_len

from newsterm.state import ReadingState
from newsterm.tui.hangul import initials, title_matches
from newsterm.tui.keys import KNOWN_IDS, load_config
from newsterm.tui.render import Palette, Renderer, find_hits, reading_minutes, simple_matcher
from newsterm.tui.widgets.article import Clamped
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
    assert reading_minutes("") == 0 and reading_minutes("\n\n---\n") == 0  # never "1 min read"
    assert reading_minutes("짧은 글") == 1


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


_WRITER = """
import sys
from pathlib import Path
from newsterm.state import ReadingState
db, root, name, n = sys.argv[1], Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
state = ReadingState(root, db_path=db)
for i in range(n):
    state.set_read(f"{name}-{i}.md")
    state.set_scroll(f"{name}-{i}.md", i)
    if i % 3 == 0:
        state.toggle_bookmark(f"{name}-{i}.md")
    state.put("last_post", f"{name}-{i}.md")
state.close()
"""


def test_several_processes_write_the_same_state_without_loss(tmp_path: Path):
    import subprocess
    import sys

    db = tmp_path / "state.sqlite3"
    root = tmp_path / "arch"
    root.mkdir()
    ReadingState(root, db_path=db).close()  # create the schema and WAL mode first
    n = 150
    procs = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(db), str(root), name, str(n)])
        for name in ("alpha", "beta", "gamma")
    ]
    for proc in procs:
        assert proc.wait(timeout=60) == 0
    state = ReadingState(root, db_path=db)
    for name in ("alpha", "beta", "gamma"):
        for i in range(n):
            assert state.is_read(f"{name}-{i}.md")
            assert state.scroll_of(f"{name}-{i}.md") == i
    assert len(state.bookmarks()) == 3 * len(range(0, n, 3))
    assert state.get("last_post").endswith(f"-{n - 1}.md")
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def test_permalink_styles_and_own_permalink(tmp_path: Path):
    from datetime import datetime

    from newsterm.models import Post
    from newsterm.tui.permalink import STYLES, Site, front_permalink, load_site, permalink

    post = Post(
        path="_posts/2025-08-18-my-post.md",
        title="t",
        date=datetime(2025, 8, 18, 20, 0, tzinfo=UTC),
        categories=("IT", "News Desk"),
        tags=(),
        body="",
    )
    assert permalink(post, Site()) == "/it/news-desk/2025/08/18/my-post.html"
    site = Site("https://ex.com", "blog", STYLES["pretty"])
    assert permalink(post, site) == "https://ex.com/blog/it/news-desk/2025/08/18/my-post/"
    assert permalink(post, Site(permalink="/:year/:title/")) == "/2025/my-post/"
    assert permalink(post, site, "/about/") == "https://ex.com/blog/about/"
    assert front_permalink("---\ntitle: x\npermalink: /a/b/\n---\nbody") == "/a/b/"
    assert front_permalink('+++\npermalink = "/t/"\n+++\n') == "/t/"
    assert front_permalink("---\ntitle: x\n---\npermalink: /no/\n") is None
    # _config.yml one level up (a Jekyll site keeps _posts inside it)
    (tmp_path / "_config.yml").write_text('url: "https://site.org/"\npermalink: none\n')
    posts = tmp_path / "_posts"
    posts.mkdir()
    site = load_site(posts)
    assert site.url == "https://site.org" and site.permalink == STYLES["none"]
    assert load_site(tmp_path / "a" / "b") == Site()


def test_search_snippet_keeps_the_first_hit_in_two_lines():
    from newsterm.tui.widgets.search import SNIPPET_LINES, snippet_lines

    before = "앞의 문맥이 아주 길게 이어지는 문장입니다 " * 6
    text = before + "넷플릭스의 계산법은 이렇다. " + "뒤의 문맥 " * 30
    at = text.index("넷플릭스")
    for width in (24, 40, 70):
        lines = snippet_lines(text, [(at, at + 4)], width)
        assert 1 <= len(lines) <= SNIPPET_LINES
        assert all(cell_len(line.plain) <= width for line in lines)
        marked = [line.plain[s.start : s.end] for line in lines for s in line.spans]
        assert "넷플릭스" in marked
        assert lines[0].plain.startswith("…") and lines[-1].plain.endswith("…")
    short = snippet_lines("짧은 넷플릭스 글", [(3, 7)], 40)
    assert [line.plain for line in short] == ["짧은 넷플릭스 글"]


def test_key_bar_keeps_help_and_quit_when_narrow_and_follows_the_keymap():
    from newsterm.tui.widgets.keybar import keybar_markup

    wide = keybar_markup({}, served=False)
    for label in ("Search", "Filter", "Facets", "Bookmarks", "Outline", "Help", "Quit", "palette"):
        assert label in wide
    narrow = keybar_markup({}, served=False, width=40)
    assert "Help" in narrow and "Quit" in narrow and "palette" in narrow
    assert "Bookmarks" not in narrow
    assert "ctrl+s" in keybar_markup({"newsterm.search": "ctrl+s"}, served=False)


def test_search_snippet_drops_markdown_noise_and_keeps_hits():
    from newsterm.tui.widgets.search import tidy_snippet

    raw = "… --|------|----| | 반도체 | 증가 | 메모리 | | 선박 | **증가** | ## 제목 `code`"
    at = raw.index("반도체")
    text, spans = tidy_snippet(raw, [(at, at + 3)])
    assert [text[s:e] for s, e in spans] == ["반도체"]
    for noise in ("|", "--", "**", "##", "`", "· ·", "  "):
        assert noise not in text
    assert "증가 · 메모리 · 선박" in text
    # a hit that is itself markup-like is never cut
    raw = "see a|b here"
    text, spans = tidy_snippet(raw, [(4, 7)])
    assert [text[s:e] for s, e in spans] == ["a|b"]


def test_the_title_index_matches_as_the_title_matcher_does():
    import random

    from newsterm.tui.hangul import FoldedQuery, TitleIndex, title_matches

    rng = random.Random(3)
    syllables = "넷플릭스의딜레마극장영화반도체수출가나다라Ab"
    titles = ["".join(rng.choice(syllables + " ") for _ in range(rng.randrange(1, 14)))
              for _ in range(400)] + ["Netflix 넷플릭스의 딜레마", "", "줄미 자보활"]  # fmt: skip
    index = TitleIndex(titles)
    queries = ["ㄴㅍ", "넷ㅍ", "ㄷㄹ 마", "netflix ㄷㄹ", "NETFLIX", "ㅈㅁ ㅈㅂ", "극장", "a", "ㅎ"]
    for q in queries:
        expected = {i for i, t in enumerate(titles) if title_matches(t, q)}
        assert index.rows(FoldedQuery(q)) == expected, q


def test_the_article_matcher_follows_the_query_language_and_falls_back_on_bad_queries():
    from newsterm.tui.render import matcher_for

    text = "넷플릭스는 극장과 다르다"
    match = matcher_for("넷플릭스")
    assert [text[a:b] for a, b in match(text)] == ["넷플릭스"]
    assert matcher_for("-넷플릭스")(text) == []  # an excluded word is not highlighted
    # an unbalanced quote still highlights the words typed
    assert [text[a:b] for a, b in matcher_for('"극장')(text)] == ["극장"]


def test_a_clamped_lede_wraps_at_the_width_and_ends_with_an_ellipsis_past_its_lines():
    from rich.console import Console
    from rich.text import Text

    def lines(text: str, width: int, most: int) -> list[str]:
        console = Console(width=width, file=None, color_system=None, legacy_windows=False)
        with console.capture() as capture:
            console.print(Clamped(Text(text), most))
        return capture.get().splitlines()

    short = lines("베란다 텃밭에서 상추를 키운 기록", 40, 3)
    assert short == ["베란다 텃밭에서 상추를 키운 기록"]
    long = "낱말 " * 60
    shown = lines(long, 20, 3)
    assert len(shown) == 3 and all(cell_len(line) <= 20 for line in shown)
    assert shown[-1].endswith("…") and not shown[0].endswith("…")
    assert len(lines(long, 20, 6)) == 6 and len(lines(long, 200, 3)) == 2
