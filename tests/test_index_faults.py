"""Index faults (issue 13, items 4-6): killed builds, orphaned workers, a full disk, an index
deleted under its user. Each test injects the fault and checks what is left."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from newsterm.search import store
from newsterm.search.index import MP_THRESHOLD, open_index

NEWSTERM = Path(sys.executable).with_name("newsterm")


def write_post(root: Path, rel: str, title: str, body: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\ntitle: {title}\ndate: 2025-01-01\n---\n\n{body}\n", encoding="utf-8")


def many_posts(root: Path, count: int) -> Path:
    words = ["가나", "다라", "마바", "사아", "자차", "카타", "파하", "넷플", "릭스", "극장"]
    for n in range(count):
        # Mostly words no other post has: an index of several MB, whatever the build's timing.
        body = " ".join(f"{words[(n * 7 + i) % len(words)]}{n}q{i}" for i in range(400))
        write_post(root, f"p{n:04d}.md", f"글 {n}", f"word{n} {body}")
    return root


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found += [int(x) for x in task.read_text().split()]
        except OSError:
            pass
    return found


def test_a_killed_rebuild_leaves_the_previous_index_searchable(tmp_path: Path) -> None:
    arch = tmp_path / "a"
    for n in range(4):
        write_post(arch, f"old{n}.md", f"옛 글 {n}", f"넷플릭스 {n}")
    ixdir = tmp_path / "ix"
    open_index(arch, ixdir).sync()
    before = store.current_dir(ixdir)
    for n in range(30):
        write_post(arch, f"k{n:02d}.md", f"새 글 {n}", f"타조 {n}")
    script = textwrap.dedent(
        f"""
        import os, signal
        from pathlib import Path
        import newsterm.search.index as m
        m.BATCH_BYTES = 1  # a commit after every post: partial files on disk when killed
        def progress(done, total):
            if done == 15:
                os.kill(os.getpid(), signal.SIGKILL)
        m.open_index(Path({str(arch)!r}), Path({str(ixdir)!r})).sync(progress=progress,
                                                                      rebuild=True)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert done.returncode == -9, done.stderr
    assert len([p for p in ixdir.iterdir() if p.name.startswith("gen-")]) == 2  # the partial one
    notices: list[str] = []
    again = open_index(arch, ixdir, notice=notices.append)
    assert store.current_dir(ixdir) == before and not notices
    assert not again.needs_build() and again.doc_count() == 4
    assert {h.path for h in again.search("넷플릭스").hits} == {f"old{n}.md" for n in range(4)}
    result = again.sync()
    assert result.added == 30 and again.doc_count() == 34
    assert [p for p in ixdir.iterdir() if p.name.startswith("gen-")] == [before]  # cleaned


@pytest.mark.skipif(sys.platform != "linux", reason="PR_SET_PDEATHSIG is Linux's")
def test_build_workers_die_with_a_killed_build_and_free_the_lock(tmp_path: Path) -> None:
    arch = many_posts(tmp_path / "a", MP_THRESHOLD + 100)
    ixdir = tmp_path / "ix"
    proc = subprocess.Popen(
        [str(NEWSTERM), "--archive", str(arch), "index", "--index-dir", str(ixdir), "--quiet"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    workers: list[int] = []
    deadline = time.monotonic() + 120
    while len(workers) < 2 and time.monotonic() < deadline and proc.poll() is None:
        workers = [p for p in _children(proc.pid) if _alive(p)]
        time.sleep(0.02)
    if proc.poll() is not None:
        pytest.skip("the build finished before its workers were seen")
    assert len(workers) >= 2
    proc.kill()
    proc.wait(timeout=10)
    deadline = time.monotonic() + 30  # a hang guard: SIGKILL'd workers go at once
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(p) for p in workers), "build workers outlived their parent"
    # Nothing holds the writer lock: the next build starts at once and finishes.
    result = open_index(arch, ixdir).sync()
    assert result.added + result.unchanged == MP_THRESHOLD + 100


def _mount_tmpfs(where: Path, size: str) -> bool:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True
    )
    return done.returncode == 0


