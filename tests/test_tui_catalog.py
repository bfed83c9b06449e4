"""The reader's list comes from the metadata catalog at once and is checked against the files."""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest

import newsterm.catalog as catalog_module
from newsterm import paths
from newsterm.archive import Archive
from newsterm.catalog import Catalog, refresh
from newsterm.models import PostInfo
from newsterm.overlay import Overlay
from tui_helpers import SEED, make_app, open_seed, wait_for

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _status(app) -> str:
    rendered = app.main.query_one("#status").render()
    return getattr(rendered, "plain", None) or str(rendered)


def _fill_catalog(root: Path) -> Catalog:
    cat = Catalog.beside(paths.index_dir_for(root), root)
    refresh(Archive(root), cat, None)
    return cat


async def test_the_whole_list_shows_from_the_catalog_before_the_files_are_checked(
    bundled_archive_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = bundled_archive_copy
    cat = _fill_catalog(root)
    expected = [p.path for p in cat.load().posts]
    release = threading.Event()
    real_refresh = catalog_module.refresh

    def slow_refresh(*args, **kwargs):
        release.wait(20)  # the stat walk of a huge archive
        return real_refresh(*args, **kwargs)

    monkeypatch.setattr(catalog_module, "refresh", slow_refresh)
    app = make_app(root, restore=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: len(app.post_list.entries) == len(expected))
        assert [e.path for e in app.post_list.entries] == expected
        status = _status(app)
        assert f"{len(expected)} posts" in status and "so far" not in status
        assert not app.loaded  # the check is still running
        release.set()
        await wait_for(pilot, lambda: app.loaded)
        assert [e.path for e in app.post_list.entries] == expected


async def test_the_list_holds_no_bodies_and_an_opened_post_is_read_whole(
    bundled_archive_copy: Path,
) -> None:
    app = make_app(bundled_archive_copy, restore=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.loaded)
        assert app.main.posts and all(isinstance(p, PostInfo) for p in app.main.posts)
        await open_seed(app, pilot)
        assert app.current is not None and app.current.path == SEED
        seed_text = (bundled_archive_copy / SEED).read_text(encoding="utf-8")
        assert app.current.body.strip()[:40] in seed_text


async def test_a_post_edited_while_the_reader_was_closed_is_read_again(
    bundled_archive_copy: Path,
) -> None:
    root = bundled_archive_copy
    _fill_catalog(root)
    path = root / SEED
    text = path.read_text(encoding="utf-8")
    start = text.index("title:")
    end = text.index("\n", start)
    path.write_text(text[:start] + "title: 고쳐 쓴 제목" + text[end:], encoding="utf-8")
    os.utime(path, ns=(1, 2 * 10**18))
    app = make_app(root, restore=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.loaded)
        assert app.by_path[SEED].title == "고쳐 쓴 제목"
    assert Catalog.beside(paths.index_dir_for(root), root).load() is not None


async def test_a_read_post_moved_while_the_reader_was_closed_keeps_its_mark(
    bundled_archive_copy: Path,
) -> None:
    root = bundled_archive_copy
    from newsterm.state import ReadingState

    state = ReadingState(root)
    app = make_app(root, restore=False, state=state)
    async with app.run_test(size=(120, 30)) as pilot:
        await open_seed(app, pilot)  # opening marks it read
        assert state.is_read(SEED)
    state.close()
    (root / "moved").mkdir()
    os.rename(root / SEED, root / "moved" / "renamed.md")  # another name: found by content
    state = ReadingState(root)
    app = make_app(root, restore=False, state=state)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.loaded)
        assert all(isinstance(p, PostInfo) for p in app.main.posts)  # no bodies were held for it
        assert state.is_read("moved/renamed.md")
    state.close()


