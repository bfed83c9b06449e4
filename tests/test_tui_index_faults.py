"""The reader notices an index deleted under it, says so, and builds it again."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import newsterm.tui.screens.main_index as app_module
from tui_helpers import make_app, wait_for

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_an_index_deleted_under_the_reader_is_said_and_rebuilt(
    bundled_archive_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app_module, "INDEX_CHECK_EVERY", 0.2)
    ixdir = tmp_path / "ix"
    app = make_app(bundled_archive_copy, sync_index=True, index_dir=ixdir, restore=False)
    states: list[str] = []
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.main.index_state == "up to date", timeout=60)
        assert app.index.search("넷플릭스").hits
        original = app.main._set_index_state

        def record(text: str) -> None:
            states.append(text)
            original(text)

        app.main._set_index_state = record
        # As a user deletes it: `rm -rf` passes over a file the reader's SQLite removes
        # itself between the listing and the unlink (its -wal file), where rmtree raises.
        subprocess.run(["rm", "-rf", str(ixdir)], check=True)
        assert not ixdir.exists()
        await wait_for(pilot, lambda: "index deleted; rebuilding" in states)
        await wait_for(pilot, lambda: app.main.index_state == "up to date", timeout=60)
        assert app.index_ready and app.index.search("넷플릭스").hits
        assert (ixdir / "CURRENT").is_file()
