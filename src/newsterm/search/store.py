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
row per post file -- ``path, mtime_ns, size, sha1, problem`` -- and, in ``info``, the Whoosh
generation it describes, the index's versions and a digest of every ``(path, mtime_ns, size)``.
:func:`quick_check` finds that nothing changed with a stat walk, one digest and one row read: no
manifest rows, no JSON, no YAML, no Whoosh. Only what changed is written after a sync (one
transaction, after Whoosh has committed); a manifest whose generation is not the index's (a sync
killed between the two commits) is not used.

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

__all__ = [
    "BEING_BUILT",
    "CURRENT",
    "INDEX_VERSIONS",
    "MANIFEST_DB",
    "Manifest",
    "current_dir",
    "drop_other_generations",
    "index_present",
    "new_generation",
    "quick_check",
    "scan_digest",
    "switch_to",
    "toc_generation",
]

INDEX_VERSIONS = f"1.1.2.{INPUT_VERSION}"
"""``ANALYZER_VERSION.SCHEMA_VERSION.FORMAT_VERSION.INPUT_VERSION`` of the code (analysis, index,
codec, input_version; a test keeps them equal): a manifest written by other versions is not
trusted by :func:`quick_check`."""
CURRENT = "CURRENT"
BEING_BUILT = "index is being built, try again shortly"
"""What a search that may not build the index says without one (the SSH server's searches)."""
META_FILE = "newsterm-meta.json"
MANIFEST_DB = "newsterm-manifest.sqlite3"
LEGACY_MANIFEST = "newsterm-manifest.json"
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
"""


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

Entry = list  # [mtime_ns, size, sha1, problem or None]


def scan_digest(files: Mapping[str, tuple[int, int] | list]) -> str:
    """A digest of every file's ``(path, mtime_ns, size)``, in path order."""
    import marshal
    from hashlib import blake2b

    items = [(path, v[0], v[1]) for path, v in sorted(files.items())]
    return blake2b(marshal.dumps(items, 2), digest_size=16).hexdigest()


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

    def _read(self, sql: str) -> list[tuple] | None:
        import sqlite3

        if not self.exists():
            return None
        try:
            con = self._connect()
            try:
                return con.execute(sql).fetchall()
            finally:
                con.close()
        except sqlite3.Error:
            return None

    def info(self) -> dict[str, object]:
        """``generation``, ``digest``, ``versions`` and ``files`` as last saved ({} if none)."""
        rows = self._read("SELECT key, value FROM info")
        return dict(rows) if rows else {}

    def problems(self) -> list[tuple[str, str]]:
        return (
            self._read("SELECT path, problem FROM files WHERE problem IS NOT NULL ORDER BY path")
            or []
        )

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
    ) -> None:
        """Write the rows of the ``changed`` paths (every path when None: a new file renamed
        over the old one) and drop ``removed``, with the generation and digest, at once."""
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
            con.executemany(
                "INSERT OR REPLACE INTO info VALUES (?, ?)",
                [
                    ("generation", generation),
                    ("digest", scan_digest(files)),
                    ("versions", versions),
                    ("files", len(files)),
                ],
            )
            con.execute("COMMIT")
        finally:
            con.close()
        if whole:
            os.replace(target, self.path)


def quick_check(
    index_dir: Path, scan: Mapping[str, tuple[int, int]]
) -> list[tuple[str, str]] | None:
    """The problems recorded for an index that is up to date with ``scan`` (the archive's
    ``rel -> (mtime_ns, size)``, as :meth:`newsterm.archive.Archive.scan` gives it); None
    when anything may have changed (then a real sync looks)."""
    folder = current_dir(Path(index_dir))
    manifest = Manifest(folder)
    info = manifest.info()
    if not info or info.get("versions") != INDEX_VERSIONS:
        return None
    if info.get("generation") != toc_generation(folder) or info.get("files") != len(scan):
        return None
    if info.get("digest") != scan_digest(scan):
        return None
    return manifest.problems()
