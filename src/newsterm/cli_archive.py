"""The ``list``, ``show`` and ``check`` commands: an archive's posts on standard output.

Each handler takes the parsed arguments and returns the exit status. On a terminal (without
``NO_COLOR``) output goes through rich; otherwise it is plain text that lines up Korean wide
characters by their terminal cell width. ``--json`` always prints JSON (``ensure_ascii=False``).
Errors a user can fix are raised as :class:`~newsterm.errors.NewstermError` for ``cli.main`` to
print as one line. Nothing here writes into the archive.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from datetime import datetime
from typing import TextIO

from newsterm.archive import Archive
from newsterm.models import Post, Problem
from newsterm.paths import resolve_archive

__all__ = ["cmd_check", "cmd_list", "cmd_show", "date_text", "post_json"]

#: In plain ``list`` output the title column is at most this many cells wide (longer titles
#: are printed whole and push the rest of their row to the right).
TITLE_COLUMN_MAX = 60
CATEGORY_COLUMN_MAX = 24

# C0/C1 control characters other than tab and newline: never sent to a terminal, so a post
# cannot move the cursor or change the terminal's state.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _safe(text: str) -> str:
    return _CONTROL.sub("", text) if _CONTROL.search(text) else text


def _one_line(text: str) -> str:
    return " ".join(_safe(text).split())


def _open_archive(args: argparse.Namespace) -> Archive:
    return Archive(resolve_archive(getattr(args, "archive", None)))


def _fancy(stream: TextIO) -> bool:
    """Rich output: a terminal, colours not refused, and not a dumb terminal."""
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        return False
    return tty and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def date_text(date: datetime | None) -> str:
    """``YYYY-MM-DD`` in the post's own time zone, or ``undated``."""
    if date is None:
        return "undated"
    return f"{date.year:04d}-{date.month:02d}-{date.day:02d}"


def _date_time_text(date: datetime | None) -> str:
    if date is None:
        return "undated"
    if (date.hour, date.minute, date.second) == (0, 0, 0):
        return date_text(date)
    return f"{date_text(date)} {date:%H:%M} {date:%z}"


def post_json(post: Post) -> dict:
    """The short JSON form of a post used by ``list --json``."""
    return {
        "path": post.path,
        "title": post.title,
        "date": post.date.isoformat() if post.date else None,
        "categories": list(post.categories),
        "tags": list(post.tags),
    }


def _write(text: str) -> None:
    sys.stdout.write(text)
    # Flush here so that a closed pipe surfaces inside cli.main, which handles it quietly.
    sys.stdout.flush()


def _dump_json(data: object) -> None:
    _write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def _report_problems(problems: list[Problem]) -> None:
    for problem in problems:
        print(
            f"newsterm: problem: {_one_line(problem.path)}: {_one_line(problem.reason)}",
            file=sys.stderr,
        )


# --------------------------------------------------------------------------- list


def _pad(text: str, width: int, cell_len) -> str:
    return text + " " * max(0, width - cell_len(text))


def _plain_rows(posts: list[Post]) -> str:
    from rich.cells import cell_len

    rows = [
        (date_text(p.date), _one_line(p.title), _one_line(", ".join(p.categories)), _safe(p.path))
        for p in posts
    ]
    title_w = min(TITLE_COLUMN_MAX, max((cell_len(r[1]) for r in rows), default=0))
    cats_w = min(CATEGORY_COLUMN_MAX, max((cell_len(r[2]) for r in rows), default=0))
    out = []
    for date, title, cats, path in rows:
        out.append(
            f"{date:<10}  {_pad(title, title_w, cell_len)}  {_pad(cats, cats_w, cell_len)}  {path}"
        )
    return "\n".join(out) + ("\n" if out else "")


