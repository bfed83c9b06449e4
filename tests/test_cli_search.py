"""`newsterm search` and `newsterm index`: output forms, exit codes, building, errors."""

from __future__ import annotations

import gc
import io
import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from whoosh.filedb.filestore import FileStorage

import newsterm.cli_search as cli_search
import newsterm.search.index as index_mod
from newsterm.cli import main
from newsterm.search import store

ANSI = "\x1b["


@pytest.fixture
def env(bundled_archive_copy: Path, tmp_path: Path):
    ixdir = tmp_path / "ix"
    return bundled_archive_copy, ixdir


def run(env, *argv: str) -> int:
    root, ixdir = env
    return main([argv[0], "--archive", str(root), "--index-dir", str(ixdir), *argv[1:]])


def test_search_builds_the_index_first_then_prints_plain_text(env, capsys):
    assert run(env, "search", "넷플릭스") == 0
    capsys.readouterr()
    assert run(env, "search", "넷플릭스") == 0  # now from the existing index, no notice
    out, err = capsys.readouterr()
    assert ANSI not in out and ANSI not in err
    assert "2024-07-30-kdrama-global-streaming.md" in out
    assert "2024-07-30 · 문화, 뉴스 · 2024-07-30-kdrama-global-streaming.md" in out
    assert err == ""  # no progress bar when stderr is not a terminal
    assert store.index_present(env[1])  # meta and manifest in the current generation


def test_search_builds_with_the_garbage_collector_on_and_leaves_it_as_it_was(
    env, capsys, monkeypatch
):
    # A search turns the cyclic collector off (start-up time); a build, which runs for minutes
    # on a big archive, must not run without it.
    seen = []
    real_sync = index_mod.SearchIndex.sync

    def sync(self, *args, **kwargs):
        seen.append(gc.isenabled())
        return real_sync(self, *args, **kwargs)

    monkeypatch.setattr(index_mod.SearchIndex, "sync", sync)
    assert gc.isenabled()
    assert run(env, "search", "넷플릭스") == 0
    assert seen == [True]
    assert gc.isenabled()
    gc.disable()
    try:
        assert run(env, "search", "넷플릭스") == 0
        assert not gc.isenabled(), "left as it was"
    finally:
        gc.enable()


def test_search_exit_status_like_grep(env, capsys):
    assert run(env, "search", "넷플릭스") == 0
    assert run(env, "search", "없는낱말이다") == 1
    out, _ = capsys.readouterr()
    capsys.readouterr()
    assert run(env, "search", "date:2025-13") == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("newsterm: ") and err.count("\n") == 1 and "date" in err


def test_search_json(env, capsys):
    assert run(env, "search", "--json", "--limit", "3", "극장") == 0
    data = json.loads(capsys.readouterr().out)
    assert isinstance(data, list) and 1 <= len(data) <= 3
    for item in data:
        assert set(item) == {
            "path", "title", "date", "categories", "tags", "score", "snippet", "matches"
        }  # fmt: skip
        assert not item["path"].startswith("/") and (env[0] / item["path"]).is_file()
        assert isinstance(item["score"], float) and isinstance(item["categories"], list)
        assert "극장" in item["snippet"] or "극장" in item["title"]
    assert run(env, "search", "--json", "없는낱말이다") == 1
    assert json.loads(capsys.readouterr().out) == []


def test_search_sort_by_date_and_limit(env, capsys):
    assert run(env, "search", "--json", "--sort", "date", "--limit", "50", "--", "-없는낱말") == 0
    data = json.loads(capsys.readouterr().out)
    dates = [d["date"] for d in data if d["date"]]
    assert len(data) == 15
    from datetime import datetime

    stamps = [datetime.fromisoformat(d).timestamp() for d in dates]
    assert stamps == sorted(stamps, reverse=True)
    assert run(env, "search", "--limit", "0", "극장") == 2
    assert "--limit" in capsys.readouterr().err


