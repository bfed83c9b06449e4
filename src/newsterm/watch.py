"""Watching an archive for changes, inside the archive only (no screen code).

``watchfiles``' recursive watch follows symbolic links (a link to ``/usr`` inside the archive
made it watch 15,452 folders outside it) and stops for good on the first folder name that is not
UTF-8 (``dir\\xff``). Here the folders to watch are listed by newsterm itself, without following
links and skipping names that are not UTF-8 (each one a problem line), and each is watched on its
own (not recursively). When a folder appears or goes, the list is made again; when the watcher
fails, the failure is reported as a problem line and watching starts again after a pause.
"""

from __future__ import annotations

import asyncio
import os
import stat
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

MAX_FOLDERS = 20_000  # an archive with more folders is watched in its first 20,000
START_SIGNAL_MS = 500  # watchfiles says it is watching by a first empty batch after this
RETRY_AFTER = (0.5, 5.0, 30.0)  # pauses after the watcher failed 1, 2, 3+ times in a row


def _utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # a byte that is not UTF-8, kept by Python as a surrogate
        return False
    return True


def _shown(rel: str) -> str:
    """A path for a problem line: bytes that are not UTF-8 as ``\\xff``."""
    raw = os.fsencode(rel)
    return raw.decode("utf-8", "backslashreplace")


def watch_folders(root: Path | str) -> tuple[list[str], list[tuple[str, str]]]:
    """The archive's real folders (absolute, the root first) and (folder, reason) problems.

    Symbolic links are never followed (their targets may be anywhere); hidden folders
    (``.git``) are left out, as the archive scan leaves them out.
    """
    root = os.path.abspath(os.fspath(root))
    folders = [root]
    problems: list[tuple[str, str]] = []
    stack = [(root, "")]
    while stack:
        path, rel = stack.pop()
        try:
            with os.scandir(path) as it:
                entries = list(it)
        except OSError as err:
            problems.append((_shown(rel) or ".", f"cannot watch folder: {err.strerror}"))
            continue
        for entry in sorted(entries, key=lambda e: e.name):
            name = entry.name
            if name.startswith("."):
                continue
            try:
                if not entry.is_dir(follow_symlinks=False):
                    continue
            except OSError:
                continue
            sub = f"{rel}{name}"
            if not _utf8(name):
                problems.append((_shown(sub), "folder name is not UTF-8; not watched"))
                continue
            if len(folders) >= MAX_FOLDERS:
                problems.append((_shown(sub), f"more than {MAX_FOLDERS} folders; not watched"))
                return folders, problems
            folders.append(entry.path)
            stack.append((entry.path, f"{sub}/"))
    return folders, problems


def _is_folder(path: str) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


async def watch_archive(
    root: Path | str,
    *,
    stop_event: asyncio.Event | None = None,
    debounce: int = 300,
    step: int = 50,
    on_problem: Callable[[str, str], None] | None = None,
    awatch: Any = None,
) -> AsyncIterator[set[str]]:
    """Yield sets of changed paths (relative to ``root``, POSIX) until ``stop_event`` is set.

    A folder that cannot be watched, or a watcher failure, is reported once through
    ``on_problem(path, reason)``; watching goes on. An empty set means "something may have
    changed unseen: rescan": it comes once watching has begun (changes between the caller's
    scan and the watch; at the first quiet START_SIGNAL_MS, also when changes were named
    before it), after a failure, and once watching has begun again.
    """
    if awatch is None:
        from watchfiles import awatch
    root = os.path.abspath(os.fspath(root))
    said: set[tuple[str, str]] = set()

    def report(path: str, reason: str) -> None:
        if (path, reason) not in said and on_problem is not None:
            said.add((path, reason))
            on_problem(path, reason)

    failures = 0
    while stop_event is None or not stop_event.is_set():
        folders, problems = watch_folders(root)
        for path, reason in problems:
            report(path, reason)
        watched = set(folders)
        rebuild = False
        started = False
        try:
            async for changes in awatch(
                *folders, debounce=debounce, step=step, stop_event=stop_event, recursive=False,
                rust_timeout=START_SIGNAL_MS, yield_on_timeout=True,
            ):  # fmt: skip
                failures = 0
                if not changes:  # a timeout: watchfiles is watching by now
                    if not started:
                        started = True
                        yield set()  # what changed before watching began: the caller rescans
                    continue
                # (A change named before that first quiet timeout does not stand for it: the
                # caller's rescan would never come, and a post written just before watching
                # began was missed. Callers take the empty set to come START_SIGNAL_MS after
                # watching began, which only the timeout is sure of.)
                rels: set[str] = set()
                for _change, name in changes:
                    if name in watched or _is_folder(name):
                        rebuild = True  # a folder came or went: list them again
                    rel = os.path.relpath(name, root)
                    if not rel.startswith(".."):
                        rels.add(Path(rel).as_posix())
                if rels:
                    yield rels
                if rebuild:
                    break
            else:
                return  # stopped
        except asyncio.CancelledError:
            raise
        except Exception as err:
            failures += 1
            reason = f"watching stopped ({type(err).__name__}: {err}); watching again"
            report(".", reason[:300])
            yield set()
            pause = RETRY_AFTER[min(failures, len(RETRY_AFTER)) - 1]
            if stop_event is None:
                await asyncio.sleep(pause)
            else:
                try:
                    await asyncio.wait_for(stop_event.wait(), pause)
                except TimeoutError:
                    pass
