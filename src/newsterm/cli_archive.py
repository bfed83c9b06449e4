"""The ``list``, ``show`` and ``check`` commands: an archive's posts on standard output.

Each handler takes the parsed arguments and returns the exit status. On a terminal (without
``NO_COLOR``) output is coloured (``show`` renders through rich); otherwise it is plain text.
Columns line up Korean wide characters by their terminal cell width. ``--json`` always prints
JSON (``ensure_ascii=False``).
Errors a user can fix are raised as :class:`~newsterm.errors.NewstermError` for ``cli.main`` to
print as one line. Nothing here writes into the archive.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime

from newsterm.archive import Archive, date_iso, date_time_text
from newsterm.cli_style import fancy, isatty, paint
from newsterm.models import Post, Problem, reading_minutes, reading_time_text
from newsterm.paths import resolve_archive
from newsterm.text import json_safe, one_line, strip_controls

__all__ = [
    "cmd_check",
    "cmd_list",
    "cmd_show",
    "colour_rows",
    "date_text",
    "fit",
    "list_widths",
    "post_json",
    "select_posts",
    "show_post",
]

#: In plain ``list`` output the title column is at most this many cells wide (longer titles
#: are cut with ``…`` so that the columns line up; ``list --json`` has the whole title).
TITLE_COLUMN_MAX = 60
CATEGORY_COLUMN_MAX = 24
#: ``show`` on a terminal lays out a post as the reader does up to this many lines; a longer
#: post is printed as plain Markdown at once.
RICH_MAX_LINES = 20_000

# Posts come out of the archive already cleaned (see newsterm.text); what is printed goes
# through these once more, so that nothing else (an error message quoting its input) can send
# a control sequence to the terminal.
_safe = strip_controls
_one_line = one_line


def _open_archive(args: argparse.Namespace) -> Archive:
    return Archive(resolve_archive(getattr(args, "archive", None)))


def date_text(date: datetime | None) -> str:
    """``YYYY-MM-DD`` in the post's own time zone, or ``undated``."""
    if date is None:
        return "undated"
    return f"{date.year:04d}-{date.month:02d}-{date.day:02d}"


def post_json(post: Post) -> dict:
    """The short JSON form of a post used by ``list --json``."""
    return {
        "path": post.path,
        "title": post.title,
        "date": date_iso(post),
        "categories": list(post.categories),
        "tags": list(post.tags),
        "draft": post.draft,
        "language": post.language or None,
        "lede": post.lede,
    }


def _write(text: str) -> None:
    sys.stdout.write(text)
    # Flush here so that a closed pipe surfaces inside cli.main, which handles it quietly.
    sys.stdout.flush()


def _dump_json(data: object) -> None:
    _write(json_safe(json.dumps(data, ensure_ascii=False, indent=2)) + "\n")


def _dump_json_rows(rows: list[dict]) -> None:
    """A JSON array with one object per line (C-speed encoding; 20,000 posts in a blink)."""
    if not rows:
        _write("[]\n")
        return
    body = json_safe(",\n".join(json.dumps(row, ensure_ascii=False) for row in rows))
    _write(f"[\n{body}\n]\n")


def _report_problems(problems: list[Problem]) -> None:
    for problem in problems:
        print(
            f"newsterm: problem: {_one_line(problem.path)}: {_one_line(problem.reason)}",
            file=sys.stderr,
        )


# --------------------------------------------------------------------------- list


def fit(text: str, width: int) -> str:
    """``text`` cut to at most ``width`` terminal cells (``…`` marks a cut), then padded with
    spaces to exactly ``width`` cells. Wide (Korean) characters count two cells; a wide
    character that would straddle the edge is left out rather than split."""
    from rich.cells import cell_len, set_cell_size

    if width <= 0:
        return ""
    size = cell_len(text)
    if size > width:
        text = set_cell_size(text, width - 1).rstrip() + "…"
        size = cell_len(text)
    return text + " " * (width - size)


DRAFT_MARK = "[draft] "
"""Before a draft's title in ``list`` (first, so that cutting a long title never hides it)."""


def _list_rows(posts: list[Post]) -> list[tuple[str, str, str, str]]:
    return [
        (
            date_text(p.date),
            (DRAFT_MARK if p.draft else "") + _one_line(p.title),
            _one_line(", ".join(p.categories)),
            _one_line(p.path),
        )
        for p in posts
    ]


