"""The core and `newsterm search` never load Textual (nor rich when output is not a terminal)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from conftest import ARCHIVE


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_core_modules_do_not_import_textual():
    done = _run(
        """
        import sys
        import newsterm.cli, newsterm.index, newsterm.query, newsterm.analysis
        import newsterm.archive, newsterm.outline
        bad = sorted(m for m in sys.modules if m.split(".")[0] in ("textual", "rich"))
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
    # parser and dataclasses are not loaded at all (cold start is a feature).
    done = _run(
        f"""
        import sys
        from newsterm.cli import main
        code = main(["search", "--archive", {str(ARCHIVE)!r}, "--index-dir",
                     {str(tmp_path / "ix")!r}, "넷플릭스"])
        assert code == 0, code
        slow = ("urllib.request", "http.client", "yaml", "dataclasses", "textual", "rich")
        loaded = [m for m in slow if m in sys.modules]
        assert not loaded, loaded
        """
    )
    assert done.returncode == 0, done.stderr
