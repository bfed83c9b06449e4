"""The man page (docs/man/newsterm.1): made from the command line's own parser, never behind it."""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import REPO
from newsterm.cli import COMMANDS, build_parser

PAGE = REPO / "docs" / "man" / "newsterm.1"


def _generator():
    pytest.importorskip("argparse_manpage", reason="pip install -e '.[test]' brings it")
    spec = importlib.util.spec_from_file_location("make_manpage", PAGE.with_name("make_manpage.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_page_is_what_the_parser_makes_now():
    """Add an option without running docs/man/make_manpage.py and this fails."""
    assert PAGE.read_text(encoding="utf-8") == _generator().manpage()


def test_check_mode_says_when_the_page_is_behind(tmp_path: Path, capsys):
    make = _generator()
    stale = tmp_path / "newsterm.1"
    stale.write_text(PAGE.read_text(encoding="utf-8").replace("no\\-pager", "no\\-pagr"))
    assert make.main(["--check"], page=stale) == 1
    assert "out of date" in capsys.readouterr().err
    assert make.main([], page=stale) == 0  # rewritten
    assert make.main(["--check"], page=stale) == 0
    assert stale.read_text(encoding="utf-8") == PAGE.read_text(encoding="utf-8")


def _options(parser: argparse.ArgumentParser) -> set[str]:
    found: set[str] = set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found |= _options(sub)
        elif action.help != argparse.SUPPRESS:
            found.update(o for o in action.option_strings if o.startswith("--"))
    return found - {"--help"}


@pytest.mark.skipif(shutil.which("man") is None, reason="man is not installed")
def test_man_shows_every_command_and_option_and_the_extra_sections():
    proc = subprocess.run(
        ["man", "-l", str(PAGE)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "MANWIDTH": "100", "MANPAGER": "cat", "PAGER": "cat"},
    )
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout.replace("\u2010", "-").replace("\u2212", "-")
    assert text.startswith("NEWSTERM(1)")
    for name in COMMANDS:
        assert f"newsterm {name}" in text, name
    for option in _options(build_parser()):
        assert option in text, option
    for hidden in ("--host-key", "--state "):  # argparse.SUPPRESS: not for users
        assert hidden not in text
    for section in ("ENVIRONMENT", "FILES", "EXIT STATUS", "NEWSTERM_ARCHIVE", "config.toml"):
        assert section in text, section


@pytest.mark.skipif(shutil.which("groff") is None, reason="groff is not installed")
def test_the_page_is_clean_roff():
    proc = subprocess.run(
        ["groff", "-man", "-ww", "-z", str(PAGE)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr


def test_wheels_install_the_page_where_man_finds_it():
    import tomllib

    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    shared = config["tool"]["hatch"]["build"]["targets"]["wheel"]["shared-data"]
    assert shared == {"docs/man/newsterm.1": "share/man/man1/newsterm.1"}
