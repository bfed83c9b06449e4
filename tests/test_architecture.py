"""The layers of docs/architecture.md, as the import-linter contracts in pyproject.toml state them.

``lint-imports`` checks the contracts (and .ci/run runs it); these tests also make sure that
every module of newsterm is placed in a layer, so a new module cannot slip past them.
"""

from __future__ import annotations

import pkgutil
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import newsterm

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def _contracts() -> dict[str, dict]:
    config = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["importlinter"]
    return {c["id"]: c for c in config["contracts"]}


def _layers() -> list[set[str]]:
    layers = []
    for layer in _contracts()["layers"]["layers"]:
        names = layer.replace("|", ":").split(":")
        layers.append({n.strip() for n in names if n.strip()})
    return layers


def _top_level_modules() -> set[str]:
    return {f"newsterm.{m.name}" for m in pkgutil.iter_modules(newsterm.__path__)}


def test_every_module_has_a_layer():
    placed = set().union(*_layers())
    missing = _top_level_modules() - placed
    assert not missing, f"put {sorted(missing)} in a layer of [tool.importlinter] (pyproject.toml)"
    assert placed == _top_level_modules()


def test_every_module_but_the_search_package_is_forbidden_whoosh():
    whoosh = _contracts()["whoosh"]
    assert set(whoosh["source_modules"]) == {"newsterm", "newsterm.**"}
    assert whoosh["forbidden_modules"] == ["whoosh"]
    assert whoosh["ignore_imports"] == ["newsterm.search.** -> whoosh"]


def test_the_search_package_sits_between_the_fronts_and_the_core():
    layers = _layers()
    search = layers.index({"newsterm.search"})
    fronts = next(i for i, layer in enumerate(layers) if "newsterm.tui" in layer)
    assert {"newsterm.tui", "newsterm.ssh", "newsterm.cli_search"} <= layers[fronts]
    assert fronts < search == len(layers) - 2
    assert {"newsterm.archive", "newsterm.outline", "newsterm.text"} <= layers[-1]


def test_the_contracts_are_kept():
    # layers (the core never imports a front; fronts never import each other), only the search
    # package imports Whoosh, no Textual below the reader, and no import cycles
    # (a venv made before import-linter joined the test extra: pip install -e '.[test]')
    pytest.importorskip("importlinter", reason="import-linter is not installed")
    lint = Path(sys.executable).with_name("lint-imports")
    command = str(lint) if lint.exists() else shutil.which("lint-imports")
    assert command, "import-linter's lint-imports is not on PATH"
    done = subprocess.run(
        [command, "--no-cache"], capture_output=True, text=True, timeout=120, cwd=PYPROJECT.parent
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout
