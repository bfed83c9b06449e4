"""Links from the keyboard (issue 11 features): v lists the open post's links, numbered; a link
into the archive opens that post in the reader (with history), a web link goes to the browser,
or, served, is copied to the reader's clipboard (OSC 52)."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsterm.state import ReadingState
from tui_helpers import make_app, type_at_once, wait_for

pytestmark = pytest.mark.anyio
SIZE = (120, 40)

A = """---
title: Post A
date: 2024-01-02
---

See [the other post](2024-01-01-b.md), [the same by permalink](/2024/01/01/b/) and
[a web page](https://example.com/page).
"""
B = "---\ntitle: Post B\ndate: 2024-01-01\n---\n\nThe other one.\n"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _archive(tmp_path: Path) -> Path:
    root = tmp_path / "a"
    root.mkdir()
    (root / "2024-01-02-a.md").write_text(A, "utf-8")
    (root / "2024-01-01-b.md").write_text(B, "utf-8")
    return root


async def _open_a(app, pilot) -> None:
    await wait_for(pilot, lambda: app.loaded)
    assert app.post_list.select_path("2024-01-02-a.md")
    await pilot.press("enter")
    await wait_for(pilot, lambda: app.doc is not None and app.doc.complete)


async def test_v_lists_links_and_an_archive_link_opens_the_post_with_history(tmp_path: Path):
    root = _archive(tmp_path)
    app = make_app(root, state=ReadingState.in_memory(root), restore=False)
    async with app.run_test(size=SIZE) as pilot:
        await _open_a(app, pilot)
        await pilot.press("v")
        await pilot.pause()
        screen = app.screen
        assert type(screen).__name__ == "LinksScreen"
        rows = [str(o.prompt) for o in screen.query_one("#links-list").options]
        assert len(rows) == 3
        assert rows[0].startswith("  1. → Post B") and rows[1].startswith("  2. → Post B")
        assert "https://example.com/page" in rows[2] and "→" not in rows[2]
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.current.path == "2024-01-01-b.md")
        await pilot.press("H")  # back in history
        await wait_for(pilot, lambda: app.current.path == "2024-01-02-a.md")
        await wait_for(pilot, lambda: app.doc is not None and app.doc.complete)
        await pilot.press("v", "j", "enter")  # the permalink
        await wait_for(pilot, lambda: app.current.path == "2024-01-01-b.md")


async def test_a_web_link_goes_to_the_browser_locally(tmp_path: Path, monkeypatch):
    import webbrowser

    from textual.app import App

    root = _archive(tmp_path)
    app = make_app(root, state=ReadingState.in_memory(root), restore=False)
    opened: list[str] = []
    monkeypatch.setattr(App, "open_url", lambda self, url, **kw: opened.append(url))
    monkeypatch.setattr(webbrowser, "get", lambda *a: object())
    async with app.run_test(size=SIZE) as pilot:
        await _open_a(app, pilot)
        await pilot.press("v", "j", "j", "enter")
        await pilot.pause()
        assert opened == ["https://example.com/page"]


async def test_with_no_browser_a_web_link_is_copied(tmp_path: Path, monkeypatch):
    import webbrowser

    def no_browser(*_args):
        raise webbrowser.Error("could not locate runnable browser")

    root = _archive(tmp_path)
    app = make_app(root, state=ReadingState.in_memory(root), restore=False)
    monkeypatch.setattr(webbrowser, "get", no_browser)
    async with app.run_test(size=SIZE) as pilot:
        await _open_a(app, pilot)
        await pilot.press("v", "G", "enter")
        await pilot.pause()
        assert app.clipboard == "https://example.com/page"
        assert any("No web browser" in str(n.message) for n in app._notifications)


async def test_served_a_web_link_is_copied_not_opened(tmp_path: Path):
    root = _archive(tmp_path)
    app = make_app(root, state=ReadingState.in_memory(root), restore=False, served=True)
    opened: list[str] = []
    app.open_url = lambda url, **kw: opened.append(url)  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await _open_a(app, pilot)
        await pilot.press("v", "G", "enter")
        await pilot.pause()
        assert opened == []
        assert app.clipboard == "https://example.com/page"
        assert any("copied" in str(n.message) for n in app._notifications)


async def test_a_links_number_picks_it(tmp_path: Path, monkeypatch):
    """newsboat's habit: the number opens the link; with 3 links one digit is enough."""
    from textual.app import App

    root = _archive(tmp_path)
    app = make_app(root, state=ReadingState.in_memory(root), restore=False)
    opened: list[str] = []
    monkeypatch.setattr(App, "open_url", lambda self, url, **kw: opened.append(url))
    async with app.run_test(size=SIZE) as pilot:
        await _open_a(app, pilot)
        await pilot.press("v")
        await pilot.pause()
        assert "1-3 pick" in str(app.screen.query_one("#links-body").border_subtitle)
        await pilot.press("3")
        await pilot.pause()
        assert type(app.screen).__name__ == "MainScreen" and opened == ["https://example.com/page"]
        await pilot.press("v", "9")  # no link 9: stays, nothing opened
        await pilot.pause()
        assert type(app.screen).__name__ == "LinksScreen" and len(opened) == 1
        await pilot.press("2")  # link 2, the permalink to post B
        await wait_for(pilot, lambda: app.current.path == "2024-01-01-b.md")


async def test_a_number_typed_with_v_picks_the_link(tmp_path: Path, monkeypatch):
    """`v3` in one go (tmux send-keys, a fast typist) opens link 3, as `v` then `3` does."""
    from textual.app import App

    root = _archive(tmp_path)
    app = make_app(root, state=ReadingState.in_memory(root), restore=False)
    opened: list[str] = []
    monkeypatch.setattr(App, "open_url", lambda self, url, **kw: opened.append(url))
    async with app.run_test(size=SIZE) as pilot:
        await _open_a(app, pilot)
        type_at_once(app, "v3")
        await wait_for(pilot, lambda: opened == ["https://example.com/page"])
        await pilot.pause()
        assert type(app.screen).__name__ == "MainScreen"
        type_at_once(app, "vjj")  # the list has the keys: the third link is highlighted
        await wait_for(pilot, lambda: type(app.screen).__name__ == "LinksScreen")
        await wait_for(pilot, lambda: app.screen.query_one("#links-list").highlighted == 2)


async def test_two_digits_when_there_are_ten_links_or_more(tmp_path: Path, monkeypatch):
    from textual.app import App

    root = tmp_path / "many"
    root.mkdir()
    links = " ".join(f"[l{i}](https://example.com/{i})" for i in range(1, 13))
    (root / "2024-01-01-many.md").write_text(f"---\ntitle: Many\n---\n\n{links}\n", "utf-8")
    app = make_app(root, state=ReadingState.in_memory(root), restore=False)
    opened: list[str] = []
    monkeypatch.setattr(App, "open_url", lambda self, url, **kw: opened.append(url))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.loaded)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.doc is not None and app.doc.complete)
        await pilot.press("v", "1")  # 1, or 10-12: it waits, on link 1
        await pilot.pause()
        screen = app.screen
        assert type(screen).__name__ == "LinksScreen"
        assert screen.query_one("#links-list").highlighted == 0
        assert "link 1…" in str(screen.query_one("#links-body").border_subtitle)
        await pilot.press("2")
        await pilot.pause()
        assert opened == ["https://example.com/12"]
        await pilot.press("v", "1", "enter")  # Enter takes link 1
        await pilot.pause()
        assert opened[-1] == "https://example.com/1"
        await pilot.press("v", "7")  # no link 7x: at once
        await pilot.pause()
        assert opened[-1] == "https://example.com/7"