def test_search_words_are_joined_into_one_query(env, capsys):
    assert run(env, "search", "--json", "극장", "넷플릭스") == 0
    both = {d["path"] for d in json.loads(capsys.readouterr().out)}
    assert run(env, "search", "--json", "극장 넷플릭스") == 0
    assert {d["path"] for d in json.loads(capsys.readouterr().out)} == both


def test_index_command_counts(env, capsys):
    assert run(env, "index") == 0
    out = capsys.readouterr().out
    assert out.startswith("index rebuilt: 15 posts; 15 added, 0 updated, 0 removed")
    assert run(env, "index") == 0
    assert capsys.readouterr().out.startswith("index up to date: 15 posts; 0 added")
    root = env[0]
    (root / "2026-02-02-new.md").write_text("---\ntitle: 새 글\n---\n\n낙타\n", encoding="utf-8")
    (root / "broken.md").write_text("---\ntitle: [unclosed\n", encoding="utf-8")
    assert run(env, "index", "--quiet") == 0
    out, err = capsys.readouterr()
    assert "16 posts; 1 added" in out and "1 problems" in out
    assert "broken.md" in err
    assert run(env, "index", "--rebuild") == 0
    assert capsys.readouterr().out.startswith("index rebuilt: 16 posts; 16 added")


def test_index_busy_is_a_one_line_error(env, capsys, monkeypatch):
    assert run(env, "index") == 0
    monkeypatch.setattr(index_mod, "LOCK_WAIT", 0.3)
    (env[0] / "2026-02-02-new.md").write_text("---\ntitle: 새 글\n---\n\n낙타\n", encoding="utf-8")
    capsys.readouterr()
    lock = FileStorage(str(env[1])).lock(index_mod.LOCK_NAME)
    assert lock.acquire(blocking=False)
    try:
        assert run(env, "index") == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "already running" in err
        # a search still answers from the existing index meanwhile, and says so
        assert run(env, "search", "극장") == 0
        assert "being updated" in capsys.readouterr().err
    finally:
        lock.release()


def test_damaged_index_is_rebuilt_by_search_with_a_notice(env, capsys):
    assert run(env, "index") == 0
    for toc in store.current_dir(env[1]).glob("_MAIN_*.toc"):
        toc.write_bytes(b"garbage")
    capsys.readouterr()
    assert run(env, "search", "넷플릭스") == 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "damaged" in err and "Traceback" not in err


def test_progress_bar_only_on_a_terminal_after_a_second(monkeypatch, capsys):
    hidden = cli_search._Progress("x", enabled=True)
    hidden(1, 10)
    assert hidden.bar is None  # stderr is not a terminal here
    monkeypatch.setattr(cli_search, "isatty", lambda stream: True)
    quick = cli_search._Progress("x", enabled=True)
    quick(1, 10)
    assert quick.bar is None  # not yet a second
    quick.close()
    monkeypatch.setattr(cli_search, "SHOW_PROGRESS_AFTER", 0.0)
    slow = cli_search._Progress("x", enabled=True)
    slow(1, 10)
    try:
        assert slow.bar is not None
    finally:
        slow.close()
    quiet = cli_search._Progress("x", enabled=False)
    quiet(1, 10)
    assert quiet.bar is None


def _run_on_pty(args: list[str], extra_env: dict[str, str]) -> tuple[int, str]:
    master, slave = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100", **extra_env}
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsterm", *args],
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=subprocess.PIPE,
        env=env,
    )
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    proc.wait(timeout=30)
    os.close(master)
    return proc.returncode, b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.slow
def test_rich_output_on_a_terminal_plain_with_no_color(env):
    root, ixdir = env
    args = ["search", "--archive", str(root), "--index-dir", str(ixdir), "넷플릭스"]
    code, out = _run_on_pty(args, {})
    assert code == 0 and ANSI in out and "넷플릭스" in out
    code, out = _run_on_pty(args, {"NO_COLOR": "1"})
    assert code == 0 and ANSI not in out and "넷플릭스" in out


