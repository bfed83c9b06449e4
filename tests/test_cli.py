"""The ``newsterm`` command line: help, version, choosing the archive, errors without tracebacks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ARCHIVE
from newsterm import __version__
from newsterm.cli import build_parser, main
from newsterm.errors import ArchiveError
from newsterm.paths import resolve_archive

NEWSTERM = Path(sys.executable).with_name("newsterm")
SUBCOMMANDS = ["read", "list", "show", "check", "search", "index", "serve"]


def run(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if k != "NEWSTERM_ARCHIVE"}
    full_env.update(env or {})
    return subprocess.run(
        [str(NEWSTERM), *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def assert_one_line_error(proc: subprocess.CompletedProcess, code: int = 2) -> str:
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("newsterm: ")
    return lines[0]


# --------------------------------------------------------------------------- help and version


def test_help_lists_every_subcommand():
    proc = run("--help")
    assert proc.returncode == 0
    for name in SUBCOMMANDS:
        assert name in proc.stdout
    assert "--archive" in proc.stdout
    assert "--version" in proc.stdout


def test_version():
    proc = run("--version")
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"newsterm {__version__}"


def test_python_dash_m_runs_the_same_cli():
    proc = subprocess.run(
        [sys.executable, "-m", "newsterm", "--version"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"newsterm {__version__}"


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_every_subcommand_has_help(command: str):
    proc = run(command, "--help")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"usage: newsterm {command}")
    assert "--archive" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_every_subcommand_accepts_archive_option():
    parser = build_parser()
    for command, extra in [("read", []), ("list", []), ("show", ["x"]), ("check", [])]:
        args = parser.parse_args([command, "--archive", "/some/dir", *extra])
        assert args.archive == "/some/dir"
    for command, extra in [("search", ["q"]), ("index", []), ("serve", [])]:
        args = parser.parse_args([command, "--archive", "/some/dir", *extra])
        assert args.archive == "/some/dir"
    # Given before the subcommand it is kept too.
    assert parser.parse_args(["--archive", "/top", "list"]).archive == "/top"


@pytest.mark.parametrize(
    "argv",
    [
        ["search", "넷플릭스", "--limit", "3", "--json"],
        ["--archive", "/top", "search", "--sort", "date", "a", "b"],
        ["--archive", "list", "list", "--json"],  # a command's name as an option's value
        ["show", "x", "--outline"],
        ["index", "--rebuild", "--quiet", "--index-dir", "/i"],
        ["serve", "--port", "2200", "--warm", "0", "--no-anonymous"],
        ["read", "some/dir", "--served"],
        ["check", "--json"],
        [],
    ],
)
def test_a_parser_for_the_named_command_parses_like_the_full_one(argv):
    assert vars(build_parser(argv).parse_args(argv)) == vars(build_parser().parse_args(argv))


def test_the_parser_sets_up_only_the_commands_named():
    import argparse

    sub = next(
        a
        for a in build_parser(["search", "x"])._actions
        if isinstance(a, argparse._SubParsersAction)
    )
    with_args = {name for name, p in sub.choices.items() if len(p._actions) > 1}
    assert with_args == {"search"}
    assert set(sub.choices) == {
        "read",
        "list",
        "show",
        "check",
        "search",
        "index",
        "serve",
        "state",
        "completions",
        "config",
    }


def test_unknown_option_is_a_usage_error_without_traceback():
    proc = run("list", "--no-such-option")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "unrecognized arguments" in proc.stderr


# --------------------------------------------------------------------------- which archive


def test_resolve_archive_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    env_dir = tmp_path / "from_env"
    arg_dir = tmp_path / "from_arg"
    env_dir.mkdir()
    arg_dir.mkdir()
    assert resolve_archive(None) == ARCHIVE.resolve()
    monkeypatch.setenv("NEWSTERM_ARCHIVE", str(env_dir))
    assert resolve_archive(None) == env_dir.resolve()
    assert resolve_archive(str(arg_dir)) == arg_dir.resolve()


def test_resolve_archive_errors(tmp_path: Path):
    with pytest.raises(ArchiveError, match="archive not found"):
        resolve_archive(tmp_path / "missing")
    (tmp_path / "file").write_text("x")
    with pytest.raises(ArchiveError, match="not a folder"):
        resolve_archive(tmp_path / "file")


@pytest.mark.parametrize("command", [["list"], ["show", "anything"], ["check"], ["list", "--json"]])
def test_missing_archive_is_one_line_and_exit_2(tmp_path: Path, command: list[str]):
    missing = tmp_path / "nope"
    line = assert_one_line_error(run(*command, "--archive", str(missing)))
    assert "archive not found" in line and str(missing) in line


def test_missing_archive_from_environment(tmp_path: Path):
    missing = tmp_path / "gone"
    line = assert_one_line_error(run("list", env={"NEWSTERM_ARCHIVE": str(missing)}))
    assert str(missing) in line


@pytest.mark.parametrize(
    "argv",
    [
        ["--archive", "", "list"],
        ["list", "--archive", ""],
        ["search", "--archive", " ", "x"],
        ["check", "--archive", ""],
        ["serve", "--archive", "", "--port", "0"],
    ],
)
def test_an_empty_archive_name_is_an_error_not_the_default(argv: list[str]):
    line = assert_one_line_error(run(*argv))
    assert "archive folder name is empty" in line


def test_the_reader_refuses_an_empty_archive_name_before_it_starts():
    from argparse import Namespace

    from newsterm.tui.app import run_reader

    with pytest.raises(ArchiveError, match="name is empty"):
        run_reader(Namespace(archive_pos="", archive="/elsewhere", index_dir=None))


def test_an_empty_archive_variable_means_the_default():
    done = run("list", env={"NEWSTERM_ARCHIVE": ""})
    assert done.returncode == 0 and "넷플릭스" in done.stdout


def test_archive_that_is_a_file(tmp_path: Path):
    f = tmp_path / "file.md"
    f.write_text("# not a folder\n")
    line = assert_one_line_error(run("--archive", str(f), "check"))
    assert "not a folder" in line


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any folder")
def test_unreadable_archive(tmp_path: Path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0)
    try:
        line = assert_one_line_error(run("list", "--archive", str(locked)))
        assert "not readable" in line
    finally:
        locked.chmod(0o755)


def test_main_turns_errors_into_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    code = main(["list", "--archive", str(tmp_path / "missing")])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert captured.err.startswith("newsterm: archive not found")
    assert captured.err.count("\n") == 1


def test_unreadable_archive_in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # Root reads every folder, so simulate the permission check failing.
    monkeypatch.setattr(os, "access", lambda *a, **k: False)
    with pytest.raises(ArchiveError, match="archive is not readable"):
        resolve_archive(tmp_path)


_TOKENS = [
    "search", "search", "word", "넷플릭스", "a b", "", "--archive", "X", "--archive=Y",
    "--archive=", "--index-dir", "/i", "--index-dir=/j", "--limit", "5", "--limit=0", " 7",
    "x", "--sort", "date", "relevance", "--sort=bogus", "--color", "always", "--color=never",
    "--json", "--json=1", "--js", "--lim", "--", "-h", "--help", "-x", "-5", "--version",
    "--format", "jsonl", "--format=paths", "--format=csv",
]  # fmt: skip


def _argparse_result(argv: list[str]) -> dict | None:
    import contextlib
    import io

    from newsterm.cli import build_parser

    try:
        with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
            return vars(build_parser(argv).parse_args(argv))
    except SystemExit:
        return None


@settings(max_examples=3000, deadline=None)
@given(
    st.lists(st.sampled_from(_TOKENS), max_size=4),
    st.lists(st.sampled_from(_TOKENS), max_size=6),
)
def test_quick_search_arguments_are_argparses(before, after):
    """A plain search command line is read without argparse (start-up time): whenever that
    reader answers, argparse must give the same arguments; otherwise argparse decides."""
    from newsterm.cli import _quick_search_args

    argv = [*before, "search", *after]
    quick = _quick_search_args(argv)
    if quick is not None:
        assert _argparse_result(argv) == vars(quick), argv


def test_quick_search_arguments_cover_the_usual_forms():
    from newsterm.cli import _quick_search_args

    for argv in (
        ["search", "넷플릭스", "극장"],
        ["search", "--limit", "5", "--json", "x"],
        ["--archive", "/a", "search", "x", "--sort=date", "--color", "never"],
        ["search", "--archive", "/a", "--index-dir", "/i", "x"],
        ["search", "x", "--format", "jsonl"],
    ):
        quick = _quick_search_args(argv)
        assert quick is not None, argv
        assert vars(quick) == _argparse_result(argv)
    for argv in (["search", "--help"], ["search"], ["search", "a", "--json", "b"], ["-h"]):
        assert _quick_search_args(argv) is None, argv


def test_serve_without_its_extra_says_how_to_install_it(tmp_path: Path):
    # asyncssh is in the `serve` extra: without it, one line that says what to install.
    code = f"""
