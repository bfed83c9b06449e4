"""Pilot tests of finding things in the reader: search as you type, hits in the article, n/N,
the outline's hit marks, Esc, query errors, facets narrowing the search, related posts and the
index state in the status line. They run on a stand-in index with the agreed API
(``tui_helpers.FakeIndex``) so they do not depend on Whoosh; ``test_tui_search_real`` runs the
same path on the real index."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tmux_helpers import HAVE_TMUX, Tmux
from tui_helpers import SEED, FakeIndex, make_app, open_seed, wait_for

REPO = Path(__file__).resolve().parents[1]
ARCHIVE = REPO / "archive"
SIZE = (120, 40)
NEWSTERM = Path(sys.executable).with_name("newsterm")

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def _ready(app, pilot) -> None:
    await wait_for(pilot, lambda: app.loaded and app.index_ready)


async def _search(app, pilot, query: str) -> None:
    await pilot.press("slash")
    for ch in query:
        await pilot.press(ch)
    await wait_for(
        pilot, lambda: app.search_panel.query_text == query and not app.main._search_busy
    )
    await pilot.pause()


def _status(app) -> str:
    return str(app.query_one("#search-status").render())


async def test_results_as_you_type_with_highlighted_snippets():
    index = FakeIndex()
    app = make_app(ARCHIVE, sync_index=True, index=index, restore=False)
    async with app.run_test(size=SIZE) as pilot:
        await _ready(app, pilot)
        await _search(app, pilot, "넷플릭스")
        hits = app.search_panel.hits
        assert hits and any(h.path == SEED for h in hits)
        scores = [h.score for h in hits]
        assert scores == sorted(scores, reverse=True)  # ranked as the index gave them
        assert "results" in _status(app)
        first = app.search_panel.results.get_option_at_index(0).prompt
        snippet = first.renderables[1]
        marked = [
            snippet.plain[s.start : s.end] for s in snippet.spans if "reverse" in str(s.style)
        ]
        assert "넷플릭스" in marked
        # the last search run is the whole query (intermediate keystrokes may be skipped)
        assert index.calls[-1][0] == "넷플릭스"


async def test_a_hit_only_in_the_lede_is_marked_there_and_the_header_says_so(tmp_path: Path):
    root = tmp_path / "a"
    root.mkdir()
    (root / "2024-01-02-garden.md").write_text(
        "---\ntitle: 작은 정원\ndescription: 베란다 텃밭에서 상추를 키운 기록\n---\n"
        "물을 주고 햇빛을 본다.\n",
        "utf-8",
    )
    app = make_app(root, sync_index=True, index=FakeIndex(), restore=False)
    async with app.run_test(size=SIZE) as pilot:
        await _ready(app, pilot)
        await _search(app, pilot, "상추")
        assert [h.path for h in app.search_panel.hits] == ["2024-01-02-garden.md"]
        app.search_panel.results.highlighted = 0
        app.search_panel.results.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.current is not None and app.doc and app.doc.complete)
        await pilot.pause()
        header = app.query_one("#header")
        assert not app.article.hits
        assert header.plain.splitlines()[-1] == "found in the lede, not in the text"
        hit = header.get_component_rich_style("article-header--hit")
        rows = [list(header.render_line(y)) for y in range(header.size.height)]
        marked = [
            "".join(seg.text for seg in row if seg.style and seg.style.bgcolor == hit.bgcolor)
            for row in rows
        ]
        assert "상추" in "".join(marked)


async def test_enter_opens_first_hit_and_n_steps_through_hits():
    app = make_app(ARCHIVE, sync_index=True, index=FakeIndex(), restore=False)
    async with app.run_test(size=SIZE) as pilot:
        await _ready(app, pilot)
        await _search(app, pilot, "넷플릭스")
        index = next(i for i, h in enumerate(app.search_panel.hits) if h.path == SEED)
        app.search_panel.results.highlighted = index
        app.search_panel.results.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.current is not None and app.doc and app.doc.complete)
        await pilot.pause()
        hits = app.article.hits
        assert len(hits) > 3
        for hit in hits:
            assert app.doc.lines[hit.y].plain[hit.start : hit.end] == "넷플릭스"
        assert app.article.hit_index == 0
        header = app.query_one("#header").plain
        assert f"hit 1/{len(hits)}" in header
        # the first hit is on screen
        top = round(app.article.scroll_offset.y)
        assert top <= hits[0].y < top + app.article.size.height
        await pilot.press("n")
        await pilot.press("n")
        assert app.article.hit_index == 2
        assert f"hit 3/{len(hits)}" in app.query_one("#header").plain
        await pilot.press("N")
        assert app.article.hit_index == 1
        await pilot.press("N", "N")
        assert app.article.hit_index == len(hits) - 1  # wraps around
        top = round(app.article.scroll_offset.y)
        assert top <= hits[-1].y < top + app.article.size.height
        # the outline marks the sections that hold hits, and only those
        nodes = sorted(_nodes(app.outline.root), key=lambda n: n.data.line)
        hit_lines = [app.doc.line_of_y(h.y) for h in hits]
        assert any("◆" in str(n.label) for n in nodes)
        for i, node in enumerate(nodes):
            if node.children:
                continue
            end = nodes[i + 1].data.line if i + 1 < len(nodes) else 1 << 30
            expected = sum(1 for line in hit_lines if node.data.line <= line < end)
            label = str(node.label)
            shown = int(label[1:].split(" ", 1)[0]) if label.startswith("◆") else 0
            assert shown == expected, label


def _nodes(node):
    for child in node.children:
        yield child
        yield from _nodes(child)


async def test_escape_goes_back_to_the_list_as_it_was():
    app = make_app(ARCHIVE, sync_index=True, index=FakeIndex(), restore=False)
    async with app.run_test(size=SIZE) as pilot:
        await _ready(app, pilot)
        await pilot.press("j", "j", "j")
        before = app.post_list.highlighted.path
        entries = [e.path for e in app.post_list.entries]
        await _search(app, pilot, "반도체")
        assert app.query_one("#left-switch").current == "search"
        await pilot.press("escape")
        assert app.query_one("#left-switch").current == "posts"
        assert app.focused is app.post_list
        assert app.post_list.highlighted.path == before
        assert [e.path for e in app.post_list.entries] == entries


async def test_query_error_shows_inline_and_the_app_keeps_going():
    app = make_app(ARCHIVE, sync_index=True, index=FakeIndex(), restore=False)
    async with app.run_test(size=SIZE) as pilot:
        await _ready(app, pilot)
        await _search(app, pilot, '"반도체')
        await wait_for(pilot, lambda: "unbalanced" in _status(app))
        assert app.query_one("#search-status").has_class("-error")
        assert app.is_running
        await pilot.press('"')  # fixing the query clears the error
        await wait_for(pilot, lambda: "results" in _status(app))
        assert not app.query_one("#search-status").has_class("-error")


async def test_search_says_index_building_until_ready():
    app = make_app(ARCHIVE, sync_index=False, index=FakeIndex(), restore=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.loaded)
        await pilot.press("slash", "a", "i")
        await wait_for(pilot, lambda: "index building" in _status(app), timeout=60)
        assert app.search_panel.hits == []
        app.main.sync_index()
        await wait_for(pilot, lambda: app.search_panel.query_text == "ai")
        assert app.search_panel.hits


async def test_status_line_shows_index_progress_then_up_to_date():
    app = make_app(ARCHIVE, sync_index=True, index=FakeIndex(), restore=False)
    states: list[str] = []
    original = app.main._set_index_state

    def record(text: str) -> None:
        states.append(text)
        original(text)

    app.main._set_index_state = record  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await _ready(app, pilot)
        await wait_for(pilot, lambda: states and states[-1] == "up to date")
        assert any(s.startswith("indexing ") and s.endswith("/15") for s in states)
        assert "up to date" in str(app.query_one("#status").render())


async def test_facets_narrow_the_search():
    index = FakeIndex()
    app = make_app(ARCHIVE, sync_index=True, index=index, restore=False)
    async with app.run_test(size=SIZE) as pilot:
        await _ready(app, pilot)
        await _search(app, pilot, "the")
        everywhere = {h.path for h in app.search_panel.hits}
        app.main.facets = {("year", "2015")}
        app.main._rebuild_list()
        app.main._schedule_search(0)
        await wait_for(pilot, lambda: index.calls[-1][1] is not None and not app.main._search_busy)
        await pilot.pause()
        scoped = {h.path for h in app.search_panel.hits}
        assert scoped and scoped < everywhere
        assert all(app.by_path[p].date.year == 2015 for p in scoped)


async def test_related_posts_view():
    app = make_app(ARCHIVE, sync_index=True, index=FakeIndex(), restore=False)
    async with app.run_test(size=SIZE) as pilot:
        await _ready(app, pilot)
        await open_seed(app, pilot)
        await pilot.press("r")
        await wait_for(pilot, lambda: app.view == "related")
        paths = [e.path for e in app.post_list.entries]
        assert paths and SEED not in paths
        seed_cats = set(app.by_path[SEED].categories)
        assert all(set(app.by_path[p].categories) & seed_cats for p in paths)
        assert "Related" in str(app.query_one("#view-title").render())
        await pilot.press("escape")
        assert app.view == "all"


async def test_one_character_waits_for_more_unless_enter():
    index = FakeIndex()
    app = make_app(ARCHIVE, sync_index=True, index=index, restore=False)
    async with app.run_test(size=SIZE) as pilot:
        await _ready(app, pilot)
        await pilot.press("slash", "반")
        await wait_for(pilot, lambda: "keep typing" in _status(app), timeout=60)
        await pilot.pause(0.2)  # past the debounce: a search would have started by now
        assert index.calls == []
        assert "keep typing" in _status(app)
        await pilot.press("enter")
        await wait_for(
            pilot, lambda: app.search_panel.query_text == "반" and not app.main._search_busy
        )
        assert [q for q, _ in index.calls] == ["반"]
        assert app.search_panel.hits
        await pilot.press("도")
        await wait_for(pilot, lambda: app.search_panel.query_text == "반도")
        assert index.calls[-1][0] == "반도"


async def test_clearing_filters_during_a_search_searches_again_and_keeps_focus_visible():
    """Issue 11 bug 4: F during a search re-runs it unfiltered; focus stays on what is shown."""
    index = FakeIndex()
    app = make_app(ARCHIVE, sync_index=True, index=index, restore=False)
    async with app.run_test(size=SIZE) as pilot:
        await _ready(app, pilot)
        await _search(app, pilot, "the")
        everywhere = {h.path for h in app.search_panel.hits}
        app.main.facets = {("year", "2015")}
        app.main._rebuild_list()
        app.main._schedule_search(0)
        await wait_for(pilot, lambda: index.calls[-1][1] is not None and not app.main._search_busy)
        await pilot.pause()
        assert {h.path for h in app.search_panel.hits} < everywhere
        await pilot.press("down")
        assert app.focused is app.search_panel.results
        await pilot.press("F")
        await wait_for(pilot, lambda: index.calls[-1][1] is None and not app.main._search_busy)
        await pilot.pause()
        assert app.main.facets == set()
        assert {h.path for h in app.search_panel.hits} == everywhere
        assert str(len(everywhere)) in _status(app)
        focused = app.focused
        assert focused is app.search_panel.results and focused.region.area > 0
        await pilot.press("escape")  # back to the query box, which is on screen
        assert app.focused is app.search_panel.input and app.search_panel.input.region.area > 0


async def test_facets_during_a_search_count_the_results_and_open_on_the_list():
    """Issue 11 bug 5: the dialog's keys act on the list (space picks), counts are the results'."""
    index = FakeIndex()
    app = make_app(ARCHIVE, sync_index=True, index=index, restore=False)
    async with app.run_test(size=SIZE) as pilot:
        await _ready(app, pilot)
        await _search(app, pilot, "반도체")
        hits = [app.by_path[h.path] for h in app.search_panel.hits]
        assert 0 < len(hits) < len(app.main.posts)
        await pilot.press("down", "f")
        await pilot.pause()
        screen = app.screen
        assert type(screen).__name__ == "FacetScreen"
        facet_list = screen.query_one("#facet-list")
        assert app.focused is facet_list
        assert "search result" in str(screen.query_one("#facet-body").border_title)
        years = {str(p.date.year) for p in hits if p.date}
        shown = {value for kind, value in screen.counts if kind == "year"}
        assert shown == years
        for (kind, value), count in screen.counts.items():
            if kind == "category":
                assert count == sum(1 for p in hits if value in p.categories)
        await pilot.press("space")
        assert len(facet_list.selected) == 1
        assert screen.query_one("#facet-filter").value == ""  # no space typed anywhere
        await pilot.press("slash")
        assert app.focused is screen.query_one("#facet-filter")
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ != "FacetScreen")
        assert len(app.main.facets) == 1


async def test_related_says_when_nothing_is_related(tmp_path: Path):
    """Issue 11 bug 6: below the similarity floor nothing is listed, and the reader says so."""
    from newsterm.state import ReadingState

    root = tmp_path / "a"
    root.mkdir()
    for name, cat in (("2024-01-01-sea.md", "여행"), ("2024-01-02-soup.md", "요리")):
        (root / name).write_text(f"---\ntitle: {name}\ncategories: [{cat}]\n---\nbody\n", "utf-8")
    app = make_app(
        root, state=ReadingState.in_memory(root), sync_index=True, index=FakeIndex(), restore=False
    )
    async with app.run_test(size=SIZE) as pilot:
        await _ready(app, pilot)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.current is not None)
        await pilot.press("r")
        await wait_for(
            pilot, lambda: any("No posts are related" in str(n.message) for n in app._notifications)
        )
        assert app.view == "all"


def _type_at_once(app, keys: str) -> None:
    """Keys as a terminal delivers a paste or tmux send-keys: all queued before any is handled."""
    from textual import events

    names = {"/": "slash", " ": "space"}
    for ch in keys:
        app.post_message(events.Key(names.get(ch, ch), ch))


async def test_words_typed_in_the_same_instant_as_slash_reach_the_query(tmp_path: Path):
    """Seen by a user: tmux send-keys '/word' in one call left the query box empty (the letters
    went to the post list, where q would even quit)."""
    app = make_app(ARCHIVE, sync_index=True, index=FakeIndex(), restore=False)
    async with app.run_test(size=SIZE) as pilot:
        await _ready(app, pilot)
        app.post_list.focus()
        await pilot.pause()
        _type_at_once(app, "/quit")
        await wait_for(pilot, lambda: app.search_panel.input.value == "quit")
        assert app.is_running and app.focused is app.search_panel.input
        _type_at_once(app, "/t")  # in the box, / and t are letters
        await wait_for(pilot, lambda: app.search_panel.input.value == "quit/t")
        assert app.focused is app.search_panel.input


async def test_letters_typed_with_t_reach_the_title_filter(tmp_path: Path):
    app = make_app(ARCHIVE, sync_index=True, index=FakeIndex(), restore=False)
    async with app.run_test(size=SIZE) as pilot:
        await _ready(app, pilot)
        app.post_list.focus()
        await pilot.pause()
        _type_at_once(app, "t넷플")
        title_filter = app.screen.query_one("#title-filter")
        await wait_for(pilot, lambda: title_filter.value == "넷플")
        assert app.focused is title_filter
        _type_at_once(app, "t/")
        await wait_for(pilot, lambda: title_filter.value == "넷플t/")


@pytest.mark.slow
@pytest.mark.skipif(not HAVE_TMUX, reason="needs tmux")
def test_slash_and_the_words_in_one_send_keys_in_a_real_terminal(tmp_path: Path):
    term = Tmux(tmp_path, f"{NEWSTERM} --archive {ARCHIVE}; echo READER-EXIT=$?; sleep 60")
    try:
        term.wait_for("up to date", timeout=120)  # the index is built: results can come
        term.type("/넷플릭스")  # one call: the terminal gets "/" and the word in one read
        screen = term.wait_for("results")
        assert "넷플릭스" in screen.splitlines()[1], screen  # in the query box, at the top
        # Esc back to the list, then q once the screen shows the Esc handled: ESC with a letter
        # at once reads as Alt+letter, and under load a fixed pause between them did not keep
        # them apart (a reader that had not read the ESC yet got both in one read).
        term.keys("Escape")
        term.wait_gone("results")
        term.wait_for("●  2026-01-02")  # the list again, newest first
        term.type("q")
        term.wait_for("READER-EXIT=0")
    finally:
        term.close()


async def test_facet_counts_count_every_result_not_only_those_shown(tmp_path: Path):
    """Issue 11: with more results than the 30 the panel shows, the counts are over all."""
    from newsterm.state import ReadingState

    root = tmp_path / "many"
    root.mkdir()
    for i in range(45):
        category = ("뉴스", "IT", "문화")[i % 3]
        year = 2020 + i % 5
        (root / f"{year}-01-{i % 28 + 1:02d}-post{i}.md").write_text(
            f"---\ntitle: Post {i}\ndate: {year}-01-{i % 28 + 1:02d}\ncategories: [{category}]\n"
            f"---\n\nalpha {'delta' if i < 12 else ''}\n",
            "utf-8",
        )
    (root / "2019-05-05-other.md").write_text("---\ntitle: Other\n---\n\ngamma\n", "utf-8")
    index = FakeIndex()
    asked: list[str] = []
    all_of = index.matching_paths
    index.matching_paths = lambda query, paths=None: asked.append(query) or all_of(query, paths)
    app = make_app(root, state=ReadingState.in_memory(root), sync_index=True, index=index)
    async with app.run_test(size=SIZE) as pilot:
        await _ready(app, pilot)
        await _search(app, pilot, "alpha")
        panel = app.search_panel
        assert len(panel.hits) == 30 and panel.total == 45
        await pilot.press("down", "f")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "FacetScreen")
        screen = app.screen
        assert "45 search results" in str(screen.query_one("#facet-body").border_title)
        counts = {value: n for (kind, value), n in screen.counts.items() if kind == "category"}
        assert counts == {"뉴스": 15, "IT": 15, "문화": 15}
        years = {value: n for (kind, value), n in screen.counts.items() if kind == "year"}
        assert years == {str(y): 9 for y in range(2020, 2025)}
        assert asked == ["alpha"]
        await pilot.press("escape")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "MainScreen")
        # with 30 or fewer results, the ones shown are all of them: no second query
        await _search(app, pilot, "alpha delta")
        assert panel.total == 12
        await pilot.press("down", "f")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "FacetScreen")
        assert sum(n for (k, _v), n in app.screen.counts.items() if k == "category") == (
            panel.total
        )
        assert asked == ["alpha"]


async def test_a_draft_among_the_results_carries_the_lists_draft_mark(tmp_path: Path):
    root = tmp_path / "a"
    root.mkdir()
    for name, draft in (("2024-01-01-out.md", "false"), ("2024-01-02-soon.md", "true")):
        (root / name).write_text(
            f"---\ntitle: {name[11:-3]}\ndraft: {draft}\n---\n두루미가 날아간다.\n", "utf-8"
        )
    app = make_app(root, sync_index=True, index=FakeIndex(), restore=False)
    async with app.run_test(size=SIZE) as pilot:
        await _ready(app, pilot)
        await _search(app, pilot, "두루미")
        heads = {
            h.path: app.search_panel.results.get_option_at_index(i).prompt.renderables[0].plain
            for i, h in enumerate(app.search_panel.hits)
        }
        assert heads["2024-01-02-soon.md"].endswith("soon ✎")
        assert "✎" not in heads["2024-01-01-out.md"]
