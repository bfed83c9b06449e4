"""The reader's main screen: post list, article with outline, search, facets and reading state.

It lays out the widgets (``widgets/``), takes their messages (:mod:`newsterm.tui.messages`) and
holds the screen's state; its work is in one module per job, mixed into :class:`MainScreen`:
reading the archive and following it (``main_loading``), the index's state (``main_index``),
opening and laying out posts (``main_reading``), search (``main_search``) and commands on the
open post (``main_post``). Logic without a screen is in plain modules with unit tests: what the
list shows (:mod:`newsterm.tui.listing`), the status line (:mod:`newsterm.tui.status`), search
pacing (:mod:`newsterm.tui.search_pacing`), the index connection
(:mod:`newsterm.tui.index_link`), section positions (:mod:`newsterm.tui.sections`). Slow work
runs in workers, so the first screen shows at once and the interface never waits on the disk.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events, on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.css.query import NoMatches
from textual.geometry import Size
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Input, Static
from textual.widgets._toast import ToastRack

from newsterm.live import LiveArchive
from newsterm.models import Post, Problem, Section
from newsterm.state import ReadingState
from newsterm.tui.facets import Facet, count_facets
from newsterm.tui.hangul import TitleIndex
from newsterm.tui.history import History
from newsterm.tui.index_link import IndexLink
from newsterm.tui.keys import COMMANDS as READER_COMMANDS
from newsterm.tui.keys import OPENS_A_BOX, SCREEN_COMMANDS, bindings
from newsterm.tui.listing import ListView, results_scope, view_scope
from newsterm.tui.render import Matcher, RenderedDoc
from newsterm.tui.screens.facets import FacetScreen
from newsterm.tui.screens.help import HelpScreen
from newsterm.tui.screens.main_index import IndexStatus
from newsterm.tui.screens.main_loading import ArchiveLoading
from newsterm.tui.screens.main_post import PostCommands
from newsterm.tui.screens.main_reading import PostReading
from newsterm.tui.screens.main_search import SEARCH_DEBOUNCE, SearchCommands
from newsterm.tui.search_pacing import SearchPacer
from newsterm.tui.status import Status
from newsterm.tui.widgets.article import ArticleHeader, ArticleView
from newsterm.tui.widgets.filter import FilterInput
from newsterm.tui.widgets.keybar import KeyBar
from newsterm.tui.widgets.outline import Outline
from newsterm.tui.widgets.post_list import Entry, PostList, Rows
from newsterm.tui.widgets.search import MAX_QUERY, SearchPanel
from newsterm.tui.widgets.status import StatusLine

if TYPE_CHECKING:
    from newsterm.tui.app import NewstermApp
    from newsterm.tui.images import ImagePainter

NARROW = 100  # below this many columns, one pane at a time


class MainScreen(
    ArchiveLoading,
    IndexStatus,
    PostReading,
    SearchCommands,
    PostCommands,
    Screen[None],
    inherit_bindings=False,
):
    """The reader's one working screen. ``watch``/``sync_index`` off make it deterministic."""

    BINDINGS = bindings(READER_COMMANDS + SCREEN_COMMANDS)
    # The list has the focus from the start: Textual's default ("*") focused the title filter
    # (the first focusable widget), which on_mount hid and blurred again (three restylings).
    AUTO_FOCUS = "#posts"

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
        self.image_painter: ImagePainter | None = None  # the app sets it when images can show
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
        self.list_view = ListView()
        self._saved_cursor: str | None = None
        # reader
        self.current: Post | None = None
        self.doc: RenderedDoc | None = None
        self.sections: list[Section] = []
        self.history = History()
        # Where in-page links were followed from in the open post (H goes back there first).
        self.anchor_back: list[int] = []
        self.search_query = ""  # the query whose hits are shown in the article
        self.matcher: Matcher | None = None
        self.outline_visible = True
        self.list_visible = True
        self._pending_scroll: int | None = None
        # The line a new layout of the open post is about to be scrolled to (after a refresh):
        # until it is, the view's own top line is not where the reader is.
        self._unplaced_line: int | None = None
        # search (``index`` lets a caller supply its own, already opened)
        self._gone = threading.Event()  # set when the screen goes: threads stop waiting
        self.index_link = IndexLink(
            self.root,
            index_dir,
            _ScreenIndexEvents(self),
            self._archive,
            served=served,
            index=index,
            gone=self._gone,
        )
        self.index_state = "waiting"
        self.index_ready = False
        self._search_timer: Timer | None = None
        self._rewrap_timer: Timer | None = None
        self.pacer = SearchPacer()
        self._pending_hit: int | None = None
        self.last_render_ms = 0.0
        self.last_search_ms = 0.0
        self._site: Any = None
        self._image_files: Any = None  # newsterm.images.ImageFiles, made when a link needs it
        self._partial = ""  # "reading 400/20,000…" while a big archive loads
        self._outline_key: tuple = ()
        self._narrow_outline = False  # narrow windows: the outline shown instead of the article
        self._live: LiveArchive | None = None
        self._walked_digest: str | None = None  # the digest of the reader's last walk
        self._walked = threading.Event()  # the list's walk at start is done (or failed)
        self._walk_began = 0.0  # when it began (time.monotonic())
        # Served: the server's catalog, followed instead of the files (see main_loading)
        self._catalog: Any = None
        self._catalog_stamp: tuple | None = None
        self._catalog_follow: Timer | None = None
        self._catalog_reading = False
        self._catalog_listing: Any = None  # the catalog.Listing shown (its mark: where it stands)
        self._resumed = False  # the first ScreenResume (see on_screen_resume)
        self._panes_width = -1  # the width _apply_panes last laid the panes out for

    # What the list shows (kept as the screen's attributes for callers and tests).
    @property
    def facets(self) -> set[Facet]:
        return self.list_view.facets

    @facets.setter
    def facets(self, value: set[Facet]) -> None:
        self.list_view.facets = value

    @property
    def title_query(self) -> str:
        return self.list_view.title_query

    @title_query.setter
    def title_query(self, value: str) -> None:
        self.list_view.title_query = value

    @property
    def view(self) -> str:
        return self.list_view.view

    @property
    def index(self) -> Any:
        """The search index (None until the first sync opens it)."""
        return self.index_link.index

    @index.setter
    def index(self, value: Any) -> None:
        self.index_link.index = value

    @property
    def _search_busy(self) -> bool:
        return self.pacer.busy

    def _archive(self) -> Any:
        """The reader's Archive, made on first use (from any thread)."""
        if self.archive is None:
            from newsterm.archive import Archive

            self.archive = Archive(self.root)
        return self.archive

    @property
    def reader_app(self) -> NewstermApp:
        return self.app  # type: ignore[return-value]

    def _from_thread(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Run ``fn(*args, **kwargs)`` on the app's thread from a worker thread (nothing once
        the screen is gone)."""
        if self._gone.is_set():
            return

        def run() -> None:
            if not self._gone.is_set():  # (it may have gone while this waited in the queue)
                fn(*args, **kwargs)

        with contextlib.suppress(RuntimeError):  # the app has stopped meanwhile
            self.app.call_from_thread(run)

    # -- layout ---------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield StatusLine("", id="status")
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

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """/, t, s, | and v (priority keys, see keys.py) are typed while a text box has focus."""
        return not (action in OPENS_A_BOX and isinstance(self.focused, Input))

    # -- keys typed in the same instant as the one that opens a box --------------------------
    # The keys of OPENS_A_BOX are priority bindings: the app runs their action before it reads
    # the next key. Each action gives the box the focus before it returns, so the keys that
    # came with it (a paste, tmux send-keys, a fast typist) are read into the box.
    def focus_now(self, widget: Widget) -> None:
        """Focus ``widget`` of this screen now (``focus()`` waits for the next idle)."""
        self.set_focus(widget)

    async def open_dialog(
        self, screen: Screen[Any], answered: Callable[[Any], None] | None = None
    ) -> None:
        """Show ``screen`` with its ``AUTO_FOCUS`` widget focused once this returns (its widgets
        are mounted first; meanwhile the keys typed after wait in the app's queue)."""
        await self.app.push_screen(screen, answered)
        if screen.AUTO_FOCUS:
            with contextlib.suppress(NoMatches):
                screen.set_focus(screen.query(screen.AUTO_FOCUS).first())

    @property
    def article(self) -> ArticleView:
        return self.query_one("#article", ArticleView)

    def article_images_ready(self) -> None:
        """An image of the open post has been decoded in the background: draw it."""
        try:
            self.article.images_ready()
        except NoMatches:  # the screen has gone
            pass
        shown = getattr(self.app.screen, "images_ready", None)  # the image view (v)
        if shown is not None and self.app.screen is not self:
            shown()

    @property
    def outline(self) -> Outline:
        return self.query_one("#outline", Outline)

    @property
    def search_panel(self) -> SearchPanel:
        return self.query_one("#search", SearchPanel)

    def on_mount(self) -> None:
        self.query_one("#keybar", KeyBar).show_keys(self.app.keymap, self.served)
        # Textual's toast rack is shown until, after the first frame, the app finds no
        # notification to show in it: hiding it then laid out and drew the whole screen again.
        # Hidden from the start (the app shows it as soon as there is a notification).
        for rack in self.query(ToastRack):
            rack.display = False
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
        if not self.list_held():
            self.load_archive()

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        # (Runs before Screen's own handler.) The first time, at the app's start, every widget
        # was styled as it was mounted and what on_mount changed restyled what it touched:
        # restyling the whole screen again (~7 ms of every served reader's start) changes
        # nothing. Later resumes (back from a dialog) restyle as Textual does.
        if not self._resumed:
            self._resumed = True
            event.refresh_styles = False

    def _screen_resized(self, size: Size) -> None:
        # Textual lays the whole screen out (and draws it) for every Resize the screen gets,
        # even one of the size it was just laid out at. At start three such come after the
        # first layout (the app's own, the terminal driver's, and the screen's from that
        # layout): each was a layout and a render of every widget changing nothing on screen.
        if size == self._compositor.size and self.is_attached:
            return
        super()._screen_resized(size)

    def on_resize(self) -> None:
        # Later: this handler runs before Textual's own App._on_resize stores the new size.
        self.call_later(self._fit_panes)

    def _fit_panes(self) -> None:
        # The panes depend on the width only (NARROW); their other changes apply them at once.
        if self.size.width != self._panes_width:
            self._apply_panes()

    def _narrow(self) -> bool:
        return self.size.width < NARROW

    def _apply_panes(self) -> None:
        self._panes_width = self.size.width
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
            self._render_current(keep_line=self._place_line())
        self.post_list.refresh_marks()

    def _state_notice(self, message: str) -> None:
        self.notify(message, title="Reading state", severity="warning", timeout=10, markup=False)

    # -- the list -----------------------------------------------------------------------------
    def _title_index(self) -> TitleIndex:
        """Every title of the archive in one string, made once per list of posts: the title
        filter answers a keystroke at 100,000 posts with a few regex scans."""
        if self._titles is None or self._titles[0] is not self.posts:
            self._titles = (self.posts, TitleIndex([p.title for p in self.posts]))
        return self._titles[1]

    def visible_posts(self) -> list[Post]:
        """Posts of the current view after facets and the title filter (the screen's own list
        when nothing narrows it: never change it)."""
        # The title index only once a title is typed: made for every list, it touched every post.
        titles = self._title_index() if self.list_view.title_query.strip() else None
        return self.list_view.posts(self.posts, self.by_path, titles)

    def _rebuild_list(self, keep_path: str | None = None, *, top: bool = False) -> None:
        view = self.list_view
        entries: Sequence[Entry]
        if view.view == "all" and not view.facets and not view.title_query.strip():
            entries = Rows(self.posts, self.problems)  # every post: no row objects made
        else:
            entries = [Entry(post=p) for p in self.visible_posts()]
        self.post_list.set_entries(entries, keep_path=keep_path, top=top)
        title = self.query_one("#view-title", Static)
        line = view.title(len(entries))
        if line:
            # Labels hold archive text (titles, categories): shown as text, never as markup.
            title.update(Content(line))
        title.display = bool(line)
        self._update_status()

    def _update_status(self) -> None:
        # Read marks are few next to posts: count those, not every post.
        by_path = self.by_path
        read = sum(1 for p in self.reading.read_paths() if p in by_path)
        status = Status(
            archive=self.root.name,
            posts=len(self.posts),
            problems=len(self.problems),
            unread=len(self.posts) - read,
            partial=self._partial,
            listed=self.loaded or self._listed,
            index=self.index_state,
            served=self.served,
        )
        # A worker's report can arrive while the app quits and the line is already removed.
        for line in self.query("#status").results(StatusLine):
            line.show(status)

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

    # -- actions: reading -------------------------------------------------------------------
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
            if self.list_view.view == "bookmarks":
                self.list_view.paths = self.reading.bookmarks(self.by_path)
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
        if self.list_view.view == "all":
            entry = self.post_list.highlighted
            self._saved_cursor = entry.path if entry else None
        self.list_view.view = view
        self.list_view.label = label
        self.list_view.paths = paths_
        self._show_left("posts")
        self._rebuild_list()
        self.post_list.cursor = 0
        if self._narrow():
            self._set_reading(False)
        self.post_list.focus()

    def _leave_view(self) -> bool:
        if self.list_view.plain:
            return False
        self.list_view.view = "all"
        self.facets = set()
        self.title_query = ""
        flt = self.query_one("#title-filter", Input)
        flt.value = ""
        flt.display = False
        self._rebuild_list(keep_path=self._saved_cursor)
        self._saved_cursor = None
        return True

    def action_back(self) -> None:
        if self.anchor_back:  # back from an in-page link, as a browser goes back
            self.article.scroll_to_y(self.anchor_back.pop())
            return
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
        if self.list_view.plain:
            entry = self.post_list.highlighted
            self._saved_cursor = entry.path if entry else None
        self._show_left("posts")
        if self._narrow():
            self._set_reading(False)
        flt = self.query_one("#title-filter", Input)
        flt.display = True
        self.focus_now(flt)  # letters typed with the t must land there

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

    def _facet_base(self) -> tuple[list[Post], str] | None:
        """The posts the facet counts count, and how to name them: every result of the search
        while searching, else the posts of the current view. None: the search has more results
        than it shows, which :meth:`_facets_of_all_results` fetches first."""
        panel = self.search_panel
        if self._searching() and panel.query_text.strip() and panel.input.value.strip():
            hits = [self.by_path[h.path] for h in panel.hits if h.path in self.by_path]
            if panel.total > len(panel.hits):
                return None
            return hits, results_scope(hits, panel.total)
        return view_scope(self.list_view, self.posts, self.by_path)

    @work(thread=True, exclusive=True, group="facets")
    def _facets_of_all_results(self, query: str, scope: list[str] | None) -> None:
        """Every result's path (not only the ranked ones shown), then the facets over them."""
        try:
            found = self.index.matching_paths(query, scope)
        except Exception as err:
            self._from_thread(self.notify, f"facets: {err}", severity="error", markup=False)
            return
        self._from_thread(self._open_facets_over, found)

    def _open_facets_over(self, paths: list[str]) -> None:
        if not self._searching() or self.app.screen is not self:
            return  # the search was left (or another dialog opened) meanwhile
        posts = [self.by_path[p] for p in paths if p in self.by_path]
        self._push_facets(posts, results_scope(posts, len(posts)))

    def action_facets(self) -> None:
        if not self.loaded:
            return
        if self.list_view.plain:
            entry = self.post_list.highlighted
            self._saved_cursor = entry.path if entry else None
        base = self._facet_base()
        if base is None:
            scope = None
            if self.list_view.facets or self.list_view.view != "all":
                scope = [p.path for p in self.visible_posts()]
            self._facets_of_all_results(self.search_panel.query_text, scope)
            return
        self._push_facets(*base)

    def _push_facets(self, base: list[Post], scope: str) -> None:

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

    @on(SearchPanel.QueryChanged)
    def _query_changed(self, event: SearchPanel.QueryChanged) -> None:
        if event.now:
            self.pacer.force(event.query)
            self._schedule_search(0)
        else:
            self._schedule_search(SEARCH_DEBOUNCE)

    @on(SearchPanel.Opened)
    def _search_opened(self, event: SearchPanel.Opened) -> None:
        self.search_query = event.query
        self.matcher = self._matcher_for(event.query)
        self.open_post(event.hit.path, hit_index=0)

    @on(SearchPanel.Closed)
    def _search_closed(self) -> None:
        self._show_left("posts")
        if self._saved_cursor and self.list_view.view == "all":
            self.post_list.select_path(self._saved_cursor)
        self.post_list.focus()

    def on_unmount(self) -> None:
        self._gone.set()
        with contextlib.suppress(Exception):
            self._remember_scroll()


class _ScreenIndexEvents:
    """The index link's reports, handed to the app's thread (nothing once the screen is gone)."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen

    def state(self, text: str) -> None:
        self.screen._from_thread(self.screen._set_index_state, text)

    def usable(self) -> None:
        self.screen._from_thread(self.screen._index_found)

    def synced(self) -> None:
        self.screen._from_thread(self.screen._index_synced)

    def busy(self, built: bool) -> None:
        self.screen._from_thread(self.screen._index_busy, built)

    def notice(self, message: str) -> None:
        self.screen._index_notice(message)

    def needs_sync(self) -> None:
        self.screen._from_thread(self.screen._index_needs_sync)
