"""The article pane: a header (title, lede, date, categories, tags, reading time) over a line
view.

The body is pre-rendered to lines (see ``render.py``, done in a worker) and this scroll view only
draws the lines on screen, so a 1 MB post scrolls as smoothly as a short one. Search hits are
highlighted as they are drawn, the current one stronger than the rest. Images are drawn in the
rows the layout left for them, once their pixels are ready (``tui/images.py``).
"""

from __future__ import annotations

import bisect

from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Static

from newsterm.archive import date_time_text
from newsterm.markdown.linebreak import wrap
from newsterm.models import Post
from newsterm.tui import messages
from newsterm.tui.images import PostImages, strip_for
from newsterm.tui.keys import ARTICLE_COMMANDS
from newsterm.tui.render import HitPos, Palette, RenderedDoc, reading_minutes
from newsterm.tui.widgets.post_list import set_virtual_height

MAX_WIDTH = 92
LEDE_LINES = 3
"""Lines of the header a lede may take (a longer one ends with ``…``): the header stays a
header, and the article keeps the screen. One fewer on a screen of fewer than
:data:`SHORT_SCREEN` rows."""
SHORT_SCREEN = 30


class Clamped:
    """``text`` wrapped at the width it is drawn at, at most ``lines`` lines, the last one
    ending with ``…`` when some was left out (the header is laid out again at every width)."""

    def __init__(self, text: Text, lines: int) -> None:
        self.text = text
        self.lines = lines

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        lines = list(wrap(self.text, console, width))
        if len(lines) > self.lines:
            del lines[self.lines :]
            last = lines[-1]
            last.rstrip()
            last.truncate(width - 1)
            last.append("…")
        yield from lines


class ArticleHeader(Static):
    """Title, lede and metadata of the open post."""

    COMPONENT_CLASSES = {
        "article-header--title",
        "article-header--lede",
        "article-header--hit",
        "article-header--meta",
        "article-header--draft",
        "article-header--tag",
        "article-header--note",
    }

    plain = ""  # the header's text, for tests and screen readers

    def show_post(
        self,
        post: Post | None,
        bookmarked: bool = False,
        note: str = "",
        lede_hits: list[tuple[int, int]] | None = None,
    ) -> None:
        """Show ``post``'s header; ``lede_hits``: where the search being read matches its lede
        (highlighted as the hits in the text are)."""
        if post is None:
            self.plain = note or "Open a post from the list (Enter)."
            self.update(Text(self.plain, style="dim"))
            return
        cs = self.get_component_rich_style
        title = Text(post.title, style=cs("article-header--title"))
        meta = Text(style=cs("article-header--meta"))
        if post.draft:  # first: long categories or tags never cut it off
            meta.append("draft", cs("article-header--draft"))
            meta.append("   ")
        parts = []
        if post.date:
            parts.append(date_time_text(post, zone=False))
        if post.categories:
            parts.append(" · ".join(post.categories))
        parts.append(f"{reading_minutes(post.body)} min read" if post.body.strip() else "empty")
        meta.append("   ".join(parts))
        if post.tags:
            meta.append("   ")
            meta.append(" ".join(f"#{t}" for t in post.tags), cs("article-header--tag"))
        if bookmarked:
            meta.append("   ★ bookmarked")
        meta.no_wrap = True
        meta.overflow = "ellipsis"
        lines = [title, meta]
        shown: list[Text | Clamped] = [title, meta]
        if post.lede:  # the post's summary, under its title
            lede = Text(post.lede, style=cs("article-header--lede"))
            for start, end in lede_hits or ():
                lede.stylize(cs("article-header--hit"), start, end)
            lines.insert(1, lede)
            short = 0 < self.app.size.height < SHORT_SCREEN
            shown.insert(1, Clamped(lede, LEDE_LINES - 1 if short else LEDE_LINES))
        if note:
            # Its own line, so the hit counter never wraps out of sight under long metadata.
            lines.append(Text(note, style=cs("article-header--note"), no_wrap=True))
            shown.append(lines[-1])
        self.plain = "\n".join(line.plain for line in lines)
        self.update(Group(*shown))


