"""Shared fixtures: every test gets private user folders, so nothing touches the real ones."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ARCHIVE = REPO / "archive"
SEED = ARCHIVE / "2025-08-18-content-ai-weekly-digest.md"


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    base = tmp_path_factory.mktemp("userdirs")
    for var in ("XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(var, str(base / var.lower()))
    monkeypatch.delenv("NEWSTERM_ARCHIVE", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    yield


@pytest.fixture
def bundled_archive_copy(tmp_path: Path) -> Path:
    """A writable copy of the bundled archive (tests that change posts use this)."""
    dest = tmp_path / "archive"
    shutil.copytree(ARCHIVE, dest)
    return dest


@pytest.fixture
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")
