"""The search index: building, syncing, locking, repairing, searching and snippets."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh.filedb.filestore import FileStorage

import newsterm.search.index as index_mod
from conftest import ARCHIVE
from newsterm.archive import Archive
from newsterm.errors import IndexBusyError, NewstermError, QueryError
from newsterm.search import store
from newsterm.search.index import LOCK_NAME, open_index
from newsterm.search.query import find_matches
from newsterm.search.snippets import make_snippet


def write_post(
    root: Path,
    rel: str,
    title: str,
    body: str,
    date: str | None = "2025-01-01",
    categories: tuple[str, ...] = (),
    tags: tuple[str, ...] = (),
) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["---", f"title: {json.dumps(title, ensure_ascii=False)}"]
    if date:
        lines.append(f"date: {date}")
    if categories:
        lines.append("categories: [" + ", ".join(categories) + "]")
    if tags:
        lines.append("tags: [" + ", ".join(tags) + "]")
    lines += ["---", "", body, ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def paths_of(results) -> set[str]:
    return {h.path for h in results.hits}


@pytest.fixture
def arch(tmp_path: Path) -> Path:
    root = tmp_path / "arch"
    root.mkdir()
    write_post(
        root,
        "2025-08-01-netflix.md",
        "넷플릭스의 극장 전략",
        "넷플릭스가 극장에서 영화를 상영한다.\n\n## 배경 설명\n\nStreaming services are growing.",
        date="2025-08-01",
        categories=("Culture", "Machine Learning"),
        tags=("넷플릭스", "Film"),
    )
    write_post(
        root,
        "2025-03-02-scattered.md",
        "흩어진 조각",
        "넷플 이야기와 플릭 소리, 그리고 릭스 라는 이름.",
        date="2025-03-02",
        categories=("뉴스",),
    )
    write_post(
        root,
        "2024-12-31-search.md",
        "Searching the archive",
        "We searched every post. 검색 엔진은 간단하다.",
        date="2024-12-31",
        categories=("IT",),
        tags=("search",),
    )
    write_post(root, "notes/undated.md", "메모", "날짜가 없는 메모. 극장 이야기.", date=None)
    return root


@pytest.fixture
def ixdir(tmp_path: Path) -> Path:
    return tmp_path / "index"


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            st_ = p.lstat()
            out[str(p.relative_to(root))] = (st_.st_mtime_ns, st_.st_size)
    return out


# --------------------------------------------------------------------------- building


def test_fresh_index_needs_build_then_has_every_post(arch, ixdir):
    ix = open_index(arch, ixdir)
    assert ix.needs_build() and ix.doc_count() == 0
    assert not ixdir.exists(), "opening must not write anything"
    result = ix.sync(Archive(arch))
    assert (result.added, result.problems, result.rebuilt) == (4, 0, True)
    assert not ix.needs_build() and ix.doc_count() == 4
    assert "4 added" in str(result) and "\n" not in str(result)


def test_default_index_dir_is_in_the_cache_not_the_archive(arch):
    from newsterm import paths

    ix = open_index(arch)
    assert ix.index_dir == paths.index_dir_for(arch)
    assert not ix.index_dir.resolve().is_relative_to(arch.resolve())


def test_index_dir_inside_the_archive_is_refused(arch):
    with pytest.raises(NewstermError, match="inside the archive"):
        open_index(arch, arch / ".index")


def test_never_writes_into_the_archive(bundled_archive_copy, ixdir):
    before = snapshot(bundled_archive_copy)
    ix = open_index(bundled_archive_copy, ixdir)
    ix.sync()
    ix.sync()
    ix.search("넷플릭스 OR AI", limit=50)
    ix.more_like_this("2025-08-18-content-ai-weekly-digest.md")
    ix.sync(rebuild=True)
    ix.search("극장")
    assert snapshot(bundled_archive_copy) == before


def test_procs_two_full_build_matches_single_process(arch, tmp_path, monkeypatch):
    monkeypatch.setattr(index_mod, "MP_THRESHOLD", 1)
    one = open_index(arch, tmp_path / "one")
    two = open_index(arch, tmp_path / "two")
    one.sync()
    two.sync(procs=2)
    for q in ["넷플릭스", "극장", "search", "date:2025", "-극장"]:
        assert paths_of(one.search(q, limit=50)) == paths_of(two.search(q, limit=50)), q


# --------------------------------------------------------------------------- Korean matching


def test_hangul_word_finds_it_with_particles_and_not_scattered_bigrams(arch, ixdir):
    ix = open_index(arch, ixdir)
    ix.sync()
    assert paths_of(ix.search("넷플릭스")) == {"2025-08-01-netflix.md"}
    assert paths_of(ix.search("넷플릭스가")) == {"2025-08-01-netflix.md"}
    assert "2025-03-02-scattered.md" in paths_of(ix.search("플릭"))
    assert paths_of(ix.search("극장에서")) == {"2025-08-01-netflix.md"}


def test_one_syllable_query_finds_it_inside_words(arch, ixdir):
    ix = open_index(arch, ixdir)
    ix.sync()
    # 릭 only occurs in the middle of words; 됐/없 at the start; 설 inside 설명; 명 at a run's end
    assert paths_of(ix.search("릭")) == {"2025-08-01-netflix.md", "2025-03-02-scattered.md"}
    assert paths_of(ix.search("없")) == {"notes/undated.md"}
    assert paths_of(ix.search("명")) == {"2025-08-01-netflix.md"}
    assert paths_of(ix.search("색")) == {"2024-12-31-search.md"}


SYLLABLES = list("가나다라마바사아자차카타파하거너더러")
PARTICLES = ["", "", "가", "는", "를", "에서", "의", "도"]


def _korean_corpus(rng: random.Random, posts: int) -> list[tuple[str, str, str]]:
    words = ["".join(rng.choices(SYLLABLES, k=rng.randint(1, 4))) for _ in range(120)]
    corpus = []
    for n in range(posts):
        body_words = [rng.choice(words) + rng.choice(PARTICLES) for _ in range(rng.randint(5, 40))]
        body = " ".join(body_words)
        if rng.random() < 0.3:
            body = body.replace(" ", ", ", 3)
        title = " ".join(rng.choice(words) for _ in range(2))
        corpus.append((f"p{n:03d}.md", title, body))
    return corpus


def _indexed_corpus(tmp_path: Path, rng: random.Random, posts: int):
    """A generated Korean archive of ``posts`` posts, indexed: (root, corpus, index)."""
    root = tmp_path / "gen"
    corpus = _korean_corpus(rng, posts)
    for rel, title, body in corpus:
        write_post(root, rel, title, body)
    ix = open_index(root, tmp_path / "ix")
    ix.sync()
    return root, corpus, ix


def test_a_deleted_or_changed_post_is_not_found_by_a_word_it_held(tmp_path):
    # Phrases (words of three or more syllables) read post numbers in bulk, deleted posts
    # included: a post removed or rewritten since its segment was written must not match.
    root = tmp_path / "a"
    write_post(root, "2025-01-01-a.md", "가", "넷플릭스가 극장에서 상영했다.")
    write_post(root, "2025-01-02-b.md", "나", "넷플릭스는 극장에서 볼 수 없다.")
    write_post(root, "2025-01-03-c.md", "다", "극장에서 넷플릭스를 보았다.")
    ix = open_index(root, tmp_path / "ix")
    ix.sync()
    assert paths_of(ix.search("넷플릭스", limit=10)) == {
        "2025-01-01-a.md", "2025-01-02-b.md", "2025-01-03-c.md"
    }  # fmt: skip
    (root / "2025-01-01-a.md").unlink()
    write_post(root, "2025-01-02-b.md", "나", "이제 다른 이야기다, 극장에서.")
    ix.sync()
    assert paths_of(ix.search("넷플릭스", limit=10)) == {"2025-01-03-c.md"}
    assert paths_of(ix.search("극장에서", limit=10)) == {"2025-01-02-b.md", "2025-01-03-c.md"}


def test_hangul_search_equals_substring_scan(tmp_path):
    """Recall 1.0 and precision 1.0 against a plain substring scan (a dense generated corpus)."""
    rng = random.Random(7)
    _root, corpus, ix = _indexed_corpus(tmp_path, rng, 80)
    texts = {rel: title + "\n" + body for rel, title, body in corpus}
    queries = set()
    for _ in range(150):
        _, title, body = rng.choice(corpus)
        token = rng.choice((title + " " + body).replace(",", " ").split())
        start = rng.randrange(len(token))
        queries.add(token[start : start + rng.randint(1, 5)])
    for _ in range(50):
        queries.add("".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))))
    tp = fp = fn = 0
    for q in sorted(queries):
        expected = {rel for rel, text in texts.items() if q in text}
        got = paths_of(ix.search(q, limit=1000))
        tp += len(expected & got)
        fp += len(got - expected)
        fn += len(expected - got)
        assert got == expected, q
    assert tp > 0 and fp == 0 and fn == 0


# --------------------------------------------------------------------------- queries


def test_query_forms(arch, ixdir):
    ix = open_index(arch, ixdir)
    ix.sync()
    s = lambda q: paths_of(ix.search(q, limit=50))  # noqa: E731
    netflix, scattered, search, undated = (
        "2025-08-01-netflix.md",
        "2025-03-02-scattered.md",
        "2024-12-31-search.md",
        "notes/undated.md",
    )
    assert s("극장 넷플릭스") == {netflix}
    assert s("넷플릭스 OR 메모") == {netflix, undated}
    assert s("극장 NOT 넷플릭스") == {undated}
    assert s("극장 -넷플릭스") == {undated}
    assert s("-극장") == {scattered, search}
    assert s('"극장에서 영화를"') == {netflix}
    assert s('"영화를 극장에서"') == set()
    assert s("title:넷플릭스") == {netflix}
    assert s("title:극장") == {netflix}
    assert s("section:배경") == {netflix}
    assert s("section:극장") == set()
    assert s("category:culture") == {netflix}
    assert s('category:"machine learning"') == {netflix}
    assert s("tag:FILM") == {netflix}
    assert s("date:2025") == {netflix, scattered}
    assert s("date:2025-08") == {netflix}
    assert s("date:2024-12-31") == {search}
    assert s("date:[2024-12-01 to 2025-03-31]") == {scattered, search}
    assert s("(넷플릭스 OR 검색) date:2024") == {search}
    assert s("search") == {search}  # Searching, searched: stems
    assert s("SEARCHES") == {search}
    assert s("streaming") == {netflix}
    assert s("zzzz") == set()


def test_lang_keeps_the_posts_in_that_language(tmp_path: Path, ixdir):
    root = tmp_path / "mixed"
    root.mkdir()
    write_post(root, "2025-01-01-ko.md", "극장 소식", "넷플릭스가 극장에서 영화를 상영한다.")
    english = "Netflix now shows its new films in cinemas (극장) across the country."
    write_post(root, "2025-01-02-en.md", "Cinema news", english)
    (root / "2025-01-03-ja.md").write_text(
        "---\ntitle: 劇場\nlang: ja_JP\n---\n\n劇場 cinema 극장\n", "utf-8"
    )
    ix = open_index(root, ixdir)
    ix.sync()
    s = lambda q: paths_of(ix.search(q, limit=50))  # noqa: E731
    assert s("극장") == {"2025-01-01-ko.md", "2025-01-02-en.md", "2025-01-03-ja.md"}
    assert s("극장 lang:en") == {"2025-01-02-en.md"}
    assert s("극장 language:English") == {"2025-01-02-en.md"}
    assert s("극장 lang:ko-KR") == {"2025-01-01-ko.md"}
    assert s("lang:ja") == {"2025-01-03-ja.md"}  # the front matter's lang wins
    assert s("극장 -lang:ko") == {"2025-01-02-en.md", "2025-01-03-ja.md"}
    assert s("lang:fr") == set()
    with pytest.raises(QueryError, match="names no language"):
        ix.search("lang:rust")


def test_bad_query_raises_query_error(arch, ixdir):
    ix = open_index(arch, ixdir)
    ix.sync()
    with pytest.raises(QueryError):
        ix.search("date:2025-99")
    with pytest.raises(QueryError):
        ix.search("")


def test_sort_by_date_newest_first_undated_last(arch, ixdir):
    ix = open_index(arch, ixdir)
    ix.sync()
    hits = ix.search("-zzzz", limit=10, sort="date").hits
    assert [h.path for h in hits] == [
        "2025-08-01-netflix.md",
        "2025-03-02-scattered.md",
        "2024-12-31-search.md",
        "notes/undated.md",
    ]
    assert hits[-1].date is None and hits[0].date is not None
    # each hit reports its relevance score, not its date as a sort key
    by_relevance = {h.path: h.score for h in ix.search("검색 OR 넷플릭스", limit=10).hits}
    by_date = {h.path: h.score for h in ix.search("검색 OR 넷플릭스", limit=10, sort="date").hits}
    assert by_date == pytest.approx(by_relevance) and 0 < max(by_date.values()) < 1000


def test_equally_good_posts_come_newest_first(tmp_path):
    """Posts a query matches equally (one syllable, a category) are listed newest first, also
    when only the first few are asked for; a filter to some paths keeps that order."""
    root = tmp_path / "ties"
    days = [f"2020-{m:02d}-{d:02d}" for m in range(1, 13) for d in (3, 17)]
    rng = random.Random(4)
    order = days[:]
    rng.shuffle(order)  # file names (and so index order) unrelated to the dates
    for n, day in enumerate(order):
        write_post(
            root, f"p{n:02d}.md", "같은 제목", "같은 본문이다", date=day, categories=("뉴스",)
        )
    ix = open_index(root, tmp_path / "ix")
    ix.sync()
    newest = sorted(days, reverse=True)
    for query in ("같", "category:뉴스", "같은 본문"):
        hits = ix.search(query, limit=5).hits
        assert len({round(h.score, 6) for h in hits}) == 1, query  # a real tie
        assert [h.date.date().isoformat() for h in hits] == newest[:5], query
        assert ix.search(query, limit=5).total == len(days)
    some = [f"p{n:02d}.md" for n in range(0, len(days), 3)]
    hits = ix.search("같", limit=50, paths=some).hits
    assert {h.path for h in hits} == set(some)
    dates = [h.date for h in hits]
    assert dates == sorted(dates, reverse=True)


def test_title_and_sections_rank_above_body(tmp_path):
    root = tmp_path / "rank"
    filler = "다른 이야기가 길게 이어진다. " * 20
    write_post(root, "body.md", "아무 제목", filler + "반도체 이야기. " + filler)
    write_post(root, "title.md", "반도체 전망", filler)
    write_post(root, "section.md", "다른 제목", filler + "\n\n## 반도체 시장\n\n" + filler)
    ix = open_index(root, tmp_path / "ix")
    ix.sync()
    order = [h.path for h in ix.search("반도체").hits]
    assert order[-1] == "body.md" and set(order) == {"body.md", "title.md", "section.md"}


def test_paths_limit_the_search(arch, ixdir):
    ix = open_index(arch, ixdir)
    ix.sync()
    assert paths_of(ix.search("극장", paths=["notes/undated.md"])) == {"notes/undated.md"}
    assert ix.search("극장", paths=[]).hits == []
    assert ix.search("극장", paths=["nope.md"]).total == 0


def test_limit_and_total(arch, ixdir):
    ix = open_index(arch, ixdir)
    ix.sync()
    results = ix.search("극장", limit=1)
    assert len(results.hits) == 1 and results.total == 2


def test_hits_carry_stored_fields_and_snippets(arch, ixdir):
    ix = open_index(arch, ixdir)
    ix.sync()
    (hit,) = ix.search("넷플릭스가").hits
    assert hit.title == "넷플릭스의 극장 전략"
    assert hit.date is not None and hit.date.year == 2025 and hit.date.tzinfo is not None
    assert hit.categories == ["Culture", "Machine Learning"]
    assert hit.tags == ["넷플릭스", "Film"]
    assert hit.score > 0
    assert [hit.snippet[s:e] for s, e in hit.spans] == ["넷플릭스가"]


def _post_with_lede(root: Path, rel: str, title: str, lede: str, body: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"---\ntitle: {title}\ndate: 2025-02-01\ndescription: {lede}\n---\n\n{body}\n",
        encoding="utf-8",
    )


def test_a_word_only_in_the_lede_finds_the_post_and_the_snippet_shows_the_lede(arch, ixdir):
    _post_with_lede(
        arch,
        "2025-02-01-garden.md",
        "작은 정원",
        "베란다 텃밭에서 **상추**를 키운 기록",
        "물을 주고 햇빛을 본다.\n\n## 결과\n\n잘 자랐다.",
    )
    ix = open_index(arch, ixdir)
    ix.sync()
    (hit,) = ix.search("상추").hits  # only in the description, as Markdown
    assert hit.path == "2025-02-01-garden.md"
    assert hit.snippet == "베란다 텃밭에서 상추를 키운 기록"
    assert [hit.snippet[s:e] for s, e in hit.spans] == ["상추"]
    (hit,) = ix.search("정원").hits  # only in the title: the lede says what the post is
    assert hit.snippet == "베란다 텃밭에서 상추를 키운 기록" and hit.spans == []
    (hit,) = ix.search("햇빛을").hits  # in the body: the body's passage, as before
    assert hit.snippet.startswith("물을 주고 햇빛을") and hit.spans
    assert ix.search("텃밭").total == 1 and ix.search("title:텃밭").total == 0


def test_an_edited_lede_is_searched_after_a_sync(arch, ixdir):
    _post_with_lede(arch, "2025-02-01-garden.md", "정원", "상추 이야기", "본문.")
    ix = open_index(arch, ixdir)
    ix.sync()
    assert ix.search("상추").total == 1
    path = arch / "2025-02-01-garden.md"
    _post_with_lede(arch, "2025-02-01-garden.md", "정원", "고추 이야기", "본문.")
    os.utime(path, ns=(time.time_ns() + 10**10, time.time_ns() + 10**10))
    ix.sync()
    assert ix.search("상추").total == 0
    (hit,) = ix.search("고추").hits
    assert hit.snippet == "고추 이야기"


def test_more_like_this(bundled_archive_copy, ixdir):
    ix = open_index(bundled_archive_copy, ixdir)
    ix.sync()
    seed = "2025-08-18-content-ai-weekly-digest.md"
    related = ix.more_like_this(seed, limit=5)
    assert related.hits and seed not in paths_of(related)
    assert len(related.hits) <= 5
    assert ix.more_like_this("missing.md").hits == []


@pytest.fixture(scope="module")
def bundled_index(tmp_path_factory):
    root = tmp_path_factory.mktemp("bundled") / "archive"
    shutil.copytree(ARCHIVE, root)
    ix = open_index(root, tmp_path_factory.mktemp("bundled-ix"))
    ix.sync()
    return ix


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    st.one_of(
        st.text(max_size=100),
        st.text(
            alphabet=st.sampled_from(list('넷플릭스극장가AIai "()-:[]*OR NOT title:date:tag:2025')),
            max_size=60,
        ),
    )
)
def test_fuzz_search_gives_results_or_a_query_error(bundled_index, text):
    try:
        results = bundled_index.search(text, limit=5)
    except QueryError as err:
        assert str(err) and "\n" not in str(err)
        return
    assert results.total >= len(results.hits)
    assert len({h.path for h in results.hits}) == len(results.hits)


# --------------------------------------------------------------------------- sync


def test_sync_add_change_remove_rename_and_no_change(arch, ixdir):
    ix = open_index(arch, ixdir)
    ix.sync()
    result = ix.sync()
    assert (result.added, result.updated, result.removed, result.unchanged) == (0, 0, 0, 4)
    assert not result.changed

    write_post(arch, "2025-09-09-new.md", "새 글", "완전히 새로운 낱말 코끼리.")
    assert ix.sync().added == 1
    assert paths_of(ix.search("코끼리")) == {"2025-09-09-new.md"}

    write_post(arch, "2025-09-09-new.md", "새 글", "이제는 기린 이야기.")
    result = ix.sync()
    assert (result.added, result.updated) == (0, 1)
    assert paths_of(ix.search("기린")) == {"2025-09-09-new.md"}
    assert ix.search("코끼리").hits == []

    os.rename(arch / "2025-09-09-new.md", arch / "2025-09-10-moved.md")
    result = ix.sync()
    assert (result.added, result.removed, result.renamed) == (0, 0, 1)
    assert paths_of(ix.search("기린")) == {"2025-09-10-moved.md"}

    (arch / "2025-09-10-moved.md").unlink()
    result = ix.sync()
    assert (result.removed, result.added) == (1, 0)
    assert ix.search("기린").hits == []
    assert ix.doc_count() == 4


def test_touched_file_with_same_content_is_not_reindexed(arch, ixdir):
    ix = open_index(arch, ixdir)
    ix.sync()
    path = arch / "notes/undated.md"
    st_ = path.stat()
    os.utime(path, ns=(st_.st_atime_ns, st_.st_mtime_ns + 5_000_000_000))
    result = ix.sync()
    assert (result.updated, result.added, result.unchanged) == (0, 0, 4)
    # the manifest took the new mtime: the next sync does not hash again
    manifest = store.Manifest(store.current_dir(ixdir)).load()
    assert manifest["notes/undated.md"][0] == st_.st_mtime_ns + 5_000_000_000


def test_problem_posts_are_counted_and_retried_when_fixed(arch, ixdir):
    bad = arch / "broken.md"
    bad.write_text("---\ntitle: never closed\n\nbody", encoding="utf-8")
    ix = open_index(arch, ixdir)
    result = ix.sync()
    assert (result.added, result.problems) == (4, 1)
    assert result.problem_list[0].path == "broken.md"
    again = ix.sync()
    assert (again.problems, again.added, again.updated) == (1, 0, 0)
    write_post(arch, "broken.md", "고쳐진 글", "이제 읽힌다 두루미.")
    fixed = ix.sync()
    assert (fixed.added, fixed.problems) == (1, 0)
    assert paths_of(ix.search("두루미")) == {"broken.md"}


def test_manifest_out_of_step_is_rebuilt_from_the_index(arch, ixdir):
    ix = open_index(arch, ixdir)
    ix.sync()
    (store.current_dir(ixdir) / store.MANIFEST_DB).unlink()
    result = open_index(arch, ixdir).sync()
    assert (result.added, result.updated, result.removed, result.unchanged) == (0, 0, 0, 4)


# --------------------------------------------------------------------------- safety


def test_second_writer_waits_briefly_then_is_busy(arch, ixdir, monkeypatch):
    ix = open_index(arch, ixdir)
    ix.sync()
    monkeypatch.setattr(index_mod, "LOCK_WAIT", 0.4)
    lock = FileStorage(str(ixdir)).lock(LOCK_NAME)
    assert lock.acquire(blocking=False)
    try:
        # readers and a sync with nothing to do never wait for the lock
        assert ix.sync().unchanged == 4
        assert paths_of(ix.search("넷플릭스")) == {"2025-08-01-netflix.md"}
        write_post(arch, "new.md", "새 글", "하마")
        started = time.monotonic()
        with pytest.raises(IndexBusyError, match="already running"):
            ix.sync()
        assert time.monotonic() - started >= 0.35
    finally:
        lock.release()
    assert ix.sync().added == 1


def test_a_sync_that_waited_for_the_lock_sees_files_changed_meanwhile(arch, ixdir, monkeypatch):
    # A sync looks at the files before it takes the lock and reuses that look when the lock
    # is free; when it had to wait, it looks again.
    # (The lock is held 0.3 s and a write long; a loaded machine must not turn that into
    # LOCK_WAIT's 2 s and an IndexBusyError.)
    monkeypatch.setattr(index_mod, "LOCK_WAIT", 60.0)
    ix = open_index(arch, ixdir)
    ix.sync()
    write_post(arch, "new.md", "새 글", "하마")
    lock = FileStorage(str(ixdir)).lock(LOCK_NAME)
    assert lock.acquire(blocking=False)
    results = []
    worker = threading.Thread(target=lambda: results.append(ix.sync()))
    worker.start()
    try:
        time.sleep(0.3)  # the sync has looked and is waiting
        write_post(arch, "later.md", "늦은 글", "두루미")
    finally:
        lock.release()
    worker.join(timeout=60)
    assert results and results[0].added == 2
    assert paths_of(ix.search("두루미")) == {"later.md"}
    assert ix.sync().changed is False


def test_readers_see_no_errors_and_no_duplicates_while_a_writer_commits(arch, ixdir):
    reader = open_index(arch, ixdir)
    writer = open_index(arch, ixdir)
    writer.sync()
    errors: list[BaseException] = []
    stop = threading.Event()

    def read_loop():
        while not stop.is_set():
            try:
                hits = reader.search("극장 OR 글", limit=100).hits
                paths = [h.path for h in hits]
                assert len(paths) == len(set(paths)), paths
            except BaseException as err:  # collected and reported below
                errors.append(err)
                return

    thread = threading.Thread(target=read_loop)
    thread.start()
    try:
        for n in range(6):
            write_post(arch, f"w{n}.md", f"글 {n}", f"극장 {n} 번째")
            writer.sync()
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not errors, errors
    assert len(paths_of(reader.search("번째", limit=100))) == 6  # reopened, not stale


def test_killed_build_leaves_the_previous_index_usable(arch, ixdir):
    ix = open_index(arch, ixdir)
    ix.sync()
    for n in range(30):
        write_post(arch, f"k{n:02d}.md", f"글 {n}", f"타조 {n}")
    script = textwrap.dedent(
        f"""
        import os, signal
        from pathlib import Path
        from newsterm.search.index import open_index
        def progress(done, total):
            if done == 15:
                os.kill(os.getpid(), signal.SIGKILL)
        open_index(Path({str(arch)!r}), Path({str(ixdir)!r})).sync(progress=progress)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert done.returncode == -9, done.stderr
    notices: list[str] = []
    again = open_index(arch, ixdir, notice=notices.append)
    assert not again.needs_build() and not notices
    assert paths_of(again.search("넷플릭스")) == {"2025-08-01-netflix.md"}
    assert again.search("타조").hits == []
    result = again.sync()
    assert result.added == 30 and again.doc_count() == 34