def _plain_rows(posts: list[Post]) -> str:
    """Plain ``list`` output: four columns separated by two spaces, titles and categories cut
    to their column's display width so that every row lines up (``list --json`` has them whole).
    """
    from rich.cells import cell_len

    rows = _list_rows(posts)
    title_w = min(TITLE_COLUMN_MAX, max((cell_len(r[1]) for r in rows), default=0))
    cats_w = min(CATEGORY_COLUMN_MAX, max((cell_len(r[2]) for r in rows), default=0))
    out = [
        f"{date:<10}  {fit(title, title_w)}  {fit(cats, cats_w)}  {path}".rstrip()
        for date, title, cats, path in rows
    ]
    return "\n".join(out) + ("\n" if out else "")


LIST_FORMATS = ("table", "json", "jsonl", "paths")
LIST_SORTS = ("date", "title")


def list_widths(rows: list[tuple[str, str, str, str]], total: int) -> tuple[int, int, int, int]:
    """Cell widths of the date, title, categories and path columns for a ``total``-cell-wide
    screen (0: the column is left out); columns are two cells apart.

    The path is never cut: it is what ``newsterm show`` takes, and a row of the list is there
    to be copied into one. Categories get at most 20 cells; the title takes the rest and is
    cut with ``…``. When the title would get less than 20 cells the categories go, then (below
    8 cells) the date; on a screen narrower than a whole path the row is wider than the screen
    rather than the path cut.
    """
    from rich.cells import cell_len

    title_need = max([cell_len("Title")] + [cell_len(r[1]) for r in rows])
    path_w = max([cell_len("Path")] + [cell_len(r[3]) for r in rows])
    date_w = 10
    cats_w = min(20, max([cell_len("Categories")] + [cell_len(r[2]) for r in rows]))

    def room() -> int:
        used = path_w + (date_w + 2 if date_w else 0) + (cats_w + 2 if cats_w else 0)
        return total - used - 2

    if room() < min(title_need, 20):
        cats_w = 0
    if room() < min(title_need, 8):
        date_w = 0
    title_w = max(min(room(), title_need), min(title_need, 8))
    return date_w, title_w, cats_w, path_w


def colour_rows(posts: list[Post], total: int, colour: bool = True) -> str:
    """Terminal ``list`` output for a ``total``-cell-wide screen: a bold header, then one row
    per post with columns sized by :func:`list_widths`. Without ``colour`` (``NO_COLOR``) the
    layout is the same, only the styles are left out.

    The columns are laid out here (not by a rich Table) so that 20,000 rows print in a moment.
    """
    rows = _list_rows(posts)
    date_w, title_w, cats_w, _path_w = list_widths(rows, total)

    def line(date: str, title: str, cats: str, path: str, header: bool = False) -> str:
        styles: tuple[str | None, ...] = (
            ("list.header",) * 4 if header else ("list.date", None, "list.categories", "list.path")
        )
        if not colour:
            styles = (None, None, None, None)
        parts = []
        if date_w:
            parts.append(paint(fit(date, date_w), styles[0]))
        title = fit(title, title_w)
        if colour and not header and title.startswith(DRAFT_MARK):
            title = paint(DRAFT_MARK, "list.draft") + title[len(DRAFT_MARK) :]
        parts.append(paint(title, styles[1]))
        if cats_w:
            parts.append(paint(fit(cats, cats_w), styles[2]))
        parts.append(paint(path, styles[3]))  # whole, always (see list_widths)
        return "  ".join(parts).rstrip()

    out = [line("Date", "Title", "Categories", "Path", header=True)]
    out.extend(line(*row) for row in rows)
    return "\n".join(out) + "\n"


def _terms_match(have: tuple[str, ...], wanted: list[str] | None) -> bool:
    """Every wanted category (tag) is one of the post's, compared without case."""
    if not wanted:
        return True
    folded = {t.casefold() for t in have}
    return all(w.casefold() in folded for w in wanted)


def _languages(given: list[str] | None) -> set[str]:
    """The languages ``--lang`` names (``en``, ``en-US``, ``English`` are ``en``)."""
    from newsterm.errors import NewstermError
    from newsterm.language import normalise

    out = set()
    for text in given or ():
        code = normalise(text)
        if code is None:
            raise NewstermError(
                f"--lang: {_one_line(text)[:40]!r} is not a language; "
                "use a code such as ko, en, ja, zh"
            )
        out.add(code)
    return out


