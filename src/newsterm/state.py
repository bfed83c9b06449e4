"""Reading state: read marks, bookmarks, scroll positions and small settings (no screen code).

Kept in one SQLite file in the user's data folder (``data_dir()/state.sqlite3``, created 0600 in
a 0700 folder: a member's reading history is private), keyed by profile (the local user's ``""``
or an SSH member's name), archive (``paths.archive_key``) and the post's relative path, so it
survives a re-index and never touches the archive. An anonymous SSH reader gets an in-memory
state that vanishes with the session.

The user's marks are never lost to a fault:

* A post missing from one scan (a folder away, a mount not mounted, an rsync in progress) keeps
  its marks: the row is only flagged ``missing_since``. It is deleted by ``newsterm state prune``
  or after :data:`GRACE_DAYS` missing. A post that moved (same body: same length and SHA-1)
  takes its marks to its new path.
* Every value is held in memory first and written through. A database that cannot be written
  (read-only file system, immutable file, a lock held longer than :data:`BUSY_TIMEOUT`) leaves the
  reader working on the memory copy: it says so once (:meth:`ReadingState.set_notifier`) and
  retries every :data:`RETRY_AFTER` seconds and when closed.
* A corrupt file is moved aside as ``state.sqlite3.corrupt-<time>`` (with its ``-wal``/``-shm``)
  with a one-line notice, and a fresh one is made.

Several readers may run at once: WAL mode, a busy timeout, short transactions, and each write
touches only the columns that changed, so two readers never undo each other's marks.
"""

from __future__ import annotations

import contextlib
import hashlib  # at import time: a search's import_past stands it in while Whoosh loads
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsterm import paths

SCHEMA = """
CREATE TABLE IF NOT EXISTS post_state (
    profile TEXT NOT NULL,
    archive TEXT NOT NULL,
    path TEXT NOT NULL,
    read INTEGER NOT NULL DEFAULT 0,
    read_at REAL,
    bookmarked INTEGER NOT NULL DEFAULT 0,
    bookmarked_at REAL,
    scroll INTEGER NOT NULL DEFAULT 0,
    digest TEXT,
    length INTEGER,
    missing_since REAL,
    PRIMARY KEY (profile, archive, path)
);
CREATE TABLE IF NOT EXISTS session (
    profile TEXT NOT NULL,
    archive TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (profile, archive, key)
);
"""
# Columns added after the first release, for files made by an older newsterm.
_ADDED_COLUMNS = {"digest": "TEXT", "length": "INTEGER", "missing_since": "REAL"}
COLUMNS = (
    "read", "read_at", "bookmarked", "bookmarked_at", "scroll", "digest", "length",
    "missing_since",
)  # fmt: skip

GLOBAL = "*"  # the ``archive`` value of settings shared by every archive (theme, ...)
GRACE_DAYS = 365  # a post missing this long loses its marks without a prune
BUSY_TIMEOUT = 2.0  # seconds a write waits for another process's lock before giving up for now
RETRY_AFTER = 20.0  # seconds between attempts to save state kept in memory
QUICK_TIMEOUT = 0.2  # seconds a timed retry waits for a lock: the screen must not stall
_CORRUPT = {11, 26}  # SQLITE_CORRUPT, SQLITE_NOTADB


def state_file() -> Path:
    """Where the local reading state lives."""
    return paths.data_dir() / "state.sqlite3"


def body_digest(body: str) -> tuple[str, int]:
    """The content key that follows a moved post: SHA-1 of its body and the body's length."""
    return hashlib.sha1(body.encode("utf-8", "surrogatepass")).hexdigest(), len(body)


def content_key(post: Any) -> tuple[str, int] | None:
    """A post's content key: kept by a list record (``PostInfo.content_key``, the reader's list
    holds no bodies), else made from its ``body``; None for no post."""
    key: tuple[str, int] | None = getattr(post, "content_key", None)
    if key is not None:
        return key
    body = getattr(post, "body", None)
    return body_digest(body) if isinstance(body, str) else None


def is_corrupt(err: BaseException) -> bool:
    """Whether a SQLite error means the file is damaged (not merely locked or read-only)."""
    code = getattr(err, "sqlite_errorcode", None)
    if code is not None:
        return (code & 0xFF) in _CORRUPT
    text = str(err).lower()
    return "not a database" in text or "malformed" in text