def test_corrupt_index_is_rebuilt_with_a_notice(arch, ixdir):
    ix = open_index(arch, ixdir)
    ix.sync()
    ix.close()
    for toc in store.current_dir(ixdir).glob("_MAIN_*.toc"):
        toc.write_bytes(b"this is not a whoosh table of contents")
    notices: list[str] = []
    damaged = open_index(arch, ixdir, notice=notices.append)
    assert damaged.needs_build()
    assert len(notices) == 1 and "damaged" in notices[0] and "\n" not in notices[0]
    assert damaged.search("넷플릭스").hits == []
    result = damaged.sync()
    assert result.rebuilt and result.added == 4
    assert paths_of(damaged.search("넷플릭스")) == {"2025-08-01-netflix.md"}


def test_truncated_segment_files_are_rebuilt(arch, ixdir):
    ix = open_index(arch, ixdir)
    ix.sync()
    ix.close()
    for seg in store.current_dir(ixdir).iterdir():
        if seg.suffix in (".trm", ".pst", ".seg"):
            seg.write_bytes(b"")
    notices: list[str] = []
    damaged = open_index(arch, ixdir, notice=notices.append)
    assert damaged.needs_build() and len(notices) == 1 and "damaged" in notices[0]
    assert damaged.search("넷플릭스").hits == []
    result = damaged.sync()
    assert result.rebuilt and result.added == 4
    assert paths_of(damaged.search("넷플릭스")) == {"2025-08-01-netflix.md"}