def _used(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def test_a_full_disk_on_a_first_build_gives_one_line_and_leaves_no_partial_files(
    tmp_path: Path,
) -> None:
    arch = many_posts(tmp_path / "a", MP_THRESHOLD + 100)  # a two-process build
    disk = tmp_path / "small"
    if not _mount_tmpfs(disk, "2m"):
        pytest.skip("needs root and tmpfs to make a small disk")
    try:
        st = os.statvfs(disk)
        assert st.f_blocks * st.f_frsize <= 4 * 1024 * 1024, "not the small disk"
        ixdir = disk / "ix"
        done = subprocess.run(
            [str(NEWSTERM), "--archive", str(arch), "index", "--index-dir", str(ixdir)],
            capture_output=True,
            text=True,
            timeout=300,
            stdin=subprocess.DEVNULL,
        )
        assert done.returncode == 2, done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1, done.stderr
        assert lines[0].startswith("newsterm: cannot write the search index in ")
        assert "No space left on device" in lines[0]
        assert _used(disk) < 64 * 1024, sorted(str(p) for p in disk.rglob("*"))
        assert not [p for p in ixdir.iterdir() if p.name.startswith("gen-")]
    finally:
        subprocess.run(["umount", str(disk)], capture_output=True)


def test_an_index_deleted_under_its_user_is_noticed_and_rebuilt(tmp_path: Path) -> None:
    arch = tmp_path / "a"
    for n in range(4):
        write_post(arch, f"p{n}.md", f"글 {n}", f"두루미 {n}")
    ixdir = tmp_path / "ix"
    ix = open_index(arch, ixdir)
    ix.sync()
    assert len(ix.search("두루미").hits) == 4 and not ix.is_gone()
    shutil.rmtree(ixdir)
    assert ix.is_gone()
    assert ix.needs_build()
    result = ix.sync()
    assert result.rebuilt and result.added == 4
    assert not ix.is_gone() and len(ix.search("두루미").hits) == 4


def test_versions_of_the_code_and_of_the_quick_check_agree() -> None:
    from newsterm.search.index import _versions

    assert _versions() == store.INDEX_VERSIONS


def test_no_change_sync_loads_neither_whoosh_nor_yaml(tmp_path: Path) -> None:
    arch = many_posts(tmp_path / "a", 20)
    ixdir = tmp_path / "ix"
    open_index(arch, ixdir).sync()
    script = textwrap.dedent(
        f"""
        import sys
        from newsterm.cli import main
        code = main(["--archive", {str(arch)!r}, "index", "--index-dir", {str(ixdir)!r}])
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("whoosh", "yaml"))
        print(code, loaded)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "0 []"
    assert "index up to date: 20 posts" in done.stdout
    # One post changed: the quick check says so, and a real sync picks it up.
    write_post(arch, "p0003.md", "고친 글", "바뀐 본문 황새")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert "index updated: 20 posts; 0 added, 1 updated" in done.stdout, done.stdout
    assert {h.path for h in open_index(arch, ixdir).search("황새").hits} == {"p0003.md"}


def test_a_sync_writes_the_readers_catalog(tmp_path: Path) -> None:
    from newsterm.catalog import Catalog

    arch = many_posts(tmp_path / "a", 12)
    ixdir = tmp_path / "ix"
    open_index(arch, ixdir).sync()
    listing = Catalog.beside(ixdir, arch).load()
    assert listing is not None and listing.complete
    assert sorted(p.path for p in listing.posts) == [f"p{n:04d}.md" for n in range(12)]


def test_an_index_written_before_the_search_package_still_opens() -> None:
    """Whoosh pickles the schema with its classes' module names; indexes written when they
    were newsterm.codec and newsterm.analysis must open, not be rebuilt as damaged."""
    import pickle

    from newsterm.search.codec import BigramPositions

    old = pickle.dumps(BigramPositions(field_boost=2.0), protocol=0)
    old = old.replace(b"newsterm.search.codec", b"newsterm.codec")
    assert b"newsterm.codec" in old
    assert isinstance(pickle.loads(old), BigramPositions)


def test_a_reader_opening_while_a_writer_commits_does_not_call_the_index_damaged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Seen in CI: a reader that opened the index while another SearchIndex committed found a
    # segment file gone between the TOC and the file (FileNotFoundError), said "the search
    # index is damaged; rebuilding it" and answered nothing from then on.
    import newsterm.search.matchers as matchers

    arch = tmp_path / "a"
    for n in range(3):
        write_post(arch, f"p{n}.md", f"글 {n}", f"두루미 {n}")
    ixdir = tmp_path / "ix"
    open_index(arch, ixdir).sync()
    real = matchers.new_searcher
    failures = [FileNotFoundError(2, "No such file or directory", "MAIN_x.trm")]

    def racing(ix):  # the first look meets a segment that a commit just removed
        if failures:
            raise failures.pop()
        return real(ix)

    monkeypatch.setattr(matchers, "new_searcher", racing)
    notices: list[str] = []
    reader = open_index(arch, ixdir, notice=notices.append)
    assert not failures and notices == [] and not reader.needs_build()
    assert len(reader.search("두루미").hits) == 3
    # A damaged index is still called damaged: every look fails.
    failures.extend(FileNotFoundError(2, "gone") for _ in range(5))
    again = open_index(arch, ixdir, notice=notices.append)
    assert again.needs_build() and notices == [
        "the search index is damaged (FileNotFoundError); rebuilding it"
    ]
