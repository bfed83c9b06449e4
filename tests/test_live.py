"""The live-archive service shared by the reader and the server: watch, then one sync at a time."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from newsterm.live import LiveArchive


async def _until(pred, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.02)


def test_changed_counts_add_up_until_the_next_sync(tmp_path: Path):
    seen: list[int] = []
    gate = asyncio.Event()

    def sync(changed: int) -> str:
        seen.append(changed)
        time.sleep(0.2 if len(seen) == 1 else 0)
        return "ok"

    async def go() -> None:
        live = LiveArchive(tmp_path, sync=sync, watch=False)
        stop = asyncio.Event()
        task = asyncio.ensure_future(live.run(stop))
        await _until(lambda: len(seen) == 1, 5)
        live.request(2)
        live.request(3)
        await _until(lambda: live.syncs == 2, 5)
        stop.set()
        gate.set()
        await asyncio.wait_for(task, 5)

    asyncio.run(go())
    assert seen == [0, 5]


def test_a_failure_is_retried_only_when_asked(tmp_path: Path):
    calls: list[int] = []

    def sync(changed: int) -> str:
        calls.append(changed)
        raise OSError("busy")

    async def go(retry: float | None) -> LiveArchive:
        live = LiveArchive(tmp_path, sync=sync, watch=False, on_failed=lambda err: retry)
        stop = asyncio.Event()
        task = asyncio.ensure_future(live.run(stop))
        await asyncio.wait_for(live.ready.wait(), 5)
        if retry is None:
            await asyncio.sleep(0.35)  # three retries' time: none may come
        else:
            await _until(lambda: len(calls) >= 3, 60)  # (a fixed 0.35 s saw 2 under load)
        stop.set()
        await asyncio.wait_for(task, 5)
        return live

    live = asyncio.run(go(None))
    assert len(calls) == 1 and live.failures == 1 and live.syncs == 0
    calls.clear()
    asyncio.run(go(0.1))
    assert len(calls) >= 3


def test_a_change_is_reported_with_its_path_then_synced(tmp_path: Path):
    pytest.importorskip("watchfiles")
    (tmp_path / "2024-01-01-a.md").write_text("---\ntitle: A\n---\nx\n", "utf-8")
    changes: list[set[str]] = []
    synced: list[int] = []

    async def on_change(rels: set[str]) -> None:
        changes.append(rels)

    async def go() -> None:
        live = LiveArchive(tmp_path, sync=synced.append, on_change=on_change, debounce_ms=50)
        stop = asyncio.Event()
        task = asyncio.ensure_future(live.run(stop))
        await asyncio.wait_for(live.ready.wait(), 5)
        await _until(lambda: set() in changes, 60)  # watching has begun (it says so)
        (tmp_path / "2024-01-02-b.md").write_text("---\ntitle: B\n---\ny\n", "utf-8")
        # (the first sync waited for watching to begin: the change's sync comes after it)
        await _until(lambda: any(n >= 1 for n in synced), 60)
        stop.set()
        await asyncio.wait_for(task, 5)

    asyncio.run(go())
    assert {"2024-01-02-b.md"} in changes
    assert synced[0] == 0 and max(synced[1:]) >= 1


def test_a_named_change_starts_the_sync_while_the_front_rereads_it(tmp_path: Path):
    # At 100,000 posts re-reading the list takes a moment: the index's sync does not wait
    # for it. (After a rescan, an empty set, the sync comes after: the front may share its
    # walk with it.)
    pytest.importorskip("watchfiles")
    (tmp_path / "2024-01-01-a.md").write_text("---\ntitle: A\n---\nx\n", "utf-8")
    synced: list[int] = []
    seen_during: list[list[int]] = []

    began: list[bool] = []

    async def on_change(rels: set[str]) -> None:
        if not rels:
            began.append(True)  # watching has begun (or begun again)
        if rels:
            await _until(lambda: any(n >= 1 for n in synced), 30)  # held until it syncs
            seen_during.append(list(synced))

    async def go() -> None:
        live = LiveArchive(tmp_path, sync=synced.append, on_change=on_change, debounce_ms=50)
        stop = asyncio.Event()
        task = asyncio.ensure_future(live.run(stop))
        await asyncio.wait_for(live.ready.wait(), 5)
        await _until(lambda: bool(began), 60)
        (tmp_path / "2024-01-02-b.md").write_text("---\ntitle: B\n---\ny\n", "utf-8")
        await _until(lambda: bool(seen_during), 60)
        stop.set()
        await asyncio.wait_for(task, 5)

    asyncio.run(go())
    assert seen_during and any(n >= 1 for n in seen_during[0])


def _fake_watch(monkeypatch: pytest.MonkeyPatch, batches: list[tuple[float, set[str]]]) -> None:
    """``watch_archive`` replaced by one that yields ``batches`` (after their pauses)."""
    pytest.importorskip("watchfiles")
    import newsterm.watch

    async def watch_archive(root, *, stop_event=None, **_kw):
        for pause, rels in batches:
            await asyncio.sleep(pause)
            yield rels
        await stop_event.wait()

    monkeypatch.setattr(newsterm.watch, "watch_archive", watch_archive)


def _run_live(tmp_path: Path, seconds: float) -> tuple[list[float], list[float]]:
    """When each sync began and when each batch came, after ``seconds`` of a live archive."""
    began: list[float] = []
    batches: list[float] = []

    def sync(_changed: int) -> str:
        began.append(time.monotonic())
        return "ok"

    async def on_change(_rels: set[str]) -> None:
        batches.append(time.monotonic())

    async def go() -> None:
        live = LiveArchive(tmp_path, sync=sync, on_change=on_change)
        stop = asyncio.Event()
        task = asyncio.ensure_future(live.run(stop))
        await asyncio.sleep(seconds)
        stop.set()
        await asyncio.wait_for(task, 5)

    asyncio.run(go())
    return began, batches


def test_the_first_sync_waits_for_watching_and_is_the_only_one(tmp_path, monkeypatch):
    # At 100,000 posts the server synced at start, then again when watching began (its empty
    # batch): a second walk of the archive, 8 s of a core while 30 SSH readers were starting.
    _fake_watch(monkeypatch, [(0.3, set())])
    began, batches = _run_live(tmp_path, 1.0)
    assert len(began) == 1 and len(batches) == 1
    assert began[0] >= batches[0] - 0.05  # it began once watching had: it sees all before


def test_watching_again_after_a_failure_syncs_again(tmp_path, monkeypatch):
    # The empty batch after a failure (and after watching began again) is a rescan: the sync
    # from before it cannot have seen what changed while nothing was watched.
    _fake_watch(monkeypatch, [(0.1, set()), (0.8, set())])
    began, batches = _run_live(tmp_path, 1.5)
    assert len(batches) == 2 and len(began) == 2
    assert began[1] >= batches[1] - 0.05


def test_without_a_start_signal_the_first_sync_does_not_wait_for_ever(tmp_path, monkeypatch):
    from newsterm import live

    monkeypatch.setattr(live, "FIRST_SYNC_WAIT", 0.2)
    _fake_watch(monkeypatch, [])  # a watcher that never says it is watching
    began, batches = _run_live(tmp_path, 0.8)
    assert len(began) == 1 and batches == []


def test_a_first_sync_that_does_not_wait_is_looked_at_again_once_watching(tmp_path, monkeypatch):
    # The reader's first check shares the walk of its list (made already): it does not wait;
    # what changed before watching began is then looked for by one more sync.
    _fake_watch(monkeypatch, [(0.7, set())])  # (a real one: START_SIGNAL_MS after)
    began: list[float] = []

    async def go() -> float:
        live = LiveArchive(
            tmp_path, sync=lambda _n: began.append(time.monotonic()), first_waits=False
        )
        start = time.monotonic()
        stop = asyncio.Event()
        task = asyncio.ensure_future(live.run(stop))
        await asyncio.sleep(1.3)
        stop.set()
        await asyncio.wait_for(task, 5)
        return start

    start = asyncio.run(go())
    assert len(began) == 2 and began[0] - start < 0.3 and began[1] - start >= 0.65