def test_analyzer_version_change_rebuilds(arch, ixdir, monkeypatch):
    open_index(arch, ixdir).sync()
    monkeypatch.setattr(index_mod, "ANALYZER_VERSION", index_mod.ANALYZER_VERSION + 1)
    notices: list[str] = []
    ix = open_index(arch, ixdir, notice=notices.append)
    assert ix.needs_build() and len(notices) == 1 and "another version" in notices[0]
    result = ix.sync()
    assert result.rebuilt and result.added == 4
    meta = json.loads((store.current_dir(ixdir) / index_mod.META_FILE).read_text())
    assert meta["analyzer_version"] == index_mod.ANALYZER_VERSION
    notices.clear()
    assert not open_index(arch, ixdir, notice=notices.append).needs_build() and not notices


def test_an_index_made_with_older_reading_rules_is_rebuilt_with_a_notice(arch, ixdir):
    """A change to how posts are read (dates, titles, sections) bumps INPUT_VERSION in one
    place; an index made before it is rebuilt once, so unchanged files get the new rules."""
    (arch / "_config.yml").write_text("timezone: Asia/Seoul\n", encoding="utf-8")
    write_post(arch, "late.md", "Late post", "밤늦게 쓴 글", date="2019-08-14 22:39:53")
    open_index(arch, ixdir).sync()
    meta_path = store.current_dir(ixdir) / index_mod.META_FILE
    meta = json.loads(meta_path.read_text())
    assert meta["input_version"] == index_mod.INPUT_VERSION
    meta["input_version"] = index_mod.INPUT_VERSION - 1  # as if made by an older newsterm
    meta_path.write_text(json.dumps(meta))
    notices: list[str] = []
    ix = open_index(arch, ixdir, notice=notices.append)
    assert ix.needs_build() and len(notices) == 1
    assert "newer rules" in notices[0] and "\n" not in notices[0]
    assert ix.sync().rebuilt
    meta_path = store.current_dir(ixdir) / index_mod.META_FILE  # a new generation
    assert json.loads(meta_path.read_text())["input_version"] == index_mod.INPUT_VERSION
    hit = next(h for h in ix.search("밤늦게").hits)
    assert hit.date.isoformat() == "2019-08-14T22:39:53+09:00"  # the site's time zone
    notices.clear()
    assert not open_index(arch, ixdir, notice=notices.append).needs_build() and not notices


