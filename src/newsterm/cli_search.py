"""The ``search`` and ``index`` commands.

``newsterm search QUERY`` answers from the archive's index, building it first when there is none
(a progress bar on stderr when that takes over a second and stderr is a terminal). Output is
styled on a terminal, plain text when stdout is not a terminal or ``NO_COLOR`` is set, and a JSON
array with ``--json``. Exit status like grep: 0 something matched, 1 nothing did, 2 error.

Start-up time matters here (a one-shot search should feel like ``rg``): a search imports neither
rich (only the build's progress bar does) nor Textual.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import time
from pathlib import Path

from newsterm.cli_style import fancy, isatty, paint
from newsterm.errors import IndexBusyError, NewstermError
from newsterm.text import one_line, strip_controls

TYPE_CHECKING = False  # typing is not imported at run time (start-up)
if TYPE_CHECKING:
    import argparse
    from typing import Any, TextIO

    from newsterm.walk import Scan

__all__ = ["cmd_index", "cmd_search"]

SHOW_PROGRESS_AFTER = 1.0
"""Seconds a build runs before the progress bar appears."""

# One line, made safe by the core's cleaner (a post must not drive the terminal: controls,
# bidi overrides and lone surrogates never reach it; see newsterm.text).
_clean = one_line


def _styles_wanted(color: str, out: TextIO) -> bool:
    """``--color``: ``always`` and ``never`` as said; ``auto`` styles a terminal's output
    unless ``NO_COLOR`` is set or the terminal is ``dumb``."""
    if color == "always":
        return True
    return color == "auto" and fancy(out)


def _date_text(date) -> str:
    if date is None:
        return "undated"
    return f"{date.year:04d}-{date.month:02d}-{date.day:02d}"


class _Progress:
    """A progress callback that shows a rich bar on stderr once a build runs past a second.

    It follows the sync's phases (``phase(name)``, see ``search.index.READING``): while posts
    are read and indexed, a count and the time left; while the index is written (the workers
    finish and segments merge) or the archive is walked, no count and no estimate, but the
    phase's name and the time it has taken, so the bar never sits at a stale "time left" or
    at N/N while work goes on.
    """

    def __init__(self, label: str, enabled: bool) -> None:
        self.label = label
        self.enabled = enabled and isatty(sys.stderr) and os.environ.get("TERM") != "dumb"
        self.started = time.monotonic()
        self.bar: Any = None  # a rich Progress once shown
        self.task: Any = None
        self.stage = ""
        self.done = 0
        self.total: int | None = None
        self.timer: Any = None
        self.lock: Any = None
        if self.enabled:
            import threading

            self.lock = threading.Lock()
            # shown after a second even when no count arrives (a long walk or write)
            self.timer = threading.Timer(SHOW_PROGRESS_AFTER, self._show)
            self.timer.daemon = True
            self.timer.start()

    def _description(self) -> str:
        return f"{self.label}: {self.stage}" if self.stage else self.label

    def _counted(self) -> bool:
        from newsterm.search.index import READING

        return self.stage in ("", READING) and self.total is not None

    def _show(self) -> None:
        with self.lock:
            if self.bar is not None or not self.enabled:
                return
            if self._counted() and self.total is not None and self.done >= self.total:
                return  # about to end: no bar flashes up
            self._start_bar()
        self._redraw(reset=True)

    def _start_bar(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
        from rich.text import Text

        class PhaseTime(TimeRemainingColumn):
            """Time left while counting; time taken in a phase without a count."""

            def render(self, task: Any) -> Text:
                if task.total is None:
                    seconds = int(task.elapsed or 0)
                    return Text(f"{seconds // 60}:{seconds % 60:02d}", style="progress.elapsed")
                return super().render(task)

        bar = Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            TextColumn("{task.fields[counts]}"),
            PhaseTime(),
            console=Console(stderr=True),
            transient=True,
        )
        bar.start()
        self.bar = bar

    def _redraw(self, reset: bool = False) -> None:
        if self.bar is None:
            return
        with self.lock:  # the timer's thread may be drawing the first bar
            bar = self.bar
            if bar is not None:
                self._draw(bar, reset or self.task is None)

    def _draw(self, bar: Any, reset: bool) -> None:
        counted = self._counted()
        if counted:
            counts = f"{self.done}/{self.total}"
        else:
            counts = f"{self.done} posts read" if self.done else ""
        if reset:  # a new phase: its own task, clock and speed (no total: no estimate)
            if self.task is not None:
                bar.remove_task(self.task)
            self.task = bar.add_task(
                self._description(),
                total=self.total if counted else None,
                completed=self.done if counted else 0,
                counts=counts,
            )
        elif counted:
            bar.update(self.task, completed=self.done, total=self.total, counts=counts)
        else:
            bar.update(self.task, counts=counts)

    def _due(self) -> bool:
        return self.enabled and time.monotonic() - self.started >= SHOW_PROGRESS_AFTER

    def phase(self, name: str) -> None:
        if name != self.stage:
            self.stage = name
            if self.bar is None and self._due():
                self._show()
            else:
                self._redraw(reset=True)

    def __call__(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        if self.bar is None and self._due():
            self._show()
        else:
            self._redraw()

    def close(self) -> None:
        if self.timer is None:
            return
        self.timer.cancel()
        with self.lock:
            self.enabled = False
            if self.bar is not None:
                self.bar.stop()
                self.bar = None


def _open(args: argparse.Namespace):
    from newsterm.paths import resolve_archive
    from newsterm.search.index import open_index

    root = resolve_archive(getattr(args, "archive", None))
    index_dir = getattr(args, "index_dir", None)
    return root, open_index(root, Path(index_dir) if index_dir else None)


def _sync(ix, quiet: bool, rebuild: bool = False, label: str = "indexing", scan=None):
    gc.enable()  # a build makes garbage for minutes (a search turned the collector off)
    progress = _Progress(label, enabled=not quiet)
    # A full build of a big archive runs in two processes when there are two cores to use
    # (Whoosh's multi-process writer; the index only uses it for full builds).
    procs = 2 if (os.cpu_count() or 1) >= 2 else 1
    try:
        return ix.sync(ix.archive, progress=progress, rebuild=rebuild, procs=procs, scan=scan)
    finally:
        progress.close()


# --------------------------------------------------------------------------- search


def cmd_search(args: argparse.Namespace) -> int:
    # A search makes little cyclic garbage, while the cyclic collector would run dozens of times
    # over the objects its imports create (figures: benchmarks/README.md, start-up costs).
    # A build (_sync) runs with the collector on.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _search(args)
    finally:
        if was_enabled:
            gc.enable()


def _search(args: argparse.Namespace) -> int:
    from newsterm.search.index import IndexDamagedError

    query = " ".join(args.query).strip()
    limit = getattr(args, "limit", 20)
    if limit is None or limit < 1:
        raise NewstermError("--limit must be at least 1")
    sort = getattr(args, "sort", "relevance") or "relevance"
    _root, ix = _open(args)
    if ix.needs_build() and getattr(args, "no_build", False):
        from newsterm.search.store import BEING_BUILT

        raise NewstermError(BEING_BUILT)
    if ix.needs_build():
        try:
            _sync(ix, quiet=False, label="building the search index")
        except IndexBusyError:
            raise NewstermError(
                "the search index is being built by another newsterm; try again in a moment"
            ) from None
    elif ix.update_running():
        print("newsterm: the index is being updated; results may be incomplete", file=sys.stderr)
    else:
        _catch_up(ix)
    try:
        results = ix.search(query, limit=limit, sort=sort)
    except IndexDamagedError as err:
        if getattr(args, "no_build", False):
            from newsterm.search.store import BEING_BUILT

            raise NewstermError(BEING_BUILT) from None
        print(f"newsterm: {err}; rebuilding it", file=sys.stderr)
        _sync(ix, quiet=False, rebuild=True, label="rebuilding the search index")
        results = ix.search(query, limit=limit, sort=sort)
    finally:
        ix.close()
    out = sys.stdout
    fmt = _format(args)
    if fmt == "json":
        json.dump([_hit_json(h) for h in results.hits], out, ensure_ascii=False, indent=2)
        out.write("\n")
    elif fmt == "jsonl":
        for hit in results.hits:
            out.write(json.dumps(_hit_json(hit), ensure_ascii=False) + "\n")
    elif fmt == "paths":
        out.write("".join(_clean(h.path) + "\n" for h in results.hits))
    elif _styles_wanted(getattr(args, "color", "auto"), out):
        _print_styled(results, out)
    else:
        _print_plain(results, out)
    out.flush()
    return 0 if results.hits else 1


def _format(args: argparse.Namespace) -> str:
    """``--format``, with ``--json`` its alias (refused beside another format)."""
    fmt = getattr(args, "format", None)
    if getattr(args, "json", False):
        if fmt not in (None, "json"):
            raise NewstermError(f"--json is --format json; it cannot go with --format {fmt}")
        return "json"
    return fmt or "text"


def _hit_json(hit) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A hit as JSON, with ``matches``: where the query matched in ``snippet``, as ``start``
    and ``end`` offsets in characters (code points: ``snippet[start:end]`` is ``text``)."""
    data = hit.to_json()
    snippet = hit.snippet or ""
    data["matches"] = [
        {"start": start, "end": end, "text": snippet[start:end]}
        for start, end in hit.spans
        if 0 <= start < end <= len(snippet)
    ]
    return data


