"""The served archive's search index, kept up to date by the server alone.

The server is the index's single writer: it syncs once at start, then again whenever files in
the archive change (watchfiles, debounced). Readers and ``search`` execs only open and search
the index; Whoosh readers see a new commit when they reopen their searcher. Syncs never overlap:
changes that arrive during a sync make one more sync after it. A failed sync (another
``newsterm index`` holds the lock, a damaged folder) is logged and retried after a pause; the
reader keeps working meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from newsterm.ssh.log import log_event, monotonic

RETRY_AFTER = 10.0  # seconds before a failed sync is tried again
DEBOUNCE_MS = 500


def _in_daemon_thread(fn: Callable[..., Any], *args: Any) -> asyncio.Future[Any]:
    """Run ``fn(*args)`` in a daemon thread: a long build never holds up the server's exit."""
    loop = asyncio.get_running_loop()
    fut: asyncio.Future[Any] = loop.create_future()

    def settle(ok: bool, value: Any) -> None:
        if not fut.done():
            (fut.set_result if ok else fut.set_exception)(value)

    def target() -> None:
        try:
            result = fn(*args)
        except BaseException as err:  # handed to the awaiting task
            outcome = (False, err)
        else:
            outcome = (True, result)
        with contextlib.suppress(RuntimeError):  # the loop is already closed
            loop.call_soon_threadsafe(settle, *outcome)

    threading.Thread(target=target, name="index-sync", daemon=True).start()
    return fut


def _sync_once(root: Path, index_dir: Path, index: list[Any]) -> str:
    """One sync in a worker thread; ``index`` caches the opened index between calls."""
    from newsterm.archive import Archive
    from newsterm.search.index import open_index

    if not index:
        index.append(open_index(root, index_dir, notice=lambda m: log_event("index", notice=m)))
    return str(index[0].sync(Archive(root)))


class IndexKeeper:
    """Runs the server's index syncs: ``await keeper.run(stop)`` until ``stop`` is set.

    ``ready`` is set after the first sync attempt (whatever its outcome) so that ``search``
    execs stop waiting; ``syncs`` counts finished syncs (for tests and logs).
    """

    def __init__(
        self,
        root: Path,
        index_dir: Path,
        sync: Callable[[Path, Path, list[Any]], str] = _sync_once,
        watch: bool = True,
    ) -> None:
        self.root = root
        self.index_dir = index_dir
        self._sync = sync
        self._watch = watch
        self._cache: list[Any] = []
        self._wanted = asyncio.Event()
        self.ready = asyncio.Event()
        self.syncs = 0
        self.failures = 0

    def request(self) -> None:
        """Ask for a sync (called when the archive changed)."""
        self._wanted.set()

    async def run(self, stop: asyncio.Event) -> None:
        watcher = asyncio.ensure_future(self._watch_archive(stop)) if self._watch else None
        self._wanted.set()
        try:
            while not stop.is_set():
                waiter = asyncio.ensure_future(self._wanted.wait())
                stopper = asyncio.ensure_future(stop.wait())
                await asyncio.wait({waiter, stopper}, return_when=asyncio.FIRST_COMPLETED)
                waiter.cancel()
                stopper.cancel()
                if stop.is_set():
                    break
                self._wanted.clear()
                ok = await self._run_sync()
                self.ready.set()
                if not ok:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), RETRY_AFTER)
                    self._wanted.set()
        finally:
            if watcher is not None:
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await watcher

    async def _run_sync(self) -> bool:
        started = monotonic()
        try:
            result = await _in_daemon_thread(self._sync, self.root, self.index_dir, self._cache)
        except ImportError as err:
            log_event("index", status="unavailable", error=str(err))
            self.failures += 1
            return True  # nothing will change that: do not retry
        except Exception as err:  # the reader still works without a fresh index
            log_event("index", status="failed", error=f"{type(err).__name__}: {err}"[:300])
            self.failures += 1
            self._cache.clear()
            return False
        self.syncs += 1
        log_event("index", status="synced", seconds=monotonic() - started, result=result)
        return True

    async def _watch_archive(self, stop: asyncio.Event) -> None:
        try:
            import watchfiles  # noqa: F401
        except ImportError:
            return
        from newsterm.watch import watch_archive

        def problem(path: str, reason: str) -> None:
            log_event("index", status="watch-problem", path=path, error=reason)

        try:
            async for _changes in watch_archive(
                self.root, debounce=DEBOUNCE_MS, step=100, stop_event=stop, on_problem=problem
            ):
                self.request()
        except asyncio.CancelledError:
            raise
        except Exception as err:
            log_event("index", status="not-watching", error=f"{type(err).__name__}: {err}"[:300])
