"""A real terminal for tests: a private tmux server (its own socket, no user config) that runs
one command in a window of a given size, types into it and reads its screen."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import time
from pathlib import Path

HAVE_TMUX = shutil.which("tmux") is not None


class Tmux:
    """One tmux server on a socket under ``tmp_path``; :meth:`close` ends it."""

    def __init__(
        self,
        tmp_path: Path,
        command: str,
        *,
        width: int = 120,
        height: int = 40,
        env: dict[str, str | None] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.sock = str(tmp_path / "tmux.sock")
        # The command gets the test's environment (private XDG folders, PATH with newsterm)
        # through `env`, since the tmux server does not pass its own to new windows. A name
        # given as None is left out (unset).
        variables = {**os.environ, "TERM": "xterm-256color", **(env or {})}
        unset = [f"-u{k}" for k, v in variables.items() if v is None]
        given = [
            f"{k}={v}"
            for k, v in variables.items()
            if v is not None and k.replace("_", "").isalnum() and "\n" not in v
        ]
        prefix = "env " + " ".join(shlex.quote(word) for word in unset + given)
        where = ["-c", str(cwd)] if cwd is not None else []
        size = ["-x", str(width), "-y", str(height)]
        self.run("new-session", "-d", *where, *size, f"{prefix} {command}")

    def run(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-S", self.sock, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            timeout=30,
        )
        return done.stdout

    def keys(self, *keys: str) -> None:
        """Key names as tmux knows them (``Enter``, ``Tab``, ``C-u``), one call."""
        self.run("send-keys", *keys)

    def type(self, text: str) -> None:
        """``text`` typed literally, in one call (the terminal gets it in one read)."""
        self.run("send-keys", "-l", text)

    def screen(self) -> str:
        return self.run("capture-pane", "-p")

    def wait_for(self, text: str, timeout: float = 60.0) -> str:
        """The screen once it shows ``text``; an AssertionError with the screen otherwise."""
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.2)
        raise AssertionError(f"{text!r} never shown:\n{screen}")

    def wait_screen(self, check, timeout: float = 60.0) -> str:
        """The screen once ``check(screen)`` holds (a screen that shows one part of a frame may
        not show the rest yet: capture-pane can come while the frame is being written)."""
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if check(screen):
                return screen
            time.sleep(0.2)
        raise AssertionError(f"{check.__doc__ or check!r} never held:\n{screen}")

    def wait_gone(self, text: str, timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if text not in screen:
                return screen
            time.sleep(0.2)
        raise AssertionError(f"{text!r} still shown:\n{screen}")

    def close(self) -> None:
        self.run("kill-server")