def select_posts(posts: list[Post], args: argparse.Namespace) -> list[Post]:
    """``list``'s filters, order and limit applied to ``posts`` (newest first, undated last).

    ``--category``/``--tag`` may be given more than once: a post must have each; ``--lang``
    too: a post must be in one of them (:func:`newsterm.language.normalise`). ``--since``
    and ``--until`` take ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (the search query's ``date:``
    rule) and compare the post's own calendar date; they leave undated posts out.
    """
    from newsterm.archive import day_bounds, post_day
    from newsterm.errors import NewstermError

    def bounds(option: str) -> tuple[int, int] | None:
        text = getattr(args, option, None)
        if text is None:
            return None
        try:
            return day_bounds(text)
        except ValueError as err:
            raise NewstermError(f"--{option}: {err}") from None

    since, until = bounds("since"), bounds("until")
    lo = since[0] if since else None
    hi = until[1] if until else None
    if lo is not None and hi is not None and lo > hi:
        raise NewstermError(f"--since {args.since} is after --until {args.until}")
    categories = getattr(args, "category", None)
    tags = getattr(args, "tag", None)
    languages = _languages(getattr(args, "lang", None))
    out = []
    for post in posts:
        if not _terms_match(post.categories, categories) or not _terms_match(post.tags, tags):
            continue
        if lo is not None or hi is not None:
            day = post_day(post)
            if day is None or (lo is not None and day < lo) or (hi is not None and day > hi):
                continue
        if languages and post.language not in languages:  # (last: the text is looked at)
            continue
        out.append(post)
    if getattr(args, "sort", "date") == "title":
        out.sort(key=lambda p: (p.title.casefold(), p.path))  # stable: ties keep date order
    limit = getattr(args, "limit", None)
    if limit is not None:
        out = out[:limit]
    return out


def _list_format(args: argparse.Namespace) -> str:
    fmt = getattr(args, "format", None)
    if getattr(args, "json", False):
        if fmt not in (None, "json"):
            from newsterm.errors import NewstermError

            raise NewstermError(f"--json is --format json; it cannot go with --format {fmt}")
        return "json"
    return fmt or "table"


def cmd_list(args: argparse.Namespace) -> int:
    """``newsterm list``: the posts (newest first, undated last), filtered and in the format
    asked for; unreadable files are named on stderr and the rest is listed."""
    fmt = _list_format(args)
    archive = _open_archive(args)
    posts, problems = archive.load_all()
    shown = select_posts(posts, args)
    if fmt == "json":
        _dump_json_rows([post_json(p) for p in shown])
    elif fmt == "jsonl":
        _write(
            "".join(json_safe(json.dumps(post_json(p), ensure_ascii=False)) + "\n" for p in shown)
        )
    elif fmt == "paths":
        _write("".join(_one_line(p.path) + "\n" for p in shown))
    elif not posts:
        print(f"newsterm: no posts in {archive.root}", file=sys.stderr)
    elif not shown:
        print("newsterm: no post matches", file=sys.stderr)
    elif isatty(sys.stdout):
        import shutil

        columns = shutil.get_terminal_size((100, 24)).columns
        _write(colour_rows(shown, columns, colour=fancy(sys.stdout)))
    else:
        _write(_plain_rows(shown))
    _report_problems(problems)
    return 0


# --------------------------------------------------------------------------- show


def _outline_lines(sections, first_line: int, depth: int = 0) -> list[str]:  # type: ignore[no-untyped-def]
    """The outline as indented lines, each with the section's line in the file (an editor's
    ``+N``): body line ``n`` is file line ``first_line + n - 1`` (front matter counted)."""
    lines = []
    for s in sections:
        lines.append(f"{'  ' * depth}{_one_line(s.title)}  (line {first_line + s.line - 1})")
        lines.extend(_outline_lines(s.children, first_line, depth + 1))
    return lines


def _outline_json(sections, first_line: int) -> list[dict]:  # type: ignore[no-untyped-def]
    """``show --outline --json``: the nested sections, ``line`` a line of the file."""
    return [
        {
            "level": s.level,
            "title": s.title,
            "line": first_line + s.line - 1,
            "children": _outline_json(s.children, first_line),
        }
        for s in sections
    ]


