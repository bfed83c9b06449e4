"""Reading an archive: finding post files and turning each one into a :class:`Post`.

An archive is a folder of Markdown files (Jekyll ``_posts``, Hugo ``content`` with page bundles,
or just a pile of ``.md`` files). Every ``*.md`` / ``*.markdown`` file below the root is a post,
except inside hidden folders and hidden files; symbolic links are followed, each real folder
is visited once (so link loops end). newsterm only ever *reads* the archive.

The archive may be served to anonymous readers, so it is read defensively:

* **A symbolic link that leads outside the archive root is never followed** (it is a problem
  line instead), whether it names a post or a folder, so that a link cannot expose the server's
  files; links within the archive are followed. :meth:`Archive.read` checks the resolved path
  again before it opens a file.
* A post file or folder whose name has control characters (a newline, say) or bytes that are
  not UTF-8 is a problem (shown with visible escapes, ``\\e``, ``\\n``, ``\\xff``), not a
  post, so that every ``Post.path`` is plain text that can go to a terminal, into JSON and into
  the index.
* FIFOs, sockets and devices named like posts are skipped; reading never blocks.
* Control characters (see :mod:`newsterm.text`) are removed from a post's text and metadata.

Parsing one post (:func:`parse_post`):

* Text: UTF-8 (a BOM is tolerated). Bytes that are not UTF-8 are decoded as CP949 (a superset
  of EUC-KR) when that yields Hangul, else CP1252 when that decodes cleanly; a mostly-UTF-8 file
  with a few stray bytes keeps UTF-8 with those bytes replaced. The text is NFC-normalised and
  line endings become ``\\n``. ``Post.encoding`` records the codec used.
* Front matter: YAML between ``---`` lines (or closed by ``...``) or TOML between ``+++``
  lines; delimiter lines may carry trailing blanks. YAML is parsed with libyaml
  (``yaml.CSafeLoader``) when available; if it fails, tabs after ``key:`` (and tabs used as
  indentation) are replaced by spaces and it is tried once more.
* Title: front matter ``title``, else the first ``# `` heading, else the file name.
* Date: front matter ``date`` (also ``published``/``pubdate``/``publishdate``/``created``) in
  any common shape, else a date in a Zola/Hugo ``path``/``url``/``slug``/``permalink`` value
  (``path = "2014/12/12/slug"``), else a ``YYYY-MM-DD-`` file-name (or page-bundle folder)
  prefix, else ``YYYY/MM/DD`` folders in the path, else ``None`` (undated posts sort last).
  ``Post.date_kind`` says how much was known: a time with an offset (the post's own, or the
  site's time zone for a time written without one: ``timezone:`` in Jekyll's ``_config.yml``,
  ``timeZone`` in Hugo's ``hugo.toml``/``config.toml``/``config/_default``, or the same key in
  ``zola.toml``, found in the post's folder or above it up to the site's root, see
  :meth:`Archive.site_zone`), a time without a known zone (``naive``: shown without an offset,
  never as a made-up ``+0000``), or a day only. Every ``Post.date`` is timezone-aware (a naive
  one is marked UTC for sorting only), so posts sort the same on every machine;
  :func:`date_iso` and :func:`date_time_text` show it as much as it is known.
* Section pages (Hugo/Zola ``_index.md``) are not posts and are not listed.
* Categories and tags: ``categories``/``category`` and ``tags``/``tag``, each a list or a string
  split on commas (if it has any) or else on blanks, as Jekyll does.
* Language: the front matter's ``lang``/``language``/``locale`` as written (``Post.lang``);
  ``Post.language`` makes a language of it, or guesses one (:mod:`newsterm.language`).
* Drafts (:func:`is_draft`): ``draft: true`` (Hugo, Zola, Astro, Eleventy), ``published: false``
  or a ``_drafts/`` folder (Jekyll). A draft is read and listed like any post, marked as such.

A file that cannot be a post (binary, empty, front matter that is never closed or is not a
mapping) raises :class:`PostError` with a one-line reason; :meth:`Archive.load_all` turns those
into :class:`~newsterm.models.Problem` records and carries on with the rest.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from newsterm.anchors import heading_id
from newsterm.errors import ArchiveError
from newsterm.front_matter import YAML_LOADER as _YAML_LOADER  # noqa: F401  (tests use it)
from newsterm.front_matter import PostError, read_front_matter
from newsterm.front_matter import split_front_matter as _split_front_matter  # noqa: F401
from newsterm.models import Post, Problem
from newsterm.names import BUNDLE_STEMS as _BUNDLE_STEMS
from newsterm.names import DATE_PREFIX as _DATE_PREFIX
from newsterm.names import name_stem as _name_stem
from newsterm.names import slug_of
from newsterm.postfile import MAX_POST_BYTES, Unreadable, read_post_bytes
from newsterm.text import one_line, strip_controls
from newsterm.walk import POST_SUFFIXES, Scan, is_section_page, scan_archive, walk_posts

__all__ = [
    "MAX_POST_BYTES",
    "POST_SUFFIXES",
    "Archive",
    "PostError",
    "date_iso",
    "date_time_text",
    "is_draft",
    "is_section_page",
    "lede_of",
    "parse_post",
    "post_sort_key",
    "slug_of",
]

"""Bigger files are reported as problems instead of being read into memory."""

_UTC = dt.UTC


# --------------------------------------------------------------------------- names and slugs

_PATH_DATE = re.compile(r"(?:^|/)(\d{4})/(\d{1,2})/(\d{1,2})(?:/|$)")


def _title_from_name(path: str) -> str:
    slug = slug_of(path)
    words = re.sub(r"[-_]+", " ", slug).strip()
    return one_line(_nfc(words or slug))  # file names made on macOS are often NFD


def path_date_key(rel: str) -> tuple[int, float, str]:
    """Sort key of a file by the date in its path (file name or folders): newest first."""
    dated = _date_from_path(rel)
    if dated is None:
        return (1, 0.0, rel)
    return (0, -dated[0].timestamp(), rel)


def post_sort_key(post: Post) -> tuple[int, float, str]:
    """Sort key: newest first, undated posts last, ties by path."""
    if post.date is None:
        return (1, 0.0, post.path)
    return (0, -post.date.timestamp(), post.path)


# --------------------------------------------------------------------------- text decoding

_HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _decode(data: bytes) -> tuple[str, str]:
    """Bytes to text and the name of the codec used (raises PostError for binary data)."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as err:
            raise PostError("not valid UTF-16 text despite its byte order mark") from err
    if b"\x00" in data:
        raise PostError("binary file (contains NUL bytes), not a text post")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # A UTF-8 file with a few stray bytes: keep UTF-8 rather than turning every Hangul
    # syllable into mojibake.
    lossy = data.decode("utf-8", errors="replace")
    bad = lossy.count("\ufffd")
    good = len(_NON_ASCII.findall(lossy)) - bad
    if good >= 10 * bad:
        return lossy, "utf-8 (invalid bytes replaced)"
    cp949 = _try_decode(data, "cp949")
    if cp949 is not None and _HANGUL.search(cp949):
        return cp949, "cp949"
    cp1252 = _try_decode(data, "cp1252")
    if cp1252 is not None:
        return cp1252, "cp1252"
    if cp949 is not None:
        return cp949, "cp949"
    return lossy, "utf-8 (invalid bytes replaced)"


