"""Write docs/man/newsterm.1, the man page, from the command line's own argparse parser.

    .venv/bin/python docs/man/make_manpage.py          # rewrite docs/man/newsterm.1
    .venv/bin/python docs/man/make_manpage.py --check  # exit 1 if it differs from the parser

The commands and options come from ``newsterm.cli.build_parser`` through argparse-manpage (the
``test`` extra), the sections argparse does not know (environment, files, exit status) from
``newsterm.include`` beside this script. tests/test_manpage.py fails when the page and the
parser disagree. Wheels install the page as ``share/man/man1/newsterm.1`` (pyproject.toml), so
``man newsterm`` finds it next to the ``newsterm`` command.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PAGE = HERE / "newsterm.1"
INCLUDE = HERE / "newsterm.include"


def manpage() -> str:
    """The man page's roff text (no date in its header: it would change the page every day)."""
    from argparse_manpage.manpage import Manpage

    from newsterm import __version__
    from newsterm.cli import build_parser

    parser = build_parser()
    for group in parser._action_groups:
        if any(isinstance(a, argparse._SubParsersAction) for a in group._group_actions):
            group.title = "commands"  # argparse calls them positional arguments
    page = Manpage(
        parser,
        _data={
            "project_name": "newsterm",
            "version": __version__,
            "description": "read and search a folder of Markdown blog posts in the terminal",
            "manual_title": "User Commands",
            "include": str(INCLUDE),
        },
    )
    page.date = ""
    return str(page)


def main(argv: list[str], page: Path = PAGE) -> int:
    text = manpage()
    if argv == ["--check"]:
        if not page.is_file() or page.read_text(encoding="utf-8") != text:
            print(f"{page} is out of date: run docs/man/make_manpage.py", file=sys.stderr)
            return 1
        return 0
    page.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
