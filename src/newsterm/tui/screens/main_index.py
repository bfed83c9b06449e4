"""The main screen's side of the search index: its state on the status line, when search
becomes usable, and rebuilding an index deleted under the reader. The connection itself (open,
sync, wait for the server) is :class:`newsterm.tui.index_link.IndexLink`.

A mixin of :class:`newsterm.tui.screens.main.MainScreen`.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from newsterm.tui.screens.main import MainScreen

INDEX_CHECK_EVERY = 10.0  # seconds between looks for an index deleted under the reader


class IndexStatus:
    """What the screen does as the index changes state."""

    # -- index -------------------------------------------------------------------------------
    def _set_index_state(self: MainScreen, text: str) -> None:
        self.index_state = text
        self._update_status()
        if self._searching() and not self.index_ready:
            self._search_status_idle()

    def sync_index(self: MainScreen, changed: int = 0) -> None:
        """Bring the search index up to date (in the live service's thread)."""
        if self._live is None:
            self._start_live(sync_now=True)
        else:
            self._live.request(changed)

    def _index_notice(self: MainScreen, message: str) -> None:
        if threading.get_ident() == self.app._thread_id:
            self.notify(message, title="Search index", markup=False)
        else:
            self._from_thread(self.notify, message, title="Search index", markup=False)

    def _index_busy(self: MainScreen, built: bool) -> None:
        if built:
            self._index_usable()
            self._set_index_state("index being updated by another newsterm")
        else:
            self._set_index_state("another newsterm is building the index")

    def _index_found(self: MainScreen) -> None:
        """An index from an earlier run answers (the first time it is found)."""
        if not self.index_ready:
            self._index_usable()

    def _index_usable(self: MainScreen) -> None:
        self.index_ready = True
        if self._searching():
            self._schedule_search(0)

    def _index_synced(self: MainScreen) -> None:
        self.index_ready = True
        self._set_index_state("up to date")
        if self._searching():
            self._schedule_search(0)
        if self._index_presence is None:
            self._index_presence = self.set_interval(INDEX_CHECK_EVERY, self._check_index_present)

    def _index_needs_sync(self: MainScreen) -> None:
        """The index, opened for a first search, cannot answer (damaged, another version):
        sync it (the index said why in a notice)."""
        if not self.index_ready:
            return  # already syncing
        self.index_ready = False
        self._set_index_state("rebuilding the index")
        self.sync_index()

    def _index_is_gone(self: MainScreen) -> bool:
        return self.index_link.is_gone()

    def _check_index_present(self: MainScreen) -> None:
        if self.index_ready and self._index_is_gone():
            self._index_gone()

    def _index_gone(self: MainScreen) -> None:
        """The index was deleted under the reader: say so and build it again (the server does
        that itself for served readers)."""
        if not self.index_ready:
            return  # already rebuilding
        self.index_ready = False
        self.index = None  # opened afresh by the sync
        self.notify("The search index was deleted; rebuilding it", title="Search index")
        self._set_index_state("index deleted; rebuilding")
        self.sync_index()