def _try_decode(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        return None


def _nfc(text: str) -> str:
    if text.isascii() or unicodedata.is_normalized("NFC", text):
        return text
    return unicodedata.normalize("NFC", text)


def _one_line(text: str) -> str:
    return one_line(str(text))


# --------------------------------------------------------------------------- field values

_SCALARS = (str, int, float, dt.date, dt.datetime)


def _scalar_text(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, _SCALARS):
        # YAML's "\e" and TOML's "\u001b" make control characters the text had not.
        return _nfc(strip_controls(str(value))).strip()
    return None


def _title_value(value: Any) -> str:
    if isinstance(value, list):
        parts = [t for t in (_scalar_text(v) for v in value) if t]
        return " ".join(parts)
    return " ".join((_scalar_text(value) or "").split())


def _terms(*values: Any) -> tuple[str, ...]:
    """Categories or tags from list and/or string values, de-duplicated in order."""
    out: dict[str, None] = {}  # ordered, and O(1) membership: 200,000 tags stay quick
    for value in values:
        if value is None:
            continue
        items: list[Any]
        if isinstance(value, (list, tuple)):
            items = list(value)
        elif isinstance(value, str):
            items = value.split(",") if "," in value else value.split()
        else:
            items = [value]
        for item in items:
            text = _scalar_text(item)
            if text:
                out.setdefault(" ".join(text.split()), None)
    return tuple(out)


_DATE_RE = re.compile(
    r"""^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})
        (?:(?:[Tt]|[ \t]+)(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?
        [ \t]*(Z|z|UTC|GMT|KST|[+-]\d{1,2}(?::?\d{2})?)?$""",
    re.VERBOSE,
)
_NAMED_ZONES = {"Z": 0, "z": 0, "UTC": 0, "GMT": 0, "KST": 9 * 60}


def _zone(text: str) -> dt.tzinfo:
    if text in _NAMED_ZONES:
        return dt.timezone(dt.timedelta(minutes=_NAMED_ZONES[text]))
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    if len(digits) <= 2:
        hours, minutes = int(digits), 0
    else:
        hours, minutes = int(digits[:-2]), int(digits[-2:])
    if hours > 23 or minutes > 59:
        raise ValueError(text)
    return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))


