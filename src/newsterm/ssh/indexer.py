"""The served archive's search index, kept up to date by the server alone.

The server is the index's single writer: it syncs once at start, then again whenever files in
the archive change. The watching and the one-sync-at-a-time pacing are the core's
:class:`~newsterm.live.LiveArchive` (the reader uses the same service); this module adds what is
the server's own: the index sync itself, its log lines, and a retry after a failed sync (another
``newsterm index`` holds the lock, a damaged folder) while readers keep working.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from newsterm.live import LiveArchive
from newsterm.ssh.log import log_event

RETRY_AFTER = 10.0  # seconds before a failed sync is tried again
DEBOUNCE_MS = 500


def _sync_once(root: Path, index_dir: Path, index: list[Any]) -> str:
    """One sync in a worker thread; ``index`` caches the opened index between calls."""
    from newsterm.archive import Archive
    from newsterm.search.index import open_index

    if not index:
        index.append(open_index(root, index_dir, notice=lambda m: log_event("index", notice=m)))
    archive = Archive(root)
    result = str(index[0].sync(archive))
    keep_catalog(root, index_dir, archive)
    index[0].merge_in_background()  # the segments a build left, merged meanwhile
    keep_snippet_texts(root, index_dir)
    return result


def keep_snippet_texts(root: Path, index_dir: Path) -> None:
    """Posts indexed before newsterm kept their shown text for search snippets get it, in a
    background thread batch by batch (once; then a small read per sync)."""
    from newsterm.search.snippet_text import start_fill

    try:
        start_fill(index_dir, root)
    except Exception as err:  # searches render what is not kept
        log_event("snippet-texts", status="failed", error=f"{type(err).__name__}: {err}"[:300])


def keep_catalog(root: Path, index_dir: Path, archive: Any) -> None:
    """Bring the reader's list catalog up to date: served readers only read it (a sync writes
    the rows of the posts it parsed; this fills in the rest, e.g. after an index from before
    the catalog). A failure is logged; readers then read the files themselves."""
    from newsterm.catalog import Catalog, refresh

    try:
        catalog = Catalog.beside(index_dir, root)
        refresh(archive, catalog, catalog.load())
    except Exception as err:  # the readers still work without it
        log_event("catalog", status="failed", error=f"{type(err).__name__}: {err}"[:300])


class IndexKeeper:
    """Runs the server's index syncs: ``await keeper.run(stop)`` until ``stop`` is set.

    ``ready`` is set after the first sync attempt (whatever its outcome) so that ``search``
    execs stop waiting; ``syncs`` counts finished syncs (for tests and logs); ``after_sync()``
    is called (in the event loop) after each one that succeeded.
    """

    def __init__(
        self,
        root: Path,
        index_dir: Path,
        sync: Callable[[Path, Path, list[Any]], str] = _sync_once,
        watch: bool = True,
        after_sync: Callable[[], None] | None = None,
    ) -> None:
        self.root = root
        self.index_dir = index_dir
        self._sync = sync
        self._after_sync = after_sync
        self._cache: list[Any] = []
        self._live = LiveArchive(
            root,
            sync=lambda _changed: self._sync(self.root, self.index_dir, self._cache),
            on_synced=self._synced,
            on_failed=self._failed,
            on_problem=self._watch_problem,
            watch=watch,
            debounce_ms=DEBOUNCE_MS,
            step_ms=100,
        )

    @property
    def ready(self) -> asyncio.Event:
        return self._live.ready

    @property
    def syncs(self) -> int:
        return self._live.syncs

    @property
    def failures(self) -> int:
        return self._live.failures

    def request(self) -> None:
        """Ask for a sync (called when the archive changed)."""
        self._live.request()

    async def run(self, stop: asyncio.Event) -> None:
        await self._live.run(stop)

    def _synced(self, result: Any, seconds: float) -> None:
        log_event("index", status="synced", seconds=seconds, result=result)
        if self._after_sync is not None:
            self._after_sync()

    def _failed(self, err: BaseException) -> float | None:
        if isinstance(err, ImportError):
            log_event("index", status="unavailable", error=str(err))
            return None  # nothing will change that: do not retry
        log_event("index", status="failed", error=f"{type(err).__name__}: {err}"[:300])
        self._cache.clear()
        return RETRY_AFTER

    def _watch_problem(self, path: str, reason: str) -> None:
        log_event("index", status="watch-problem", path=path, error=reason)
