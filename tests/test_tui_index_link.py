"""The reader's index connection, with a stand-in index: what it reports and when."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from newsterm.errors import IndexBusyError
from newsterm.search import store
from newsterm.search.index import open_index
from newsterm.tui.index_link import INDEX_RETRY, IndexLink, progress_label
from newsterm.walk import scan_archive


class Events:
    def __init__(self) -> None:
        self.seen: list[tuple[str, Any]] = []

    def state(self, text: str) -> None:
        self.seen.append(("state", text))

    def usable(self) -> None:
        self.seen.append(("usable", None))

    def synced(self) -> None:
        self.seen.append(("synced", None))

    def busy(self, built: bool) -> None:
        self.seen.append(("busy", built))

    def notice(self, message: str) -> None:
        self.seen.append(("notice", message))

    def needs_sync(self) -> None:
        self.seen.append(("needs_sync", None))


class FakeIndex:
    def __init__(self, built: bool, fail: BaseException | None = None) -> None:
        self.built = built
        self.fail = fail
        self.synced_with: list[Any] = []
        self.gone = False
        self.merges = 0

    def needs_build(self) -> bool:
        return not self.built

    def sync(self, archive: Any, progress: Any, scan: Any = None) -> None:
        self.synced_with.append(archive)
        if self.fail is not None:
            raise self.fail
        progress(1, 2)
        progress(2, 2)
        self.built = True

    def is_gone(self) -> bool:
        return self.gone

    def merge_in_background(self) -> None:
        self.merges += 1


def _link(index: FakeIndex, events: Events, **kwargs: Any) -> IndexLink:
    # progress_every=-1: every progress call is reported, however fast
    return IndexLink(
        Path("/nowhere"),
        Path("/nowhere-ix"),
        events,
        lambda: "the archive",  # type: ignore[arg-type, return-value]
        index=index,
        progress_every=-1,
        **kwargs,
    )


def test_a_first_build_reports_indexing_then_synced():
    events, index = Events(), FakeIndex(built=False)
    assert _link(index, events).sync() == "synced"
    assert index.synced_with == ["the archive"]
    assert events.seen == [
        ("state", "indexing 1/2"),
        ("state", "indexing 2/2"),
        ("synced", None),
    ]
    assert index.merges == 1  # the segments the build left are merged in the background


def test_an_earlier_index_answers_at_once_while_changes_are_looked_for():
    events = Events()
    assert _link(FakeIndex(built=True), events).sync() == "synced"
    assert events.seen[:2] == [("usable", None), ("state", "checking for changes…")]
    assert events.seen[-1] == ("synced", None)
    events = Events()
    assert _link(FakeIndex(built=True), events).sync(changed=3) == "synced"
    assert ("state", "3 posts changed, updating") in events.seen
    assert ("state", "checking for changes…") not in events.seen


def test_another_writer_is_reported_and_retried_later():
    events = Events()
    busy = FakeIndex(built=True, fail=IndexBusyError("held"))
    link = _link(busy, events)
    with pytest.raises(IndexBusyError):
        link.sync()
    assert busy.merges == 0  # no merge while another process writes
    assert events.seen[-1] == ("busy", True)
    assert link.retry_after(IndexBusyError("held")) == INDEX_RETRY
    assert link.retry_after(OSError("disk")) is None


def test_a_failing_sync_is_a_state_not_a_crash():
    events = Events()
    link = _link(FakeIndex(built=False, fail=OSError("disk full")), events)
    assert link.sync() == "error"
    assert events.seen[-1] == ("state", "index error: disk full")


def test_gone_is_asked_of_the_index_and_never_raises():
    index = FakeIndex(built=True)
    link = _link(index, Events())
    assert not link.is_gone()
    index.gone = True
    assert link.is_gone()
    index.is_gone = None  # type: ignore[assignment,method-assign]  # a broken index
    assert not link.is_gone()
    link.index = None
    assert not link.is_gone()


def test_progress_words():
    assert progress_label(3, 10, changed=0, built=False) == "indexing 3/10"
    assert progress_label(3, 10, changed=0, built=True) == "updating the index 3/10"
    assert progress_label(3, 10, changed=1, built=True) == "1 post changed, updating"
    assert progress_label(1500, 20000, changed=0, built=False) == "indexing 1,500/20,000"


def _archive_with_index(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "arch"
    root.mkdir()
    for n in range(3):
        (root / f"p{n}.md").write_text(f"---\ntitle: 글 {n}\n---\n\n기린{n} 하마\n", "utf-8")
    ixdir = tmp_path / "ix"
    open_index(root, ixdir).sync()
    return root, ixdir


class Walks:
    """The reader's Archive as the link sees it: counts the walks made through it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.count = 0

    def walk(self):
        self.count += 1
        return scan_archive(self.root)