Dated = tuple[dt.datetime, str]
"""A post's date and its kind (see ``Post.date_kind``)."""


def _naive(value: dt.datetime, site_zone: dt.tzinfo | None) -> Dated:
    """A wall time without an offset: in the site's time zone when it is known, else kept as
    "naive" (marked UTC only for sorting)."""
    if site_zone is not None:
        return value.replace(tzinfo=site_zone), "offset"
    return value.replace(tzinfo=_UTC), "naive"


def _day(year: int, month: int, day: int, site_zone: dt.tzinfo | None) -> Dated:
    return dt.datetime(year, month, day, tzinfo=site_zone or _UTC), "date"


def _parse_date_text(text: str, site_zone: dt.tzinfo | None = None) -> Dated | None:
    text = text.strip()
    m = _DATE_RE.match(text)
    if m:
        year, month, day, hour, minute, second, frac, zone = m.groups()
        micro = int((frac or "0")[:6].ljust(6, "0"))
        try:
            if hour is None:  # "2024-03-11" or "2024-03-11 +09:00": a day
                return _day(int(year), int(month), int(day), _zone(zone) if zone else site_zone)
            value = dt.datetime(
                int(year),
                int(month),
                int(day),
                int(hour or 0),
                int(minute or 0),
                int(second or 0),
                micro,
            )
            if zone:
                return value.replace(tzinfo=_zone(zone)), "offset"
        except ValueError:
            return None
        return _naive(value, site_zone)
    # RFC 2822, as in feeds: "Mon, 18 Aug 2025 20:00:09 +0900".
    from email.utils import parsedate_to_datetime

    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None:
        return None
    return (parsed, "offset") if parsed.tzinfo else _naive(parsed, site_zone)


_DAY_RE = re.compile(r"^(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?$")
_DAY_HELP = "use YYYY, YYYY-MM or YYYY-MM-DD"


def day_bounds(text: str, hint: str = _DAY_HELP) -> tuple[int, int]:
    """The first and last day a user's ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` covers, as
    ``YYYYMMDD`` numbers (compared with a post's own calendar date): the rule of the search
    query's ``date:`` and of ``newsterm list --since/--until``. ``ValueError`` (a message for
    the user, ending with ``hint``) for anything else or a day that does not exist."""
    m = _DAY_RE.match(text.strip())
    if not m:
        raise ValueError(f"bad date {text.strip()[:40]!r}: {hint}")
    y = int(m.group(1))
    mo = int(m.group(2)) if m.group(2) else None
    d = int(m.group(3)) if m.group(3) else None
    try:
        if mo is None:
            return y * 10000 + 101, y * 10000 + 1231
        dt.date(y, mo, d or 1)
        if d is None:
            nxt = dt.date(y + (mo == 12), mo % 12 + 1, 1) if y < 9999 or mo < 12 else None
            last = (nxt.toordinal() - 1) if nxt else dt.date(9999, 12, 31).toordinal()
            end = dt.date.fromordinal(last)
            return y * 10000 + mo * 100 + 1, y * 10000 + mo * 100 + end.day
        return y * 10000 + mo * 100 + d, y * 10000 + mo * 100 + d
    except ValueError:
        raise ValueError(f"no such date {text.strip()[:40]!r}: {hint}") from None


def post_day(post: Post) -> int | None:
    """The post's own calendar date as ``YYYYMMDD`` (see :func:`day_bounds`), or None."""
    date = post.date
    return None if date is None else date.year * 10000 + date.month * 100 + date.day


def _date_value(value: Any, site_zone: dt.tzinfo | None = None) -> Dated | None:
    if isinstance(value, dt.datetime):
        return (value, "offset") if value.tzinfo else _naive(value, site_zone)
    if isinstance(value, dt.date):
        return _day(value.year, value.month, value.day, site_zone)
    if isinstance(value, str):
        return _parse_date_text(value, site_zone)
    return None


# "2014/12/12/slug", "inside-rust/2020/06/29/slug", "2014-12-12-slug": a date in a Zola/Hugo
# ``path``, ``url`` or ``slug`` value.
_VALUE_DATE = re.compile(r"(?:^|/)(\d{4})[/-](\d{1,2})[/-](\d{1,2})(?:[/-]|$|\.html?$)")
_DATE_PATH_KEYS = ("path", "url", "slug", "permalink")


def _date_from_fields(fields: dict[str, Any], site_zone: dt.tzinfo | None) -> Dated | None:
    for key in _DATE_PATH_KEYS:
        value = fields.get(key)
        if isinstance(value, str):
            m = _VALUE_DATE.search(value.strip())
            if m:
                try:
                    return _day(int(m[1]), int(m[2]), int(m[3]), site_zone)
                except ValueError:
                    continue
    return None


