"""Shared helpers of the TUI tests: a deterministic app factory and a wait helper."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from newsterm.models import Post
from newsterm.state import ReadingState
from newsterm.tui.app import NewstermApp
from newsterm.tui.keys import Config

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
    index=None,
    images: str | None = None,
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
        index=index,
        images=images,
    )


async def wait_for(pilot, condition: Callable[[], bool], timeout: float = 60.0) -> None:
    """Let the app run until ``condition()`` holds; fail after ``timeout`` seconds (a deadline
    for a loaded CI machine: at load 30 an app took more than 10 s to load and open its index)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await pilot.pause(0.05)
    await asyncio.sleep(0)


async def palette_settled(pilot, typed: str) -> None:
    """Wait until the command palette (or theme picker) has searched for ``typed`` and lists
    its hits with one highlighted. Its search runs in a worker (hits come in batches, a list
    of an earlier prefix may still show), so a fixed pause before Enter raced it: Enter with
    no list picks nothing, with an older list the wrong hit."""
    from textual.command import CommandInput, CommandList, CommandPalette

    app = pilot.app
    await pilot.pause()  # the last key's Input.Changed is handled: its search has begun

    def settled() -> bool:
        screen = app.screen
        if not isinstance(screen, CommandPalette):
            return False
        if screen.query_one(CommandInput).value != typed:
            return False
        searching = any(
            w.node is screen and w.group == CommandPalette._GATHER_COMMANDS_GROUP
            and not w.is_finished
            for w in app.workers
        )  # fmt: skip
        hits = screen.query_one(CommandList)
        return not searching and hits.option_count > 0 and hits.highlighted is not None

    await wait_for(pilot, settled)


async def open_seed(app: NewstermApp, pilot) -> None:
    await wait_for(pilot, lambda: app.loaded)
    assert app.post_list.select_path(SEED)
    await pilot.press("enter")
    await wait_for(pilot, lambda: app.doc is not None and app.doc.complete)
    await pilot.pause()


# -- a stand-in search index with the agreed API (deterministic, no Whoosh) ------------------
@dataclass
class FakeHit:
    path: str
    title: str
    date: datetime | None
    categories: tuple[str, ...]
    tags: tuple[str, ...]
    score: float
    snippet: str
    spans: list[tuple[int, int]]


@dataclass
class FakeResults:
    hits: list[FakeHit]
    total: int


@dataclass
class FakeIndex:
    """Finds posts whose lede or body holds every word of the query; ``"`` unbalanced is an
    error.

    ``calls`` records (query, paths) of every search; ``delay`` slows searches down.
    """

    posts: dict[str, Post] = field(default_factory=dict)
    built: bool = False
    delay: float = 0.0
    calls: list[tuple[str, list[str] | None]] = field(default_factory=list)

    def needs_build(self) -> bool:
        return not self.built

    def doc_count(self) -> int:
        return len(self.posts)

    def sync(self, archive, progress=None, scan=None):  # SearchIndex.sync's arguments
        posts, _ = archive.load_all()
        self.posts = {p.path: p for p in posts}
        if progress is not None:
            for i in range(len(posts)):
                progress(i + 1, len(posts))
        self.built = True
        return "synced"

    def search(self, query, limit=20, sort="relevance", paths=None):
        from newsterm.errors import QueryError

        self.calls.append((query, paths))
        if self.delay:
            time.sleep(self.delay)
        if query.count('"') % 2:
            raise QueryError("unbalanced quote in the query")
        words = query.casefold().split()
        hits = []
        for post in self.posts.values():
            if paths is not None and post.path not in paths:
                continue
            text = f"{post.lede}\n\n{post.body}" if post.lede else post.body  # (as indexed)
            body = text.casefold()
            if not all(w in body for w in words):
                continue
            at = body.find(words[0])
            start = max(0, at - 20)
            snippet = text[start : at + 60].replace("\n", " ")
            spans = [(at - start, at - start + len(words[0]))]
            score = float(sum(body.count(w) for w in words))
            hits.append(
                FakeHit(
                    post.path,
                    post.title,
                    post.date,
                    post.categories,
                    post.tags,
                    score,
                    snippet,
                    spans,
                )
            )
        hits.sort(key=lambda h: (-h.score, h.path))
        return FakeResults(hits[:limit], len(hits))

    def matching_paths(self, query, paths=None):
        return [h.path for h in self.search(query, limit=10**9, paths=paths).hits]

    def more_like_this(self, path, limit=10):
        me = self.posts[path]
        hits = [
            FakeHit(p.path, p.title, p.date, p.categories, p.tags, 1.0, "", [])
            for p in self.posts.values()
            if p.path != path and set(p.categories) & set(me.categories)
        ]
        return FakeResults(hits[:limit], len(hits))


def type_at_once(app, keys: str) -> None:
    """Keys as a terminal delivers a paste or tmux send-keys: all queued before any is handled."""
    from textual import events

    names = {"/": "slash", " ": "space", "|": "vertical_line", "-": "minus", ".": "full_stop"}
    for ch in keys:
        app.post_message(events.Key(names.get(ch, ch), ch))