def test_an_index_without_an_input_version_is_rebuilt(arch, ixdir):
    open_index(arch, ixdir).sync()
    meta_path = store.current_dir(ixdir) / index_mod.META_FILE
    meta = json.loads(meta_path.read_text())
    del meta["input_version"]
    meta_path.write_text(json.dumps(meta))
    notices: list[str] = []
    assert open_index(arch, ixdir, notice=notices.append).needs_build() and len(notices) == 1


def test_an_index_in_the_older_posting_layout_is_rebuilt(arch, ixdir):
    """Indexes written before codec.py's layout (no format_version in the meta) are rebuilt
    once, with the same one-line notice, and then answer."""
    open_index(arch, ixdir).sync()
    meta_path = store.current_dir(ixdir) / index_mod.META_FILE
    meta = json.loads(meta_path.read_text())
    del meta["format_version"]
    meta_path.write_text(json.dumps(meta))
    notices: list[str] = []
    ix = open_index(arch, ixdir, notice=notices.append)
    assert ix.needs_build() and len(notices) == 1 and "another version" in notices[0]
    assert ix.sync().rebuilt
    meta_path = store.current_dir(ixdir) / index_mod.META_FILE  # a new generation
    assert json.loads(meta_path.read_text())["format_version"] == index_mod.FORMAT_VERSION
    assert paths_of(ix.search("넷플릭스")) == {"2025-08-01-netflix.md"}


