"""Search in the reader end to end on the real index (Whoosh) of a copy of the bundled archive:
type a query, see ranked results with snippets, open the post at its first hit, step with n/N,
and see a query error inline."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui_helpers import make_app, wait_for

pytest.importorskip("newsterm.search.index")

SIZE = (120, 40)
pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _status(app) -> str:
    return str(app.query_one("#search-status").render())


async def _type(app, pilot, text: str) -> None:
    for ch in text:
        await pilot.press(ch if ch != " " else "space")
    await wait_for(
        pilot, lambda: app.search_panel.query_text == text and not app.main._search_busy, timeout=60
    )
    await pilot.pause()


async def test_search_as_you_type_on_the_real_index(bundled_archive_copy: Path, tmp_path: Path):
    app = make_app(bundled_archive_copy, sync_index=True, index_dir=tmp_path / "idx", restore=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.loaded and app.index_ready, timeout=60)
        assert "up to date" in str(app.query_one("#status").render())
        await pilot.press("slash")
        await _type(app, pilot, "넷플릭스")
        hits = app.search_panel.hits
        assert len(hits) >= 2
        assert all(h.snippet for h in hits)
        assert any(
            "넷플릭스" in h.snippet[s:e] or h.snippet[s:e] in "넷플릭스"
            for h in hits
            for s, e in h.spans
        )
        assert "result" in _status(app)
        # Enter opens the highlighted result at its first hit
        first = hits[0]
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.current is not None and app.doc and app.doc.complete)
        await pilot.pause()
        assert app.current.path == first.path
        marks = app.article.hits
        assert marks and app.article.hit_index == 0
        assert all("넷플릭스" in app.doc.lines[h.y].plain[h.start : h.end + 4] for h in marks)
        top = round(app.article.scroll_offset.y)
        assert top <= marks[0].y < top + app.article.size.height
        assert f"hit 1/{len(marks)}" in app.query_one("#header").plain
        if len(marks) > 1:
            await pilot.press("n")
            assert f"hit 2/{len(marks)}" in app.query_one("#header").plain
            await pilot.press("N")
            assert app.article.hit_index == 0
        # back to the results, then a query the language refuses: an inline error, no crash
        await pilot.press("slash")
        await pilot.press(*["backspace"] * 4)
        await _type(app, pilot, "date:20xx")
        await wait_for(pilot, lambda: app.query_one("#search-status").has_class("-error"))
        assert "date" in _status(app)
        assert app.is_running


async def test_a_word_found_only_after_a_live_change(bundled_archive_copy: Path, tmp_path: Path):
    app = make_app(
        bundled_archive_copy, sync_index=True, watch=True, index_dir=tmp_path / "idx", restore=False
    )
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.loaded and app.index_ready, timeout=60)
        await pilot.pause(0.3)
        (bundled_archive_copy / "2030-02-02-zyxq.md").write_text(
            "---\ntitle: 새 글\ndate: 2030-02-02\n---\n\nzyxquuxword 가 나온다.\n", "utf-8"
        )
        await wait_for(pilot, lambda: "2030-02-02-zyxq.md" in app.by_path, timeout=60)
        await wait_for(pilot, lambda: app.index.search("zyxquuxword").total == 1, timeout=60)
        await pilot.press("slash")
        await _type(app, pilot, "zyxquuxword")
        assert [h.path for h in app.search_panel.hits] == ["2030-02-02-zyxq.md"]


async def test_related_posts_from_the_real_index(bundled_archive_copy: Path, tmp_path: Path):
    from tui_helpers import SEED, open_seed

    app = make_app(bundled_archive_copy, sync_index=True, index_dir=tmp_path / "idx", restore=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.loaded and app.index_ready, timeout=60)
        await open_seed(app, pilot)
        await pilot.press("r")
        await wait_for(pilot, lambda: app.view == "related")
        paths = [e.path for e in app.post_list.entries]
        assert paths and SEED not in paths
        assert all(p in app.by_path for p in paths)
        await pilot.press("escape")
        assert app.view == "all"


async def test_an_index_made_with_other_rules_is_rebuilt_with_a_notice(
    bundled_archive_copy: Path, tmp_path: Path
):
    """The index's notices come from the sync thread; they reach the screen as a toast."""
    import json

    from newsterm.search import store
    from newsterm.search.index import META_FILE, open_index

    index_dir = tmp_path / "idx"
    open_index(bundled_archive_copy, index_dir).sync()
    meta_file = store.current_dir(index_dir) / META_FILE
    meta = json.loads(meta_file.read_text("utf-8"))
    meta["input_version"] = -1
    meta_file.write_text(json.dumps(meta), "utf-8")
    app = make_app(bundled_archive_copy, sync_index=True, index_dir=index_dir, restore=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.loaded and app.index_ready, timeout=60)
        await wait_for(pilot, lambda: "up to date" in str(app.query_one("#status").render()))
        notes = [str(n.message) for n in app._notifications]
        assert any("rebuilding it" in n for n in notes), notes
        assert "error" not in str(app.query_one("#status").render())
