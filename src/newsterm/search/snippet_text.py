"""Each indexed post's text as the reader shows it, kept beside the index for search snippets.

A snippet holds exactly the words the reader shows (:func:`newsterm.markdown.plain.plain_text`:
Liquid, shortcodes, HTML and Markdown rendered). Rendering needs markdown-it, whose import is a
large part of a one-shot ``newsterm search``'s start-up, for any hit whose passage has a single
``**`` or ``<br>`` (nearly every real post). So each index sync renders the
posts it indexes anyway and keeps their text here, in ``snippet-text.sqlite3`` in the index
folder (the user cache, never the archive): one row per post path with a digest of the body it
was made from (and of the rendering rules, :data:`~newsterm.markdown.plain.PLAIN_TEXT_VERSION`)
and the text, zlib-compressed against the body itself (a few percent of the post's size). A
search looks its hits up in one query (:meth:`SnippetTexts.lookup`) and renders only those whose
body has changed since, or that were never indexed with this store (an index made before it:
``newsterm index --rebuild`` fills it).

It is a cache: the files are the truth. Every SQLite error means "not there" (reading) or "not
kept" (writing); a damaged file is started afresh. Several processes may use it (WAL journal,
short busy waits); a served reader only reads it.
"""

from __future__ import annotations

import contextlib
import os
import zlib
from pathlib import Path

TYPE_CHECKING = False  # a one-shot search imports this module: typing only for the checker
if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Iterable

__all__ = ["SNIPPET_TEXT_FILE", "SnippetTexts", "body_key"]

SNIPPET_TEXT_FILE = "snippet-text.sqlite3"
_SCHEMA_VERSION = 1
_BUSY_MS = 1000


def _md5(data: bytes) -> bytes:
    try:  # CPython's own MD5: hashlib would load OpenSSL (start-up time of a search)
        import _md5

        digest: bytes = _md5.md5(data).digest()
        return digest
    except ImportError:  # pragma: no cover - a Python built without it
        import hashlib

        return hashlib.md5(data, usedforsecurity=False).digest()


def body_key(body: str) -> bytes:
    """What a stored text was made from: the body and the version of the rendering rules."""
    from newsterm.markdown.plain import PLAIN_TEXT_VERSION

    return _md5(_encode(f"{PLAIN_TEXT_VERSION}\0{body}"))


#: zlib looks back at most this far: the end of the body is the dictionary.
_WINDOW = 32768


def _pack(text: str, body: str) -> bytes:
    """``text`` compressed with its own body as zlib's preset dictionary: the shown text is
    mostly the body's words, so it costs a few bytes of back references (about 0.03-0.15 of
    the post's size on real blogs, against 0.3-0.5 for zlib alone)."""
    packer = zlib.compressobj(6, zdict=_encode(body)[-_WINDOW:])
    return packer.compress(_encode(text)) + packer.flush()


def _unpack(blob: bytes, body: str) -> str:
    unpacker = zlib.decompressobj(zdict=_encode(body)[-_WINDOW:])
    return (unpacker.decompress(blob) + unpacker.flush()).decode("utf-8", "surrogatepass")


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


class SnippetTexts:
    """The snippet text store of one index folder."""

    def __init__(self, index_dir: str | os.PathLike[str], writable: bool = True) -> None:
        self.path = Path(index_dir) / SNIPPET_TEXT_FILE
        self.writable = writable

    def _connect(self, create: bool) -> sqlite3.Connection | None:
        import sqlite3

        if not create and not self.path.is_file():
            return None
        if create:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path, timeout=_BUSY_MS / 1000, isolation_level=None)
        try:
            con.execute(f"PRAGMA busy_timeout = {_BUSY_MS}")
            if con.execute("PRAGMA user_version").fetchone()[0] == _SCHEMA_VERSION:
                return con
            if not create:
                con.close()
                return None
            self._create(con)
            return con
        except sqlite3.Error:
            con.close()
            if not create:
                return None
        self.discard()  # damaged: start afresh
        try:
            con = sqlite3.connect(self.path, timeout=_BUSY_MS / 1000, isolation_level=None)
            self._create(con)
        except sqlite3.Error:
            return None
        return con

    @staticmethod
    def _create(con: sqlite3.Connection) -> None:
        con.execute("PRAGMA journal_mode = WAL")
        con.execute("DROP TABLE IF EXISTS texts")
        con.execute("CREATE TABLE texts (path TEXT PRIMARY KEY, key BLOB, text BLOB) WITHOUT ROWID")
        con.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")

    def discard(self) -> None:
        """Remove the file (damaged, or to start afresh)."""
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                os.unlink(f"{self.path}{suffix}")

    def lookup(self, bodies: dict[str, str]) -> dict[str, str]:
        """``path -> text`` for the posts ``bodies`` (path -> body) whose text is kept and was
        made from that very body with the current rules."""
        if not bodies or not self.path.is_file():
            return {}
        import sqlite3

        try:
            con = self._connect(create=False)
            if con is None:
                return {}
            try:
                paths = list(bodies)
                marks = ",".join("?" * len(paths))
                rows = con.execute(
                    f"SELECT path, key, text FROM texts WHERE path IN ({marks})", paths
                ).fetchall()
            finally:
                con.close()
        except sqlite3.Error:
            return {}
        found = {}
        for path, key, blob in rows:
            body = bodies[path]
            if key == body_key(body):
                with contextlib.suppress(zlib.error, UnicodeDecodeError):
                    found[path] = _unpack(blob, body)
        return found

    def store(
        self,
        entries: Iterable[tuple[str, str, str]],
        removed: Iterable[str] = (),
        *,
        fresh: bool = False,
    ) -> bool:
        """Keep ``(path, body, text)`` rows, forget the ``removed`` paths (and every row first
        when ``fresh``: a full build). False when nothing could be written (never fatal)."""
        if not self.writable:
            return False
        import sqlite3

        rows = [(path, body_key(body), _pack(text, body)) for path, body, text in entries]
        gone = [(p,) for p in removed]
        if not rows and not gone and not fresh:
            return True
        if fresh:
            self.discard()  # (deleting every row would keep the file's size)
        try:
            con = self._connect(create=True)
            if con is None:
                return False
            try:
                con.execute("BEGIN IMMEDIATE")
                con.executemany("INSERT OR REPLACE INTO texts VALUES (?,?,?)", rows)
                con.executemany("DELETE FROM texts WHERE path = ?", gone)
                con.execute("COMMIT")
            finally:
                con.close()
        except (sqlite3.Error, OSError):
            return False
        return True