def _date_from_path(rel: str, site_zone: dt.tzinfo | None = None) -> Dated | None:
    for m in (_DATE_PREFIX.match(_name_stem(rel)), _PATH_DATE.search(rel)):
        if m:
            try:
                return _day(int(m[1]), int(m[2]), int(m[3]), site_zone)
            except ValueError:
                continue
    return None


def date_iso(post: Post) -> str | None:
    """The post's date for JSON: ISO 8601 with the UTC offset when it is known
    (``2019-08-14T22:39:53+09:00``), without one when it is not (``2019-08-14T22:39:53``),
    and only the day for a date-only post (``2019-08-14``)."""
    date = post.date
    if date is None:
        return None
    if post.date_kind == "date":
        return date.date().isoformat()
    if post.date_kind == "naive":
        return date.replace(tzinfo=None).isoformat()
    return date.isoformat()


def date_time_text(post: Post, zone: bool = True) -> str:
    """The post's date for people: ``2019-08-14 22:39 +0900`` (``zone=False``: without the
    offset), ``2019-08-14 22:39`` (no zone known) or ``2019-08-14`` (a day only), or
    ``undated``.

    A time of exactly midnight (``2019-01-01T00:00:00Z``, ``2019-01-01 00:00:00``) is shown as
    the day too: it is how tools write a date-only post (Hugo reads ``date: 2019-01-01`` as that
    very instant, and converters from other engines write it so; 116 of the 119 posts of a
    real Hugo blog say ``T00:00:00Z``), and Hugo's own themes show the day alone. It says
    nothing the day does not, so "00:00" would be a made-up time. Only the words change:
    :func:`date_iso` (``list --json``) gives the instant as the post wrote it."""
    date = post.date
    if date is None:
        return "undated"
    day = f"{date.year:04d}-{date.month:02d}-{date.day:02d}"
    if post.date_kind == "date" or _midnight(date):
        return day
    if post.date_kind == "naive" or not zone:
        return f"{day} {date:%H:%M}"
    return f"{day} {date:%H:%M} {date:%z}"


def _midnight(date: dt.datetime) -> bool:
    """Whether ``date`` is exactly 00:00:00 in its own zone (a date-only post's time)."""
    return not (date.hour or date.minute or date.second or date.microsecond)


_DATE_KEYS = ("date", "published", "pubdate", "publishdate", "created")
_ATX = {1: re.compile(r" {0,3}#[ \t]+"), 2: re.compile(r" {0,3}#{1,2}[ \t]+")}
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def _heading_text(line: str, deepest: int) -> str | None:
    """The text of an ATX heading line of level 1 to ``deepest`` (1 or 2; None for another
    line), without its closing ``#`` sequence (``# Title ##``). By hand after the opening, not
    one pattern: a lazy group before optional blanks went over a run of blanks again at each of
    its characters (quadratic in a line like ``# x``, many blanks, ``y``)."""
    m = _ATX[deepest].match(line)
    if m is None:
        return None
    text = line[m.end() :].rstrip(" \t")
    closed = text.rstrip("#")
    if closed != text and closed[-1:] in (" ", "\t"):  # a closing sequence after a blank
        text = closed.rstrip(" \t")
    return heading_id(text)[0]  # without its attribute list: "# Title {#intro}"


def _first_h1(body: str) -> str:
    fence: str | None = None
    for line in body.split("\n"):
        m = _FENCE.match(line)
        if m:
            mark = m.group(1)
            if fence is None:
                fence = mark
            elif mark[0] == fence[0] and len(mark) >= len(fence):
                fence = None
            continue
        if fence is None and line.startswith(("#", " ")):
            text = _heading_text(line, 1)
            title = " ".join(text.split()) if text else ""
            if title:
                return title
    return ""


_TITLE_MARKUP = re.compile(r"[*_`]+")


def _same_title(text: str) -> str:
    return " ".join(_TITLE_MARKUP.sub("", text).split()).casefold()


def _without_title_heading(body: str, title: str) -> str:
    """``body`` with its first line blanked when that line is a heading that says the title
    again (``# Title`` under front matter that has it, or the heading the title was taken
    from). The reader and ``show`` put the title above the article; such posts showed it twice
    and had it as the outline's one root. The line stays, empty: body line numbers do not move.
    """
    at = 0
    while True:
        end = body.find("\n", at)
        line = body[at:] if end < 0 else body[at:end]
        if line.strip():
            break
        if end < 0:
            return body
        at = end + 1
    if not line.lstrip(" ").startswith("#"):
        return body
    text = _heading_text(line, 2)
    if text is None or not title or _same_title(text) != _same_title(title):
        return body
    return body[:at] + ("" if end < 0 else body[end:])