QUICK_UPDATE_POSTS = 30_000
"""Up to this many posts a search brings a behind index up to date first (a sync's stat walk
takes well under a second there: benchmarks/README.md); past it, it says so and answers."""


def _catch_up(ix) -> None:
    """A post added, removed or renamed since the last update changed its folder: bring the
    index up to date before searching, or say in one line that it is behind."""
    changed = ix.folders_changed()
    if not changed:
        return
    if ix.doc_count() > QUICK_UPDATE_POSTS:
        folders = "a folder" if changed == 1 else f"{changed} folders"
        print(
            f"newsterm: the index is behind the archive ({folders} changed since it was "
            "updated); 'newsterm index' brings it up to date",
            file=sys.stderr,
        )
        return
    started = time.time_ns()
    try:
        result = _sync(ix, quiet=False, label="updating the search index")
    except IndexBusyError:
        print("newsterm: the index is being updated; results may be incomplete", file=sys.stderr)
        return
    if not result.changed:
        ix.checked_up_to_date(started)  # (a new image, say): not checked again until it changes


def _meta_line(hit) -> str:
    parts = [_date_text(hit.date)]
    if hit.categories:
        parts.append(", ".join(_clean(c) for c in hit.categories))
    parts.append(_clean(hit.path))
    return " · ".join(parts)


