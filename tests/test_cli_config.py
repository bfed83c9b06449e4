"""``newsterm config``: the path, a commented default that the reader reads cleanly, a check."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

from newsterm.tui.keys import load_config

NEWSTERM = Path(sys.executable).with_name("newsterm")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [str(NEWSTERM), "config", *args],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        env=dict(os.environ),  # the private XDG folders of conftest
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def config_path() -> Path:
    return Path(os.environ["XDG_CONFIG_HOME"]) / "newsterm" / "config.toml"


def test_config_prints_the_path_whether_or_not_it_exists():
    proc = run()
    assert proc.returncode == 0
    assert proc.stdout == f"{config_path()}\n"
    assert not config_path().exists()  # printing it writes nothing


def test_init_writes_a_commented_default_the_reader_reads_cleanly():
    proc = run("--init")
    assert proc.returncode == 0 and str(config_path()) in proc.stdout
    text = config_path().read_text(encoding="utf-8")
    assert tomllib.loads(text) == {"keymap": {}}  # every setting commented out
    assert '# theme = "textual-dark"' in text
    assert '# "newsterm.search"' in text and "slash" in text
    assert load_config(config_path()).problems == []
    assert run("--check").returncode == 0
    # uncommenting a line gives a working setting
    config_path().write_text(text.replace('# "newsterm.search"', '"newsterm.search"', 1))
    assert load_config(config_path()).keymap == {"newsterm.search": "slash"}
    assert run("--check").returncode == 0


def test_init_never_replaces_an_existing_config():
    config_path().parent.mkdir(parents=True)
    config_path().write_text('theme = "nord"\n')
    proc = run("--init")
    assert proc.returncode == 1
    assert "already there" in proc.stderr and len(proc.stderr.splitlines()) == 1
    assert config_path().read_text() == 'theme = "nord"\n'


def test_check_prints_one_line_per_problem_and_exits_1():
    config_path().parent.mkdir(parents=True)
    config_path().write_text(
        'theme = "no-such-theme"\ncolour = 1\n[keymap]\n"newsterm.zzz" = "x"\nsearch = "ctrl+s"\n'
    )
    proc = run("--check")
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert len(lines) == 3, lines
    assert any("no-such-theme" in line for line in lines)
    assert any("'colour'" in line for line in lines)
    assert any("newsterm.zzz" in line for line in lines)
    config_path().write_text("theme = [unclosed\n")
    proc = run("--check")
    assert proc.returncode == 1 and len(proc.stdout.splitlines()) == 1


def test_check_of_a_missing_config_is_fine_and_bad_options_are_one_line():
    proc = run("--check")
    assert proc.returncode == 0 and "not there" in proc.stdout
    proc = run("--init", "--check")
    assert proc.returncode == 2 and len(proc.stderr.splitlines()) == 1
