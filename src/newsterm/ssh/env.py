"""The environment of a served reader or search child, built from scratch.

Nothing the client sends is passed through as is. Only a validated ``TERM`` (a plain name that
the terminfo database knows, else ``xterm-256color``), ``COLORTERM`` (only ``truecolor`` or
``24bit``) and ``NO_COLOR`` are taken from the client; the locale is always ``C.UTF-8``; ``HOME``
and the XDG folders are the server's own, so the reader finds the index and reading state the
server uses. ``LD_*``, ``PYTHON*``, ``TEXTUAL_*``, ``EDITOR``, ``PAGER``, ``BROWSER`` and the
rest can never get in, because nothing is copied wholesale.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

DEFAULT_TERM = "xterm-256color"
TERMINFO_DIRS = ("/etc/terminfo", "/lib/terminfo", "/usr/share/terminfo", "/usr/lib/terminfo")
_TERM_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,63}\Z")
_TRUECOLOR = {"truecolor", "24bit"}
SAFE_PATH = "/usr/local/bin:/usr/bin:/bin"
LOCALE = "C.UTF-8"


def terminfo_known(name: str, dirs: tuple[str, ...] = TERMINFO_DIRS) -> bool:
    """Whether ``name`` has an entry in the terminfo database (both directory layouts)."""
    if not _TERM_NAME.match(name):
        return False
    for base in dirs:
        for sub in (name[0], f"{ord(name[0]):02x}"):
            if os.path.isfile(os.path.join(base, sub, name)):
                return True
    return False


def safe_term(term: str | None, dirs: tuple[str, ...] = TERMINFO_DIRS) -> str:
    """The client's TERM if it is a plain, known terminal name; else ``xterm-256color``."""
    if term and terminfo_known(term, dirs):
        return term
    return DEFAULT_TERM


def _user_dirs(base: Mapping[str, str]) -> dict[str, str]:
    home = base.get("HOME") or str(Path.home())
    defaults = {
        "XDG_DATA_HOME": ".local/share",
        "XDG_CONFIG_HOME": ".config",
        "XDG_CACHE_HOME": ".cache",
        "XDG_STATE_HOME": ".local/state",
    }
    out = {"HOME": home}
    for var, rel in defaults.items():
        value = base.get(var)
        out[var] = value if value and os.path.isabs(value) else os.path.join(home, rel)
    return out


def build_child_env(
    term: str | None,
    client_env: Mapping[str, str],
    base: Mapping[str, str] | None = None,
    terminfo_dirs: tuple[str, ...] = TERMINFO_DIRS,
) -> dict[str, str]:
    """The complete environment for a child started for a client.

    ``term`` is the terminal type from the client's pty request (``None`` for exec requests,
    which get ``TERM=dumb``); ``client_env`` is what the client sent with ``SetEnv``/``SendEnv``;
    ``base`` is the server's own environment (default ``os.environ``), read only for ``HOME``
    and the XDG folders.
    """
    base = os.environ if base is None else base
    env = _user_dirs(base)
    env["PATH"] = SAFE_PATH
    env["LANG"] = LOCALE
    env["LC_ALL"] = LOCALE
    # Fewer malloc arenas keep the child's address space well under its RLIMIT_AS.
    env["MALLOC_ARENA_MAX"] = "2"
    env["TERM"] = "dumb" if term is None else safe_term(term, terminfo_dirs)
    colorterm = str(client_env.get("COLORTERM", "")).strip().lower()
    if term is not None and colorterm in _TRUECOLOR:
        env["COLORTERM"] = colorterm
    if str(client_env.get("NO_COLOR", "")):
        env["NO_COLOR"] = "1"
    return env
