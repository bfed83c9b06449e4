"""The main screen's search: the search box's commands, search-as-you-type paced by
:mod:`newsterm.tui.search_pacing`, searches in a worker thread, hits in the open post, related
posts.

A mixin of :class:`newsterm.tui.screens.main.MainScreen`.
"""

from __future__ import annotations

import contextlib
import time
from typing import TYPE_CHECKING, Any

from textual import work

from newsterm.tui.render import Matcher, matcher_for
from newsterm.tui.search_pacing import Step
from newsterm.tui.widgets.search import MAX_QUERY

if TYPE_CHECKING:
    from newsterm.tui.screens.main import MainScreen

SEARCH_DEBOUNCE = 0.03  # short: one search in flight at a time does the rest of the pacing
SEARCH_LIMIT = 30  # a screen shows about a dozen; fewer snippets keep typing snappy


class SearchCommands:
    """Searching from the main screen."""

    def action_search(self: MainScreen) -> None:
        if self.served:
            self.search_panel.input.cursor_blink = False
        if self.list_view.plain:
            entry = self.post_list.highlighted
            self._saved_cursor = entry.path if entry else self._saved_cursor
        if self._narrow():
            self._set_reading(False)
        if not self.list_visible:
            self.list_visible = True
            self._apply_panes()
        self._show_left("search")
        self.focus_now(self.search_panel.input)  # keys typed with the / must land there
        self.call_after_refresh(self.search_panel.relayout)  # the pane may have changed width
        self._search_status_idle()
        if self.index is None and self.index_ready:
            self._open_index_for_search()  # while the query is typed

    @work(thread=True, exclusive=True, group="open-index")
    def _open_index_for_search(self: MainScreen) -> None:
        """Open the index a check found up to date without it (its first search waits)."""
        with contextlib.suppress(Exception):  # a search that needs it says what went wrong
            self.index_link.searchable()

    def _search_status_idle(self: MainScreen) -> None:
        if not self.index_ready:
            self.search_panel.set_status(f"index building… ({self.index_state})")

    def _schedule_search(self: MainScreen, delay: float) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
            self._search_timer = None
        if delay <= 0:
            self.call_later(self._start_search)  # (a zero-second Textual timer divides by zero)
        else:
            self._search_timer = self.set_timer(delay, self._start_search)

    def _start_search(self: MainScreen) -> None:
        query = self.search_panel.input.value[:MAX_QUERY]
        step = self.pacer.next_step(query, self.index_ready)
        if step is Step.CLEAR:
            self.search_panel.show_results("", [], 0, 0)
            self._search_status_idle()
        elif step is Step.NOT_READY:
            self._search_status_idle()
        elif step is Step.KEEP_TYPING:
            self.search_panel.set_status("keep typing… (or Enter)")
        elif step is Step.RUN:
            scope = None
            if self.list_view.facets or self.list_view.view != "all":
                scope = [p.path for p in self.visible_posts()]
            self._run_search(query, scope)

    def _search_finished(self: MainScreen) -> None:
        panel = self.search_panel
        if self.pacer.finished(panel.query_text, panel.input.value):
            self._start_search()

    @work(thread=True, group="search")
    def _run_search(self: MainScreen, query: str, scope: list[str] | None) -> None:
        try:
            self._search_once(query, scope)
        finally:
            self._from_thread(self._search_finished)

    def _search_once(self: MainScreen, query: str, scope: list[str] | None) -> None:
        from newsterm.errors import QueryError

        started = time.perf_counter()
        try:
            index = self.index_link.searchable()  # opened now if the check did not need it
            results = index.search(query, limit=SEARCH_LIMIT, sort="relevance", paths=scope)
        except QueryError as err:
            self._from_thread(self._search_failed, query, f"⚠ {err}")
            return
        except Exception as err:  # a broken index must not crash the reader
            if self._index_is_gone():
                self._from_thread(self._index_gone)
                self._from_thread(self._search_failed, query, "⚠ the index is being rebuilt")
                return
            self._from_thread(self._search_failed, query, f"⚠ search failed: {err}")
            return
        elapsed = (time.perf_counter() - started) * 1000
        self._from_thread(self._search_done, query, results, elapsed)

    def _search_failed(self: MainScreen, query: str, message: str) -> None:
        # Remember the query as done, or the pacing would run it again and again.
        self.search_panel.query_text = query
        if query == self.search_panel.input.value[:MAX_QUERY]:
            self.search_panel.set_status(message, True)

    def _search_done(self: MainScreen, query: str, results: Any, elapsed: float) -> None:
        self.search_panel.query_text = query
        if query != self.search_panel.input.value[:MAX_QUERY]:
            return
        timing = elapsed if self.reader_app.show_search_time else None
        hits = list(results.hits)
        # The index does not know drafts: the list's posts do.
        drafts = frozenset(
            h.path for h in hits if (p := self.by_path.get(h.path)) is not None and p.draft
        )
        self.search_panel.show_results(query, hits, results.total, timing, drafts)
        self.last_search_ms = elapsed

    def _matcher_for(self: MainScreen, query: str) -> Matcher:
        return matcher_for(query)

    def action_related(self: MainScreen) -> None:
        path = self._target_path()
        if path is None:
            self.notify("Open a post first")
            return
        if not self.index_ready:
            self.notify("The search index is still building")
            return
        self._find_related(path)

    @work(thread=True, exclusive=True, group="related")
    def _find_related(self: MainScreen, path: str) -> None:
        from newsterm.related import rank_related

        try:
            results = self.index_link.searchable().more_like_this(path, 30)
        except Exception as err:
            self._from_thread(
                self.notify, f"related posts failed: {err}", severity="error", markup=False
            )
            return
        hits = getattr(results, "hits", results)
        scores = {h.path: float(getattr(h, "score", 0.0) or 0.0) for h in hits if h.path != path}
        me = self.by_path.get(path)
        title = me.title if me is not None else path
        if me is None:
            return
        # Shared tags and categories count with the index's word matches; below a floor a
        # post is not related, however the index scored it.
        related = [p for p, _score in rank_related(me, self.posts, scores)]
        if not related:
            self._from_thread(self.notify, f"No posts are related to “{title[:40]}”", markup=False)
            return
        self._from_thread(self._enter_view, "related", f"Related to “{title[:30]}”", related)
