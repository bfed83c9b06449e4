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
        await _until(lambda: len(seen) == 1, 60)
        live.request(2)
        live.request(3)
        await _until(lambda: live.syncs == 2, 60)
        stop.set()
        gate.set()
        await asyncio.wait_for(task, 60)

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
        await asyncio.wait_for(live.ready.wait(), 60)
        if retry is None:
            await asyncio.sleep(0.35)  # three retries' time: none may come
        else:
            await _until(lambda: len(calls) >= 3, 60)  # (a fixed 0.35 s saw 2 under load)
        stop.set()
        await asyncio.wait_for(task, 60)
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
        await asyncio.wait_for(live.ready.wait(), 60)
        await _until(lambda: set() in changes, 60)  # watching has begun (it says so)
        (tmp_path / "2024-01-02-b.md").write_text("---\ntitle: B\n---\ny\n", "utf-8")
        # (the first sync waited for watching to begin: the change's sync comes after it)
        await _until(lambda: any(n >= 1 for n in synced), 60)
        stop.set()
        await asyncio.wait_for(task, 60)

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
            await _until(lambda: any(n >= 1 for n in synced), 60)  # held until it syncs
            seen_during.append(list(synced))

    async def go() -> None:
        live = LiveArchive(tmp_path, sync=synced.append, on_change=on_change, debounce_ms=50)
        stop = asyncio.Event()
        task = asyncio.ensure_future(live.run(stop))
        await asyncio.wait_for(live.ready.wait(), 60)
        await _until(lambda: bool(began), 60)
        (tmp_path / "2024-01-02-b.md").write_text("---\ntitle: B\n---\ny\n", "utf-8")
        await _until(lambda: bool(seen_during), 60)
        stop.set()
        await asyncio.wait_for(task, 60)

    asyncio.run(go())
    assert seen_during and any(n >= 1 for n in seen_during[0])


def _fake_watch(
    monkeypatch: pytest.MonkeyPatch,
    batches: list[tuple[float, set[str]] | tuple[float, set[str], int]],
    began: list[float] | None = None,
) -> None:
    """``watch_archive`` replaced by one that yields ``batches`` after their pauses. A pause
    counts from the batch before, or with a third item ``k`` from the beginning of the k-th
    sync (in ``began``; the batch waits until it has begun): a pause counted from the start
    raced a sync thread that began late on a loaded machine."""
    pytest.importorskip("watchfiles")
    import newsterm.watch

    async def watch_archive(root, *, stop_event=None, **_kw):
        for pause, rels, *k in batches:
            if k and k[0]:
                assert began is not None
                need = k[0]
                await _until(lambda need=need: len(began) >= need, 60)
                pause = began[need - 1] + pause - time.monotonic()
            await asyncio.sleep(max(0.0, pause))
            yield rels
        await stop_event.wait()

    monkeypatch.setattr(newsterm.watch, "watch_archive", watch_archive)


def _run_live(
    tmp_path: Path, began: list[float], done, then: float = 0.5, **kw
) -> tuple[list[float], float]:
    """Appends to ``began`` when each sync begins; returns when each batch came, and when the
    live archive started. It runs until ``done(batches)`` holds, and ``then`` seconds more
    (where nothing more may come)."""
    batches: list[float] = []

    def sync(_changed: int) -> str:
        began.append(time.monotonic())
        return "ok"

    async def on_change(_rels: set[str]) -> None:
        batches.append(time.monotonic())

    async def go() -> float:
        live = LiveArchive(tmp_path, sync=sync, on_change=on_change, **kw)
        start = time.monotonic()
        stop = asyncio.Event()
        task = asyncio.ensure_future(live.run(stop))
        await _until(lambda: done(batches), 60)
        await asyncio.sleep(then)
        stop.set()
        await asyncio.wait_for(task, 60)
        return start

    start = asyncio.run(go())
    return batches, start


def test_the_first_sync_waits_for_watching_and_is_the_only_one(tmp_path, monkeypatch):
    # At 100,000 posts the server synced at start, then again when watching began (its empty
    # batch): a second walk of the archive, 8 s of a core while 30 SSH readers were starting.
    began: list[float] = []
    _fake_watch(monkeypatch, [(0.3, set())])
    batches, _ = _run_live(tmp_path, began, lambda batches: began and batches)
    assert len(began) == 1 and len(batches) == 1
    assert began[0] >= batches[0] - 0.05  # it began once watching had: it sees all before


def test_watching_again_after_a_failure_syncs_again(tmp_path, monkeypatch):
    # The empty batch after a failure (and after watching began again) is a rescan: the sync
    # from before it cannot have seen what changed while nothing was watched. (It comes 0.8 s
    # after that sync began, more than START_SIGNAL_MS: the sync began before watching did.)
    began: list[float] = []
    _fake_watch(monkeypatch, [(0.1, set()), (0.8, set(), 1)], began)
    batches, _ = _run_live(tmp_path, began, lambda batches: len(batches) == 2 and len(began) == 2)
    assert len(batches) == 2 and len(began) == 2
    assert began[1] >= batches[1] - 0.05


def test_without_a_start_signal_the_first_sync_does_not_wait_for_ever(tmp_path, monkeypatch):
    from newsterm import live

    monkeypatch.setattr(live, "FIRST_SYNC_WAIT", 0.2)
    began: list[float] = []
    _fake_watch(monkeypatch, [])  # a watcher that never says it is watching
    batches, _ = _run_live(tmp_path, began, lambda batches: began)
    assert len(began) == 1 and batches == []


def test_a_first_sync_that_does_not_wait_is_looked_at_again_once_watching(tmp_path, monkeypatch):
    # The reader's first check shares the walk of its list (made already): it does not wait;
    # what changed before watching began is then looked for by one more sync.
    from newsterm import live

    began: list[float] = []
    # Watching is said 0.7 s after the first sync began (a real watcher: START_SIGNAL_MS after
    # it began to watch); a first sync that waited for it would begin FIRST_SYNC_WAIT late.
    _fake_watch(monkeypatch, [(0.7, set(), 1)], began)
    batches, start = _run_live(tmp_path, began, lambda batches: len(began) == 2, first_waits=False)
    assert len(began) == 2 and len(batches) == 1
    assert began[0] - start < live.FIRST_SYNC_WAIT and batches[0] <= began[1]
