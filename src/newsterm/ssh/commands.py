"""What an SSH exec request may run: only ``search`` with a few options, never a shell.

The command line is split with ``shlex.split`` and checked against a small allow-list; the
result is an argument list for ``newsterm search`` in which the archive and index folder are the
server's own (a client can never name another folder) and every query word comes after ``--``.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

MAX_COMMAND_CHARS = 2000
MAX_WORDS = 64
MAX_LIMIT = 200
SORTS = ("relevance", "date")
COLORS = ("auto", "always", "never")
USAGE = (
    "only 'search [--json] [--limit N] [--sort relevance|date] [--color always|never] QUERY'"
    " can be run here"
)


@dataclass(slots=True)
class SearchRequest:
    """A checked ``search`` exec request."""

    words: list[str]
    json: bool = False
    limit: int | None = None
    sort: str | None = None
    color: str | None = None

    def argv(self, archive: str, index_dir: str, terminal: bool = False) -> list[str]:
        """Arguments after ``newsterm``: ``search --archive A --index-dir I [opts] -- words``.

        ``terminal``: the client asked for a pty (``ssh -t``), so the output is styled unless
        the request says ``--color never`` (the search itself writes into a pipe)."""
        out = ["search", "--archive", archive, "--index-dir", index_dir]
        if self.json:
            out.append("--json")
        if self.limit is not None:
            out += ["--limit", str(self.limit)]
        if self.sort is not None:
            out += ["--sort", self.sort]
        color = self.color or "auto"
        if color == "auto":
            color = "always" if terminal else "never"
        out += ["--color", color]
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
        if name == "--json" and not eq:
            req.json = True
        elif name in ("--limit", "--sort", "--color"):
            if not eq:
                if i >= len(rest):
                    raise CommandRefused(f"{name} needs a value")
                value = rest[i]
                i += 1
            if name == "--limit":
                req.limit = _int_limit(value)
            elif name == "--color":
                if value not in COLORS:
                    raise CommandRefused(f"--color must be one of: {', '.join(COLORS)}")
                req.color = value
            elif value in SORTS:
                req.sort = value
            else:
                raise CommandRefused(f"--sort must be one of: {', '.join(SORTS)}")
        else:
            raise CommandRefused(f"option {name} is not allowed; {USAGE}")
    if not req.words:
        raise CommandRefused("search needs a query")
    if len(req.words) > MAX_WORDS:
        raise CommandRefused("query too long")
    return req