def _reason(err: BaseException) -> str:
    if isinstance(err, OSError):
        return err.strerror or str(err)
    return str(err) or type(err).__name__


@dataclass
class PostRow:
    """The stored state of one post."""

    read: int = 0
    read_at: float | None = None
    bookmarked: int = 0
    bookmarked_at: float | None = None
    scroll: int = 0
    digest: str | None = None
    length: int | None = None
    missing_since: float | None = None

    def marked(self) -> bool:
        return bool(self.read or self.bookmarked or self.scroll)


@dataclass
class Reconciled:
    """What a complete scan did to the stored state (see :meth:`ReadingState.reconcile`)."""

    moved: list[tuple[str, str]] = field(default_factory=list)  # (old path, new path)
    missing: list[str] = field(default_factory=list)  # kept, flagged missing
    returned: list[str] = field(default_factory=list)  # missing before, present again
    expired: list[str] = field(default_factory=list)  # deleted after GRACE_DAYS missing


class ReadingState:
    """Read marks, bookmarks and session values of one profile on one archive."""

    def __init__(
        self, archive_root: Path, profile: str = "", db_path: Path | str | None = None
    ) -> None:
        self.archive = paths.archive_key(archive_root)
        self.profile = profile
        if db_path is None:
            db_path = state_file()
        self.db_path = str(db_path)
        self.memory_only = self.db_path == ":memory:"
        self._rows: dict[str, PostRow] = {}
        self._values: dict[tuple[str, str], str] = {}
        self._dirty: dict[str, set[str]] = {}  # path -> columns not yet saved
        self._dirty_values: set[tuple[str, str]] = set()
        self._deleted: set[str] = set()  # rows removed here, not yet removed in the file
        self._conn: sqlite3.Connection | None = None
        self._failed_at: float | None = None  # monotonic time of the last failed save
        self._busy_timeout = BUSY_TIMEOUT
        self._said_degraded = False
        self._pending_notices: list[str] = []
        self._notify: Callable[[str], None] | None = None
        self._digests: dict[str, tuple[int, str, int]] = {}  # path -> (id(post), digest, length)
        # The app sets this to find the post of a path (to record the body digest of a mark).
        self.posts_lookup: Callable[[str], Any] | None = None
        self._scanned: Mapping[str, Any] = {}  # the last complete scan's posts
        self._attach()

    @classmethod
    def in_memory(cls, archive_root: Path, profile: str = "") -> ReadingState:
        """A state that is never written to disk (anonymous served readers)."""
        return cls(archive_root, profile, ":memory:")

    # -- notices -----------------------------------------------------------------------------
    def set_notifier(self, notify: Callable[[str], None] | None) -> None:
        """Where one-line notices go (corrupt file moved aside, state kept in memory...).

        Notices raised before a notifier is set are delivered to it at once.
        """
        self._notify = notify
        if notify is not None:
            pending, self._pending_notices = self._pending_notices, []
            for message in pending:
                notify(message)

    def take_notices(self) -> list[str]:
        """Notices not yet delivered (for fronts without a notifier, e.g. the CLI)."""
        pending, self._pending_notices = self._pending_notices, []
        return pending

    def _say(self, message: str) -> None:
        if self._notify is not None:
            try:
                self._notify(message)
                return
            except Exception:
                pass
        self._pending_notices.append(message)

    @property
    def degraded(self) -> bool:
        """True while changes are kept in memory only (the file cannot be written)."""
        return not self.memory_only and (self._conn is None or self._failed_at is not None)

    @property
    def unsaved(self) -> int:
        """How many posts and values have changes not yet in the file."""
        if self.memory_only:
            return 0
        return len(self._dirty) + len(self._dirty_values) + len(self._deleted)

    # -- the file ----------------------------------------------------------------------------
    def _attach(self) -> None:
        """Open the file (moving a corrupt one aside), load it, and save what is pending."""
        if self.memory_only:
            self._conn = self._connect(":memory:")
            return
        try:
            self._conn = self._open_file()
        except Exception as err:
            self._conn = None
            self._load_read_only()
            self._degrade(err)
            return
        try:
            self._load()
        except sqlite3.Error as err:
            self._drop_conn()
            self._degrade(err)
            return
        self._flush()

    def _connect(self, target: str, uri: bool = False) -> sqlite3.Connection:
        wait = self._busy_timeout
        conn = sqlite3.connect(
            target, timeout=wait, isolation_level=None, uri=uri, check_same_thread=False
        )
        conn.execute(f"PRAGMA busy_timeout = {int(wait * 1000)}")
        return conn

    def _open_file(self) -> sqlite3.Connection:
        path = Path(self.db_path)
        _private_folder(path.parent)
        for attempt in range(2):
            _private_file(path)
            conn = self._connect(str(path))
            try:
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = NORMAL")
                check = conn.execute("PRAGMA quick_check").fetchone()
                if check is None or check[0] != "ok":
                    raise sqlite3.DatabaseError(f"database disk image is malformed: {check}")
                conn.executescript(SCHEMA)
                _add_columns(conn)
                return conn
            except sqlite3.DatabaseError as err:
                conn.close()
                if attempt or not (is_corrupt(err) or "malformed" in str(err)):
                    raise
                aside = _move_aside(path)
                if aside is not None:
                    self._say(
                        f"reading state was damaged ({_reason(err)}); moved it aside to"
                        f" {aside.name} and started a fresh one"
                    )
        raise AssertionError("unreachable")

    def _load_read_only(self) -> None:
        """Read what the file holds even when it cannot be opened for writing."""
        path = Path(self.db_path)
        if not path.is_file():
            return
        for query in ("mode=ro", "immutable=1"):
            try:
                conn = self._connect(f"{path.as_uri()}?{query}", uri=True)
            except sqlite3.Error:
                continue
            try:
                self._conn = conn
                self._load()
                return
            except sqlite3.Error:
                continue
            finally:
                self._conn = None
                conn.close()

    def _load(self) -> None:
        """Take the file's values, keeping changes made here that are not saved yet."""
        assert self._conn is not None
        have = {row[1] for row in self._conn.execute("PRAGMA table_info(post_state)")}
        cols = [c for c in COLUMNS if c in have]
        rows = self._conn.execute(
            f"SELECT path, {', '.join(cols)} FROM post_state WHERE profile = ? AND archive = ?",
            (self.profile, self.archive),
        ).fetchall()
        fresh: dict[str, PostRow] = {}
        for path, *values in rows:
            fresh[path] = PostRow(**dict(zip(cols, values, strict=True)))
        for path, columns in self._dirty.items():
            mine = self._rows.get(path)
            if mine is None:
                continue
            row = fresh.setdefault(path, PostRow())
            for column in columns:
                setattr(row, column, getattr(mine, column))
        for path in self._deleted:
            fresh.pop(path, None)
        self._rows = fresh
        values = self._conn.execute(
            "SELECT archive, key, value FROM session WHERE profile = ? AND archive IN (?, ?)",
            (self.profile, self.archive, GLOBAL),
        ).fetchall()
        fresh_values = {(scope, key): value for scope, key, value in values}
        for key in self._dirty_values:
            if key in self._values:
                fresh_values[key] = self._values[key]
        self._values = fresh_values

    def _drop_conn(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
        self._conn = None

    def _degrade(self, err: BaseException) -> None:
        self._failed_at = time.monotonic()
        if not self._said_degraded:
            self._said_degraded = True
            self._say(
                f"reading state cannot be saved ({_reason(err)}); keeping it in memory and"
                " trying again"
            )

    def _flush(self, force: bool = False) -> bool:
        """Write what is pending; False (and the state kept in memory) if the file refuses."""
        if self.memory_only:
            self._dirty.clear()
            self._dirty_values.clear()
            self._deleted.clear()
            return True
        waited = time.monotonic() - (self._failed_at or 0.0)
        if self._failed_at is not None and not force and waited < RETRY_AFTER:
            return False
        if self._conn is None:
            try:
                self._conn = self._open_file()
                self._load()
            except Exception as err:
                self._drop_conn()
                self._degrade(err)
                return False
        if not (self._dirty or self._dirty_values or self._deleted):
            self._recovered()
            return True
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                self._write_pending(conn)
                conn.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as err:
            # Reopened on the next attempt: a connection SQLite opened read-only stays so, and
            # a corrupt file is moved aside when reopened.
            self._drop_conn()
            self._degrade(err)
            return False
        self._dirty.clear()
        self._dirty_values.clear()
        self._deleted.clear()
        self._recovered()
        return True

    def _recovered(self) -> None:
        if self._failed_at is not None:
            self._failed_at = None
            if self._said_degraded:
                self._say("reading state is being saved again")

    def _write_pending(self, conn: sqlite3.Connection) -> None:
        for path in sorted(self._deleted):
            conn.execute(
                "DELETE FROM post_state WHERE profile = ? AND archive = ? AND path = ?",
                (self.profile, self.archive, path),
            )
        for path, columns in self._dirty.items():
            row = self._rows.get(path)
            if row is None or not columns:
                continue
            names = sorted(columns)
            sets = ", ".join(f"{c} = excluded.{c}" for c in names)
            conn.execute(
                f"INSERT INTO post_state (profile, archive, path, {', '.join(names)})"
                f" VALUES (?, ?, ?{', ?' * len(names)})"
                f" ON CONFLICT (profile, archive, path) DO UPDATE SET {sets}",
                (self.profile, self.archive, path, *(getattr(row, c) for c in names)),
            )
        for scope, key in self._dirty_values:
            conn.execute(
                "INSERT INTO session (profile, archive, key, value) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (profile, archive, key) DO UPDATE SET value = excluded.value",
                (self.profile, scope, key, self._values[(scope, key)]),
            )

    def retry_due(self) -> bool:
        """For a timer: save what waits in memory if a retry is due, waiting for a lock only
        :data:`QUICK_TIMEOUT`; True when nothing is left unsaved."""
        if self.memory_only or not self.unsaved:
            return True
        self._busy_timeout = QUICK_TIMEOUT
        try:
            return self._flush()
        finally:
            self._busy_timeout = BUSY_TIMEOUT
            if self._conn is not None:
                with contextlib.suppress(sqlite3.Error):
                    self._conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")

    def retry(self) -> bool:
        """Try now to save what is kept in memory; True when nothing is left unsaved."""
        return self._flush(force=True)

    def close(self) -> None:
        """Save what is pending (one last try) and close; a failure is reported, never raised."""
        if not self.memory_only and self.unsaved and not self._flush(force=True):
            self._say(f"reading state: {self.unsaved} unsaved change(s) could not be written")
        self._drop_conn()

    # -- reading -------------------------------------------------------------------------
    def reload(self) -> None:
        """Re-read marks from the file (another instance may have changed them)."""
        if self._conn is None:
            return
        try:
            self._load()
        except sqlite3.Error as err:
            self._degrade(err)

    def is_read(self, path: str) -> bool:
        row = self._rows.get(path)
        return bool(row and row.read)

    def is_bookmarked(self, path: str) -> bool:
        row = self._rows.get(path)
        return bool(row and row.bookmarked)

    def bookmarks(self, existing: Iterable[str] | None = None) -> list[str]:
        """Bookmarked paths, newest bookmark first; only those in ``existing`` if given."""
        marked = [(p, r.bookmarked_at or 0.0) for p, r in self._rows.items() if r.bookmarked]
        order = [p for p, _ in sorted(marked, key=lambda pair: -pair[1])]
        if existing is None:
            return order
        keep = set(existing)
        return [p for p in order if p in keep]

    def read_paths(self) -> set[str]:
        return {p for p, r in self._rows.items() if r.read}

    def scroll_of(self, path: str) -> int:
        row = self._rows.get(path)
        return int(row.scroll) if row else 0

    def missing_paths(self) -> list[str]:
        """Paths whose marks are kept while their post is missing from the archive."""
        return sorted(p for p, r in self._rows.items() if r.missing_since is not None)

    # -- writing -----------------------------------------------------------------------------
    def _change(self, path: str, **values: Any) -> None:
        row = self._rows.get(path)
        if row is None:
            row = self._rows[path] = PostRow()
        self._deleted.discard(path)
        dirty = self._dirty.setdefault(path, set())
        for column, value in values.items():
            setattr(row, column, value)
            dirty.add(column)
        lookup = self.posts_lookup or self._scanned.get
        if row.digest is None:
            key = content_key(lookup(path))
            if key is not None:
                row.digest, row.length = key
                dirty.update(("digest", "length"))
        self._flush()

    def set_read(self, path: str, read: bool = True) -> None:
        if read == self.is_read(path):
            return
        self._change(path, read=int(read), read_at=time.time())

    def toggle_read(self, path: str) -> bool:
        """Flip the read mark; returns the new value."""
        self.set_read(path, not self.is_read(path))
        return self.is_read(path)

    def set_bookmarked(self, path: str, on: bool = True) -> None:
        if on == self.is_bookmarked(path):
            return
        self._change(path, bookmarked=int(on), bookmarked_at=time.time())

    def toggle_bookmark(self, path: str) -> bool:
        self.set_bookmarked(path, not self.is_bookmarked(path))
        return self.is_bookmarked(path)

    def set_scroll(self, path: str, line: int) -> None:
        line = max(0, int(line))
        if line == self.scroll_of(path) and path in self._rows:
            return
        self._change(path, scroll=line)

    # -- the archive changed -----------------------------------------------------------------
    def reconcile(
        self,
        posts: Mapping[str, Any],
        problems: Iterable[str] = (),
        *,
        now: float | None = None,
    ) -> Reconciled:
        """Bring the state in line with a complete scan, deleting nothing a fault could explain.

        ``posts`` maps each readable post's path to its post (``.body`` is used); ``problems``
        are paths that exist but cannot be read (their marks are kept as they are). A marked
        post that is missing takes its marks to a post with the same body (moved or renamed);
        else its marks are kept, flagged missing, until ``prune`` or :data:`GRACE_DAYS`.
        An empty scan changes nothing.
        """
        result = Reconciled()
        if not posts:
            return result
        self._scanned = posts
        now = time.time() if now is None else now
        # Membership only: a set of every path would touch each post's path (100,000 posts:
        # a served reader would copy the pages it shares with the zygote that forked it).
        unreadable = set(problems)

        def present(path: str) -> bool:
            return path in posts or path in unreadable

        changes: dict[str, dict[str, Any]] = {}
        for path, row in self._rows.items():
            post = posts.get(path)
            if post is not None:
                digest, length = self._digest_of(path, post)
                if (row.digest, row.length) != (digest, length):
                    changes.setdefault(path, {}).update(digest=digest, length=length)
            if present(path) and row.missing_since is not None:
                changes.setdefault(path, {})["missing_since"] = None
                result.returned.append(path)
        for path, values in changes.items():
            for column, value in values.items():
                setattr(self._rows[path], column, value)
            self._dirty.setdefault(path, set()).update(values)
        missing = sorted(p for p in self._rows if not present(p))
        if missing:
            self._follow_moves(posts, missing, result)
            for _old, new in result.moved:
                self._rows[new].digest, self._rows[new].length = self._digest_of(new, posts[new])
        cutoff = now - GRACE_DAYS * 86400
        for path in missing:
            gone = self._rows.get(path)
            if gone is None:  # moved
                continue
            if gone.missing_since is None:
                gone.missing_since = now
                self._dirty.setdefault(path, set()).add("missing_since")
                result.missing.append(path)
            elif gone.missing_since < cutoff:
                self._forget(path)
                result.expired.append(path)
            else:
                result.missing.append(path)
        self._flush()
        return result

    def _follow_moves(
        self, posts: Mapping[str, Any], missing: list[str], result: Reconciled
    ) -> None:
        wanted: dict[tuple[str, int], list[str]] = {}
        nameless: dict[str, list[str]] = {}  # rows saved before digests: followed by file name
        for path in missing:
            row = self._rows[path]
            if row.digest is not None and row.length is not None:
                wanted.setdefault((row.digest, row.length), []).append(path)
            else:
                nameless.setdefault(path.rsplit("/", 1)[-1], []).append(path)
        if nameless:
            self._follow_by_name(posts, nameless, result)
        if not wanted:
            return
        lengths = {length for _, length in wanted}
        for path, post in posts.items():
            if path in self._rows and self._rows[path].marked():
                continue
            key = getattr(post, "content_key", None)  # a list record keeps its body's key
            if (key[1] if key is not None else len(post.body)) not in lengths:
                continue
            olds = wanted.get(self._digest_of(path, post))
            if not olds:
                continue
            old = olds.pop(0)
            self._move(old, path)
            result.moved.append((old, path))

    def _follow_by_name(
        self, posts: Mapping[str, Any], nameless: dict[str, list[str]], result: Reconciled
    ) -> None:
        found: dict[str, list[str]] = {}
        for path in posts:
            name = path.rsplit("/", 1)[-1]
            if name in nameless and not (path in self._rows and self._rows[path].marked()):
                found.setdefault(name, []).append(path)
        for name, olds in nameless.items():
            news = found.get(name, [])
            if len(olds) == 1 and len(news) == 1:  # only when there is no doubt
                self._move(olds[0], news[0])
                result.moved.append((olds[0], news[0]))

    def _digest_of(self, path: str, post: Any) -> tuple[str, int]:
        # A live update replaces only the changed posts: the others are not hashed again.
        known = self._digests.get(path)
        if known is not None and known[0] == id(post):
            return known[1], known[2]
        digest, length = content_key(post) or body_digest("")
        self._digests[path] = (id(post), digest, length)
        return digest, length

    def _move(self, old: str, new: str) -> None:
        row = self._rows.pop(old)
        row.missing_since = None
        into = self._rows.get(new)
        if into is not None:  # keep the newer of any values the new path already had
            row.read = row.read or into.read
            row.bookmarked = row.bookmarked or into.bookmarked
            row.scroll = row.scroll or into.scroll
        self._rows[new] = row
        self._dirty.pop(old, None)
        self._deleted.add(old)
        self._deleted.discard(new)
        self._dirty[new] = set(COLUMNS)

    def _forget(self, path: str) -> None:
        self._rows.pop(path, None)
        self._dirty.pop(path, None)
        self._deleted.add(path)

    def prune(self, existing: Iterable[str] | None = None) -> list[str]:
        """Delete the marks of posts not in ``existing`` (default: those flagged missing).

        The user's explicit command (``newsterm state prune``); returns the paths forgotten.
        """
        if existing is None:
            gone = self.missing_paths()
        else:
            keep = set(existing)
            gone = sorted(p for p in self._rows if p not in keep)
        for path in gone:
            self._forget(path)
        self._flush(force=True)
        return gone

    def forget_missing(self, existing: Iterable[str]) -> int:
        """Deprecated name of :meth:`prune` with the list of existing paths."""
        return len(self.prune(existing))

    # -- session values ----------------------------------------------------------------------
    def get(self, key: str, default: str | None = None, *, shared: bool = False) -> str | None:
        return self._values.get((GLOBAL if shared else self.archive, key), default)

    def put(self, key: str, value: str, *, shared: bool = False) -> None:
        slot = (GLOBAL if shared else self.archive, key)
        if self._values.get(slot) == value and slot not in self._dirty_values:
            return
        self._values[slot] = value
        self._dirty_values.add(slot)
        self._flush()


def _private_folder(folder: Path) -> None:
    """Make the state folder (0700); a folder newsterm made before is tightened too."""
    if not folder.is_dir():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(OSError):
        st = folder.stat()
        if st.st_uid == os.getuid() and st.st_mode & 0o077:
            folder.chmod(0o700)


def _private_file(path: Path) -> None:
    """Create the database file 0600 before SQLite does (its -wal and -shm copy the mode)."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        if path.exists():
            return  # readable but not writable: SQLite opens it read-only, we degrade
        raise
    try:
        st = os.fstat(fd)
        if st.st_uid == os.getuid() and st.st_mode & 0o077:
            os.fchmod(fd, 0o600)
    except OSError:
        pass
    finally:
        os.close(fd)


def _move_aside(path: Path) -> Path | None:
    """Rename a corrupt database (and its -wal/-shm) out of the way; None if it is gone.

    Under a lock file, so two readers finding the damage at once move it only once.
    """
    import fcntl

    lock_path = path.with_name(path.name + ".lock")
    lock_fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock_fd, fcntl.LOCK_EX)
        if not path.exists():
            return None
        if _healthy(path):  # another reader already replaced it
            return None
        stamp = time.strftime("%Y%m%dT%H%M%S", time.localtime())
        aside = path.with_name(f"{path.name}.corrupt-{stamp}")
        n = 1
        while aside.exists():
            n += 1
            aside = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
        os.rename(path, aside)
        for suffix in ("-wal", "-shm"):
            side = path.with_name(path.name + suffix)
            if side.exists():
                with contextlib.suppress(OSError):
                    os.rename(side, aside.with_name(aside.name + suffix))
        return aside
    finally:
        os.close(lock_fd)


def _healthy(path: Path) -> bool:
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT)
    except sqlite3.Error:
        return False
    try:
        row = conn.execute("PRAGMA quick_check").fetchone()
        return row is not None and row[0] == "ok"
    except sqlite3.Error as err:
        return not is_corrupt(err) and "malformed" not in str(err)
    finally:
        conn.close()


def _add_columns(conn: sqlite3.Connection) -> None:
    have = {row[1] for row in conn.execute("PRAGMA table_info(post_state)")}
    for column, kind in _ADDED_COLUMNS.items():
        if column not in have:
            conn.execute(f"ALTER TABLE post_state ADD COLUMN {column} {kind}")
