"""The options of ``newsterm search``, declared once.

Three readers use this declaration: the argparse parser (``cli._search_args``), the quick
parser that reads a plain search command line without importing argparse
(``cli._quick_search_args``), and the SSH server's allow-list for exec requests
(``ssh.commands``), which accepts only the options marked ``served`` (a client never names a
folder). This module imports nothing: a one-shot search loads it.
"""

from __future__ import annotations

__all__ = ["COLORS", "DEFAULT_LIMIT", "FORMATS", "SEARCH_OPTIONS", "SORTS", "Option", "option"]

SORTS = ("relevance", "date")
FORMATS = ("text", "json", "jsonl", "paths")
COLORS = ("auto", "always", "never")
DEFAULT_LIMIT = 20


class Option:
    """One option: its ``--name``, whether it takes a value (else it is a flag), the values
    it accepts (``choices``, or whole numbers with ``number``), its default and help line, and
    whether an SSH client may give it (``served``)."""

    __slots__ = ("choices", "default", "dest", "help", "metavar", "name", "number", "served")

    def __init__(
        self,
        name: str,
        *,
        help: str,
        metavar: str | None = None,
        choices: tuple[str, ...] | None = None,
        number: bool = False,
        default: object = None,
        served: bool = False,
    ) -> None:
        self.name = name
        self.dest = name[2:].replace("-", "_")
        self.help = help
        self.metavar = metavar
        self.choices = choices
        self.number = number
        self.default = default
        self.served = served

    @property
    def flag(self) -> bool:
        """True for an option without a value (``--json``)."""
        return self.default is False

    def usage(self) -> str:
        """``--name``, ``--name N`` or ``--name a|b``, as a usage line shows it."""
        if self.flag:
            return self.name
        value = "|".join(self.choices) if self.choices else self.metavar or "VALUE"
        return f"{self.name} {value}"


SEARCH_OPTIONS: tuple[Option, ...] = (
    Option(
        "--archive",
        metavar="DIR",
        help="archive folder (default: $NEWSTERM_ARCHIVE, else the bundled archive)",
    ),
    Option(
        "--index-dir",
        metavar="DIR",
        help="where the search index lives (default: newsterm's cache folder, one per archive)",
    ),
    Option(
        "--limit",
        metavar="N",
        number=True,
        default=DEFAULT_LIMIT,
        help=f"at most N hits ({DEFAULT_LIMIT})",
        served=True,
    ),
    Option(
        "--sort",
        choices=SORTS,
        default="relevance",
        help="order of the hits (relevance)",
        served=True,
    ),
    Option(
        "--format",
        choices=FORMATS,
        help="text (the default), a JSON array, JSON lines (one hit a line, with the match"
        " offsets in its snippet), or paths one per line",
        served=True,
    ),
    Option("--json", default=False, help="the same as --format json", served=True),
    Option(
        "--no-build",
        default=False,
        help="never build or repair the index; without one, exit 2 (the SSH server's searches)",
    ),
    Option(
        "--color",
        choices=COLORS,
        default="auto",
        help="styles: on a terminal unless NO_COLOR is set (auto), always, never",
        served=True,
    ),
)
"""Every option of ``newsterm search`` but the query words, in the order help lists them."""

_BY_NAME = {o.name: o for o in SEARCH_OPTIONS}


def option(name: str) -> Option | None:
    """The search option called ``name`` (``--limit``), or None."""
    return _BY_NAME.get(name)