def _header_lines(post: Post) -> list[str]:
    meta = date_time_text(post)
    if post.categories:
        meta += " · " + ", ".join(post.categories)
    meta += " · " + reading_time_text(post.body)
    if post.draft:
        meta += " · draft"
    lines = [_one_line(post.title)]
    if post.lede:  # under the title, as the reader shows it
        lines.append(_one_line(post.lede))
    lines.append(_one_line(meta))
    if post.tags:
        lines.append(_one_line("tags: " + ", ".join(post.tags)))
    lines.append(f"path: {_one_line(post.path)}")
    return lines


def _show_plain(post: Post, markdown: str) -> None:
    text = "\n".join(_header_lines(post)) + "\n\n" + _safe(markdown).strip("\n") + "\n"
    _write(text)


def _post_link(archive: Archive):  # type: ignore[no-untyped-def]
    """Link targets for ``{% post_url NAME %}`` and friends: the post's path in the archive."""

    from newsterm.markdown.links import find_post
    from newsterm.markdown.preprocess import default_post_link

    paths: list[str] = []

    def link(name: str) -> str:
        if not paths:
            paths.extend(archive.iter_paths())
        return find_post(name, paths) or default_post_link(name)

    return link


def show_post(post: Post, archive: Archive | None = None) -> None:
    """Print ``post`` as ``show`` does on a terminal (post links resolved in ``archive``)."""
    _show_rich(post, post.body, _post_link(archive) if archive is not None else None)


def _show_rich(post: Post, body: str, post_link=None, console=None) -> None:  # type: ignore[no-untyped-def]
    """The post as the reader shows it: the same preparation, parser and layout, printed on
    ``console`` (default: a console on stdout)."""
    from rich.console import Console
    from rich.style import Style
    from rich.text import Text

    from newsterm.markdown.layout import Renderer
    from newsterm.markdown.linebreak import wrap
    from newsterm.text import is_web_link

    if console is None:
        console = Console(highlight=False, markup=False, emoji=False)
    heads = [Text(_one_line(post.title), style="bold")]
    if post.lede:
        heads.append(Text(_one_line(post.lede), style="italic"))
    for head in heads:  # wrapped as the reader wraps them (Chinese and Japanese too)
        for line in wrap(head, console, console.width):
            console.print(line)
    meta = Text(date_time_text(post), style="cyan")
    if post.categories:
        meta.append(" · ")
        meta.append(_one_line(", ".join(post.categories)), style="green")
    meta.append(" · " + reading_time_text(body))
    if post.draft:
        meta.append(" · ")
        meta.append("draft", style="yellow")
    if post.tags:
        meta.append("  ")
        meta.append(_one_line(" ".join(f"#{t}" for t in post.tags)), style="magenta")
    console.print(meta)
    console.print(Text(_one_line(post.path), style="dim"))
    console.rule(style="dim")
    doc = Renderer(console.width, post_link=post_link).render(_safe(body))
    for line in doc.lines:
        # The reader's click actions become terminal hyperlinks (OSC 8), for web links only:
        # a post's file: or javascript: link is shown as text and cannot be clicked open.
        for span in line.spans:
            style = span.style
            if isinstance(style, Style) and style.meta.get("@click"):
                index = int(style.meta["@click"].split("(")[1].rstrip(")"))
                href = doc.links[index] if index < len(doc.links) else ""
                plain = Style(
                    color=style.color,
                    bgcolor=style.bgcolor,
                    bold=style.bold,
                    italic=style.italic,
                    underline=style.underline,
                    dim=style.dim,
                    strike=style.strike,
                    reverse=style.reverse,
                    link=href if is_web_link(href) else None,
                )
                line.spans[line.spans.index(span)] = type(span)(span.start, span.end, plain)
        console.print(line, overflow="ignore", crop=False, soft_wrap=True)


DEFAULT_PAGER = "less -R"


def _pager_command() -> str | None:
    """``$PAGER`` (``less -R`` when unset); None when it is set empty or to ``cat``."""
    import os

    pager = os.environ.get("PAGER")
    if pager is None:
        return DEFAULT_PAGER
    pager = pager.strip()
    return None if pager in ("", "cat") else pager


