"""The ``newsterm`` command: argument parsing and dispatch.

Every subcommand imports what it needs lazily, so ``newsterm search`` never loads Textual and
start-up stays fast. Errors the user can fix become one line on stderr and exit status 2.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Sequence

from newsterm.errors import NewstermError
from newsterm.search.lazy_imports import import_lean

TYPE_CHECKING = False  # typing is not imported at run time (start-up time)
if TYPE_CHECKING:
    import argparse
    from types import SimpleNamespace
    from typing import NoReturn

# Start-up: urllib.parse (for pathlib) and shutil (for argparse) are imported past modules
# that are not needed to start (see lazy_imports.STAND_INS).
import_lean("urllib.parse")


def _argparse():
    """argparse, imported when a command line needs it (see _quick_search_args)."""
    import_lean("shutil")
    import argparse

    return argparse


def _add_archive(p: argparse.ArgumentParser, top: bool = False) -> None:
    from newsterm.search.options import option

    spec = option("--archive")
    assert spec is not None
    # Sub-commands use SUPPRESS so that `newsterm --archive X list` keeps the top-level value.
    p.add_argument(
        spec.name,
        metavar=spec.metavar,
        default=None if top else _argparse().SUPPRESS,
        help=spec.help,
    )


def _add_index_dir(p: argparse.ArgumentParser) -> None:
    from newsterm.search.options import option

    spec = option("--index-dir")
    assert spec is not None
    p.add_argument(spec.name, metavar=spec.metavar, help=spec.help)


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise _argparse().ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise _argparse().ArgumentTypeError(f"a port is 0 to 65535, not {value}")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise _argparse().ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise _argparse().ArgumentTypeError(f"seconds must be a positive number, not {text!r}")
    return value


def _max_startups(text: str) -> tuple[int, int, int]:
    from newsterm.ssh.limits import parse_max_startups

    try:
        return parse_max_startups(text)
    except ValueError as err:
        raise _argparse().ArgumentTypeError(str(err)) from None


def _read_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("archive_pos", nargs="?", metavar="ARCHIVE", help="archive folder")
    _add_archive(p)
    _add_index_dir(p)
    p.add_argument(
        "--served",
        action="store_true",
        help="locked-down mode for untrusted readers over SSH: no editor, pager, links, "
        "file saving or suspend",
    )
    p.add_argument("--state", metavar="NAME", help=_argparse().SUPPRESS)


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise _argparse().ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise _argparse().ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def _list_args(p: argparse.ArgumentParser) -> None:
    from newsterm.cli_archive import LIST_FORMATS, LIST_SORTS

    _add_archive(p)
    p.add_argument(
        "--category", action="append", metavar="NAME", help="only posts in NAME (repeat: in each)"
    )
    p.add_argument(
        "--tag", action="append", metavar="NAME", help="only posts tagged NAME (repeat: each)"
    )
    p.add_argument(
        "--lang",
        action="append",
        metavar="CODE",
        help="only posts in language CODE (ko, en, ja, ...; repeat: in any of them)",
    )
    p.add_argument(
        "--since", metavar="DATE", help="dated on or after DATE (YYYY, YYYY-MM, YYYY-MM-DD)"
    )
    p.add_argument(
        "--until", metavar="DATE", help="dated on or before DATE (the whole month/year given)"
    )
    p.add_argument("--limit", type=_count, metavar="N", help="at most N posts")
    p.add_argument(
        "--sort", choices=LIST_SORTS, default="date", help="newest first (date), or by title"
    )
    p.add_argument(
        "--format",
        choices=LIST_FORMATS,
        help="table (default), a JSON array, JSON lines, or paths one per line (for fzf, xargs)",
    )
    p.add_argument("--json", action="store_true", help="the same as --format json")


def _show_args(p: argparse.ArgumentParser) -> None:
    from newsterm.search.options import COLORS  # the same choices as search's --color

    _add_archive(p)
    p.add_argument("post", metavar="POST", help="path relative to the archive, or a unique slug")
    p.add_argument("--outline", action="store_true", help="print only the section outline")
    p.add_argument(
        "--json",
        action="store_true",
        help="print JSON: the outline's nested sections with --outline, else the post and its body",
    )
    p.add_argument(
        "--no-pager",
        action="store_true",
        help="on a terminal, print a long post instead of paging it with $PAGER (less -R)",
    )
    p.add_argument(
        "--width", type=_count, metavar="N", help="lay the post out N columns wide (the terminal's)"
    )
    p.add_argument(
        "--color",
        choices=COLORS,
        default="auto",
        help="styles: on a terminal unless NO_COLOR is set (auto), always (rendered even when "
        "piped), never",
    )


def _check_args(p: argparse.ArgumentParser) -> None:
    _add_archive(p)
    p.add_argument("--json", action="store_true", help="print a JSON array")


def _search_args(p: argparse.ArgumentParser) -> None:
    from newsterm.search.options import SEARCH_OPTIONS

    _add_archive(p)
    p.add_argument("query", nargs="+", metavar="QUERY", help="words, phrases, field:value ...")
    for o in SEARCH_OPTIONS:
        if o.name == "--archive":
            continue  # as every command has it (see _add_archive)
        if o.name == "--index-dir":
            _add_index_dir(p)
        elif o.flag:
            p.add_argument(o.name, action="store_true", help=o.help)
        else:
            p.add_argument(
                o.name,
                metavar=o.metavar,
                type=int if o.number else str,
                choices=o.choices,
                default=o.default,
                help=o.help,
            )


def _index_args(p: argparse.ArgumentParser) -> None:
    _add_archive(p)
    _add_index_dir(p)
    p.add_argument("--rebuild", action="store_true", help="throw the index away and build anew")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def _serve_args(p: argparse.ArgumentParser) -> None:
    _add_archive(p)
    _add_index_dir(p)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    p.add_argument("--port", type=_port, default=2222, help="port to listen on (2222)")
    p.add_argument(
        "--authorized-keys",
        metavar="FILE",
        help="OpenSSH authorized_keys file: its keys are members (reading state kept)",
    )
    p.add_argument(
        "--no-anonymous", action="store_true", help="only keys from --authorized-keys get in"
    )
    p.add_argument("--max-sessions", type=int, default=50, metavar="N", help="in all (50)")
    p.add_argument("--max-per-ip", type=int, default=8, metavar="N", help="at once per IP (8)")
    p.add_argument(
        "--rate-per-ip", type=int, default=30, metavar="N", help="new connections per IP a minute"
    )
    p.add_argument(
        "--max-startups",
        type=_max_startups,
        default="30:30:200",
        metavar="START:RATE:FULL",
        help="connections not logged in yet: from START, refuse RATE%% rising to all at FULL"
        " (30:30:200, as OpenSSH's MaxStartups)",
    )
    p.add_argument(
        "--per-source-max-startups",
        type=int,
        default=4,
        metavar="N",
        help="connections not logged in yet per address (4)",
    )
    p.add_argument(
        "--proxy-protocol-from",
        metavar="ADDR,...",
        help="load balancers (addresses or networks) whose PROXY v1/v2 headers give the"
        " client's address; they must send one, and nobody else may",
    )
    p.add_argument(
        "--penalty-exempt",
        metavar="ADDR,...",
        help="addresses never refused for failing logins (monitoring checks)",
    )
    p.add_argument("--login-timeout", type=_seconds, default=30.0, metavar="S", help="seconds (30)")
    p.add_argument(
        "--idle-timeout", type=_seconds, default=1800.0, metavar="S", help="no key for S s (1800)"
    )
    p.add_argument(
        "--max-session-time", type=_seconds, default=4 * 3600.0, metavar="S", help="seconds (14400)"
    )
    p.add_argument(
        "--memory-limit-mb", type=int, default=512, metavar="MB", help="per reader (512)"
    )
    p.add_argument(
        "--cpu-limit", type=int, default=600, metavar="S", help="CPU seconds per reader (600)"
    )
    p.add_argument(
        "--fork-server",
        action=_argparse().BooleanOptionalAction,
        default=True,
        help="fork each reader from one process that has imported the reader already"
        " (on); --no-fork-server starts every reader as a new Python",
    )
    # The option the fork server replaced (spare readers): `--warm 0` still means none.
    p.add_argument("--warm", type=int, metavar="N", help=_argparse().SUPPRESS)
    p.add_argument("--host-key", metavar="FILE", help=_argparse().SUPPRESS)


def _state_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "action",
        nargs="?",
        choices=("show", "prune"),
        default="show",
        help="show (the default): counts and missing posts; prune: forget missing posts' marks",
    )
    _add_archive(p)
    p.add_argument("--profile", metavar="NAME", help="a served member's state (the key's name)")


def _config_args(p: argparse.ArgumentParser) -> None:
    what = p.add_mutually_exclusive_group()
    what.add_argument(
        "--init",
        action="store_true",
        help="write a commented default config there (never replaces an existing one)",
    )
    what.add_argument(
        "--check", action="store_true", help="one line per problem in the config; exit 1 if any"
    )


def _completions_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "shell",
        choices=("bash", "zsh", "fish"),
        help="the shell to print a completion script for (see the README to install it)",
    )


def _reader_settings():  # type: ignore[no-untyped-def]
    """The reader's rules for its config, for ``newsterm config`` (imports Textual)."""
    from textual.theme import BUILTIN_THEMES

    from newsterm.cli_config import ReaderSettings
    from newsterm.tui import keys

    return ReaderSettings(
        problems=keys.config_problems,
        bindings=[(c.binding_id, c.keys, c.description) for c in keys.ALL_COMMANDS],
        themes=list(BUILTIN_THEMES),
    )


