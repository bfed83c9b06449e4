"""``python -I -m newsterm.zygote FD SERVER_PID [ROOM]``: the SSH server's fork server.

An entry point, like ``newsterm.cli``: it may know every front. It imports the reader once
(Textual, Rich, markdown-it, newsterm's screens: the ~0.6 CPU s a cold reader spends before its
first screen) and then forks a ready reader for each session (:mod:`newsterm.ssh.forkserver`).
The server's side is :mod:`newsterm.ssh.zygote`. ``ROOM`` is blank padding that gives a forked
reader's command line the room to read as the ``newsterm read`` it stands for.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
from collections.abc import Sequence

PRELOAD = (
    # What a served reader imports after its start, found by listing sys.modules in a reader
    # forked from a zygote that had only the reader's own imports: each one a reader would
    # otherwise import again for itself (~0.1 CPU s, and its memory unshared).
    "newsterm.search.index", "newsterm.search.snippets", "newsterm.search.store",
    "newsterm.search.options", "newsterm.catalog", "newsterm.watch", "newsterm.children",
    "newsterm.cli_style", "watchfiles", "anyio", "anyio._backends._asyncio", "anyio.to_thread",
    "anyio.streams.memory", "anyio.streams.stapled", "anyio.streams.tls",
    "textual.drivers.linux_driver", "textual._xterm_parser", "textual._keyboard_protocol",
    "textual.drivers._writer_thread", "textual.scrollbar", "textual.layouts.factory",
    "textual.layouts.horizontal", "textual.layouts.stream", "rich._emoji_codes",
    "concurrent.futures.thread", "queue", "shlex", "tty", "termios", "ipaddress", "gettext",
    "argparse", "multiprocessing", "multiprocessing.reduction",
    # with an index to search (tests/test_ssh_zygote.py checks that this list is complete)
    "newsterm.search.matchers", "whoosh.searching", "whoosh.collectors", "whoosh.scoring",
    "whoosh.sorting", "whoosh.highlight", "whoosh.classify", "textual.pilot",
    "textual.drivers.headless_driver", "encodings.ascii", "_sha1", "_md5", "platform",
    # a terminal whose TERM may speak Sixel is asked DA1 (tui.images.detect); importing these
    # asks nothing (the questions are asked by calls, in the reader)
    "textual_image", "textual_image._terminal",
)  # fmt: skip


def preload() -> None:
    """Import what a served reader needs before its first screen (the zygote does it once)."""
    import newsterm.cli
    import newsterm.tui.app  # noqa: F401  (the slow part)

    for name in PRELOAD:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    with contextlib.suppress(Exception):  # the table of character widths a reader loads first
        from rich.cells import cell_len

        cell_len("가")
    with contextlib.suppress(Exception):  # the reader's stylesheet, parsed once for all readers
        from newsterm.tui.app import NewstermApp
        from newsterm.tui.styles import warm

        warm(NewstermApp)


def prepare(argv: Sequence[str]) -> bool:
    """Before a fork: the catalog of the reader's archive, read once for all its readers
    (refreshed when the server's sync wrote it); True when it was read anew."""
    args = list(argv)
    values = {}
    for flag in ("--archive", "--index-dir"):
        if flag in args[:-1]:
            values[flag] = args[args.index(flag) + 1]
    if len(values) != 2:
        return False
    from newsterm.catalog import preload as preload_catalog

    return preload_catalog(values["--index-dir"], values["--archive"])


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    fd, server_pid = int(args[0]), int(args[1])
    preload()
    import newsterm.cli
    from newsterm.ssh.forkserver import serve

    return serve(fd, server_pid, newsterm.cli.main, prepare)


if __name__ == "__main__":
    sys.exit(main())
