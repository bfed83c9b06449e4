"""A fast reader for the flat YAML that nearly all blog front matter is written in.

Parsing front matter with a full YAML parser costs more than everything else newsterm does to
list a post. Almost every real front matter block is a flat mapping of simple lines, though::

    title: "콘텐츠와 AI의 무게중심 이동"
    date: 2025-08-18 20:00:09 +0900
    categories: [뉴스, IT]
    tags:
      - ai
      - 넷플릭스

:func:`load_simple` reads exactly that subset and returns **the same value PyYAML's safe loader
would** (plain scalars are resolved to int, float, bool, null or timestamp by PyYAML's own
resolver and constructors), with one change that newsterm's full loader shares: a timestamp
that is not a real date stays a string (see :func:`construct_timestamp`). For anything outside
the subset (nested mappings, multi-line scalars, anchors, tags, escapes in double quotes,
comments after values, block scalars ...) it returns ``None`` and the caller uses the full
parser. It never raises on any input.

The subset, line by line (blank lines and ``#`` comment lines are skipped anywhere):

* ``key: value`` at column 0, where ``key`` is letters, digits, ``_`` and ``-`` (starting with a
  letter or ``_``) and resolves to a string, followed by a colon and blanks (a tab, as libyaml
  accepts). ``value`` is a plain scalar, a single-line quoted string, a flow list ``[a, b]`` of
  plain scalars, or nothing;
* after ``key:`` with nothing, block list items ``- value`` all at one indentation (the items'
  values are plain or quoted scalars); without items the key's value is ``null``.
"""

from __future__ import annotations

import re
from typing import Any

from yaml.constructor import SafeConstructor
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

__all__ = ["construct_timestamp", "load_simple"]

# Values are matched greedily and their trailing blanks cut in code: a lazy ``(.*?)[ \t]*$``
# took quadratic time (50,000 blanks inside a title: 7 s; with tabs: 30 s).
_KEY_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*):(?:[ \t]+(.*))?$")
_ITEM_LINE = re.compile(r"( *)-[ \t]+(.*)$")
# A plain scalar may not start with an indicator character; "- " / "? " / ": " starts are
# excluded with the rest, and so is anything that holds ": " or " #" (a mapping or a comment),
# ends with ":" or has a tab (kept out for simplicity).
_PLAIN_BAD_START = frozenset("-?:,[]{}#&*!|>'\"%@`")
_FLOW_BAD = re.compile(r"[\[\]{},\"'\t]")

# Characters PyYAML's reader refuses, and the Unicode line breaks it treats as newlines.
_UNUSUAL = re.compile(
    "[^\x09\x0a\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
_STR_TAG = "tag:yaml.org,2002:str"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_RESOLVER = Resolver()
# Only scalars starting with one of these can resolve to anything but a string.
_RESOLVABLE_START = frozenset(k for k in _RESOLVER.yaml_implicit_resolvers if k)
_CONSTRUCTOR = SafeConstructor()


def construct_timestamp(constructor: SafeConstructor, node: ScalarNode) -> Any:
    """PyYAML's timestamp constructor, except that a date that does not exist
    (``2025-02-30``, ``2025-13-01``) stays a string instead of raising ``ValueError``."""
    try:
        return SafeConstructor.construct_yaml_timestamp(constructor, node)
    except (ValueError, OverflowError):
        return constructor.construct_scalar(node)


def _plain(text: str, flow: bool) -> tuple[bool, Any]:
    """(ok, value) for a plain scalar; ok is False when ``text`` is outside the subset."""
    if not text or text[0] in _PLAIN_BAD_START or "\t" in text:
        return False, None
    if ": " in text or " #" in text or text.endswith(":"):
        return False, None
    if flow and _FLOW_BAD.search(text):
        return False, None
    if text[0] not in _RESOLVABLE_START:
        return True, text
    tag = _RESOLVER.resolve(ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]  # (untyped in types-PyYAML)
    if tag == _STR_TAG:
        return True, text
    if tag == _TIMESTAMP_TAG:
        return True, construct_timestamp(_CONSTRUCTOR, ScalarNode(tag, text))
    constructor = SafeConstructor.yaml_constructors.get(tag)
    if constructor is None:
        return False, None
    try:
        return True, constructor(_CONSTRUCTOR, ScalarNode(tag, text))
    except Exception:  # a value PyYAML itself would reject: let the full parser say why
        return False, None


def _scalar(text: str) -> tuple[bool, Any]:
    """(ok, value) for a block-context scalar: single-line quoted or plain."""
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        inner = text[1:-1]
        if text[0] == "'":
            if "'" in inner.replace("''", ""):
                return False, None
            return True, inner.replace("''", "'")
        if '"' in inner or "\\" in inner:
            return False, None
        return True, inner
    return _plain(text, flow=False)


def _flow_list(text: str) -> tuple[bool, Any]:
    inner = text[1:-1].strip()
    if not inner:
        return True, []
    items = []
    for part in inner.split(","):
        ok, value = _plain(part.strip(), flow=True)
        if not ok:
            return False, None
        items.append(value)
    return True, items


def load_simple(text: str) -> dict[str, Any] | None:
    """The mapping PyYAML's safe loader gives for ``text``, or ``None`` if ``text`` is not in
    the simple subset described in the module docstring (an empty text gives ``{}``)."""
    if _UNUSUAL.search(text):
        return None
    result: dict[str, Any] = {}
    list_key: str | None = None  # key whose block list is being read
    list_indent = -1
    for line in text.split("\n"):
        stripped = line.strip()
        if not stripped or stripped[0] == "#":
            continue
        if list_key is not None:
            m = _ITEM_LINE.match(line)
            if m and (list_indent < 0 or len(m.group(1)) == list_indent):
                list_indent = len(m.group(1))
                ok, value = _scalar(m.group(2).rstrip(" \t"))
                if not ok:
                    return None
                items = result[list_key]
                if items is None:
                    items = result[list_key] = []
                items.append(value)
                continue
            if m or line[0] in " \t":
                return None  # an item at another indentation, or a continuation line
            list_key = None
        m = _KEY_LINE.match(line)
        if m is None:
            return None
        key, value_text = m.group(1), (m.group(2) or "").rstrip(" \t")
        if (
            key[0] in _RESOLVABLE_START
            and _RESOLVER.resolve(ScalarNode, key, (True, False)) != _STR_TAG  # type: ignore[no-untyped-call]  # (untyped in types-PyYAML)
        ):
            return None  # keys like "yes", "null", "on" are not strings in YAML 1.1
        if not value_text:
            result[key] = None
            list_key, list_indent = key, -1
            continue
        if value_text[0] == "[" and value_text[-1] == "]":
            ok, value = _flow_list(value_text)
        else:
            ok, value = _scalar(value_text)
        if not ok:
            return None
        result[key] = value
    return result
