"""Terminal-safe text: what untrusted post text may contain when it reaches a terminal.

newsterm is served over SSH to anonymous readers, so every byte of a post is untrusted. A title
like ``"\\x1b]52;c;...\\x07"`` would write the reader's clipboard, ``"\\x1b[2J"`` would clear the
screen, ``\\u202e`` would turn ``gnp.exe`` around. The policy:

* The core (:func:`newsterm.archive.parse_post`) removes :data:`UNSAFE` characters from a post's
  text and metadata as it reads it, so every ``Post`` (title, categories, tags, body), every
  outline and every search snippet is already safe for any front.
* File names are not text a post author can be trusted with either; the archive reports a post
  file whose name has such characters (or is not valid UTF-8) as a problem instead of reading it,
  and problem paths are shown through :func:`escape_controls`.
* Fronts still pass the text they print through :func:`strip_controls` / :func:`one_line`
  (cheap when there is nothing to remove), so that text from elsewhere (an old index, an error
  message quoting its input) cannot slip through.

:data:`UNSAFE` is every C0 control but tab and newline, DEL, every C1 control (``\\x9b`` is CSI
on some terminals), the bidirectional embedding/override/isolate controls (U+202A-U+202E,
U+2066-U+2069) and lone surrogates (undecodable bytes of a file name, which cannot be encoded
for output). Lone surrogates become U+FFFD; the rest is dropped.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = [
    "UNSAFE",
    "WEB_SCHEMES",
    "escape_controls",
    "has_unsafe",
    "is_web_link",
    "json_safe",
    "one_line",
    "strip_controls",
]

UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
"""Characters that must never reach a terminal from a post (tab and newline are allowed)."""

_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r", "\x1b": "\\e"}


def _drop(m: re.Match[str]) -> str:
    return "\ufffd" if "\ud800" <= m.group() <= "\udfff" else ""


def has_unsafe(text: str) -> bool:
    """True if ``text`` holds a character of :data:`UNSAFE`."""
    return UNSAFE.search(text) is not None


def strip_controls(text: str) -> str:
    """``text`` without :data:`UNSAFE` characters (lone surrogates become U+FFFD).

    Tab and newline stay. Costs one regex scan when there is nothing to remove.
    """
    if UNSAFE.search(text) is None:
        return text
    return UNSAFE.sub(_drop, text)


def one_line(text: str) -> str:
    """``text`` made safe and put on one line: runs of blank space (newlines too) become one
    space, and leading/trailing space goes."""
    return " ".join(strip_controls(text).split())


def _escape(m: re.Match[str]) -> str:
    ch = m.group()
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


@lru_cache(maxsize=1)
def _escaped() -> re.Pattern[str]:
    # compiled on first use (like _surrogate): a one-shot search never needs either
    return re.compile("[\t\n\r]|" + UNSAFE.pattern)


@lru_cache(maxsize=1)
def _surrogate() -> re.Pattern[str]:
    return re.compile("[\ud800-\udfff]")


def escape_controls(text: str) -> str:
    """``text`` on one line with every unsafe character, tab and newline shown as a visible
    escape (``\\e``, ``\\n``, ``\\x9b``, ``\\u202e``; a byte that was not UTF-8 as ``\\xff``).

    For file names: the reader sees which file is meant, and the terminal sees only text.
    """
    escaped = _escaped()
    if escaped.search(text) is None:
        return text
    return escaped.sub(_escape, text)


def json_safe(text: str) -> str:
    """JSON text (from ``json.dumps(..., ensure_ascii=False)``) with lone surrogates written as
    ``\\udcff`` escapes, so that it can be encoded as UTF-8; ``json.loads`` gives them back."""
    surrogate = _surrogate()
    if surrogate.search(text) is None:
        return text
    return surrogate.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


WEB_SCHEMES = ("http", "https", "mailto")
"""The only link schemes newsterm lets a terminal or a browser open (a post's ``file:``,
``javascript:`` or ``ssh:`` link is shown, never followed)."""


def is_web_link(href: str) -> bool:
    """True for an ``http:``, ``https:`` or ``mailto:`` link."""
    scheme, sep, _rest = href.strip().partition(":")
    return bool(sep) and scheme.lower() in WEB_SCHEMES
