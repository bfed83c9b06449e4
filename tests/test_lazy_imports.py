"""import_past: a module imported with stand-ins for modules it imports but does not need yet."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from newsterm.search.lazy_imports import import_past


@pytest.fixture
def modules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Three throw-away modules: ``nt_target`` imports ``nt_whole`` whole and a function of
    ``nt_named`` by name; both record in ``LOADED`` (a list in ``nt_log``) when they load."""
    files = {
        "nt_log.py": "LOADED = []\n",
        "nt_whole.py": """
            import nt_log
            nt_log.LOADED.append("nt_whole")
            class Thing:
                pass
            def double(x):
                return 2 * x
            """,
        "nt_named.py": """
            import nt_log
            nt_log.LOADED.append("nt_named")
            def triple(x):
                return 3 * x
            """,
        "nt_target.py": """
            import nt_whole
            from nt_named import triple
            def uses_whole(x):
                return nt_whole.double(x), isinstance(nt_whole.Thing(), nt_whole.Thing)
            def uses_named(x):
                return triple(x)
            """,
    }
    for name, text in files.items():
        (tmp_path / name).write_text(textwrap.dedent(text), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield
    for name in list(sys.modules):
        if name.startswith("nt_"):
            del sys.modules[name]


def test_target_loads_without_the_stood_in_modules(modules):
    import_past("nt_target", {"nt_whole": (), "nt_named": ("triple",)})
    import nt_log

    assert "nt_target" in sys.modules
    assert nt_log.LOADED == []
    assert "nt_whole" not in sys.modules and "nt_named" not in sys.modules


def test_a_function_imported_by_name_loads_its_module_on_first_call(modules):
    import_past("nt_target", {"nt_whole": (), "nt_named": ("triple",)})
    import nt_log
    import nt_target

    assert nt_target.uses_named(5) == 15
    assert nt_log.LOADED == ["nt_named"]
    assert nt_target.uses_named(2) == 6
    assert nt_log.LOADED == ["nt_named"], "loaded once"


def test_a_module_imported_whole_loads_on_first_attribute(modules):
    import_past("nt_target", {"nt_whole": (), "nt_named": ("triple",)})
    import nt_log
    import nt_target

    # classes work too (isinstance against the real class), not only functions
    assert nt_target.uses_whole(4) == (8, True)
    assert nt_log.LOADED == ["nt_whole"]


def test_a_later_import_gets_the_real_module(modules):
    import_past("nt_target", {"nt_whole": (), "nt_named": ("triple",)})
    import nt_named
    import nt_whole

    assert nt_whole.double(3) == 6 and isinstance(nt_whole.Thing, type)
    assert nt_named.triple(3) == 9
    assert sys.modules["nt_whole"] is nt_whole


def test_modules_already_loaded_are_used_as_they_are(modules):
    import nt_log
    import nt_whole

    import_past("nt_target", {"nt_whole": (), "nt_named": ("triple",)})
    import nt_target

    assert nt_target.nt_whole is nt_whole
    assert nt_log.LOADED == ["nt_whole"]


def test_a_target_already_loaded_is_left_alone(modules):
    import nt_target

    import_past("nt_target", {"nt_whole": (), "nt_named": ("triple",)})
    assert sys.modules["nt_target"] is nt_target
    assert "nt_whole" in sys.modules, "the earlier plain import loaded it"


def test_a_failing_target_leaves_no_stand_in_behind(modules, tmp_path: Path):
    (tmp_path / "nt_broken.py").write_text("import nt_whole\nraise ValueError('no')\n")
    with pytest.raises(ValueError):
        import_past("nt_broken", {"nt_whole": ()})
    assert "nt_whole" not in sys.modules


@pytest.mark.skipif(
    sys.version_info < (3, 12), reason="Whoosh's escapes are SyntaxWarnings from Python 3.12"
)
def test_a_search_compiling_whoosh_cold_prints_no_syntax_warning(tmp_path: Path):
    """Without bytecode (uv tool install, a read-only install) Whoosh is compiled on each run:
    its SyntaxWarnings never reach the user, for a search or a build."""
    import os
    import shutil
    import subprocess

    import whoosh

    from conftest import ARCHIVE

    copy = tmp_path / "site"
    shutil.copytree(Path(whoosh.__file__).parent, copy / "whoosh",
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(copy), os.environ.get("PYTHONPATH", "")]),
        "PYTHONDONTWRITEBYTECODE": "1",
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    env.pop("PYTHONWARNINGS", None)
    for argv in (["index", "--quiet"], ["search", "넷플릭스"]):
        done = subprocess.run(
            [sys.executable, "-m", "newsterm", "--archive", str(ARCHIVE), *argv],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )
        assert done.returncode == 0, done.stderr
        assert "Warning" not in done.stderr, done.stderr
        assert str(copy) in subprocess.run(
            [sys.executable, "-c", "import whoosh; print(whoosh.__file__)"],
            capture_output=True, text=True, env=env,
        ).stdout  # fmt: skip
