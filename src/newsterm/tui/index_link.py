"""The reader's connection to the search index: open it, keep it in step, notice it is gone.

:class:`IndexLink` runs in the live-archive service's thread (:mod:`newsterm.live`) and knows no
screen: it reports through :class:`IndexEvents`, whose methods the main screen hands to the
app's thread. Served, ``newsterm serve`` is the index's only writer: the link waits for the
server's build and never syncs.

An index found up to date without Whoosh (the archive's walk against the manifest's digest) is
not opened until a search needs it (:meth:`IndexLink.searchable`): at 100,000 posts opening it
costs seconds and memory a reader that never searches does not need. That walk is the one the
reader's list makes for its own check when it offers it (:meth:`IndexLink.expect_walk`,
:meth:`IndexLink.share_walk`): the files are walked once at start, not twice.
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
    from newsterm.walk import Scan

INDEX_RETRY = 5.0  # seconds before syncing again when another process holds the index
SHARED_WALK_FRESH = 5.0  # a walk the list's check made is used this long after it was taken
SHARED_WALK_WAIT = 300.0  # longest wait for the list's walk (a slow disk) before walking anew


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

    def needs_sync(self) -> None:
        """The index opened for a search cannot answer (damaged, made by another version):
        it is to be synced (rebuilt) now."""


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
        self._opening = threading.Lock()  # the sync's thread and a search's may both open it
        self._walk_wanted = False  # the list's check is walking the files: wait for its walk
        self._walk_ready = threading.Event()
        self._walk: tuple[float, Scan] | None = None
        self._filling: threading.Thread | None = None

    def _open(self) -> Any:
        from newsterm.search.index import open_index

        # The index's notices ("damaged; rebuilding") must not go to stderr: the screen is ours.
        return open_index(self.root, self.index_dir, notice=self.events.notice)

    def _ensure_open(self) -> Any:
        """The index, opened now if it was not (once, whichever thread asks first)."""
        with self._opening:
            if self.index is None:
                self.index = self._open()
            return self.index

    def searchable(self) -> Any:
        """The index for a search or a related-posts look (from a worker thread): opened now
        when the check found it up to date without opening it."""
        if self.index is not None:
            return self.index
        index = self._ensure_open()
        try:
            broken = index.needs_build()
        except Exception:
            broken = True
        if broken and self.served:
            # The server's index cannot answer (it is being rebuilt): this search says so, the
            # next one opens it again.
            with self._opening:
                if self.index is index:
                    self.index = None
        elif broken:
            self.events.needs_sync()
        return index

    def sync(self, changed: int = 0) -> str:
        """One sync: "synced", "served", "error" or "unavailable"; raises IndexBusyError when
        another process holds the index (the live service tries again after ``retry_after``)."""
        events = self.events
        if self.index is None and not self.served and not changed and self.nothing_changed():
            # Found without Whoosh (the walk and the manifest's digest): the index opens when a
            # search needs it.
            events.synced()
            # The segments a build left (`newsterm index`) are merged in the background.
            from newsterm.search.merge import merge_in_background

            merge_in_background(self.index_dir)
            self._fill_texts()
            return "synced"
        if self.index is None:
            try:
                from newsterm.search.index import index_usable
            except ImportError:
                events.state("search unavailable")
                return "unavailable"
            if self.served and index_usable(self.index_dir):
                # The server's index is there: it is opened by the first search (searchable),
                # not by every session as it starts (each one's CPU and memory, at 100,000
                # posts tenths of a second and MBs).
                events.synced()
                return "served"
            try:
                self._ensure_open()
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
            shared = self._shared_walk()
            if shared is not None:
                self.index.sync(self.archive(), progress=progress, scan=shared)
            else:
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
        # A build leaves many segments: they are merged in the background (never served:
        # the server does it for its readers).
        self.index.merge_in_background()
        self._fill_texts()
        return "synced"

    def _fill_texts(self) -> None:
        """After the first sync, in a thread of its own and batch by batch: posts indexed
        before newsterm kept their shown text for search snippets get it (an older index;
        search.snippet_text). Once filled, this is one small read per reader."""
        if self._filling is not None:
            return
        try:
            from newsterm.search.snippet_text import start_fill

            self._filling = start_fill(self.index_dir, self.root, stop=self.gone.is_set)
        except Exception:  # a cache: searches render what is not kept
            return

    def expect_walk(self) -> None:
        """The reader's list is about to walk the files for its own check: the index's first
        check waits for that walk (:meth:`share_walk`) instead of making one beside it."""
        self._walk = None
        self._walk_ready.clear()
        self._walk_wanted = True

    def share_walk(self, scan: Scan | None) -> None:
        """A walk the reader has just made (the list's check, or the look for changes made
        before watching began): the next check uses it (None: the expected walk failed)."""
        self._walk = None if scan is None else (time.monotonic(), scan)
        self._walk_ready.set()

    def _shared_walk(self) -> Scan | None:
        """The walk offered last, if fresh (waiting for the list's when it is expected); each
        walk serves one check."""
        if self._walk_wanted:
            self._walk_wanted = False
            deadline = time.monotonic() + SHARED_WALK_WAIT
            while not self._walk_ready.wait(0.5):
                if self.gone.is_set() or time.monotonic() > deadline:
                    break
        shared, self._walk = self._walk, None
        if shared is not None and time.monotonic() - shared[0] < SHARED_WALK_FRESH:
            return shared[1]
        return None

    def _walk_now(self) -> Scan:
        """A shared walk when there is a fresh one, else a walk of our own."""
        shared = self._shared_walk()
        return shared if shared is not None else self.archive().walk()

    def nothing_changed(self) -> bool:
        """Whether the index is up to date with the files (no Whoosh needed to find out)."""
        try:
            from newsterm.search.store import quick_check

            return quick_check(self.index_dir, self._walk_now()) is not None
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