def _page(text: str, pager: str) -> bool:
    """``text`` through ``pager`` (a shell command line, as git runs ``$PAGER``); False if it
    cannot be started. ``less`` is given ``LESS=FRX`` unless ``LESS`` is set: colours pass,
    and a page that fits the screen is printed as it is."""
    import os
    import subprocess

    env = dict(os.environ)
    env.setdefault("LESS", "FRX")
    try:
        proc = subprocess.Popen(pager, shell=True, stdin=subprocess.PIPE, env=env)
    except OSError:
        return False
    assert proc.stdin is not None
    try:
        proc.stdin.write(text.encode("utf-8", "backslashreplace"))
        proc.stdin.close()
    except BrokenPipeError:  # the reader quit the pager before the end: fine
        pass
    while True:
        try:
            code = proc.wait()
            break
        except KeyboardInterrupt:  # Ctrl+C belongs to the pager (less uses it itself)
            continue
    return code != 127  # the shell's "command not found"


def _show_terminal(post: Post, post_link, args: argparse.Namespace, colour: bool) -> None:  # type: ignore[no-untyped-def]
    """``show`` rendered as the reader shows it: at ``--width`` (else the terminal's), in
    colour or not (the layout is the same), through the pager when it is longer than the
    screen and stdout is a terminal (unless ``--no-pager``)."""
    import io
    import shutil

    from rich.console import Console

    size = shutil.get_terminal_size((80, 24))
    width = getattr(args, "width", None) or size.columns
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        force_terminal=colour,
        color_system="auto" if colour else None,  # auto: as $COLORTERM and $TERM say
        highlight=False,
        markup=False,
        emoji=False,
    )
    _show_rich(post, post.body, post_link, console)
    text = buffer.getvalue()
    pager = None if getattr(args, "no_pager", False) else _pager_command()
    if pager and isatty(sys.stdout) and text.count("\n") >= size.lines:
        sys.stdout.flush()
        if _page(text, pager):
            return
        print(f"newsterm: cannot start the pager {pager!r}; printing instead", file=sys.stderr)
    _write(text)


def cmd_show(args: argparse.Namespace) -> int:
    """``newsterm show POST``: the rendered post, or with ``--outline`` its section tree."""
    from newsterm import outline

    archive = _open_archive(args)
    post = archive.find(args.post)
    as_json = getattr(args, "json", False)
    if getattr(args, "outline", False):
        sections = outline.extract_outline(post.body)
        if as_json:
            _dump_json(_outline_json(sections, post.body_line))
        elif sections:
            _write("\n".join(_outline_lines(sections, post.body_line)) + "\n")
        else:
            print(f"newsterm: {post.path} has no sections", file=sys.stderr)
        return 0
    if as_json:
        data = post_json(post)
        data.update(
            word_count=post.word_count,
            reading_minutes=reading_minutes(post.body),
            body_line=post.body_line,
            encoding=post.encoding,
            body=post.body,
        )
        _dump_json(data)
        return 0
    from newsterm.markdown.preprocess import preprocess

    post_link = _post_link(archive)
    color = getattr(args, "color", "auto")
    rendered = color == "always" or isatty(sys.stdout)
    if rendered and post.body.count("\n") <= RICH_MAX_LINES:
        colour = color == "always" or (color == "auto" and fancy(sys.stdout))
        _show_terminal(post, post_link, args, colour)
    else:
        # Piped: still Markdown (for pandoc and friends), with the template dialects (Liquid,
        # shortcodes, kramdown attribute lists) already turned into plain Markdown.
        shown = preprocess(post.body, post_link=post_link, export=True)
        _show_plain(post, outline.promote_headings(shown))
    return 0


# --------------------------------------------------------------------------- check


def cmd_check(args: argparse.Namespace) -> int:
    """``newsterm check``: the files that cannot be read as posts; exit 1 if there are any."""
    archive = _open_archive(args)
    posts, problems = archive.load_all()
    if getattr(args, "json", False):
        _dump_json_rows([{"path": p.path, "reason": p.reason} for p in problems])
    elif problems:
        _write("".join(f"{_one_line(p.path)}: {_one_line(p.reason)}\n" for p in problems))
    else:
        noun = "post" if len(posts) == 1 else "posts"
        _write(f"All {len(posts)} {noun} can be read.\n")
    return 1 if problems else 0
