"""When the reader's search-as-you-type runs a search: the pacing rules, without a screen.

One search is in flight at a time; a query typed meanwhile runs once when it ends (only the
last one matters). A query of one character waits for more typing, unless Enter asked for it.
The main screen asks :meth:`SearchPacer.next_step` what to do with the query box's text and
reports back with :meth:`SearchPacer.finished`.
"""

from __future__ import annotations

from enum import Enum

MIN_TYPED = 2  # characters before search-as-you-type starts


class Step(Enum):
    """What to do with the query in the box now."""

    CLEAR = "clear"  # nothing to search: empty the results
    NOT_READY = "not ready"  # the index is still building: say so
    KEEP_TYPING = "keep typing"  # one character, typed: wait for the next
    QUEUED = "queued"  # a search is running: this query runs when it ends
    RUN = "run"  # start the search now (the pacer now counts it as running)


class SearchPacer:
    """The state of search-as-you-type: one search running, at most one more waiting."""

    def __init__(self, min_typed: int = MIN_TYPED) -> None:
        self.min_typed = min_typed
        self.busy = False  # a search is running
        self.again = False  # a query arrived while it ran: search once more when it ends
        self.forced = ""  # a short query Enter asked to search anyway

    def force(self, query: str) -> None:
        """Enter was pressed on ``query``: search it even if it is short."""
        self.forced = query

    def next_step(self, query: str, index_ready: bool) -> Step:
        """What the query box's ``query`` needs now; ``RUN`` marks a search as started."""
        if not query.strip():
            return Step.CLEAR
        if not index_ready:
            return Step.NOT_READY
        if len(query.strip()) < self.min_typed and query != self.forced:
            # One letter or syllable matches nearly every post and would hold back the search
            # for the next one; while typing, wait for it (Enter searches it anyway).
            return Step.KEEP_TYPING
        if self.busy:
            self.again = True
            return Step.QUEUED
        self.busy = True
        self.again = False
        return Step.RUN

    def finished(self, done_query: str, box_query: str) -> bool:
        """A search ended; whether to look at the box again (a query arrived meanwhile, or
        the box no longer holds the query that was searched)."""
        self.busy = False
        if self.again or done_query != box_query:
            self.again = False
            return True
        return False
