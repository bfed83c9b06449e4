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
from tmux_helpers import HAVE_TMUX, Tmux

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
    assert "list --format paths" in text  # show's POST completes to the posts


@pytest.fixture
def other_archive(tmp_path: Path) -> Path:
    """An archive other than the default one, in a folder whose name has a space."""
    root = tmp_path / "my blog"
    (root / "_posts").mkdir(parents=True)
    (root / "_posts" / "2024-05-01-only-here.md").write_text(
        "---\ntitle: Only here\n---\nhello\n", encoding="utf-8"
    )
    return root


def _shell_env() -> dict[str, str]:
    """newsterm on PATH, the bundled archive as the default one."""
    return {
        **os.environ,
        "PATH": f"{NEWSTERM.parent}{os.pathsep}{os.environ['PATH']}",
        "NEWSTERM_ARCHIVE": str(ARCHIVE),
    }


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
    done = subprocess.run(
        ["bash", "-c", program], capture_output=True, text=True, timeout=60, env=_shell_env()
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


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_bash_completes_the_posts_of_the_archive_on_the_line(tmp_path: Path, other_archive):
    only = ["_posts/2024-05-01-only-here.md"]
    quoted = f"'{other_archive}'"
    # after the command or before it
    assert _complete(["newsterm", "show", "--archive", quoted, ""], tmp_path) == only
    assert _complete(["newsterm", "--archive", quoted, "show", "_p"], tmp_path) == only
    assert _complete(["newsterm", "show", "--archive", quoted, "2025"], tmp_path) == []
    assert SEED.name not in _complete(["newsterm", "show", "--archive", quoted, ""], tmp_path)


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed (apt: fish)")
def test_fish_completes_commands_choices_and_the_posts_of_the_archive(
    tmp_path: Path, other_archive: Path
):
    comp = tmp_path / "newsterm.fish"
    comp.write_text(script("fish"))

    def complete(line: str) -> list[str]:
        """What fish itself completes for ``line`` (``complete -C``), without descriptions."""
        done = subprocess.run(
            ["fish", "--no-config", "-c", f"source {comp}; complete -C {_fish_quote(line)}"],
            capture_output=True,
            text=True,
            timeout=60,
            env=_shell_env(),
        )
        assert done.returncode == 0 and done.stderr == "", done.stderr
        return [row.split("\t")[0] for row in done.stdout.splitlines()]

    assert complete("newsterm li") == ["list"]
    assert complete("newsterm list --format ") == ["table", "json", "jsonl", "paths"]
    assert SEED.name in complete(f"newsterm show {SEED.name[:12]}")
    only = ["_posts/2024-05-01-only-here.md"]
    assert complete(f"newsterm show --archive '{other_archive}' ") == only
    assert complete(f"newsterm --archive '{other_archive}' show _") == only
    escaped = str(other_archive).replace(" ", "\\ ")
    assert complete(f"newsterm show --archive={escaped} ") == only


def _fish_quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed (apt: zsh)")
@pytest.mark.skipif(not HAVE_TMUX, reason="needs tmux")
def test_zsh_completes_in_a_real_terminal(tmp_path: Path, other_archive: Path):
    """An interactive zsh (compinit, the script on fpath) in tmux; Tab as a person types it."""
    zdot = tmp_path / "zdot"
    zdot.mkdir()
    (zdot / "_newsterm").write_text(script("zsh"))
    (zdot / ".zshrc").write_text(
        f"fpath=({zdot} $fpath)\nautoload -U compinit && compinit -u -D\nPROMPT='> '\n"
    )
    env = {**_shell_env(), "ZDOTDIR": str(zdot)}
    # in the archive's parent folder: the lines name it "my blog" and stay on one screen row
    term = Tmux(tmp_path, "zsh -i", width=120, height=20, env=env, cwd=other_archive.parent)
    try:
        term.wait_for(">")

        def complete(line: str, shows: str) -> list[str]:
            """The screen's rows once Tab after ``line`` (on a cleared screen) shows ``shows``."""
            term.keys("C-u")
            term.keys("C-l")
            term.type(line)
            # zsh has cleared the screen and shows the line alone: the screen waited for below
            # cannot be the last call's (a fixed 0.3 s raced a loaded zsh)
            typed = [f"> {line}".rstrip()]
            term.wait_screen(lambda s: [r.rstrip() for r in s.splitlines() if r.strip()] == typed)
            term.keys("Tab")
            screen = term.wait_for(shows)  # newsterm list runs behind the Tab
            return [row.rstrip() for row in screen.splitlines() if row.strip()]

        assert complete("newsterm li", "list")[0] == "> newsterm list"
        listed = complete("newsterm list --format ", "jsonl")
        assert listed[0] == "> newsterm list --format"
        assert listed[1].split() == ["json", "jsonl", "paths", "table"]
        line = "newsterm --archive 'my blog' show "
        assert complete(line, "only-here")[0] == f"> {line}_posts/2024-05-01-only-here.md"
        line = "newsterm show --outline --archive my\\ blog _"
        assert complete(line, "only-here")[0] == f"> {line[:-1]}_posts/2024-05-01-only-here.md"
        listed = complete("newsterm show 2025-", SEED.name)  # several: Tab lists them
        assert listed[0] == "> newsterm show 2025-"
        shown = " ".join(listed[1:]).split()
        assert SEED.name in shown and "2026-01-02-tech-outlook-2026.md" not in shown
        assert not any("only-here" in name for name in shown)
    finally:
        term.close()


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
