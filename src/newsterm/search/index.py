"""The search index of one archive: a Whoosh index kept in step with the files, and searching it.

Where: ``paths.index_dir_for(root)`` in the user's cache folder (``--index-dir`` overrides it),
never inside the archive. Besides Whoosh's files the folder holds:

* ``newsterm-meta.json``: the analyzer and schema versions the index was built with, and the
  version of the rules that read posts (:data:`newsterm.input_version.INPUT_VERSION`: dates,
  titles, sections). A different version (or an index Whoosh cannot open) is rebuilt from
  scratch with a one-line notice.
* ``newsterm-manifest.json``: ``path -> [mtime_ns, size, sha1, problem]`` for every post file,
  plus the Whoosh generation it describes. Finding changes is a stat walk compared with it;
  a file whose mtime or size differ is hashed, and only a different hash is re-indexed. A new
  file with the hash of a vanished one is a rename. The manifest is written only after Whoosh
  has committed, so a killed update leaves the previous index and manifest usable; a manifest
  that does not match the index's generation is rebuilt from the index's stored fields.
* An index built from nothing (first build, ``--rebuild``, repair) is committed in batches
  that fit in memory (:data:`BATCH_BYTES` per process, Whoosh's multi-process writer when
  asked): far cheaper than letting Whoosh spill postings to disk, and a killed build keeps
  the batches it committed, which the next sync finds through the stored fields.
* ``SYNCLOCK`` (a Whoosh file lock): one writer at a time. A second writer waits
  :data:`LOCK_WAIT` seconds, then raises :class:`~newsterm.errors.IndexBusyError`. Readers
  never take it: a no-change sync and searching need no lock.

Searching keeps one Whoosh searcher and opens a new one when the index has changed
(``up_to_date()``); ``Searcher.refresh()`` is never used.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

# isort: off
# newsterm.search.analysis first: it imports Whoosh without Whoosh's slow eager urllib import.
from newsterm.search.analysis import (
    ANALYZER_VERSION,
    Record,
    analyzer,
    import_whoosh_query,
    normalize,
)
from newsterm.search.builder import BuildFailed
from newsterm.search.codec import FORMAT_VERSION, BigramPositions, NewstermCodec

# isort: on
from newsterm.errors import IndexBusyError, NewstermError
from newsterm.input_version import INPUT_VERSION
from newsterm.postfile import Unreadable, read_post_bytes
from newsterm.search import store
from newsterm.search.lazy_imports import import_lean
from newsterm.search.snippet_text import SnippetTexts
from newsterm.search.snippets import make_snippet
from newsterm.text import one_line, strip_controls

import_whoosh_query()  # before anything imports it the slow way (whoosh.searching)

# Whoosh keeps the schema pickled in the index's table of contents, naming the analyzer's and
# the posting format's classes by module: an index written before those modules moved into
# newsterm.search names newsterm.analysis and newsterm.codec. Without these two names such an
# index would not open ("damaged") and be rebuilt: 15 minutes at 100,000 posts.
sys.modules.setdefault("newsterm.analysis", sys.modules["newsterm.search.analysis"])
sys.modules.setdefault("newsterm.codec", sys.modules["newsterm.search.codec"])

TYPE_CHECKING = False  # typing itself is not imported: a one-shot search does not need it
if TYPE_CHECKING:  # the archive module (and its YAML parser) is loaded only when needed
    from typing import Any

    from newsterm.archive import Archive
    from newsterm.children import TiedChildren
    from newsterm.models import Post, Problem
    from newsterm.search.builder import Build
    from newsterm.walk import FileStat, Scan

__all__ = [
    "LOCK_WAIT",
    "Hit",
    "IndexDamagedError",
    "SearchIndex",
    "SearchResults",
    "SyncResult",
    "index_usable",
    "open_index",
]

SCHEMA_VERSION = 3
"""The fields: an index made with other fields (or another codec.FORMAT_VERSION) is rebuilt.
2: ``lede`` (stored: the post's lede, the snippet of a hit not in the body, see
:func:`_lede_snippet`); 3: ``lang`` (the post's language, for ``lang:en``)."""
LOCK_WAIT = 2.0
"""Seconds a second writer waits for the first before giving up."""

META_FILE = "newsterm-meta.json"
MANIFEST_FILE = "newsterm-manifest.json"
LOCK_NAME = "SYNCLOCK"
UNDATED_TS = -(2**62)

Notice = Callable[[str], None]


def _versions() -> str:
    """The versions an index is made with, as :data:`store.INDEX_VERSIONS` spells them."""
    return f"{ANALYZER_VERSION}.{SCHEMA_VERSION}.{FORMAT_VERSION}.{INPUT_VERSION}"


class IndexDamagedError(NewstermError):
    """The index cannot be read; ``newsterm index --rebuild`` (or any sync) repairs it."""


# --------------------------------------------------------------------------- results


class SyncResult(Record):
    """What a sync changed. ``problems`` counts the post files that cannot be read now."""

    __slots__ = (
        "added",
        "problem_list",
        "problems",
        "rebuilt",
        "removed",
        "renamed",
        "unchanged",
        "updated",
    )

    def __init__(
        self,
        added: int = 0,
        updated: int = 0,
        removed: int = 0,
        renamed: int = 0,
        problems: int = 0,
        unchanged: int = 0,
        rebuilt: bool = False,
        problem_list: list[Problem] | None = None,
    ) -> None:
        self.added = added
        self.updated = updated
        self.removed = removed
        self.renamed = renamed
        self.problems = problems
        self.unchanged = unchanged
        self.rebuilt = rebuilt
        self.problem_list = problem_list if problem_list is not None else []

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.renamed)

    def __str__(self) -> str:
        text = (
            f"{self.added} added, {self.updated} updated, {self.removed} removed, "
            f"{self.renamed} renamed, {self.unchanged} unchanged, {self.problems} problems"
        )
        return ("rebuilt: " + text) if self.rebuilt else text


class Hit(Record):
    """One matching post; ``spans`` are ``(start, end)`` offsets into ``snippet`` to highlight."""

    __slots__ = ("categories", "date", "path", "score", "snippet", "spans", "tags", "title")
    __hash__ = None  # type: ignore[assignment]  # mutable

    def __init__(
        self,
        path: str,
        title: str,
        date: datetime | None,
        categories: list[str],
        tags: list[str],
        score: float,
        snippet: str = "",
        spans: list[tuple[int, int]] | None = None,
    ) -> None:
        self.path = path
        self.title = title
        self.date = date
        self.categories = categories
        self.tags = tags
        self.score = score
        self.snippet = snippet
        self.spans = spans if spans is not None else []

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "title": self.title,
            "date": self.date.isoformat() if self.date else None,
            "categories": list(self.categories),
            "tags": list(self.tags),
            "score": round(self.score, 4),
            "snippet": self.snippet,
        }