def test_readers_never_fail_during_a_rebuild(arch, ixdir, monkeypatch):
    monkeypatch.setattr(index_mod, "BATCH_BYTES", 1)
    ix = open_index(arch, ixdir)
    ix.sync()
    reader = open_index(arch, ixdir)
    assert reader.search("넷플릭스").hits
    seen: list[int] = []

    def progress(done, total):
        # mid-rebuild readers get the whole previous index (the rebuild goes into a new
        # generation folder), never an error and never part of one
        for searcher in (reader, ix):
            hits = searcher.search("-zzzz", limit=50).hits
            assert len(hits) == len({h.path for h in hits})
            seen.append(len(hits))

    before = store.current_dir(ixdir)
    result = ix.sync(progress=progress, rebuild=True)
    assert result.rebuilt and result.added == 4 and ix.doc_count() == 4
    assert seen and set(seen) == {4}
    assert store.current_dir(ixdir) != before and not before.exists()  # switched, old removed
    assert len(reader.search("-zzzz", limit=50).hits) == 4


# --------------------------------------------------------------------------- snippets


def test_snippet_is_a_short_passage_around_the_best_match():
    body = (
        ("앞부분 문장이 길게 이어진다. " * 30)
        + "여기서 넷플릭스가 극장에 왔다. "
        + ("뒷부분. " * 30)
    )
    snippet, spans = make_snippet(body, "넷플릭스 극장")
    assert "넷플릭스가 극장에" in snippet and len(snippet) <= 200
    assert [snippet[s:e] for s, e in spans] == ["넷플릭스", "극장"]
    assert snippet.startswith("… ") and snippet.endswith(" …")


def test_snippet_highlights_whole_query_words_not_stray_bigrams():
    body = "넷플 과 릭스 는 따로 있고, 여기 넷플릭스 가 있다."
    snippet, spans = make_snippet(body, "넷플릭스")
    assert [snippet[s:e] for s, e in spans] == ["넷플릭스"]


def test_snippet_without_match_is_the_start_and_markdown_is_plain():
    body = "# 제목\n\n**굵은** 글과 [링크](http://x.y) 그리고 `코드`."
    snippet, spans = make_snippet(body, "title:없는말")
    assert snippet.startswith("제목 굵은 글과 링크 그리고 코드")
    assert "**" not in snippet and "http" not in snippet and "#" not in snippet
    assert spans == []


def test_snippet_spans_agree_with_find_matches():
    body = "Search engines search. 검색은 검색이다."
    snippet, spans = make_snippet(body, "search 검색")
    assert spans == find_matches(snippet, "search 검색")
    assert [snippet[s:e] for s, e in spans] == ["Search", "search", "검색", "검색"]


def test_quick_snippet_body_equals_the_archive_body(bundled_archive_copy, tmp_path):
    from newsterm.search.index import _quick_body

    root = bundled_archive_copy
    (root / "crlf.md").write_bytes("---\r\ntitle: x\r\n...\r\n본문\r\n둘째 줄\r\n".encode())
    (root / "toml.md").write_text('+++\ntitle = "t"\n+++\n\n본문', encoding="utf-8")
    (root / "none.md").write_text("front matter 없음\n", encoding="utf-8")
    (root / "open.md").write_text("---\ntitle: never closed\n", encoding="utf-8")
    (root / "cp949.md").write_bytes("---\ntitle: 한글\n---\n한국어 본문".encode("cp949"))
    archive = Archive(root)
    checked = 0
    for rel in archive.iter_paths():
        quick = _quick_body(root, rel)
        if quick is None:
            assert rel in ("open.md", "cp949.md")
            continue
        assert quick == archive.read(rel).body, rel
        checked += 1
    assert checked == 18


def test_build_from_scratch_in_batches_matches_one_batch(arch, tmp_path, monkeypatch):
    for n in range(12):
        write_post(arch, f"b{n:02d}.md", f"배치 {n}", f"타조 {n} 극장에서 본 영화")
    one = open_index(arch, tmp_path / "one")
    one.sync()
    monkeypatch.setattr(index_mod, "BATCH_BYTES", 1)  # a commit after every post
    many = open_index(arch, tmp_path / "many")
    many.sync()
    assert len(list(store.current_dir(tmp_path / "many").glob("*.trm"))) > 10
    assert many.doc_count() == one.doc_count() == 16
    for q in ["타조", "극장에서", '"본 영화"', "date:2025", "title:배치", "-타조"]:
        assert paths_of(many.search(q, limit=50)) == paths_of(one.search(q, limit=50)), q
    # later changes still work on the many-segment index
    write_post(arch, "b00.md", "배치 0", "이제는 하마")
    assert many.sync().updated == 1
    assert paths_of(many.search("하마")) == {"b00.md"}
    assert many.doc_count() == 16
    # the update folded the one-post segments together (and dropped the emptied one)
    assert len(list(store.current_dir(tmp_path / "many").glob("*.trm"))) <= 2
    for q in ["타조", "극장에서", "-타조"]:
        assert paths_of(many.search(q, limit=50)) == paths_of(one.search(q, limit=50)) - {
            "b00.md"
        } | ({"b00.md"} if q == "-타조" else set()), q


