"""The reader as ``newsterm serve`` starts it (``--served``): it only reads the server's index.

The server is the index's single writer; a served reader waits for the server's index, never
builds or syncs one itself, and picks up the server's later commits when it searches.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from newsterm.state import ReadingState
from newsterm.tui.app import NewstermApp

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def write_post(root: Path, name: str, title: str, body: str) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / name).write_text(f"---\ntitle: {title}\ndate: 2024-01-01\n---\n\n{body}\n", "utf-8")


async def until(pilot, cond, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await pilot.pause(0.05)


def status(app: NewstermApp) -> str:
    return str(app.query_one("#status").render())


async def test_served_reader_waits_for_the_servers_index_and_never_writes(tmp_path: Path):
    pytest.importorskip("newsterm.search.index")
    from newsterm.search.index import open_index

    archive, index_dir = tmp_path / "archive", tmp_path / "index"
    write_post(archive, "2024-01-01-a.md", "Pangolin notes", "all about pangolins")
    app = NewstermApp(
        archive,
        index_dir=index_dir,
        state=ReadingState.in_memory(archive),
        served=True,
        watch=False,
        sync_index=True,
        restore=False,
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: "index building on the server" in status(app))
        await asyncio.sleep(1.5)  # a reader that wrote would have made the folder by now
        assert not index_dir.exists()
        assert not app.index_ready
        # The server builds the index: the reader notices and searches it.
        await asyncio.to_thread(lambda: open_index(archive, index_dir).sync())
        await until(pilot, lambda: app.index_ready and "up to date" in status(app))
        hits = app.index.search("pangolins").hits
        assert [h.title for h in hits] == ["Pangolin notes"]
        # A later commit by the server is seen by the reader's next search (no reader sync).
        write_post(archive, "2024-01-02-b.md", "Quokka notes", "all about quokkas")
        await asyncio.to_thread(lambda: open_index(archive, index_dir).sync())
        assert [h.title for h in app.index.search("quokkas").hits] == ["Quokka notes"]


def test_served_reader_without_a_terminal_is_one_line_and_exit_1(tmp_path: Path):
    # As under OpenSSH's ForceCommand with `ssh -T host` or `ssh host cmd`: no pty.
    import subprocess
    import sys

    archive = tmp_path / "archive"
    write_post(archive, "2024-01-01-a.md", "A", "a")
    res = subprocess.run(
        [sys.executable, "-m", "newsterm", "read", "--served", "--archive", str(archive)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 1
    assert res.stdout == ""
    assert res.stderr.strip().splitlines() == [
        "newsterm: the reader needs a terminal; connect with ssh -t"
    ]


def test_a_crash_shows_a_remote_reader_one_line_not_a_traceback(tmp_path: Path):
    """A served reader that crashes must not print its traceback and local variables."""
    import os
    import select
    import sys

    from newsterm.ssh.env import build_child_env
    from newsterm.ssh.limits import child_preexec
    from newsterm.ssh.pty_child import spawn_in_pty

    archive = tmp_path / "archive"
    write_post(archive, "2024-01-01-a.md", "A", "a")
    boom = tmp_path / "boom.py"
    boom.write_text(
        "import sys\n"
        "from newsterm.tui.app import NewstermApp\n"
        "def crash(self):\n"
        "    secret_local = 'SECRET-LOCAL-VALUE'\n"
        "    raise RuntimeError('boom ' + secret_local[:0])\n"
        "NewstermApp.on_mount = crash\n"
        "from newsterm.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n",
        encoding="utf-8",
    )
    env = build_child_env("xterm-256color", {})
    argv = [sys.executable, str(boom), "read", "--served", "--archive", str(archive)]
    proc, master = spawn_in_pty(argv, env, 100, 30, child_preexec(1024, 60, True))
    out = b""
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                out += chunk
            elif proc.poll() is not None:
                break
        status = proc.wait(timeout=30)
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
    text = out.decode("utf-8", "replace")
    assert status == 1
    assert "the reader stopped on an internal error" in text
    assert "SECRET-LOCAL-VALUE" not in text and "Traceback" not in text


async def test_queries_are_capped_in_length(tmp_path: Path):
    from textual import events

    from newsterm.tui.widgets.search import MAX_QUERY

    archive = tmp_path / "archive"
    write_post(archive, "2024-01-01-a.md", "A", "a")
    app = NewstermApp(
        archive,
        index_dir=tmp_path / "index",
        state=ReadingState.in_memory(archive),
        served=True,
        watch=False,
        sync_index=False,
        restore=False,
    )

    async def fill(box, typed: str) -> int:
        """Paste nearly a full query, type past the cap, paste a huge one: the length after."""
        app.post_message(events.Paste("가" * (MAX_QUERY - 2)))
        await pilot.pause()
        await pilot.press(*typed)
        app.post_message(events.Paste("x" * (MAX_QUERY * 50)))
        await pilot.pause()
        return len(box.value)

    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.loaded)
        await pilot.press("t")  # the title filter
        assert await fill(app.query_one("#title-filter"), "abcdef") == MAX_QUERY
        assert len(app.main.title_query) == MAX_QUERY
        await pilot.press("escape", "slash")  # the search box
        assert app.focused is app.search_panel.input
        assert await fill(app.search_panel.input, "abcdef") == MAX_QUERY


async def test_no_action_reaches_a_file_or_suspends_even_through_markup(tmp_path: Path):
    """Textual actions a crafted ``[@click=...]`` could reach do nothing harmful when served."""
    archive = tmp_path / "archive"
    write_post(archive, "2024-01-01-a.md", "A", "a")
    shots = tmp_path / "shots"
    shots.mkdir()
    app = NewstermApp(
        archive,
        index_dir=tmp_path / "index",
        state=ReadingState.in_memory(archive),
        served=True,
        watch=False,
        sync_index=False,
        restore=False,
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.loaded)
        await app.run_action(f"screenshot('x.svg', {str(shots)!r})")
        await app.run_action("suspend_process")
        await pilot.pause()
        assert list(shots.iterdir()) == []
        assert app.is_running
        href = "[@click=app.quit]x[/]"
        app.open_url(href)
        app.action_open_link(href)
        await pilot.pause()
        shown = [n for n in app._notifications if "not opened" in str(n.message)]
        assert len(shown) == 2 and all(href in n.message and not n.markup for n in shown)
        assert app.is_running


async def test_served_reader_follows_the_servers_catalog_without_walking_or_watching(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The server walks, watches and keeps the catalog for every session: a served reader
    shows the catalog, learns of a new or changed post from it, and never walks the archive's
    folders or watches them itself (that was ~0.8 CPU s and ~40 MB per session at 20k posts)."""
    pytest.importorskip("newsterm.search.index")
    import threading

    import newsterm.archive
    import newsterm.watch
    from newsterm.ssh.indexer import _sync_once

    archive, index_dir = tmp_path / "archive", tmp_path / "index"

    def dated(root: Path, name: str, title: str, body: str) -> None:
        root.mkdir(parents=True, exist_ok=True)
        text = f"---\ntitle: {title}\ndate: {name[:10]}\n---\n\n{body}\n"
        (root / name).write_text(text, "utf-8")

    dated(archive, "2024-01-01-a.md", "Pangolin notes", "all about pangolins")
    dated(archive, "2024-01-02-b.md", "Quokka notes", "all about quokkas")
    cache: list = []

    def server_sync() -> None:  # what the server does after a change, in its own thread
        thread = threading.Thread(target=_sync_once, args=(archive, index_dir, cache), name="srv")
        thread.start()
        thread.join()

    server_sync()
    walks: list[str] = []
    watches: list[str] = []
    real_walk, real_scan = newsterm.archive.walk_posts, newsterm.archive.scan_archive

    def counted(real):
        def wrapper(*args, **kwargs):
            if threading.current_thread().name != "srv":
                walks.append(threading.current_thread().name)
            return real(*args, **kwargs)

        return wrapper

    async def no_watch(*args, **kwargs):
        watches.append("watch")
        if False:
            yield set()

    monkeypatch.setattr(newsterm.archive, "walk_posts", counted(real_walk))
    monkeypatch.setattr(newsterm.archive, "scan_archive", counted(real_scan))
    monkeypatch.setattr(newsterm.watch, "watch_archive", no_watch)
    app = NewstermApp(
        archive,
        index_dir=index_dir,
        state=ReadingState.in_memory(archive),
        served=True,
        watch=True,  # as `newsterm serve` starts it: served alone turns the reader's own off
        sync_index=True,
        restore=False,
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.loaded and app.index_ready)
        assert [p.title for p in app.main.posts] == ["Quokka notes", "Pangolin notes"]
        app.main.post_list.select_path("2024-01-01-a.md")
        await pilot.press("enter")
        await until(pilot, lambda: app.main.current is not None)
        # The server sees a new post and an edit to the open one, and keeps its catalog.
        dated(archive, "2024-01-03-c.md", "Wombat notes", "all about wombats")
        dated(archive, "2024-01-01-a.md", "Pangolin notes, revised", "pangolins again")
        await asyncio.to_thread(server_sync)
        await until(pilot, lambda: "2024-01-03-c.md" in app.main.by_path)
        await until(pilot, lambda: app.main.current.title == "Pangolin notes, revised")
        assert [p.title for p in app.main.posts] == [
            "Wombat notes",
            "Quokka notes",
            "Pangolin notes, revised",
        ]
        assert "pangolins again" in app.main.current.body
        # A post the server saw go leaves the list.
        (archive / "2024-01-02-b.md").unlink()
        await asyncio.to_thread(server_sync)
        await until(pilot, lambda: "2024-01-02-b.md" not in app.main.by_path)
        # (The server's index, as the reader's search opens it: at its first search.)
        index = app.main.index_link.searchable()
        assert [h.title for h in index.search("wombats").hits] == ["Wombat notes"]
    assert walks == []
    assert watches == []


