"""The core and `newsterm search` never load Textual (nor rich when output is not a terminal)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from conftest import ARCHIVE


def _run(code: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_core_modules_do_not_import_textual():
    done = _run(
        """
        import sys
        import newsterm.cli, newsterm.search.index, newsterm.search.query, newsterm.search.analysis
        import newsterm.archive, newsterm.outline
        bad = sorted(m for m in sys.modules if m.split(".")[0] in ("textual", "rich"))
        assert not bad, bad
        """
    )
    assert done.returncode == 0, done.stderr


def test_markdown_setup_needs_no_rich_and_layout_no_textual():
    done = _run(
        """
        import sys
        from newsterm.markdown import parse, preprocess
        parse(preprocess("**굵게**(bold)의 {% raw %}x{% endraw %} <b>b</b>"))
        bad = sorted(m for m in sys.modules if m.split(".")[0] in ("textual", "rich"))
        assert not bad, bad
        from newsterm.markdown import render_text
        assert render_text("<h2>Step</h2>").startswith("Step")
        assert "rich" in sys.modules
        bad = sorted(m for m in sys.modules if m.split(".")[0] == "textual")
        assert not bad, bad
        """
    )
    assert done.returncode == 0, done.stderr


def test_search_command_does_not_import_textual_or_rich(tmp_path: Path):
    # The whole `newsterm search` path, index build included, with output to a pipe.
    done = _run(
        f"""
        import sys
        from newsterm.cli import main
        code = main(["search", "--archive", {str(ARCHIVE)!r}, "--index-dir",
                     {str(tmp_path / "ix")!r}, "넷플릭스"])
        assert code == 0, code
        code = main(["index", "--archive", {str(ARCHIVE)!r}, "--index-dir",
                     {str(tmp_path / "ix")!r}])
        assert code == 0, code
        assert "textual" not in sys.modules
        bad = sorted(m for m in sys.modules if m.split(".")[0] in ("textual", "rich"))
        assert not bad, bad
        """
    )
    assert done.returncode == 0, done.stderr
    assert "넷플릭스" in done.stdout
    # A search of an existing index: Whoosh's eager urllib import is skipped, and the YAML
    # parser and newsterm.language (a post's language, for the list) are not loaded at all
    # (cold start is a feature). dataclasses is: the snippets are
    # the reader's rendered text, from markdown-it tokens (a Token is a dataclass).
    done = _run(
        f"""
        import sys
        from newsterm.cli import main
        code = main(["search", "--archive", {str(ARCHIVE)!r}, "--index-dir",
                     {str(tmp_path / "ix")!r}, "넷플릭스"])
        assert code == 0, code
        slow = ("urllib.request", "http.client", "yaml", "textual", "rich", "shtab",
                "newsterm.language")
        loaded = [m for m in slow if m in sys.modules]
        assert not loaded, loaded
        """
    )
    assert done.returncode == 0, done.stderr


# Imported at the top of Whoosh, pathlib and platformdirs, but needed by no search (each is
# stood in: newsterm.search.lazy_imports): OpenSSL's hashlib, tempfile and random, shutil,
# ipaddress, calendar, queue, mmap; and argparse (with gettext and locale), as a plain search
# command line is read without it (cli._quick_search_args).
_SKIPPED = (
    "_hashlib", "hashlib", "tempfile", "random", "shutil", "bz2", "lzma", "ipaddress",
    "calendar", "argparse", "gettext", "locale", "queue", "mmap",
)  # fmt: skip


def test_a_search_in_the_default_index_folder_skips_unneeded_modules(tmp_path: Path):
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.pop("NEWSTERM_ARCHIVE", None)
    built = _run(
        f"""
        from newsterm.cli import main
        assert main(["index", "--quiet", "--archive", {str(ARCHIVE)!r}]) == 0
        """,
        env,
    )
    assert built.returncode == 0, built.stderr
    done = _run(
        f"""
        import sys
        from newsterm.cli import main
        assert main(["search", "--archive", {str(ARCHIVE)!r}, "넷플릭스"]) == 0
        loaded = [m for m in {_SKIPPED!r} if m in sys.modules]
        assert not loaded, loaded
        # and each still works when something asks for it
        import hashlib, tempfile, random, ipaddress, calendar, shutil, queue, mmap
        assert hashlib.sha1(b"x").hexdigest().startswith("11f6ad8e")
        assert ipaddress.ip_address("::1").version == 6
        from pathlib import Path
        assert Path("/a b").as_uri() == "file:///a%20b"
        assert calendar.isleap(2024) and 0 <= random.random() < 1
        assert tempfile.gettempdir() and shutil.which("sh")
        assert queue.Queue().empty() and mmap.PAGESIZE > 0
        """,
        env,
    )
    assert done.returncode == 0, done.stderr
    assert "넷플릭스" in done.stdout
    assert list((tmp_path / "cache" / "newsterm" / "indexes").iterdir()), "index not in the cache"


def test_a_search_on_a_terminal_does_not_import_rich(tmp_path: Path):
    # The styled terminal output is written directly (rich costs ~35 ms to import).
    done = _run(
        f"""
        import io, sys

        class Terminal(io.StringIO):
            def isatty(self):
                return True

        sys.stdout = out = Terminal()
        from newsterm.cli import main
        code = main(["search", "--archive", {str(ARCHIVE)!r}, "--index-dir",
                     {str(tmp_path / "ix")!r}, "넷플릭스"])
        assert code == 0, code
        assert "\\x1b[1;33m넷플릭스" in out.getvalue(), out.getvalue()[:300]
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("rich", "textual"))
        assert not loaded, loaded
        """,
        {**os.environ, "TERM": "xterm"},
    )
    assert done.returncode == 0, done.stderr


def test_a_cold_search_loads_nothing_only_writers_need(tmp_path: Path):
    # `typing` costs ~6 ms of a one-shot search's start (issue 14's before/after found it): the
    # search path keeps its annotations for the type checker only. `signal` comes with the build
    # workers' tie (newsterm.children), which a search that updates nothing never starts.
    env = {
        **os.environ,
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    args = [sys.executable, "-m", "newsterm", "search", "넷플릭스", "--archive", str(ARCHIVE)]
    subprocess.run(args, capture_output=True, timeout=300, env=env, check=True)  # builds the index
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *args[1:]],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "넷플릭스" in done.stdout
    loaded = [line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()]
    assert "newsterm.search.index" in loaded
    assert "typing" not in loaded
    assert "signal" not in loaded
    assert "newsterm.children" not in loaded
