"""Finding an archive's post files: the one walk that the archive, the catalog and the index use.

Every ``*.md`` / ``*.markdown`` file below the root is a candidate post, except inside hidden
folders and hidden files. Symbolic links are followed when they stay inside the archive (a link
that leads outside is a problem line, never followed), each real folder is visited once (so link
loops end); FIFOs, sockets and devices named like posts are skipped; a file or folder whose name
has control characters or bytes that are not UTF-8 is a problem line, not a post.

:func:`scan_archive` gives each file's ``(mtime_ns, size)`` as it goes, folder by folder, and a
digest of them all (:attr:`Scan.digest`): that is all a "has anything changed?" check needs, and
it costs a ``stat`` per post and a few list appends, no Python object per post beyond the name
and the two numbers (a path string and a dict entry each only when :meth:`Scan.files` is asked
for). This module imports only the standard library and newsterm's text helpers: a no-change
``newsterm index`` loads neither the YAML parser nor Whoosh.
"""

from __future__ import annotations

import errno
import os
import time
from collections.abc import Iterable

from newsterm.names import POST_SUFFIXES
from newsterm.postfile import OUTSIDE, inside
from newsterm.text import escape_controls, has_unsafe

TYPE_CHECKING = False  # models (and its dataclasses) only when there is a problem to report
if TYPE_CHECKING:
    from newsterm.models import Problem

__all__ = [
    "LOOP",
    "POST_SUFFIXES",
    "FileStat",
    "Scan",
    "digest_of_folders",
    "is_post_name",
    "is_section_page",
    "scan_archive",
    "walk_posts",
]

FileStat = tuple[int, int]
"""``(mtime_ns, size)`` of a post file; ``(-1, -1)`` when it cannot be looked at."""

_BAD_NAME = "{what} name has control characters or bytes that are not UTF-8; rename it to read it"
LOOP = "symbolic link loops back on itself; nothing to read"
_UNKNOWN: FileStat = (-1, -1)
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)


def is_post_name(name: str) -> bool:
    return name.lower().endswith(POST_SUFFIXES)


def is_section_page(path: str) -> bool:
    """True for a Hugo/Zola section page (``_index.md``): a list's front page, not a post."""
    name = str(path).replace("\\", "/").rsplit("/", 1)[-1].lower()
    for suffix in POST_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)] == "_index"
    return False


def _shown(rel: str) -> str:
    """A relative path as shown in a problem line: one line, no control characters."""
    return escape_controls(rel.rstrip("/"))


def _is_bad_name(name: str) -> bool:
    return has_unsafe(name) or "\n" in name or "\t" in name


def _problem(rel: str, reason: str) -> Problem:
    from newsterm.models import Problem

    return Problem(_shown(rel), reason)


Folder = tuple[str, list[str], list[int], list[int]]
"""``(rel_dir, names, mtimes_ns, sizes)`` of one folder's post files, in the order the folder
lists them; ``rel_dir`` is ``""`` for the archive's own folder, else ``"a/b/"``."""


def _folder_digests(folders: Iterable[Folder]) -> dict[str, str]:
    """``rel_dir -> digest`` of each folder that holds posts: the bytes of its files' names (in
    the order the folder lists them: the same files listed in another order only make a check
    look further) and of their mtimes and sizes, not an object per file."""
    from array import array
    from hashlib import blake2b

    digests: dict[str, str] = {}
    for rel_dir, names, mtimes, sizes in folders:
        if not names:
            continue
        h = blake2b(digest_size=16)
        h.update("\0".join(names).encode("utf-8", "surrogatepass") + b"\0\0")
        h.update(array("q", mtimes).tobytes())
        h.update(array("q", sizes).tobytes())
        digests[rel_dir] = h.hexdigest()
    return digests


