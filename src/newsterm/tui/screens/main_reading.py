"""The main screen's reading: open a post (history, marks, outline), lay it out at the
article's width (big posts progressively, in a thread), keep the scroll, section and hit
positions.

A mixin of :class:`newsterm.tui.screens.main.MainScreen`.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from textual import work
from textual.css.query import NoMatches
from textual.worker import get_current_worker

from newsterm.models import Post
from newsterm.tui.render import HitPos, RenderedDoc, Renderer, find_hits
from newsterm.tui.sections import next_start, prev_start, section_starts
from newsterm.tui.widgets.article import ArticleHeader, palette_for

if TYPE_CHECKING:
    from newsterm.markdown.layout import ImageRows
    from newsterm.tui.images import PostImages
    from newsterm.tui.screens.main import MainScreen

BIG_POST = 200_000  # bytes: above this the body is rendered progressively


class PostReading:
    """Opening and laying out posts in the article view."""

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

    def _read_whole_post(self: MainScreen, path: str) -> Post | None:
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
        self._unplaced_line = None
        self.anchor_back.clear()
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

    def _pane_state(self: MainScreen) -> tuple[bool, ...]:
        return (
            self.has_class("-reading"),
            bool(self.query_one("#left").display),
            bool(self.query_one("#reader").display),
            bool(self.outline.display),
        )

    def _render_opened(self: MainScreen, path: str) -> None:
        if self.current is not None and self.current.path == path and self.article.doc is None:
            self._render_current(keep_line=None)

    def _show_header(self: MainScreen, note: str = "") -> None:
        post = self.current
        bookmarked = post is not None and self.reading.is_bookmarked(post.path)
        in_lede: list[tuple[int, int]] = []
        if post is not None and post.lede and self.matcher is not None:
            in_lede = self.matcher(post.lede)
        if not note and post is not None and self.matcher is not None:
            hits = self.article.hits
            if hits:
                note = f"hit {self.article.hit_index + 1}/{len(hits)}  (n/N)"
            elif self.doc is not None and self.doc.complete:
                note = "found in the lede, not in the text" if in_lede else "no hits in the text"
        self.query_one("#header", ArticleHeader).show_post(post, bookmarked, note, in_lede)

    def _render_current(self: MainScreen, keep_line: int | None) -> None:
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
        self.article.show_placeholder("Rendering…" if big else "")
        started = time.perf_counter()
        if not big:
            # Typical posts render in a few milliseconds: do it now, no flicker.
            doc = Renderer(width, palette, image_rows=self._image_rows(post.path, width)).render(
                body
            )
            self._doc_ready(post.path, doc, keep_line, started)
        else:
            self._render_big(post.path, body, width, palette, keep_line, started)

    @work(thread=True, exclusive=True, group="render")
    def _render_big(self: MainScreen, path, body, width, palette, keep_line, started) -> None:
        worker = get_current_worker()
        shown = {"first": False}

        def chunk(doc: RenderedDoc) -> None:
            if not shown["first"]:
                shown["first"] = True
                self._from_thread(self._doc_partial, path, doc)

        doc = Renderer(width, palette, image_rows=self._image_rows(path, width)).render(
            body,
            on_chunk=chunk,
            chunk_lines=200,
            cancelled=lambda: worker.is_cancelled,
        )
        if not worker.is_cancelled:
            self._from_thread(self._doc_ready, path, doc, keep_line, started)

    def _post_images(self: MainScreen, path: str, width: int) -> PostImages | None:
        painter = self.image_painter
        return painter.for_post(path, width) if painter is not None else None

    def _image_rows(self: MainScreen, path: str, width: int) -> ImageRows | None:
        """The layout's hook that leaves rows for the post's local images (None: no images)."""
        images = self._post_images(path, width)
        return images.rows() if images is not None else None

    def _doc_partial(self: MainScreen, path: str, doc: RenderedDoc) -> None:
        if self.current is not None and self.current.path == path:
            self.doc = doc
            images = self._post_images(path, doc.width)
            self.article.set_doc(doc, keep_scroll=False, images=images)

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
        hits: list[HitPos] = find_hits(doc, self.matcher) if self.matcher else []
        pending_scroll = self._pending_scroll
        # The first part of a big post was shown (the same doc, grown since): where the reader
        # scrolled to in it meanwhile stays, unless a saved place or a hit decides.
        continued = article.doc is doc and keep_line is None and not hits and not pending_scroll
        article.set_doc(doc, keep_scroll=continued, images=self._post_images(path, doc.width))
        article.set_hits(hits, first_hit if 0 <= first_hit < len(hits) else 0)
        hit_lines = [doc.line_of_y(h.y) for h in hits]
        outline_key = (id(self.sections), tuple(hit_lines))
        if self.matcher is not None and outline_key != self._outline_key:
            # Only when the hits moved: a re-wrap for a new width keeps the same tree.
            self.outline.set_sections(self.sections, hit_lines)
            self._outline_key = outline_key
        self._pending_scroll = None
        if keep_line is not None:
            self._unplaced_line = keep_line
        else:
            self._unplaced_line = pending_scroll if pending_scroll and not hits else None

        def place() -> None:
            # After a refresh: the view must know its new height before it can scroll there.
            if self.doc is not doc:
                return
            self._unplaced_line = None
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

    def _align_header(self: MainScreen) -> None:
        """Start the header's text where the body's text starts (the body is centred when wide)."""
        margin = self.article._margin() if self.doc is not None else 2
        header = self.query_one("#header", ArticleHeader)
        if header.styles.padding.left != margin:
            header.styles.padding = (0, 2, 0, margin)

    def _follow_outline(self: MainScreen) -> None:
        self.outline.follow(self.article.reading_line())

    def _remember_scroll(self: MainScreen) -> None:
        if self.current is not None and self.doc is not None:
            self.reading.set_scroll(self.current.path, self._place_line())

    def _place_line(self: MainScreen) -> int:
        """The body line the reader is at. Right after a layout, before the view has scrolled
        there (that waits for a refresh), it is the line the view is going to: a re-layout or a
        quit in that moment must not take the top of the page for the reader's place."""
        if self._unplaced_line is not None:
            return self._unplaced_line
        if self.doc is None and self._pending_scroll:
            return self._pending_scroll
        return self.article.top_line()

    def _section_starts(self: MainScreen) -> list[int]:
        return [] if self.doc is None else section_starts(self.doc, self.sections)

    def action_next_section(self: MainScreen) -> None:
        start = next_start(self._section_starts(), round(self.article.scroll_offset.y))
        if start is not None:
            self.article.scroll_to_y(start)

    def action_prev_section(self: MainScreen) -> None:
        self.article.scroll_to_y(
            prev_start(self._section_starts(), round(self.article.scroll_offset.y))
        )

    def action_next_hit(self: MainScreen) -> None:
        if self.article.hits:
            self.article.set_hit_index(self.article.hit_index + 1)
            self._show_header()

    def action_prev_hit(self: MainScreen) -> None:
        if self.article.hits:
            self.article.set_hit_index(self.article.hit_index - 1)
            self._show_header()

    def _rerender_for_width(self: MainScreen) -> None:
        try:
            article = self.article
        except NoMatches:  # the timer outlived the screen (the app is closing)
            return
        doc = self.doc
        if self.current is not None and doc is not None and doc.width != article.text_width():
            self._render_current(keep_line=self._place_line())