import sys
sys.modules["asyncssh"] = None  # as if not installed
from newsterm.cli import main
sys.exit(main(["serve", "--archive", {str(ARCHIVE)!r}, "--port", "0"]))
"""
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "XDG_DATA_HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path)},
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "newsterm: serve needs asyncssh, which is not installed: pip install 'newsterm[serve]'"
    ]


def test_the_reader_and_one_shot_commands_need_no_serve_extra(tmp_path: Path):
    code = f"""
import sys
sys.modules["asyncssh"] = None  # as if not installed
from newsterm.cli import main
for argv in (["list"], ["search", "넷플릭스"], ["show", "--outline", {_first_post()!r}]):
    assert main(["--archive", {str(ARCHIVE)!r}, *argv]) == 0, argv
import newsterm.tui.app
"""
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "XDG_DATA_HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr


def _first_post() -> str:
    return str(sorted(p for p in ARCHIVE.rglob("*.md") if p.name != "README.md")[0])


def test_a_folder_alone_opens_the_reader_on_it(tmp_path: Path):
    """glow's habit: `newsterm ~/blog` is `newsterm read ~/blog` (a command of that name wins)."""
    (tmp_path / "2024-01-01-a.md").write_text("---\ntitle: A\n---\nbody\n", encoding="utf-8")
    # no terminal here: the reader's own refusal shows where the command line went
    proc = run(str(tmp_path))
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.strip() == (
        "newsterm: the reader needs a terminal; to print posts use newsterm list, show or search"
    )
    line = assert_one_line_error(run(str(tmp_path / "missing")))
    assert "invalid choice" in line
    proc = run("list", "--archive", str(tmp_path), "--format", "paths")
    assert proc.stdout == "2024-01-01-a.md\n"