async def test_the_look_for_changes_made_before_watching_began_walks_once_after_the_lists_walk(
    bundled_archive_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # At start the list's walk and the index's check share one walk; the watcher's "look
    # again: something may have changed before watching began" needs no walk when the list's
    # walk began after watching did, and one walk (given to the index's next check) otherwise.
    import time

    app = make_app(bundled_archive_copy, restore=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.loaded)
        screen = app.main
        walks: list[int] = []
        real_walk = Archive.walk
        monkeypatch.setattr(Archive, "walk", lambda self: walks.append(1) or real_walk(self))
        screen._walk_began = time.monotonic()  # the list's walk began after watching did
        await screen._apply_changes(set())
        assert walks == []
        screen._walk_began = 0.0
        await screen._apply_changes(set())  # the same files: nothing came or went
        assert walks == [1] and screen.index_link._walk is not None
        new = bundled_archive_copy / "2030-01-01-new.md"
        new.write_text("---\ntitle: 새로 온 글\ndate: 2030-01-01\n---\n\n본문\n", "utf-8")
        await screen._apply_changes(set())
        assert walks == [1, 1]
        await wait_for(pilot, lambda: "2030-01-01-new.md" in screen.by_path)


async def test_a_served_reader_shows_the_preloaded_list_at_once_and_follows_the_servers_writes(
    bundled_archive_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As a reader the SSH server's zygote forked: the catalog was read (and its by_path made)
    # before; the reader shows that very list from its first frame, without a worker reading
    # the catalog, and reads the catalog itself once the server wrote it.
    from newsterm.state import ReadingState
    from newsterm.tui.screens.main_loading import ArchiveLoading
    from newsterm.tui.widgets.post_list import Rows

    root = bundled_archive_copy
    cat = _fill_catalog(root)
    monkeypatch.setattr(catalog_module, "_PRELOADED", {})
    assert catalog_module.preload(cat.path.parent, root)
    held = Catalog.beside(cat.path.parent, root, writable=False).held()
    assert held is not None
    workers: list[int] = []
    real_load = ArchiveLoading.load_archive
    monkeypatch.setattr(
        ArchiveLoading, "load_archive", lambda self: workers.append(1) or real_load(self)
    )
    app = make_app(root, served=True, state=ReadingState.in_memory(root), restore=False)
    async with app.run_test(size=(120, 30)) as pilot:
        assert app.loaded and workers == []  # mounted with its list
        assert app.main.posts is held.posts and app.by_path is held.by_path
        entries = app.post_list.entries
        assert isinstance(entries, Rows) and entries.posts is held.posts
        assert [e.path for e in entries] == [p.path for p in held.posts] + [
            p.path for p in held.problems
        ]
        assert f"{len(held.posts)} posts" in _status(app)
        # The title filter makes its index when a title is typed, and narrows the list.
        assert app.main._titles is None
        word = held.posts[-1].title.split()[0]
        await pilot.press("t", *word)
        wanted = [p.path for p in held.posts if word.casefold() in p.title.casefold()]
        await wait_for(pilot, lambda: [e.path for e in app.post_list.entries] == wanted)
        assert app.main._titles is not None
        await pilot.press("escape")
        await wait_for(pilot, lambda: len(app.post_list.entries) == len(entries))
        # Opening the post under the cursor finds its row without walking the list.
        scans: list[str] = []
        real_index_of = Rows.index_of
        monkeypatch.setattr(
            Rows, "index_of", lambda self, path: scans.append(path) or real_index_of(self, path)
        )
        app.post_list.cursor = 2
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.current is not None)
        assert app.current.path == held.posts[2].path and scans == []
        assert app.reading.is_read(held.posts[2].path)
        monkeypatch.setattr(Rows, "index_of", real_index_of)
        # The server writes a new post into the catalog: the reader's poll shows it, reading
        # only the rows the server changed (not the whole catalog), over the shared list.
        new = root / "2030-01-01-server-news.md"
        new.write_text("---\ntitle: 서버 소식\ndate: 2030-01-01\n---\n\n본문\n", "utf-8")
        refresh(Archive(root), cat, cat.load())
        loads: list[int] = []
        real_catalog_load = Catalog.load

        def counted_load(self: Catalog, limit: int | None = None) -> object:
            loads.append(1)
            return real_catalog_load(self, limit)

        monkeypatch.setattr(Catalog, "load", counted_load)
        await wait_for(pilot, lambda: "2030-01-01-server-news.md" in app.by_path)
        assert app.post_list.entries[0].path == "2030-01-01-server-news.md"
        assert "2030-01-01-server-news.md" not in held.by_path  # the shared one is untouched
        assert loads == [] and isinstance(app.main.posts, Overlay)
        assert [p.path for p in app.main.posts][1:] == [p.path for p in held.posts]
        # The server writes an edited title: the row shows it, in place.
        edited = held.posts[3]
        file = root / edited.path
        title_line = re.compile(r"^title:.*$", re.M)
        text = title_line.sub("title: 고친 제목", file.read_text("utf-8"), count=1)
        file.write_text(text, "utf-8")
        os.utime(file, ns=(file.stat().st_mtime_ns + 10**9,) * 2)
        refresh(Archive(root), cat, real_catalog_load(cat))
        await wait_for(pilot, lambda: app.by_path[edited.path].title == "고친 제목")
        assert app.post_list.entries[4].post.title == "고친 제목" and loads == []
        assert [p.path for p in app.main.posts][1:] == [p.path for p in held.posts]
        assert held.posts[3] is edited and edited.title != "고친 제목"
    assert workers == []


def _row_of(app, path: str):
    """The list's row of ``path`` as drawn (the cursor kept on another row)."""
    plist = app.post_list
    index = plist.index_of(path)
    assert index is not None
    plist.cursor = 0 if index else 1
    return plist.render_line(index - round(plist.scroll_offset.y))


async def test_drafts_are_tagged_in_the_list_and_said_in_the_header(tmp_path: Path) -> None:
    from newsterm.state import ReadingState

    root = tmp_path / "archive"
    root.mkdir()
    (root / "2024-05-01-out.md").write_text(
        "---\ntitle: 나온 글\ndate: 2024-05-01\ncategories: [IT]\n---\n\n본문\n", "utf-8"
    )
    (root / "2024-05-02-wip.md").write_text(
        "---\ntitle: 아직 쓰는 글\ndate: 2024-05-02\ncategories: [IT]\ndraft: true\n---\n\n본문\n",
        "utf-8",
    )
    _fill_catalog(root)
    state = ReadingState.in_memory(root)
    app = make_app(root, restore=False, state=state)
    async with app.run_test(size=(180, 20)) as pilot:  # a list wide enough for categories
        await wait_for(pilot, lambda: app.loaded)
        assert all(isinstance(p, PostInfo) for p in app.main.posts)  # the list of the catalog
        draft, out = _row_of(app, "2024-05-02-wip.md"), _row_of(app, "2024-05-01-out.md")
        assert draft.text.startswith(" ●  2024-05-02  아직 쓰는 글") and "  draft  IT" in draft.text
        assert out.text.startswith(" ●  2024-05-01  나온 글") and "draft" not in out.text
        assert draft.cell_length == out.cell_length == app.post_list.size.width
        # The categories stay in their column; the tag is quieter than the unread title.
        from rich.cells import cell_len

        column = {cell_len(row.text[: row.text.index("IT")]) for row in (draft, out)}
        assert len(column) == 1
        styles = {seg.text.strip(): seg.style for seg in draft if seg.text.strip()}
        assert styles["아직 쓰는 글"].bold and not styles["draft"].bold and styles["draft"].italic
        # Beside an open post the list is narrow: a one-cell mark leaves the title its room.
        plist = app.post_list
        for width in (30, 36):
            narrow = plist._render_row(
                plist.entries[plist.index_of("2024-05-02-wip.md")], width, False, plist.rich_style
            )
            assert narrow.cell_length == width and narrow.text.rstrip().endswith(" ✎")
            assert "draft" not in narrow.text and "아직" in narrow.text
        state.set_read("2024-05-02-wip.md")
        app.post_list.refresh_marks()
        assert _row_of(app, "2024-05-02-wip.md").text.startswith("    2024-05-02  아직 쓰는 글")
        app.post_list.select_path("2024-05-02-wip.md")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.current is not None)
        await pilot.pause()
        meta = app.query_one("#header").plain.splitlines()[1]
        assert meta.startswith("draft   2024-05-02   IT   1 min read"), meta
        app.post_list.focus()
        app.post_list.select_path("2024-05-01-out.md")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.current.path == "2024-05-01-out.md")
        await pilot.pause()
        assert "draft" not in app.query_one("#header").plain