def digest_of_folders(digests: dict[str, str]) -> str:
    """One digest of every folder's (:meth:`Scan.folder_digests`), in path order."""
    from hashlib import blake2b

    text = "".join(f"{d}\0{digests[d]}\n" for d in sorted(digests))
    return blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


class Scan:
    """What one walk found: every candidate post file with its ``(mtime_ns, size)``.

    ``started_ns`` is the wall clock when the walk began and ``newest_ns`` the newest mtime it
    saw: a file modified within the file system's timestamp granularity of the walk may change
    again without its mtime changing (see :func:`newsterm.search.store.quick_check`).
    """

    __slots__ = (
        "_digest",
        "_files",
        "_folder_digests",
        "count",
        "folders",
        "newest_ns",
        "problems",
        "root",
        "started_ns",
        "tree",
    )

    def __init__(
        self,
        root: str,
        folders: list[Folder],
        problems: list[Problem],
        started_ns: int = 0,
        tree: dict[str, tuple[int, list[str]]] | None = None,
    ) -> None:
        self.root = root
        self.folders = folders
        #: Each folder walked: its mtime and the names of the folders in it (not links, not
        #: hidden), for the one-shot search's check (``newsterm.search.index``).
        self.tree = tree if tree is not None else {}
        self.problems = problems
        self.started_ns = started_ns
        self.count = sum(len(f[1]) for f in folders)
        self.newest_ns = max((max(f[2]) for f in folders if f[2]), default=-1)
        self._digest: str | None = None
        self._folder_digests: dict[str, str] | None = None
        self._files: dict[str, FileStat] | None = None

    @property
    def digest(self) -> str:
        """A digest of every ``(path, mtime_ns, size)``: equal digests, equal files."""
        if self._digest is None:
            self._digest = digest_of_folders(self.folder_digests())
        return self._digest

    def folder_digests(self) -> dict[str, str]:
        """``rel_dir -> digest`` of the files of each folder that holds posts (``""``: the
        archive's own folder, else ``"a/b/"``): a sync compares only the folders whose
        digest is not the one it stored."""
        if self._folder_digests is None:
            self._folder_digests = _folder_digests(self.folders)
        return self._folder_digests

    def files_in(self, dirs: set[str]) -> dict[str, FileStat]:
        """``rel -> (mtime_ns, size)`` of the files directly in the folders ``dirs``, in path
        order (:meth:`files` of part of the archive)."""
        items = [
            (rel_dir + name, (m, s))
            for rel_dir, names, mtimes, sizes in self.folders
            if rel_dir in dirs
            for name, m, s in zip(names, mtimes, sizes, strict=True)
        ]
        items.sort()
        return dict(items)

    def files(self) -> dict[str, FileStat]:
        """``rel -> (mtime_ns, size)`` of every file, in path order."""
        if self._files is None:
            items = [
                (rel_dir + name, (m, s))
                for rel_dir, names, mtimes, sizes in self.folders
                for name, m, s in zip(names, mtimes, sizes, strict=True)
            ]
            items.sort()
            self._files = dict(items)
        return self._files

    def paths(self) -> list[str]:
        """Every file's relative POSIX path, sorted."""
        return list(self.files())

    def modified_since(self, ns: int) -> list[str]:
        """The files whose mtime is ``ns`` or later (a look at the folders' newest first)."""
        return [
            rel_dir + name
            for rel_dir, names, mtimes, _sizes in self.folders
            if mtimes and max(mtimes) >= ns
            for name, m in zip(names, mtimes, strict=True)
            if m >= ns
        ]