def test_unwritable_index_folder_is_a_one_line_error(env, capsys, tmp_path):
    if os.geteuid() == 0:
        blocker = tmp_path / "file-not-folder"
        blocker.write_text("x")
        index_dir = blocker / "ix"  # a path below a regular file cannot be created, even by root
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        index_dir = locked / "ix"
    code = main(["index", "--archive", str(env[0]), "--index-dir", str(index_dir)])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("newsterm: cannot write the search index")
    assert err.count("\n") == 1


def test_the_program_flushes_everything_before_it_leaves_at_once(env):
    # `newsterm search` (console script, python -m newsterm) ends with os._exit once its
    # output is flushed: into a pipe (block-buffered) every hit must still arrive, with the
    # grep-like exit status.
    root, ixdir = env
    assert run(env, "index") == 0
    common = ["--archive", str(root), "--index-dir", str(ixdir)]

    def program(*args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [sys.executable, "-m", "newsterm", *args], capture_output=True, timeout=120
        )

    done = program("search", "--json", "--limit", "1000", "극장", *common)
    assert done.returncode == 0, done.stderr
    hits = json.loads(done.stdout)
    assert len(hits) == index_mod.open_index(root, ixdir).search("극장", limit=1000).total
    assert len(hits) >= 5
    done = program("search", "없는낱말이다", *common)
    assert (done.returncode, done.stdout) == (1, b"")
    done = program("list", "--archive", str(root))
    assert done.returncode == 0
    assert done.stdout.decode().count("\n") >= 15, "every post listed"
    done = program("search", "--limit", "0", "극장", *common)
    assert done.returncode == 2 and b"--limit" in done.stderr


def test_search_formats_in_a_subprocess(env):
    """--format jsonl: one hit a line with the match offsets in its snippet (rg's JSON habit);
    paths: one a line; json: the array (--json its alias); the same hits in each."""
    root, ixdir = env
    assert run(env, "index") == 0
    common = ["--archive", str(root), "--index-dir", str(ixdir)]

    def program(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "newsterm", "search", *args, *common],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert "Traceback" not in done.stderr
        return done

    lines = program("반도체", "--format", "jsonl").stdout.splitlines()
    hits = [json.loads(line) for line in lines]
    assert len(hits) >= 2
    for hit in hits:
        assert hit["matches"], hit
        for m in hit["matches"]:
            assert hit["snippet"][m["start"] : m["end"]] == m["text"]
            assert "반도체" in m["text"]
    array = json.loads(program("반도체", "--format", "json").stdout)
    assert array == hits == json.loads(program("반도체", "--json").stdout)
    paths = program("반도체", "--format=paths").stdout.splitlines()
    assert paths == [h["path"] for h in hits]
    assert all((root / p).is_file() for p in paths)
    negated = program("반도체", "-수출", "--format", "paths").stdout.splitlines()
    assert negated and set(negated) < set(paths)
    nothing = program("없는낱말이다", "--format", "jsonl")
    assert (nothing.returncode, nothing.stdout) == (1, "")
    for bad in (["--format", "csv"], ["--json", "--format", "paths"]):
        done = program("반도체", *bad)
        assert done.returncode == 2 and len(done.stderr.splitlines()) == 1, done.stderr


def test_terminal_output_styles_titles_meta_and_matches():
    from datetime import datetime

    from newsterm.search.index import Hit, SearchResults

    hit = Hit(
        path="2025/a.md",
        title="넷플릭스\x1b]52;c;x\x07 소식",
        date=datetime(2025, 8, 18),
        categories=["뉴스", "IT"],
        tags=[],
        score=1.0,
    )
    hit.snippet, hit.spans = "넷플릭스가 극장에서", [(0, 4)]
    out = io.StringIO()
    cli_search._print_styled(SearchResults([hit], 3), out)
    assert out.getvalue() == (
        "\x1b[1m넷플릭스]52;c;x 소식\x1b[0m\n"
        "  \x1b[32m2025-08-18\x1b[0m · \x1b[35m뉴스, IT\x1b[0m · \x1b[36m2025/a.md\x1b[0m\n"
        "  \x1b[1;33m넷플릭스\x1b[0m\x1b[2m가 극장에서\x1b[0m\n"
        "\n\x1b[2m1 of 3 posts\x1b[0m\n"
    )


