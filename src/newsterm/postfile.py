"""Reading a post file's bytes safely: the one place that opens files inside the archive.

Both the archive (``Archive.read``) and the search index (which reads post files without the
YAML parser, for snippets and for its manifest) go through :func:`read_post_bytes`, so they
agree on what may be read:

* a FIFO named like a post never hangs (``O_NONBLOCK``), only regular files are read;
* a post that is a symbolic link is opened by its resolved path only when that is inside the
  archive (``O_NOFOLLOW`` first), and what was actually opened is checked to be inside it, so a
  folder swapped for a link after the scan never leaks a file from elsewhere;
* posts larger than :data:`MAX_POST_BYTES` are refused; reads are sized by ``fstat``.

This module imports only the standard library: the search path loads it on every start.
"""

from __future__ import annotations

import errno
import os
import stat

MAX_POST_BYTES = 16 * 1024 * 1024
OUTSIDE = "symbolic link to a place outside the archive; not followed"

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_LINK_ERRNOS = {errno.ELOOP, getattr(errno, "EMLINK", errno.ELOOP)}  # BSDs say EMLINK


class Unreadable(Exception):
    """A post file that cannot be read; ``str(err)`` is a one-line reason."""


def inside(real: str, real_root: str) -> bool:
    """True if the resolved path ``real`` is ``real_root`` or below it."""
    return real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)


def _opened_path(fd: int, path: str) -> str:
    """The resolved path of the file open as ``fd`` (``path`` resolved where /proc is absent)."""
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return os.path.realpath(path)


def read_post_bytes(
    path: str, real_root: str, limit: int = MAX_POST_BYTES
) -> tuple[bytes, os.stat_result]:
    """The bytes of the post file at ``path`` and its ``fstat``; :class:`Unreadable` otherwise.

    ``real_root`` is the archive folder's resolved path (``os.path.realpath``).
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | _NOFOLLOW
    try:
        try:
            fd = os.open(path, flags)
        except OSError as err:
            if not _NOFOLLOW or err.errno not in _LINK_ERRNOS:
                raise
            real = os.path.realpath(path)
            if not inside(real, real_root):
                raise Unreadable(OUTSIDE) from None
            fd = os.open(real, flags)
    except FileNotFoundError:
        if os.path.islink(path):
            raise Unreadable("broken symbolic link") from None
        raise Unreadable("file not found") from None
    except OSError as err:
        raise Unreadable(f"cannot read: {err.strerror}") from None
    with os.fdopen(fd, "rb") as f:
        if not inside(_opened_path(fd, path), real_root):
            raise Unreadable(OUTSIDE)
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise Unreadable("not a regular file")
        mib = limit // (1024 * 1024)
        if st.st_size > limit:
            raise Unreadable(f"file too large ({st.st_size} bytes; the limit is {mib} MiB)")
        try:
            # Ask for the size fstat gave (plus one byte to notice growth): asking for the
            # limit would allocate that much for every post.
            want = st.st_size + 1
            data = f.read(want)
            if len(data) == want:  # the file grew since fstat
                data += f.read(limit + 1 - len(data))
        except OSError as err:
            raise Unreadable(f"cannot read: {err.strerror}") from None
    if len(data) > limit:
        raise Unreadable(f"file too large (more than {mib} MiB)")
    return data, st