COMMANDS = {
    "read": ("open the reader (the default command)", _read_args),
    "list": ("list every post, newest first", _list_args),
    "show": ("print one post, or its outline", _show_args),
    "check": ("list posts that cannot be read; exit 1 if any", _check_args),
    "search": ("search the archive (builds the index if needed)", _search_args),
    "index": ("bring the search index up to date with the archive", _index_args),
    "serve": ("serve the reader over SSH", _serve_args),
    "state": ("reading marks kept for the archive; prune those of missing posts", _state_args),
    "completions": ("print a bash, zsh or fish completion script", _completions_args),
    "config": (
        "print the config file's path; --init writes a default, --check checks it",
        _config_args,
    ),
}


def _quick_search_args(argv: list[str]) -> SimpleNamespace | None:
    """The arguments of a plain ``search`` command line, read without argparse; else None.

    Importing argparse (with gettext, locale and shutil) and setting up its parser is a
    visible part of a one-shot search that should answer like rg (benchmarks/README.md).
    Command lines made of ``--archive`` before the command, then ``search`` with full option
    names (``--limit 5``, ``--sort=date``) and one run of query words are read here, with the
    result argparse gives. Anything else -- help, an abbreviated or unknown option, ``--``, a
    word starting with ``-``, a value argparse would refuse, words after an option that
    follows words -- returns None and goes to argparse, for the same result or its error
    message. A test checks that both agree. The options are search.options' declaration.
    """
    values: dict[str, object] = {"archive": None}
    i = 0
    while i < len(argv) and argv[i] != "search":
        name, eq, value = argv[i].partition("=")
        if name != "--archive":
            return None
        if not eq:
            i += 1
            if i >= len(argv) or argv[i].startswith("-"):
                return None
            value = argv[i]
        values["archive"] = value
        i += 1
    if i >= len(argv):
        return None
    from newsterm.search.options import SEARCH_OPTIONS, option

    values.update((o.dest, o.default) for o in SEARCH_OPTIONS if o.name != "--archive")
    words: list[str] = []
    words_ended = False
    i += 1
    while i < len(argv):
        tok = argv[i]
        i += 1
        if not tok.startswith("-"):
            if words_ended:
                return None  # argparse: "unrecognized arguments"
            words.append(tok)
            continue
        words_ended = bool(words)
        name, eq, value = tok.partition("=")
        spec = option(name)
        if spec is None:
            return None
        if spec.flag:
            if eq:
                return None  # argparse: "ignored explicit argument"
            values[spec.dest] = True
            continue
        if not eq:
            if i >= len(argv) or argv[i].startswith("-"):
                return None
            value = argv[i]
            i += 1
        if spec.choices is not None and value not in spec.choices:
            return None
        if spec.number:
            try:
                values[spec.dest] = int(value)  # as argparse's type=int
            except ValueError:
                return None
        else:
            values[spec.dest] = value
    if not words:
        return None
    from types import SimpleNamespace

    return SimpleNamespace(command="search", query=words, **values)