def test_killed_first_build_resumes_where_it_stopped(arch, ixdir):
    for n in range(30):
        write_post(arch, f"k{n:02d}.md", f"글 {n}", f"타조 {n}")
    script = textwrap.dedent(
        f"""
        import os, signal
        from pathlib import Path
        import newsterm.search.index as m
        m.BATCH_BYTES = 1
        def progress(done, total):
            if done == 20:
                os.kill(os.getpid(), signal.SIGKILL)
        m.open_index(Path({str(arch)!r}), Path({str(ixdir)!r})).sync(progress=progress)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert done.returncode == -9, done.stderr
    notices: list[str] = []
    again = open_index(arch, ixdir, notice=notices.append)
    assert not notices
    partial = again.doc_count()
    assert 0 < partial < 34
    hits = again.search("타조", limit=100).hits
    assert len(hits) == len({h.path for h in hits})
    result = again.sync()
    assert result.added == 34 - partial and again.doc_count() == 34
    assert len(again.search("타조", limit=100).hits) == 30


def test_many_paths_limit_the_search_too(arch, ixdir):
    ix = open_index(arch, ixdir)
    ix.sync()
    many = ["notes/undated.md"] + [f"missing-{n}.md" for n in range(600)]
    assert paths_of(ix.search("극장", paths=many)) == {"notes/undated.md"}
    assert paths_of(ix.search("극장", paths=many[:3])) == {"notes/undated.md"}


def test_build_under_an_address_space_limit_uses_a_smaller_budget(arch, ixdir):
    script = textwrap.dedent(
        f"""
        import resource
        from pathlib import Path
        import newsterm.search.index as m
        limit = 600 * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        assert m._pool_mb() == 120, m._pool_mb()
        r = m.open_index(Path({str(arch)!r}), Path({str(ixdir)!r})).sync(procs=2)
        assert r.added == 4, r
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    assert index_mod._pool_mb() == index_mod.LIMIT_MB  # no limit here


def test_block_scoring_gives_whooshs_scores_exactly(tmp_path):
    """Common terms are scored a block of posts at a time (query.weighting, BlockLeafMatcher.
    score_into): every post and every score must be what Whoosh's BM25F gives one post at a
    time, across segments, fields and a segment with deleted posts."""
    from whoosh.scoring import BM25F

    from newsterm.search.matchers import BlockBM25F
    from newsterm.search.query import parse, to_whoosh

    rng = random.Random(11)
    root, corpus, ix = _indexed_corpus(tmp_path, rng, 150)
    for rel, title, body in corpus[:40]:  # a second segment, and deletions in the first
        write_post(root, rel, title, body + " 추가된 문장이다")
    for rel, _title, _body in corpus[40:50]:
        (root / rel).unlink()
    ix.sync()
    searcher = ix._get_searcher()
    assert len(searcher.subsearchers) >= 2
    assert any(sub.reader().has_deletions() for sub, _ in searcher.subsearchers)
    words = [w for _, title, body in corpus for w in (title + " " + body).split()]
    common = [w for w, _ in __import__("collections").Counter(words).most_common(12)]
    plain = ix._ix.searcher(weighting=BM25F())
    block = ix._ix.searcher(weighting=BlockBM25F())
    checked = 0
    for text in [*common, "추가된", "문장이다"]:
        for q in (to_whoosh(parse(text)), to_whoosh(parse(text[:2]))):
            ours = block.search(q, limit=None)
            theirs = plain.search(q, limit=None)
            assert [(h.docnum, h.score) for h in ours] == [(h.docnum, h.score) for h in theirs]
            checked += len(ours)
    plain.close()
    block.close()
    assert checked > 500


def test_rare_first_phrase_finds_what_whoosh_phrase_finds(tmp_path):
    """The phrase matcher that intersects rarest-first agrees with Whoosh's own Phrase."""
    from whoosh import query as wq

    from newsterm.search.matchers import RareFirstPhrase

    rng = random.Random(3)
    _root, corpus, ix = _indexed_corpus(tmp_path, rng, 60)
    searcher = ix._get_searcher()
    ours = RareFirstPhrase
    checked = rejected = 0
    for _ in range(120):
        _, _title, body = rng.choice(corpus)
        words = body.replace(",", " ").split()
        start = rng.randrange(len(words))
        text = " ".join(words[start : start + rng.randint(1, 3)])
        terms = [t.text for t in index_mod.analyzer()(text)]
        if len(terms) < 2:
            continue
        other = [t.text for t in index_mod.analyzer()(rng.choice(words))]
        # the phrase as written, reversed, and spliced with another word's terms: posts that
        # hold every term but not in that order are candidates the phrase check must reject
        for phrase in (terms, terms[::-1], terms[:1] + other, other + terms[-1:]):
            if len(phrase) < 2:
                continue
            mine = searcher.search(ours("body", phrase), limit=None)
            theirs = searcher.search(wq.Phrase("body", phrase), limit=None)
            # the same posts with the same scores (added up in another order: rounding)
            scores = {h["path"]: h.score for h in theirs}
            assert {h["path"]: h.score for h in mine} == pytest.approx(scores), (text, phrase)
            for docnum in mine.docs():
                for q in (ours("body", phrase), wq.Phrase("body", phrase)):
                    m = q.matcher(searcher)
                    m.skip_to(docnum)
                    assert m.id() == docnum
                spans_ours = ours("body", phrase).matcher(searcher)
                spans_theirs = wq.Phrase("body", phrase).matcher(searcher)
                spans_ours.skip_to(docnum)
                spans_theirs.skip_to(docnum)
                assert spans_ours.spans() == spans_theirs.spans()
            checked += 1
            rejected += len(theirs) == 0
    assert checked > 100 and rejected > 10, (checked, rejected)


def test_a_link_inside_the_archive_is_read_one_outside_is_a_problem(tmp_path):
    root = tmp_path / "a"
    write_post(root, "real.md", "진짜", "안쪽 낱말 두더지")
    (root / "inner-link.md").symlink_to(root / "real.md")
    secret = write_post(tmp_path, "secret.md", "비밀", "바깥 낱말 너구리")
    (root / "outer-link.md").symlink_to(secret)
    ix = open_index(root, tmp_path / "ix")
    result = ix.sync()
    assert paths_of(ix.search("두더지")) == {"real.md", "inner-link.md"}
    assert ix.search("너구리").hits == []
    assert "outer-link.md" not in paths_of(ix.search("-없는말", limit=50))
    assert result.added == 2


def test_phrases_over_long_posting_lists_and_deleted_posts_match_whoosh(tmp_path):
    """Over multi-block posting lists, and in a segment with deleted posts, the rarest-first
    phrase gives the same posts and scores as Whoosh's own Phrase."""
    from whoosh import query as wq

    from newsterm.search.matchers import RareFirstPhrase

    rng = random.Random(11)
    root, corpus, ix = _indexed_corpus(tmp_path, rng, 500)
    ours = RareFirstPhrase

    def compare(corpus) -> int:
        searcher = ix._get_searcher()
        checked = 0
        for _ in range(60):
            _, _title, body = rng.choice(corpus)
            words = body.replace(",", " ").split()
            text = "".join(rng.sample(words, 2)) if rng.random() < 0.3 else rng.choice(words)
            terms = [t.text for t in index_mod.analyzer()(text)]
            if len(terms) < 2:
                continue
            mine = {h["path"]: h.score for h in searcher.search(ours("body", terms), limit=None)}
            theirs = {
                h["path"]: h.score for h in searcher.search(wq.Phrase("body", terms), limit=None)
            }
            assert mine == pytest.approx(theirs), text
            checked += 1
        return checked

    reader = ix._get_searcher().reader()
    assert any(
        not info.is_inlined() and info.doc_frequency() > 300
        for (field, _), info in reader._terms.items()
        if field == "body"
    )
    assert compare(corpus) > 30
    # delete some posts and rewrite others: the segment now hides deleted posts
    for rel, _title, _body in corpus[:30]:
        (root / rel).unlink()
    kept = corpus[30:]
    for i in range(30):
        rel, title, body = kept[i]
        kept[i] = (rel, title, body + " 새문장이다")
        write_post(root, rel, title, kept[i][2])
    result = ix.sync()
    assert (result.removed, result.updated) == (30, 30)
    assert ix._get_searcher().reader().has_deletions()
    assert compare(kept) > 30


def test_one_syllable_finds_what_whoosh_prefix_finds_scored_by_field(tmp_path):
    """A one-syllable query reads the syllable's terms in bulk: the same posts as Whoosh's
    Prefix over multi-block lists and with deleted posts, each field scoring its boost."""
    from whoosh import query as wq

    from newsterm.search.matchers import SyllablePrefix

    rng = random.Random(5)
    root, corpus, ix = _indexed_corpus(tmp_path, rng, 400)
    ours = SyllablePrefix

    def compare() -> None:
        searcher = ix._get_searcher()
        for syllable in SYLLABLES:
            for field, boost in (("title", 3.0), ("body", 1.0)):
                mine = {
                    h["path"]: h.score for h in searcher.search(ours(field, syllable), limit=None)
                }
                theirs = {
                    h["path"] for h in searcher.search(wq.Prefix(field, syllable), limit=None)
                }
                assert set(mine) == theirs, (field, syllable)
                assert set(mine.values()) <= {boost}

    compare()
    for rel, _title, _body in corpus[:25]:
        (root / rel).unlink()
    assert ix.sync().removed == 25
    assert ix._get_searcher().reader().has_deletions()
    compare()
    # through the query language: title hits first, then sections, then body only
    write_post(root, "zz-title.md", "낯선 휘", "본문")
    write_post(root, "zz-body.md", "제목", "본문에 휘가 있다")
    ix.sync()
    hits = ix.search("휘", limit=50).hits
    paths = [h.path for h in hits]
    assert paths.index("zz-title.md") < paths.index("zz-body.md")
    assert hits[paths.index("zz-title.md")].score >= 3.0


def test_the_total_counts_every_match_whatever_the_limit(tmp_path):
    """Whoosh's top-N collector drops parts of a query that cannot reach the N-th score once
    its top N is full; the total must still count every post that matches."""
    rng = random.Random(9)
    _root, corpus, ix = _indexed_corpus(tmp_path, rng, 300)
    words = sorted({w for _rel, _t, body in corpus for w in body.replace(",", " ").split()})
    queries = [f"{syllable} {rng.choice(words)}" for syllable in SYLLABLES[:8]]
    queries += [f"{rng.choice(words)} OR {syllable}" for syllable in SYLLABLES[8:]]
    queries += [f"title:{rng.choice(words)} OR {rng.choice(words)}" for _ in range(10)]
    checked = 0
    for q in queries:
        every = ix.search(q, limit=100_000)
        for limit in (1, 3):
            assert ix.search(q, limit=limit).total == every.total == len(every.hits), q
        checked += every.total > 5
    assert checked > 10


def test_fast_or_scores_like_whoosh_or(tmp_path):
    """The Or that to_whoosh builds ranks and scores exactly as Whoosh's own Or."""
    from whoosh import query as wq

    from newsterm.search.query import parse, to_whoosh

    rng = random.Random(5)
    root = tmp_path / "gen"
    for rel, title, body in _korean_corpus(rng, 80):
        write_post(root, rel, title, body)
    ix = open_index(root, tmp_path / "ix")
    ix.sync()
    searcher = ix._get_searcher()
    checked = 0
    for text in ["가", "나다", "가나다", "가 OR 라", "title:가 OR 나", "마바 OR 사"]:
        ours = to_whoosh(parse(text))
        if not isinstance(ours, wq.Or):
            continue
        theirs = wq.Or(ours.subqueries)
        assert type(ours) is not wq.Or
        a = [(h.docnum, h.score) for h in searcher.search(ours, limit=None, optimize=False)]
        b = [(h.docnum, h.score) for h in searcher.search(theirs, limit=None, optimize=False)]
        assert a == b, text
        checked += bool(a)
    assert checked >= 3


@settings(max_examples=500, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(
            list("ab 가\t\n\r\x0b\x0c\x1c\x1f\x85\xa0\u2003\u3000#*_`>-[]()!")
        ),
        max_size=60,
    )
)
def test_snippet_text_has_no_runs_of_whitespace_and_no_line_breaks(text):
    # The snippet text (the reader's rendered text, see newsterm.markdown.plain) joins
    # str.split(): one space for every run of any kind of Unicode whitespace.
    from newsterm.markdown.plain import plain_text

    out = plain_text(text)
    assert out == " ".join(out.split())


