"""Where an index lives on disk: generation folders, the ``CURRENT`` pointer and the manifest.

An archive's index folder (``paths.index_dir_for``) holds::

    SYNCLOCK                  one writer at a time (a Whoosh file lock)
    CURRENT                   the name of the generation searches use, e.g. ``gen-000002``
    gen-000002/               Whoosh's files, newsterm-meta.json, newsterm-manifest.sqlite3
    catalog.sqlite3           the reader's list (newsterm.catalog): not the index's

A build from nothing of an archive that already has a usable index goes into a new generation
folder and ``CURRENT`` is switched to it (an atomic rename) only when it has committed: a build
that is killed, or fails on a full disk, leaves the previous index searchable, and its folder is
removed. Without any usable index (the first build), the new generation is made current at once,
so a first build that is stopped keeps what it committed and the next sync goes on from there.
An index folder from before generations (Whoosh's files directly in it, no ``CURRENT``) is used
as it is until its next rebuild.

The manifest (:class:`Manifest`, ``newsterm-manifest.sqlite3`` in the generation folder) has one
row per post file -- ``path, mtime_ns, size, sha1, problem`` --, the digest of each folder's
files as the last sync's walk found them (``folders``: a sync reads the rows of the folders whose
digest changed, not all of them), and, in ``info``, the Whoosh
generation it describes, the index's versions, the digest of every ``(path, mtime_ns, size)``
that the sync's walk found (``scan_digest``, :attr:`newsterm.walk.Scan.digest`) and when that
walk began (``scanned_ns``). :func:`quick_check` finds that nothing changed with a stat walk,
its digest and one read of ``info``: no manifest rows, no JSON, no YAML, no Whoosh. Only what
changed is written after a sync (one transaction, after Whoosh has committed); a manifest whose
generation is not the index's (a sync killed between the two commits) is not used.

This module imports neither Whoosh nor the YAML parser.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from newsterm.input_version import INPUT_VERSION

TYPE_CHECKING = False  # a one-shot search imports this module: sqlite3 only when it is used
if TYPE_CHECKING:
    import sqlite3
    from typing import Any

    from newsterm.walk import Scan

__all__ = [
    "BEING_BUILT",
    "CURRENT",
    "INDEX_VERSIONS",
    "MANIFEST_DB",
    "RACY_NS",
    "Manifest",
    "current_dir",
    "drop_other_generations",
    "index_present",
    "new_generation",
    "quick_check",
    "switch_to",
    "toc_generation",
]

INDEX_VERSIONS = f"1.3.3.{INPUT_VERSION}"
"""``ANALYZER_VERSION.SCHEMA_VERSION.FORMAT_VERSION.INPUT_VERSION`` of the code (analysis, index,
codec, input_version; a test keeps them equal): a manifest written by other versions is not
trusted by :func:`quick_check`."""
CURRENT = "CURRENT"
BEING_BUILT = "index is being built, try again shortly"
"""What a search that may not build the index says without one (the SSH server's searches)."""
META_FILE = "newsterm-meta.json"
MANIFEST_DB = "newsterm-manifest.sqlite3"
LEGACY_MANIFEST = "newsterm-manifest.json"
RACY_NS = 2_000_000_000
"""A file modified less than this before a walk began may be modified again without its mtime
changing (file systems keep coarse timestamps: a tick of a few milliseconds, 2 s on FAT): its
``(mtime_ns, size)`` do not prove it unchanged, so its content is hashed again (git's "racy
clean" files), by :func:`quick_check` and by a sync."""
RACY_CHECKED = 64
"""Most such files :func:`quick_check` hashes itself; past that it leaves them to a sync."""
_GEN = re.compile(r"gen-\d{6}")
_LEGACY = ("MAIN_", "_MAIN_", "newsterm-")  # Whoosh's segment, TOC and lock files, and ours

_SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,
    mtime_ns INTEGER NOT NULL,
    size INTEGER NOT NULL,
    sha1 TEXT NOT NULL DEFAULT '',
    problem TEXT
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS files_problems ON files (path) WHERE problem IS NOT NULL;
CREATE TABLE IF NOT EXISTS info (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS folders (dir TEXT PRIMARY KEY, digest TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS listings (dir TEXT PRIMARY KEY, digest TEXT, names BLOB, stats BLOB);
"""

FolderListing = tuple[list[str], list[int], list[int]]
"""A folder's post files as a walk found them: ``(names, mtimes_ns, sizes)`` (the folder's
own order)."""


def pack_listing(names: list[str], mtimes: list[int], sizes: list[int]) -> tuple[bytes, bytes]:
    """A folder's listing as two blobs: its names (NUL-separated) and its mtimes then sizes
    (64-bit integers), a few bytes a file and no object per file."""
    from array import array

    return (
        "\0".join(names).encode("utf-8", "surrogatepass"),
        array("q", mtimes).tobytes() + array("q", sizes).tobytes(),
    )


def unpack_listing(names: bytes, stats: bytes) -> FolderListing | None:
    """What :func:`pack_listing` packed; None when the blobs do not agree (a damaged row)."""
    from array import array

    if not names:
        return None
    listed = names.decode("utf-8", "surrogatepass").split("\0")
    numbers = array("q")
    try:
        numbers.frombytes(stats)
    except ValueError:
        return None
    if len(numbers) != 2 * len(listed):
        return None
    values = numbers.tolist()
    return listed, values[: len(listed)], values[len(listed) :]


# --------------------------------------------------------------------------- generations


def current_dir(index_dir: Path) -> Path:
    """The folder searches use: the generation ``CURRENT`` names, else the index folder itself
    (an index made before generations, or none yet)."""
    try:
        name = (index_dir / CURRENT).read_text(encoding="ascii").strip()
    except (OSError, ValueError):
        return index_dir
    if _GEN.fullmatch(name) and (index_dir / name).is_dir():
        return index_dir / name
    return index_dir


def _generations(index_dir: Path) -> list[Path]:
    try:
        return sorted(p for p in index_dir.iterdir() if _GEN.fullmatch(p.name) and p.is_dir())
    except OSError:
        return []


def new_generation(index_dir: Path) -> Path:
    """A new, empty generation folder (numbered after every existing one)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    gens = _generations(index_dir)
    number = int(gens[-1].name[4:]) + 1 if gens else 1
    while True:
        folder = index_dir / f"gen-{number:06d}"
        try:
            folder.mkdir()
            return folder
        except FileExistsError:
            number += 1


def switch_to(index_dir: Path, folder: Path) -> None:
    """Make ``folder`` the generation searches use (an atomic rename of ``CURRENT``)."""
    tmp = index_dir / f".{CURRENT}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="ascii") as f:
        f.write(folder.name + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, index_dir / CURRENT)


def drop_other_generations(index_dir: Path) -> None:
    """Remove every generation but the current one, and the files of an index made before
    generations (the caller holds the writer lock). Open readers keep the files they opened."""
    import shutil

    keep = current_dir(index_dir)
    for folder in _generations(index_dir):
        if folder != keep:
            shutil.rmtree(folder, ignore_errors=True)
    if keep != index_dir:
        with contextlib.suppress(OSError):
            for entry in index_dir.iterdir():
                if entry.name.startswith(_LEGACY) and entry.is_file():
                    with contextlib.suppress(OSError):
                        entry.unlink()


def index_present(index_dir: Path) -> bool:
    """Whether a finished index is there (meta and manifest in the current folder): a cheap
    check that needs no Whoosh (the SSH server asks it before a search)."""
    folder = current_dir(Path(index_dir))
    if not (folder / META_FILE).is_file():
        return False
    return (folder / MANIFEST_DB).is_file() or (folder / LEGACY_MANIFEST).is_file()


def toc_generation(folder: str | os.PathLike[str]) -> int | None:
    """The newest Whoosh generation in ``folder`` (its ``_MAIN_<n>.toc`` files), without Whoosh."""
    best = None
    try:
        names = os.listdir(folder)
    except OSError:
        return None
    for name in names:
        if name.startswith("_MAIN_") and name.endswith(".toc"):
            try:
                gen = int(name[6:-4])
            except ValueError:
                continue
            best = gen if best is None or gen > best else best
    return best


# --------------------------------------------------------------------------- the manifest

if TYPE_CHECKING:
    Entry = list[Any]  # [mtime_ns, size, sha1, problem or None]
else:
    Entry = list


class Manifest:
    """The manifest file of one index generation folder."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)
        self.path = self.folder / MANIFEST_DB

    def exists(self) -> bool:
        return self.path.is_file()

    def _connect(self, path: Path | None = None) -> sqlite3.Connection:
        import sqlite3

        con = sqlite3.connect(path or self.path, timeout=5.0, isolation_level=None)
        con.execute("PRAGMA busy_timeout = 5000")
        return con

    def _read(self, sql: str) -> list[tuple[Any, ...]] | None:
        return self._read_args(sql, ())

    def _read_args(self, sql: str, args: Iterable[object]) -> list[tuple[Any, ...]] | None:
        import sqlite3

        if not self.exists():
            return None
        try:
            con = self._connect()
            try:
                return con.execute(sql, tuple(args)).fetchall()
            finally:
                con.close()
        except sqlite3.Error:
            return None

    def info(self) -> dict[str, object]:
        """``generation``, ``digest``, ``versions`` and ``files`` as last saved ({} if none)."""
        rows = self._read("SELECT key, value FROM info")
        return dict(rows) if rows else {}

    def tree(self) -> tuple[dict[str, tuple[int, list[str]]], int] | None:
        """The folders the last saving sync walked, each ``rel_dir -> (mtime_ns, subfolder
        names)``, and when that walk began; None when not kept (an older newsterm's manifest,
        too many folders, a damaged value)."""
        import json

        rows = self._read("SELECT key, value FROM info WHERE key IN ('tree', 'scanned_ns')")
        info = dict(rows or ())
        raw, scanned = info.get("tree"), info.get("scanned_ns")
        if not isinstance(raw, str) or not isinstance(scanned, int):
            return None
        try:
            tree = json.loads(raw)
        except ValueError:
            return None
        return (tree, scanned) if isinstance(tree, dict) else None

    def _read_each(self, queries: Iterable[tuple[str, tuple[object, ...]]]) -> list[Any] | None:
        """The rows of every query, one after the other on one connection; None when there is
        no manifest or it cannot be read."""
        import sqlite3

        if not self.exists():
            return None
        found: list[Any] = []
        try:
            con = self._connect()
            try:
                for sql, args in queries:
                    found.extend(con.execute(sql, args).fetchall())
            finally:
                con.close()
        except sqlite3.Error:
            return None
        return found

    def _rows_of(self, columns: str, paths: Iterable[str]) -> list[Any] | None:
        """``columns`` of the rows of ``paths`` (those that have one), 500 paths a query."""
        wanted = list(paths)
        parts = (tuple(wanted[i : i + 500]) for i in range(0, len(wanted), 500))
        return self._read_each(
            (f"SELECT {columns} FROM files WHERE path IN ({','.join('?' * len(part))})", part)
            for part in parts
        )

    def hashes(self, paths: list[str]) -> dict[str, str]:
        """``path -> sha1`` of the given paths' rows ('' for a file that could not be read)."""
        return dict(self._rows_of("path, sha1", paths) or [])

    def problems(self) -> list[tuple[str, str]]:
        return (
            self._read("SELECT path, problem FROM files WHERE problem IS NOT NULL ORDER BY path")
            or []
        )

    def folder_digests(self) -> dict[str, str]:
        """``rel_dir -> digest`` as the last sync's walk found them ({} for a manifest made
        before they were kept)."""
        return dict(self._read("SELECT dir, digest FROM folders") or [])

    def load_folders(self, dirs: Iterable[str]) -> dict[str, Entry] | None:
        """The rows of the files directly in the folders ``dirs`` (``"a/b/"``, ``""`` for
        the archive's own); None when there is no manifest to read."""
        # The folder's paths sort between rel_dir and rel_dir with its last "/" made "0"; the
        # files directly in it have no "/" after it.
        rows = self._read_each(
            (
                "SELECT path, mtime_ns, size, sha1, problem FROM files "
                "WHERE path >= ? AND (? IS NULL OR path < ?) "
                "AND instr(substr(path, ?), '/') = 0",
                (rel_dir, upper, upper, len(rel_dir) + 1),
            )
            for rel_dir in dirs
            for upper in [rel_dir[:-1] + "0" if rel_dir else None]
        )
        return None if rows is None else {p: [m, s, h, e] for p, m, s, h, e in rows}

    def listings(self, dirs: Iterable[str]) -> dict[str, FolderListing]:
        """The listings of the folders ``dirs`` as the last syncs' walks found them (see
        :meth:`save`); a folder with none kept for its digest (a manifest of an older
        newsterm) is left out."""
        # (kept with the folder's digest: a listing that an older newsterm left behind when it
        # wrote a new digest is not the folder's any more)
        rows = self._read_each(
            (
                "SELECT dir, names, stats FROM listings JOIN folders USING (dir) "
                "WHERE dir = ? AND listings.digest = folders.digest",
                (rel_dir,),
            )
            for rel_dir in dirs
        )
        return {
            rel_dir: listing
            for rel_dir, names, stats in rows or []
            if (listing := unpack_listing(names, stats)) is not None
        }

    def load_paths(self, paths: Iterable[str]) -> dict[str, Entry] | None:
        """The rows of the files ``paths`` (those that have one); None when there is no
        manifest to read."""
        rows = self._rows_of("path, mtime_ns, size, sha1, problem", paths)
        return None if rows is None else {p: [m, s, h, e] for p, m, s, h, e in rows}

    def load(self) -> dict[str, Entry] | None:
        """``path -> [mtime_ns, size, sha1, problem]``; None when there is none to read."""
        rows = self._read("SELECT path, mtime_ns, size, sha1, problem FROM files")
        if rows is None:
            return None
        return {p: [m, s, h, e] for p, m, s, h, e in rows}

    def save(
        self,
        files: Mapping[str, Entry],
        generation: int,
        versions: str,
        *,
        changed: Iterable[str] | None = None,
        removed: Iterable[str] = (),
        scan: Scan,
    ) -> None:
        """Write the rows of the ``changed`` paths (every path when None: a new file renamed
        over the old one) and drop ``removed``, with the generation and the digest, at once.

        ``scan`` is the walk the sync compared the rows with: its digest and start time are
        what :func:`quick_check` trusts. The listing of each folder whose digest changed is
        kept too (names, mtimes, sizes), so that the next sync finds which files of a changed
        folder differ without reading every row of it (70,000 in one folder take ~0.3 s). Like
        the digests, the listings are the walk's: what they say is what the digests say."""
        whole = changed is None or not self.exists()
        target = self.folder / f".{MANIFEST_DB}.{os.getpid()}.tmp" if whole else self.path
        if whole:
            with contextlib.suppress(OSError):
                target.unlink()
        paths: Iterable[str] = files.keys() if whole or changed is None else changed
        rows = [(p, files[p][0], files[p][1], files[p][2] or "", files[p][3]) for p in paths]
        con = self._connect(target)
        try:
            con.executescript(_SCHEMA)
            con.execute("BEGIN IMMEDIATE")
            con.executemany("INSERT OR REPLACE INTO files VALUES (?,?,?,?,?)", rows)
            if not whole:
                con.executemany("DELETE FROM files WHERE path = ?", [(p,) for p in removed])
            digests = scan.folder_digests()
            old = {} if whole else dict(con.execute("SELECT dir, digest FROM folders"))
            con.executemany(
                "INSERT OR REPLACE INTO folders VALUES (?, ?)",
                [(d, h) for d, h in digests.items() if old.get(d) != h],
            )
            con.executemany(
                "DELETE FROM folders WHERE dir = ?", [(d,) for d in old if d not in digests]
            )
            self._save_listings(con, scan, digests, old)
            con.execute("DELETE FROM info WHERE key = 'digest'")  # an older newsterm's digest
            con.executemany(
                "INSERT OR REPLACE INTO info VALUES (?, ?)",
                [
                    ("generation", generation),
                    ("scan_digest", scan.digest),
                    ("scanned_ns", scan.started_ns),
                    ("versions", versions),
                    ("files", scan.count),
                    ("tree", _tree_json(scan)),
                ],
            )
            con.execute("COMMIT")
        finally:
            con.close()
        if whole:
            os.replace(target, self.path)

    @staticmethod
    def _save_listings(
        con: sqlite3.Connection, scan: Scan, digests: Mapping[str, str], old: Mapping[str, str]
    ) -> None:
        """The listings of the folders whose digest changed or that have none yet (a
        manifest of an older newsterm: written once); none of folders that went."""
        kept = {d for (d,) in con.execute("SELECT dir FROM listings")}
        rows = [
            (rel_dir, digests[rel_dir], *pack_listing(names, mtimes, sizes))
            for rel_dir, names, mtimes, sizes in scan.folders
            if names and (rel_dir not in kept or old.get(rel_dir) != digests[rel_dir])
        ]
        con.executemany("INSERT OR REPLACE INTO listings VALUES (?, ?, ?, ?)", rows)
        con.executemany(
            "DELETE FROM listings WHERE dir = ?", [(d,) for d in kept if d not in digests]
        )

    def move_generation(self, old: int, new: int) -> None:
        """The index's files were merged (Whoosh generation ``old`` became ``new``, with the
        same posts): the manifest, if it described ``old``, now describes ``new``."""
        if not self.exists():
            return
        con = self._connect()
        try:
            con.execute(
                "UPDATE info SET value = ? WHERE key = 'generation' AND value = ?", (new, old)
            )
        finally:
            con.close()


TREE_MAX = 5000
"""Most folders whose tree the manifest keeps (the one-shot check looks at no more)."""


def _tree_json(scan: Scan) -> str | None:
    """The walk's folders (mtime, subfolders) for :meth:`Manifest.tree`; None past TREE_MAX."""
    import json

    if len(scan.tree) > TREE_MAX:
        return None
    return json.dumps(scan.tree, ensure_ascii=False, separators=(",", ":"))


def quick_check(index_dir: Path, scan: Scan) -> list[tuple[str, str]] | None:
    """The problems recorded for an index that is up to date with ``scan`` (a walk of the
    archive, :func:`newsterm.walk.scan_archive`); None when anything may have changed (then a
    real sync looks).

    Up to date means: the manifest describes the index's current generation, with the same
    versions; the walk of its last sync found exactly the same ``(path, mtime_ns, size)`` of
    every file as this one (a post edited in place, added, removed, renamed or copied in with an
    old mtime changes them); and no file was modified within :data:`RACY_NS` before that walk
    began (or since: its mtime could not show a second change made in the same tick)."""
    folder = current_dir(Path(index_dir))
    manifest = Manifest(folder)
    info = manifest.info()
    if not info or info.get("versions") != INDEX_VERSIONS or not _meta_agrees(folder):
        return None
    if info.get("generation") != toc_generation(folder) or info.get("files") != scan.count:
        return None
    scanned = info.get("scanned_ns")
    if not isinstance(scanned, int) or info.get("scan_digest") != scan.digest:
        return None
    if scan.newest_ns >= scanned - RACY_NS and not _same_content(
        manifest, scan, scan.modified_since(scanned - RACY_NS)
    ):
        return None
    return manifest.problems()


def _meta_agrees(folder: Path) -> bool:
    """Whether the index's own meta file names the versions the manifest does (an index whose
    meta says otherwise is opened, and rebuilt, by a sync)."""
    import json

    try:
        meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
        made = ".".join(  # (the defaults SearchIndex._open reads an older meta with)
            str(meta.get(k, default))
            for k, default in (
                ("analyzer_version", None),
                ("schema_version", None),
                ("format_version", 1),
                ("input_version", 1),
            )
        )
    except (OSError, ValueError, AttributeError):
        return False
    return made == INDEX_VERSIONS


def _same_content(manifest: Manifest, scan: Scan, paths: list[str]) -> bool:
    """Whether the files ``paths`` (a few) hold what the manifest's hashes say."""
    if len(paths) > RACY_CHECKED:
        return False
    from hashlib import sha1

    from newsterm.postfile import Unreadable, read_post_bytes

    known = manifest.hashes(paths)
    real_root = os.path.realpath(scan.root)
    for rel in paths:
        if not known.get(rel):
            return False
        try:
            data, _st = read_post_bytes(os.path.join(scan.root, rel), real_root)
        except Unreadable:
            return False
        if sha1(data).hexdigest() != known[rel]:
            return False
    return True
