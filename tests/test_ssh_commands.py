"""Exec requests: only ``search`` with allowed options, and never another folder."""

from __future__ import annotations

import pytest

from newsterm.ssh.commands import CommandRefused, parse_exec


def test_plain_and_json_search():
    req = parse_exec("search 'AI 반도체' news")
    assert req.words == ["AI 반도체", "news"]
    assert req.argv("/a", "/i") == [
        "search", "--archive", "/a", "--index-dir", "/i", "--no-build", "--color", "never",
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


# -- log lines for what asyncssh refuses by itself (issue 13 item 11) --------------------------


def test_values_a_client_chose_are_logged_escaped_as_openssh_does():
    from newsterm.ssh.log import vis

    assert vis("xterm-256color") == "xterm-256color"
    assert vis("xterm\x1b]0;owned\x07") == "xterm\\033]0;owned\\007"
    assert vis("a\\b") == "a\\\\b" and vis("\u202e") == "\\342\\200\\256"
    assert vis("x" * 100, 10) == "x" * 10 and vis(None) is None


def test_a_reader_killed_by_a_signal_says_so():
    from newsterm.ssh.session import _exit_reason

    assert _exit_reason(0) == "reader-exit" and _exit_reason(2) == "reader-exit-2"
    assert _exit_reason(-9) == "reader-killed-SIGKILL"
    assert _exit_reason(-15) == "reader-killed-SIGTERM"


def test_requests_asyncssh_refuses_itself_get_a_refused_line():
    from newsterm.ssh.session import watch_quiet_refusals

    class FakeChannel:
        def _process_x11_req_request(self, packet):
            return None  # asyncssh answers later: refused (X11 forwarding is off)

        def _process_auth_agent_req_at_openssh_dot_com_request(self, packet):
            return None

        def _process_exec_request(self, packet):
            return packet != b"\xff"  # asyncssh: False when the command is not UTF-8

        def _process_subsystem_request(self, packet):
            return False

    chan = FakeChannel()
    logged: list[tuple[str, dict]] = []
    watch_quiet_refusals(chan, lambda what, **f: logged.append((what, f)))
    chan._process_x11_req_request(b"")
    chan._process_auth_agent_req_at_openssh_dot_com_request(b"")
    assert chan._process_exec_request(b"search x") is True
    assert chan._process_exec_request(b"\xff") is False
    chan._process_subsystem_request(b"sftp\xff")
    assert logged == [
        ("x11-forwarding", {}),
        ("agent-forwarding", {}),
        ("exec", {"reason": "not-utf-8"}),
        ("subsystem", {"reason": "not-ascii"}),
    ]


def test_the_allow_list_is_the_search_commands_own_declaration():
    """Every option of `newsterm search` marked served is accepted and passed on so that the
    CLI's own parser reads it; every other one (a folder) is refused."""
    from newsterm.cli import build_parser
    from newsterm.search.options import SEARCH_OPTIONS
    from newsterm.ssh.commands import USAGE

    served = [o for o in SEARCH_OPTIONS if o.served]
    assert {o.name for o in served} == {"--json", "--format", "--limit", "--sort", "--color"}
    for o in SEARCH_OPTIONS:
        value = [] if o.flag else [o.choices[-1] if o.choices else "3" if o.number else "/x"]
        command = " ".join(["search", o.name, *value, "word"])
        if not o.served:
            with pytest.raises(CommandRefused, match="not allowed"):
                parse_exec(command)
            assert o.name not in USAGE
            continue
        assert o.usage() in USAGE
        argv = parse_exec(command).argv("/a", "/i")
        parsed = vars(build_parser(argv).parse_args(argv))
        expected = True if o.flag else int(value[0]) if o.number else value[0]
        assert parsed[o.dest] == expected, o.name
        assert parsed["query"] == ["word"]