def test_color_option_overrides_the_terminal_check(env, capsys, monkeypatch):
    assert run(env, "search", "--color", "always", "넷플릭스") == 0
    out = capsys.readouterr().out
    assert "\x1b[1;33m넷플릭스" in out  # styled though stdout is not a terminal
    monkeypatch.setattr(cli_search, "fancy", lambda stream: True)
    assert run(env, "search", "--color", "never", "넷플릭스") == 0
    assert ANSI not in capsys.readouterr().out
    assert run(env, "search", "넷플릭스") == 0  # auto: as the terminal check says
    assert ANSI in capsys.readouterr().out


def test_hits_are_cleaned_by_the_cores_cleaner_plain_and_styled():
    # Text from elsewhere than a freshly read post (an old index) goes through text.py's
    # policy too: no bidi override or isolate, no C0/C1 control, a lone surrogate as U+FFFD.
    from datetime import datetime

    from newsterm.search.index import Hit, SearchResults

    hit = Hit(
        path="2025/\u202egnp.exe.md",
        title="제목\u202e뒤집힘 \u2066격리\u2069 \udcff끝\x9b",
        date=datetime(2025, 8, 18),
        categories=["뉴\u202d스"],
        tags=[],
        score=1.0,
    )
    hit.snippet, hit.spans = "앞\u202e 넷플릭스\udcff 뒤\x1b[2J", [(3, 7)]
    for printer in (cli_search._print_plain, cli_search._print_styled):
        out = io.StringIO()
        printer(SearchResults([hit], 1), out)
        text = out.getvalue()
        for bad in ("\u202e", "\u202d", "\u2066", "\u2069", "\udcff", "\x9b", "\x1b[2J"):
            assert bad not in text, (printer.__name__, bad)
        assert "제목뒤집힘 격리 \ufffd끝" in text
        assert "gnp.exe.md" in text and "뉴스" in text
        text.encode("utf-8")  # writable to any UTF-8 terminal
    assert "\x1b[1;33m넷플릭스\x1b[0m" in text  # the match is still highlighted


def test_words_after_the_query_that_start_with_a_dash_are_negations(tmp_path: Path):
    # The README's own query: `newsterm search 반도체 -수출` (issue 11, bug 2).
    root = tmp_path / "a"
    root.mkdir()
    posts = {
        "2024-01-01-both.md": ("반도체와 수출", "반도체 수출이 늘었다."),
        "2024-01-02-chips.md": ("반도체 공장", "반도체 공장이 새로 섰다."),
        "2024-01-03-exports.md": ("수출 소식", "수출 이야기만 있다."),
        "2024-01-04-chips-ai.md": ("반도체와 AI", "반도체 AI 가속기 이야기."),
    }
    for name, (title, body) in posts.items():
        (root / name).write_text(f"---\ntitle: {title}\n---\n{body}\n", encoding="utf-8")
    where = ["--archive", str(root), "--index-dir", str(tmp_path / "ix")]

    def search(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "newsterm", "search", *argv],
            capture_output=True,
            text=True,
            timeout=120,
        )

    def paths(done: subprocess.CompletedProcess[str]) -> set[str]:
        assert done.returncode == 0, done.stderr
        return {hit["path"] for hit in json.loads(done.stdout)}

    chips_only = {"2024-01-02-chips.md", "2024-01-04-chips-ai.md"}
    assert paths(search("반도체", "-수출", "--json", *where)) == chips_only
    # options before, between and after; the negation first; two negations
    assert paths(search(*where, "--json", "반도체", "--limit", "5", "-수출")) == chips_only
    assert paths(search("-수출", "반도체", "--json", *where)) == chips_only
    assert paths(search("반도체", "-수출", "-AI", "--json", *where)) == {"2024-01-02-chips.md"}
    assert paths(search("--json", *where, "--", "반도체", "-수출")) == chips_only
    # -h is still help, and an unknown long option is still an error
    assert "usage: newsterm search" in search("반도체", "-h").stdout
    done = search("반도체", "--nope", *where)
    assert done.returncode == 2 and "--nope" in done.stderr


