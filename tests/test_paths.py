"""Where newsterm keeps an archive's index and state: a stable key per archive folder."""

from __future__ import annotations

import hashlib
from pathlib import Path

from newsterm import paths


def test_archive_key_is_the_folder_name_and_a_sha1_of_its_path(tmp_path: Path):
    # The key names the index and reading-state folders users already have: it must not change.
    root = tmp_path / "my news (2025)"
    root.mkdir()
    digest = hashlib.sha1(str(root.resolve()).encode("utf-8")).hexdigest()[:12]
    assert paths.archive_key(root) == f"my_news__2025_-{digest}"


def test_index_folder_is_in_the_user_cache(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = tmp_path / "a"
    root.mkdir()
    folder = paths.index_dir_for(root)
    assert folder.parent == tmp_path / "cache" / "newsterm" / "indexes"
    assert folder.name == paths.archive_key(root)