class SearchResults(Record):
    """The best ``hits`` (at most the limit) and how many posts matched in all."""

    __slots__ = ("hits", "total")
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, hits: list[Hit], total: int) -> None:
        self.hits = hits
        self.total = total

    def __iter__(self) -> Iterator[Hit]:
        return iter(self.hits)

    def __len__(self) -> int:
        return len(self.hits)


# --------------------------------------------------------------------------- schema and docs


LIMIT_MB = 512
"""Memory (MB, Whoosh's estimate) a writer process may use for postings before spilling."""
BATCH_BYTES = 12 * 1024 * 1024
"""Post bytes in one batch (one segment) of a build from scratch: ~150 MB in the process
that writes it (search.builder), ~2,000 posts of the generated archives."""


def _text_field(boost: float, stored: bool = False) -> Any:
    from whoosh import fields

    f = fields.TEXT(analyzer=analyzer(), phrase=True, stored=stored, field_boost=boost)
    f.format = BigramPositions(field_boost=boost)
    return f


def _schema() -> Any:
    from whoosh import fields

    return fields.Schema(
        path=fields.ID(unique=True, stored=True),
        title=_text_field(3.0, stored=True),
        sections=_text_field(2.0),
        body=_text_field(1.0),
        categories=fields.KEYWORD(stored=True, lowercase=True, commas=True, scorable=True),
        tags=fields.KEYWORD(stored=True, lowercase=True, commas=True, scorable=True),
        lang=fields.ID(),  # "ko", "en", ... (newsterm.language); for lang:en
        day=fields.NUMERIC(numtype=int, bits=32, signed=True),
        ts=fields.NUMERIC(numtype=int, bits=64, signed=True, sortable=True),
        date=fields.STORED(),
        file=fields.STORED(),
        lede=fields.STORED(),
    )


def _keywords(values: tuple[str, ...]) -> str:
    return ",".join(normalize(v).replace(",", " ").strip() for v in values if v.strip())


def _doc(post: Post, mtime_ns: int, size: int, sha1: str) -> dict[str, Any]:
    from newsterm.outline import section_titles

    try:
        sections = "\n".join(section_titles(post.body))
    except Exception:  # the outline is a ranking aid; a post must still be indexed
        sections = ""
    doc: dict[str, Any] = {
        "path": post.path,
        "title": post.title,
        "sections": sections,
        # The lede is searched as the post's text: a word only in its description finds it.
        "body": f"{post.lede}\n\n{post.body}" if post.lede else post.body,
        "categories": _keywords(post.categories),
        "tags": _keywords(post.tags),
        "file": (mtime_ns, size, sha1),
    }
    language = post.language
    if language:
        doc["lang"] = language
    if post.lede:
        doc["lede"] = post.lede
    if post.date is not None:
        d = post.date
        doc["day"] = d.year * 10000 + d.month * 100 + d.day
        doc["ts"] = int(d.timestamp())
        doc["date"] = d.isoformat()
    else:
        doc["ts"] = UNDATED_TS
        doc["date"] = None
    return doc


def _shown_text(post: Post) -> tuple[str, str, str] | None:
    """``(path, body, text)`` for the snippet text store (:func:`snippet_text.shown_text`)."""
    from newsterm.search.snippet_text import shown_text

    return shown_text(post)


def sha1_hex(data: bytes) -> str:
    """The SHA-1 of a post file (hashlib is imported only by a sync, not by a search)."""
    import hashlib

    return hashlib.sha1(data).hexdigest()


def _read_file(root: Path, rel: str) -> tuple[bytes, int, int]:
    """The bytes of a post file with its mtime (ns) and size; Unreadable if it cannot be read.

    The same checks as :meth:`Archive.read` (:mod:`newsterm.postfile`), without the YAML parser.
    """
    data, st = read_post_bytes(os.path.join(root, rel), os.path.realpath(root))
    return data, st.st_mtime_ns, st.st_size


_DELIMS = {"---": ("---", "..."), "+++": ("+++",)}


def _quick_body(root: Path, rel: str) -> str | None:
    """A post's body for a snippet: UTF-8 text after its front matter, without the YAML parser.

    None when that is not simple (another encoding, unclosed front matter): then the archive
    module reads the post properly.
    """
    try:
        data, _m, _s = _read_file(root, rel)
    except Unreadable:
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    stripped = text.lstrip("\n")
    first, _, rest = stripped.partition("\n")
    closers = _DELIMS.get(first.rstrip())
    if closers is None:
        return normalize(text)
    pos = 0
    while pos <= len(rest):
        end = rest.find("\n", pos)
        line = rest[pos:] if end < 0 else rest[pos:end]
        if line.rstrip() in closers:
            return normalize("" if end < 0 else rest[end + 1 :])
        if end < 0:
            return None
        pos = end + 1
    return None


def _looking_again(read: Callable[[], Any], looks: int = 3) -> Any:
    """``read()``, looked at again (50 ms apart, ``looks`` times in all) when it fails: another
    process's commit can remove a segment between the TOC that names it and its files. The last
    failure is raised (an index that fails every look is damaged)."""
    for _look in range(looks - 1):
        try:
            return read()
        except Exception:
            time.sleep(0.05)
    return read()


def _default_notice(message: str) -> None:
    print(f"newsterm: {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- the index


def index_usable(index_dir: Path) -> bool:
    """Whether ``index_dir`` holds a finished index made with this version's rules (its meta
    file and manifest), found without opening it (Whoosh): a served reader asks it at start
    and opens the server's index only for its first search."""
    if not store.index_present(Path(index_dir)):
        return False
    try:
        folder = store.current_dir(Path(index_dir))
        meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        isinstance(meta, dict)
        and meta.get("analyzer_version") == ANALYZER_VERSION
        and meta.get("schema_version") == SCHEMA_VERSION
        and meta.get("format_version", 1) == FORMAT_VERSION
        and meta.get("input_version", 1) == INPUT_VERSION
    )


def open_index(
    root: Path, index_dir: Path | None = None, *, notice: Notice | None = None
) -> SearchIndex:
    """The search index of the archive at ``root`` (opened lazily; nothing is written yet).

    ``notice`` receives one-line messages such as "the index is damaged; rebuilding it"
    (default: printed on stderr).
    """
    root = Path(root)
    if index_dir:
        idx = Path(index_dir)
    else:
        import_lean("platformdirs")  # before paths imports it whole (lazy_imports.STAND_INS)
        from newsterm import paths

        idx = paths.index_dir_for(root)
    idx = idx.expanduser()
    try:
        inside = idx.resolve().is_relative_to(root.resolve())
    except OSError:
        inside = False
    if inside:
        raise NewstermError(f"the index folder {idx} is inside the archive; choose another one")
    return SearchIndex(root, idx, notice or _default_notice)


