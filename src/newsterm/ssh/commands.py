"""What an SSH exec request may run: only ``search`` with a few options, never a shell.

The command line is split with ``shlex.split`` and checked against a small allow-list; the
result is an argument list for ``newsterm search`` in which the archive and index folder are the
server's own (a client can never name another folder) and every query word comes after ``--``.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from newsterm.search.options import SEARCH_OPTIONS, option

MAX_COMMAND_CHARS = 2000
MAX_WORDS = 64
MAX_LIMIT = 200
SERVED = tuple(o for o in SEARCH_OPTIONS if o.served)
"""The options of ``newsterm search`` a client may give (the search's own declaration)."""
USAGE = "only 'search " + " ".join(f"[{o.usage()}]" for o in SERVED) + " QUERY' can be run here"


@dataclass(slots=True)
class SearchRequest:
    """A checked ``search`` exec request."""

    words: list[str]
    json: bool = False
    limit: int | None = None
    sort: str | None = None
    color: str | None = None
    format: str | None = None

    def argv(self, archive: str, index_dir: str, terminal: bool = False) -> list[str]:
        """Arguments after ``newsterm``: ``search --archive A --index-dir I [opts] -- words``.

        ``terminal``: the client asked for a pty (``ssh -t``), so the output is styled unless
        the request says ``--color never`` (the search itself writes into a pipe)."""
        # --no-build: the server is the index's only writer; a search never builds it.
        out = ["search", "--archive", archive, "--index-dir", index_dir, "--no-build"]
        for o in SERVED:
            value = getattr(self, o.dest)
            if o.dest == "color":
                value = value or "auto"
                if value == "auto":
                    value = "always" if terminal else "never"
            if o.flag:
                out += [o.name] if value else []
            elif value is not None:
                out += [o.name, str(value)]
        return [*out, "--", *self.words]


class CommandRefused(ValueError):
    """The exec request is not an allowed command; ``str()`` is a one-line reason."""


def _int_limit(text: str) -> int:
    try:
        value = int(text, 10)
    except ValueError:
        raise CommandRefused(f"--limit needs a whole number, not {text!r}") from None
    if not 1 <= value <= MAX_LIMIT:
        raise CommandRefused(f"--limit must be between 1 and {MAX_LIMIT}")
    return value


def parse_exec(command: str) -> SearchRequest:
    """Check an exec request; raises :class:`CommandRefused` for anything but a search."""
    if len(command) > MAX_COMMAND_CHARS:
        raise CommandRefused("command too long")
    if "\0" in command:
        raise CommandRefused(USAGE)
    try:
        tokens = shlex.split(command)
    except ValueError as err:
        raise CommandRefused(f"cannot parse the command: {err}") from None
    if not tokens or tokens[0] != "search":
        raise CommandRefused(USAGE)
    req = SearchRequest(words=[])
    rest = tokens[1:]
    i = 0
    while i < len(rest):
        tok = rest[i]
        i += 1
        if tok == "--":
            req.words.extend(rest[i:])
            break
        if not tok.startswith("--"):
            req.words.append(tok)
            continue
        name, eq, value = tok.partition("=")
        spec = option(name)
        if spec is None or not spec.served:
            raise CommandRefused(f"option {name} is not allowed; {USAGE}")
        if spec.flag:
            if eq:
                raise CommandRefused(f"{name} takes no value")
            setattr(req, spec.dest, True)
            continue
        if not eq:
            if i >= len(rest):
                raise CommandRefused(f"{name} needs a value")
            value = rest[i]
            i += 1
        if spec.number:
            setattr(req, spec.dest, _int_limit(value))
        elif spec.choices is not None and value not in spec.choices:
            raise CommandRefused(f"{name} must be one of: {', '.join(spec.choices)}")
        else:
            setattr(req, spec.dest, value)
    if not req.words:
        raise CommandRefused("search needs a query")
    if len(req.words) > MAX_WORDS:
        raise CommandRefused("query too long")
    return req