async def test_each_link_is_one_row_cut_with_an_ellipsis(tmp_path: Path):
    """Seen in tmux on a real blog: a long post title plus its link wrapped onto a second row,
    and the reader's inner post: scheme showed."""
    root = tmp_path / "a"
    root.mkdir()
    title = "A very long title for the linked post that goes on and on " * 2
    (root / "2024-01-01-b.md").write_text(f"---\ntitle: {title}\n---\n\nB.\n", "utf-8")
    (root / "2024-01-02-a.md").write_text(
        "---\ntitle: A\n---\n\n[b]({% post_url 2024-01-01-b %}) and [w](https://example.com)\n",
        "utf-8",
    )
    app = make_app(root, state=ReadingState.in_memory(root), restore=False)
    async with app.run_test(size=SIZE) as pilot:
        await _open_a(app, pilot)
        await pilot.press("v")
        await pilot.pause()
        links = app.screen.query_one("#links-list")
        assert links.size.height == 2
        rows = ["".join(s.text for s in links.render_line(y)) for y in range(2)]
        assert rows[0].startswith("  1. → A very long title") and rows[0].rstrip().endswith("…")
        assert "https://example.com" in rows[1]
        assert "post:" not in str(links.options[0].prompt)


IN_PAGE = (
    "---\ntitle: With contents\ndate: 2024-01-03\n---\n\n"
    "- [결론](#결론)\n- [Nowhere](#nowhere)\n\n"
    + "".join(f"Filler paragraph {i}, a line or two on the screen.\n\n" for i in range(60))
    + '## 결론\n\nThe end.<a href="#source-1">[1]</a>\n\n'
    + '[1] <span id="source-1"></span> The source.\n'
)


async def test_an_in_page_link_scrolls_to_its_place_and_h_comes_back(tmp_path: Path):
    root = _archive(tmp_path)
    (root / "2024-01-03-c.md").write_text(IN_PAGE, "utf-8")
    app = make_app(root, state=ReadingState.in_memory(root), restore=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.loaded)
        assert app.post_list.select_path("2024-01-03-c.md")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.doc is not None and app.doc.complete)
        article = app.article
        assert article.scroll_y == 0
        await pilot.press("v")
        await pilot.pause()
        rows = [str(o.prompt) for o in app.screen.query_one("#links-list").options]
        assert rows[0].startswith("  1. → § 결론")
        assert rows[1].strip() == "2. #nowhere"  # no such place: shown as written
        assert rows[2].startswith("  3. → § [1] The source.")
        await pilot.press("1")  # to the heading
        await wait_for(pilot, lambda: article.scroll_y > 0)
        heading_y = app.doc.anchor_y("#결론")
        assert article.scroll_y == min(heading_y, article.max_scroll_y)
        assert app.current.path == "2024-01-03-c.md"
        await pilot.press("H")  # back to where the link was followed from, same post
        await wait_for(pilot, lambda: article.scroll_y == 0)
        assert app.current.path == "2024-01-03-c.md"
        await pilot.press("v", "2")  # a place the post does not have: said, nothing moves
        await pilot.pause()
        assert article.scroll_y == 0
        assert any("no #nowhere" in str(n.message) for n in app._notifications)