def _negations_as_words(argv: list[str]) -> list[str]:
    """``search 반도체 -수출``: a word that starts with one ``-`` and is not an option (search
    has no short option but ``-h``) is a query word, a negation; argparse would call it an
    unrecognized option. Such words, and the query words around them, are moved after ``--``
    (options stay before it, in order), so argparse reads them as the query. Any other command
    line is returned as it is."""
    from newsterm.search.options import option

    i = 0
    while i < len(argv) and argv[i] != "search":  # --archive DIR before the command
        name, eq, _value = argv[i].partition("=")
        if name != "--archive":
            return argv
        i += 1 if eq else 2
    if i >= len(argv):
        return argv
    head, rest = argv[: i + 1], argv[i + 1 :]
    opts: list[str] = []
    words: list[str] = []
    moved = False
    j = 0
    while j < len(rest):
        tok = rest[j]
        j += 1
        if tok == "--":
            words.extend(rest[j:])
            break
        negation = len(tok) > 1 and tok[0] == "-" and tok[1] != "-" and tok != "-h"
        if not tok.startswith("-") or tok == "-" or negation:
            words.append(tok)
            moved = moved or negation
            continue
        opts.append(tok)
        spec = option(tok.partition("=")[0])
        if spec is not None and not spec.flag and "=" not in tok and j < len(rest):
            opts.append(rest[j])  # its value, whatever it looks like
            j += 1
    if not moved:
        return argv
    return [*head, *opts, "--", *words]


