"""The post list: a line-based scroll view that draws only the rows on screen.

Each row is an unread mark, the date, the title (then a quiet "draft" tag for an unpublished
draft) and the categories, cut to cell widths with rich's cell-aware functions so Korean wide
characters never break the columns. It stays fast at tens of thousands of posts because nothing
per row is built until the row is visible.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import overload

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from newsterm.models import Post, Problem
from newsterm.tui.keys import LIST_COMMANDS


@dataclass(frozen=True, slots=True)
class Entry:
    """A row: a post, or a file that could not be read."""

    post: Post | None = None
    problem: Problem | None = None

    @property
    def path(self) -> str:
        return self.post.path if self.post else self.problem.path  # type: ignore[union-attr]


class Rows(Sequence[Entry]):
    """Every post, then every unreadable file, as rows made only when looked at.

    The whole list of a big archive needs no row object per post (100,000 posts: ~30 ms and
    several MB per list), and a served reader does not touch the posts it shares with the
    zygote it was forked from (touching them copies their pages into the reader).
    """

    __slots__ = ("posts", "problems")

    def __init__(self, posts: Sequence[Post], problems: Sequence[Problem]) -> None:
        self.posts = posts
        self.problems = problems

    def __len__(self) -> int:
        return len(self.posts) + len(self.problems)

    @overload
    def __getitem__(self, index: int) -> Entry: ...
    @overload
    def __getitem__(self, index: slice) -> list[Entry]: ...
    def __getitem__(self, index: int | slice) -> Entry | list[Entry]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        count = len(self.posts)
        if index < 0:
            index += len(self)
        if 0 <= index < count:
            return Entry(post=self.posts[index])
        if count <= index < len(self):
            return Entry(problem=self.problems[index - count])
        raise IndexError(index)

    def __iter__(self) -> Iterator[Entry]:
        for post in self.posts:
            yield Entry(post=post)
        for problem in self.problems:
            yield Entry(problem=problem)

    def index_of(self, path: str) -> int | None:
        """The row of ``path`` (no row objects made on the way)."""
        find = getattr(self.posts, "index_of", None)  # an overlay of changes bisects
        if find is not None:
            row = find(path)
            if row is not None:
                return row
        else:
            for i, post in enumerate(self.posts):
                if post.path == path:
                    return i
        count = len(self.posts)
        for i, problem in enumerate(self.problems):
            if problem.path == path:
                return count + i
        return None


DRAFT_TAG = "  draft"
"""After a draft's title (see :func:`newsterm.archive.is_draft`) ..."""
DRAFT_MARK = " ✎"
"""... or this, in a list so narrow (beside an open post) that the word would leave the title
fewer than :data:`DRAFT_TITLE_ROOM` cells."""
DRAFT_TITLE_ROOM = 20


def set_virtual_height(view: ScrollView, rows: int) -> None:
    """Give a line view (``overflow-x: hidden``) ``rows`` rows at its current width.

    Only a new height lays the screen out again (the vertical scrollbar may come or go): the
    width follows the view's own as it is resized, and with no horizontal scrolling it changes
    nothing on screen, so a new width alone is stored without a layout (at start every line
    view was resized once and laid the whole screen out once more for it).
    """
    size = Size(view.size.width, rows)
    if size.height == view.virtual_size.height:
        view.set_reactive(ScrollView.virtual_size, size)
    else:
        view.virtual_size = size


def fit(text: str, width: int) -> str:
    """``text`` cut (with an ellipsis) or padded to exactly ``width`` cells."""
    if width <= 0:
        return ""
    if cell_len(text) > width:
        # Cut first, then put the ellipsis right after the last character that fits (a wide
        # character that no longer fits leaves a pad cell, which goes after the ellipsis).
        cut = set_cell_size(text, width - 1).rstrip()
        return set_cell_size(cut + "…", width)
    return set_cell_size(text, width)