LEDE_KEYS = ("description", "summary", "subtitle", "excerpt", "tldr")
"""The front-matter keys a post's lede is taken from, the first that says something."""
LEDE_MAX = 300
"""Characters of a lede kept (cut at a word, with ``…``): a lede is a paragraph, not an essay."""
_NOT_WORDS = re.compile(r"[\W_]+")
#: The opening of a body a lede is compared with: this many characters more than the lede's.
_OPENING_SLACK = 200
#: A lede of this many letters or more repeats the body when it is found near its start (after
#: a picture's alt text, say); a shorter one only when the body starts with it.
_FOUND_NEAR_START = 24


def _words(text: str) -> str:
    """Letters and digits only, case folded: what two texts are compared on (punctuation,
    spaces, markup left over and a trailing ``...`` do not make them different)."""
    return _NOT_WORDS.sub("", text.casefold())


def _opening_words(body: str, chars: int) -> str:
    """The :func:`_words` of the opening of ``body`` as the reader shows it, at least ``chars``
    of them when the body has that many: only the blocks up to there are rendered."""
    from newsterm.markdown.plain import plain_text

    size = chars + _OPENING_SLACK
    while True:
        head = body
        if len(body) > 2 * size:  # whole blocks (cut at a blank line) when there is one near
            end = body.find("\n\n", size, 2 * size)
            head = body[: end if end > 0 else 2 * size]
        words = _words(plain_text(head))
        if len(words) >= chars or head is body:
            return words
        size *= 4  # markup (links, HTML) took more of the opening than the lede's length


#: What the raw opening holds that the reader never shows as text: link targets, HTML tags
#: (not autolinks, whose address is shown), Liquid tags and attribute lists.
_HIDDEN_MARKUP = re.compile(r"\]\([^)]*\)|<(?![A-Za-z][\w+.-]*:)[^>\n]*>|\{[{%:][^}\n]*\}+")


def _repeats_opening(words: str, body: str) -> bool:
    """Whether a lede (its :func:`_words`) says the opening of ``body`` again: the body starts
    with it, or a long one is found near the start (after a picture's alt text, say)."""
    # Most ledes are not in the body: they are not even in its raw opening (without the markup
    # that is never shown), and the opening need not be rendered (a Markdown parse).
    raw = body[: 2 * (len(words) + _OPENING_SLACK)]
    if "&" in raw:
        import html

        raw = html.unescape(raw)
    if words not in _words(_HIDDEN_MARKUP.sub(" ", raw)):
        return False
    opening = _opening_words(body, len(words) + _OPENING_SLACK)
    return opening.startswith(words) or (
        len(words) >= _FOUND_NEAR_START and words in opening[: len(words) + _OPENING_SLACK]
    )


def _bounded(text: str, limit: int = LEDE_MAX) -> str:
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", limit - 40, limit)
    return text[: cut if cut > 0 else limit].rstrip(" ,;:.-—") + "…"


def lede_of(fields: dict[str, Any], title: str, body: str) -> str:
    """A post's lede: the first of :data:`LEDE_KEYS` in ``fields`` (the front matter, keys
    lower-case) that is a string with something to say: its Liquid, HTML and Markdown reduced
    to their text (:func:`newsterm.markdown.plain.plain_line`), on one line, at most
    :data:`LEDE_MAX` characters; ``""`` when there is none.

    A value that only repeats the title, or the opening of the body (the excerpt a blog engine
    cut from the first paragraph, with or without its ``...``), says nothing new: the next key
    is looked at. Lists, mappings, numbers and empty values are not ledes.
    """
    title_words: str | None = None
    for key in LEDE_KEYS:
        value = fields.get(key)
        if not isinstance(value, str) or not value.strip():
            continue
        from newsterm.markdown.plain import plain_line

        text = one_line(_nfc(plain_line(value)))
        words = _words(text)
        if not words:
            continue
        if title_words is None:
            title_words = _words(title)
        if words == title_words:
            continue
        if _repeats_opening(words, body):
            continue
        return _bounded(text)
    return ""


_YES = frozenset(("true", "yes", "on", "y"))
_NO = frozenset(("false", "no", "off", "n"))
_DRAFTS_FOLDER = "_drafts"


def _yes_no(value: Any) -> bool | None:
    """A front-matter switch (``true``, ``"true"``, ``yes``, ``off`` ...) as a bool; None for
    anything else (a date, a list, no value)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _YES:
            return True
        if word in _NO:
            return False
    return None


def is_draft(fields: dict[str, Any], rel: str) -> bool:
    """Whether a post is an unpublished draft: ``draft: true`` (Hugo, Zola, Astro, Eleventy;
    also ``"true"`` or ``yes``), ``published: false`` (Jekyll; a ``published`` date is no such
    switch) or a file in a ``_drafts/`` folder (Jekyll). ``fields``: the front matter with
    lower-case keys; ``rel``: the post's path in the archive."""
    return (
        _yes_no(fields.get("draft")) is True
        or _yes_no(fields.get("published")) is False
        or _DRAFTS_FOLDER in rel.split("/")[:-1]
    )


