"""Which post of the archive a post link names (``{% post_url %}``, ``{% link %}``, Hugo ``ref``).

Preprocessing writes such links as ``post:NAME`` (see :mod:`newsterm.markdown.preprocess`);
:func:`find_post` picks the archive path that ``NAME`` means: the same relative path, the same
file name without extension (``2010-07-21-name``), or the same slug (``name``; a page bundle's
folder), with or without a leading ``/`` or a trailing ``/``.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable

from newsterm.markdown.preprocess import POST_LINK_SCHEME

__all__ = ["POST_LINK_SCHEME", "find_post", "post_link_name"]


def post_link_name(href: str) -> str | None:
    """``NAME`` of a ``post:NAME`` link, else None."""
    return href[len(POST_LINK_SCHEME) :] if href.startswith(POST_LINK_SCHEME) else None


def _stem(path: str) -> str:
    base = posixpath.basename(path.rstrip("/"))
    if base in ("index.md", "_index.md", "index.markdown"):
        base = posixpath.basename(posixpath.dirname(path.rstrip("/")))
    return posixpath.splitext(base)[0]


def find_post(name: str, paths: Iterable[str]) -> str | None:
    """The path among ``paths`` that the post link ``name`` means, or None."""
    from newsterm.names import slug_of

    wanted = name.strip().strip("/").split("#", 1)[0]
    if not wanted:
        return None
    paths = list(paths)
    if wanted in paths:
        return wanted
    stem = _stem(wanted)
    for test in (
        lambda p: posixpath.splitext(p)[0] == posixpath.splitext(wanted)[0],
        lambda p: p.endswith("/" + wanted),
        lambda p: _stem(p) == stem,
        lambda p: slug_of(p) == stem or slug_of(p) == slug_of(wanted),
    ):
        found = [p for p in paths if test(p)]
        if len(found) == 1:
            return found[0]
    return None