def test_an_index_found_up_to_date_is_not_opened_until_a_search_needs_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    root, ixdir = _archive_with_index(tmp_path)
    events, walks = Events(), Walks(root)
    link = IndexLink(root, ixdir, events, lambda: walks)  # type: ignore[arg-type,return-value]
    opened: list[int] = []
    real_open = link._open
    monkeypatch.setattr(link, "_open", lambda: opened.append(1) or real_open())
    assert link.sync() == "synced"
    assert events.seen == [("synced", None)] and opened == [] and link.index is None
    assert walks.count == 1
    hits = link.searchable().search("하마").hits
    assert {h.path for h in hits} == {"p0.md", "p1.md", "p2.md"}
    assert link.searchable() is link.index and opened == [1]  # once


def test_the_first_check_uses_the_walk_the_list_made(tmp_path: Path):
    root, ixdir = _archive_with_index(tmp_path)
    events, walks = Events(), Walks(root)
    link = IndexLink(root, ixdir, events, lambda: walks)  # type: ignore[arg-type,return-value]
    link.expect_walk()
    results: list[str] = []
    checker = threading.Thread(target=lambda: results.append(link.sync()))
    checker.start()
    time.sleep(0.3)
    assert results == []  # waiting for the list's walk, not walking beside it
    link.share_walk(scan_archive(root))
    checker.join(60)
    assert results == ["synced"] and walks.count == 0
    # A later check walks by itself; so does one whose shared walk failed.
    (root / "p9.md").write_text("---\ntitle: 새 글\n---\n\n타조\n", "utf-8")
    assert link.nothing_changed() is False and walks.count == 1
    link.expect_walk()
    link.share_walk(None)
    assert link.nothing_changed() is False and walks.count == 2


def test_an_index_that_cannot_answer_when_first_opened_asks_for_a_sync(tmp_path: Path):
    root, ixdir = _archive_with_index(tmp_path)
    events, walks = Events(), Walks(root)
    link = IndexLink(root, ixdir, events, lambda: walks)  # type: ignore[arg-type,return-value]
    assert link.sync() == "synced" and link.index is None
    meta = store.current_dir(ixdir) / "newsterm-meta.json"
    meta.write_text(meta.read_text("utf-8").replace('"input_version"', '"x"'), "utf-8")
    link.searchable()
    assert ("needs_sync", None) in events.seen


def test_after_its_sync_the_reader_fills_the_texts_an_older_index_lacks(tmp_path: Path):
    from newsterm.archive import Archive
    from newsterm.search.snippet_text import SnippetTexts

    root = tmp_path / "arch"
    root.mkdir()
    for i in range(3):
        (root / f"p{i}.md").write_text(f"---\ntitle: 글 {i}\n---\n**굵게** {i}\n", "utf-8")
    ixdir = tmp_path / "ix"
    open_index(root, ixdir).sync()
    SnippetTexts(ixdir).discard()  # an index made before newsterm kept them
    link = IndexLink(root, ixdir, Events(), lambda: Archive(root))  # type: ignore[arg-type]
    assert link.sync() == "synced"
    assert link._filling is not None
    link._filling.join(20)
    assert SnippetTexts(ixdir).paths() == {"p0.md", "p1.md", "p2.md"}
    assert SnippetTexts(ixdir).filled()


def test_a_served_search_does_not_keep_a_server_index_that_cannot_answer(monkeypatch):
    # Served, the index is opened by the first search; one the server is rebuilding (it cannot
    # answer) is dropped, so the next search opens the rebuilt one instead of failing forever.
    opened = [FakeIndex(built=False), FakeIndex(built=True)]
    events = Events()
    link = IndexLink(
        Path("/nowhere"),
        Path("/nowhere-ix"),
        events,
        lambda: "the archive",  # type: ignore[arg-type, return-value]
        served=True,
    )
    monkeypatch.setattr(link, "_open", lambda: opened.pop(0))
    first = link.searchable()
    assert first.needs_build() and link.index is None
    second = link.searchable()
    assert not second.needs_build() and link.index is second
    assert link.searchable() is second and ("needs_sync", None) not in events.seen
