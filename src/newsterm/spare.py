"""``python -I -m newsterm.spare FD``: a reader started ahead of time for the SSH server.

An entry point, like ``newsterm.cli``: it may know every front. It imports the reader (the slow
part, done before anyone connects), waits for a session (:mod:`newsterm.ssh.spare`) and runs
``newsterm`` with that session's arguments. The server side is :mod:`newsterm.ssh.warm`.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    import newsterm.cli
    import newsterm.tui.app  # the slow part, done before anyone connects
    from newsterm.ssh.spare import wait_for_session

    reader_args = wait_for_session(int(args[0]))
    if reader_args is None:
        return 0  # the server went away (or changed its mind): nothing to do
    return newsterm.cli.main(reader_args)


if __name__ == "__main__":
    sys.exit(main())