# --------------------------------------------------------------------------- one post


def parse_post(
    rel: str, data: bytes, mtime: float = 0.0, size: int = 0, site_zone: dt.tzinfo | None = None
) -> Post:
    """Turn one file's bytes into a Post; raises :class:`PostError` with a one-line reason.

    Any other error while parsing (a front matter nested deeper than the TOML parser can
    recurse, say) also becomes a :class:`PostError`: one odd file never stops an archive.
    """
    try:
        return _parse_post(rel, data, mtime, size, site_zone)
    except PostError:
        raise
    except RecursionError:
        raise PostError("front matter is nested too deeply to read") from None
    except Exception as err:  # a safety net, not a code path: report it as the file's problem
        raise PostError(f"cannot be read: {type(err).__name__}: {_one_line(str(err))}") from None


def _parse_post(
    rel: str, data: bytes, mtime: float, size: int, site_zone: dt.tzinfo | None
) -> Post:
    if not data or data.isspace():
        raise PostError("empty file" if not data else "file has only blank space")
    text, encoding = _decode(data)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = strip_controls(_nfc(text))  # no escape sequences from a post reach a terminal
    if not text or text.isspace():
        raise PostError("file has only blank space")
    meta, body_line, body = read_front_matter(text)
    fields: dict[str, Any] = {}
    for key, value in meta.items():
        fields.setdefault(str(key).strip().lower(), value)

    title = _title_value(fields.get("title")) or _first_h1(body) or _title_from_name(rel)
    dated: Dated | None = None
    for key in _DATE_KEYS:
        if key in fields:
            dated = _date_value(fields[key], site_zone)
            if dated is not None:
                break
    if dated is not None:
        try:
            dated[0].timestamp()  # sorting needs it; keep out anything it cannot handle
        except (OverflowError, ValueError, OSError):
            dated = None
    if dated is None:
        dated = _date_from_fields(fields, site_zone) or _date_from_path(rel, site_zone)
    date, date_kind = dated if dated is not None else (None, "offset")
    body = _without_title_heading(body, title)
    return Post(
        path=rel,
        title=title,
        date=date,
        categories=_terms(fields.get("categories"), fields.get("category")),
        tags=_terms(fields.get("tags"), fields.get("tag")),
        body=body,
        body_line=body_line,
        mtime=mtime,
        size=size or len(data),
        encoding=encoding,
        date_kind=date_kind,
        draft=is_draft(fields, rel),
        lang=_declared_language(fields),
        lede=lede_of(fields, title, body),
    )


_LANGUAGE_KEYS = ("lang", "language", "locale")  # (newsterm.language.DECLARED_KEYS)


def _declared_language(fields: dict[str, Any]) -> str:
    """The first of ``lang``, ``language``, ``locale`` the front matter gives, as written (one
    line, cut short); the post's language is worked out from it when asked
    (:attr:`Post.language`), so that reading a post never loads that rule."""
    for key in _LANGUAGE_KEYS:
        text = _scalar_text(fields.get(key))
        if text:
            return _one_line(text)[:40]
    return ""


# --------------------------------------------------------------------------- site time zone

#: Files that make a folder a site's root, and may name its time zone: Jekyll ``_config.yml``
#: (``timezone:``), Hugo ``hugo.toml``/``config.toml``/... (``timeZone``), Zola ``zola.toml`` /
#: ``config.toml``; Hugo's ``config/_default/`` folder too.
SITE_CONFIG_NAMES = (
    "_config.yml",
    "_config.yaml",
    "hugo.toml",
    "hugo.yaml",
    "hugo.yml",
    "hugo.json",
    "zola.toml",
    "config.toml",
    "config.yaml",
    "config.yml",
    "config.json",
)
_HUGO_CONFIG_DIR = ("config", "_default")
_TIMEZONE_SETTING = re.compile(
    r"""^[ \t]*"?(?:timezone|time_zone)"?[ \t]*[:=][ \t]*["']?([^"'\s#,]+)""",
    re.IGNORECASE | re.MULTILINE,
)
_CONFIG_MAX_BYTES = 1 << 20
#: How far above the archive folder a site's config is looked for (``content/posts`` of a
#: Hugo site is two levels below its ``hugo.toml``).
SITE_ROOT_MAX_UP = 4


def _zone_named(name: str) -> dt.tzinfo | None:
    """``Asia/Seoul``, ``UTC`` or ``+09:00`` as a tzinfo; None if it names no zone."""
    if _DATE_ZONE.fullmatch(name):
        try:
            return _zone(name)
        except ValueError:
            return None
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


_DATE_ZONE = re.compile(r"Z|z|UTC|GMT|KST|[+-]\d{1,2}(?::?\d{2})?")


