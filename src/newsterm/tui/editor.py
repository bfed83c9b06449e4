"""The command that opens a post in the user's editor at a given line."""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping

# Editors that take ``-g file:line`` (VS Code and its kin) or ``file:line`` (Sublime, Zed).
_GOTO_FLAG = {"code", "code-insiders", "codium", "cursor", "windsurf"}
_COLON = {"subl", "zed", "hx", "helix"}


def editor_command(env: Mapping[str, str], path: str, line: int) -> list[str] | None:
    """``$VISUAL``, else ``$EDITOR``, opening ``path`` at ``line``; None when neither is set.

    Most terminal editors (vi, vim, nvim, nano, emacs, micro, kak, joe) take ``+line``.
    """
    raw = (env.get("VISUAL") or "").strip() or (env.get("EDITOR") or "").strip()
    if not raw:
        return None
    try:
        words = shlex.split(raw)
    except ValueError:
        words = raw.split()
    if not words:
        return None
    name = os.path.basename(words[0]).lower()
    line = max(1, int(line))
    if name in _GOTO_FLAG:
        return [*words, "-g", f"{path}:{line}"]
    if name in _COLON:
        return [*words, f"{path}:{line}"]
    return [*words, f"+{line}", path]