class ArticleView(ScrollView, can_focus=True, inherit_bindings=False):
    """Pre-rendered article lines in a virtual scroll view."""

    COMPONENT_CLASSES = {
        "article--hit",
        "article--hit-current",
        "article--placeholder",
        "article--h1",
        "article--h2",
        "article--h3",
        "article--rule",
        "article--link",
        "article--code",
    }
    BINDINGS = [c.binding() for c in ARTICLE_COMMANDS]

    Scrolled = messages.ArticleScrolled
    Resized = messages.ArticleResized
    Leave = messages.ArticleLeave
    LinkClicked = messages.LinkClicked

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.doc: RenderedDoc | None = None
        self.placeholder = ""
        self.hits: list[HitPos] = []
        self.hit_index = -1
        self._hits_by_line: dict[int, list[tuple[int, int, int]]] = {}
        self._cache: LRUCache[tuple, Strip] = LRUCache(300)
        self.images: PostImages | None = None  # draws the doc's image slots (tui.images)
        self._slot_ys: list[int] = []
        self._version = 0
        self._last_line = 0
        # `G` while a big post is still being rendered: go on to the end as the rest comes in.
        self._follow_end = False
        self._sixel_due = False  # pixels to send once Textual has written the rows
        self._pass_style: Style | None = None  # the base style while lines are drawn
        self._drawn_size = Size(0, 0)  # the size the view was last drawn at
        # The one blank row an empty view has (see set_doc) from the start: given at its first
        # resize, it laid the whole screen out once more just after the first frame.
        self.set_reactive(ArticleView.virtual_size, Size(0, 1))

    # -- layout -----------------------------------------------------------------------
    def text_width(self) -> int:
        """The width the body is rendered at for the current size."""
        width = self.scrollable_content_region.width or self.size.width or 80
        return max(20, min(MAX_WIDTH, width - 4))

    def _margin(self) -> int:
        width = self.scrollable_content_region.width or self.size.width
        doc_width = self.doc.width if self.doc else 0
        return max(2, (width - doc_width) // 2) if width > doc_width + 4 else 1

    # -- content ----------------------------------------------------------------------
    def set_doc(
        self,
        doc: RenderedDoc | None,
        *,
        keep_scroll: bool = True,
        images: PostImages | None = None,
    ) -> None:
        self.doc = doc
        self.images = images if doc is not None else None
        self._slot_ys = [slot.y for slot in doc.images] if doc is not None else []
        self._bump()
        height = len(doc.lines) if doc else 0
        set_virtual_height(self, height + 1)
        if not keep_scroll:
            self._follow_end = False
            self.scroll_to(y=0, animate=False, immediate=True)
        elif self._follow_end and doc is not None:
            self._follow_end = not doc.complete
            self.call_after_refresh(self._to_end)

    def show_placeholder(self, text: str) -> None:
        self.placeholder = text
        self.set_doc(None, keep_scroll=False)

    def set_hits(self, hits: list[HitPos], index: int = 0) -> None:
        self.hits = hits
        self._hits_by_line = {}
        for i, hit in enumerate(hits):
            self._hits_by_line.setdefault(hit.y, []).append((hit.start, hit.end, i))
        self.hit_index = index if hits else -1
        self._bump()

    def set_hit_index(self, index: int) -> None:
        if not self.hits:
            return
        self.hit_index = index % len(self.hits)
        self._bump()
        self.scroll_to_y(self.hits[self.hit_index].y, center=True)

    def _bump(self) -> None:
        self._version += 1
        self._cache.clear()
        self.refresh()

    def scroll_to_y(self, y: int, *, center: bool = False) -> None:
        height = self.scrollable_content_region.height or self.size.height
        target = y - height // 3 if center else y
        self.scroll_to(y=max(0, target), animate=False, immediate=True)

    def scroll_to_line(self, source_line: int) -> None:
        if self.doc is not None:
            self.scroll_to_y(self.doc.y_of_line(source_line))

    def top_line(self) -> int:
        """The body line at the top of the view (1 when nothing is shown)."""
        if self.doc is None:
            return 1
        return self.doc.line_of_y(round(self.scroll_offset.y))

    def reading_line(self) -> int:
        """The body line being read: near the top, or the last lines once at the very end."""
        if self.doc is None:
            return 1
        y = round(self.scroll_offset.y)
        if self.max_scroll_y > 0 and y >= self.max_scroll_y:
            height = self.scrollable_content_region.height or self.size.height
            y = min(len(self.doc.lines) - 1, y + height - 1)
        return self.doc.line_of_y(y)

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        line = self.reading_line()
        if line != self._last_line:
            self._last_line = line
            self.post_message(self.Scrolled(line))

    def on_resize(self, event: events.Resize) -> None:
        height = len(self.doc.lines) if self.doc else 0
        set_virtual_height(self, height + 1)
        if self.size != self._drawn_size:
            # (A view drawn at this very size, as at start, where the first layout draws it
            # before its Resize comes, has nothing to draw again.)
            self._bump()
        if self.doc is not None:  # the margin may change even when the text width does not
            self.post_message(self.Resized())

    # -- actions ----------------------------------------------------------------------
    def _page(self) -> int:
        return max(1, (self.scrollable_content_region.height or 10) - 2)

    def _scroll_by(self, rows: int) -> None:
        self._follow_end = False
        self.scroll_relative(y=rows, animate=False)

    def action_scroll_down(self) -> None:
        self._scroll_by(1)

    def action_scroll_up(self) -> None:
        self._scroll_by(-1)

    def action_half_down(self) -> None:
        self._scroll_by(self._page() // 2)

    def action_half_up(self) -> None:
        self._scroll_by(-(self._page() // 2))

    def action_page_down(self) -> None:
        self._scroll_by(self._page())

    def action_page_up(self) -> None:
        self._scroll_by(-self._page())

    def action_scroll_home(self) -> None:
        self._follow_end = False
        self.scroll_to(y=0, animate=False)

    def action_scroll_end(self) -> None:
        self._follow_end = self.doc is not None and not self.doc.complete
        self._to_end()

    def _to_end(self) -> None:
        self.scroll_to(y=self.max_scroll_y, animate=False)

    def action_leave(self) -> None:
        self.post_message(self.Leave())

    def action_open_link(self, index: int) -> None:
        if self.doc is not None and 0 <= index < len(self.doc.links):
            self.post_message(self.LinkClicked(self.doc.links[index]))

    # -- drawing ----------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width or self.size.width
        base = self._pass_style or self.rich_style
        row = y + self.scroll_offset.y
        if self.doc is None:
            if y == 1 and self.placeholder:
                style = base + self.get_component_rich_style("article--placeholder")
                return Strip([Segment("  " + self.placeholder, style)]).adjust_cell_length(
                    width, base
                )
            return Strip.blank(width, base)
        if row >= len(self.doc.lines):
            return Strip.blank(width, base)
        if self._slot_ys:
            strip = self._image_row(row, width, base)
            if strip is not None:
                return strip
        line_hits = self._hits_by_line.get(row)
        current = (
            self.hit_index if line_hits and any(i == self.hit_index for *_, i in line_hits) else -1
        )
        key = (row, width, self._version, current)
        strip = self._cache.get(key)
        if strip is None:
            strip = self._render_row(row, width, base, line_hits)
            self._cache[key] = strip
        return strip

    def _image_row(self, row: int, width: int, base: Style) -> Strip | None:
        """Row ``row`` of an image drawn in its slot, or None (not an image row, not ready)."""
        assert self.doc is not None
        at = bisect.bisect_right(self._slot_ys, row) - 1
        if at < 0 or self.images is None:
            return None
        slot = self.doc.images[at]
        if not slot.y <= row < slot.y + slot.height:
            return None
        segments = self.images.strip(slot, row - slot.y)
        if segments is None:
            return None
        return strip_for(segments, self._margin(), width, base)

    def images_ready(self) -> None:
        """An image's pixels are ready: draw again."""
        self._bump()

    # -- Sixel: the pixels, sent once Textual has written the rows --------------------
    # Sixel pixels are not cells, and a row's control string cannot travel inside Textual's
    # strips here (a colour filter drops its control mark; the scrollbar's cut at the last
    # column and partial updates would then drop or split it: docs/architecture.md). So an
    # image row is blank cells, and after every screen update that wrote the article (blank
    # cells and text erase the Sixel pixels under them, cell by cell) the visible image rows
    # are sent again, each at its row's place on the screen.

    def render_lines(self, crop: Region) -> list[Strip]:
        # The base style once for the lines of an update (it walks the styles of every
        # ancestor: as much again as drawing a cached line).
        self._pass_style = self.rich_style
        self._drawn_size = self.size
        try:
            strips = super().render_lines(crop)
        finally:
            self._pass_style = None
        sixel = self.images is not None and self.images.sixel and self._slot_ys
        if sixel and not self._sixel_due:
            self._sixel_due = True
            self.call_after_refresh(self._send_sixels)
        return strips

    def _send_sixels(self) -> None:
        self._sixel_due = False
        out = self.sixel_rows()
        driver = self.app._driver
        if out and driver is not None:
            driver.write("".join(out))
            driver.flush()

    def sixel_rows(self) -> list[str]:
        """What to send now: each visible image row's Sixel image at its place (the cursor
        kept); none while another screen is on top or a widget covers the row."""
        images, doc = self.images, self.doc
        if images is None or doc is None or not images.sixel or self.app.screen is not self.screen:
            return []
        region = self.scrollable_content_region
        left = region.x + self._margin()
        out: list[str] = []
        for y in range(region.height):
            row = self.scroll_offset.y + y
            at = bisect.bisect_right(self._slot_ys, row) - 1
            if at < 0:
                continue
            slot = doc.images[at]
            if not slot.y <= row < slot.y + slot.height:
                continue
            data = images.sixel_row(slot, row - slot.y)
            cols = images.painter.size(images.post_path, slot.src, images.width)[0]
            if data is None or not self._uncovered(left, region.y + y, cols):
                continue
            out.append(f"\x1b7\x1b[{region.y + y + 1};{left + 1}H{data}\x1b8")
        return out

    def _uncovered(self, x: int, y: int, cols: int) -> bool:
        """The article is what shows at the row's cells (every fourth and the last): no toast,
        no scrollbar, nothing over it."""
        at = self.screen.get_widget_at
        try:
            return all(at(cx, y)[0] is self for cx in (*range(x, x + cols, 4), x + cols - 1))
        except Exception:  # off the screen: nothing there
            return False

    def _render_row(
        self, row: int, width: int, base: Style, line_hits: list[tuple[int, int, int]] | None
    ) -> Strip:
        assert self.doc is not None
        text = self.doc.lines[row]
        if line_hits:
            text = text.copy()
            hit = self.get_component_rich_style("article--hit")
            hit_current = self.get_component_rich_style("article--hit-current")
            for start, end, index in line_hits:
                text.stylize(hit_current if index == self.hit_index else hit, start, end)
        console = self.app.console
        # Text.render leaves out the line's own style when it has no spans (headings are
        # whole-line styles): apply it here, under any span styles.
        line_style = text.style
        if not isinstance(line_style, Style):
            line_style = console.get_style(line_style, default=Style.null())
        segments = list(Segment.apply_style(text.render(console, end=""), style=base + line_style))
        margin = Segment(" " * self._margin(), base)
        return Strip([margin, *segments]).adjust_cell_length(width, base)


def palette_for(widget: ArticleView, dark: bool) -> Palette:
    """The article palette from the stylesheet's component classes (so it follows the theme)."""
    cs = widget.get_component_rich_style
    return Palette(
        text=Style(),
        h1=cs("article--h1"),
        h2=cs("article--h2"),
        h3=cs("article--h3"),
        rule=cs("article--rule"),
        link=cs("article--link"),
        code=cs("article--code"),
        dark=dark,
    )