def site_config_files(folder: str) -> list[str]:
    """The site configuration files in ``folder`` (none if it is not a site's root)."""
    found = []
    for name in SITE_CONFIG_NAMES:
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            found.append(path)
    hugo_dir = os.path.join(folder, *_HUGO_CONFIG_DIR)
    if os.path.isdir(hugo_dir):
        try:
            names = sorted(os.listdir(hugo_dir))
        except OSError:
            names = []
        for name in names:
            if name.endswith((".toml", ".yaml", ".yml", ".json")):
                found.append(os.path.join(hugo_dir, name))
    return found


def zone_of_config(paths: list[str]) -> dt.tzinfo | None:
    """The time zone a site's config files set (``timezone:``, ``timeZone =``), or None."""
    for path in paths:
        try:
            with open(path, "rb") as fh:
                text = fh.read(_CONFIG_MAX_BYTES).decode("utf-8", "replace")
        except OSError:
            continue
        m = _TIMEZONE_SETTING.search(text)
        if m:
            return _zone_named(m.group(1))
    return None


# --------------------------------------------------------------------------- the archive


def _clean_rel(name: str) -> str | None:
    """A user-given relative path as a clean POSIX path inside the archive, or None."""
    text = name.replace("\\", "/").strip()
    while text.startswith("./"):
        text = text[2:]
    parts = [p for p in text.split("/") if p not in ("", ".")]
    if not parts or any(p == ".." for p in parts) or text.startswith("/"):
        return None
    return "/".join(parts)


