"""A post's names from its path: its stem (a page bundle's folder name) and its slug.

Kept apart from :mod:`newsterm.archive` so that the parts that only need a post's name (the
models' ``slug``, the Markdown path's ``{% post_url %}`` links) do not import the archive
reader, which itself uses the Markdown path (a post's lede is read as Markdown).
"""

from __future__ import annotations

import os
import re
from pathlib import PurePosixPath

__all__ = ["BUNDLE_STEMS", "DATE_PREFIX", "POST_SUFFIXES", "name_stem", "slug_of"]

POST_SUFFIXES = (".md", ".markdown")
"""The file name endings of posts."""

DATE_PREFIX = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:-|$)")
"""The ``YYYY-MM-DD-`` prefix of a Jekyll post's file name."""
BUNDLE_STEMS = ("index", "_index")
"""The file stems of a page bundle (``slug/index.md``): the folder names the post."""


def _stem_and_parent(path: str) -> tuple[str, str]:
    p = PurePosixPath(str(path).replace("\\", "/"))
    name = p.name
    lower = name.lower()
    for suffix in POST_SUFFIXES:
        if lower.endswith(suffix):
            name = name[: -len(suffix)]
            break
    return name, p.parent.name


def name_stem(path: str) -> str:
    """The file's stem, or its folder's name for a page bundle (``slug/index.md``)."""
    stem, parent = _stem_and_parent(path)
    if stem.lower() in BUNDLE_STEMS and parent:
        return parent
    return stem


def slug_of(path: str | os.PathLike[str]) -> str:
    """The post's short name: file name without folder, ``YYYY-MM-DD-`` prefix and extension.

    A page bundle ``posts/my-trip/index.md`` has the slug ``my-trip``.
    """
    stem = name_stem(os.fspath(path))
    rest = DATE_PREFIX.sub("", stem, count=1)
    return rest or stem
