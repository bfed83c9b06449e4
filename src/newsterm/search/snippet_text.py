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
body has changed since, or that have no row yet.

An index made before this store (or posts a sync could not keep) is filled by
:func:`fill_missing`: ``newsterm index`` does it after its sync (a one-line notice from
:data:`BIG_FILL` posts), the reader and the SSH server in a background thread batch by batch
(:func:`start_fill`). A full build, or a fill that went through every missing post, marks the
store ``filled`` (the ``info`` table): from then on each sync keeps what it indexes, and the
check costs a ``newsterm index`` that finds nothing changed one small read.

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
    import threading
    from collections.abc import Callable, Iterable

    from newsterm.archive import Archive
    from newsterm.models import Post

__all__ = [
    "BIG_FILL",
    "FILL_BATCH",
    "SNIPPET_TEXT_FILE",
    "SnippetTexts",
    "body_key",
    "fill_missing",
    "missing_texts",
    "shown_text",
    "start_fill",
]

SNIPPET_TEXT_FILE = "snippet-text.sqlite3"
_SCHEMA_VERSION = 2  # 2: the ``info`` table (``filled``)


def _user_version() -> int:
    """The store's SQLite ``user_version``: its schema and the rendering rules its texts were
    made by. New rules (a newer newsterm) find a store of the old ones unreadable and start it
    afresh, so it is filled again like an old index's, instead of every search rendering its
    hits' snippets for ever (each row's key alone cannot say which rules made it)."""
    from newsterm.markdown.plain import PLAIN_TEXT_VERSION

    return _SCHEMA_VERSION * 1000 + PLAIN_TEXT_VERSION


FILL_BATCH = 200
"""Posts rendered and written per transaction by :func:`fill_missing`."""
BIG_FILL = 2000
"""From this many posts without a kept text, ``newsterm index`` says (one line) that it is
filling them: at a few ms a post that is seconds to minutes, once."""
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
            if con.execute("PRAGMA user_version").fetchone()[0] == _user_version():
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
        con.execute("DROP TABLE IF EXISTS info")
        con.execute("CREATE TABLE info (key TEXT PRIMARY KEY, value) WITHOUT ROWID")
        con.execute(f"PRAGMA user_version = {_user_version()}")

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

    def _read(self, sql: str) -> list[tuple[object, ...]] | None:
        """The rows of one query (None: no store, or it cannot be read)."""
        if not self.path.is_file():
            return None
        import sqlite3

        try:
            con = self._connect(create=False)
            if con is None:
                return None
            try:
                return con.execute(sql).fetchall()
            finally:
                con.close()
        except sqlite3.Error:
            return None

    def filled(self) -> bool:
        """Whether every post the index held was given its text (by a full build, or by
        :func:`fill_missing`): from then on each sync keeps the texts of what it indexes."""
        return bool(self._read("SELECT value FROM info WHERE key = 'filled'"))

    def paths(self) -> set[str]:
        """The paths that have a kept text."""
        return {str(row[0]) for row in self._read("SELECT path FROM texts") or ()}

    def store(
        self,
        entries: Iterable[tuple[str, str, str]],
        removed: Iterable[str] = (),
        *,
        fresh: bool = False,
        filled: bool = False,
    ) -> bool:
        """Keep ``(path, body, text)`` rows, forget the ``removed`` paths (and every row first
        when ``fresh``: a full build); ``filled``: every indexed post now has its text (see
        :meth:`filled`). False when nothing could be written (never fatal)."""
        if not self.writable:
            return False
        import sqlite3

        rows = [(path, body_key(body), _pack(text, body)) for path, body, text in entries]
        gone = [(p,) for p in removed]
        if not rows and not gone and not fresh and not filled:
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
                if filled:
                    con.execute("INSERT OR REPLACE INTO info VALUES ('filled', 1)")
                con.execute("COMMIT")
            finally:
                con.close()
        except (sqlite3.Error, OSError):
            return False
        return True


def shown_text(post: Post) -> tuple[str, str, str] | None:
    """``(path, body, text)``: the body a search reads for a snippet and its plain text as the
    reader shows it (None when it cannot be rendered: its snippet is then made at search time)."""
    from newsterm.markdown.plain import plain_text
    from newsterm.text import strip_controls

    body = strip_controls(post.body)
    try:
        return post.path, body, plain_text(body)
    except Exception:
        return None


def missing_texts(index_dir: str | os.PathLike[str]) -> list[str] | None:
    """The indexed posts (the index's manifest, problems left out) that have no kept text;
    None when the store is known to be filled (:meth:`SnippetTexts.filled`: one small read, the
    cost a ``newsterm index`` that finds nothing changed pays) or there is no index."""
    from newsterm.search.store import Manifest, current_dir

    texts = SnippetTexts(index_dir)
    if texts.filled():
        return None
    rows = Manifest(current_dir(Path(index_dir))).load()
    if rows is None:
        return None
    have = texts.paths()
    return sorted(
        p for p, (_m, _s, sha1, problem) in rows.items() if sha1 and not problem and p not in have
    )


def fill_missing(
    index_dir: str | os.PathLike[str],
    archive: Archive,
    paths: list[str],
    *,
    stop: Callable[[], bool] | None = None,
    pause: float = 0.0,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Render and keep the texts of the posts ``paths`` (from :func:`missing_texts`), in
    batches of :data:`FILL_BATCH`, each its own transaction, so that a fill stopped half way
    keeps what it did; when every batch was done the store is marked filled. ``stop``: asked
    before each batch (a reader that quits); ``pause``: seconds to sleep between batches (a
    background fill that must leave the machine to the user). Returns the posts done.

    A post that cannot be read or rendered is skipped (its snippet is made at search time, as
    for any post without a kept text). Never raises for the store: it is a cache."""
    import time

    from newsterm.archive import PostError
    from newsterm.errors import NewstermError

    texts = SnippetTexts(index_dir)
    done = 0
    for start in range(0, len(paths), FILL_BATCH):
        if stop is not None and stop():
            return done
        if start and pause:
            time.sleep(pause)
        batch = []
        for rel in paths[start : start + FILL_BATCH]:
            try:
                post = archive.read(rel)
            except (PostError, NewstermError, OSError):
                continue
            if (entry := shown_text(post)) is not None:
                batch.append(entry)
        last = start + FILL_BATCH >= len(paths)
        if not texts.store(batch, filled=last):
            return done
        done = min(len(paths), start + FILL_BATCH)
        if progress is not None:
            progress(done, len(paths))
    if not paths:
        texts.store((), filled=True)
    return done


_fills: dict[str, threading.Thread] = {}


def start_fill(
    index_dir: str | os.PathLike[str],
    root: str | os.PathLike[str],
    *,
    stop: Callable[[], bool] | None = None,
    pause: float = 0.25,
) -> threading.Thread:
    """Fill the texts missing from an index's store in a background thread (the reader's and
    the server's, after a sync), batch by batch with ``pause`` seconds between batches so that
    the user's screen keeps the processor; once filled this is one small read. One fill per
    index folder runs at a time: while one runs, it is returned."""
    import threading

    key = os.path.abspath(index_dir)
    running = _fills.get(key)
    if running is not None and running.is_alive():
        return running

    def fill() -> None:
        from newsterm.archive import Archive

        try:
            missing = missing_texts(index_dir)
            if missing is not None:
                fill_missing(index_dir, Archive(Path(root)), missing, stop=stop, pause=pause)
        except Exception:  # a cache: searches render what is not kept
            return

    thread = threading.Thread(target=fill, name="newsterm-snippet-texts", daemon=True)
    _fills[key] = thread
    thread.start()
    return thread