class Archive:
    """A folder of posts. Reads only; never writes into ``root``."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        if not self.root.is_dir():
            raise ArchiveError(f"archive is not a folder: {self.root}")
        self._real_root_cache: str | None = None
        self._zones: dict[str, dt.tzinfo | None] = {}  # folder (relative, or absolute above)
        self._above: list[str] | None = None
        self.walk_problems: list[Problem] = []
        """Folders that could not be listed during the last :meth:`iter_paths`."""

    # ---- finding files

    def _walk(self) -> list[str]:
        found, self.walk_problems = walk_posts(self.root)
        return found

    def walk(self) -> Scan:
        """One walk of the archive: every candidate post file with its ``(mtime_ns, size)``
        and a digest of them all (:class:`newsterm.walk.Scan`)."""
        scan = scan_archive(self.root)
        self.walk_problems = scan.problems
        return scan

    def scan(self) -> dict[str, tuple[int, int]]:
        """``rel -> (mtime_ns, size)`` of every candidate post file, in path order
        (``(-1, -1)`` when a file cannot be looked at); see :func:`newsterm.walk.scan_archive`."""
        return self.walk().files()

    def iter_paths(self) -> Iterator[str]:
        """Relative POSIX paths of every candidate post file, sorted."""
        return iter(self._walk())

    # ---- reading posts

    def _real_root(self) -> str:
        if self._real_root_cache is None:
            self._real_root_cache = os.path.realpath(self.root)
        return self._real_root_cache

    def read(self, rel: str) -> Post:
        """Read and parse one post; raises :class:`PostError` with a one-line reason."""
        clean = _clean_rel(rel)
        if clean is None:
            raise PostError("not a path inside the archive")
        path = os.path.join(self.root, clean)
        try:
            data, st = read_post_bytes(path, self._real_root(), MAX_POST_BYTES)
        except Unreadable as err:
            raise PostError(str(err)) from None
        zone = self.site_zone(clean)
        return parse_post(clean, data, mtime=st.st_mtime, size=st.st_size, site_zone=zone)

    def _above_root(self) -> list[str]:
        """The folders above the archive where its site's config may be (absolute paths,
        nearest first; none above a git work tree's top)."""
        if self._above is None:
            self._above = []
            up = self._real_root()
            for _ in range(SITE_ROOT_MAX_UP):
                parent = os.path.dirname(up)
                if parent == up or os.path.isdir(os.path.join(up, ".git")):
                    break
                self._above.append(parent)
                up = parent
        return self._above

    def site_zone(self, rel: str) -> dt.tzinfo | None:
        """The time zone of the site that post ``rel`` belongs to: set by the nearest site
        config file (see :data:`SITE_CONFIG_NAMES`) in the post's folder or above it, up to
        :data:`SITE_ROOT_MAX_UP` folders above the archive; the first folder with a config file
        is the site's root (its zone, or None when it names none). None when there is no config.
        """
        folder_rel = rel.rpartition("/")[0]
        if folder_rel in self._zones:  # the common case: a post in a folder already seen
            return self._zones[folder_rel]
        parts = folder_rel.split("/") if folder_rel else []
        chain = ["/".join(parts[:i]) for i in range(len(parts), -1, -1)]
        chain.extend(self._above_root())
        looked: list[str] = []
        zone: dt.tzinfo | None = None
        for folder in chain:
            if folder in self._zones:
                zone = self._zones[folder]
                break
            looked.append(folder)
            configs = site_config_files(os.path.join(self.root, folder))
            if configs:
                zone = zone_of_config(configs)
                break
        for folder in looked:
            self._zones[folder] = zone
        return zone

    def load_all(
        self,
        *,
        first: int = 0,
        on_first: Callable[[list[Post], int, int], None] | None = None,
        on_progress: Callable[[int, int], None] | None = None,
        progress_every: int = 2000,
        cancelled: Callable[[], bool] | None = None,
    ) -> tuple[list[Post], list[Problem]]:
        """Every post (newest first, undated last) and every file that could not be read.

        Files are read newest path date first (:func:`path_date_key`), so a reader can show the
        newest posts before a big archive is read: after ``first`` files (when there are more),
        ``on_first(posts so far, newest first, done, total)`` is called; after that
        ``on_progress(done, total)`` every ``progress_every`` files. When ``cancelled()`` turns
        true, reading stops and what was read so far is returned.
        """
        rels = sorted(self._walk(), key=path_date_key)
        total = len(rels)
        posts: list[Post] = []
        problems: list[Problem] = []
        for done, rel in enumerate(rels, 1):
            if cancelled is not None and cancelled():
                break
            try:
                posts.append(self.read(rel))
            except PostError as err:
                problems.append(Problem(rel, str(err)))
            if done == first and total > first and on_first is not None:
                on_first(sorted(posts, key=post_sort_key), done, total)
            elif done > first and on_progress is not None and done % progress_every == 0:
                on_progress(done, total)
        posts.sort(key=post_sort_key)
        problems.extend(self.walk_problems)
        problems.sort(key=lambda p: p.path)
        return posts, problems

    def reread(
        self, rels: Iterable[str], posts: list[Post], problems: list[Problem]
    ) -> tuple[list[Post], list[Problem]]:
        """The post and problem lists after the files ``rels`` changed, added or went."""
        candidates = set(self._walk())
        by_path = {p.path: p for p in posts}
        bad = {p.path: p for p in problems}
        for rel in rels:
            by_path.pop(rel, None)
            bad.pop(rel, None)
            if rel not in candidates:
                continue
            try:
                by_path[rel] = self.read(rel)
            except PostError as err:
                bad[rel] = Problem(rel, str(err))
            except OSError as err:
                bad[rel] = Problem(rel, err.strerror or str(err))
        return sorted(by_path.values(), key=post_sort_key), sorted(
            bad.values(), key=lambda p: p.path
        )

    def find(self, name: str) -> Post:
        """The post named by a relative path or a unique slug; ArchiveError otherwise."""
        paths = self._walk()
        wanted = name.strip()
        candidate = _clean_rel(wanted)
        if os.path.isabs(wanted):
            try:
                rel = Path(wanted).resolve().relative_to(self.root.resolve())
            except (ValueError, OSError):
                rel = None
            candidate = rel.as_posix() if rel is not None else None
        if candidate is not None:
            if candidate in paths:
                return self._read_named(candidate)
            # The same name in another Unicode normalisation (NFD file names from macOS).
            by_nfc = {_nfc(p): p for p in paths}
            if _nfc(candidate) in by_nfc:
                return self._read_named(by_nfc[_nfc(candidate)])
            # A page bundle's folder stands for its index file.
            for stem in _BUNDLE_STEMS:
                for suffix in POST_SUFFIXES:
                    inside = _nfc(f"{candidate}/{stem}{suffix}")
                    if inside in by_nfc:
                        return self._read_named(by_nfc[inside])
        key = _nfc(wanted).lower()
        for suffix in POST_SUFFIXES:
            if key.endswith(suffix):
                key = key[: -len(suffix)]
                break
        exact = [p for p in paths if key in (_nfc(slug_of(p)).lower(), _nfc(_name_stem(p)).lower())]
        if len(exact) == 1:
            return self._read_named(exact[0])
        if len(exact) > 1:
            raise ArchiveError(
                f"{name!r} matches {len(exact)} posts: {_some(exact)}; give the path instead"
            )
        near = [p for p in paths if key and key in _nfc(p).lower()]
        if near:
            raise ArchiveError(f"no post named {name!r}; did you mean: {_some(near)}")
        raise ArchiveError(f"no post named {name!r} in {self.root}")

    def _read_named(self, rel: str) -> Post:
        try:
            return self.read(rel)
        except PostError as err:
            raise ArchiveError(f"cannot read {rel}: {err}") from None


def _some(paths: list[str], limit: int = 5) -> str:
    shown = ", ".join(paths[:limit])
    more = len(paths) - limit
    return f"{shown}, and {more} more" if more > 0 else shown