def test_snippets_keep_the_words_the_reader_shows():
    body = (
        "영화 <기생충>은 칸에서 상을 받았다. 이제 `넷플릭스`로 본다.\n\n"
        "Jekyll은 `_posts` 폴더를 읽고, 파이썬은 `__get__()`을 부른다.\n\n"
        "{% highlight sh %}\nls _posts\n{% endhighlight %}\n\n"
        "**가비지 컬렉터(Garbage Collector)**의 <b>동작</b><br>끝"
    )
    for query, words in (
        ("기생충", "<기생충>은"),
        ("넷플릭스", "넷플릭스로"),
        ("posts", "_posts 폴더"),
        ("get", "__get__()을"),
        ("가비지", "가비지 컬렉터(Garbage Collector)의 동작 끝"),
    ):
        snippet, spans = make_snippet(body, query)
        assert words in snippet, (query, snippet)
        assert spans, (query, snippet)
    snippet, _ = make_snippet(body, "컬렉터")
    assert "**" not in snippet and "{%" not in snippet and "<b>" not in snippet


def test_a_long_posts_snippet_renders_only_around_its_match():
    body = (
        ("앞 문단의 **굵은** 글. " * 20 + "\n\n") * 200
        + "여기 `넷플릭스`로 간다.\n\n"
        + ("뒤 문단. " * 20 + "\n\n") * 200
    )
    snippet, spans = make_snippet(body, "넷플릭스")
    assert "넷플릭스로 간다" in snippet and snippet.startswith("… ") and snippet.endswith(" …")
    assert [snippet[s:e] for s, e in spans] == ["넷플릭스"]
    assert "**" not in snippet


