"""Which file an image in a post refers to: the one place that turns an image's ``src`` into a
local file (or says it is remote, or not there).

Blogs write image paths three ways: relative to the post (``img/x.png``, ``../assets/x.png``,
Hugo page bundles), from the site's root (``/assets/img/x.png``, Jekyll's ``{{ site.baseurl }}``
that the preprocessor drops, Hugo and Zola serving ``static/`` at the root), or as web
addresses. The site root is the archive itself, or the nearest of its two parent folders that
holds a site config (``_config.yml``, ``hugo.toml``, ``config.toml``, …): an archive opened at
``~/blog/_posts`` finds ``~/blog/assets``. Nothing outside that site root is ever read, and
only regular files of the image types the reader can show, up to :data:`MAX_IMAGE_BYTES`.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

__all__ = [
    "IMAGE_SUFFIXES",
    "MAX_IMAGE_BYTES",
    "ImageFiles",
    "is_remote",
    "site_root",
]

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp"})
MAX_IMAGE_BYTES = 20 * 1024 * 1024

_SITE_CONFIGS = (
    "_config.yml",
    "_config.yaml",
    "_config.toml",
    "hugo.toml",
    "hugo.yaml",
    "hugo.json",
    "config.toml",
    "config.yaml",
    "zola.toml",
)
_STATIC_FOLDERS = ("", "static", "assets")  # "/x" is served from the root, or static/ (Hugo, Zola)


def is_remote(src: str) -> bool:
    """A web address (``https://…``, ``//host/…``) or other URL, not a file of the site."""
    s = src.strip()
    if s.startswith("//"):
        return True
    scheme, colon, _rest = s.partition(":")
    return bool(colon) and scheme.isascii() and scheme.isalpha() and len(scheme) > 1


def site_root(root: Path) -> Path:
    """The site the archive belongs to (see the module's text)."""
    root = Path(root)
    for candidate in (root, root.parent, root.parent.parent):
        if any((candidate / name).is_file() for name in _SITE_CONFIGS):
            return candidate
    return root


class ImageFiles:
    """Resolves image sources for one archive (the site root is looked up once)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        self.site = site_root(self.root).resolve()

    def file(self, post_path: str, src: str) -> Path | None:
        """The local image file ``src`` (as written in the post at ``post_path``, relative to
        the archive) shows, or None: remote, missing, outside the site, not an image, too big."""
        name = unquote(src.strip().split("#", 1)[0].split("?", 1)[0])
        if not name or is_remote(name) or "\x00" in name:
            return None
        if PurePosixPath(name).suffix.lower() not in IMAGE_SUFFIXES:
            return None
        candidates: list[Path] = []
        if name.startswith("/"):
            rel = name.lstrip("/")
            candidates += [self.site / folder / rel for folder in _STATIC_FOLDERS]
        else:
            post_folder = (self.root / post_path).parent
            candidates += [post_folder / name, self.site / name, self.root / name]
        for candidate in candidates:
            found = self._inside(candidate)
            if found is not None:
                return found
        return None

    def _inside(self, path: Path) -> Path | None:
        try:
            real = Path(os.path.realpath(path))
            if real != self.site and self.site not in real.parents:
                return None  # .. or a link that leaves the site
            info = real.stat()
        except (OSError, ValueError):
            return None
        import stat

        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_IMAGE_BYTES:
            return None
        return real