class PostList(ScrollView, can_focus=True, inherit_bindings=False):
    """A virtualised list of posts with a cursor."""

    COMPONENT_CLASSES = {
        "post-list--cursor",
        "post-list--cursor-blurred",
        "post-list--date",
        "post-list--unread",
        "post-list--read",
        "post-list--category",
        "post-list--draft",
        "post-list--problem",
        "post-list--mark",
        "post-list--empty",
    }
    BINDINGS = [c.binding() for c in LIST_COMMANDS]

    cursor: reactive[int] = reactive(0, always_update=True, init=False)

    class Highlighted(Message):
        def __init__(self, post_list: PostList, entry: Entry | None) -> None:
            super().__init__()
            self.post_list = post_list
            self.entry = entry

    class Opened(Message):
        def __init__(self, post_list: PostList, entry: Entry) -> None:
            super().__init__()
            self.post_list = post_list
            self.entry = entry

    def __init__(self, *, empty_text: str = "No posts", **kwargs) -> None:
        super().__init__(**kwargs)
        self.entries: Sequence[Entry] = []
        self.empty_text = empty_text
        self.is_read = lambda path: True
        self.is_bookmarked = lambda path: False
        self._cache: LRUCache[tuple, Strip] = LRUCache(400)
        self._version = 0
        self._pass_style: Style | None = None  # the base style while rows are drawn

    # -- data -------------------------------------------------------------------------
    def set_entries(
        self, entries: Sequence[Entry], keep_path: str | None = None, *, top: bool = False
    ) -> None:
        """Replace the rows, keeping the cursor on ``keep_path`` (else on the post it is on, or
        the same row) if possible; ``top``: on the first row whatever it was on."""
        old_cursor = 0 if top else self.cursor
        keep = None if top else keep_path or (self.highlighted.path if self.highlighted else None)
        self.entries = entries
        self._version += 1
        self._cache.clear()
        self._set_virtual_height(len(entries))
        index = None
        if keep is not None:
            index = self.index_of(keep)
        if index is None:
            index = min(old_cursor, max(0, len(entries) - 1))
        self.cursor = index
        self.refresh()

    def refresh_marks(self) -> None:
        """Re-draw rows after read marks or bookmarks changed."""
        self._version += 1
        self._cache.clear()
        self.refresh()

    def refresh_path(self, path: str) -> None:
        """Re-draw the one row of ``path`` (its read mark or bookmark changed)."""
        row = self.index_of(path)
        if row is None:
            return
        width = self.scrollable_content_region.width or self.size.width
        for selected in (True, False):
            for focus in (True, False):
                self._cache.discard((row, selected, focus, width, self._version))
        self._refresh_row(row)

    @property
    def highlighted(self) -> Entry | None:
        if 0 <= self.cursor < len(self.entries):
            return self.entries[self.cursor]
        return None

    def index_of(self, path: str) -> int | None:
        entries = self.entries
        if 0 <= self.cursor < len(entries) and entries[self.cursor].path == path:
            return self.cursor  # (the post opened from the list: no walk through the rest)
        if isinstance(entries, Rows):
            return entries.index_of(path)
        return next((i for i, e in enumerate(entries) if e.path == path), None)

    def select_path(self, path: str) -> bool:
        index = self.index_of(path)
        if index is None:
            return False
        self.cursor = index
        return True

    # -- cursor -----------------------------------------------------------------------
    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, len(self.entries) - 1)) if self.entries else 0

    def watch_cursor(self, old: int, new: int) -> None:
        top = self.scroll_offset.y
        self._scroll_cursor_visible()
        if self.scroll_offset.y == top and old != new:
            # Only the two rows that changed: a full refresh re-composes the whole screen.
            self._refresh_row(old)
            self._refresh_row(new)
        else:
            self.refresh()
        self.post_message(self.Highlighted(self, self.highlighted))

    def _refresh_row(self, row: int) -> None:
        y = row - self.scroll_offset.y
        if 0 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def _scroll_cursor_visible(self) -> None:
        height = self.scrollable_content_region.height or self.size.height
        if height <= 0:
            return
        top = self.scroll_offset.y
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)

    def on_resize(self, event: events.Resize) -> None:
        self._set_virtual_height(len(self.entries))
        self._cache.clear()
        self._scroll_cursor_visible()

    def _set_virtual_height(self, rows: int) -> None:
        set_virtual_height(self, rows)

    def _page(self) -> int:
        return max(1, (self.scrollable_content_region.height or 10) - 1)

    def action_cursor_down(self) -> None:
        self.cursor += 1

    def action_cursor_up(self) -> None:
        self.cursor -= 1

    def action_cursor_top(self) -> None:
        self.cursor = 0

    def action_cursor_bottom(self) -> None:
        self.cursor = len(self.entries) - 1

    def action_page_down(self) -> None:
        self.cursor += self._page()

    def action_page_up(self) -> None:
        self.cursor -= self._page()

    def action_open(self) -> None:
        entry = self.highlighted
        if entry is not None:
            self.post_message(self.Opened(self, entry))

    async def _on_click(self, event: events.Click) -> None:
        row = event.y + self.scroll_offset.y
        if 0 <= row < len(self.entries):
            if row == self.cursor or event.chain >= 2:
                self.cursor = row
                self.action_open()
            else:
                self.cursor = row

    # -- drawing ----------------------------------------------------------------------
    def render_lines(self, crop: Region) -> list[Strip]:
        # The base style once for the rows of an update (it walks the styles of every ancestor).
        self._pass_style = self.rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._pass_style = None

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width or self.size.width
        row = y + self.scroll_offset.y
        if 0 <= row < len(self.entries):
            # The style lookups below are costly: a cached row needs none of them.
            key = (row, row == self.cursor, self.has_focus, width, self._version)
            strip = self._cache.get(key)
            if strip is not None:
                return strip
        base = self._pass_style or self.rich_style
        if not self.entries:
            if y == 1:
                style = self.get_component_rich_style("post-list--empty")
                text = fit("  " + self.empty_text, width)
                return Strip([Segment(text, base + style)], width)
            return Strip.blank(width, base)
        if row >= len(self.entries):
            return Strip.blank(width, base)
        selected = row == self.cursor
        key = (row, selected, self.has_focus, width, self._version)
        strip = self._cache.get(key)
        if strip is None:
            strip = self._render_row(self.entries[row], width, selected, base)
            self._cache[key] = strip
        return strip

    def _render_row(self, entry: Entry, width: int, selected: bool, base: Style) -> Strip:
        cs = self.get_component_rich_style
        if entry.problem is not None:
            style = base + cs("post-list--problem")
            text = f" ⚠ {entry.problem.path}: {entry.problem.reason}"
            segments = [Segment(fit(text, width), style)]
        else:
            post = entry.post
            assert post is not None
            read = self.is_read(post.path)
            # Both marks at once: an unread bookmarked post is "●★".
            mark = (" " if read else "●") + ("★" if self.is_bookmarked(post.path) else " ")
            date = post.date.strftime("%Y-%m-%d") if post.date else f"{'undated':^10}"
            title_style = cs("post-list--read" if read else "post-list--unread")
            cats = " · ".join(post.categories)
            show_cats = width >= 64 and cats
            cat_width = min(cell_len(cats), max(8, width // 5)) if show_cats else 0
            fixed = 4 + 10 + 2 + (cat_width + 2 if show_cats else 0)
            # A draft's tag in a column of its own, after the title (the marks stay as they are).
            tag = ""
            if post.draft:
                roomy = width - fixed - len(DRAFT_TAG) >= DRAFT_TITLE_ROOM
                tag = DRAFT_TAG if roomy else DRAFT_MARK
            title_width = max(4, width - fixed - len(tag))
            segments = [
                Segment(" " + mark + " ", base + cs("post-list--mark")),
                Segment(date, base + cs("post-list--date")),
                Segment("  ", base),
                Segment(fit(post.title, title_width), base + title_style),
            ]
            if tag:
                segments.append(Segment(tag, base + cs("post-list--draft")))
            if show_cats:
                segments.append(Segment("  ", base))
                segments.append(Segment(fit(cats, cat_width), base + cs("post-list--category")))
        strip = Strip(segments).adjust_cell_length(width, base)
        if selected:
            cursor = cs("post-list--cursor" if self.has_focus else "post-list--cursor-blurred")
            strip = Strip(Segment.apply_style(strip, post_style=cursor), width)
        return strip

    def _on_focus(self, event: events.Focus) -> None:
        self._cache.clear()
        self.refresh()

    def _on_blur(self, event: events.Blur) -> None:
        self._cache.clear()
        self.refresh()


__all__ = ["Binding", "Entry", "PostList", "Rows", "fit", "set_virtual_height"]