class SearchIndex:
    """One archive's index. Thread-safe: searches and syncs may run in different threads."""

    def __init__(self, root: Path, index_dir: Path, notice: Notice) -> None:
        self.root = Path(root)
        self.index_dir = Path(index_dir)
        self.notice = notice
        self._ix: Any = None  # what searches use: the generation CURRENT names
        self._wix: Any = None  # what a sync writes: the same, or a new generation being built
        self.gen_dir = store.current_dir(self.index_dir)
        self._needs_rebuild = False  # damaged or incompatible: wipe and build
        self._searcher: Any = None
        self._lock = threading.RLock()
        self._archive: Archive | None = None
        self._procs = 1
        self._scanned_ns: int | None = None  # when the walk of the manifest's last sync began
        self._open()

    # ---- opening

    def _exists(self) -> bool:
        return (self.gen_dir / META_FILE).is_file() or any(self.gen_dir.glob("_MAIN_*.toc"))

    def _open(self, _again: bool = False) -> None:
        """Open the Whoosh index if there is a usable one; otherwise mark it for a rebuild."""
        self._close_searcher()
        self._ix = None
        self.gen_dir = store.current_dir(self.index_dir)
        if not self.gen_dir.is_dir() or not self._exists():
            return
        meta = self._read_meta()
        if meta is None:
            self._needs_rebuild = True  # a first build that never finished: no notice
            return
        if (
            meta.get("analyzer_version") != ANALYZER_VERSION
            or meta.get("schema_version") != SCHEMA_VERSION
            or meta.get("format_version", 1) != FORMAT_VERSION
        ):
            self._mark_rebuild("the search index was made by another version of newsterm")
            return
        if meta.get("input_version", 1) != INPUT_VERSION:
            self._mark_rebuild(
                "posts are now read with newer rules (dates, titles, sections) than the search "
                "index was made with"
            )
            return
        from whoosh import index as windex

        from newsterm.search.matchers import new_searcher

        def open_and_check() -> tuple[Any, Any]:
            ix = windex.open_dir(str(self.gen_dir))
            searcher = new_searcher(ix)  # reads every segment's tables: a health check
            searcher.doc_count()
            return ix, searcher

        try:
            ix, searcher = _looking_again(open_and_check)
        except Exception as err:
            if not _again and store.current_dir(self.index_dir) != self.gen_dir:
                self._open(_again=True)  # another process switched to a new generation meanwhile
                return
            self._mark_rebuild(f"the search index is damaged ({type(err).__name__})")
            return
        self._ix = ix
        self._searcher = searcher
        self._needs_rebuild = False

    def _mark_rebuild(self, why: str) -> None:
        if not self._needs_rebuild:
            self.notice(f"{why}; rebuilding it")
        self._needs_rebuild = True
        self._ix = None

    def _read_meta(self) -> dict[str, Any] | None:
        try:
            meta = json.loads((self.gen_dir / META_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return meta if isinstance(meta, dict) else None

    def _write_json(self, folder: Path, name: str, data: dict[str, Any]) -> None:
        path = folder / name
        tmp = path.with_name(f".{name}.{os.getpid()}.tmp")
        # json.dumps, not json.dump: dump streams through the pure-Python encoder (0.2 s for
        # the manifest of 20,000 posts, a third of a one-post sync); dumps uses the C one.
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)

    @property
    def archive(self) -> Archive:
        if self._archive is None:
            from newsterm.archive import Archive

            self._archive = Archive(self.root)
        return self._archive

    # ---- state

    def needs_build(self) -> bool:
        """True when there is no usable index yet (a sync will build it)."""
        # No manifest: the first build was interrupted before it finished (or never ran).
        return (
            self._ix is None
            or self._needs_rebuild
            or not (
                (self.gen_dir / store.MANIFEST_DB).is_file()
                or (self.gen_dir / MANIFEST_FILE).is_file()
            )
        )

    def is_gone(self) -> bool:
        """True when the index this object opened was deleted from under it (searches fail):
        a sync will build it again."""
        if self._ix is None:
            return False
        return not (self.gen_dir / META_FILE).is_file() and not store.index_present(self.index_dir)

    def update_running(self) -> bool:
        """True when another sync holds the writer lock right now (results may be partial)."""
        if not (self.index_dir / LOCK_NAME).exists():
            return False
        from whoosh.filedb.filestore import FileStorage

        try:
            lock = FileStorage(str(self.index_dir)).lock(LOCK_NAME)
            if lock.acquire(blocking=False):
                lock.release()
                return False
        except OSError:
            return False
        return True

    def folders_changed(self) -> int | None:
        """How many of the archive's folders changed since the index was last brought up to
        date (0: none), or None when that cannot be told cheaply (no manifest yet, or more
        than :data:`FOLDER_CHECK_LIMIT` folders). See :func:`folders_changed_since`."""
        path = self._manifest_path()
        try:
            since = path.stat().st_mtime_ns
        except OSError:
            return None
        known = store.Manifest(path.parent).tree() if path.name == store.MANIFEST_DB else None
        return folders_changed_since(self.root, since, known=known)

    def _manifest_path(self) -> Path:
        """The current generation's manifest file (the JSON one of an older index)."""
        folder = store.current_dir(self.index_dir)
        sqlite = folder / store.MANIFEST_DB
        return sqlite if sqlite.is_file() else folder / MANIFEST_FILE

    def checked_up_to_date(self, as_of_ns: int) -> None:
        """Record that a sync started at ``as_of_ns`` found the index up to date (a no-change
        sync writes nothing), so :meth:`folders_changed` counts from then."""
        manifest = self._manifest_path()
        with contextlib.suppress(OSError):
            if manifest.stat().st_mtime_ns < as_of_ns:
                os.utime(manifest, ns=(as_of_ns, as_of_ns))

    def merge_in_background(self) -> threading.Thread | None:
        """Merge the index's small segments into big ones in a daemon thread (the reader and
        the server call this after their syncs; one-shot commands never wait for it). A merge
        that is stopped, or killed with its process, leaves the index as it was
        (:mod:`newsterm.search.merge`); the thread, None when one is already running."""
        from newsterm.search.merge import merge_in_background

        return merge_in_background(self.index_dir)

    def doc_count(self) -> int:
        if self._ix is None:
            return 0
        try:
            return int(self._ix.doc_count())
        except Exception:
            return 0

    def close(self) -> None:
        with self._lock:
            self._close_searcher()

    def _close_searcher(self) -> None:
        if self._searcher is not None:
            with contextlib.suppress(Exception):
                self._searcher.close()
            self._searcher = None

    # ---- manifest

    def _load_manifest(
        self, scan: Scan
    ) -> tuple[dict[str, list[Any]], dict[str, FileStat] | None] | None:
        """The manifest's rows to compare with ``scan``, and the files of ``scan`` to compare
        them with, if it describes the written index's generation, else None.

        Only the folders that ``scan`` finds changed since the manifest's own walk (their
        digests differ, they came or went, or they hold a file modified just before it:
        store.RACY_NS) are looked at; in those, with the folder's listing kept by the last
        sync, only the files whose name, mtime or size differ from it (and those modified just
        before it), else every file of the folder. Every row (and None: every file) from a
        manifest without folder digests."""
        self._scanned_ns = None
        ix = self._wix
        if ix is None:
            return None
        try:
            generation = ix.latest_generation()
        except Exception:
            return None
        folder = Path(ix.storage.folder)
        manifest = store.Manifest(folder)
        if manifest.exists():
            info = manifest.info()
            if info.get("generation") != generation:
                return None
            scanned = info.get("scanned_ns")
            self._scanned_ns = scanned if isinstance(scanned, int) else None
            stored = manifest.folder_digests()
            if not stored:
                rows = manifest.load()
                return None if rows is None else (rows, None)
            current = scan.folder_digests()
            dirs = {d for d, h in current.items() if stored.get(d) != h}
            dirs.update(d for d in stored if d not in current)
            racy: set[str] = set()
            if self._scanned_ns is not None:
                racy.update(scan.modified_since(self._scanned_ns - store.RACY_NS))
                dirs.update(rel[: rel.rfind("/") + 1] for rel in racy)
            return _changed_rows(manifest, scan, dirs, racy)
        try:  # the JSON manifest of an index made before newsterm-manifest.sqlite3
            data = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
            return None
        if data.get("generation") != generation:
            return None
        files: dict[str, list[Any]] = data["files"]
        return files, None

    def _manifest_from_index(self) -> dict[str, list[Any]]:
        files: dict[str, list[Any]] = {}
        with self._wix.reader() as reader:
            for _docnum, stored in reader.iter_docs():
                info = stored.get("file") or (0, 0, "")
                files[stored["path"]] = [int(info[0]), int(info[1]), str(info[2]), None]
        return files

    # ---- syncing

    def _scan(self, archive: Archive) -> Scan:
        """One walk of the archive: every post file's ``(mtime_ns, size)`` and their digest."""
        return archive.walk()

    def _manifest_problems(self) -> list[Problem]:
        """The problems the manifest just saved holds (every folder's)."""
        from newsterm.models import Problem

        saved = store.Manifest(Path(self._wix.storage.folder)).problems()
        return [Problem(p, why) for p, why in saved]

    @staticmethod
    def _problems(files: dict[str, list[Any]]) -> list[Problem]:
        from newsterm.models import Problem

        return [Problem(p, why) for p, why in sorted((p, v[3]) for p, v in files.items() if v[3])]

    def sync(
        self,
        archive: Archive | None = None,
        progress: Callable[[int, int], None] | None = None,
        *,
        rebuild: bool = False,
        procs: int = 1,
        scan: Scan | None = None,
    ) -> SyncResult:
        """Bring the index up to date with the archive's files.

        A sync that finds nothing changed takes no lock and writes nothing. ``rebuild=True``
        throws the index away and indexes every post anew. An index built from nothing is
        committed in batches; a killed build keeps what it committed and the next sync goes on
        from there.
        ``procs > 1`` lets a full build use Whoosh's multi-process writer (it forks: only for
        command-line use, not from a threaded program). Raises IndexBusyError when another
        process is updating the index. ``scan``: a walk of the archive just made (by a caller
        that has already looked whether anything changed), so that it is not walked twice.
        """
        self._procs = max(1, int(procs))
        archive = archive if archive is not None else self.archive
        if rebuild:
            scan = None
        if not rebuild and not self.needs_build():
            scan = scan if scan is not None else self._scan(archive)
            found = store.quick_check(self.index_dir, scan)
            if found is not None:
                from newsterm.models import Problem

                return SyncResult(
                    unchanged=scan.count - len(found),
                    problems=len(found),
                    problem_list=[Problem(p, r) for p, r in found],
                )
        from whoosh.filedb.filestore import FileStorage

        try:
            self.index_dir.mkdir(parents=True, exist_ok=True)
            lock = FileStorage(str(self.index_dir)).lock(LOCK_NAME)
            deadline = time.monotonic() + LOCK_WAIT
            while not lock.acquire(blocking=False):
                if time.monotonic() >= deadline:
                    raise IndexBusyError("an index update is already running; try again later")
                time.sleep(0.05)
                scan = None  # files may have changed while we waited: look again
            try:
                return self._sync_locked(archive, progress, rebuild, scan)
            finally:
                lock.release()
        except OSError as err:
            reason = err.strerror or type(err).__name__
            raise NewstermError(
                f"cannot write the search index in {self.index_dir}: {reason}"
            ) from None
        except BuildFailed as err:
            raise NewstermError(
                f"cannot write the search index in {self.index_dir}: {err}"
            ) from None

    def _create(self) -> Path:
        """An empty index in a new generation folder, to be written (``self._wix``).

        With a usable index already there, searches go on using it until :meth:`_switch`;
        without one (a first build, a repair), the new generation is made current at once,
        so that a stopped first build keeps the batches it committed.
        """
        from whoosh import index as windex

        keep_current = self._ix is not None and not self._needs_rebuild
        store.drop_other_generations(self.index_dir)  # what killed builds left behind
        folder = store.new_generation(self.index_dir)
        self._wix = windex.create_in(str(folder), _schema())
        self._write_json(
            folder,
            META_FILE,
            {
                "analyzer_version": ANALYZER_VERSION,
                "schema_version": SCHEMA_VERSION,
                "format_version": FORMAT_VERSION,
                "input_version": INPUT_VERSION,
            },
        )
        if not keep_current:
            self._close_searcher()
            store.switch_to(self.index_dir, folder)
            store.drop_other_generations(self.index_dir)
            self.gen_dir = folder
            self._ix = self._wix
            self._needs_rebuild = False
        return folder

    def _switch(self) -> None:
        """Searches use the generation just written (after its manifest is saved)."""
        folder = Path(self._wix.storage.folder)
        if folder != self.gen_dir:
            store.switch_to(self.index_dir, folder)
            store.drop_other_generations(self.index_dir)
            with self._lock:
                self._close_searcher()
                self.gen_dir = folder
                self._ix = self._wix
                self._needs_rebuild = False

    def _sync_locked(
        self,
        archive: Archive,
        progress: Callable[[int, int], None] | None,
        rebuild: bool,
        scan: Scan | None = None,
    ) -> SyncResult:
        """The sync under the writer lock; ``scan`` is the archive's files as :meth:`_scan`
        just found them (None: scan now)."""
        result = SyncResult()
        # Someone else may have rebuilt or removed the index before we had the lock. (New
        # segments need no reopening: a Whoosh writer starts from the newest table of contents.)
        with self._lock:
            if (
                self._ix is None
                or store.current_dir(self.index_dir) != self.gen_dir
                or not (self.gen_dir / META_FILE).is_file()
            ):
                self._open()
        self._wix = self._ix
        if self._ix is not None:
            store.drop_other_generations(self.index_dir)  # what a killed rebuild left behind
        new_folder: Path | None = None
        if scan is None or rebuild:
            _phase(progress, LOOKING)
            scan = self._scan(archive)
        part: dict[str, FileStat] | None = None  # the files whose rows were loaded (None: all)
        if self._ix is None or rebuild:
            # --rebuild builds the index anew, like a first build (in batches), into a new
            # generation: searches keep the previous one until it is done.
            with self._lock:
                new_folder = self._create()
            files: dict[str, list[Any]] = {}
            result.rebuilt = True
        else:
            loaded = self._load_manifest(scan)
            if loaded is None:
                try:
                    files = self._manifest_from_index()
                except Exception:
                    with self._lock:
                        new_folder = self._create()
                    files = {}
                    result.rebuilt = True
            else:
                files, part = loaded
        # (imported here: it loads `signal`, which a one-shot search that updates nothing skips)
        from newsterm.children import TiedChildren

        try:
            with TiedChildren() as tied:
                self._update(archive, progress, scan, files, part, result, tied)
        except BaseException as err:
            if new_folder is not None and (
                new_folder != self.gen_dir or isinstance(err, (OSError, BuildFailed))
            ):
                # A build that failed (a full disk) or was stopped leaves no partial files: the
                # previous index stays in use. (A first build stopped by Ctrl+C is kept: the
                # next sync goes on from its batches.)
                self._discard(new_folder)
            raise
        self._switch()
        return result

    def _discard(self, folder: Path) -> None:
        import shutil

        with self._lock:
            if folder == self.gen_dir:
                self._close_searcher()
                self._ix = None
                with contextlib.suppress(OSError):
                    (self.index_dir / store.CURRENT).unlink()
                self.gen_dir = store.current_dir(self.index_dir)
            self._wix = self._ix
        shutil.rmtree(folder, ignore_errors=True)

    def _update(
        self,
        archive: Archive,
        progress: Callable[[int, int], None] | None,
        scan: Scan,
        files: dict[str, list[Any]],
        part: dict[str, FileStat] | None,
        result: SyncResult,
        tied: TiedChildren,
    ) -> None:
        """Index what changed into ``self._wix`` and save the manifest and catalog rows.

        ``files``: the manifest's rows of the files ``part`` (``path -> (mtime_ns, size)``
        as ``scan`` found them; every file when None) and of the files of those that went."""
        from newsterm.archive import PostError, parse_post
        from newsterm.catalog import WRITE_BATCH, Catalog
        from newsterm.models import PostInfo

        full = not files and self._wix.doc_count() == 0
        batch_limit = BATCH_BYTES * _pool_mb() // LIMIT_MB

        stats = scan.files() if part is None else part
        removed = [p for p in files if p not in stats]
        # Files modified just before the last sync's walk: their mtime may not show a change
        # made since (store.RACY_NS). None known (a manifest from before): no such files.
        racy_after = (
            self._scanned_ns - store.RACY_NS if self._scanned_ns is not None and files else 2**63
        )
        by_hash: dict[str, str] = {}
        for p in removed:
            v = files[p]
            if not v[3] and v[2]:
                by_hash.setdefault(v[2], p)
        todo = [
            rel
            for rel, (m, s) in stats.items()
            if (known := files.get(rel)) is None
            or known[0] != m
            or known[1] != s
            or (m >= racy_after and self._changed_within_tick(archive, rel, known))
        ]
        total = len(todo)
        writer = None
        build: Build | None = None
        stage = LOOKING
        if full:
            from newsterm.search.builder import Build

            procs = self._procs if total >= MP_THRESHOLD else 1

            def writing_here() -> None:  # a batch is written by this process: say so
                nonlocal stage
                stage = WRITING
                _phase(progress, stage)

            build = Build(self._wix, procs, max(1, batch_limit), on_write=writing_here, tied=tied)
        gone_by_rename: set[str] = set()
        changed: list[str] = []
        # The reader's list (newsterm.catalog) learns every post parsed here: after
        # `newsterm index` the reader's first start reads no post.
        catalog = Catalog.beside(self.index_dir, self.root)
        listed: list[tuple[str, tuple[int, int], PostInfo | None, str | None]] = []
        # Each post's text as the reader shows it, for search snippets (snippet_text)
        texts = SnippetTexts(self.index_dir)
        shown: list[tuple[str, str, str]] = []
        if full:
            texts.store((), fresh=True)

        def count(n: int) -> int:
            """What the progress count says after ``n`` posts read: in a build by worker
            processes, the posts indexed (read posts that need no indexing count at once)."""
            if build is None or build.pool is None:
                return n
            return n - build.handed + build.indexed()

        def get_writer() -> Any:
            nonlocal writer
            if writer is None:
                writer = self._writer()
            return writer

        try:
            for n, rel in enumerate(todo, 1):
                if stage != READING:
                    stage = READING
                    _phase(progress, stage)
                old = files.get(rel)
                changed.append(rel)
                try:
                    data, mtime_ns, size = _read_file(archive.root, rel)
                except Unreadable as err:
                    if old is not None and not old[3]:
                        get_writer().delete_by_term("path", rel)
                    files[rel] = [*stats[rel], "", str(err)]
                    listed.append((rel, stats[rel], None, str(err)))
                    if progress:
                        progress(count(n), total)
                    continue
                sha1 = sha1_hex(data)
                if old is not None and old[2] == sha1 and not old[3]:
                    files[rel] = [mtime_ns, size, sha1, None]  # touched, not changed
                    if progress:
                        progress(count(n), total)
                    continue
                try:
                    post = parse_post(
                        rel, data, mtime=mtime_ns / 1e9, size=size, site_zone=archive.site_zone(rel)
                    )
                except PostError as err:
                    if old is not None and not old[3]:
                        get_writer().delete_by_term("path", rel)
                    files[rel] = [mtime_ns, size, sha1, str(err)]
                    listed.append((rel, stats[rel], None, str(err)))
                    if progress:
                        progress(count(n), total)
                    continue
                listed.append((rel, stats[rel], PostInfo.of(post), None))
                if (text := _shown_text(post)) is not None:
                    shown.append(text)
                if len(listed) >= WRITE_BATCH:
                    catalog.store(listed)
                    listed = []
                    texts.store(shown)
                    shown = []
                doc = _doc(post, mtime_ns, size, sha1)
                if build is None:
                    get_writer().update_document(**doc)
                if old is None:
                    src = by_hash.pop(sha1, None) if old is None else None
                    if src is not None:
                        gone_by_rename.add(src)
                        result.renamed += 1
                    else:
                        result.added += 1
                elif old[3]:
                    result.added += 1  # was a problem, now readable
                else:
                    result.updated += 1
                files[rel] = [mtime_ns, size, sha1, None]
                if build is None:
                    if progress:
                        progress(n, total)
                elif build.pool is None:  # one process: a batch is written when it is full
                    if progress:
                        progress(n, total)  # (before: the post is read)
                    build.add(doc, size)
                else:
                    # An empty index is built in batches that each fit in memory, a segment
                    # each, written by worker processes while this one reads on: the count is
                    # of posts indexed, not read (the workers are the slower part).
                    build.add(doc, size)
                    if progress:
                        progress(count(n), total)
            for p in removed:
                was_indexed = not files[p][3]
                del files[p]
                if was_indexed:
                    get_writer().delete_by_term("path", p)
                    if p not in gone_by_rename:
                        result.removed += 1
            if build is not None:
                if build.pool is not None and progress:
                    # the workers go on indexing what was read: their count goes on too
                    skipped = total - build.handed
                    written: list[bool] = []

                    def indexed() -> None:
                        done = skipped + build.indexed()
                        progress(done, total)
                        if done >= total and not written:
                            written.append(True)
                            _phase(progress, WRITING)  # the last term tables

                    build.finish(indexed)
                    if not written:  # (workers done before finish() looked: it never called)
                        indexed()
                else:
                    _phase(progress, WRITING)  # the last batch
                    build.finish()
            if writer is not None:
                # Never Whoosh's default merge policy: with the segments of a batched build it
                # decides to rewrite nearly the whole index in one process.
                _phase(progress, WRITING)
                w, writer = writer, None
                w.commit(mergetype=merge_small_segments)
        except BaseException:
            if build is not None:
                build.close()  # ends the workers
            if writer is not None:
                with contextlib.suppress(Exception):
                    writer.cancel()
            raise
        self._save_manifest(files, None if result.rebuilt else changed, removed, scan)
        catalog.store(listed, removed, complete=True if full else None)
        texts.store(shown, removed, filled=full)
        problems = self._problems(files) if part is None else self._manifest_problems()
        result.problems = len(problems)
        result.problem_list = problems
        result.unchanged = scan.count - len(problems) - result.added - result.updated
        result.unchanged -= result.renamed

    @staticmethod
    def _changed_within_tick(archive: Archive, rel: str, known: list[Any]) -> bool:
        """Whether a file modified just before the last sync's walk (its mtime may not show a
        change made since, see store.RACY_NS) holds other bytes than the manifest's hash."""
        if known[3] or not known[2]:
            return True  # a problem then: look again
        try:
            data, _m, _s = _read_file(archive.root, rel)
        except Unreadable:
            return True
        hashed: str = known[2]
        return sha1_hex(data) != hashed

    def _writer(self) -> Any:
        """Whoosh's writer, for the updates of a sync (a build from nothing is written by
        :class:`~newsterm.search.builder.Build`)."""
        from whoosh.writing import LockError

        codec = NewstermCodec()
        try:
            return self._wix.writer(
                limitmb=_pool_mb(), timeout=LOCK_WAIT, delay=0.05, codec=codec, compound=False
            )
        except LockError:
            raise IndexBusyError("an index update is already running; try again later") from None

    def _save_manifest(
        self,
        files: dict[str, list[Any]],
        changed: list[str] | None,
        removed: list[str],
        scan: Scan,
    ) -> None:
        folder = Path(self._wix.storage.folder)
        store.Manifest(folder).save(
            files,
            self._wix.latest_generation(),
            _versions(),
            changed=changed,
            removed=removed,
            scan=scan,
        )
        with contextlib.suppress(OSError):  # the JSON manifest of an older newsterm
            (folder / MANIFEST_FILE).unlink()

    # ---- searching

    def _get_searcher(self) -> Any:
        """The current searcher, reopened (never refreshed) when the index has changed."""
        if self._ix is not None and store.current_dir(self.index_dir) != self.gen_dir:
            self._open()  # another process switched to a new generation
        if self._ix is None:
            if self._needs_rebuild:
                return None
            self._open()
            if self._ix is None:
                return None
        s = self._searcher
        if s is not None:
            try:
                if s.up_to_date():
                    return s
            except Exception:
                pass
            self._close_searcher()
        from newsterm.search.matchers import new_searcher

        ix = self._ix
        try:
            self._searcher = _looking_again(lambda: new_searcher(ix))
        except Exception as err:
            raise IndexDamagedError(
                f"the search index cannot be read ({type(err).__name__})"
            ) from None
        return self._searcher

    def search(
        self,
        query: str,
        limit: int = 20,
        sort: str = "relevance",
        paths: list[str] | None = None,
    ) -> SearchResults:
        """Posts matching ``query`` (QueryError if it cannot be understood), best first."""
        from whoosh import query as wq

        from newsterm.search.query import is_negative, parse, to_whoosh

        node = parse(query)
        q = to_whoosh(node)
        if is_negative(node):
            q = wq.And([wq.Every(), q])
        limit = max(1, int(limit))
        with self._lock:
            s = self._get_searcher()
            if s is None:
                return SearchResults([], 0)
            try:
                flt = None
                if paths is not None:
                    flt = self._docnums(s, paths)
                    if not flt:
                        return SearchResults([], 0)
                # optimize=False: score every match, so the total comes with the top hits
                # instead of a second run of the query.
                if sort == "date":
                    # Newest first; the sort key holds the score too (negated, Whoosh's
                    # ScoreFacet), so a hit reports its score, not its date as a number.
                    from whoosh import sorting

                    facets = [sorting.FieldFacet("ts", reverse=True), sorting.ScoreFacet()]
                    collector = s.collector(
                        limit=limit, filter=flt, optimize=False, sortedby=facets
                    )
                else:
                    from newsterm.search.matchers import NewestFirstTop

                    collector = NewestFirstTop(limit, usequality=False, replace=0)
                    if flt is not None:
                        from whoosh.collectors import FilterCollector

                        collector = FilterCollector(collector, flt)
                s.search_with_collector(q, collector)
                results = collector.results()
                total = len(results)
                if sort == "date":
                    found = [(r.fields(), -(r.score[1] or 0.0)) for r in results]
                else:
                    found = [(r.fields(), r.score or 0.0) for r in results]
            except NewstermError:
                raise
            except Exception as err:
                raise IndexDamagedError(
                    f"the search index cannot be read ({type(err).__name__}); "
                    "run 'newsterm index --rebuild'"
                ) from err
        return SearchResults(self._hits(found, query), total)

    def matching_paths(self, query: str, paths: list[str] | None = None) -> list[str]:
        """The path of every post matching ``query`` (within ``paths`` when given), unranked:
        what the reader's facet counts count when a search has more results than it shows."""
        from whoosh import query as wq

        from newsterm.search.query import is_negative, parse, to_whoosh

        node = parse(query)
        q = to_whoosh(node)
        if is_negative(node):
            q = wq.And([wq.Every(), q])
        with self._lock:
            s = self._get_searcher()
            if s is None:
                return []
            try:
                flt = self._docnums(s, paths) if paths is not None else None
                found = q.docs(s)
                docnums = [n for n in found if flt is None or n in flt]
                reader = s.reader()
                return [reader.stored_fields(n)["path"] for n in docnums]
            except NewstermError:
                raise
            except Exception as err:
                raise IndexDamagedError(
                    f"the search index cannot be read ({type(err).__name__}); "
                    "run 'newsterm index --rebuild'"
                ) from err

    def _docnums(self, searcher: Any, paths: list[str]) -> set[int]:
        cache = searcher.docnums_by_path
        if cache is None and len(paths) < 500:
            found = (searcher.document_number(path=p) for p in paths)
            return {n for n in found if n is not None}
        if cache is None:
            cache = {}
            reader = searcher.reader()
            for docnum in reader.all_doc_ids():
                stored = reader.stored_fields(docnum)
                cache[stored["path"]] = docnum
            searcher.docnums_by_path = cache
        return {cache[p] for p in paths if p in cache}

    def _hits(self, found: list[tuple[dict[str, Any], float]], query: str | None) -> list[Hit]:
        """The hits with their snippets: texts kept beside the index are looked up in one go
        (no Markdown parser, not even its import, for those)."""
        bodies: dict[str, str] = {}
        for stored, _score in found:
            body = self._snippet_body(stored["path"])
            if body is not None:
                bodies[stored["path"]] = body
        texts = SnippetTexts(self.index_dir).lookup(bodies)
        hits = []
        for stored, score in found:
            hit = self._bare_hit(stored, score)
            body = bodies.get(hit.path)
            if body is not None:
                hit.snippet, hit.spans = make_snippet(body, query or "", text=texts.get(hit.path))
            _lede_snippet(hit, stored, query)
            hits.append(hit)
        return hits

    def _snippet_body(self, path: str) -> str | None:
        """The body of post ``path`` as a snippet reads it, or None when it cannot be read."""
        body = _quick_body(self.root, path)
        if body is None:
            from newsterm.archive import PostError

            try:
                body = self.archive.read(path).body
            except (PostError, NewstermError):
                return None
        return strip_controls(body)

    def _hit(self, stored: dict[str, Any], score: float, query: str | None) -> Hit:
        """A hit with its snippet (the start of the post when ``query`` is None)."""
        hit = self._bare_hit(stored, score)
        body = self._snippet_body(hit.path)
        if body is not None:
            hit.snippet, hit.spans = make_snippet(body, query or "")
        _lede_snippet(hit, stored, query)
        return hit

    @staticmethod
    def _bare_hit(stored: dict[str, Any], score: float) -> Hit:
        date = None
        if stored.get("date"):
            with contextlib.suppress(ValueError, TypeError):
                date = datetime.fromisoformat(stored["date"])
        hit = Hit(
            path=stored["path"],
            title=stored.get("title") or stored["path"],
            date=date,
            categories=_split(stored.get("categories")),
            tags=_split(stored.get("tags")),
            score=float(score),
        )
        return hit

    def more_like_this(self, path: str, limit: int = 10) -> SearchResults:
        """Posts whose words are most like those of ``path`` (not including it)."""
        with self._lock:
            s = self._get_searcher()
            if s is None:
                return SearchResults([], 0)
            docnum = s.document_number(path=path)
            if docnum is None:
                return SearchResults([], 0)
            from newsterm.archive import PostError

            try:
                post = self.archive.read(path)
            except (PostError, NewstermError):
                return SearchResults([], 0)
            text = f"{post.title}\n{post.lede}\n{post.body}"
            try:
                results = s.more_like(docnum, "body", text=text, top=max(1, limit), numterms=30)
                found = [(r.fields(), r.score or 0.0) for r in results]
            except Exception as err:
                raise IndexDamagedError(
                    f"the search index cannot be read ({type(err).__name__})"
                ) from err
        hits = [self._hit(stored, score, None) for stored, score in found if stored["path"] != path]
        return SearchResults(hits, len(hits))


def _lede_snippet(hit: Hit, stored: dict[str, Any], query: str | None) -> None:
    """The post's lede as the snippet of ``hit`` when the body's shows no match (the words
    were in the title, the tags or the lede itself) or there is no query (a related post): it
    says what the post is about better than the first lines of its body."""
    lede = stored.get("lede")
    if lede and not hit.spans:
        lede = one_line(str(lede))  # (text from the index, not from a post: made safe again)
        hit.snippet, hit.spans = make_snippet(lede, query or "", text=lede)


def _changed_rows(
    manifest: store.Manifest, scan: Scan, dirs: set[str], racy: set[str]
) -> tuple[dict[str, list[Any]], dict[str, FileStat]] | None:
    """The manifest's rows and ``scan``'s files to compare, in the changed folders ``dirs``
    (:meth:`SearchIndex._load_manifest`); ``racy``: files modified just before the last walk
    (looked at whatever their listing says). None when the manifest cannot be read."""
    kept = manifest.listings(dirs)
    now = {f[0]: f for f in scan.folders if f[0] in dirs}
    whole = dirs - kept.keys()  # no listing kept: every row of the folder
    rows = manifest.load_folders(whole) if whole else {}
    if rows is None:
        return None
    stats = scan.files_in(whole) if whole else {}
    racy_in: dict[str, list[str]] = {}
    for rel in racy:
        cut = rel.rfind("/") + 1
        racy_in.setdefault(rel[:cut], []).append(rel[cut:])
    wanted: list[str] = []
    for rel_dir, (old_names, old_mtimes, old_sizes) in kept.items():
        _d, names, mtimes, sizes = now.get(rel_dir) or (rel_dir, [], [], [])
        # Sets of (name, mtime, size): the comparison runs in C, not a Python step per file.
        differ = set(zip(names, mtimes, sizes, strict=True)).difference(
            zip(old_names, old_mtimes, old_sizes, strict=True)
        )
        for name, m, size in differ:
            stats[rel_dir + name] = (m, size)
        wanted.extend(rel_dir + name for name in set(old_names).difference(names))
        if ours := racy_in.get(rel_dir):
            at = {name: i for i, name in enumerate(names)}
            for name in ours:
                if (i := at.get(name)) is not None:
                    stats[rel_dir + name] = (mtimes[i], sizes[i])
    wanted.extend(p for p in stats if p not in rows)
    more = manifest.load_paths(wanted) if wanted else {}
    if more is None:
        return None
    rows.update(more)
    return rows, dict(sorted(stats.items()))


def _pool_mb() -> int:
    """The writer's postings budget: LIMIT_MB, less under an address-space limit (an SSH
    search child runs with one), so a build there batches smaller instead of failing."""
    try:
        import resource

        soft, _hard = resource.getrlimit(resource.RLIMIT_AS)
    except (ImportError, OSError, ValueError):
        return LIMIT_MB
    if soft == resource.RLIM_INFINITY or soft <= 0:
        return LIMIT_MB
    return max(16, min(LIMIT_MB, soft // (1024 * 1024) // 5))


TINY_SEGMENT = 200
"""Segments with at most this many posts (left by small updates) get merged together."""
TINY_SEGMENTS_TO_MERGE = 4


def merge_small_segments(writer: Any, segments: list[Any]) -> list[Any]:
    """Merge policy: fold the small segments that updates leave behind into one, once there
    are a few of them; never touch the big segments of a build (Whoosh's MERGE_SMALL would
    rewrite almost all of them in one go)."""
    from whoosh.reading import SegmentReader

    live = [s for s in segments if s.doc_count() > 0]  # a segment of deleted posts goes
    tiny = [s for s in live if s.doc_count_all() <= TINY_SEGMENT]
    if len(tiny) < TINY_SEGMENTS_TO_MERGE:
        return live
    for seg in tiny:
        reader = SegmentReader(writer.storage, writer.schema, seg)
        writer.add_reader(reader)
        reader.close()
    return [s for s in live if s.doc_count_all() > TINY_SEGMENT]


MP_THRESHOLD = 500
"""A full build of at least this many posts may use Whoosh's multi-process writer."""


LOOKING = "looking for changes"
READING = "reading and indexing posts"
WRITING = "writing the index"
"""The phases of a sync, as a progress callback's ``phase`` method hears them: the stat walk
(no count yet), then each post read (``progress(done, total)``; in a multi-process build
the workers index them meanwhile), then the commit, which waits for the workers and merges
segments (no count: it may take as long as the reading did)."""


def _phase(progress: object, name: str) -> None:
    """Tell ``progress`` (a callable, optionally with a ``phase(name)`` method) the phase."""
    phase = getattr(progress, "phase", None)
    if phase is not None:
        phase(name)


FOLDER_CHECK_LIMIT = 5000
"""Most folders :func:`folders_changed_since` looks at (a stat each) before giving up."""


def folders_changed_since(
    root: Path,
    since_ns: int,
    limit: int = FOLDER_CHECK_LIMIT,
    known: tuple[dict[str, Any], int] | None = None,
) -> int | None:
    """How many folders under ``root`` (itself included; hidden folders and links skipped, as
    the archive skips or follows them) were modified after ``since_ns``; None past ``limit``.

    Adding, removing or renaming a post changes its folder's modification time, and so do
    editors that save by writing a new file and renaming it over the old one; a file edited in
    place does not (``newsterm index``, the reader and the server find those). Costs a stat per
    folder, never a stat of a post file (``benchmarks/bench_stale_check.py``), and a
    ``scandir`` only of folders that hold folders (a folder's link count tells, on the usual
    Linux file systems) and whose subfolders are not ``known``.

    ``known``: the last saving sync's walk (:meth:`newsterm.search.store.Manifest.tree`): a
    folder whose mtime is the one that walk saw holds the same folders (making, removing or
    renaming one changes it), unless it was modified within a clock tick of that walk. A folder
    of 14,000 posts and 15 year folders took 12 ms to list, of a 110 ms one-shot search."""
    tree, scanned = known if known is not None else ({}, 0)
    changed = 0
    seen = 0
    todo = [(os.fspath(root), "")]
    while todo:
        folder, rel = todo.pop()
        seen += 1
        if seen > limit:
            return None
        try:
            st = os.stat(folder)
            if st.st_mtime_ns > since_ns:
                changed += 1
            subs = _known_subfolders(tree.get(rel), st.st_mtime_ns, scanned)
            if subs is not None:
                todo.extend((os.path.join(folder, name), f"{rel}{name}/") for name in subs)
                continue
            if st.st_nlink == 2:
                continue  # no folder inside (where folders count their subfolders as links)
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.name.startswith("."):
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        todo.append((entry.path, f"{rel}{entry.name}/"))
        except OSError:
            continue
    return changed


#: How long before a walk a folder's mtime must be for the walk's listing of it to be trusted,
#: on a file system whose times have fractions of a second (the kernel's clock for file times
#: ticks in at most 10 ms, exFAT's in 10 ms: a folder made after the walk listed this one
#: gets a later time); on one with whole seconds (FAT: 2 s), ``store.RACY_NS``.
FINE_RACY_NS = 20_000_000


def _known_subfolders(kept: Any, mtime_ns: int, scanned_ns: int) -> list[str] | None:
    """The subfolder names a walk that began at ``scanned_ns`` saw in a folder, if the folder
    is still as it saw it: the same mtime, and one from before the walk by more than a tick of
    the file system's clock (a folder made in the same tick would not change it)."""
    if not isinstance(kept, list) or len(kept) != 2:
        return None
    seen_mtime, names = kept
    if seen_mtime != mtime_ns or not isinstance(seen_mtime, int):
        return None
    racy = FINE_RACY_NS if seen_mtime % 1_000_000_000 else store.RACY_NS
    if seen_mtime >= scanned_ns - racy:
        return None
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        return None
    return names


def _split(value: str | None) -> list[str]:
    if not value:
        return []
    return [v for v in (x.strip() for x in value.split(",")) if v]
