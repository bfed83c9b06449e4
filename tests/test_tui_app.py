"""Pilot tests of the reader: list, article, outline, keys, state, filters, served, live."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsterm.tui.keys import load_config
from newsterm.tui.state import ReadingState
from tui_helpers import SEED, make_app, open_seed, wait_for

REPO = Path(__file__).resolve().parents[1]
ARCHIVE = REPO / "archive"
SIZE = (120, 40)

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_list_shows_seed_title_newest_first():
    app = make_app(ARCHIVE)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.loaded)
        titles = [e.post.title for e in app.post_list.entries if e.post]
        assert any(t.startswith("콘텐츠와 AI의 무게중심 이동") for t in titles)
        dates = [e.post.date for e in app.post_list.entries if e.post and e.post.date]
        assert dates == sorted(dates, reverse=True)
        assert "posts" in str(app.query_one("#status").render())


async def test_open_post_outline_and_section_scroll():
    app = make_app(ARCHIVE)
    async with app.run_test(size=SIZE) as pilot:
        await open_seed(app, pilot)
        assert app.current.path == SEED
        assert app.focused is app.article
        top = list(app.outline.root.children)
        assert len(top) == 3
        assert [len(node.children) for node in top] == [7, 8, 9]
        # selecting a section scrolls the article to it
        second = top[1]
        app.outline.focus()
        app.outline.move_cursor(second)
        await pilot.press("enter")
        await pilot.pause()
        y = app.article.scroll_offset.y
        assert y > 0
        assert app.doc.lines[round(y)].plain.startswith("모델 복지라는")
        # scrolling the article moves the outline's highlight
        app.article.focus()
        await pilot.press("G")
        await pilot.pause()
        assert app.outline.cursor_node.data.line >= top[2].children[-1].data.line
        await pilot.press("g")
        await pilot.pause()
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert app.article.scroll_offset.y > 0
        # the outline can be hidden
        await pilot.press("o")
        assert not app.outline.display
        await pilot.press("o")
        assert app.outline.display


async def test_vi_keys_move_the_list_and_tab_switches_panes():
    app = make_app(ARCHIVE)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.loaded)
        assert app.post_list.cursor == 0
        await pilot.press("j", "j")
        assert app.post_list.cursor == 2
        await pilot.press("k")
        assert app.post_list.cursor == 1
        await pilot.press("G")
        assert app.post_list.cursor == len(app.post_list.entries) - 1
        await pilot.press("g")
        assert app.post_list.cursor == 0
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.doc is not None)
        await pilot.press("tab")
        assert app.focused is app.outline
        await pilot.press("tab")
        assert app.focused is app.post_list


async def test_read_unread_and_bookmarks_persist_across_instances():
    app = make_app(ARCHIVE)
    async with app.run_test(size=SIZE) as pilot:
        await open_seed(app, pilot)
        assert app.reading.is_read(SEED)
        await pilot.press("b")
        assert app.reading.is_bookmarked(SEED)
        app.post_list.focus()
        app.post_list.select_path(SEED)
        await pilot.press("m")
        assert not app.reading.is_read(SEED)
        await pilot.press("m")
        await pilot.press("B")
        assert [e.path for e in app.post_list.entries] == [SEED]
        await pilot.press("escape")
        assert len(app.post_list.entries) > 1
        await pilot.press("q")
    # a second instance sees the marks (and reopens the last post)
    again = make_app(ARCHIVE)
    async with again.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: again.current is not None)
        assert again.current.path == SEED
        assert again.reading.is_read(SEED)
        assert again.reading.is_bookmarked(SEED)
        assert not again.reading.is_read(
            next(e.path for e in again.post_list.entries if e.path != SEED and e.post)
        )


async def test_next_unread_and_history():
    app = make_app(ARCHIVE, restore=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.loaded)
        await pilot.press("u")
        first = app.current.path
        app.post_list.focus()
        await pilot.press("u")
        second = app.current.path
        assert first != second
        assert app.reading.is_read(first) and app.reading.is_read(second)
        await pilot.press("H")
        assert app.current.path == first
        await pilot.press("L")
        assert app.current.path == second


async def test_title_filter_takes_choseong():
    app = make_app(ARCHIVE)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.loaded)
        total = len(app.post_list.entries)
        await pilot.press("t")
        for ch in "ㅋㅌㅊㅇ":  # 콘텐츠와
            await pilot.press(ch)
        assert [e.path for e in app.post_list.entries] == [SEED]
        await pilot.press("escape")
        assert len(app.post_list.entries) == total


async def test_facets_narrow_the_list():
    app = make_app(ARCHIVE)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.loaded)
        total = len([e for e in app.post_list.entries if e.post])
        await pilot.press("f")
        await pilot.pause()
        screen = app.screen
        sl = screen.query_one("#facet-list")
        index = next(
            i for i in range(sl.option_count) if sl.get_option_at_index(i).value == ("year", "2025")
        )
        sl.select(sl.get_option_at_index(index))
        await pilot.press("enter")
        await pilot.pause()
        paths = [e.path for e in app.post_list.entries]
        assert SEED in paths and len(paths) < total
        assert all(app.by_path[p].date.year == 2025 for p in paths)
        await pilot.press("escape")
        assert len([e for e in app.post_list.entries if e.post]) == total


async def test_remapped_keys_from_toml_config(tmp_path: Path):
    cfg = tmp_path / "config.toml"
    cfg.write_text('[keymap]\n"newsterm.outline" = "z"\n"newsterm.help" = "x"\n')
    app = make_app(ARCHIVE, config=load_config(cfg))
    async with app.run_test(size=SIZE) as pilot:
        await open_seed(app, pilot)
        await pilot.press("z")
        assert not app.outline.display
        await pilot.press("o")  # no longer bound
        assert not app.outline.display
        await pilot.press("x")
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"
        help_text = str(app.screen.query_one("#help-table").render())
        assert help_text  # generated from the command table


async def test_bad_config_gives_defaults_and_a_notice(tmp_path: Path):
    cfg = tmp_path / "config.toml"
    cfg.write_text("[keymap\nnot toml")
    app = make_app(ARCHIVE, config=load_config(cfg))
    async with app.run_test(size=SIZE) as pilot:
        await open_seed(app, pilot)
        assert any("config.toml" in str(n.message) for n in app._notifications)
        await pilot.press("o")
        assert not app.outline.display


async def test_served_mode_refuses_links_suspend_and_screenshots():
    app = make_app(ARCHIVE, served=True, state=ReadingState.in_memory(ARCHIVE))
    opened = []
    app.open_url = lambda url, **kw: opened.append(url)  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await open_seed(app, pilot)
        app.article.post_message(app.article.LinkClicked("https://example.com/x"))
        await pilot.pause()
        assert opened == []
        assert any("not opened" in str(n.message) for n in app._notifications)
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert app.is_running
        assert any("Suspend" in str(n.message) for n in app._notifications)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Screenshot" not in titles and "Quit" in titles
        assert app.animation_level == "none"


async def test_local_mode_opens_links():
    app = make_app(ARCHIVE)
    opened = []
    app.open_url = lambda url, **kw: opened.append(url)  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await open_seed(app, pilot)
        app.article.post_message(app.article.LinkClicked("https://example.com/x"))
        await pilot.pause()
        assert opened == ["https://example.com/x"]


async def test_broken_post_shows_as_problem(bundled_archive_copy: Path):
    (bundled_archive_copy / "2025-01-01-broken.md").write_bytes(b"---\ntitle: [unclosed\n---\nx\n")
    (bundled_archive_copy / "2025-01-02-bad-bytes.md").write_bytes(b"\xff\xfe\x00garbage\x00")
    app = make_app(bundled_archive_copy)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.loaded)
        problems = [e for e in app.post_list.entries if e.problem]
        assert any(e.path == "2025-01-01-broken.md" for e in problems)
        assert all(e.problem.reason for e in problems)
        assert any(e.post and e.path == SEED for e in app.post_list.entries)


async def test_live_reload_adds_changes_and_removes(bundled_archive_copy: Path):
    app = make_app(bundled_archive_copy, watch=True)
    async with app.run_test(size=SIZE) as pilot:
        await open_seed(app, pilot)
        await pilot.pause(0.3)
        new = bundled_archive_copy / "2030-01-01-fresh-news.md"
        new.write_text("---\ntitle: 새로 들어온 소식\ndate: 2030-01-01\n---\n\n본문.\n", "utf-8")
        await wait_for(pilot, lambda: "2030-01-01-fresh-news.md" in app.by_path, timeout=2.5)
        assert app.post_list.entries[0].path == "2030-01-01-fresh-news.md"
        assert app.current.path == SEED  # the reader keeps its place
        new.unlink()
        await wait_for(pilot, lambda: "2030-01-01-fresh-news.md" not in app.by_path, timeout=2.5)


async def test_big_post_opens_without_freezing(bundled_archive_copy: Path):
    seed = (bundled_archive_copy / SEED).read_text("utf-8")
    head, body = seed.split("---\n", 2)[1:]
    big = "---\n" + head.replace("title:", "title: BIG") + "---\n" + body * 55
    (bundled_archive_copy / "2031-01-01-big.md").write_text(big, "utf-8")
    app = make_app(bundled_archive_copy, restore=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.loaded)
        app.post_list.select_path("2031-01-01-big.md")
        await pilot.press("enter")
        await pilot.press("j")  # the interface still answers while rendering
        await wait_for(pilot, lambda: app.doc is not None and app.doc.complete, timeout=20)
        assert len(app.doc.lines) > 10_000
        await pilot.press("G")
        await pilot.pause()
        assert app.article.scroll_offset.y > 10_000


async def test_copy_path_uses_clipboard():
    app = make_app(ARCHIVE)
    async with app.run_test(size=SIZE) as pilot:
        await open_seed(app, pilot)
        await pilot.press("y")
        assert app.clipboard == SEED


async def test_narrow_terminal_shows_one_pane_at_a_time():
    app = make_app(ARCHIVE, restore=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.loaded)
        assert app.query_one("#left").display and not app.query_one("#reader").display
        app.post_list.select_path(SEED)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.doc is not None)
        assert app.query_one("#reader").display and not app.query_one("#left").display
        await pilot.press("escape")
        assert app.query_one("#left").display


@pytest.mark.parametrize("theme", ["textual-light", "nord"])
async def test_theme_choice_is_remembered(theme: str):
    app = make_app(ARCHIVE)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.loaded)
        app.theme = theme
        await pilot.pause()
    again = make_app(ARCHIVE)
    async with again.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: again.loaded)
        assert again.theme == theme
