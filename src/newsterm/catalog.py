"""The metadata catalog: every post's list fields in a small SQLite file beside the index.

The reader's list needs each post's title, date, categories and tags, newest first. Parsing every
post for them takes ~20 s at 100,000 posts; reading them back from ``catalog.sqlite3`` (in the
index folder, in the user cache, never in the archive) takes a fraction of a second. The catalog
is a cache, the files are the truth:

* :meth:`Catalog.load` reads every row in one query, already sorted (newest first, undated posts
  last, ties by path, as :func:`newsterm.archive.post_sort_key`), into :class:`PostInfo` records
  (no body, no outline: a few hundred bytes a post);
* :func:`refresh` then checks it against the files: one stat walk (path, mtime, size), and only
  the files that differ are parsed again (all of them the first time); the rows it parsed are
  written back in batches, so a reader closed during its first load keeps what it read;
* every :meth:`Catalog.store` that writes or removes rows is numbered (``seq``, in ``info``, on
  the rows it wrote, and in ``removed`` for the paths it removed), so that a reader that follows
  the catalog (a served reader) reads only what changed since its :attr:`Listing.mark`
  (:meth:`Catalog.changes_since`) and applies it over the list it holds (:meth:`Listing.changed`)
  instead of reading every row again.

A catalog that is missing, damaged, of another :data:`CATALOG_VERSION` or made for another
archive folder is started afresh; every SQLite error on writing is ignored (the list is right
either way, only the next start is slower). Several processes may use one catalog (WAL journal,
short busy waits). This module knows nothing of the screen or of the search index.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import os
import secrets
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from newsterm.input_version import INPUT_VERSION
from newsterm.models import Post, PostInfo, Problem
from newsterm.overlay import Overlay, OverlayByPath
from newsterm.walk import FileStat

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from newsterm.archive import Archive
    from newsterm.walk import Scan

__all__ = [
    "CATALOG_FILE",
    "CATALOG_VERSION",
    "Catalog",
    "Changes",
    "FileStat",
    "Listing",
    "info_sort_key",
    "refresh",
]

CATALOG_FILE = "catalog.sqlite3"
CATALOG_VERSION = 5
"""Rows written by another version (other columns) are thrown away; so are rows made with other
rules for reading posts (:data:`newsterm.input_version.INPUT_VERSION`). 4: the ``draft`` column
(a catalog of before cannot say which posts are drafts: its posts are parsed again). 5: the
``lang`` column (each post's language, :mod:`newsterm.language`; bump again when its rules
change)."""
_MADE_BY = str(INPUT_VERSION)
WRITE_BATCH = 2000
"""Parsed posts written to the catalog in one transaction."""
FIRST_CHUNK = 120
"""With an empty catalog, posts shown before the rest are parsed (two screens)."""
BUSY_MS = 2000
_SEP = "\x1f"  # between categories/tags: control characters never survive parsing


_SCHEMA = """
CREATE TABLE IF NOT EXISTS posts (
    path TEXT PRIMARY KEY,
    mtime_ns INTEGER NOT NULL,
    size INTEGER NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    ts REAL,
    tzoff INTEGER,
    iso TEXT,
    categories TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '',
    digest TEXT,
    length INTEGER,
    problem TEXT,
    seq INTEGER NOT NULL DEFAULT 0,
    draft INTEGER NOT NULL DEFAULT 0,
    lang TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS posts_newest ON posts (ts IS NULL, ts DESC, path)
    WHERE problem IS NULL;
CREATE TABLE IF NOT EXISTS info (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
"""
# What says which rows changed since a point. ``info`` holds ``seq``, the
# number of the last store that wrote or removed rows, ``lineage``, made afresh with every new
# catalog (so a reader's number never means another catalog's), and ``removed_floor``: rows of
# ``removed`` up to it were pruned.
_CHANGES_SCHEMA = """
CREATE TABLE IF NOT EXISTS removed (path TEXT PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS removed_seq ON removed (seq);
CREATE INDEX IF NOT EXISTS posts_seq ON posts (seq);
"""
_ORDER = "ORDER BY ts IS NULL, ts DESC, path"
_COLUMNS = (
    "path, mtime_ns, size, title, ts, tzoff, iso, categories, tags, digest, length, problem, draft,"
    " lang"
)
# (``draft`` is 0 or 1: SQLite stores either in the row's header alone, no byte of data;
# ``lang`` is "ko", "en", ...: 2 bytes.)
_LIST_COLUMNS = "path, title, ts, tzoff, iso, categories, tags, size, digest, length, draft, lang"
REMOVED_KEPT = 1000
"""Stores whose removed paths are kept for readers behind (one further back loads everything)."""
CHANGES_LIMIT = 2000
"""More changed rows than this since a reader's mark: it reads the whole catalog instead."""


Mark = tuple[str, int]
"""Where a reader's listing stands in its catalog's changes: ``(lineage, seq)``."""


@dataclass(frozen=True)
class Changes:
    """The rows a catalog changed since a :data:`Mark` (:meth:`Catalog.changes_since`)."""

    mark: Mark
    """The catalog's mark as of this read (the next read asks for the changes since it)."""
    posts: list[PostInfo] = field(default_factory=list)
    """Posts written since (added or changed)."""
    problems: list[Problem] = field(default_factory=list)
    """Files written since that cannot be read."""
    removed: list[str] = field(default_factory=list)
    complete: bool = True

    @property
    def paths(self) -> set[str]:
        """Every path these changes touch."""
        return {p.path for p in self.posts} | {p.path for p in self.problems} | set(self.removed)


class Listing:
    """Posts (newest first) and unreadable files (by path) of an archive, as the list shows them.

    ``complete`` is False when the catalog held only part of the archive (a first load that was
    stopped): the rows are right, but files may be missing until :func:`refresh` has run.
    ``mark`` says which of the catalog's changes it holds (None: unknown), for
    :meth:`Catalog.changes_since` and :meth:`changed`.
    """

    __slots__ = ("_base", "_by_path", "complete", "mark", "posts", "problems")

    def __init__(
        self,
        posts: Sequence[PostInfo],
        problems: list[Problem],
        complete: bool = True,
        mark: Mark | None = None,
        *,
        by_path: Mapping[str, PostInfo] | None = None,
        base: Listing | None = None,
    ) -> None:
        self.posts = posts
        self.problems = problems
        self.complete = complete
        self.mark = mark
        self._by_path = by_path
        self._base = base

    @property
    def by_path(self) -> Mapping[str, PostInfo]:
        """Each post by its path, made once per listing (never change it: it may be shared).

        :func:`preload` makes it before the SSH server's zygote forks, so that every served
        reader uses that one instead of building its own: a reader that built it would touch
        every post (their reference counts), which copies the zygote's shared pages into it.
        """
        if self._by_path is None:
            self._by_path = {p.path: p for p in self.posts}
        return self._by_path

    def changed(self, changes: Changes, limit: int = CHANGES_LIMIT) -> Listing | None:
        """This listing with ``changes`` applied, exactly as the catalog now lists it, made
        without touching the posts that did not change (see :mod:`newsterm.overlay`): the list
        and dict this one was made from are kept as they are and the changes kept beside them.
        None when more than ``limit`` posts differ from them: read the catalog whole then."""
        base = self._base if self._base is not None else self
        posts = self.posts
        merged: dict[str, PostInfo | None] = {}
        if isinstance(posts, Overlay):
            merged.update(posts.changes)
        for post in changes.posts:
            merged[post.path] = post
        for problem in changes.problems:
            merged[problem.path] = None
        for path in changes.removed:
            merged[path] = None
        base_by_path = base.by_path
        merged = {p: post for p, post in merged.items() if post is not None or p in base_by_path}
        if len(merged) > limit:
            return None
        try:
            overlay = Overlay(base.posts, base_by_path, merged, info_sort_key)
        except ValueError:
            return None
        bad = {p.path: p for p in self.problems}
        for path in changes.removed:
            bad.pop(path, None)
        for post in changes.posts:
            bad.pop(post.path, None)
        for problem in changes.problems:
            bad[problem.path] = problem
        problems = sorted(bad.values(), key=lambda p: p.path)
        return Listing(
            overlay,
            problems,
            changes.complete,
            changes.mark,
            by_path=OverlayByPath(overlay),
            base=base,
        )


def info_sort_key(post: PostInfo | Post) -> tuple[int, float, str]:
    """Newest first, undated posts last, ties by path (the archive's post order)."""
    if post.date is None:
        return (1, 0.0, post.path)
    return (0, -post.date.timestamp(), post.path)


def _date_columns(date: dt.datetime | None) -> tuple[float | None, int | None, str | None]:
    """``(timestamp, UTC offset in seconds, ISO text)``; the text only when the first two do not
    give the same date back (far dates)."""
    if date is None:
        return None, None, None
    ts = date.timestamp()
    offset = date.utcoffset()
    off = int(offset.total_seconds()) if offset is not None else 0
    try:
        same = dt.datetime.fromtimestamp(ts, dt.timezone(dt.timedelta(seconds=off))) == date
    except (OverflowError, OSError, ValueError):
        same = False
    return ts, off, None if same else date.isoformat()


def _row(rel: str, stat: FileStat, post: PostInfo | None, problem: str | None) -> tuple[Any, ...]:
    if post is None:
        return (rel, *stat, "", None, None, None, "", "", None, None, problem or "?", 0, "")
    ts, off, iso = _date_columns(post.date)
    return (
        rel,
        stat[0],
        stat[1],
        post.title,
        ts,
        off,
        iso,
        _SEP.join(post.categories),
        _SEP.join(post.tags),
        post.digest,
        post.length,
        None,
        1 if post.draft else 0,
        post.language,
    )


class Catalog:
    """The catalog file of one archive (``root``), at ``path``."""

    def __init__(
        self, path: str | os.PathLike[str], root: str | os.PathLike[str], writable: bool = True
    ) -> None:
        self.path = Path(path)
        self.root = os.path.abspath(os.fspath(root))
        self.writable = writable  # a served reader only reads: the server keeps the catalog
        # newsterm never writes into the archive: a catalog that would be inside it is not kept.
        real_root = os.path.realpath(self.root)
        real = os.path.realpath(self.path)
        self.usable = not (real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep))

    @classmethod
    def beside(
        cls, index_dir: str | os.PathLike[str], root: str | os.PathLike[str], writable: bool = True
    ) -> Catalog:
        """The catalog kept in an archive's index folder."""
        return cls(Path(index_dir) / CATALOG_FILE, root, writable)

    # ---- connections

    def _connect(self, create: bool) -> sqlite3.Connection | None:
        """A connection to a catalog of this version and archive (made afresh when ``create``),
        or None."""
        if not self.usable or (not create and not self.path.is_file()):
            return None
        if create:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        con = self._read_only() if not self.writable and not create else None
        if con is None:
            con = sqlite3.connect(self.path, timeout=BUSY_MS / 1000, isolation_level=None)
        try:
            con.execute(f"PRAGMA busy_timeout = {BUSY_MS}")
            version = con.execute("PRAGMA user_version").fetchone()[0]
            root = None
            made_by = None
            if version == CATALOG_VERSION:
                info = dict(con.execute("SELECT key, value FROM info").fetchall())
                root, made_by = info.get("root"), info.get("input_version")
            if version == CATALOG_VERSION and root == self.root and made_by == _MADE_BY:
                return con
            if not create:
                con.close()
                return None
            self._reset(con)
            return con
        except sqlite3.Error:
            con.close()
            if not create:
                return None
            self._discard()
            return self._connect_fresh()

    def _read_only(self) -> sqlite3.Connection | None:
        """A read-only connection (a served reader's): closing it never checkpoints or removes
        the WAL journal, so readers reading do not move :meth:`stamp` (an ordinary connection,
        the last one to close, removes the journal: 30 readers starting at once each saw the
        others' reads as the server's writes and read the whole catalog again)."""
        try:
            uri = f"{self.path.resolve().as_uri()}?mode=ro"
            con = sqlite3.connect(uri, uri=True, timeout=BUSY_MS / 1000, isolation_level=None)
            con.execute("PRAGMA user_version").fetchone()
            return con
        except (sqlite3.Error, ValueError):
            return None  # (no -shm file and no right to make one: an ordinary connection)

    def _reset(self, con: sqlite3.Connection) -> None:
        con.execute("PRAGMA journal_mode = WAL")
        con.execute("DROP TABLE IF EXISTS posts")
        con.execute("DROP TABLE IF EXISTS info")
        con.execute("DROP TABLE IF EXISTS removed")
        con.executescript(_SCHEMA)
        for statement in _CHANGES_SCHEMA.split(";"):
            con.execute(statement)
        _new_lineage(con)
        con.execute("INSERT OR REPLACE INTO info VALUES ('root', ?)", (self.root,))
        con.execute("INSERT OR REPLACE INTO info VALUES ('input_version', ?)", (_MADE_BY,))
        con.execute(f"PRAGMA user_version = {CATALOG_VERSION}")

    def _connect_fresh(self) -> sqlite3.Connection | None:
        try:
            con = sqlite3.connect(self.path, timeout=BUSY_MS / 1000, isolation_level=None)
            self._reset(con)
            return con
        except sqlite3.Error:
            return None

    def _discard(self) -> None:
        """Remove a damaged catalog file (it is a cache: the files are the truth)."""
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                os.unlink(f"{self.path}{suffix}")

    # ---- reading

    def load(self, limit: int | None = None) -> Listing | None:
        """Every post and problem in the catalog, sorted; None when there is no usable one.

        ``limit``: only the newest posts (and no problems), for a first screen (an index
        keeps them in order: a few milliseconds at any size).
        """
        whole = self.held()
        if whole is not None:
            if limit is None:
                return whole
            return Listing(whole.posts[:limit], [], whole.complete)
        try:
            con = self._connect(create=False)
            if con is None:
                return None
            try:
                con.execute("BEGIN")  # the rows and their mark as of one moment
                info = dict(con.execute("SELECT key, value FROM info").fetchall())
                rows = con.execute(
                    f"SELECT {_LIST_COLUMNS} FROM posts "
                    f"WHERE problem IS NULL {_ORDER}" + ("" if limit is None else " LIMIT ?"),
                    () if limit is None else (limit,),
                ).fetchall()
                bad = []
                if limit is None:
                    bad = con.execute(
                        "SELECT path, problem FROM posts WHERE problem IS NOT NULL ORDER BY path"
                    ).fetchall()
                con.execute("COMMIT")
            finally:
                con.close()
        except sqlite3.Error:
            return None
        # 100,000 new objects would run the cyclic collector over the whole heap many times
        # (twice the time of making them); none of them can be part of a cycle.
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            posts = _infos(rows)
        finally:
            if was_enabled:
                gc.enable()
        problems = [Problem(p, r) for p, r in bad]
        return Listing(posts, problems, "complete" in info, _mark_of(info))

    def changes_since(self, mark: Mark | None, limit: int = CHANGES_LIMIT) -> Changes | None:
        """The rows written and the paths removed since ``mark`` (a :attr:`Listing.mark`), read
        in one transaction: a few rows by an index, whatever the catalog's size.

        None when they cannot be told: no mark, a catalog made afresh since (another lineage)
        or not numbering its changes, a number gone backwards, removed paths pruned since, more
        than ``limit`` changed rows (reading everything is then as quick), or an error. The
        caller reads the whole catalog then (:meth:`load`).
        """
        if mark is None:
            return None
        try:
            con = self._connect(create=False)
            if con is None:
                return None
            try:
                con.execute("BEGIN")
                info = dict(con.execute("SELECT key, value FROM info").fetchall())
                now = _mark_of(info)
                floor = int(info.get("removed_floor") or 0)
                if now is None or now[0] != mark[0] or now[1] < mark[1] or floor > mark[1]:
                    return None
                complete = "complete" in info
                if now[1] == mark[1]:
                    return Changes(now, complete=complete)
                rows = con.execute(
                    f"SELECT {_LIST_COLUMNS}, problem FROM posts WHERE seq > ? LIMIT ?",
                    (mark[1], limit + 1),
                ).fetchall()
                gone = con.execute(
                    "SELECT path FROM removed WHERE seq > ? LIMIT ?", (mark[1], limit + 1)
                ).fetchall()
                con.execute("COMMIT")
            finally:
                con.close()
        except (sqlite3.Error, ValueError):
            return None
        if len(rows) + len(gone) > limit:
            return None
        posts = _infos([row[:-1] for row in rows if row[-1] is None])
        problems = [Problem(row[0], row[-1]) for row in rows if row[-1] is not None]
        return Changes(now, posts, problems, [p for (p,) in gone], complete)

    def held(self) -> Listing | None:
        """The whole listing as :func:`preload` read it, while the catalog file is as it was
        then (two stats); None when this process holds none.

        Read by the process this one was forked from (the SSH server's zygote), it is shared
        copy-on-write with every reader forked since: use it as it is, never change it.
        """
        held = _PRELOADED.get((str(self.path), self.root))
        if held is not None and held[0] == self.stamp():
            return held[1]
        return None

    def stats(self) -> dict[str, FileStat]:
        """``path -> (mtime_ns, size)`` of every row (posts and problems)."""
        try:
            con = self._connect(create=False)
            if con is None:
                return {}
            try:
                rows = con.execute("SELECT path, mtime_ns, size FROM posts").fetchall()
            finally:
                con.close()
        except sqlite3.Error:
            return {}
        return {path: (mtime, size) for path, mtime, size in rows}

    def stamp(self) -> tuple[tuple[int, int], ...]:
        """A cheap sign of the catalog's writes: the mtime and size of its file and its WAL
        journal (every commit changes one of them). A reader that only reads the catalog (a
        served reader) polls it to learn of the server's changes without walking the archive."""
        marks = []
        for suffix in ("", "-wal"):
            try:
                st = os.stat(f"{self.path}{suffix}")
                marks.append((st.st_mtime_ns, st.st_size))
            except OSError:
                marks.append((0, -1))
        if marks[1][1] <= 0:  # an empty journal holds nothing: made or removed by a reader
            marks[1] = (0, 0)
        return tuple(marks)

    def count(self) -> int:
        """How many files (posts and problems) the catalog holds."""
        try:
            con = self._connect(create=False)
            if con is None:
                return 0
            try:
                return int(con.execute("SELECT count(*) FROM posts").fetchone()[0])
            finally:
                con.close()
        except sqlite3.Error:
            return 0

    # ---- writing

    def store(
        self,
        entries: Iterable[tuple[str, FileStat, PostInfo | None, str | None]],
        removed: Iterable[str] = (),
        complete: bool | None = None,
    ) -> bool:
        """Write rows ``(path, (mtime_ns, size), post or None, problem or None)``, delete the
        ``removed`` paths, and mark the catalog complete (it holds every file) or not.

        Returns False when it could not be written (the catalog is a cache: never fatal).
        """
        if not self.writable:
            return False
        rows = [_row(*entry) for entry in entries]
        gone = list(removed)
        try:
            con = self._connect(create=True)
            if con is None:
                return False
            try:
                con.execute("BEGIN IMMEDIATE")
                if rows or gone:
                    # Readers that follow the catalog read only the rows of the stores since
                    # theirs (changes_since): each store that changes rows is numbered.
                    seq = int(con.execute("SELECT value FROM info WHERE key = 'seq'").fetchone()[0])
                    seq += 1
                    con.execute("UPDATE info SET value = ? WHERE key = 'seq'", (str(seq),))
                    con.executemany(
                        f"INSERT OR REPLACE INTO posts ({_COLUMNS}, seq) "
                        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                        [(*row, seq) for row in rows],
                    )
                    if con.execute("SELECT 1 FROM removed LIMIT 1").fetchone() is not None:
                        # (a path removed before and back now)
                        con.executemany(
                            "DELETE FROM removed WHERE path = ?", [row[:1] for row in rows]
                        )
                    con.executemany("DELETE FROM posts WHERE path = ?", [(p,) for p in gone])
                    _note_removed(con, gone, seq)
                if complete is True:
                    con.execute("INSERT OR REPLACE INTO info VALUES ('complete', '1')")
                elif complete is False:
                    con.execute("DELETE FROM info WHERE key = 'complete'")
                con.execute("COMMIT")
            finally:
                con.close()
        except (sqlite3.Error, OSError):
            return False
        return True


def _new_lineage(con: sqlite3.Connection) -> None:
    """Number this catalog's changes from 0 under a new lineage (no mark of before applies)."""
    for key, value in (("lineage", secrets.token_hex(8)), ("seq", "0"), ("removed_floor", "0")):
        con.execute("INSERT OR REPLACE INTO info VALUES (?, ?)", (key, value))


def _mark_of(info: dict[str, str]) -> Mark | None:
    lineage, seq = info.get("lineage"), info.get("seq")
    if lineage is None or seq is None:
        return None
    try:
        return (lineage, int(seq))
    except ValueError:
        return None


def _note_removed(con: sqlite3.Connection, gone: list[str], seq: int) -> None:
    """Keep the paths store ``seq`` removed for readers behind, and prune old ones: a reader
    whose mark is older than ``removed_floor`` reads everything."""
    floor = int(con.execute("SELECT value FROM info WHERE key = 'removed_floor'").fetchone()[0])
    if len(gone) > CHANGES_LIMIT:
        # No reader reads that many as changes (it reads everything): none are kept.
        con.execute("DELETE FROM removed")
        floor = seq
    else:
        con.executemany("INSERT OR REPLACE INTO removed VALUES (?, ?)", [(p, seq) for p in gone])
        cutoff = seq - REMOVED_KEPT
        if con.execute("DELETE FROM removed WHERE seq <= ?", (cutoff,)).rowcount > 0:
            floor = max(floor, cutoff)
    con.execute("UPDATE info SET value = ? WHERE key = 'removed_floor'", (str(floor),))


_PRELOADED: dict[tuple[str, str], tuple[tuple[tuple[int, int], ...], Listing]] = {}


def preload(index_dir: str | os.PathLike[str], root: str | os.PathLike[str]) -> bool:
    """Read an archive's whole catalog into this process for the processes forked from it
    (the SSH server's zygote does it before each fork); their :meth:`Catalog.load` returns it
    while the catalog file is as it was then. Read again only when the catalog was written
    since (two stats otherwise). Returns whether anything new was read."""
    catalog = Catalog.beside(index_dir, root, writable=False)
    key = (str(catalog.path), catalog.root)
    stamp = catalog.stamp()
    held = _PRELOADED.get(key)
    if held is not None and held[0] == stamp:
        return False
    _PRELOADED.pop(key, None)
    listing = catalog.load()
    if listing is None or not listing.complete:
        return held is not None
    listing.by_path  # noqa: B018  (made now, once, to be shared: see Listing.by_path)
    _PRELOADED[key] = (stamp, listing)
    return True


def _infos(rows: list[tuple[Any, ...]]) -> list[PostInfo]:
    """PostInfo records from catalog rows; equal term lists, time zones and languages are
    shared."""
    zones: dict[int, dt.tzinfo] = {}
    terms: dict[str, tuple[str, ...]] = {"": ()}
    languages: dict[str, str] = {}
    from_ts = dt.datetime.fromtimestamp
    out: list[PostInfo] = []
    append = out.append
    for path, title, ts, off, iso, cats, tags, size, digest, length, draft, lang in rows:
        date = None
        if iso is not None:
            try:
                date = dt.datetime.fromisoformat(iso)
            except ValueError:
                date = None
        elif ts is not None:
            zone = zones.get(off)
            if zone is None:
                zone = zones[off] = dt.timezone(dt.timedelta(seconds=off or 0))
            date = from_ts(ts, zone)
        c = terms.get(cats)
        if c is None:
            c = terms[cats] = tuple(cats.split(_SEP))
        language = languages.setdefault(lang, lang)
        append(PostInfo(path, title, date, c, tags, size, digest, length, draft == 1, language))
    return out


def refresh(
    archive: Archive,
    catalog: Catalog,
    listing: Listing | None,
    *,
    cancelled: Callable[[], bool] | None = None,
    on_first: Callable[[Listing, int, int], None] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    first: int = FIRST_CHUNK,
    progress_every: int = 2000,
    scan: Scan | None = None,
) -> tuple[Listing, bool]:
    """The archive's listing checked against its files, and whether it differs from ``listing``.

    ``archive`` is an :class:`~newsterm.archive.Archive`. Files whose mtime or size differ
    from the catalog's row (or that have none) are parsed; rows of files that went are removed.
    With nothing to start from, the newest files (by the date in their path) are parsed first:
    after ``first`` of them ``on_first(listing so far, done, total)`` is called, then
    ``on_progress(done, total)`` every ``progress_every`` files. When ``cancelled()`` turns true
    the parsing stops; what was parsed is kept in the catalog for the next start.
    ``scan``: a walk of the archive just made (:meth:`~newsterm.archive.Archive.walk`), so that
    a caller that also checks the search index with it walks the files once.
    """
    from newsterm.archive import PostError, path_date_key

    if scan is None:
        scan = archive.walk()
    else:
        archive.walk_problems = scan.problems
    files = scan.files()
    known = catalog.stats()
    todo = [rel for rel, st in files.items() if known.get(rel) != st]
    removed = [rel for rel in known if rel not in files]
    base = listing if listing is not None else Listing([], [], complete=False)
    walk_problems = list(getattr(archive, "walk_problems", []))
    if not todo and not removed and base.complete:
        problems = sorted(base.problems + walk_problems, key=lambda p: p.path)
        return Listing(base.posts, problems), bool(walk_problems)

    drop = set(todo).union(removed)
    posts = {p.path: p for p in base.posts if p.path not in drop}
    bad = {p.path: p for p in base.problems if p.path not in drop}
    if len(posts) + len(bad) + len(todo) < len(files):
        # The catalog has rows the listing lacks (another process wrote them): read it again.
        fresh = catalog.load()
        if fresh is not None:
            posts = {p.path: p for p in fresh.posts if p.path not in drop}
            bad = {p.path: p for p in fresh.problems if p.path not in drop}
    todo.sort(key=path_date_key)
    batch: list[tuple[str, FileStat, PostInfo | None, str | None]] = []
    total = len(todo)
    stopped = False
    for done, rel in enumerate(todo, 1):
        if cancelled is not None and cancelled():
            stopped = True
            break
        try:
            info = PostInfo.of(archive.read(rel))
        except PostError as err:
            bad[rel] = Problem(rel, str(err))
            batch.append((rel, files[rel], None, str(err)))
        else:
            posts[rel] = info
            batch.append((rel, files[rel], info, None))
        if len(batch) >= WRITE_BATCH:
            catalog.store(batch, complete=False if listing is None else None)
            batch = []
        if done == first and total > first and not base.posts and on_first is not None:
            on_first(Listing(sorted(posts.values(), key=info_sort_key), []), done, total)
        elif on_progress is not None and done % progress_every == 0:
            on_progress(done, total)
    catalog.store(batch, removed, complete=not stopped)
    ordered = sorted(posts.values(), key=info_sort_key)
    problems = sorted([*bad.values(), *walk_problems], key=lambda p: p.path)
    return Listing(ordered, problems, complete=not stopped), True