async def test_served_reader_opens_the_servers_index_at_its_first_search_not_at_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # Every session opening the index as it starts cost each its CPU and memory (100,000
    # posts: tenths of a second and MBs a session); the server's finished index is found
    # without Whoosh and opened by the reader's first search.
    pytest.importorskip("newsterm.search.index")
    from newsterm.search import index as index_module
    from newsterm.search.index import open_index

    archive, index_dir = tmp_path / "archive", tmp_path / "index"
    write_post(archive, "2024-01-01-a.md", "Pangolin notes", "all about pangolins")
    open_index(archive, index_dir).sync()  # as the server keeps it
    opened: list[int] = []
    real_open = index_module.SearchIndex._open
    monkeypatch.setattr(
        index_module.SearchIndex, "_open", lambda self: opened.append(1) or real_open(self)
    )
    app = NewstermApp(
        archive,
        index_dir=index_dir,
        state=ReadingState.in_memory(archive),
        served=True,
        watch=False,
        sync_index=True,
        restore=False,
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.index_ready and "up to date" in status(app))
        await asyncio.sleep(0.3)
        assert opened == [] and app.index is None
        await pilot.press("slash", *"pangolins")
        await until(pilot, lambda: [h.title for h in app.search_panel.hits] == ["Pangolin notes"])
        assert opened == [1]
