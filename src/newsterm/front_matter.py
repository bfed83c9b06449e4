"""Front matter: python-frontmatter's handlers detect and split it, newsterm's readers parse it.

python-frontmatter (``frontmatter``) is the framework: a post's text goes to
:func:`frontmatter.detect_format` with newsterm's handlers, in this order:

* :class:`FlatYAMLHandler` (``---`` ... ``---`` or ``...``): newsterm's fast reader of the
  common flat YAML shape (:func:`newsterm.simple_yaml.load_simple`, many times faster than a
  YAML parser), falling back to libyaml (``yaml.CSafeLoader``) and, if that fails, to one
  repair of what people commonly get wrong (tabs after ``key:``, an unquoted ``: `` in a value);
* :class:`TomlHandler` (``+++`` ... ``+++``, Hugo and Zola), read with the standard ``tomllib``;
* :class:`JsonHandler` (a first line ``{`` ... a line ``}``, Hugo), python-frontmatter's own
  JSON handler; a text that only looks like it (it is not a JSON object) has no front matter.

Each handler's ``split`` finds the front matter exactly as before this module existed: blank
lines before the opening delimiter are allowed, delimiter lines may carry trailing blanks, and
only the front matter's lines are looked at (a long body costs nothing). :func:`read_front_matter`
also says on which line of the file the body starts, so that outline lines can be shown as file
lines. A front matter that cannot be read raises :class:`PostError` with a one-line reason.
"""

from __future__ import annotations

import json
import re
from typing import Any

import frontmatter
import yaml
from frontmatter.default_handlers import BaseHandler, JSONHandler, YAMLHandler

from newsterm.simple_yaml import construct_timestamp, load_simple
from newsterm.text import one_line

__all__ = [
    "HANDLERS",
    "YAML_LOADER",
    "FlatYAMLHandler",
    "JsonHandler",
    "PostError",
    "TomlHandler",
    "read_front_matter",
    "split_front_matter",
]


class PostError(Exception):
    """A file that cannot be read as a post; ``str(err)`` is a one-line reason."""


_BASE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BASE_LOADER):
    """The safe loader (libyaml when available), keeping impossible dates as strings."""


_Loader.add_constructor("tag:yaml.org,2002:timestamp", construct_timestamp)
YAML_LOADER: Any = _Loader


_TAB_AFTER_KEY = re.compile(r"^([ ]*(?:- )?[^\s#:'\"][^:\n]*?:)[ \t]*\t[ \t]*", re.MULTILINE)
_LEADING_TABS = re.compile(r"^\t+", re.MULTILINE)
_PLAIN_KEY_VALUE = re.compile(r"^([^\s#:'\"\-?][^:]*:) +([^\s'\"\[\]{}|>&*!%@`#].*)$")
# A top-level value that opens with a quoted part and goes on after it:
# ``title: '~/.docker/config.json : permission denied' 오류 발생시``.
# (also ``title: [Fedora] gcc: error``: a bracketed part, not a list, then more).
_QUOTED_THEN_MORE = re.compile(
    r"""^([^\s#:'"\-?][^:]*:) +((?:(['"]).*?\3|\[[^\[\]]*\])[ \t]*[^\s#,].*)$"""
)


def _one_line(text: str) -> str:
    return one_line(str(text))


def split_front_matter(text: str) -> tuple[str | None, str, int, int, str]:
    """Find front matter: (kind or None, its text, its first file line, the body's first line,
    the body).

    ``text`` has ``\\n`` line ends. Blank lines before the opening delimiter are allowed; a
    delimiter line may have trailing blanks. Only the front matter's lines are looked at, so
    a long body costs nothing here.
    """
    pos, line_no, n = 0, 1, len(text)
    while True:  # skip blank lines
        end = text.find("\n", pos)
        end = n if end < 0 else end
        if text[pos:end].strip() or end == n:
            break
        pos, line_no = end + 1, line_no + 1
    first = text[pos:end].rstrip()
    closers: tuple[str, ...]
    if first == "---":
        kind, closers = "yaml", ("---", "...")
    elif first == "+++":
        kind, closers = "toml", ("+++",)
    else:
        return None, "", 0, 1, text
    open_line = line_no
    fm_start = end + 1
    pos = fm_start
    while pos <= n:
        line_no += 1
        end = text.find("\n", pos)
        end = n if end < 0 else end
        if text[pos:end].rstrip() in closers:
            fm_text = text[fm_start : max(fm_start, pos - 1)]
            return kind, fm_text, open_line + 1, line_no + 1, text[end + 1 :]
        pos = end + 1
    raise PostError(
        f"front matter opened with {first} on line {open_line} is never closed "
        f"(no closing {closers[0]} line)"
    )


def _yaml_mapping(text: str, first_line: int) -> dict[str, Any]:
    """Parse YAML front matter into a dict (empty front matter gives ``{}``).

    The common flat shape is read by :func:`newsterm.simple_yaml.load_simple` (same result,
    many times faster); anything else goes through the full YAML parser.
    """
    simple = load_simple(text)
    if simple is not None:
        return simple
    try:
        data = yaml.load(text, Loader=YAML_LOADER)
        error: Exception | None = None
    except yaml.YAMLError as err:
        data, error = None, err
    if error is None and (data is None or isinstance(data, dict)):
        return data or {}
    fixed = _repair_yaml(text)
    if fixed != text:
        try:
            data2 = yaml.load(fixed, Loader=YAML_LOADER)
        except yaml.YAMLError:
            pass
        else:
            if data2 is None or isinstance(data2, dict):
                return data2 or {}
    if error is not None:
        raise PostError(_yaml_reason(error, first_line)) from None
    return_type = type(data).__name__
    shape = {"list": "a list", "str": "plain text"}.get(return_type, f"a {return_type}")
    raise PostError(f"front matter is {shape}, not a mapping of keys to values")