def test_folders_changed_since_sees_posts_added_removed_and_renamed(tmp_path):
    import time

    from newsterm.search.index import folders_changed_since

    root = tmp_path / "a"
    for rel in ("2024/01/a.md", "2024/02/b.md", "top.md", ".git/objects/x"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("x")
    since = time.time_ns()
    assert folders_changed_since(root, since) == 0
    (root / ".git" / "objects" / "y").write_text("hidden folders do not count")
    assert folders_changed_since(root, since) == 0
    (root / "2024" / "02" / "b.md").rename(root / "2024" / "02" / "c.md")
    assert folders_changed_since(root, since) == 1
    (root / "2024" / "03").mkdir()  # a new leaf folder changes its parent
    (root / "2024" / "03" / "d.md").write_text("x")
    assert folders_changed_since(root, since) == 3  # 2024, 2024/02, 2024/03
    (root / "top.md").unlink()
    assert folders_changed_since(root, since) == 4
    assert folders_changed_since(root, since, limit=2) is None  # too many to look at


def test_folders_changed_since_lists_only_folders_the_last_walk_did_not_see_as_they_are(
    tmp_path, monkeypatch
):
    # A one-shot search listed the generated archive's root folder (14,000 posts) to find its
    # 15 year folders: 12 ms of 110. The last saving sync's walk keeps each folder's mtime and
    # subfolders; a folder still at that mtime holds the same folders.
    import json
    import time

    from newsterm.search.index import FINE_RACY_NS, folders_changed_since
    from newsterm.search.store import RACY_NS
    from newsterm.walk import scan_archive

    root = tmp_path / "a"
    for rel in ("2024/01/a.md", "2024/02/b.md", "top.md", ".git/objects/x"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("x")
    old = time.time_ns() - 3600 * 10**9
    for folder in (root, root / "2024", root / "2024/01", root / "2024/02"):
        os.utime(folder, ns=(old, old))
    scan = scan_archive(root)
    known = (json.loads(json.dumps(scan.tree)), scan.started_ns)  # as the manifest keeps it
    listed: list[str] = []
    real_scandir = os.scandir
    monkeypatch.setattr(os, "scandir", lambda p: listed.append(p) or real_scandir(p))
    since = time.time_ns()
    assert folders_changed_since(root, since, known=known) == 0 and listed == []
    (root / "2024" / "03").mkdir()  # a new folder changes its parent: that one is listed
    (root / "2024" / "03" / "d.md").write_text("x")
    assert folders_changed_since(root, since, known=known) == 2  # 2024, 2024/03
    assert listed == [str(root / "2024")]
    assert folders_changed_since(root, since) == 2  # (as without the walk's tree)
    racy = (known[0], old + FINE_RACY_NS // 2)  # a folder changed just before that walk
    listed.clear()
    assert folders_changed_since(root, since, known=racy) == 2 and str(root) in listed
    whole = old - old % 10**9  # a file system of whole seconds (FAT): two seconds' margin
    for folder in (root, root / "2024/01", root / "2024/02"):
        os.utime(folder, ns=(whole, whole))
    coarse = json.loads(json.dumps(scan_archive(root).tree))
    listed.clear()
    folders_changed_since(root, since, known=(coarse, whole + RACY_NS // 2))
    assert str(root) in listed
    listed.clear()
    folders_changed_since(root, since, known=(coarse, whole + RACY_NS + 1))
    assert str(root) not in listed
    damaged = ({"": "not a folder entry", "2024/": [old, [7]]}, scan.started_ns)
    assert folders_changed_since(root, since, known=damaged) == 2


def test_a_sync_tells_its_phases_and_counts_only_while_reading(tmp_path, monkeypatch):
    # Issue 11, bug 12: a bar stuck at "N/N" or at a stale "time left" while the index is
    # written. The sync says which phase it is in; counts come only while posts are read.
    from newsterm.search.index import LOOKING, READING, WRITING

    arch = tmp_path / "a"
    for n in range(4):
        write_post(arch, f"p{n}.md", f"글 {n}", f"타조 {n} 이야기")
    monkeypatch.setattr(index_mod, "BATCH_BYTES", 1)  # a commit after every post

    class Recorder:
        def __init__(self) -> None:
            self.calls: list[tuple] = []

        def __call__(self, done: int, total: int) -> None:
            self.calls.append(("count", done, total))

        def phase(self, name: str) -> None:
            self.calls.append(("phase", name))

    rec = Recorder()
    open_index(arch, tmp_path / "ix").sync(progress=rec)
    phases = [c[1] for c in rec.calls if c[0] == "phase"]
    assert phases[:2] == [LOOKING, READING] and phases[-1] == WRITING
    assert phases.count(WRITING) >= 4  # each batch's commit, then the last one
    now = None
    for call in rec.calls:
        if call[0] == "phase":
            now = call[1]
        else:
            assert now == READING, rec.calls  # no count while walking or writing
    assert ("count", 4, 4) in rec.calls
    # a plain function still works as the progress callback
    write_post(arch, "p9.md", "글 9", "타조 9")
    seen: list[tuple[int, int]] = []
    assert open_index(arch, tmp_path / "ix").sync(progress=lambda d, t: seen.append((d, t))).added
    assert seen == [(1, 1)]


def test_matching_paths_gives_every_match_unranked(arch, ixdir):
    """What the reader's facet counts count when a search has more results than it shows."""
    ix = open_index(arch, ixdir)
    ix.sync()
    for query in ("극장", "넷플릭스 OR search", "-극장", "title:흩어진", "date:2025"):
        everything = paths_of(ix.search(query, limit=1000))
        assert set(ix.matching_paths(query)) == everything, query
        assert len(ix.matching_paths(query)) == len(everything)
    assert set(ix.matching_paths("극장")) == {"2025-08-01-netflix.md", "notes/undated.md"}
    assert ix.matching_paths("극장", ["notes/undated.md", "2024-12-31-search.md"]) == [
        "notes/undated.md"
    ]
    assert ix.matching_paths("nosuchwordanywhere") == []


def test_a_build_by_worker_processes_counts_posts_indexed_up_to_the_total(tmp_path, monkeypatch):
    # Issue 12: the count of a two-process build follows the workers (the slow part), never
    # goes back, reaches the total, and only then does the bar say "writing the index".
    from newsterm.search.index import LOOKING, READING, WRITING

    arch = tmp_path / "a"
    for n in range(40):
        write_post(arch, f"p{n:02d}.md", f"글 {n}", f"타조 {n} 이야기 " * 50)
    (arch / "broken.md").write_bytes(b"---\ntitle: [unclosed\n---\nbody\n")
    monkeypatch.setattr(index_mod, "MP_THRESHOLD", 1)
    monkeypatch.setattr(index_mod, "BATCH_BYTES", 4000)  # several batches
    calls: list[tuple] = []

    class Recorder:
        def __call__(self, done: int, total: int) -> None:
            calls.append(("count", done, total))

        def phase(self, name: str) -> None:
            calls.append(("phase", name))

    ix = open_index(arch, tmp_path / "ix")
    ix.sync(progress=Recorder(), procs=2)
    phases = [c[1] for c in calls if c[0] == "phase"]
    assert phases[:2] == [LOOKING, READING] and phases[-1] == WRITING
    counts = [c[1] for c in calls if c[0] == "count"]
    assert counts == sorted(counts) and counts[-1] == 41
    assert calls.index(("phase", WRITING)) > calls.index(("count", 41, 41))
    assert ix.doc_count() == 40