def _rich_list(posts: list[Post]) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, pad_edge=False, header_style="bold", expand=False)
    table.add_column("Date", no_wrap=True, style="cyan")
    table.add_column("Title", no_wrap=True, overflow="ellipsis", ratio=3)
    table.add_column("Categories", no_wrap=True, overflow="ellipsis", style="green", ratio=1)
    table.add_column("Path", no_wrap=True, overflow="ellipsis", style="dim", ratio=2)
    for p in posts:
        table.add_row(
            Text(date_text(p.date)),
            Text(_one_line(p.title)),
            Text(_one_line(", ".join(p.categories))),
            Text(_one_line(p.path)),
        )
    Console(highlight=False).print(table)


def cmd_list(args: argparse.Namespace) -> int:
    """``newsterm list``: every post, newest first (undated last); problems go to stderr."""
    archive = _open_archive(args)
    posts, problems = archive.load_all()
    if getattr(args, "json", False):
        _dump_json([post_json(p) for p in posts])
    elif _fancy(sys.stdout):
        _rich_list(posts)
    else:
        _write(_plain_rows(posts))
    _report_problems(problems)
    return 0


# --------------------------------------------------------------------------- show


def _outline_lines(sections, depth: int = 0) -> list[str]:
    lines = []
    for s in sections:
        lines.append(f"{'  ' * depth}{_one_line(s.title)}  (line {s.line})")
        lines.extend(_outline_lines(s.children, depth + 1))
    return lines


def _header_lines(post: Post) -> list[str]:
    meta = _date_time_text(post.date)
    if post.categories:
        meta += " · " + ", ".join(post.categories)
    lines = [_one_line(post.title), _one_line(meta)]
    if post.tags:
        lines.append(_one_line("tags: " + ", ".join(post.tags)))
    lines.append(f"path: {_one_line(post.path)}")
    return lines


def _show_plain(post: Post, markdown: str) -> None:
    text = "\n".join(_header_lines(post)) + "\n\n" + _safe(markdown).strip("\n") + "\n"
    _write(text)


def _show_rich(post: Post, markdown: str) -> None:
    from rich.console import Console
    from rich.markdown import Markdown
    from rich.text import Text

    console = Console(highlight=False)
    console.print(Text(_one_line(post.title), style="bold"))
    meta = Text(_date_time_text(post.date), style="cyan")
    if post.categories:
        meta.append(" · ")
        meta.append(_one_line(", ".join(post.categories)), style="green")
    if post.tags:
        meta.append("  ")
        meta.append(_one_line(" ".join(f"#{t}" for t in post.tags)), style="magenta")
    console.print(meta)
    console.print(Text(post.path, style="dim"))
    console.rule(style="dim")
    console.print(Markdown(_safe(markdown)))


def cmd_show(args: argparse.Namespace) -> int:
    """``newsterm show POST``: the rendered post, or with ``--outline`` its section tree."""
    from newsterm import outline

    archive = _open_archive(args)
    post = archive.find(args.post)
    as_json = getattr(args, "json", False)
    if getattr(args, "outline", False):
        sections = outline.extract_outline(post.body)
        if as_json:
            _dump_json([s.to_dict() for s in sections])
        elif sections:
            _write("\n".join(_outline_lines(sections)) + "\n")
        else:
            print(f"newsterm: {post.path} has no sections", file=sys.stderr)
        return 0
    if as_json:
        data = post_json(post)
        data.update(
            word_count=post.word_count,
            body_line=post.body_line,
            encoding=post.encoding,
            body=post.body,
        )
        _dump_json(data)
        return 0
    markdown = outline.promote_headings(post.body)
    if _fancy(sys.stdout):
        _show_rich(post, markdown)
    else:
        _show_plain(post, markdown)
    return 0


# --------------------------------------------------------------------------- check


def cmd_check(args: argparse.Namespace) -> int:
    """``newsterm check``: the files that cannot be read as posts; exit 1 if there are any."""
    archive = _open_archive(args)
    posts, problems = archive.load_all()
    if getattr(args, "json", False):
        _dump_json([{"path": p.path, "reason": p.reason} for p in problems])
    elif problems:
        _write("".join(f"{_one_line(p.path)}: {_one_line(p.reason)}\n" for p in problems))
    else:
        noun = "post" if len(posts) == 1 else "posts"
        _write(f"All {len(posts)} {noun} can be read.\n")
    return 1 if problems else 0