def _post(root: Path, name: str, title: str, body: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\ntitle: {title}\n---\n{body}\n", encoding="utf-8")
    return path


def test_a_search_brings_a_behind_index_up_to_date_first(tmp_path: Path):
    # Issue 11, bug 1: add a post, search its word: found, without `newsterm index`.
    root = tmp_path / "a"
    _post(root, "2024/2024-01-01-old.md", "오래된 글", "두더지 이야기")
    where = ["--archive", str(root), "--index-dir", str(tmp_path / "ix")]

    def search(*words: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "newsterm", "search", "--json", *words, *where],
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert search("두더지").returncode == 0
    new = _post(root, "2024/2024-02-01-new.md", "새 글", "너구리 이야기")
    done = search("너구리")
    assert done.returncode == 0, done.stderr
    assert [h["path"] for h in json.loads(done.stdout)] == ["2024/2024-02-01-new.md"]
    _post(root, "2025/2025-01-01-newer.md", "더 새 글", "오소리 이야기")  # a new folder
    assert search("오소리").returncode == 0
    new.unlink()
    done = search("너구리")
    assert (done.returncode, done.stdout.strip()) == (1, "[]")
    assert "Traceback" not in done.stderr


def test_a_big_behind_index_is_named_in_one_line_and_still_answers(env, capsys, monkeypatch):
    root, _ixdir = env
    assert run(env, "search", "넷플릭스") == 0
    capsys.readouterr()
    _post(root, "2026-01-01-new.md", "새 글", "너구리 이야기")
    monkeypatch.setattr(cli_search, "QUICK_UPDATE_POSTS", 0)  # as if the archive were huge
    assert run(env, "search", "너구리") == 1  # the stale answer, as asked
    err = capsys.readouterr().err
    assert err == (
        "newsterm: the index is behind the archive (a folder changed since it was updated); "
        "'newsterm index' brings it up to date\n"
    )
    assert run(env, "index", "--quiet") == 0
    capsys.readouterr()
    assert run(env, "search", "너구리") == 0
    assert capsys.readouterr().err == ""


def test_a_folder_change_that_is_no_post_is_checked_once(env, monkeypatch):
    root, _ixdir = env
    assert run(env, "search", "넷플릭스") == 0
    syncs: list[str] = []
    real = cli_search._sync

    def counted(ix, quiet, rebuild=False, label="indexing"):
        syncs.append(label)
        return real(ix, quiet, rebuild=rebuild, label=label)

    monkeypatch.setattr(cli_search, "_sync", counted)
    (root / "cover.png").write_bytes(b"\x89PNG")  # the folder changed, no post did
    assert run(env, "search", "넷플릭스") == 0
    assert run(env, "search", "넷플릭스") == 0
    assert syncs == ["updating the search index"]  # the second search trusted the first check


def test_the_build_bar_shows_a_phase_without_a_count_as_time_taken(monkeypatch):
    from newsterm.search.index import READING, WRITING

    monkeypatch.setattr(cli_search, "isatty", lambda stream: True)
    monkeypatch.setattr(cli_search, "SHOW_PROGRESS_AFTER", 0.0)
    bar = cli_search._Progress("indexing", enabled=True)
    try:
        bar.phase(READING)
        bar(5, 10)
        deadline = time.monotonic() + 5
        while bar.bar is None and time.monotonic() < deadline:
            time.sleep(0.01)
        bar(6, 10)
        (task,) = bar.bar.tasks
        assert (task.description, task.completed, task.total) == ("indexing: " + READING, 6, 10)
        assert task.fields["counts"] == "6/10"
        bar.phase(WRITING)
        (task,) = bar.bar.tasks
        assert task.description == "indexing: " + WRITING
        assert task.total is None  # no count, no "time left": the time it has taken
        assert task.fields["counts"] == "6 posts read"
    finally:
        bar.close()
    assert bar.bar is None
