"""Exec requests: only ``search`` with allowed options, and never another folder."""

from __future__ import annotations

import pytest

from newsterm.ssh.commands import CommandRefused, parse_exec


def test_plain_and_json_search():
    req = parse_exec("search 'AI 반도체' news")
    assert req.words == ["AI 반도체", "news"]
    assert req.argv("/a", "/i") == [
        "search", "--archive", "/a", "--index-dir", "/i", "--color", "never",
        "--", "AI 반도체", "news",
    ]  # fmt: skip
    req = parse_exec("search --json --limit=5 --sort date -- --not-an-option")
    assert req.json and req.limit == 5 and req.sort == "date"
    assert req.argv("/a", "/i")[-2:] == ["--", "--not-an-option"]


def test_styles_when_the_client_has_a_terminal_unless_asked_not_to():
    # The search writes into a pipe: the server says whether the client has a terminal.
    def color(command: str, terminal: bool) -> str:
        argv = parse_exec(command).argv("/a", "/i", terminal=terminal)
        return argv[argv.index("--color") + 1]

    assert color("search x", terminal=True) == "always"
    assert color("search x", terminal=False) == "never"
    assert color("search --color never x", terminal=True) == "never"
    assert color("search --color=always x", terminal=False) == "always"
    assert color("search --color auto x", terminal=True) == "always"


def test_dash_words_stay_query_words_after_double_dash():
    req = parse_exec("search -h -excluded word")
    assert req.argv("/a", "/i")[-4:] == ["--", "-h", "-excluded", "word"]


@pytest.mark.parametrize(
    "command",
    [
        "ls",
        "",
        "sh -c 'search x'",
        "scp -f /etc/passwd",
        "search",
        "search --archive /etc x",
        "search --index-dir /tmp x",
        "search --archive=/etc x",
        "search --limit 0 x",
        "search --limit lots x",
        "search --limit",
        "search --sort random x",
        "search --color rainbow x",
        "search --color",
        "search 'unclosed",
        "search x\0y",
        "search " + "x " * 2000,
        "/usr/bin/search x",
        "SEARCH x",
    ],
)
def test_everything_else_is_refused(command):
    with pytest.raises(CommandRefused) as info:
        parse_exec(command)
    assert "\n" not in str(info.value)
