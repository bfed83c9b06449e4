"""A live archive: watch the folder for changes and keep a search index in step, one sync at a time.

One service for both fronts that follow an archive as it changes: the reader (which also re-reads
the changed posts for its list) and ``newsterm serve`` (the index's single writer). It knows
nothing of the screen or of Whoosh: the front hands it

* ``sync(changed)``: bring the index up to date (``changed``: how many files changed since the
  last sync, 0 for the first); it runs in a daemon thread, so a long build never holds up exit;
* ``on_change(rels)``: an async callback with the archive-relative paths that changed (an
  empty set after the watcher failed and started again: anything may have changed);
* ``on_synced(result, seconds)`` and ``on_failed(error) -> retry delay or None``.

``initial_sync`` / ``sync_on_change`` say whether a sync starts by itself at first and after a
change; :meth:`LiveArchive.request` asks for one at any time. ``first_waits`` (see below):
whether the first sync waits for watching to begin.

Syncs never overlap: changes that arrive during a sync make one more sync after it. When
watching (and ``first_waits``), the first sync waits until watching has begun (at most
``FIRST_SYNC_WAIT``), so that it also covers what changed before: one walk of the archive at
start, not two (at 100,000 posts the server's second one took 8 s of a core while 30 SSH
readers were starting). The reader does not wait: its first check shares the list's walk and
says "up to date" half a second sooner; the look after watching began is a second, cheap one.
A failed sync is tried again after the delay ``on_failed`` gives (``None``: not again until
the next change). Watching is :func:`newsterm.watch.watch_archive` (inside the archive only;
folders it cannot watch go to ``on_problem(path, reason)``) and needs ``watchfiles``; without
it the service only syncs.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

DEBOUNCE_MS = 300
FIRST_SYNC_WAIT = 3.0  # seconds the first sync waits for watching to begin


def in_daemon_thread(fn: Callable[..., Any], *args: Any) -> asyncio.Future[Any]:
    """Run ``fn(*args)`` in a daemon thread and await its result from the running loop."""
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


class LiveArchive:
    """Watches ``root`` and runs index syncs: ``await live.run(stop)`` until ``stop`` is set.

    ``ready`` is set after the first sync attempt (whatever its outcome); ``syncs`` and
    ``failures`` count finished and failed syncs.
    """

    def __init__(
        self,
        root: Path,
        *,
        sync: Callable[[int], Any] | None = None,
        on_change: Callable[[set[str]], Awaitable[None]] | None = None,
        on_synced: Callable[[Any, float], None] | None = None,
        on_failed: Callable[[BaseException], float | None] | None = None,
        on_problem: Callable[[str, str], None] | None = None,
        watch: bool = True,
        initial_sync: bool = True,
        sync_on_change: bool = True,
        first_waits: bool = True,
        debounce_ms: int = DEBOUNCE_MS,
        step_ms: int = 50,
    ) -> None:
        self.root = Path(root)
        self._sync = sync
        self._on_change = on_change
        self._on_synced = on_synced
        self._on_failed = on_failed
        self._on_problem = on_problem
        self._watch = watch
        self._initial_sync = initial_sync
        self._sync_on_change = sync_on_change
        self._first_waits = first_waits
        self._debounce_ms = debounce_ms
        self._step_ms = step_ms
        self._wanted = asyncio.Event()
        self._changed = 0
        self._watching = asyncio.Event()  # set once watching began (or will not)
        self._sync_began: float | None = None  # time.monotonic() when the last sync began
        self.ready = asyncio.Event()
        self.syncs = 0
        self.failures = 0

    def request(self, changed: int = 0) -> None:
        """Ask for a sync (``changed`` more files changed since the last one)."""
        self._changed += changed
        self._wanted.set()

    async def run(self, stop: asyncio.Event | None = None) -> None:
        stop = stop if stop is not None else asyncio.Event()
        watcher = asyncio.ensure_future(self._watch_archive(stop)) if self._watch else None
        try:
            if self._sync is not None and self._initial_sync:
                if watcher is not None and self._first_waits:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._watching.wait(), FIRST_SYNC_WAIT)
                self._wanted.set()
            while not stop.is_set():
                waiter = asyncio.ensure_future(self._wanted.wait())
                stopper = asyncio.ensure_future(stop.wait())
                try:
                    await asyncio.wait({waiter, stopper}, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    waiter.cancel()
                    stopper.cancel()
                if stop.is_set():
                    break
                self._wanted.clear()
                retry = await self._run_sync()
                self.ready.set()
                if retry is not None:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), retry)
                    self._wanted.set()
        finally:
            if watcher is not None:
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await watcher

    async def _run_sync(self) -> float | None:
        """One sync; the delay before trying again when it failed, else None."""
        if self._sync is None:
            return None
        changed, self._changed = self._changed, 0
        loop = asyncio.get_running_loop()
        started = loop.time()
        self._sync_began = time.monotonic()
        try:
            result = await in_daemon_thread(self._sync, changed)
        except Exception as err:  # the front keeps working without a fresh index
            self.failures += 1
            return self._on_failed(err) if self._on_failed is not None else None
        self.syncs += 1
        if self._on_synced is not None:
            self._on_synced(result, loop.time() - started)
        return None

    def _covered(self) -> bool:
        """Whether a sync began after watching did (it sees what changed before)."""
        from newsterm.watch import START_SIGNAL_MS

        watching_since = time.monotonic() - START_SIGNAL_MS / 1000
        return self._sync_began is not None and self._sync_began >= watching_since

    async def _watch_archive(self, stop: asyncio.Event) -> None:
        try:
            await self._watch_changes(stop)
        finally:
            self._watching.set()  # never again waited for (no watchfiles, stopped, failed)

    async def _watch_changes(self, stop: asyncio.Event) -> None:
        try:
            import watchfiles  # noqa: F401
        except ImportError:
            return
        from newsterm.watch import watch_archive

        # Inside the archive only, never through links; bad folder names are problem lines.
        async for rels in watch_archive(
            self.root,
            debounce=self._debounce_ms,
            step=self._step_ms,
            stop_event=stop,
            on_problem=self._on_problem,
        ):
            # An empty set: the watcher failed and started again, so something may have
            # changed unseen: ``on_change`` looks again, the index sync finds out (after it:
            # the front may hand the sync the walk it made). Files named: the sync starts at
            # once, while the front re-reads them (a big archive's list takes a moment).
            syncs = self._sync is not None and self._sync_on_change
            if not rels:
                self._watching.set()
            if rels and syncs:
                self.request(len(rels))
            if self._on_change is not None:
                await self._on_change(rels)
            if not rels and syncs and not self._covered():
                self.request(0)
