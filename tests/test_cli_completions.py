"""``newsterm completions bash|zsh|fish``: scripts made from the command line's own parser."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ARCHIVE, SEED
from newsterm.cli import COMMANDS

NEWSTERM = Path(sys.executable).with_name("newsterm")


def script(shell: str) -> str:
    proc = subprocess.run(
        [str(NEWSTERM), "completions", shell], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    return proc.stdout


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_every_command_and_option_is_in_the_script(shell: str):
    text = script(shell)
    for name in COMMANDS:
        assert name in text, name
    for option in ("--category", "--since", "--format", "--no-pager", "--width", "--init"):
        assert option.lstrip("-") in text, option
    assert "jsonl" in text and "paths" in text  # --format's choices
    assert "newsterm list --format paths" in text  # show's POST completes to the posts


def _complete(words: list[str], tmp_path: Path) -> list[str]:
    """What bash completes for ``words`` (the last one being typed) with the bash script."""
    comp = tmp_path / "newsterm.bash"
    comp.write_text(script("bash"))
    line = " ".join(words)
    program = f"""
        source {comp}
        COMP_WORDS=({" ".join(repr(w) if w else "''" for w in words)})
        COMP_CWORD={len(words) - 1}
        COMP_LINE={line!r}
        COMP_POINT={len(line)}
        _shtab_newsterm
        printf '%s\\n' "${{COMPREPLY[@]}}"
    """
    env = {
        **os.environ,
        "PATH": f"{NEWSTERM.parent}{os.pathsep}{os.environ['PATH']}",
        "NEWSTERM_ARCHIVE": str(ARCHIVE),
    }
    done = subprocess.run(
        ["bash", "-c", program], capture_output=True, text=True, timeout=60, env=env
    )
    assert done.returncode == 0, done.stderr
    return [w for w in done.stdout.split("\n") if w]


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_bash_completes_commands_options_choices_and_posts(tmp_path: Path):
    assert _complete(["newsterm", "li"], tmp_path) == ["list"]
    assert _complete(["newsterm", "list", "--fo"], tmp_path) == ["--format"]
    assert _complete(["newsterm", "list", "--format", ""], tmp_path) == [
        "table", "json", "jsonl", "paths"
    ]  # fmt: skip
    assert sorted(_complete(["newsterm", "search", "--sort", ""], tmp_path)) == [
        "date", "relevance"
    ]  # fmt: skip
    assert SEED.name in _complete(["newsterm", "show", SEED.name[:12]], tmp_path)


def test_an_unknown_shell_is_one_line_and_exit_2():
    proc = subprocess.run(
        [str(NEWSTERM), "completions", "tcsh"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2 and len(proc.stderr.splitlines()) == 1
    assert "bash" in proc.stderr


def test_without_shtab_it_says_what_to_install():
    code = (
        "import sys; sys.modules['shtab'] = None\n"
        "from newsterm.cli import main\n"
        "sys.exit(main(['completions', 'bash']))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.strip() == (
        "newsterm: completions need shtab, which is not installed: pip install 'shtab>=1.7'"
    )
