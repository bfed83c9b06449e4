"""The served child's environment is built from scratch: only checked values get in."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsterm.ssh.env import DEFAULT_TERM, build_child_env, safe_term, terminfo_known


@pytest.fixture
def terminfo(tmp_path: Path) -> tuple[str, ...]:
    base = tmp_path / "terminfo"
    (base / "x").mkdir(parents=True)
    (base / "x" / "xterm-kitty").write_bytes(b"\x1a\x01")
    (base / "73").mkdir()
    (base / "73" / "screen.hex").write_bytes(b"\x1a\x01")
    return (str(base),)


def test_known_terms_pass_in_both_layouts(terminfo):
    assert terminfo_known("xterm-kitty", terminfo)
    assert terminfo_known("screen.hex", terminfo)
    assert safe_term("xterm-kitty", terminfo) == "xterm-kitty"


@pytest.mark.parametrize(
    "term",
    ["../../etc/x", "x/../../xterm-kitty", "", "xterm-kitty\n", "-xterm", "a" * 80, "nope-term"],
)
def test_hostile_or_unknown_terms_fall_back(term, terminfo):
    assert safe_term(term, terminfo) == DEFAULT_TERM
    assert safe_term(None, terminfo) == DEFAULT_TERM


def test_real_terminfo_database_knows_xterm_256color():
    assert terminfo_known("xterm-256color")


CLIENT = {
    "LD_PRELOAD": "/tmp/evil.so",
    "LD_LIBRARY_PATH": "/tmp",
    "PYTHONPATH": "/tmp",
    "PYTHONSTARTUP": "/tmp/x.py",
    "TEXTUAL_DRIVER": "evil:Driver",
    "TEXTUAL": "devtools",
    "EDITOR": "vim",
    "PAGER": "less",
    "BROWSER": "firefox",
    "HOME": "/tmp/evil-home",
    "XDG_DATA_HOME": "/tmp/evil",
    "PATH": "/tmp/evil-bin",
    "LANG": "ko_KR.EUC-KR",
    "LC_ALL": "C",
    "COLORTERM": "truecolor",
    "NO_COLOR": "1",
    "SHELL": "/bin/sh",
}


def test_client_values_never_reach_the_child_except_checked_ones(terminfo):
    base = {"HOME": "/srv/news", "XDG_CACHE_HOME": "/srv/cache", "LD_PRELOAD": "server.so"}
    env = build_child_env("xterm-kitty", CLIENT, base=base, terminfo_dirs=terminfo)
    assert env["TERM"] == "xterm-kitty"
    assert env["COLORTERM"] == "truecolor"
    assert env["NO_COLOR"] == "1"
    assert env["LANG"] == env["LC_ALL"] == "C.UTF-8"
    assert env["HOME"] == "/srv/news"
    assert env["XDG_CACHE_HOME"] == "/srv/cache"
    assert env["XDG_DATA_HOME"] == "/srv/news/.local/share"
    assert env["XDG_CONFIG_HOME"] == "/srv/news/.config"
    assert "/tmp" not in env["PATH"]
    for name in env:
        assert not name.startswith(("LD_", "PYTHON", "TEXTUAL")), name
        assert name not in ("EDITOR", "PAGER", "BROWSER", "SHELL"), name
    assert not any("evil" in value or "/tmp" in value for value in env.values())


def test_colorterm_only_truecolor_and_exec_children_get_dumb_terminal(terminfo):
    env = build_child_env("xterm-kitty", {"COLORTERM": "rainbow"}, base={"HOME": "/h"})
    assert "COLORTERM" not in env and "NO_COLOR" not in env
    assert (
        build_child_env("xterm-kitty", {"COLORTERM": "24bit"}, base={"HOME": "/h"})["COLORTERM"]
        == "24bit"
    )
    env = build_child_env(None, {"COLORTERM": "truecolor"}, base={"HOME": "/h"})
    assert env["TERM"] == "dumb" and "COLORTERM" not in env


def test_relative_xdg_values_are_ignored():
    env = build_child_env(None, {}, base={"HOME": "/h", "XDG_STATE_HOME": "rel/state"})
    assert env["XDG_STATE_HOME"] == "/h/.local/state"