def _folder_as_read(argv: list[str]) -> list[str]:
    """``newsterm ~/blog`` (glow's habit) is ``newsterm read ~/blog``: a first word that is no
    command but an existing folder opens the reader on it. A command of that name wins."""
    first = argv[0] if argv else ""
    if first and first not in COMMANDS and not first.startswith("-"):
        return ["read", *argv] if os.path.isdir(os.path.expanduser(first)) else argv
    return argv


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The command-line parser. Given ``argv``, only the commands named in it get their
    arguments (setting up the others is a visible part of a one-shot search); the rest
    are listed with their help line. With no command named, every command is complete.
    """
    argparse = _argparse()

    class Parser(argparse.ArgumentParser):  # type: ignore[name-defined]  # (a local module)
        """Bad input is one line on stderr (not the usage block) and exit status 2."""

        def error(self, message: str) -> NoReturn:
            from newsterm.text import one_line

            self.exit(2, f"{self.prog}: error: {one_line(message)} (see {self.prog} -h)\n")
            raise AssertionError("exit returned")  # (for mypy: exit never returns)

    parser = Parser(
        prog="newsterm",
        description="Read and search a folder of Markdown news and blog posts in the terminal.",
        epilog="With no command, newsterm opens the reader on the archive.",
    )

    class Version(argparse.Action):  # type: ignore[name-defined]  # (a local module)
        """``--version``: the installed package's version, looked up only when asked for."""

        def __call__(self, parser: object, *_args: object) -> None:
            from newsterm import version

            print(f"newsterm {version()}")
            raise SystemExit(0)

    parser.add_argument(
        "--version",
        action=Version,
        nargs=0,
        default=argparse.SUPPRESS,
        help="show program's version number and exit",
    )
    _add_archive(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    named = set(argv).intersection(COMMANDS) if argv is not None else set()
    for name, (help_text, add_args) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text)
        if not named or name in named:
            add_args(p)
    return parser


def _archive_arg(args: argparse.Namespace) -> str | None:
    given = getattr(args, "archive_pos", None)
    return given if given is not None else getattr(args, "archive", None)


class NoTerminalError(NewstermError):
    """``read --served`` without a terminal (``ssh -T``, a pipe): refused, exit 1."""

    exit_code = 1


def _dispatch(args: argparse.Namespace) -> int:
    command = args.command or "read"
    if command == "read":
        if getattr(args, "served", False) and not (sys.stdin.isatty() and sys.stdout.isatty()):
            raise NoTerminalError("the reader needs a terminal; connect with ssh -t")
        from newsterm.cli_style import isatty

        if not (isatty(sys.stdin) and isatty(sys.stderr)):
            # Textual reads keys from stdin and draws on stderr: without a terminal it would
            # wait for keys forever while writing escape sequences into a pipe or file.
            raise NoTerminalError(
                "the reader needs a terminal; to print posts use newsterm list, show or search"
            )
        from newsterm.tui.app import run_reader

        return run_reader(args)
    if command in ("list", "show", "check"):
        from newsterm import cli_archive

        return getattr(cli_archive, f"cmd_{command}")(args)
    if command in ("search", "index"):
        from newsterm import cli_search

        # A full build may fork index workers. Ctrl+C goes to the whole process group: let
        # only this process take it (it stops the workers), not each worker with a traceback.
        os.register_at_fork(after_in_child=_ignore_sigint)

        return getattr(cli_search, f"cmd_{command}")(args)
    if command == "state":
        from newsterm.cli_state import cmd_state

        return cmd_state(args)
    if command == "completions":
        from newsterm.cli_completions import completion_script

        sys.stdout.write(completion_script(build_parser(), args.shell))
        sys.stdout.flush()
        return 0
    if command == "config":
        from newsterm.cli_config import cmd_config

        return cmd_config(args, _reader_settings)
    if command == "serve":
        try:
            from newsterm.ssh.server import run_server
        except ModuleNotFoundError as err:
            if err.name not in SERVE_NEEDS:
                raise
            raise NewstermError(
                f"serve needs {err.name}, which is not installed: pip install 'newsterm[serve]'"
            ) from None
        return run_server(args)
    raise AssertionError(command)


