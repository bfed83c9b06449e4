"""Reading state of the reader: read marks, bookmarks, scroll positions and small settings.

Kept in one SQLite file in the user's data folder (``data_dir()/state.sqlite3``), keyed by
profile (the local user's ``""`` or an SSH member's name), archive (``paths.archive_key``) and the
post's relative path, so it survives a re-index and never touches the archive. Several readers
may run at once: the database is in WAL mode with a busy timeout, and every write is one short
transaction. An anonymous SSH reader gets an in-memory database that vanishes with the session.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path

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

GLOBAL = "*"  # the ``archive`` value of settings shared by every archive (theme, ...)


def state_file() -> Path:
    """Where the local reading state lives."""
    return paths.data_dir() / "state.sqlite3"


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
        if self.db_path != ":memory:":
            Path(self.db_path).parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(self.db_path, timeout=5.0, isolation_level=None)
        self._conn.execute("PRAGMA busy_timeout = 5000")
        if self.db_path != ":memory:":
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA synchronous = NORMAL")
        self._conn.executescript(SCHEMA)
        self._read: set[str] = set()
        self._bookmarks: dict[str, float] = {}
        self.reload()

    @classmethod
    def in_memory(cls, archive_root: Path, profile: str = "") -> ReadingState:
        """A state that is never written to disk (anonymous served readers)."""
        return cls(archive_root, profile, ":memory:")

    def close(self) -> None:
        self._conn.close()

    # -- reading -------------------------------------------------------------------------
    def reload(self) -> None:
        """Re-read marks from the database (another instance may have changed them)."""
        rows = self._conn.execute(
            "SELECT path, read, bookmarked, bookmarked_at FROM post_state"
            " WHERE profile = ? AND archive = ?",
            (self.profile, self.archive),
        ).fetchall()
        self._read = {path for path, read, _, _ in rows if read}
        self._bookmarks = {path: at or 0.0 for path, _, bm, at in rows if bm}

    def is_read(self, path: str) -> bool:
        return path in self._read

    def is_bookmarked(self, path: str) -> bool:
        return path in self._bookmarks

    def bookmarks(self, existing: Iterable[str] | None = None) -> list[str]:
        """Bookmarked paths, newest bookmark first; only those in ``existing`` if given."""
        order = sorted(self._bookmarks, key=lambda p: -self._bookmarks[p])
        if existing is None:
            return order
        keep = set(existing)
        return [p for p in order if p in keep]

    def read_paths(self) -> set[str]:
        return set(self._read)

    def scroll_of(self, path: str) -> int:
        row = self._conn.execute(
            "SELECT scroll FROM post_state WHERE profile = ? AND archive = ? AND path = ?",
            (self.profile, self.archive, path),
        ).fetchone()
        return int(row[0]) if row else 0

    # -- writing (each call is one short transaction) --------------------------------------
    def _upsert(self, path: str, column: str, value: object, extra: str = "") -> None:
        assert column in {"read", "bookmarked", "scroll"}
        sets = f"{column} = excluded.{column}" + (f", {extra} = excluded.{extra}" if extra else "")
        cols = f"profile, archive, path, {column}" + (f", {extra}" if extra else "")
        marks = "?, ?, ?, ?" + (", ?" if extra else "")
        params: tuple = (self.profile, self.archive, path, value)
        if extra:
            params += (time.time(),)
        self._conn.execute(
            f"INSERT INTO post_state ({cols}) VALUES ({marks})"
            f" ON CONFLICT (profile, archive, path) DO UPDATE SET {sets}",
            params,
        )

    def set_read(self, path: str, read: bool = True) -> None:
        if read == (path in self._read):
            return
        self._upsert(path, "read", int(read), "read_at")
        if read:
            self._read.add(path)
        else:
            self._read.discard(path)

    def toggle_read(self, path: str) -> bool:
        """Flip the read mark; returns the new value."""
        self.set_read(path, path not in self._read)
        return path in self._read

    def set_bookmarked(self, path: str, on: bool = True) -> None:
        if on == (path in self._bookmarks):
            return
        self._upsert(path, "bookmarked", int(on), "bookmarked_at")
        if on:
            self._bookmarks[path] = time.time()
        else:
            self._bookmarks.pop(path, None)

    def toggle_bookmark(self, path: str) -> bool:
        self.set_bookmarked(path, path not in self._bookmarks)
        return path in self._bookmarks

    def set_scroll(self, path: str, line: int) -> None:
        self._upsert(path, "scroll", max(0, int(line)))

    def forget_missing(self, existing: Iterable[str]) -> int:
        """Drop the state of posts no longer in the archive (moved or deleted); returns how many.

        Only called after a complete scan, so a moved post never keeps a stale mark under its
        old path that a new post with that name could inherit.
        """
        keep = set(existing)
        gone = [p for p in {*self._read, *self._bookmarks} if p not in keep]
        rows = self._conn.execute(
            "SELECT path FROM post_state WHERE profile = ? AND archive = ?",
            (self.profile, self.archive),
        ).fetchall()
        gone = sorted({*gone, *(p for (p,) in rows if p not in keep)})
        if not gone:
            return 0
        with self._conn:
            self._conn.execute("BEGIN")
            self._conn.executemany(
                "DELETE FROM post_state WHERE profile = ? AND archive = ? AND path = ?",
                [(self.profile, self.archive, p) for p in gone],
            )
        for p in gone:
            self._read.discard(p)
            self._bookmarks.pop(p, None)
        return len(gone)

    # -- session values ----------------------------------------------------------------------
    def get(self, key: str, default: str | None = None, *, shared: bool = False) -> str | None:
        row = self._conn.execute(
            "SELECT value FROM session WHERE profile = ? AND archive = ? AND key = ?",
            (self.profile, GLOBAL if shared else self.archive, key),
        ).fetchone()
        return row[0] if row else default

    def put(self, key: str, value: str, *, shared: bool = False) -> None:
        self._conn.execute(
            "INSERT INTO session (profile, archive, key, value) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (profile, archive, key) DO UPDATE SET value = excluded.value",
            (self.profile, GLOBAL if shared else self.archive, key, value),
        )
