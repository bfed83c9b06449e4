"""Issue 11 bug 7: b bookmarks the open post whatever list has focus, the toast names it, and a
bookmarked unread post shows both marks in the list."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsterm.state import ReadingState
from tui_helpers import SEED, make_app, open_seed, wait_for

REPO = Path(__file__).resolve().parents[1]
ARCHIVE = REPO / "archive"
SIZE = (120, 40)

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _row(app, path: str) -> str:
    plist = app.post_list
    index = next(i for i, e in enumerate(plist.entries) if e.path == path)
    plist.cursor = index
    return plist.render_line(index - round(plist.scroll_offset.y)).text


async def test_b_in_the_bookmark_list_bookmarks_the_open_post():
    state = ReadingState.in_memory(ARCHIVE)
    app = make_app(ARCHIVE, state=state, restore=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.loaded)
        other = next(e.path for e in app.post_list.entries if e.post and e.path != SEED)
        state.toggle_bookmark(other)
        await open_seed(app, pilot)
        await pilot.press("B")  # the bookmark list, focused, its cursor on the other post
        await pilot.pause()
        assert app.focused is app.post_list and app.post_list.highlighted.path == other
        await pilot.press("b")
        assert state.is_bookmarked(SEED) and state.is_bookmarked(other)
        toast = str(list(app._notifications)[-1].message)
        assert toast.startswith("Bookmarked “") and app.current.title[:20] in toast
        await pilot.press("b")
        assert not state.is_bookmarked(SEED) and state.is_bookmarked(other)
        assert "removed" in str(list(app._notifications)[-1].message)


async def test_a_bookmarked_unread_post_shows_both_marks():
    state = ReadingState.in_memory(ARCHIVE)
    app = make_app(ARCHIVE, state=state, restore=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.loaded)
        path = app.post_list.entries[1].path
        app.post_list.cursor = 1
        await pilot.press("b")  # no post open: the list's cursor
        await pilot.pause()
        assert state.is_bookmarked(path) and not state.is_read(path)
        row = _row(app, path)
        assert row.startswith(" ●★ "), row
        state.set_read(path, True)
        app.post_list.refresh_marks()
        await pilot.pause()
        assert _row(app, path).startswith("  ★ ")
        unread_plain = _row(app, app.post_list.entries[2].path)
        assert unread_plain.startswith(" ●  "), unread_plain


async def test_the_restored_post_is_laid_out_once_at_its_final_width(monkeypatch):
    """Issue 11 bug 8: at start the restored post was drawn at the wrong width, then reflowed."""
    from newsterm.tui.widgets.article import ArticleView

    state = ReadingState.in_memory(ARCHIVE)
    state.put("last_post", SEED)
    app = make_app(ARCHIVE, state=state)
    widths: list[int] = []
    original = ArticleView.set_doc

    def record(self, doc, **kw):
        if doc is not None:
            widths.append(doc.width)
        return original(self, doc, **kw)

    monkeypatch.setattr(ArticleView, "set_doc", record)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.doc is not None and app.current is not None)
        await pilot.pause(0.5)  # any re-wrap for a new width would have happened by now
        assert widths and set(widths) == {app.article.text_width()}, widths