def _print_plain(results, out: TextIO) -> None:
    for i, hit in enumerate(results.hits):
        if i:
            out.write("\n")
        out.write(f"{_clean(hit.title)}\n")
        out.write(f"  {_meta_line(hit)}\n")
        if hit.snippet:
            out.write(f"  {_clean(hit.snippet)}\n")


def _print_styled(results, out: TextIO) -> None:
    """The hits for a terminal: as the plain form (see _print_plain), with styles."""
    for i, hit in enumerate(results.hits):
        if i:
            out.write("\n")
        out.write(paint(_clean(hit.title), "title") + "\n")
        meta = "  " + paint(_date_text(hit.date), "date")
        if hit.categories:
            cats = ", ".join(_clean(c) for c in hit.categories)
            meta += " · " + paint(cats, "categories")
        out.write(f"{meta} · {paint(_clean(hit.path), 'path')}\n")
        if hit.snippet:
            out.write("  " + _snippet_styled(hit.snippet, hit.spans) + "\n")
    shown = len(results.hits)
    word = "post" if results.total == 1 else "posts"
    more = f"{shown} of {results.total} {word}" if results.total > shown else f"{shown} {word}"
    out.write("\n" + paint(more, "footer") + "\n")


def _snippet_styled(snippet: str, spans: list[tuple[int, int]]) -> str:
    # Unsafe characters are dropped span by span so the highlight offsets stay right.
    parts = []
    pos = 0
    for start, end in spans:
        if start < pos or end > len(snippet):
            continue
        parts.append(paint(strip_controls(snippet[pos:start]), "snippet"))
        parts.append(paint(strip_controls(snippet[start:end]), "match"))
        pos = end
    parts.append(paint(strip_controls(snippet[pos:]), "snippet"))
    return "".join(parts)


