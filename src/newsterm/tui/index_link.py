"""The reader's connection to the search index: open it, keep it in step, notice it is gone.

:class:`IndexLink` runs in the live-archive service's thread (:mod:`newsterm.live`) and knows no
screen: it reports through :class:`IndexEvents`, whose methods the main screen hands to the
app's thread. Served, ``newsterm serve`` is the index's only writer: the link waits for the
server's build and never syncs.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from newsterm.errors import IndexBusyError

if TYPE_CHECKING:
    from newsterm.archive import Archive

INDEX_RETRY = 5.0  # seconds before syncing again when another process holds the index


def fmt(n: int) -> str:
    return f"{n:,}"


class IndexEvents(Protocol):
    """What the link tells the reader (called from the link's thread)."""

    def state(self, text: str) -> None:
        """The index's state for the status line ("indexing 10/20", "up to date", …)."""

    def usable(self) -> None:
        """An index from an earlier run answers searches (while it is brought up to date)."""

    def synced(self) -> None:
        """The index is up to date."""

    def busy(self, built: bool) -> None:
        """Another newsterm is writing the index (``built``: an earlier one answers)."""

    def notice(self, message: str) -> None:
        """A notice of the index's own ("damaged; rebuilding")."""


def progress_label(done: int, total: int, changed: int, built: bool) -> str:
    """The status line's words for an index sync in progress."""
    if changed:
        noun = "post" if changed == 1 else "posts"
        return f"{fmt(changed)} {noun} changed, updating"
    if built:
        # Files that changed since the last sync are being re-indexed.
        return f"updating the index {fmt(done)}/{fmt(total)}"
    return f"indexing {fmt(done)}/{fmt(total)}"


class IndexLink:
    """The reader's index (``index`` may be one a caller opened) and its syncs."""

    def __init__(
        self,
        root: Path,
        index_dir: Path,
        events: IndexEvents,
        archive: Callable[[], Archive],
        *,
        served: bool = False,
        index: Any = None,
        gone: threading.Event | None = None,
        progress_every: float = 0.2,
    ) -> None:
        self.root = root
        self.index_dir = index_dir
        self.events = events
        self.archive = archive  # the reader's Archive (made on first use)
        self.served = served
        self.index: Any = index
        self.gone = gone if gone is not None else threading.Event()  # the reader has closed
        self.progress_every = progress_every

    def _open(self) -> Any:
        from newsterm.search.index import open_index

        # The index's notices ("damaged; rebuilding") must not go to stderr: the screen is ours.
        return open_index(self.root, self.index_dir, notice=self.events.notice)

    def sync(self, changed: int = 0) -> str:
        """One sync: "synced", "served", "error" or "unavailable"; raises IndexBusyError when
        another process holds the index (the live service tries again after ``retry_after``)."""
        events = self.events
        if self.index is None and not self.served and not changed and self.nothing_changed():
            # Found without Whoosh (a stat walk and the manifest's digest): say so at once,
            # then open the index for searches.
            events.state("up to date")
            try:
                self.index = self._open()
            except Exception as err:  # a broken index folder must not stop the reader
                events.state(f"index error: {err}")
                return "error"
            if not self.index.needs_build():
                events.synced()
                return "synced"
        if self.index is None:
            try:
                import newsterm.search.index  # noqa: F401  (search may be missing)
            except ImportError:
                events.state("search unavailable")
                return "unavailable"
            try:
                self.index = self._open()
            except Exception as err:  # a broken index folder must not stop the reader
                events.state(f"index error: {err}")
                return "error"
        if self.served:
            self._wait_for_server_index()
            return "served"
        try:
            built = not self.index.needs_build()
        except Exception:
            built = False
        if built:
            # An index from an earlier run answers at once; the sync only brings it up to date.
            events.usable()
            if not changed:
                # Looking for changes writes nothing: it is a check, never "indexing".
                events.state("checking for changes…")
        last = [0.0]

        def progress(done: int, total: int) -> None:
            now = time.monotonic()
            if now - last[0] > self.progress_every or done == total:
                last[0] = now
                events.state(progress_label(done, total, changed, built))

        try:
            self.index.sync(self.archive(), progress=progress)
        except IndexBusyError:
            # Another newsterm (a second window, the SSH server) is updating it: search what is
            # there and try again a little later.
            events.busy(built)
            raise
        except Exception as err:
            events.state(f"index error: {err}")
            return "error"
        events.synced()
        return "synced"

    def nothing_changed(self) -> bool:
        """Whether the index is up to date with the files (no Whoosh needed to find out)."""
        try:
            from newsterm.search.store import quick_check

            return quick_check(self.index_dir, self.archive().walk()) is not None
        except Exception:
            return False

    def _wait_for_server_index(self) -> None:
        """Served: wait for the server's build of the index, never sync."""
        from newsterm.search.index import open_index

        while self.index.needs_build():
            self.events.state("index building on the server")
            if self.gone.wait(1.0):
                return
            self.index = open_index(self.root, self.index_dir, notice=lambda _m: None)
        self.events.synced()

    @staticmethod
    def retry_after(err: BaseException) -> float | None:
        """Seconds before the live service syncs again after ``err`` (None: not again)."""
        return INDEX_RETRY if isinstance(err, IndexBusyError) else None

    def is_gone(self) -> bool:
        """Whether the index was deleted under the reader."""
        try:
            return bool(self.index is not None and self.index.is_gone())
        except Exception:
            return False