def _repair_yaml(text: str) -> str:
    """Fix what people (and blog engines) commonly get wrong in front matter.

    Tabs after ``key:`` or as indentation become spaces, and a plain top-level value that
    contains ``": "`` or ends in ``:`` (``title: Part 1: the start``, which YAML rejects) is
    quoted, and so is one that opens with a quoted part and goes on after it
    (``title: 'config.json' 오류``, ``title: [Fedora] gcc 오류``; Jekyll's own YAML reader
    rejects both).
    """
    text = _TAB_AFTER_KEY.sub(r"\1 ", text)
    text = _LEADING_TABS.sub(lambda m: "  " * len(m.group(0)), text)
    out = []
    for line in text.split("\n"):
        m = _PLAIN_KEY_VALUE.match(line)
        value = m.group(2).rstrip() if m else ""
        if m and (": " in value or value.endswith(":")):
            value = value.replace("'", "''")
            line = f"{m.group(1)} '{value}'"
        elif q := _QUOTED_THEN_MORE.match(line):
            value = q.group(2).rstrip().replace("'", "''")
            line = f"{q.group(1)} '{value}'"
        out.append(line)
    return "\n".join(out)


def _yaml_reason(err: Exception, first_line: int) -> str:
    problem = getattr(err, "problem", None) or getattr(err, "context", None) or str(err)
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    where = f" (line {first_line + mark.line})" if mark is not None else ""
    return f"front matter is not valid YAML: {_one_line(problem)}{where}"


def _toml_mapping(text: str, first_line: int) -> dict[str, Any]:
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        msg = _one_line(str(err))
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        if m:
            line = first_line + int(m.group(1)) - 1
            msg = msg[: m.start()].rstrip() + f" (line {line})"
        raise PostError(f"front matter is not valid TOML: {msg}") from None


# --------------------------------------------------------------------------- the handlers

_BLANK_LINES = re.compile(r"(?:[ \t]*\n)*")


class _Delimited:
    """What the YAML and TOML handlers share: detection and splitting by delimiter lines."""

    kind = ""

    def detect(self, text: str) -> bool:
        start = _BLANK_LINES.match(text)
        pos = start.end() if start else 0
        end = text.find("\n", pos)
        first = text[pos : len(text) if end < 0 else end].rstrip()
        return bool(first == self.START_DELIMITER)  # type: ignore[attr-defined]

    def split(self, text: str) -> tuple[str, str]:
        _kind, fm_text, _fm_line, _body_line, body = split_front_matter(text)
        return fm_text, body


class FlatYAMLHandler(_Delimited, YAMLHandler):
    """YAML front matter, read by newsterm's flat-YAML reader first (see the module doc)."""

    kind = "yaml"
    FM_BOUNDARY = re.compile(r"^-{3}[ \t]*$", re.MULTILINE)
    START_DELIMITER = END_DELIMITER = "---"

    def load(self, fm: str, first_line: int = 2, **kwargs: object) -> dict[str, Any]:  # type: ignore[override]
        return _yaml_mapping(fm, first_line)


class TomlHandler(_Delimited, BaseHandler):
    """TOML front matter (Hugo, Zola), read with ``tomllib``."""

    kind = "toml"
    FM_BOUNDARY = re.compile(r"^\+{3}[ \t]*$", re.MULTILINE)
    START_DELIMITER = END_DELIMITER = "+++"

    def load(self, fm: str, first_line: int = 2, **kwargs: object) -> dict[str, Any]:
        return _toml_mapping(fm, first_line)


class JsonHandler(JSONHandler):
    """JSON front matter (Hugo): python-frontmatter's handler, reporting errors as PostError."""

    kind = "json"

    def load(self, fm: str, first_line: int = 1, **kwargs: object) -> dict[str, Any]:  # type: ignore[override]
        try:
            data = json.loads(fm)
        except ValueError as err:
            raise PostError(f"front matter is not valid JSON: {_one_line(str(err))}") from None
        if not isinstance(data, dict):
            raise PostError("front matter is not a JSON object")
        return data


HANDLERS: tuple[BaseHandler, ...] = (FlatYAMLHandler(), TomlHandler(), JsonHandler())


def read_front_matter(text: str) -> tuple[dict[str, Any], int, str]:
    """``(metadata, the body's first file line, the body)`` of a post's ``text`` (``\\n`` line
    ends); ``({}, 1, text)`` when it has no front matter. Raises :class:`PostError`."""
    handler = frontmatter.detect_format(text, HANDLERS)
    if handler is None:
        return {}, 1, text
    if isinstance(handler, JsonHandler):
        try:
            fm, body = handler.split(text)
            meta = handler.load(fm)
        except (ValueError, PostError):
            return {}, 1, text  # a first line "{" that does not open a JSON object
        body_line = text.count("\n", 0, len(text) - len(body)) + 1
        if body.startswith("\n"):
            body, body_line = body[1:], body_line + 1
        return meta, body_line, body
    _kind, fm_text, fm_line, body_line, body = split_front_matter(text)
    return handler.load(fm_text, fm_line), body_line, body  # type: ignore[call-arg]
