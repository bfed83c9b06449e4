"""Finding an archive's post files: the one walk that the archive, the catalog and the index use.

Every ``*.md`` / ``*.markdown`` file below the root is a candidate post, except inside hidden
folders and hidden files. Symbolic links are followed when they stay inside the archive (a link
that leads outside is a problem line, never followed), each real folder is visited once (so link
loops end); FIFOs, sockets and devices named like posts are skipped; a file or folder whose name
has control characters or bytes that are not UTF-8 is a problem line, not a post.

:func:`walk_posts` can also give each file's ``(mtime_ns, size)`` as it goes (``DirEntry.stat``:
no path is built twice), which is all a "has anything changed?" check needs. This module imports
only the standard library and newsterm's text helpers: a no-change ``newsterm index`` loads
neither the YAML parser nor Whoosh.
"""

from __future__ import annotations

import errno
import os

from newsterm.models import Problem
from newsterm.postfile import OUTSIDE, inside
from newsterm.text import escape_controls, has_unsafe

__all__ = ["LOOP", "POST_SUFFIXES", "FileStat", "is_post_name", "is_section_page", "walk_posts"]

POST_SUFFIXES = (".md", ".markdown")
FileStat = tuple[int, int]
"""``(mtime_ns, size)`` of a post file; ``(-1, -1)`` when it cannot be looked at."""

_BAD_NAME = "{what} name has control characters or bytes that are not UTF-8; rename it to read it"
LOOP = "symbolic link loops back on itself; nothing to read"
_UNKNOWN: FileStat = (-1, -1)


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


def walk_posts(
    root: str | os.PathLike[str], stats: dict[str, FileStat] | None = None
) -> tuple[list[str], list[Problem]]:
    """The archive's candidate post files (relative POSIX paths, sorted) and the problems met.

    When ``stats`` is given, it receives ``rel -> (mtime_ns, size)`` of every file found
    (following links, as opening the file does; ``(-1, -1)`` for a broken link).
    """
    found: list[str] = []
    problems: list[Problem] = []
    seen: set[tuple[int, int]] = set()
    real_root = os.path.realpath(root)
    stack: list[tuple[str, str]] = [("", os.fspath(root))]
    while stack:
        rel_dir, path = stack.pop()
        try:
            st = os.stat(path)
        except OSError as err:
            problems.append(Problem(_shown(rel_dir), f"cannot open folder: {err.strerror}"))
            continue
        key = (st.st_dev, st.st_ino)
        if key in seen:
            continue  # a link back to a folder already listed (or a loop)
        seen.add(key)
        try:
            with os.scandir(path) as it:
                entries = list(it)
        except OSError as err:
            problems.append(Problem(_shown(rel_dir), f"cannot open folder: {err.strerror}"))
            continue
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            rel = rel_dir + name
            try:
                is_dir = entry.is_dir()
                if not is_dir and (not is_post_name(name) or is_section_page(name)):
                    continue
                link = entry.is_symlink()
                if not is_dir and not (link or entry.is_file()):
                    continue  # a FIFO, socket or device named like a post
                if has_unsafe(name) or "\n" in name or "\t" in name:
                    what = "folder" if is_dir else "file"
                    problems.append(Problem(_shown(rel), _BAD_NAME.format(what=what)))
                    continue
                if link and not inside(os.path.realpath(entry.path), real_root):
                    problems.append(Problem(_shown(rel), OUTSIDE))
                    continue
                if is_dir:
                    stack.append((f"{rel}/", entry.path))
                    continue
                # Broken links are kept so that they show up as problems.
                found.append(rel)
            except OSError as err:
                if err.errno == errno.ELOOP:  # a link to itself, or a ring of links
                    problems.append(Problem(_shown(rel), LOOP))
                continue
            if stats is not None:
                try:
                    fst = entry.stat()
                    stats[rel] = (fst.st_mtime_ns, fst.st_size)
                except OSError:
                    stats[rel] = _UNKNOWN
    found.sort()
    problems.sort(key=lambda p: p.path)
    return found, problems
