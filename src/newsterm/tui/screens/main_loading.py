"""The main screen's posts: read the archive (from the catalog at once, then the files), and
follow it while the reader runs (the core's live-archive service re-reads changed posts and keeps
the index in step).

A mixin of :class:`newsterm.tui.screens.main.MainScreen`; its workers run in threads and report
through ``_from_thread``.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from textual import work
from textual.worker import get_current_worker

from newsterm.live import LiveArchive
from newsterm.models import Post, Problem
from newsterm.tui.index_link import SHARED_WALK_WAIT
from newsterm.tui.listing import fmt
from newsterm.watch import START_SIGNAL_MS

if TYPE_CHECKING:
    from newsterm.tui.screens.main import MainScreen
    from newsterm.walk import Scan

FIRST_CHUNK = 120  # posts shown before the rest of a big archive is read (2 screens at 60 rows)
CATALOG_POLL = 1.0  # s between a served reader's looks at the server's catalog (two stats)


def _shown(post: Any) -> tuple[Any, ...]:
    return (
        post.title,
        post.date,
        tuple(post.categories),
        tuple(post.tags),
        getattr(post, "size", None),
        getattr(post, "digest", None),
        post.draft,
    )


def changed_paths(posts: list[Any], problems: list[Problem], listing: Any) -> set[str]:
    """The paths whose post or problem differs between a shown list and a catalog listing."""
    before = {p.path: _shown(p) for p in posts}
    after = {p.path: _shown(p) for p in listing.posts}
    changed = {path for path in before.keys() | after.keys() if before.get(path) != after.get(path)}
    bad_before = {p.path: p.reason for p in problems}
    bad_after = {p.path: p.reason for p in listing.problems}
    changed |= {
        path
        for path in bad_before.keys() | bad_after.keys()
        if bad_before.get(path) != bad_after.get(path)
    }
    return changed


class ArchiveLoading:
    """Reading the archive into the screen, and following it."""

    # -- loading ----------------------------------------------------------------------------
    def list_held(self: MainScreen) -> bool:
        """Served: show the whole list as the zygote this reader was forked from read it,
        before the first frame; False when this process holds none (:meth:`load_archive`
        reads the catalog then).

        The list (and its ``by_path``) is the zygote's, shared copy-on-write: the screen
        neither copies nor walks it, and draws its first frame once, with the list in it, not
        once empty and again when a worker has read the catalog.
        """
        if not self.served:
            return False
        from newsterm.archive import Archive
        from newsterm.catalog import Catalog

        catalog = Catalog.beside(self.index_dir, self.root, writable=False)
        stamp = catalog.stamp()
        listing = catalog.held()
        if listing is None:
            return False
        try:
            archive = Archive(self.root)
        except Exception:  # (a folder gone since the fork) the worker says why
            return False
        # The server walks, watches and keeps the catalog for every session: no walk here.
        self.index_link.expect_walk()
        self.index_link.share_walk(None)
        self._walked.set()
        self._catalog, self._catalog_stamp = catalog, stamp
        self._catalog_listing = listing
        self._loaded(archive, listing.posts, listing.problems, listing.by_path)
        return True

    @work(thread=True, exclusive=True, group="load")
    def load_archive(self: MainScreen) -> None:
        """Show the list from the catalog at once, then check it against the files.

        The catalog (:mod:`newsterm.catalog`, beside the index) gives every post's title, date
        and terms in one read; the check (a stat walk) parses only the files that changed. With
        no catalog yet, the newest ``FIRST_CHUNK`` posts are shown while the rest are parsed.
        The search index's first check uses the same walk (one walk of the files at start).
        """
        from newsterm.archive import Archive
        from newsterm.catalog import Catalog, refresh

        worker = get_current_worker()
        self.index_link.expect_walk()
        self._walked.clear()
        shared = False
        try:
            archive = Archive(self.root)
            # Served, the server keeps the catalog (its index syncs write it): readers only read.
            catalog = Catalog.beside(self.index_dir, self.root, writable=not self.served)
            stamp = catalog.stamp()
            # Served: the whole list as the zygote this reader was forked from read it (shared
            # with it, by_path too): at once, so no first screenful before it.
            listing = catalog.held() if self.served else None
            if listing is None:
                top = catalog.load(limit=FIRST_CHUNK)
                if top is not None and top.complete and len(top.posts) == FIRST_CHUNK:
                    # A screenful first: the whole list of a big archive takes a moment longer.
                    total = catalog.count()
                    self._from_thread(self._loaded_first, archive, top.posts, FIRST_CHUNK, total)
                stamp = catalog.stamp()
                listing = catalog.load()
            if self.served and listing is not None and listing.complete:
                # The server walks, watches and keeps this catalog for every session: a served
                # reader shows it as it is and follows its changes (no walk of its own).
                self.index_link.share_walk(None)
                self._walked.set()
                self._catalog, self._catalog_stamp = catalog, stamp
                self._catalog_listing = listing
                self._from_thread(
                    self._loaded, archive, listing.posts, listing.problems, listing.by_path
                )
                return
            if listing is not None and (listing.posts or listing.problems):
                self._from_thread(self._listed_from_catalog, archive, listing)
            self._walk_began = time.monotonic()
            scan = archive.walk()
            self._walked_digest = scan.digest
            self._walked.set()
            self.index_link.share_walk(scan)
            shared = True
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
                scan=scan,
            )
        except Exception as err:  # the reader stays up and says why, never a traceback
            if not shared:
                self.index_link.share_walk(None)  # the index's check walks by itself
                self._walked.set()
            self._from_thread(self._load_failed, f"{type(err).__name__}: {err}")
            return
        if not worker.is_cancelled:
            self._from_thread(self._loaded, archive, listing.posts, listing.problems)

    def _listed_from_catalog(self: MainScreen, archive: Any, listing: Any) -> None:
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

    def _loaded_first(
        self: MainScreen, archive: Any, posts: list[Post], done: int, total: int
    ) -> None:
        """The newest posts, while the rest are still being read."""
        self.archive = archive
        self._set_posts(posts, [])
        self._partial = f"reading {fmt(done)}/{fmt(total)}…"
        self._rebuild_list()
        if self.restore_enabled:
            self._restore()

    def _load_failed(self: MainScreen, reason: str) -> None:
        self.post_list.empty_text = f"Cannot read the archive: {reason}"
        self.post_list.refresh()
        self.notify(
            reason, title="Cannot read the archive", severity="error", timeout=30, markup=False
        )

    def _loading_progress(self: MainScreen, done: int, total: int) -> None:
        self._partial = f"reading {fmt(done)}/{fmt(total)}…"
        self._update_status()

    def _loaded(
        self: MainScreen,
        archive: Any,
        posts: list[Post],
        problems: list[Problem],
        by_path: dict[str, Post] | None = None,
    ) -> None:
        """The whole list (``by_path``: its posts by path, when the caller has it made)."""
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
            self._set_posts(posts, problems, by_path)
        # Marks follow moved posts; a missing post keeps its marks (see newsterm.state).
        self.reading.reconcile(self.by_path, [p.path for p in problems])
        self.loaded = True
        self.post_list.empty_text = "No posts match" if posts else "This archive has no posts"
        if unchanged:
            self._update_status()
        else:
            # (the first rows shown were the newest by file name: the newest by date go on top)
            self._rebuild_list(keep_path=keep, top=keep is None)
        if self.restore_enabled and not restored:
            self._restore()
        self._start_live()

    def _set_posts(
        self: MainScreen,
        posts: list[Post],
        problems: list[Problem],
        by_path: dict[str, Post] | None = None,
    ) -> None:
        self.posts = posts
        self.problems = problems
        self.by_path = by_path if by_path is not None else {p.path: p for p in posts}
        self._titles = None

    def _restore(self: MainScreen) -> None:
        last = self.reading.get("last_post")
        if last and last in self.by_path:
            self.post_list.select_path(last)
            self.open_post(last, scroll_line=self.reading.scroll_of(last), focus=False)

    # -- live archive ------------------------------------------------------------------------
    def _start_live(self: MainScreen, sync_now: bool = False) -> None:
        """Follow the archive: re-read changed posts, keep the index in step (core service).

        Served, the server watches the archive and keeps the catalog for every session: the
        reader polls the catalog instead of watching the files itself."""
        if self._live is not None:
            return
        if self.served and self._catalog_follow is None:
            from newsterm.catalog import Catalog

            if self._catalog is None:
                self._catalog = Catalog.beside(self.index_dir, self.root, writable=False)
                self._catalog_stamp = None  # read once it has one (the list came from files)
                self._catalog_listing = None
            self._catalog_follow = self.set_interval(CATALOG_POLL, self._poll_catalog)
        self._live = LiveArchive(
            self.root,
            sync=self.index_link.sync,
            on_change=self._apply_changes,
            on_failed=self.index_link.retry_after,
            on_problem=self._watch_problem,
            watch=self.watch_enabled and not self.served,
            initial_sync=self.sync_enabled or sync_now,
            sync_on_change=self.sync_enabled,
            first_waits=False,  # its first check shares the list's walk (made already)
        )
        self._run_live(self._live)

    @work(exclusive=True, group="live")
    async def _run_live(self: MainScreen, live: LiveArchive) -> None:
        await live.run()

    def _came_or_went(self: MainScreen, scan: Scan) -> set[str]:
        return set(scan.files()) ^ (set(self.by_path) | {p.path for p in self.problems})

    def _watch_problem(self: MainScreen, path: str, reason: str) -> None:
        self.notify(f"{path}: {reason}", title="Live updates", severity="warning", markup=False)

    async def _apply_changes(self: MainScreen, rels: set[str]) -> None:
        if self.archive is None:
            return
        if not rels:
            # Watching began (or began again after a failure): what changed before it is
            # looked for with one walk, which the index's check that follows uses too. Not
            # beside the list's own walk at start (each would take twice as long): after it,
            # and not at all when that walk began once the folders were watched (the watcher
            # says it is watching START_SIGNAL_MS after it began).
            watching_since = time.monotonic() - START_SIGNAL_MS / 1000
            await asyncio.to_thread(self._walked.wait, SHARED_WALK_WAIT)
            if self._walk_began >= watching_since:
                return
            scan = await asyncio.to_thread(self.archive.walk)
            self.index_link.share_walk(scan)
            if scan.digest == self._walked_digest:
                return  # the very files the list's own walk found: nothing came or went
            self._walked_digest = scan.digest
            rels = await asyncio.to_thread(self._came_or_went, scan)
            if not rels:
                return
        posts, problems = await asyncio.to_thread(
            self.archive.reread, rels, self.posts, self.problems
        )
        self._show_changes(posts, problems, rels)

    # -- a served reader follows the server's catalog ---------------------------------------------
    def _poll_catalog(self: MainScreen) -> None:
        """Served: two stats a poll; the catalog is read again only when the server wrote it."""
        if self._catalog is None or self._catalog_reading or self.archive is None:
            return
        stamp = self._catalog.stamp()
        if stamp == self._catalog_stamp:
            return
        self._catalog_reading = True
        self._reread_catalog(stamp)

    @work(thread=True, exclusive=True, group="catalog")
    def _reread_catalog(self: MainScreen, stamp: tuple) -> None:
        """Served: what the server wrote into the catalog since the list shown was read.

        Only the rows it changed are read (by their change numbers), and applied over the
        list shown without touching its other posts (``Listing.changed``: a list shared with
        the zygote stays shared). The whole catalog is read only when the changes cannot be
        told (a catalog made afresh, too many changes, a list that did not come from it)."""
        try:
            catalog = self._catalog
            if catalog is None:
                return
            shown = self._catalog_listing
            listing = None
            changes = catalog.changes_since(shown.mark) if shown is not None else None
            if changes is not None:
                if not changes.complete:
                    return  # the server is still writing it: its next commit changes the stamp
                listing = shown.changed(changes)
                if listing is not None:
                    rels = self._differing(changes.paths, listing)
            if listing is None:
                listing = catalog.load()
                if listing is None or not listing.complete:
                    return
                rels = changed_paths(self.posts, self.problems, listing)
            self._catalog_stamp = stamp
            self._catalog_listing = listing
            if rels:
                by_path = listing.by_path  # made here, in the worker
                self._from_thread(
                    self._show_changes, listing.posts, listing.problems, rels, by_path
                )
        except Exception:  # the list stays as it was; the next poll tries again
            pass
        finally:
            self._catalog_reading = False

    def _differing(self: MainScreen, paths: set[str], listing: Any) -> set[str]:
        """Of ``paths``, those whose post or problem differs between the list shown and
        ``listing`` (the server rewrites the row of a file only touched, too)."""
        bad_before = {p.path: p.reason for p in self.problems}
        bad_after = {p.path: p.reason for p in listing.problems}
        changed = set()
        for path in paths:
            before, after = self.by_path.get(path), listing.by_path.get(path)
            if (
                (before is None) != (after is None)
                or bad_before.get(path) != bad_after.get(path)
                or (before is not None and _shown(before) != _shown(after))
            ):
                changed.add(path)
        return changed

    def _show_changes(
        self: MainScreen,
        posts: list[Post],
        problems: list[Problem],
        rels: set[str],
        by_path: dict[str, Post] | None = None,
    ) -> None:
        """The list (and the open post) after the files ``rels`` changed, came or went."""
        keep = self.post_list.highlighted.path if self.post_list.highlighted else None
        self._set_posts(posts, problems, by_path)
        self.reading.reconcile(self.by_path, [p.path for p in problems])
        if self.list_view.view == "bookmarks":
            self.list_view.paths = self.reading.bookmarks(self.by_path)
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
                self._render_current(keep_line=self._place_line())
