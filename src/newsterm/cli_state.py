"""``newsterm state``: what the reading state holds for an archive, and pruning it on request.

The reader never deletes the marks of a post that is missing from one scan (see
:mod:`newsterm.state`); this command is how the user lets them go.
"""

from __future__ import annotations

import argparse
import sys

from newsterm.archive import Archive
from newsterm.errors import NewstermError
from newsterm.paths import resolve_archive
from newsterm.state import GRACE_DAYS, ReadingState
from newsterm.text import one_line


def cmd_state(args: argparse.Namespace) -> int:
    """``newsterm state [show|prune]``: counts and missing posts, or forget the missing ones."""
    root = resolve_archive(getattr(args, "archive", None))
    posts, problems = Archive(root).load_all()
    state = ReadingState(root, profile=getattr(args, "profile", None) or "")
    try:
        for notice in state.take_notices():
            print(f"newsterm: {notice}", file=sys.stderr)
        by_path = {p.path: p for p in posts}
        state.reconcile(by_path, [p.path for p in problems])
        missing = state.missing_paths()
        if args.action == "prune":
            if not posts:
                raise NewstermError("the archive has no posts (is it mounted?); nothing pruned")
            gone = state.prune()
            for path in gone:
                print(f"forgot {one_line(path)}")
            print(f"Pruned the marks of {len(gone)} missing post(s).")
            if state.unsaved:
                raise NewstermError("the reading state cannot be written; nothing pruned")
            return 0
        read = state.read_paths()
        print(f"{len(read)} read, {len(state.bookmarks())} bookmarked, {len(missing)} missing")
        for path in missing:
            print(f"missing: {one_line(path)}")
        if missing:
            print(
                f"Marks of missing posts are kept {GRACE_DAYS} days;"
                " `newsterm state prune` forgets them now."
            )
        return 0
    finally:
        state.set_notifier(None)
        state.close()
        for notice in state.take_notices():
            print(f"newsterm: {notice}", file=sys.stderr)
