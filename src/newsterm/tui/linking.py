"""Which post of the archive a link in a post means (for following links in the reader)."""

from __future__ import annotations

import posixpath
from collections.abc import Collection
from urllib.parse import unquote, urlsplit

from newsterm.markdown.links import find_post, post_link_name


def link_target(href: str, from_path: str | None, paths: Collection[str]) -> str | None:
    """The archive path ``href`` (a link in the post ``from_path``) leads to, or None.

    A post link (``{% post_url %}``, written ``post:NAME``), a relative ``.md`` path (from the
    linking post's folder), or a site path whose last part is a post's slug
    (``/2024/01/02/slug/``, ``/posts/slug.html``); anything with a scheme or a host is not.
    """
    name = post_link_name(href)
    if name is not None:
        return find_post(name, paths)
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path:
        return None
    target = unquote(parts.path)
    if target.endswith((".md", ".markdown")) and not target.startswith("/"):
        base = posixpath.dirname(from_path) if from_path else ""
        joined = posixpath.normpath(posixpath.join(base, target))
        return joined if joined in paths else find_post(joined, paths)
    if target.startswith("/"):
        last = target.rstrip("/").rsplit("/", 1)[-1]
        stem, ext = posixpath.splitext(last)
        if last and ext in ("", ".html", ".htm"):
            return find_post(stem, paths)
    return None