def scan_archive(root: str | os.PathLike[str], stats: bool = True) -> Scan:
    """Walk the archive at ``root``: every candidate post file (with its ``(mtime_ns, size)``,
    following links as opening the file does, ``(-1, -1)`` for a broken link, when ``stats``;
    else ``(0, 0)``) and the problems met."""
    started = time.time_ns()
    folders: list[Folder] = []
    problems: list[Problem] = []
    tree: dict[str, tuple[int, list[str]]] = {}
    seen: set[tuple[int, int]] = set()
    real_root = os.path.realpath(root)
    stack: list[tuple[str, str]] = [("", os.fspath(root))]
    while stack:
        rel_dir, path = stack.pop()
        try:
            fd = os.open(path, _DIR_FLAGS)
        except OSError as err:
            problems.append(_problem(rel_dir, f"cannot open folder: {err.strerror}"))
            continue
        try:
            st = os.fstat(fd)
            key = (st.st_dev, st.st_ino)
            if key in seen:
                continue  # a link back to a folder already listed (or a loop)
            seen.add(key)
            try:
                with os.scandir(fd) as it:
                    entries = list(it)
            except OSError as err:
                problems.append(_problem(rel_dir, f"cannot open folder: {err.strerror}"))
                continue
            # One look at every name of the folder for characters that cannot be shown.
            clean = not _is_bad_name("".join(e.name for e in entries))
            names: list[str] = []  # the folder's posts
            subdirs: list[str] = []
            tree[rel_dir] = (st.st_mtime_ns, subdirs)
            for entry in entries:
                name = entry.name
                if name[0] == ".":
                    continue
                try:
                    if entry.is_file(follow_symlinks=False):  # the usual case: no system call
                        if not name.endswith(".md") and not is_post_name(name):
                            continue
                        if name[0] == "_" and is_section_page(name):
                            continue
                        if clean or not _is_bad_name(name):
                            names.append(name)
                        else:
                            problems.append(_problem(rel_dir + name, _BAD_NAME.format(what="file")))
                        continue
                    self_link = entry.is_symlink()
                    is_dir = entry.is_dir()
                    if is_dir and not self_link:
                        subdirs.append(name)
                    if not is_dir and (
                        not self_link or not is_post_name(name) or is_section_page(name)
                    ):
                        continue  # not a post (or a FIFO, socket or device named like one)
                    if not clean and _is_bad_name(name):
                        what = "folder" if is_dir else "file"
                        problems.append(_problem(rel_dir + name, _BAD_NAME.format(what=what)))
                        continue
                    full = os.path.join(path, name)
                    if self_link and not inside(os.path.realpath(full), real_root):
                        problems.append(_problem(rel_dir + name, OUTSIDE))
                        continue
                    if is_dir:
                        stack.append((f"{rel_dir}{name}/", full))
                        continue
                    names.append(name)  # a link to a post (kept when broken: a problem later)
                except OSError as err:
                    if err.errno == errno.ELOOP:  # a link to itself, or a ring of links
                        problems.append(_problem(rel_dir + name, LOOP))
                    continue
            mtimes: list[int] = []
            sizes: list[int] = []
            if stats:
                stat = os.stat  # by name in the open folder: cheaper than DirEntry.stat()
                for name in names:
                    try:
                        fst = stat(name, dir_fd=fd)
                    except OSError:
                        mtimes.append(-1)
                        sizes.append(-1)
                    else:
                        mtimes.append(fst.st_mtime_ns)
                        sizes.append(fst.st_size)
            else:
                mtimes = sizes = [0] * len(names)
            folders.append((rel_dir, names, mtimes, sizes))
        finally:
            os.close(fd)
    problems.sort(key=lambda p: p.path)
    return Scan(os.fspath(root), folders, problems, started, tree)


def walk_posts(
    root: str | os.PathLike[str], stats: dict[str, FileStat] | None = None
) -> tuple[list[str], list[Problem]]:
    """The archive's candidate post files (relative POSIX paths, sorted) and the problems met.

    When ``stats`` is given, it receives ``rel -> (mtime_ns, size)`` of every file found
    (following links, as opening the file does; ``(-1, -1)`` for a broken link).
    """
    scan = scan_archive(root, stats=stats is not None)
    files = scan.files()
    if stats is not None:
        stats.update(files)
    return list(files), scan.problems