# --------------------------------------------------------------------------- index


def cmd_index(args: argparse.Namespace) -> int:
    quiet = bool(getattr(args, "quiet", False))
    started = time.monotonic()
    rebuild = bool(getattr(args, "rebuild", False))
    scan = None
    if not rebuild:
        scan, unchanged = _nothing_changed(args)
        if unchanged is not None:
            posts, problems = unchanged
            _index_report("up to date", posts, 0, 0, 0, 0, problems, time.monotonic() - started)
            _keep_snippet_texts(args, None, quiet)
            return 0
    _root, ix = _open(args)
    result = _sync(ix, quiet=quiet, rebuild=rebuild, scan=scan)
    ix.close()
    _keep_snippet_texts(args, ix, quiet)
    took = time.monotonic() - started
    posts = result.unchanged + result.added + result.updated + result.renamed
    verb = "rebuilt" if result.rebuilt else "updated" if result.changed else "up to date"
    problems = [(p.path, p.reason) for p in result.problem_list]
    _index_report(
        verb, posts, result.added, result.updated, result.removed, result.renamed, problems, took
    )
    return 0


def _keep_snippet_texts(args: argparse.Namespace, ix: Any, quiet: bool) -> None:
    """Give the indexed posts that have none their shown text for search snippets
    (search.snippet_text): an index made before newsterm kept them, or posts a sync could not
    keep. Once every post has one this is a single small read; a fill of many posts (once, on
    an old index) says so in one line."""
    from newsterm.search.snippet_text import BIG_FILL, fill_missing, missing_texts

    if ix is None:
        from newsterm.paths import index_dir_for, resolve_archive

        root = resolve_archive(getattr(args, "archive", None))
        given = getattr(args, "index_dir", None)
        index_dir = Path(given).expanduser() if given else index_dir_for(root)
    else:
        root, index_dir = ix.root, ix.index_dir
    missing = missing_texts(index_dir)
    if missing is None:
        return  # (the usual case: nothing more is imported than this look)
    if ix is None:
        from newsterm.archive import Archive

        archive = Archive(root)
    else:
        archive = ix.archive
    if len(missing) >= BIG_FILL and not quiet:
        print(
            f"newsterm: keeping the shown text of {len(missing)} posts for search snippets "
            "(once, for an index made by an older newsterm)",
            file=sys.stderr,
        )
    progress = _Progress("keeping snippet texts", enabled=not quiet)
    try:
        fill_missing(index_dir, archive, missing, progress=progress)
    finally:
        progress.close()


def _nothing_changed(
    args: argparse.Namespace,
) -> tuple[Scan, tuple[int, list[tuple[str, str]]] | None]:
    """The archive's walk, and ``(posts, problems)`` when the index is up to date with it,
    found without loading Whoosh or the YAML parser (a stat walk and the manifest's digest);
    else None (the sync that follows uses the same walk)."""
    from newsterm.paths import index_dir_for, resolve_archive
    from newsterm.search.store import quick_check
    from newsterm.walk import scan_archive

    root = resolve_archive(getattr(args, "archive", None))
    given = getattr(args, "index_dir", None)
    index_dir = Path(given).expanduser() if given else index_dir_for(root)
    scan = scan_archive(root)
    problems = quick_check(index_dir, scan)
    if problems is None:
        return scan, None
    return scan, (scan.count - len(problems), problems)


def _index_report(
    verb: str,
    posts: int,
    added: int,
    updated: int,
    removed: int,
    renamed: int,
    problems: list[tuple[str, str]],
    took: float,
) -> None:
    print(
        f"index {verb}: {posts} posts; {added} added, {updated} updated, "
        f"{removed} removed, {renamed} renamed, {len(problems)} problems ({took:.1f} s)"
    )
    for path, reason in problems[:10]:
        print(f"  {_clean(path)}: {_clean(reason)}", file=sys.stderr)
    if len(problems) > 10:
        more = len(problems) - 10
        print(f"  … and {more} more (newsterm check lists them all)", file=sys.stderr)
