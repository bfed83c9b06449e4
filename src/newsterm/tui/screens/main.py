"""The reader's main screen: post list, article with outline, search, facets and reading state.

It wires the widgets together (they send it the messages of :mod:`newsterm.tui.messages`) and
runs the slow work in workers, so the first screen shows at once and the interface never waits
on the disk: the core's progressive loader reads the archive, the core's live-archive service
(:class:`newsterm.live.LiveArchive`) follows changes and keeps the index in step.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.css.query import NoMatches
from textual.markup import escape as escape_markup
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import ContentSwitcher, Input, Static
from textual.worker import get_current_worker

from newsterm.live import LiveArchive
from newsterm.models import Post, Problem, Section
from newsterm.state import ReadingState
from newsterm.text import is_web_link
from newsterm.tui.hangul import FoldedQuery, TitleIndex
from newsterm.tui.history import History
from newsterm.tui.keys import COMMANDS as READER_COMMANDS
from newsterm.tui.render import (
    HitPos,
    Matcher,
    RenderedDoc,
    Renderer,
    find_hits,
    simple_matcher,
)
from newsterm.tui.screens.facets import Facet, FacetScreen, count_facets, describe
from newsterm.tui.screens.facets import matches as facet_matches
from newsterm.tui.screens.help import HelpScreen
from newsterm.tui.widgets.article import ArticleHeader, ArticleView, palette_for
from newsterm.tui.widgets.filter import FilterInput
from newsterm.tui.widgets.keybar import KeyBar
from newsterm.tui.widgets.outline import Outline
from newsterm.tui.widgets.post_list import Entry, PostList
from newsterm.tui.widgets.search import MAX_QUERY, SearchPanel

if TYPE_CHECKING:
    from newsterm.tui.app import NewstermApp

BIG_POST = 200_000  # bytes: above this the body is rendered progressively
SEARCH_DEBOUNCE = 0.03  # short: one search in flight at a time does the rest of the pacing
MIN_TYPED = 2  # characters before search-as-you-type starts
SEARCH_LIMIT = 30  # a screen shows about a dozen; fewer snippets keep typing snappy
NARROW = 100  # below this many columns, one pane at a time
FIRST_CHUNK = 120  # posts shown before the rest of a big archive is read (2 screens at 60 rows)
INDEX_RETRY = 5.0  # seconds before syncing again when another process holds the index
INDEX_CHECK_EVERY = 10.0  # seconds between looks for an index deleted under the reader


def _fmt(n: int) -> str:
    return f"{n:,}"


class MainScreen(Screen[None]):
    """The reader's one working screen. ``watch``/``sync_index`` off make it deterministic."""

    BINDINGS = [c.binding() for c in READER_COMMANDS]

    def __init__(
        self,
        root: Path,
        *,
        index_dir: Path,
        reading: ReadingState,
        served: bool = False,
        watch: bool = True,
        sync_index: bool = True,
        restore: bool = True,
        index: Any = None,
    ) -> None:
        super().__init__()
        self.root = Path(root)
        self.index_dir = index_dir
        self.reading = reading
        self.served = served
        self.watch_enabled = watch
        self.sync_enabled = sync_index
        self.restore_enabled = restore
        # data
        self.posts: list[Post] = []
        self.problems: list[Problem] = []
        self.by_path: dict[str, Post] = {}
        self._titles: tuple[list[Post], TitleIndex] | None = None
        self.loaded = False
        self._listed = False  # the whole list is shown (from the catalog), files being checked
        self._index_presence: Timer | None = None
        self.archive: Any = None
        # list view
        self.view = "all"  # all | bookmarks | related
        self.view_label = ""
        self.view_paths: list[str] = []
        self.facets: set[Facet] = set()
        self.title_query = ""
        self._saved_cursor: str | None = None
        # reader
        self.current: Post | None = None
        self.doc: RenderedDoc | None = None
        self.sections: list[Section] = []
        self.history = History()
        self.search_query = ""  # the query whose hits are shown in the article
        self.matcher: Matcher | None = None
        self.outline_visible = True
        self.list_visible = True
        self._pending_scroll: int | None = None
        # search (``index`` lets a caller supply its own, already opened)
        self.index: Any = index
        self.index_state = "waiting"
        self.index_ready = False
        self._search_timer: Timer | None = None
        self._rewrap_timer: Timer | None = None
        self._search_busy = False
        self._search_again = False
        self._pending_hit: int | None = None
        self.last_render_ms = 0.0
        self.last_search_ms = 0.0
        self._site: Any = None
        self._partial = ""  # "reading 400/20,000…" while a big archive loads
        self._outline_key: tuple = ()
        self._forced_query = ""  # a short query Enter asked to search anyway
        self._narrow_outline = False  # narrow windows: the outline shown instead of the article
        self._live: LiveArchive | None = None
        self._gone = threading.Event()  # set when the screen goes: threads stop waiting

    @property
    def reader_app(self) -> NewstermApp:
        return self.app  # type: ignore[return-value]

    def _from_thread(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Run ``fn(*args, **kwargs)`` on the app's thread from a worker thread (nothing once
        the screen is gone)."""
        if self._gone.is_set():
            return
        with contextlib.suppress(RuntimeError):  # the app has stopped meanwhile
            self.app.call_from_thread(fn, *args, **kwargs)

    # -- layout ---------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static("", id="status")
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield FilterInput(
                    placeholder="filter titles (ㄴㅍㄹㅅ works)",
                    id="title-filter",
                    max_length=MAX_QUERY,
                )
                yield Static("", id="view-title")
                with ContentSwitcher(initial="posts", id="left-switch"):
                    yield PostList(id="posts", empty_text="Loading…")
                    yield SearchPanel(id="search")
            with Vertical(id="reader"):
                yield ArticleHeader(id="header")
                yield ArticleView(id="article")
            yield Outline(id="outline")
        yield KeyBar(id="keybar")

    @property
    def post_list(self) -> PostList:
        return self.query_one("#posts", PostList)

    @property
    def article(self) -> ArticleView:
        return self.query_one("#article", ArticleView)

    @property
    def outline(self) -> Outline:
        return self.query_one("#outline", Outline)

    @property
    def search_panel(self) -> SearchPanel:
        return self.query_one("#search", SearchPanel)

    def on_mount(self) -> None:
        self.query_one("#keybar", KeyBar).show_keys(self.app.keymap, self.served)
        self.outline_visible = self.reading.get("outline", "1", shared=True) == "1"
        self._apply_panes()
        self.reading.set_notifier(self._state_notice)
        # Marks kept in memory (the state file could not be written) are saved when it can be.
        self.set_interval(20.0, self.reading.retry_due)
        self.post_list.is_read = self.reading.is_read
        self.post_list.is_bookmarked = self.reading.is_bookmarked
        self.query_one("#header", ArticleHeader).show_post(None)
        self.query_one("#title-filter").display = False
        self.query_one("#view-title").display = False
        self.post_list.focus()
        self._update_status()
        if self.served:
            for widget in self.query(Input):
                widget.cursor_blink = False
        self.load_archive()

    def on_resize(self) -> None:
        # Later: this handler runs before Textual's own App._on_resize stores the new size.
        self.call_later(self._apply_panes)

    def _narrow(self) -> bool:
        return self.size.width < NARROW

    def _apply_panes(self) -> None:
        narrow = self._narrow()
        reading = self.has_class("-reading")
        self.set_class(narrow, "-narrow")
        left = self.query_one("#left")
        reader = self.query_one("#reader")
        if narrow:
            # One pane at a time: the list, the article, or (o) the outline in the article's place.
            outline = reading and self._narrow_outline and self.current is not None
            left.display = not reading
            reader.display = reading and not outline
            self.outline.display = outline
        else:
            left.display = self.list_visible
            reader.display = True
            self.outline.display = self.outline_visible and self.current is not None

    def _set_reading(self, on: bool) -> None:
        self.set_class(on, "-reading")
        self._apply_panes()

    def theme_changed(self) -> None:
        """The app's theme changed: draw the article and the list marks in its colours."""
        if self.current is not None:
            self._render_current(keep_line=self.article.top_line())
        self.post_list.refresh_marks()

    # -- loading ----------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="load")
    def load_archive(self) -> None:
        """Show the list from the catalog at once, then check it against the files.

        The catalog (:mod:`newsterm.catalog`, beside the index) gives every post's title, date
        and terms in one read; the check (a stat walk) parses only the files that changed. With
        no catalog yet, the newest ``FIRST_CHUNK`` posts are shown while the rest are parsed.
        """
        from newsterm.archive import Archive
        from newsterm.catalog import Catalog, refresh

        worker = get_current_worker()
        try:
            archive = Archive(self.root)
            # Served, the server keeps the catalog (its index syncs write it): readers only read.
            catalog = Catalog.beside(self.index_dir, self.root, writable=not self.served)
            top = catalog.load(limit=FIRST_CHUNK)
            if top is not None and top.complete and len(top.posts) == FIRST_CHUNK:
                # A screenful first: the whole list of a big archive takes a moment longer.
                total = catalog.count()
                self._from_thread(self._loaded_first, archive, top.posts, FIRST_CHUNK, total)
            listing = catalog.load()
            if listing is not None and (listing.posts or listing.problems):
                self._from_thread(self._listed_from_catalog, archive, listing)
            listing, _changed = refresh(
                archive,
                catalog,
                listing,
                cancelled=lambda: worker.is_cancelled,
                on_first=lambda part, done, total: self._from_thread(
                    self._loaded_first, archive, part.posts, done, total
                ),
                on_progress=lambda done, total: self._from_thread(
                    self._loading_progress, done, total
                ),
                first=FIRST_CHUNK,
            )
        except Exception as err:  # the reader stays up and says why, never a traceback
            self._from_thread(self._load_failed, f"{type(err).__name__}: {err}")
            return
        if not worker.is_cancelled:
            self._from_thread(self._loaded, archive, listing.posts, listing.problems)

    def _listed_from_catalog(self, archive: Any, listing: Any) -> None:
        """Every post as the catalog knows it, while the files are checked for changes."""
        self.archive = archive
        self._set_posts(listing.posts, listing.problems)
        self._listed = listing.complete
        self._partial = "" if listing.complete else "reading…"
        self._rebuild_list()
        if self.restore_enabled and self.current is None:
            self._restore()
        if listing.complete:
            # The index does not need the list: its check starts now, beside the files' check.
            self._start_live()

    def _loaded_first(self, archive: Any, posts: list[Post], done: int, total: int) -> None:
        """The newest posts, while the rest are still being read."""
        self.archive = archive
        self._set_posts(posts, [])
        self._partial = f"reading {_fmt(done)}/{_fmt(total)}…"
        self._rebuild_list()
        if self.restore_enabled:
            self._restore()

    def _state_notice(self, message: str) -> None:
        self.notify(message, title="Reading state", severity="warning", timeout=10, markup=False)

    def _load_failed(self, reason: str) -> None:
        self.post_list.empty_text = f"Cannot read the archive: {reason}"
        self.post_list.refresh()
        self.notify(
            reason, title="Cannot read the archive", severity="error", timeout=30, markup=False
        )

    def _loading_progress(self, done: int, total: int) -> None:
        self._partial = f"reading {_fmt(done)}/{_fmt(total)}…"
        self._update_status()

    def _loaded(self, archive: Any, posts: list[Post], problems: list[Problem]) -> None:
        restored = self.current is not None
        self.archive = archive
        self._partial = ""
        entry = self.post_list.highlighted
        # A cursor the reader moved (or a restored post) stays on its post; one still on the
        # first row stays there.
        moved = self.post_list.cursor > 0 or self.current is not None
        keep = entry.path if entry is not None and moved else None
        unchanged = posts is self.posts and problems == self.problems
        if not unchanged:
            self._set_posts(posts, problems)
        # Marks follow moved posts; a missing post keeps its marks (see newsterm.state).
        self.reading.reconcile(self.by_path, [p.path for p in problems])
        self.loaded = True
        self.post_list.empty_text = "No posts match" if posts else "This archive has no posts"
        if unchanged:
            self._update_status()
        else:
            self._rebuild_list(keep_path=keep)
        if self.restore_enabled and not restored:
            self._restore()
        self._start_live()

    def _set_posts(self, posts: list[Post], problems: list[Problem]) -> None:
        self.posts = posts
        self.problems = problems
        self.by_path = {p.path: p for p in posts}
        self._titles = None

    def _restore(self) -> None:
        last = self.reading.get("last_post")
        if last and last in self.by_path:
            self.post_list.select_path(last)
            self.open_post(last, scroll_line=self.reading.scroll_of(last), focus=False)

    # -- the list -----------------------------------------------------------------------------
    def _title_index(self) -> TitleIndex:
        """Every title of the archive in one string, made once per list of posts: the title
        filter answers a keystroke at 100,000 posts with a few regex scans."""
        if self._titles is None or self._titles[0] is not self.posts:
            self._titles = (self.posts, TitleIndex([p.title for p in self.posts]))
        return self._titles[1]

    def visible_posts(self) -> list[Post]:
        """Posts of the current view after facets and the title filter."""
        if self.view == "all":
            posts: Iterable[Post] = self.posts
        else:
            posts = [self.by_path[p] for p in self.view_paths if p in self.by_path]
        if self.facets:
            posts = [p for p in posts if facet_matches(p, self.facets)]
        if self.title_query.strip():
            matched = self._title_index().rows(FoldedQuery(self.title_query))
            ok = {id(self.posts[i]) for i in matched}
            posts = [p for p in posts if id(p) in ok]
        return list(posts)

    def _rebuild_list(self, keep_path: str | None = None) -> None:
        entries = [Entry(post=p) for p in self.visible_posts()]
        if self.view == "all" and not self.facets and not self.title_query.strip():
            entries += [Entry(problem=p) for p in self.problems]
        self.post_list.set_entries(entries, keep_path=keep_path)
        title = self.query_one("#view-title", Static)
        bits = []
        if self.view != "all":
            bits.append(self.view_label)
        if self.facets:
            bits.append(describe(self.facets))
        if bits:
            # Labels hold archive text (titles, categories): shown as text, never as markup.
            title.update(Content(f" {' · '.join(bits)}  ({_fmt(len(entries))})  esc: all posts"))
        title.display = bool(bits)
        self._update_status()

    def _update_status(self) -> None:
        parts = [f"[b]newsterm[/b]  {escape_markup(self.root.name)}"]
        if self._partial:
            parts.append(f"{_fmt(len(self.posts))} posts so far ({self._partial})")
        elif self.loaded or self._listed:
            parts.append(f"{_fmt(len(self.posts))} posts")
            if self.problems:
                parts.append(f"[$warning]{_fmt(len(self.problems))} unreadable[/]")
            # Read marks are few next to posts: count those, not every post.
            by_path = self.by_path
            unread = len(self.posts) - sum(1 for p in self.reading.read_paths() if p in by_path)
            parts.append(f"{_fmt(unread)} unread")
        else:
            parts.append("loading…")
        parts.append(escape_markup(self.index_state))  # may quote an error with a path
        if self.served:
            parts.append("served")
        self.query_one("#status", Static).update("  ·  ".join(parts))

    @on(PostList.Opened)
    def _list_opened(self, event: PostList.Opened) -> None:
        if event.entry.problem is not None:
            problem = event.entry.problem
            self.notify(
                f"{problem.path}: {problem.reason}",
                title="Unreadable post",
                severity="error",
                markup=False,
            )
            return
        self.search_query = ""
        self.matcher = None
        self.open_post(event.entry.path)

    # -- opening posts -----------------------------------------------------------------------
    def open_post(
        self,
        path: str,
        *,
        scroll_line: int | None = None,
        record: bool = True,
        focus: bool = True,
        hit_index: int | None = None,
    ) -> None:
        if path not in self.by_path:
            self.notify(f"{path} is no longer in the archive", severity="warning", markup=False)
            return
        post = self._read_whole_post(path)
        if post is None:
            return
        with self.app.batch_update():  # one repaint for list marks, header, outline and article
            self._open_post(post, scroll_line, record, focus, hit_index)

    def _read_whole_post(self, path: str) -> Post | None:
        """The post with its body, read now: the list holds only its title, date and terms."""
        from newsterm.archive import Archive, PostError

        try:
            archive = self.archive if self.archive is not None else Archive(self.root)
            return archive.read(path)
        except (PostError, OSError) as err:
            self.notify(
                f"{path}: {err}", title="Cannot read the post", severity="error", markup=False
            )
            return None

    def _open_post(
        self,
        post: Post,
        scroll_line: int | None,
        record: bool,
        focus: bool,
        hit_index: int | None,
    ) -> None:
        path = post.path
        self._remember_scroll()
        if record:
            self.history.record(path)
        self.current = post
        self.reading.set_read(path, True)
        self.reading.put("last_post", path)
        self.post_list.refresh_path(path)
        self._update_status()
        self._pending_scroll = scroll_line
        self._pending_hit = hit_index
        self._show_header()
        from newsterm.bounds import capped_sections, shown_body
        from newsterm.outline import extract_outline

        # A huge post: its first part is laid out, and its outline is capped (newsterm.bounds).
        shown, cut = shown_body(post.body)
        self.sections, total = capped_sections(extract_outline(shown))
        self.outline.set_sections(self.sections)
        self._outline_key = (id(self.sections), ())
        listed = sum(1 for s in self.sections for _ in s.walk())
        self.outline.border_title = (
            f"Outline · {listed}" if listed == total else f"Outline · first {listed} of {total}"
        )
        if cut:
            self.notify(cut, title="Long post", severity="warning", timeout=8, markup=False)
        self._narrow_outline = False
        before = self._pane_state()
        self._set_reading(True)
        if self._pane_state() == before and self.article.size.width:
            self._render_current(keep_line=None)
        else:
            # The panes change (the list steps back, the outline comes): lay the post out once
            # the article has its new width, not at the old one and again a moment later.
            self.article.show_placeholder("")
            self.call_after_refresh(self._render_opened, post.path)
        if focus:
            self.article.focus()

    def _pane_state(self) -> tuple[bool, ...]:
        return (
            self.has_class("-reading"),
            bool(self.query_one("#left").display),
            bool(self.query_one("#reader").display),
            bool(self.outline.display),
        )

    def _render_opened(self, path: str) -> None:
        if self.current is not None and self.current.path == path and self.article.doc is None:
            self._render_current(keep_line=None)

    def _show_header(self, note: str = "") -> None:
        post = self.current
        bookmarked = post is not None and self.reading.is_bookmarked(post.path)
        if not note and post is not None and self.matcher is not None:
            hits = self.article.hits
            if hits:
                note = f"hit {self.article.hit_index + 1}/{len(hits)}  (n/N)"
            elif self.doc is not None and self.doc.complete:
                note = "no hits in the text"
        self.query_one("#header", ArticleHeader).show_post(post, bookmarked, note)

    def _render_current(self, keep_line: int | None) -> None:
        if self.current is None:
            return
        post = self.current
        width = self.article.text_width()
        palette = palette_for(self.article, self.app.current_theme.dark)
        from newsterm.bounds import cut_marker, shown_body

        body, cut = shown_body(post.body)
        if cut:
            body += cut_marker(cut)
        big = len(body.encode("utf-8")) > BIG_POST
        if self.doc is None or self.doc is not None:
            self.article.show_placeholder("Rendering…" if big else "")
        started = time.perf_counter()
        if not big:
            # Typical posts render in a few milliseconds: do it now, no flicker.
            doc = Renderer(width, palette).render(body)
            self._doc_ready(post.path, doc, keep_line, started)
        else:
            self._render_big(post.path, body, width, palette, keep_line, started)

    @work(thread=True, exclusive=True, group="render")
    def _render_big(self, path, body, width, palette, keep_line, started) -> None:
        worker = get_current_worker()
        shown = {"first": False}

        def chunk(doc: RenderedDoc) -> None:
            if not shown["first"]:
                shown["first"] = True
                self._from_thread(self._doc_partial, path, doc)

        doc = Renderer(width, palette).render(
            body,
            on_chunk=chunk,
            chunk_lines=200,
            cancelled=lambda: worker.is_cancelled,
        )
        if not worker.is_cancelled:
            self._from_thread(self._doc_ready, path, doc, keep_line, started)

    def _doc_partial(self, path: str, doc: RenderedDoc) -> None:
        if self.current is not None and self.current.path == path:
            self.doc = doc
            self.article.set_doc(doc, keep_scroll=False)

    def _doc_ready(
        self, path: str, doc: RenderedDoc, keep_line: int | None, started: float
    ) -> None:
        if self.current is None or self.current.path != path:
            return
        self.doc = doc
        self.last_render_ms = (time.perf_counter() - started) * 1000
        article = self.article
        # A re-wrap (new width, theme) keeps the hit the reader had stepped to with n/N.
        first_hit = article.hit_index if keep_line is not None else (self._pending_hit or 0)
        article.set_doc(doc, keep_scroll=False)
        hits: list[HitPos] = find_hits(doc, self.matcher) if self.matcher else []
        article.set_hits(hits, first_hit if 0 <= first_hit < len(hits) else 0)
        hit_lines = [doc.line_of_y(h.y) for h in hits]
        outline_key = (id(self.sections), tuple(hit_lines))
        if self.matcher is not None and outline_key != self._outline_key:
            # Only when the hits moved: a re-wrap for a new width keeps the same tree.
            self.outline.set_sections(self.sections, hit_lines)
            self._outline_key = outline_key
        pending_scroll = self._pending_scroll
        self._pending_scroll = None

        def place() -> None:
            # After a refresh: the view must know its new height before it can scroll there.
            if self.doc is not doc:
                return
            if keep_line is not None:
                article.scroll_to_line(keep_line)
            elif hits:
                # The hit in force now: n/N pressed before this refresh are not undone.
                article.set_hit_index(article.hit_index)
            elif pending_scroll:
                article.scroll_to_line(pending_scroll)
            self._follow_outline()

        if keep_line is not None or hits or pending_scroll:
            article.scroll_to_line(keep_line or pending_scroll or 1)  # right away if possible
        self._show_header()
        self._align_header()
        self.call_after_refresh(place)

    def _align_header(self) -> None:
        """Start the header's text where the body's text starts (the body is centred when wide)."""
        margin = self.article._margin() if self.doc is not None else 2
        header = self.query_one("#header", ArticleHeader)
        if header.styles.padding.left != margin:
            header.styles.padding = (0, 2, 0, margin)

    def _follow_outline(self) -> None:
        self.outline.follow(self.article.reading_line())

    def _remember_scroll(self) -> None:
        if self.current is not None and self.doc is not None:
            self.reading.set_scroll(self.current.path, self.article.top_line())

    @on(ArticleView.Scrolled)
    def _article_scrolled(self, event: ArticleView.Scrolled) -> None:
        self.outline.follow(event.line)

    @on(ArticleView.Resized)
    def _article_resized(self) -> None:
        try:
            self._align_header()
        except NoMatches:  # the message outlived the screen (the app is closing)
            return
        if self._rewrap_timer is not None:
            self._rewrap_timer.stop()
        self._rewrap_timer = self.set_timer(0.1, self._rerender_for_width)

    def _rerender_for_width(self) -> None:
        try:
            article = self.article
        except NoMatches:  # the timer outlived the screen (the app is closing)
            return
        doc = self.doc
        if self.current is not None and doc is not None and doc.width != article.text_width():
            self._render_current(keep_line=article.top_line())

    @on(Outline.Jump)
    def _outline_jump(self, event: Outline.Jump) -> None:
        if self._narrow() and self._narrow_outline:
            self._narrow_outline = False
            self._apply_panes()
            self.article.focus()
            self.call_after_refresh(self.article.scroll_to_line, event.section.line)
            return
        self.article.scroll_to_line(event.section.line)

    @on(Outline.Leave)
    def _outline_leave(self) -> None:
        if self._narrow() and self._narrow_outline:
            self._narrow_outline = False
            self._apply_panes()
        self.article.focus()

    @on(ArticleView.Leave)
    def _article_leave(self) -> None:
        if self._narrow():
            self._set_reading(False)
        if self.query_one("#left-switch", ContentSwitcher).current == "search":
            self.search_panel.results.focus()
        else:
            self._apply_panes()
            self.post_list.focus()

    @on(ArticleView.LinkClicked)
    def _link_clicked(self, event: ArticleView.LinkClicked) -> None:
        self.action_open_link(event.href)

    def action_open_link(self, href: str) -> None:
        """Follow a link of the open post: a post of this archive opens here (with history), a
        web link in the browser, or, served or with no browser, is copied (OSC 52)."""
        path = self._post_for_link(href)
        if path is not None:
            self.open_post(path)
            return
        from newsterm.markdown.links import post_link_name

        name = post_link_name(href)
        if name is not None:  # {% post_url %} and friends that name no post here
            self.notify(f"No post named {name} here", title="Link", markup=False)
            return
        if not is_web_link(href):
            # a post's file:, javascript: or ssh: link is shown, never handed to a browser
            what = (
                "Links are not opened in this session"
                if self.served
                else "Only web links are opened"
            )
            self.notify(f"{what}: {href}", title="Link", markup=False)
            return
        if self.served:
            self.copy_link(href, "Links are not opened in this session")
            return
        self.app.open_url(href)  # the app copies it instead when there is no browser

    def copy_link(self, href: str, why: str) -> None:
        """Put a web link on the reader's clipboard (OSC 52: the terminal's, also over SSH)."""
        from newsterm.text import one_line

        self.app.copy_to_clipboard(one_line(href))
        self.notify(f"{why}; copied to the clipboard: {href}", title="Link", markup=False)

    def _post_for_link(self, href: str) -> str | None:
        from newsterm.tui.linking import link_target

        return link_target(href, self.current.path if self.current else None, self.by_path)

    def action_links(self) -> None:
        if self.current is None or self.doc is None:
            self.notify("Open a post first")
            return
        if not self.doc.links:
            self.notify("This post has no links")
            return
        from newsterm.tui.screens.links import LinksScreen

        rows = []
        for href in self.doc.links:
            path = self._post_for_link(href)
            post = self.by_path.get(path) if path is not None else None
            rows.append((href, post.title if post is not None else None))

        def chosen(href: str | None) -> None:
            if href is not None:
                self.action_open_link(href)

        self.app.push_screen(LinksScreen(rows, self.app.keymap), chosen)

    # -- actions: reading -------------------------------------------------------------------
    def _section_starts(self) -> list[int]:
        if self.doc is None:
            return []
        starts = sorted({self.doc.y_of_line(s.line) for top in self.sections for s in top.walk()})
        return starts

    def action_next_section(self) -> None:
        y = round(self.article.scroll_offset.y)
        for start in self._section_starts():
            if start > y:
                self.article.scroll_to_y(start)
                return

    def action_prev_section(self) -> None:
        y = round(self.article.scroll_offset.y)
        for start in reversed(self._section_starts()):
            if start < y:
                self.article.scroll_to_y(start)
                return
        self.article.scroll_to_y(0)

    def action_toggle_outline(self) -> None:
        if self._narrow():
            # Narrow: the outline takes the article's place until a section is picked.
            if self.current is None:
                return
            self._narrow_outline = not self._narrow_outline
            self._set_reading(True)
            (self.outline if self._narrow_outline else self.article).focus()
            return
        self.outline_visible = not self.outline_visible
        self.reading.put("outline", "1" if self.outline_visible else "0", shared=True)
        self._apply_panes()

    def action_toggle_list(self) -> None:
        self.list_visible = not self.list_visible
        self._apply_panes()
        if not self.list_visible:
            self.article.focus()

    def action_focus_pane(self, step: int) -> None:
        panes = []
        switcher = self.query_one("#left-switch", ContentSwitcher)
        left_widget = self.post_list if switcher.current == "posts" else self.search_panel.results
        for widget in (left_widget, self.article, self.outline):
            if widget.display and widget.parent.display and widget.parent.parent.display:
                panes.append(widget)
        if not panes:
            return
        focused = self.focused
        index = next((i for i, w in enumerate(panes) if focused is w), -1)
        target = panes[(index + step) % len(panes)]
        target.focus()

    def action_copy_path(self) -> None:
        if self.current is None:
            self.notify("No post is open")
            return
        self.app.copy_to_clipboard(self.current.path)
        self.notify(f"Copied {self.current.path}", markup=False)

    def action_copy_permalink(self) -> None:
        if self.current is None:
            self.notify("No post is open")
            return
        from newsterm.text import one_line
        from newsterm.tui.permalink import front_permalink, load_site, permalink

        if self._site is None:
            self._site = load_site(self.root)
        try:
            head = (self.root / self.current.path).read_text("utf-8", errors="replace")[:8192]
        except OSError:
            head = ""
        # From the raw file: no control character may reach the terminal or the clipboard.
        link = one_line(permalink(self.current, self._site, front_permalink(head)))
        self.app.copy_to_clipboard(link)
        self.notify(f"Copied {link}", markup=False)

    def action_edit(self) -> None:
        if self.served:
            self.notify("Editing is not available in this session")
            return
        if self.current is None:
            self.notify("Open a post first")
            return
        from newsterm.tui.editor import editor_command

        path = str(self.root / self.current.path)
        command = editor_command(os.environ, path, self._edit_line())
        if command is None:
            self.notify(
                "Set $VISUAL or $EDITOR to the editor to use (export EDITOR=vim)",
                title="No editor",
                severity="warning",
                markup=False,
            )
            return
        import subprocess

        try:
            with self.app.suspend():
                subprocess.call(command)
        except OSError as err:
            self.notify(f"{command[0]}: {err.strerror}", title="Editor", severity="error")

    def _edit_line(self) -> int:
        """The file line of the section being read (or of the top of the view)."""
        assert self.current is not None
        line = self.article.reading_line() if self.doc is not None else 1
        start = max(
            (s.line for top in self.sections for s in top.walk() if s.line <= line), default=line
        )
        return self.current.body_line + start - 1

    def action_save(self) -> None:
        if self.served:
            self.notify("Saving is not available in this session")
            return
        if self.current is None:
            self.notify("Open a post first")
            return
        from newsterm.tui.export import ExportError, save_post
        from newsterm.tui.screens.prompt import PromptScreen

        post = self.current
        default = str(Path("~/newsterm-saved") / Path(post.path).name)

        def answered(where: str | None) -> None:
            if not where:
                return
            try:
                saved = save_post(self.root, post, where)
            except ExportError as err:
                self.notify(str(err), title="Not saved", severity="error", markup=False)
                return
            self.notify(f"Saved {saved}", title="Saved", markup=False)

        note = "Save as (a folder, a .md file as written, or a .txt file as shown):"
        self.app.push_screen(PromptScreen("Save the post", note, default), answered)

    def action_pipe(self) -> None:
        if self.served:
            self.notify("Piping is not available in this session")
            return
        if self.current is None:
            self.notify("Open a post first")
            return
        from newsterm.tui.export import post_text
        from newsterm.tui.screens.prompt import PromptScreen

        post = self.current

        def answered(command: str | None) -> None:
            if not command or not command.strip():
                return
            import subprocess

            text = post_text(self.root, post, plain=False)
            try:
                with self.app.suspend():
                    done = subprocess.run(command, shell=True, input=text, text=True)
                    status = f"exit {done.returncode}; " if done.returncode else ""
                    input(f"\n[{status}Enter: back to newsterm] ")
            except OSError as err:
                self.notify(f"{command}: {err.strerror}", title="Pipe", severity="error")

        note = "The post's Markdown goes to this command's input (less, wc -w, pbcopy, …):"
        self.app.push_screen(PromptScreen("Pipe the post", note, ""), answered)

    def action_suspend(self) -> None:
        self.app.action_suspend()

    def action_change_theme(self) -> None:
        self.app.search_themes()

    def action_help(self) -> None:
        from newsterm.tui.keys import config_file

        shown = str(config_file()).replace(str(Path.home()), "~", 1)
        self.app.push_screen(HelpScreen(self.app.keymap, self.served, shown))

    def action_quit(self) -> None:
        self._remember_scroll()
        self.app.exit(0)

    # -- actions: marks and history ---------------------------------------------------------
    def _target_path(self) -> str | None:
        """The post an action applies to: the open one when reading, else the list cursor."""
        if self.focused is self.post_list or self.current is None:
            entry = self.post_list.highlighted
            if entry is not None and entry.post is not None:
                return entry.path
        return self.current.path if self.current else None

    def action_toggle_read(self) -> None:
        path = self._target_path()
        if path:
            now = self.reading.toggle_read(path)
            self.post_list.refresh_marks()
            self._update_status()
            self.notify("Marked read" if now else "Marked unread", timeout=1.5)

    def action_toggle_bookmark(self) -> None:
        # The open post, whatever list has focus (bookmarks, related, search results); the
        # list's cursor only when no post is open.
        path = self.current.path if self.current is not None else self._target_path()
        if path:
            now = self.reading.toggle_bookmark(path)
            self.post_list.refresh_marks()
            self._show_header()
            post = self.by_path.get(path)
            title = post.title if post is not None else path
            shown = title if len(title) <= 40 else title[:39] + "…"
            what = "Bookmarked" if now else "Bookmark removed:"
            self.notify(f"{what} “{shown}”", timeout=2, markup=False)
            if self.view == "bookmarks":
                self.view_paths = self.reading.bookmarks(self.by_path)
                self._rebuild_list()

    def action_next_unread(self) -> None:
        entries = self.post_list.entries
        start = self.post_list.cursor + 1
        order = list(range(start, len(entries))) + list(range(0, start))
        for i in order:
            entry = entries[i]
            if entry.post is not None and not self.reading.is_read(entry.path):
                self.post_list.cursor = i
                self.search_query = ""
                self.matcher = None
                self.open_post(entry.path)
                return
        self.notify("No unread posts here")

    def action_bookmarks(self) -> None:
        self._enter_view("bookmarks", "★ Bookmarks", self.reading.bookmarks(self.by_path))

    def _enter_view(self, view: str, label: str, paths_: list[str]) -> None:
        if self.view == "all":
            entry = self.post_list.highlighted
            self._saved_cursor = entry.path if entry else None
        self.view = view
        self.view_label = label
        self.view_paths = paths_
        self._show_left("posts")
        self._rebuild_list()
        self.post_list.cursor = 0
        if self._narrow():
            self._set_reading(False)
        self.post_list.focus()

    def _leave_view(self) -> bool:
        if self.view == "all" and not self.facets and not self.title_query:
            return False
        self.view = "all"
        self.facets = set()
        self.title_query = ""
        flt = self.query_one("#title-filter", Input)
        flt.value = ""
        flt.display = False
        self._rebuild_list(keep_path=self._saved_cursor)
        self._saved_cursor = None
        return True

    def action_back(self) -> None:
        path = self.history.back()
        if path is not None:
            self.open_post(path, record=False)

    def action_forward(self) -> None:
        path = self.history.forward()
        if path is not None:
            self.open_post(path, record=False)

    def action_clear_filters(self) -> None:
        self._leave_view()
        if self._searching():
            # The search runs again over the whole archive; focus stays on what is shown.
            self._schedule_search(0)
            panel = self.search_panel
            (panel.results if panel.results.has_focus and panel.hits else panel.input).focus()
        else:
            self.post_list.focus()

    def _searching(self) -> bool:
        """Is the search (query box and results) what the left pane shows?"""
        return self.query_one("#left-switch", ContentSwitcher).current == "search"

    def key_escape(self) -> None:
        if self.focused is self.post_list and self._leave_view():
            return

    # -- title filter and facets -------------------------------------------------------------
    def action_title_filter(self) -> None:
        if self.view == "all" and not self.facets and not self.title_query:
            entry = self.post_list.highlighted
            self._saved_cursor = entry.path if entry else None
        self._show_left("posts")
        if self._narrow():
            self._set_reading(False)
        flt = self.query_one("#title-filter", Input)
        flt.display = True
        flt.focus()

    @on(Input.Changed, "#title-filter")
    def _title_changed(self, event: Input.Changed) -> None:
        self.title_query = event.value
        self._rebuild_list()

    @on(Input.Submitted, "#title-filter")
    def _title_submitted(self) -> None:
        self.post_list.focus()

    @on(FilterInput.Cancelled)
    def _title_cancelled(self) -> None:
        self.title_query = ""
        self._leave_view()
        self.post_list.focus()

    def _facet_base(self) -> tuple[list[Post], str]:
        """The posts the facet counts count, and how to name them: the search results shown
        while searching, else the posts of the current view."""
        panel = self.search_panel
        if self._searching() and panel.query_text.strip() and panel.input.value.strip():
            hits = [self.by_path[h.path] for h in panel.hits if h.path in self.by_path]
            total = panel.total
            if total > len(hits):
                return hits, f"the {len(hits)} results shown (of {_fmt(total)})"
            return hits, f"{_fmt(len(hits))} search result{'s' if len(hits) != 1 else ''}"
        if self.view == "all":
            return self.posts, f"all {_fmt(len(self.posts))} posts"
        posts = [self.by_path[p] for p in self.view_paths if p in self.by_path]
        return posts, f"{_fmt(len(posts))} posts of this list"

    def action_facets(self) -> None:
        if not self.loaded:
            return
        base, scope = self._facet_base()
        if self.view == "all" and not self.facets and not self.title_query:
            entry = self.post_list.highlighted
            self._saved_cursor = entry.path if entry else None

        def chosen(result: set[Facet] | None) -> None:
            if result is None:
                return
            self.facets = result
            self._rebuild_list()
            if self._searching():
                self._schedule_search(0)

        screen = FacetScreen(count_facets(base), self.facets, self.app.keymap, scope)
        self.app.push_screen(screen, chosen)

    # -- search ------------------------------------------------------------------------------
    def _show_left(self, which: str) -> None:
        self.query_one("#left-switch", ContentSwitcher).current = which

    def action_search(self) -> None:
        if self.served:
            self.search_panel.input.cursor_blink = False
        if self.view == "all" and not self.facets and not self.title_query:
            entry = self.post_list.highlighted
            self._saved_cursor = entry.path if entry else self._saved_cursor
        if self._narrow():
            self._set_reading(False)
        if not self.list_visible:
            self.list_visible = True
            self._apply_panes()
        self._show_left("search")
        self.search_panel.input.focus()
        self.call_after_refresh(self.search_panel.relayout)  # the pane may have changed width
        self._search_status_idle()

    def _search_status_idle(self) -> None:
        if not self.index_ready:
            self.search_panel.set_status(f"index building… ({self.index_state})")

    @on(SearchPanel.QueryChanged)
    def _query_changed(self, event: SearchPanel.QueryChanged) -> None:
        if event.now:
            self._forced_query = event.query
            self._schedule_search(0)
        else:
            self._schedule_search(SEARCH_DEBOUNCE)

    def _schedule_search(self, delay: float) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
            self._search_timer = None
        if delay <= 0:
            self.call_later(self._start_search)  # (a zero-second Textual timer divides by zero)
        else:
            self._search_timer = self.set_timer(delay, self._start_search)

    def _start_search(self) -> None:
        query = self.search_panel.input.value[:MAX_QUERY]
        if not query.strip():
            self.search_panel.show_results("", [], 0, 0)
            self._search_status_idle()
            return
        if not self.index_ready:
            self._search_status_idle()
            return
        if len(query.strip()) < MIN_TYPED and query != self._forced_query:
            # One letter or syllable matches nearly every post (18k of 20k, ~0.25 s) and would
            # hold back the search for the next one; while typing, wait for it (Enter
            # searches a single character anyway).
            self.search_panel.set_status("keep typing… (or Enter)")
            return
        if self._search_busy:
            self._search_again = True  # run once more when the current search ends
            return
        scope = None
        if self.facets or self.view != "all":
            scope = [p.path for p in self.visible_posts()]
        self._search_busy = True
        self._search_again = False
        self._run_search(query, scope)

    def _search_finished(self) -> None:
        self._search_busy = False
        if self._search_again or self.search_panel.query_text != self.search_panel.input.value:
            self._search_again = False
            self._start_search()

    @work(thread=True, group="search")
    def _run_search(self, query: str, scope: list[str] | None) -> None:
        try:
            self._search_once(query, scope)
        finally:
            self._from_thread(self._search_finished)

    def _search_once(self, query: str, scope: list[str] | None) -> None:
        from newsterm.errors import QueryError

        started = time.perf_counter()
        try:
            results = self.index.search(query, limit=SEARCH_LIMIT, sort="relevance", paths=scope)
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

    def _search_failed(self, query: str, message: str) -> None:
        # Remember the query as done, or the pacing would run it again and again.
        self.search_panel.query_text = query
        if query == self.search_panel.input.value[:MAX_QUERY]:
            self.search_panel.set_status(message, True)

    def _search_done(self, query: str, results: Any, elapsed: float) -> None:
        self.search_panel.query_text = query
        if query != self.search_panel.input.value[:MAX_QUERY]:
            return
        timing = elapsed if self.reader_app.show_search_time else None
        self.search_panel.show_results(query, list(results.hits), results.total, timing)
        self.last_search_ms = elapsed

    @on(SearchPanel.Opened)
    def _search_opened(self, event: SearchPanel.Opened) -> None:
        self.search_query = event.query
        self.matcher = self._matcher_for(event.query)
        self.open_post(event.hit.path, hit_index=0)

    def _matcher_for(self, query: str) -> Matcher:
        try:
            from newsterm.search.query import find_matches
        except ImportError:
            return simple_matcher(query)

        def match(text: str) -> list[tuple[int, int]]:
            try:
                return list(find_matches(text, query))
            except Exception:
                return simple_matcher(query)(text)

        return match

    @on(SearchPanel.Closed)
    def _search_closed(self) -> None:
        self._show_left("posts")
        if self._saved_cursor and self.view == "all":
            self.post_list.select_path(self._saved_cursor)
        self.post_list.focus()

    def action_next_hit(self) -> None:
        if self.article.hits:
            self.article.set_hit_index(self.article.hit_index + 1)
            self._show_header()

    def action_prev_hit(self) -> None:
        if self.article.hits:
            self.article.set_hit_index(self.article.hit_index - 1)
            self._show_header()

    def action_related(self) -> None:
        path = self._target_path()
        if path is None:
            self.notify("Open a post first")
            return
        if not self.index_ready:
            self.notify("The search index is still building")
            return
        self._find_related(path)

    @work(thread=True, exclusive=True, group="related")
    def _find_related(self, path: str) -> None:
        from newsterm.related import rank_related

        try:
            results = self.index.more_like_this(path, 30)
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

    # -- index -------------------------------------------------------------------------------
    def _set_index_state(self, text: str) -> None:
        self.index_state = text
        self._update_status()
        if (
            self.query_one("#left-switch", ContentSwitcher).current == "search"
            and not self.index_ready
        ):
            self._search_status_idle()

    def sync_index(self, changed: int = 0) -> None:
        """Bring the search index up to date (in the live service's thread)."""
        if self._live is None:
            self._start_live(sync_now=True)
        else:
            self._live.request(changed)

    def _sync_blocking(self, changed: int) -> str:
        """One index sync; runs in the live service's thread, reports through the app."""
        if self.index is None and not self.served and not changed and self._nothing_changed():
            # Found without Whoosh (a stat walk and the manifest's digest): say so at once, then
            # open the index for searches.
            self._from_thread(self._set_index_state, "up to date")
            try:
                from newsterm.search.index import open_index

                self.index = open_index(self.root, self.index_dir, notice=self._index_notice)
            except Exception as err:  # a broken index folder must not stop the reader
                self._from_thread(self._set_index_state, f"index error: {err}")
                return "error"
            if not self.index.needs_build():
                self._from_thread(self._index_synced)
                return "synced"
        if self.index is None:
            try:
                from newsterm.search.index import open_index
            except ImportError:
                self._from_thread(self._set_index_state, "search unavailable")
                return "unavailable"
            try:
                # The index's notices ("damaged; rebuilding") must not go to stderr: the screen
                # is ours. They arrive from this thread.
                self.index = open_index(self.root, self.index_dir, notice=self._index_notice)
            except Exception as err:  # a broken index folder must not stop the reader
                self._from_thread(self._set_index_state, f"index error: {err}")
                return "error"
        if self.served:
            self._wait_for_server_index()
            return "served"
        try:
            built = not self.index.needs_build()
        except Exception:
            built = False
        if built and not self.index_ready:
            # An index from an earlier run answers at once; the sync only brings it up to date.
            self._from_thread(self._index_usable)
        if built and not changed:
            # Looking for changes writes nothing: it is a check, never "indexing".
            self._from_thread(self._set_index_state, "checking for changes…")
        last = [0.0]

        def progress(done: int, total: int) -> None:
            now = time.monotonic()
            if now - last[0] > 0.2 or done == total:
                last[0] = now
                if changed:
                    noun = "post" if changed == 1 else "posts"
                    label = f"{_fmt(changed)} {noun} changed, updating"
                elif built:
                    # Files that changed since the last sync are being re-indexed.
                    label = f"updating the index {_fmt(done)}/{_fmt(total)}"
                else:
                    label = f"indexing {_fmt(done)}/{_fmt(total)}"
                self._from_thread(self._set_index_state, label)

        from newsterm.errors import IndexBusyError

        if self.archive is None:
            from newsterm.archive import Archive

            self.archive = Archive(self.root)
        try:
            self.index.sync(self.archive, progress=progress)
        except IndexBusyError:
            # Another newsterm (a second window, the SSH server) is updating it: search what is
            # there and try again a little later.
            self._from_thread(self._index_busy, built)
            raise
        except Exception as err:
            self._from_thread(self._set_index_state, f"index error: {err}")
            return "error"
        self._from_thread(self._index_synced)
        return "synced"

    def _nothing_changed(self) -> bool:
        """Whether the index is up to date with the files (no Whoosh needed to find out)."""
        try:
            from newsterm.search.store import quick_check

            if self.archive is None:
                from newsterm.archive import Archive

                self.archive = Archive(self.root)
            return quick_check(self.index_dir, self.archive.scan()) is not None
        except Exception:
            return False

    def _sync_failed(self, err: BaseException) -> float | None:
        from newsterm.errors import IndexBusyError

        return INDEX_RETRY if isinstance(err, IndexBusyError) else None

    def _index_notice(self, message: str) -> None:
        if threading.get_ident() == self.app._thread_id:
            self.notify(message, title="Search index", markup=False)
        else:
            self._from_thread(self.notify, message, title="Search index", markup=False)

    def _index_busy(self, built: bool) -> None:
        if built:
            self._index_usable()
            self._set_index_state("index being updated by another newsterm")
        else:
            self._set_index_state("another newsterm is building the index")

    def _wait_for_server_index(self) -> None:
        """Served: ``newsterm serve`` is the index's only writer; wait for its build, never sync."""
        from newsterm.search.index import open_index

        while self.index.needs_build():
            self._from_thread(self._set_index_state, "index building on the server")
            if self._gone.wait(1.0):
                return
            self.index = open_index(self.root, self.index_dir, notice=lambda _m: None)
        self._from_thread(self._index_synced)

    def _index_usable(self) -> None:
        self.index_ready = True
        if self.query_one("#left-switch", ContentSwitcher).current == "search":
            self._schedule_search(0)

    def _index_synced(self) -> None:
        self.index_ready = True
        self._set_index_state("up to date")
        if self.query_one("#left-switch", ContentSwitcher).current == "search":
            self._schedule_search(0)
        if self._index_presence is None:
            self._index_presence = self.set_interval(INDEX_CHECK_EVERY, self._check_index_present)

    def _index_is_gone(self) -> bool:
        try:
            return bool(self.index is not None and self.index.is_gone())
        except Exception:
            return False

    def _check_index_present(self) -> None:
        if self.index_ready and self._index_is_gone():
            self._index_gone()

    def _index_gone(self) -> None:
        """The index was deleted under the reader: say so and build it again (the server does
        that itself for served readers)."""
        if not self.index_ready:
            return  # already rebuilding
        self.index_ready = False
        self.index = None  # opened afresh by the sync
        self.notify("The search index was deleted; rebuilding it", title="Search index")
        self._set_index_state("index deleted; rebuilding")
        self.sync_index()

    # -- live archive ------------------------------------------------------------------------
    def _start_live(self, sync_now: bool = False) -> None:
        """Follow the archive: re-read changed posts, keep the index in step (core service)."""
        if self._live is not None:
            return
        self._live = LiveArchive(
            self.root,
            sync=self._sync_blocking,
            on_change=self._apply_changes,
            on_failed=self._sync_failed,
            on_problem=self._watch_problem,
            watch=self.watch_enabled,
            initial_sync=self.sync_enabled or sync_now,
            sync_on_change=self.sync_enabled,
        )
        self._run_live(self._live)

    @work(exclusive=True, group="live")
    async def _run_live(self, live: LiveArchive) -> None:
        await live.run()

    def _came_or_went(self) -> set[str]:
        listed = set(self.archive.iter_paths()) if self.archive is not None else set()
        return listed ^ (set(self.by_path) | {p.path for p in self.problems})

    def _watch_problem(self, path: str, reason: str) -> None:
        self.notify(f"{path}: {reason}", title="Live updates", severity="warning", markup=False)

    async def _apply_changes(self, rels: set[str]) -> None:
        if self.archive is None:
            return
        if not rels:  # the watcher failed and started again: posts that came or went
            rels = await asyncio.to_thread(self._came_or_went)
            if not rels:
                return
        posts, problems = await asyncio.to_thread(
            self.archive.reread, rels, self.posts, self.problems
        )
        keep = self.post_list.highlighted.path if self.post_list.highlighted else None
        self._set_posts(posts, problems)
        self.reading.reconcile(self.by_path, [p.path for p in problems])
        if self.view == "bookmarks":
            self.view_paths = self.reading.bookmarks(self.by_path)
        self._rebuild_list(keep_path=keep)
        if self.current is not None:
            path = self.current.path
            updated = self._read_whole_post(path) if path in self.by_path and path in rels else None
            if path not in self.by_path:
                self._show_header(note="(this post was removed from the archive)")
            elif updated is not None and updated != self.current:
                self.current = updated
                from newsterm.bounds import capped_sections, shown_body
                from newsterm.outline import extract_outline

                self.sections = capped_sections(extract_outline(shown_body(updated.body)[0]))[0]
                self.outline.set_sections(self.sections)
                self._outline_key = (id(self.sections), ())
                self._render_current(keep_line=self.article.top_line())

    def on_unmount(self) -> None:
        self._gone.set()
        with contextlib.suppress(Exception):
            self._remember_scroll()
