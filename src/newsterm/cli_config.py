"""The ``config`` command: where the reader's ``config.toml`` is, a commented default, a check.

``newsterm config`` prints the file's path (whether it exists or not). ``--init`` writes a
commented default there, and never replaces a file that is already there (it says so, exit 1).
``--check`` prints one line per problem and exits 1 if there is any.

What the reader accepts (binding ids, key strings, themes) is the reader's own rule: the entry
point (``newsterm.cli``) hands it in as a :class:`ReaderSettings`, so that this module, a
one-shot command, never imports the reader (Textual).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from newsterm.errors import NewstermError
from newsterm.paths import config_file
from newsterm.text import one_line

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

__all__ = ["ReaderSettings", "cmd_config", "default_config"]


@dataclass(frozen=True, slots=True)
class ReaderSettings:
    """What the reader makes of its config: ``problems(path)`` lists what is wrong with a file
    (one line each; none for a missing file); ``bindings`` are (binding id, default keys,
    description) for the commented default; ``themes`` the theme names it knows."""

    problems: Callable[[Path], list[str]]
    bindings: Sequence[tuple[str, str, str]]
    themes: Sequence[str]


def default_config(settings: ReaderSettings) -> str:
    """A config file in which every setting is shown, commented out, at its default."""
    import textwrap

    themes = textwrap.wrap(", ".join(sorted(settings.themes)), 86)
    lines = [
        "# newsterm's configuration (TOML), read when the reader starts.",
        "# Every setting is shown at its default, commented out: remove the '#' to change one.",
        "# `newsterm config --check` says what is wrong with this file, if anything.",
        "",
        "# The reader's colour theme. T in the reader picks one and remembers it; a theme",
        "# named here wins whenever you change it here.",
        *(f"#   {line}" for line in ["Themes:", *themes]),
        '# theme = "textual-dark"',
        "",
        "# Keys: binding id = one key or several, comma-separated (Textual's key names:",
        '# "ctrl+s", "slash", "question_mark", "f1", ...). The help screen (?) lists them.',
        "[keymap]",
    ]
    width = max((len(b) for b, _k, _d in settings.bindings), default=0) + 2
    for binding_id, keys, description in settings.bindings:
        name = '"' + binding_id + '"'
        value = '"' + keys + '"'
        lines.append(f"# {name:<{width}} = {value:<14} # {description}")
    return "\n".join(lines) + "\n"


def _init(path: Path, settings: ReaderSettings) -> int:
    if path.exists() or path.is_symlink():
        print(
            f"newsterm: {path} is already there; left as it is (remove it first to start anew)",
            file=sys.stderr,
        )
        return 1
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: a file that appeared meanwhile is not replaced either.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        raise NewstermError(f"{path} is already there; left as it is") from None
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(default_config(settings))
    print(f"wrote {path}")
    return 0


def _check(path: Path, settings: ReaderSettings) -> int:
    if not path.exists():
        print(f"{path}: not there; the reader uses its defaults (newsterm config --init)")
        return 0
    problems = settings.problems(path)
    for problem in problems:
        print(one_line(problem))
    if not problems:
        print(f"{path}: fine")
    return 1 if problems else 0


def cmd_config(args: argparse.Namespace, settings: Callable[[], ReaderSettings]) -> int:
    """``newsterm config [--init | --check]``; ``settings`` gives the reader's rules."""
    path = config_file()
    if getattr(args, "init", False):
        return _init(path, settings())
    if getattr(args, "check", False):
        return _check(path, settings())
    print(path)
    return 0
