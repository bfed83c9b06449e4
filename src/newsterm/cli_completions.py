"""The ``completions`` command: bash, zsh and fish completion scripts made by shtab from the
same argparse definitions as the command line itself (``newsterm.cli.build_parser``), so that
they never disagree with it.

Folders (``--archive``, ``--index-dir``, the reader's ``ARCHIVE``) complete as folders, files as
files, and ``show``'s ``POST`` as the paths ``newsterm list --format paths`` prints (the default
archive, or ``$NEWSTERM_ARCHIVE``). shtab is imported only here: no other command loads it.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

__all__ = ["SHELLS", "completion_script"]

SHELLS = ("bash", "zsh", "fish")

_FOLDERS = frozenset({"archive", "index_dir", "archive_pos"})
_FILES = frozenset({"authorized_keys", "host_key"})
POSTS_COMMAND = "newsterm list --format paths 2>/dev/null"


def _mark(parser: argparse.ArgumentParser) -> None:
    """Say what each value completes to (shtab reads an action's ``complete``)."""
    import argparse

    import shtab

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                _mark(sub)
        elif action.dest in _FOLDERS:
            action.complete = shtab.DIRECTORY  # type: ignore[attr-defined]
        elif action.dest in _FILES:
            action.complete = shtab.FILE  # type: ignore[attr-defined]
        elif action.dest == "post":
            action.complete = shtab.cmd(POSTS_COMMAND)  # type: ignore[attr-defined]


def completion_script(parser: argparse.ArgumentParser, shell: str) -> str:
    """The completion script of ``parser`` (every command set up) for ``shell``."""
    try:
        import shtab
    except ModuleNotFoundError:  # an install from before it was a dependency
        from newsterm.errors import NewstermError

        raise NewstermError(
            "completions need shtab, which is not installed: pip install 'shtab>=1.7'"
        ) from None

    _mark(parser)
    return shtab.complete(parser, shell=shell)
