"""The package's metadata says true things: known classifiers, the one version, URLs and files
that exist."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from importlib.metadata import metadata
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"]


def test_classifiers_are_known_and_current():
    # a test extra: a checkout whose venv predates it skips this one test, CI installs it
    trove_classifiers = pytest.importorskip("trove_classifiers")
    for classifier in PROJECT["classifiers"]:
        assert classifier in trove_classifiers.classifiers, classifier
        assert classifier not in trove_classifiers.deprecated_classifiers, classifier
    # PEP 639: the SPDX expression says the license; a License classifier would say it twice
    assert not [c for c in PROJECT["classifiers"] if c.startswith("License ::")]
    if "Typing :: Typed" in PROJECT["classifiers"]:
        assert (REPO / "src" / "newsterm" / "py.typed").is_file()


def test_the_version_is_written_once_and_reported_from_the_installed_metadata():
    import newsterm

    assert metadata("newsterm")["Version"] == PROJECT["version"]
    assert newsterm.version() == newsterm.__version__ == PROJECT["version"]
    assert "__version__ = " not in (REPO / "src" / "newsterm" / "__init__.py").read_text("utf-8")
    out = subprocess.run(
        [sys.executable, "-m", "newsterm", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert out.stdout == f"newsterm {PROJECT['version']}\n"


def _anchor(heading: str) -> str:
    """A Markdown heading's anchor as GitHub-style renderers make it."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_project_urls_name_documents_that_exist():
    urls = PROJECT["urls"]
    assert set(urls) == {"Homepage", "Documentation", "Repository", "Issues"}
    for label, url in urls.items():
        path, _, anchor = url.partition("#")
        assert (REPO / path).is_file(), (label, url)
        if anchor:
            text = (REPO / path).read_text("utf-8")
            headings = [_anchor(h) for h in re.findall(r"^#+ (.+)$", text, re.M)]
            assert anchor in headings, (label, url)


def test_the_license_text_ships_with_the_package():
    assert PROJECT["license"] == "MIT"
    assert PROJECT["license-files"] == ["LICENSE"]
    assert (REPO / "LICENSE").read_text("utf-8").startswith("MIT License\n")
