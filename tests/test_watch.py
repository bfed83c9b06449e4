"""The archive watcher: inside the archive only, never through links; bad names are problems."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from newsterm.watch import watch_archive, watch_folders


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    root = tmp_path / "arch"
    (root / "2024" / "05").mkdir(parents=True)
    (root / ".git" / "objects").mkdir(parents=True)
    outside = tmp_path / "outside"
    (outside / "deep" / "er").mkdir(parents=True)
    os.symlink("/usr", root / "usr-link")  # issue 13 item 10: 15,452 folders outside
    os.symlink(outside, root / "outside-link")
    os.symlink("loop", root / "loop")  # a link to itself
    os.mkdir(os.fsencode(root) + b"/dir\xff")  # a name that is not UTF-8
    (Path(os.fsdecode(os.fsencode(root) + b"/dir\xff")) / "inner").mkdir()
    return root


def test_folders_stay_inside_the_archive_and_bad_names_are_problems(hostile: Path):
    folders, problems = watch_folders(hostile)
    rels = sorted(os.path.relpath(f, hostile) for f in folders)
    assert rels == [".", "2024", "2024/05"]
    assert problems == [("dir\\xff", "folder name is not UTF-8; not watched")]


async def _collect(root: Path, actions, problems: list, timeout: float = 60.0) -> list[set[str]]:
    stop = asyncio.Event()
    got: list[set[str]] = []

    async def consume() -> None:
        async for rels in watch_archive(
            root, stop_event=stop, debounce=100, step=20,
            on_problem=lambda p, r: problems.append((p, r)),
        ):  # fmt: skip
            got.append(rels)

    task = asyncio.ensure_future(consume())
    try:
        # watching has begun: the watcher says so with an empty set (a fixed pause raced it)
        deadline = asyncio.get_running_loop().time() + 60
        while set() not in got:
            assert asyncio.get_running_loop().time() < deadline, (got, problems)
            await asyncio.sleep(0.05)
        for act, until in actions:
            act()
            deadline = asyncio.get_running_loop().time() + timeout
            while not until(got):
                assert asyncio.get_running_loop().time() < deadline, (got, problems)
                await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
    return got


def _seen(rel: str):
    return lambda got: any(rel in g for g in got)


def _watching_again_after(rel: str):
    """``rel`` was named, and then watching began again: an empty set came after it (a new
    folder makes the watcher list the folders again and start anew; a file written before the
    new watch has begun is only covered by that empty set's "rescan", never named)."""

    def check(got: list[set[str]]) -> bool:
        named = [i for i, g in enumerate(got) if rel in g]
        return bool(named) and set() in got[named[0] + 1 :]

    return check


def test_changes_are_seen_through_bad_names_and_new_folders(hostile: Path):
    problems: list = []
    mark: list[int] = []  # how many batches had come when the watcher failed
    bad_file = os.fsencode(hostile) + b"/bad\xfe.md"

    def write(rel: str):
        def act() -> None:
            path = hostile / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("---\ntitle: x\n---\nx\n", "utf-8")

        return act

    def bad() -> None:
        with open(bad_file, "w") as f:
            f.write("x")

    def failed(got: list[set[str]]) -> bool:
        if not mark:  # its first look, right after the bad file was written
            mark.append(len(got))
        return any(r.startswith("watching stopped") for _, r in problems)

    got = asyncio.run(
        _collect(
            hostile,
            [
                (write("2024/05/a.md"), _seen("2024/05/a.md")),
                # A new folder: listed again and watched anew (a fixed pause raced the restart)
                (write("2025/01/new.md"), _watching_again_after("2025")),
                (write("2025/01/later.md"), _seen("2025/01/later.md")),
                # A file name that is not UTF-8: watchfiles fails on its event; watching goes
                # on (after saying so once, and an empty set: "rescan, something changed").
                (bad, failed),
                (lambda: None, lambda got: got[-1] == set()),
                # watching has begun again: a second empty set after the failure's (a fixed
                # second raced the restart under load: the next file went unnamed)
                (lambda: None, lambda got: got[mark[0] :].count(set()) >= 2),
                (write("2024/after.md"), _seen("2024/after.md")),
            ],
            problems,
        )
    )
    assert all(not rel.startswith("..") for g in got for rel in g)
    assert ("dir\\xff", "folder name is not UTF-8; not watched") in problems
    assert len(problems) == len(set(problems))  # each said once


def test_nothing_outside_is_reported(hostile: Path, tmp_path: Path):
    problems: list = []
    got = asyncio.run(
        _collect(
            hostile,
            [
                (lambda: (tmp_path / "outside" / "deep" / "x.md").write_text("x"), lambda g: True),
                (lambda: (hostile / "2024" / "in.md").write_text("x"), _seen("2024/in.md")),
            ],
            problems,
        )
    )
    assert not any("x.md" in rel for g in got for rel in g)


def test_a_change_named_before_the_start_signal_still_brings_the_rescan(tmp_path: Path):
    """A post written within START_SIGNAL_MS of watching's start was named, and the empty set
    ("watching has begun: rescan") then never came, so a post written just before watching
    began (after the caller's own scan) was never looked for."""
    root = tmp_path / "arch"
    root.mkdir()

    async def awatch(*folders, stop_event=None, **_kw):  # watchfiles' awatch, scripted
        yield {(1, str(root / "2024-01-02-just-after.md"))}  # a change first
        yield set()  # then the first quiet START_SIGNAL_MS: a timeout
        await stop_event.wait()

    async def go() -> list[set[str]]:
        stop = asyncio.Event()
        got: list[set[str]] = []
        async for rels in watch_archive(root, stop_event=stop, awatch=awatch):
            got.append(rels)
            if len(got) == 2:
                stop.set()
        return got

    assert asyncio.run(asyncio.wait_for(go(), 60)) == [{"2024-01-02-just-after.md"}, set()]