SERVE_NEEDS = ("asyncssh",)
"""What ``newsterm serve`` needs beyond newsterm's own dependencies (the ``serve`` extra)."""


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so that flushing it at exit cannot raise again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _safe_streams() -> None:
    """Text that cannot be encoded (a lone surrogate from a file name or argv) is written as a
    visible escape instead of raising UnicodeEncodeError halfway through the output."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):
                pass


def _ignore_sigint() -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _end_children() -> None:
    """Stop worker processes a multi-process index build started, so that an interrupted
    newsterm exits at once instead of waiting for them (they hold its output pipes too)."""
    mp = sys.modules.get("multiprocessing")
    if mp is None:
        return
    try:
        children = mp.active_children()
    except Exception:
        return
    for child in children:
        try:
            child.terminate()
            child.join(2)
        except Exception:
            pass


def _fail(message: str, code: int) -> int:
    from newsterm.text import one_line

    try:
        print(f"newsterm: {one_line(message)}", file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass
    return code


READ_ONLY_COMMANDS = frozenset({"search", "list", "show", "check"})
"""One-shot commands that only read and print: the console script ends them with os._exit."""


def console() -> NoReturn:
    """The ``newsterm`` program (console script and ``python -m newsterm``): :func:`main`, then
    exit.

    A read-only one-shot command leaves with ``os._exit`` once its output is flushed: tearing
    the interpreter down (freeing every module and object, a last cyclic collection over what
    a search left) is a visible part of a search, and the operating system does it anyway.
    """
    sys.exit(main(exit_when_done=True))


def _exit_now(code: int) -> NoReturn:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can be said there
            pass
    os._exit(code)


def main(argv: Sequence[str] | None = None, exit_when_done: bool = False) -> int:
    """Run the command in ``argv`` (default: the process's arguments); its exit status.

    With ``exit_when_done`` a read-only command that succeeds ends the process at once (see
    :func:`console`); tests and the SSH server's fork server calls this without it.
    """
    _safe_streams()
    argv = list(sys.argv[1:] if argv is None else argv)
    args: argparse.Namespace | SimpleNamespace | None = _quick_search_args(argv)
    if args is None:
        argv = _negations_as_words(_folder_as_read(argv))
        parser = build_parser(argv)
        try:
            args = parser.parse_args(argv)
        except KeyboardInterrupt:
            return _fail("interrupted", 130)
    assert args is not None
    if args.command is None:
        args.archive_pos = None
        args.index_dir = None
        args.served = False
        args.state = None
    try:
        code = _dispatch(args)  # type: ignore[arg-type]  # (a SimpleNamespace reads the same)
    except NewstermError as err:
        return _fail(str(err), err.exit_code)
    except KeyboardInterrupt:
        _end_children()
        return _fail("interrupted", 130)
    except BrokenPipeError:
        # Output piped into `head` and closed early: not an error worth a traceback.
        _quiet_stdout()
        return 0
    except OSError as err:
        # A folder newsterm needs that cannot be made or written (the cache, --index-dir).
        if err.filename:
            return _fail(f"cannot use {err.filename}: {err.strerror or err}", 2)
        return _fail(str(err.strerror or err), 2)
    except MemoryError:
        return _fail("out of memory", 2)
    except Exception as err:  # the last net: one line instead of a traceback
        if os.environ.get("NEWSTERM_DEBUG"):
            raise
        return _fail(
            f"internal error: {type(err).__name__}: {err} (NEWSTERM_DEBUG=1 shows where)", 2
        )
    if exit_when_done and args.command in READ_ONLY_COMMANDS:
        _exit_now(code)
    return code
