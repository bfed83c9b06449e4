"""Shared helpers of the TUI tests: a deterministic app factory and a wait helper."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

from newsterm.tui.app import NewstermApp
from newsterm.tui.keys import Config
from newsterm.tui.state import ReadingState

SEED = "2025-08-18-content-ai-weekly-digest.md"


def make_app(
    root: Path,
    *,
    watch: bool = False,
    sync_index: bool = False,
    served: bool = False,
    config: Config | None = None,
    state: ReadingState | None = None,
    restore: bool = True,
    index_dir: Path | None = None,
) -> NewstermApp:
    """A reader on ``root`` with live-watch and index sync off unless asked (deterministic)."""
    return NewstermApp(
        root,
        index_dir=index_dir,
        state=state if state is not None else ReadingState(root),
        served=served,
        config=config,
        watch=watch,
        sync_index=sync_index,
        restore=restore,
    )


async def wait_for(pilot, condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Let the app run until ``condition()`` holds; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await pilot.pause(0.05)
    await asyncio.sleep(0)


async def open_seed(app: NewstermApp, pilot) -> None:
    await wait_for(pilot, lambda: app.loaded)
    assert app.post_list.select_path(SEED)
    await pilot.press("enter")
    await wait_for(pilot, lambda: app.doc is not None and app.doc.complete)
    await pilot.pause()
