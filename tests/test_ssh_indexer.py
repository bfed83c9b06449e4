"""The server's index keeper: one writer, a sync at start and after archive changes."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pytest

from newsterm.ssh import indexer
from newsterm.ssh.indexer import IndexKeeper


class FakeSync:
    """Counts calls and the most that ever ran at once; can fail, or wait for ``gate``."""

    def __init__(self, gate: threading.Event | None = None, fail: int = 0) -> None:
        self.gate = gate
        self.fail = fail
        self.calls = 0
        self.running = 0
        self.most = 0
        self._lock = threading.Lock()

    def __call__(self, root: Path, index_dir: Path, cache: list) -> str:
        with self._lock:
            self.calls += 1
            self.running += 1
            self.most = max(self.most, self.running)
            failing = self.calls <= self.fail
        try:
            if self.gate is not None:
                self.gate.wait(60)
            if failing:
                raise OSError("index busy")
            return "1 added"
        finally:
            with self._lock:
                self.running -= 1


async def until(pred, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.02)


def run(coro) -> None:
    asyncio.run(asyncio.wait_for(coro, 300))  # a hang guard (a loaded CI machine is slow)


def test_first_sync_sets_ready_and_stop_ends_it(tmp_path: Path):
    sync = FakeSync()

    async def go() -> None:
        keeper = IndexKeeper(tmp_path, tmp_path / "ix", sync=sync, watch=False)
        stop = asyncio.Event()
        task = asyncio.ensure_future(keeper.run(stop))
        await asyncio.wait_for(keeper.ready.wait(), 60)
        assert keeper.syncs == 1
        stop.set()
        await asyncio.wait_for(task, 60)

    run(go())
    assert sync.calls == 1


def test_requests_during_a_sync_make_one_more_and_never_overlap(tmp_path: Path):
    gate = threading.Event()  # the first sync runs until the burst is in (a 0.3 s sleep
    sync = FakeSync(gate=gate)  # could end before the test saw it running, on a loaded CI)

    async def go() -> None:
        keeper = IndexKeeper(tmp_path, tmp_path / "ix", sync=sync, watch=False)
        stop = asyncio.Event()
        task = asyncio.ensure_future(keeper.run(stop))
        await until(lambda: sync.running == 1, 60)
        for _ in range(5):  # a burst of changes while the first sync runs
            keeper.request()
        await asyncio.sleep(0.3)  # none of them starts a sync beside it
        assert sync.calls == 1
        gate.set()
        await until(lambda: keeper.syncs == 2, 60)
        await asyncio.sleep(0.5)  # and no third one comes
        stop.set()
        await asyncio.wait_for(task, 60)

    run(go())
    assert sync.calls == 2
    assert sync.most == 1


def test_a_failed_sync_still_sets_ready_and_is_retried(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(indexer, "RETRY_AFTER", 0.2)
    sync = FakeSync(fail=1)

    after: list[int] = []  # (the server has the zygote read the catalog after each sync)

    async def go() -> IndexKeeper:
        keeper = IndexKeeper(
            tmp_path, tmp_path / "ix", sync=sync, watch=False, after_sync=lambda: after.append(1)
        )
        stop = asyncio.Event()
        task = asyncio.ensure_future(keeper.run(stop))
        await asyncio.wait_for(keeper.ready.wait(), 60)
        assert after == []  # not after the failed one
        await until(lambda: keeper.syncs == 1, 60)
        stop.set()
        await asyncio.wait_for(task, 60)
        return keeper

    run(go())
    assert sync.calls == 2 and after == [1]


def test_a_changed_post_makes_the_server_sync_again(tmp_path: Path):
    pytest.importorskip("watchfiles")
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "2024-01-01-a.md").write_text("---\ntitle: A\n---\nx\n", encoding="utf-8")
    sync = FakeSync()

    async def go() -> None:
        keeper = IndexKeeper(archive, tmp_path / "ix", sync=sync, watch=True)
        stop = asyncio.Event()
        task = asyncio.ensure_future(keeper.run(stop))
        await asyncio.wait_for(keeper.ready.wait(), 60)
        await asyncio.sleep(0.5)  # let the watcher start
        (archive / "2024-01-02-b.md").write_text("---\ntitle: B\n---\ny\n", encoding="utf-8")
        await until(lambda: keeper.syncs >= 2, 60)
        stop.set()
        await asyncio.wait_for(task, 60)

    run(go())


def test_the_server_watches_past_bad_names_and_never_outside(tmp_path: Path):
    """Issue 13 item 10: a ``dir\\xff`` folder and a link to /usr inside the archive."""
    import io
    import json
    import os

    from newsterm.ssh import log

    pytest.importorskip("watchfiles")
    archive = tmp_path / "archive"
    (archive / "2024").mkdir(parents=True)
    os.symlink("/usr", archive / "usr")
    os.mkdir(os.fsencode(archive) + b"/dir\xff")
    (archive / "2024-01-01-a.md").write_text("---\ntitle: A\n---\nx\n", encoding="utf-8")
    sync = FakeSync()
    stream = io.StringIO()
    log.set_stream(stream)

    batches: list[set[str]] = []  # what the watcher said, in order (an empty set: watching)
    began: list[int] = []  # how many syncs had begun when each batch came

    async def seen(rels: set[str]) -> None:
        batches.append(rels)
        began.append(sync.calls)  # (the sync a batch asks for is asked, not yet begun)

    async def named_then_synced(keeper: IndexKeeper, rel: str) -> None:
        """``rel`` is named by the watcher, and a sync that began after that finishes."""
        await until(lambda: any(rel in b for b in batches), 60)
        before = began[next(i for i, b in enumerate(batches) if rel in b)]
        await until(lambda: keeper.syncs > before, 60)

    async def go() -> None:
        keeper = IndexKeeper(archive, tmp_path / "ix", sync=sync, watch=True)
        keeper._live._on_change = seen
        stop = asyncio.Event()
        task = asyncio.ensure_future(keeper.run(stop))
        await asyncio.wait_for(keeper.ready.wait(), 60)
        await until(lambda: set() in batches, 60)  # watching has begun (a fixed pause raced it)
        (archive / "2024" / "2024-01-02-b.md").write_text("---\ntitle: B\n---\ny\n", "utf-8")
        await named_then_synced(keeper, "2024/2024-01-02-b.md")
        failed_at = len(batches)
        with open(os.fsencode(archive) + b"/bad\xfe.md", "w") as f:  # watchfiles fails on it
            f.write("x")
        # The watcher says so (an empty set) and starts again (another, once watching): a file
        # written before that is only rescanned, never named (a fixed 1.5 s raced it).
        await until(lambda: batches[failed_at:].count(set()) >= 2, 60)
        (archive / "2024" / "2024-01-03-c.md").write_text("---\ntitle: C\n---\nz\n", "utf-8")
        await named_then_synced(keeper, "2024/2024-01-03-c.md")
        stop.set()
        await asyncio.wait_for(task, 60)

    try:
        run(go())
    finally:
        log.set_stream(None)
    lines = [json.loads(x) for x in stream.getvalue().splitlines()]
    problems = [r for r in lines if r.get("status") == "watch-problem"]
    assert any(r["path"] == "dir\\xff" and "not UTF-8" in r["error"] for r in problems), lines
    assert any("watching again" in r["error"] for r in problems), lines
    assert not [r for r in lines if r.get("status") == "not-watching"]


def test_the_real_sync_builds_an_index_readers_can_search(tmp_path: Path):
    pytest.importorskip("newsterm.search.index")
    from newsterm.search.index import open_index

    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "2024-01-01-a.md").write_text(
        "---\ntitle: Pangolin notes\n---\nabout pangolins\n", encoding="utf-8"
    )

    async def go() -> None:
        keeper = IndexKeeper(archive, tmp_path / "ix", watch=False)
        stop = asyncio.Event()
        task = asyncio.ensure_future(keeper.run(stop))
        await asyncio.wait_for(keeper.ready.wait(), 60)
        stop.set()
        await asyncio.wait_for(task, 60)
        assert keeper.syncs == 1

    run(go())
    reader = open_index(archive, tmp_path / "ix")
    assert not reader.needs_build()
    assert [h.title for h in reader.search("pangolins").hits] == ["Pangolin notes"]


def test_the_servers_sync_fills_the_texts_an_older_index_lacks(tmp_path: Path):
    from newsterm.search.index import open_index
    from newsterm.search.snippet_text import SnippetTexts, start_fill
    from newsterm.ssh.indexer import _sync_once

    archive = tmp_path / "archive"
    archive.mkdir()
    for i in range(3):
        (archive / f"p{i}.md").write_text(f"---\ntitle: t{i}\n---\n**bold** {i}\n", "utf-8")
    ixdir = tmp_path / "ix"
    open_index(archive, ixdir).sync()
    SnippetTexts(ixdir).discard()
    _sync_once(archive, ixdir, [])
    start_fill(ixdir, archive).join(60)  # (the fill the sync started, still running or done)
    assert SnippetTexts(ixdir).paths() == {"p0.md", "p1.md", "p2.md"}
