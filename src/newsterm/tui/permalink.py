"""A post's permalink, the way Jekyll would publish it, for the reader's "copy permalink".

The site's ``_config.yml`` (in the archive folder or the folder above it, where a Jekyll site keeps
``_posts``) gives ``url``, ``baseurl`` and the ``permalink`` style; a post's own ``permalink:`` in
its front matter wins. Without a config the Jekyll default style ``date`` is used and the link is
site-relative (``/category/2025/08/18/slug.html``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from newsterm.models import Post

STYLES = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}

_KEY = re.compile(r"^(url|baseurl|permalink)\s*:\s*(.*?)\s*$")
_FRONT_PERMALINK = re.compile(r"^permalink\s*[:=]\s*(.*?)\s*$", re.M)
_NAMES = "categories year month day i_month i_day short_year y_day title slug output_ext week"
_PLACEHOLDER = re.compile(r":(short_day|" + "|".join(_NAMES.split()) + ")")


@dataclass(frozen=True, slots=True)
class Site:
    url: str = ""
    baseurl: str = ""
    permalink: str = STYLES["date"]


def _unquote(value: str) -> str:
    value = value.split(" #", 1)[0].strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1]
    return value


def load_site(root: Path) -> Site:
    """Read ``url``, ``baseurl`` and ``permalink`` from the nearest ``_config.yml`` (top level)."""
    for folder in (root, root.parent):
        config = folder / "_config.yml"
        try:
            text = config.read_text("utf-8", errors="replace")
        except OSError:
            continue
        found: dict[str, str] = {}
        for line in text.splitlines():
            m = _KEY.match(line)  # only unindented keys: top level
            if m:
                found[m.group(1)] = _unquote(m.group(2))
        style = found.get("permalink") or "date"
        return Site(
            url=found.get("url", "").rstrip("/"),
            baseurl=found.get("baseurl", "").strip("/"),
            permalink=STYLES.get(style, style),
        )
    return Site()


def front_permalink(text: str) -> str | None:
    """The ``permalink`` of a post's own front matter (YAML or TOML), if it sets one."""
    lines = text.split("\n", 200)
    if not lines or lines[0].strip() not in ("---", "+++"):
        return None
    fence = lines[0].strip()
    for i, line in enumerate(lines[1:], 1):
        if line.strip() == fence:
            m = _FRONT_PERMALINK.search("\n".join(lines[1:i]))
            return _unquote(m.group(1)) or None if m else None
    return None


def permalink(post: Post, site: Site, own: str | None = None) -> str:
    """The post's URL: ``own`` (its front matter) or the site's style filled in."""
    if own:
        path = own if own.startswith("/") else "/" + own
    else:
        date = post.date
        cats = "/".join(quote(c.replace(" ", "-").lower()) for c in post.categories)
        values = {
            "categories": cats,
            "year": f"{date.year:04d}" if date else "",
            "month": f"{date.month:02d}" if date else "",
            "day": f"{date.day:02d}" if date else "",
            "i_month": str(date.month) if date else "",
            "i_day": str(date.day) if date else "",
            "short_year": f"{date.year % 100:02d}" if date else "",
            "y_day": f"{date.timetuple().tm_yday:03d}" if date else "",
            "week": f"{date.isocalendar()[1]:02d}" if date else "",
            "short_day": date.strftime("%a") if date else "",
            "title": quote(post.slug),
            "slug": quote(post.slug),
            "output_ext": ".html",
        }
        path = _PLACEHOLDER.sub(lambda m: values[m.group(1)], site.permalink)
        path = re.sub(r"/{2,}", "/", path)
    base = f"/{site.baseurl}" if site.baseurl else ""
    return f"{site.url}{base}{path}"
