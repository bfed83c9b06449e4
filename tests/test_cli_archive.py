"""``newsterm list``, ``show`` and ``check``: what people and scripts see."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import SEED
from newsterm.archive import Archive
from newsterm.cli import main
from newsterm.cli_archive import colour_rows, fit, list_widths
from tmux_helpers import HAVE_TMUX, Tmux

NEWSTERM = Path(sys.executable).with_name("newsterm")
LONG_KO_TITLE = (
    "아주 긴 한국어 제목: 넓은 글자 때문에 터미널 칸이 어긋나지 않는지 확인하기 위한 제목입니다"
)
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def write(root: Path, rel: str, content: str | bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    root = tmp_path / "posts"
    root.mkdir()
    shutil.copy(SEED, root / SEED.name)
    write(
        root,
        "2024/2024-03-05-long-korean.md",
        f"---\ntitle: {LONG_KO_TITLE}\ndate: 2024-03-05 09:00:00 +0900\n"
        "categories: [경제, 뉴스, 아주긴분류이름입니다정말로]\ntags: [금리, 반도체]\n---\n"
        "## 첫째\n\n본문입니다.\n",
    )
    write(
        root,
        "2015-03-17-boston.md",
        "---\ntitle: Boston in winter\ndate: 2015-03-17 14:00:00 -4\n"
        "categories: Travel\ntags: snow city\n---\n\n# Boston\n\nCold.\n",
    )
    write(root, "notes/undated-note.md", "# An undated note\n\nNo date anywhere.\n")
    write(root, "a/2020-01-01-twin.md", "# Twin A\n")
    write(root, "b/2021-01-01-twin.md", "# Twin B\n")
    return root


@pytest.fixture
def broken_archive(tmp_path: Path) -> Path:
    root = tmp_path / "broken"
    root.mkdir()
    write(root, "2020-01-01-good.md", "---\ntitle: Good\n---\nfine\n")
    write(root, "empty.md", b"")
    write(root, "binary.md", b"\x00\x01\x02PK\x03\x04")
    write(root, "bad-front.md", "---\ntitle: [unclosed\n---\nbody\n")
    return root


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if k not in ("NEWSTERM_ARCHIVE", "NO_COLOR")}
    full_env.update(env or {})
    proc = subprocess.run(
        [str(NEWSTERM), *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def run_in_tty(args: list[str], columns: int = 100, env: dict[str, str] | None = None) -> str:
    """Run newsterm with its stdout on a pseudo-terminal; returns what it wrote. ``show``
    pages nothing (``PAGER=cat``) unless ``env`` names a pager."""
    master, slave = pty.openpty()
    full_env = {k: v for k, v in os.environ.items() if k not in ("NEWSTERM_ARCHIVE", "NO_COLOR")}
    full_env.update(
        {"COLUMNS": str(columns), "LINES": "50", "TERM": "xterm-256color", "PAGER": "cat"},
        **(env or {}),
    )
    proc = subprocess.Popen(
        [str(NEWSTERM), *args],
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=subprocess.PIPE,
        env=full_env,
    )
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:  # the child closed the terminal
                    break
                if not data:
                    break
                chunks.append(data)
            elif proc.poll() is not None:
                break
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    assert proc.returncode == 0
    assert b"Traceback" not in proc.stderr.read()
    proc.stderr.close()
    return b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")


def cell_offsets(line: str, *needles: str) -> list[int]:
    """Terminal column at which each needle starts in ``line``."""
    from rich.cells import cell_len

    return [cell_len(line[: line.index(n)]) for n in needles]


# --------------------------------------------------------------------------- list


def test_list_json_shape_and_order(archive: Path):
    proc = run("list", "--json", "--archive", str(archive))
    assert proc.returncode == 0
    data = json.loads(proc.stdout)
    assert [d["path"] for d in data] == [
        SEED.name,
        "2024/2024-03-05-long-korean.md",
        "b/2021-01-01-twin.md",
        "a/2020-01-01-twin.md",
        "2015-03-17-boston.md",
        "notes/undated-note.md",
    ]
    for item in data:
        assert set(item) == {
            "path",
            "title",
            "date",
            "categories",
            "tags",
            "draft",
            "language",
            "lede",
        }
        assert item["draft"] is False and item["lede"] == ""
        assert isinstance(item["categories"], list) and isinstance(item["tags"], list)
    by_path = {d["path"]: d for d in data}
    korean = by_path["2024/2024-03-05-long-korean.md"]
    assert korean["title"] == LONG_KO_TITLE  # whole, never cut in JSON
    assert korean["date"] == "2024-03-05T09:00:00+09:00"
    assert korean["categories"] == ["경제", "뉴스", "아주긴분류이름입니다정말로"]
    assert korean["tags"] == ["금리", "반도체"]
    assert by_path["2015-03-17-boston.md"]["date"] == "2015-03-17T14:00:00-04:00"
    assert by_path["2015-03-17-boston.md"]["tags"] == ["snow", "city"]
    assert by_path["notes/undated-note.md"]["date"] is None
    assert by_path["notes/undated-note.md"]["title"] == "An undated note"
    assert korean["language"] == "ko" and by_path["2015-03-17-boston.md"]["language"] == "en"


def test_list_plain_when_not_a_tty_lines_up(archive: Path):
    proc = run("list", "--archive", str(archive))
    assert proc.returncode == 0
    assert not ANSI.search(proc.stdout)
    lines = proc.stdout.splitlines()
    assert len(lines) == 6
    assert lines[0].startswith("2025-08-18  ")
    assert lines[-1].startswith("undated     ")
    korean = next(line for line in lines if "long-korean" in line)
    assert "…" in korean  # the long title is cut to its column
    # Categories and paths start in the same terminal column on every row.
    path_cols = {cell_offsets(line, line.split()[-1])[0] for line in lines}
    assert len(path_cols) == 1
    cats = ["뉴스, IT", "경제, 뉴스", "Travel"]
    starts = {cell_offsets(line, c)[0] for line in lines for c in cats if c in line}
    assert len(starts) == 1


def test_list_in_a_terminal_uses_rich_and_lines_up(archive: Path):
    out = run_in_tty(["list", "--archive", str(archive)], columns=100)
    assert ANSI.search(out)  # coloured
    lines = [ANSI.sub("", line).rstrip() for line in out.splitlines() if line.strip()]
    assert lines[0].split() == ["Date", "Title", "Categories", "Path"]
    rows = lines[1:]
    assert len(rows) == 6
    from rich.cells import cell_len

    assert all(cell_len(line) <= 100 for line in lines)
    korean = next(line for line in rows if line.startswith("2024-03-05"))
    assert "…" in korean
    header_cols = cell_offsets(lines[0], "Categories", "Path")
    for row, cats in zip(rows, ["뉴스", "경제", "", "", "Travel", ""], strict=True):
        if cats:
            assert cell_offsets(row, cats)[0] == header_cols[0], row
        path_part = row[len(row.rstrip().rsplit("  ", 1)[0]) :].strip()
        assert cell_offsets(row, path_part)[0] == header_cols[1], row


def test_list_no_color_changes_colour_only_not_the_layout(archive: Path):
    coloured = run_in_tty(["list", "--archive", str(archive)], columns=90)
    plain = run_in_tty(["list", "--archive", str(archive)], columns=90, env={"NO_COLOR": "1"})
    assert not ANSI.search(plain)
    assert plain.startswith("Date")
    assert plain == ANSI.sub("", coloured)


def test_list_in_a_narrow_terminal_keeps_paths_whole_and_cuts_titles(tmp_path: Path):
    long_path = "_posts/2024/2024-03-05-a-rather-long-slug-for-this-post.md"
    write(tmp_path, long_path, f"---\ntitle: {LONG_KO_TITLE}\ncategories: [경제]\n---\nx\n")
    write(tmp_path, "_posts/2024-01-01-b.md", "---\ntitle: B\n---\nx\n")
    for columns in (60, 80, 120):
        out = ANSI.sub("", run_in_tty(["list", "--archive", str(tmp_path)], columns=columns))
        rows = out.splitlines()[1:]
        assert rows[0].endswith(long_path), (columns, rows)
        assert "…" in rows[0]  # the title gave way
        from rich.cells import cell_len

        if columns >= len(long_path) + 10:  # else the row runs over rather than cut the path
            assert all(cell_len(r) <= columns for r in out.splitlines())
        # what the list shows is what show takes
        assert run("show", rows[0].split()[-1], "--archive", str(tmp_path)).returncode == 0


@pytest.fixture
def drafts(tmp_path: Path) -> Path:
    root = tmp_path / "drafts"
    write(root, "2024-05-01-out.md", "---\ntitle: Out in the open\ndate: 2024-05-01\n---\nx\n")
    write(
        root,
        "2024-05-02-wip.md",
        "---\ntitle: 아직 쓰는 중인 글\ndate: 2024-05-02\ncategories: [메모]\ndraft: true\n---\n"
        "본문\n",
    )
    write(root, "_drafts/later.md", "---\ntitle: Later\ndate: 2024-04-01\n---\nsoon\n")
    return root


def test_list_says_which_posts_are_drafts(drafts: Path):
    data = json.loads(run("list", "--json", "--archive", str(drafts)).stdout)
    assert [(d["path"], d["draft"]) for d in data] == [
        ("2024-05-02-wip.md", True),
        ("2024-05-01-out.md", False),
        ("_drafts/later.md", True),
    ]
    jsonl = run("list", "--format", "jsonl", "--archive", str(drafts)).stdout.splitlines()
    assert [json.loads(line)["draft"] for line in jsonl] == [True, False, True]
    lines = run("list", "--archive", str(drafts)).stdout.splitlines()
    assert "  [draft] 아직 쓰는 중인 글  " in lines[0]
    assert "  Out in the open  " in lines[1] and "draft" not in lines[1]
    assert "  [draft] Later  " in lines[2]
    # The mark goes before the title: a cut title keeps it, and the columns still line up.
    path_cols = {cell_offsets(line, line.split()[-1])[0] for line in lines}
    assert len(path_cols) == 1
    out = run_in_tty(["list", "--archive", str(drafts)], columns=50)
    rows = out.splitlines()[1:]
    assert "\x1b[2m[draft] \x1b[0m" in rows[0]  # dim, in colour
    assert ANSI.sub("", rows[0]).startswith("2024-05-02  [draft] 아")
    assert "…" in rows[0]
    assert "[draft]" not in rows[1]
    plain = run_in_tty(["list", "--archive", str(drafts)], columns=50, env={"NO_COLOR": "1"})
    assert plain == ANSI.sub("", out)


def test_show_says_a_post_is_a_draft(drafts: Path):
    lines = run("show", "wip", "--archive", str(drafts)).stdout.splitlines()
    assert lines[1] == "2024-05-02 · 메모 · 1 min read · draft"
    assert run("show", "out", "--archive", str(drafts)).stdout.splitlines()[1] == (
        "2024-05-01 · 1 min read"
    )
    assert json.loads(run("show", "later", "--json", "--archive", str(drafts)).stdout)["draft"]
    assert not json.loads(run("show", "out", "--json", "--archive", str(drafts)).stdout)["draft"]
    shown = ANSI.sub("", run_in_tty(["show", "wip", "--archive", str(drafts)], columns=80))
    assert shown.splitlines()[1].rstrip() == "2024-05-02 · 메모 · 1 min read · draft"


@pytest.fixture
def ledes(tmp_path: Path) -> Path:
    root = tmp_path / "ledes"
    root.mkdir()
    write(
        root,
        "2024-06-01-garden.md",
        "---\ntitle: 작은 정원\ndate: 2024-06-01\ncategories: [생활]\n"
        "description: '베란다 텃밭에서 **상추**와 고추를 키운 한 해의 기록'\n---\n"
        "물을 주고 햇빛을 본다.\n",
    )
    write(root, "2024-06-02-plain.md", "---\ntitle: Plain\ndate: 2024-06-02\n---\nNo lede.\n")
    return root


def test_show_prints_the_lede_under_the_title(ledes: Path):
    lines = run("show", "garden", "--archive", str(ledes)).stdout.splitlines()
    assert lines[:3] == [
        "작은 정원",
        "베란다 텃밭에서 상추와 고추를 키운 한 해의 기록",
        "2024-06-01 · 생활 · 1 min read",
    ]
    assert run("show", "plain", "--archive", str(ledes)).stdout.splitlines()[:2] == [
        "Plain",
        "2024-06-02 · 1 min read",
    ]
    out = run_in_tty(["show", "garden", "--archive", str(ledes)], columns=30)
    shown = [line.rstrip() for line in ANSI.sub("", out).splitlines()]
    # it wraps at the terminal's width, in italics, between the title and the date
    assert shown[:4] == [
        "작은 정원",
        "베란다 텃밭에서 상추와 고추를",
        "키운 한 해의 기록",
        "2024-06-01 · 생활 · 1 min read",
    ]
    assert "\x1b[3m베란다" in out


def test_list_and_show_json_have_the_lede(ledes: Path):
    data = json.loads(run("list", "--json", "--archive", str(ledes)).stdout)
    assert [(d["path"], d["lede"]) for d in data] == [
        ("2024-06-02-plain.md", ""),
        ("2024-06-01-garden.md", "베란다 텃밭에서 상추와 고추를 키운 한 해의 기록"),
    ]
    shown = json.loads(run("show", "garden", "--json", "--archive", str(ledes)).stdout)
    assert shown["lede"] == "베란다 텃밭에서 상추와 고추를 키운 한 해의 기록"


def _list(archive: Path, *args: str) -> list[str]:
    proc = run("list", "--format", "paths", "--archive", str(archive), *args)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines()


def test_list_filters_sort_and_limit(archive: Path):
    assert _list(archive, "--category", "travel") == ["2015-03-17-boston.md"]
    assert _list(archive, "--category", "뉴스", "--tag", "금리") == [
        "2024/2024-03-05-long-korean.md"
    ]
    assert _list(archive, "--category", "뉴스", "--category", "IT") == [SEED.name]
    assert _list(archive, "--tag", "nothing-like-this") == []
    assert _list(archive, "--since", "2024") == [SEED.name, "2024/2024-03-05-long-korean.md"]
    assert _list(archive, "--since", "2024-03-05", "--until", "2024-03") == [
        "2024/2024-03-05-long-korean.md"
    ]
    assert _list(archive, "--until", "2019") == ["2015-03-17-boston.md"]
    every = _list(archive)
    assert len(every) == 6 and every[-1] == "notes/undated-note.md"  # undated last
    assert _list(archive, "--limit", "2") == every[:2]
    by_title = _list(archive, "--sort", "title")
    titles = [
        json.loads(line)["title"].casefold()
        for line in run(
            "list", "--format", "jsonl", "--sort", "title", "--archive", str(archive)
        ).stdout.splitlines()
    ]
    assert titles == sorted(titles) and sorted(by_title) == sorted(every)


def test_list_formats(archive: Path):
    jsonl = run("list", "--format", "jsonl", "--archive", str(archive)).stdout.splitlines()
    array = json.loads(run("list", "--format", "json", "--archive", str(archive)).stdout)
    assert [json.loads(line) for line in jsonl] == array
    assert json.loads(run("list", "--json", "--archive", str(archive)).stdout) == array
    assert _list(archive) == [d["path"] for d in array]
    assert run("list", "--format", "paths", "--tag", "x", "--archive", str(archive)).stdout == ""
    # the paths are what show takes
    for path in _list(archive):
        assert run("show", path, "--archive", str(archive)).returncode == 0


def test_list_only_the_posts_of_a_language(tmp_path: Path):
    root = tmp_path / "mixed"
    write(
        root, "2024-01-01-ko.md", "---\ntitle: 비 오는 날\n---\n하루 종일 비가 와서 책을 읽었다.\n"
    )
    write(root, "2024-01-02-en.md", "---\ntitle: A rainy day\n---\nIt rained, so I read.\n")
    write(root, "2024-01-03-said.md", "---\ntitle: 영어로 쓴 글\nlang: en-US\n---\n본문\n")
    write(
        root, "2024-01-04-ja.md", "---\ntitle: 雨の日\n---\n一日中雨だったので、本を読みました。\n"
    )

    def paths(*args: str) -> list[str]:
        proc = run("list", "--format", "paths", "--archive", str(root), *args)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.splitlines()

    assert paths("--lang", "en") == ["2024-01-03-said.md", "2024-01-02-en.md"]
    assert paths("--lang", "English") == paths("--lang", "en_GB") == paths("--lang", "en")
    assert paths("--lang", "ko", "--lang", "ja") == ["2024-01-04-ja.md", "2024-01-01-ko.md"]
    assert paths("--lang", "en", "--since", "2024-01-03") == ["2024-01-03-said.md"]
    proc = run("list", "--lang", "fr", "--archive", str(root))
    assert proc.returncode == 0 and proc.stdout == "" and "no post matches" in proc.stderr
    data = json.loads(run("list", "--json", "--archive", str(root)).stdout)
    assert [d["language"] for d in data] == ["ja", "en", "en", "ko"]
    shown = json.loads(run("show", "said", "--json", "--archive", str(root)).stdout)
    assert shown["language"] == "en"


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--since", "2024-13"], "--since: no such date"),
        (["--until", "yesterday"], "--until: bad date"),
        (["--since", "2025", "--until", "2024"], "is after --until"),
        (["--limit", "0"], "--limit"),
        (["--limit", "x"], "--limit"),
        (["--format", "csv"], "--format"),
        (["--sort", "size"], "--sort"),
        (["--json", "--format", "paths"], "--json is --format json"),
        (["--lang", "rust"], "--lang: 'rust' is not a language"),
    ],
)
def test_list_bad_input_is_one_line_and_exit_2(archive: Path, args: list[str], fragment: str):
    proc = run("list", *args, "--archive", str(archive))
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert len(proc.stderr.splitlines()) == 1 and fragment in proc.stderr, proc.stderr


def test_list_problems_go_to_stderr_and_the_rest_is_listed(broken_archive: Path):
    proc = run("list", "--json", "--archive", str(broken_archive))
    assert proc.returncode == 0
    assert [d["path"] for d in json.loads(proc.stdout)] == ["2020-01-01-good.md"]
    problems = proc.stderr.strip().splitlines()
    assert len(problems) == 3
    assert all(line.startswith("newsterm: problem: ") for line in problems)
    assert any("binary.md" in line and "binary" in line for line in problems)


def test_list_uses_environment_archive(archive: Path):
    proc = run("list", "--json", env={"NEWSTERM_ARCHIVE": str(archive)})
    assert len(json.loads(proc.stdout)) == 6


def test_list_default_is_bundled_archive():
    proc = run("list", "--json")
    paths = [d["path"] for d in json.loads(proc.stdout)]
    assert SEED.name in paths


def test_fit_cuts_by_display_width():
    from rich.cells import cell_len

    assert fit("abc", 5) == "abc  "
    assert fit("한국어 제목", 11) == "한국어 제목"
    assert cell_len(fit("한국어 제목입니다", 8)) == 8
    assert fit("한국어 제목입니다", 8).startswith("한국어…")
    assert fit("한국어", 4) == "한… "  # the second wide character does not fit beside "…"
    assert fit("anything", 0) == ""


@pytest.mark.parametrize("total", [40, 60, 80, 100, 160])
def test_list_widths_keep_the_path_whole(total: int):
    path = "2025/2025-01-01-some-long-path-name.md"
    rows = [("2025-01-01", LONG_KO_TITLE, "경제, 뉴스", path)]
    date_w, title_w, cats_w, path_w = list_widths(rows, total)
    assert path_w == len(path)
    assert title_w >= 8
    if total >= 60:
        used = title_w + (date_w + 2 if date_w else 0) + (cats_w + 2 if cats_w else 0)
        assert used + 2 + path_w <= total
    if total >= 100:
        assert date_w and cats_w


# --------------------------------------------------------------------------- show


def test_show_by_path_and_by_slug_plain(archive: Path):
    by_path = run("show", SEED.name, "--archive", str(archive))
    by_slug = run("show", "content-ai-weekly-digest", "--archive", str(archive))
    assert by_path.returncode == by_slug.returncode == 0
    assert by_path.stdout == by_slug.stdout
    out = by_path.stdout
    assert not ANSI.search(out)
    lines = out.splitlines()
    assert lines[0] == "콘텐츠와 AI의 무게중심 이동: 제작자 계약, 모델 복지, 플랫폼 확장"
    assert lines[1].startswith("2025-08-18 20:00 +0900")
    assert f"path: {SEED.name}" in lines
    # Implicit headings are printed as headings.
    assert "### 배경 설명" in lines
    assert "### 결론" in lines
    assert "## 모델 복지라는 이름의 안전장치: 앤트로픽의 대화 종료 기능과 그 함의" in lines


def test_show_in_a_terminal_renders_implicit_headings(archive: Path):
    out = run_in_tty(["show", SEED.name, "--archive", str(archive)], columns=100)
    assert ANSI.search(out)
    lines = [ANSI.sub("", line).strip() for line in out.splitlines()]
    assert "배경 설명" in lines  # a heading line of its own, not glued to its paragraph
    assert "###" not in out
    styled = next(line for line in out.splitlines() if "배경 설명" in line)
    assert "\x1b[1" in styled  # bold, as a heading


def test_show_in_a_terminal_makes_hyperlinks_of_web_links_only(tmp_path: Path):
    write(
        tmp_path,
        "links.md",
        "---\ntitle: 링크\n---\n[기사](https://example.com/a) [공유](smb://server/share) "
        "[접속](ssh://host) [파일](file:///etc/passwd) [메일](mailto:desk@example.org)\n",
    )
    out = run_in_tty(["show", "links", "--archive", str(tmp_path)], columns=100)
    targets = re.findall(r"\x1b\]8;[^;]*;([^\x1b\x07]*)", out)  # OSC 8 hyperlink targets
    assert "https://example.com/a" in targets and "mailto:desk@example.org" in targets
    assert not any(t.startswith(("smb:", "ssh:", "file:")) for t in targets), targets
    text = ANSI.sub("", re.sub(r"\x1b\]8;[^\x07\x1b]*(\x07|\x1b\\)", "", out))
    assert "공유" in text and "접속" in text  # still shown, just not clickable


@pytest.fixture
def pager(tmp_path: Path) -> tuple[str, Path]:
    """A $PAGER that records what it is given (and passes it on)."""
    seen = tmp_path / "paged.txt"
    script = tmp_path / "pager.sh"
    script.write_text(f"#!/bin/sh\ntee {seen}\n")
    script.chmod(0o755)
    return str(script), seen


def test_show_pages_a_long_post_on_a_terminal(archive: Path, pager: tuple[str, Path]):
    command, seen = pager
    out = run_in_tty(["show", SEED.name, "--archive", str(archive)], env={"PAGER": command})
    paged = seen.read_text(encoding="utf-8")
    assert "배경 설명" in ANSI.sub("", paged) and ANSI.search(paged)  # rendered, in colour
    assert ANSI.sub("", paged).count("\n") > 50  # longer than the screen (LINES=50)
    assert "배경 설명" in out  # what the pager printed


def test_show_pager_is_skipped_when_asked_short_or_piped(archive: Path, pager: tuple[str, Path]):
    command, seen = pager
    out = run_in_tty(
        ["show", SEED.name, "--no-pager", "--archive", str(archive)], env={"PAGER": command}
    )
    assert "배경 설명" in out and not seen.exists()
    out = run_in_tty(["show", "boston", "--archive", str(archive)], env={"PAGER": command})
    assert "Cold." in out and not seen.exists()  # fits the screen
    proc = run(
        "show", SEED.name, "--color", "always", "--archive", str(archive), env={"PAGER": command}
    )
    assert ANSI.search(proc.stdout) and "배경 설명" in proc.stdout and not seen.exists()
    proc = run("show", SEED.name, "--archive", str(archive), env={"PAGER": command})
    assert proc.stdout.startswith(SEED.read_text(encoding="utf-8").split("title: ")[1][:10])
    assert not ANSI.search(proc.stdout) and not seen.exists()


def test_show_with_a_missing_pager_prints_and_says_so(archive: Path):
    master_env = {"PAGER": "no-such-pager-newsterm-test"}
    out = run_in_tty(["show", SEED.name, "--archive", str(archive)], env=master_env)
    assert "배경 설명" in out


def test_show_width_and_color(archive: Path):
    from rich.cells import cell_len

    coloured = run_in_tty(["show", SEED.name, "--width", "50", "--archive", str(archive)])
    lines = ANSI.sub("", re.sub(r"\x1b\]8;[^\x07\x1b]*(\x07|\x1b\\)", "", coloured)).splitlines()
    assert max(cell_len(line.rstrip()) for line in lines) <= 50
    assert max(cell_len(line.rstrip()) for line in lines) >= 45
    no_color = run_in_tty(
        ["show", SEED.name, "--width", "50", "--archive", str(archive)], env={"NO_COLOR": "1"}
    )
    never = run_in_tty(
        ["show", SEED.name, "--width", "50", "--color", "never", "--archive", str(archive)]
    )
    assert not ANSI.search(no_color) and no_color == never
    # NO_COLOR changes colour only: the same lines as the coloured output
    assert no_color.splitlines() == lines
    assert run("show", "boston", "--width", "0", "--archive", str(archive)).returncode == 2


def test_show_outline_tree(archive: Path):
    proc = run("show", "content-ai-weekly-digest", "--outline", "--archive", str(archive))
    lines = proc.stdout.splitlines()
    top = [line for line in lines if not line.startswith(" ")]
    assert len(top) == 3
    assert len(lines) == 3 + 7 + 8 + 9
    # File lines (the front matter counted), as an editor's +N takes them (issue 11 bug 10).
    assert lines[1] == "  배경 설명  (line 12)"
    assert top[0].endswith("(line 8)")
    file_lines = SEED.read_text(encoding="utf-8").splitlines()
    assert file_lines[8 - 1].startswith("## 더 큰 스크린")
    assert file_lines[12 - 1] == "배경 설명"


def test_show_outline_json(archive: Path):
    proc = run("show", SEED.name, "--outline", "--json", "--archive", str(archive))
    data = json.loads(proc.stdout)
    assert [len(d["children"]) for d in data] == [7, 8, 9]

    def check(node: dict, parent_level: int) -> None:
        assert set(node) == {"level", "title", "line", "children"}
        assert node["level"] > parent_level
        assert isinstance(node["line"], int) and node["title"]
        for child in node["children"]:
            check(child, node["level"])

    for node in data:
        check(node, 0)
    assert data[0]["children"][0] == {"level": 3, "title": "배경 설명", "line": 12, "children": []}
    assert data[0]["line"] == 8


def test_show_json_post(archive: Path):
    proc = run("show", "boston", "--json", "--archive", str(archive))
    data = json.loads(proc.stdout)
    assert data["title"] == "Boston in winter"
    assert data["date"] == "2015-03-17T14:00:00-04:00"
    assert "Cold." in data["body"]


def test_show_outline_of_post_without_sections(archive: Path):
    proc = run("show", "twin", "--outline", "--archive", str(archive / "a"))
    assert proc.returncode == 0
    proc = run("show", "2015-03-17-boston.md", "--outline", "--archive", str(archive))
    assert proc.stdout.strip() == "Boston  (line 8)"


def test_show_outline_lines_are_file_lines_for_toml_and_bare_posts(tmp_path: Path):
    write(
        tmp_path,
        "toml.md",
        '+++\ntitle = "T"\ndate = 2024-01-02\n+++\n\n## Intro\n\ntext\n\n## End\n',
    )
    write(tmp_path, "bare.md", "## First\n\nbody\n\n### Deeper\n")
    proc = run("show", "toml.md", "--outline", "--archive", str(tmp_path))
    assert proc.stdout.splitlines() == ["Intro  (line 6)", "End  (line 10)"]
    proc = run("show", "bare.md", "--outline", "--archive", str(tmp_path))
    assert proc.stdout.splitlines() == ["First  (line 1)", "  Deeper  (line 5)"]
    proc = run("show", "toml.md", "--outline", "--json", "--archive", str(tmp_path))
    assert [s["line"] for s in json.loads(proc.stdout)] == [6, 10]


def test_show_empty_post_is_not_one_minute_read(tmp_path: Path):
    write(tmp_path, "2024-01-02-empty.md", "---\ntitle: Nothing yet\ndate: 2024-01-02\n---\n\n")
    write(
        tmp_path, "2024-01-03-short.md", "---\ntitle: Short\ndate: 2024-01-03\n---\nA few words.\n"
    )
    proc = run("show", "empty", "--archive", str(tmp_path))
    assert proc.returncode == 0
    assert "min read" not in proc.stdout and "empty" in proc.stdout.splitlines()[1]
    assert (
        json.loads(run("show", "empty", "--json", "--archive", str(tmp_path)).stdout)[
            "reading_minutes"
        ]
        == 0
    )
    out = ANSI.sub("", run_in_tty(["show", "empty", "--archive", str(tmp_path)]))
    assert "min read" not in out and "empty" in out
    proc = run("show", "short", "--archive", str(tmp_path))
    assert "1 min read" in proc.stdout.splitlines()[1]


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("twin", "matches 2 posts"),
        ("no-such-post", "no post named"),
        ("../outside.md", "no post named"),
        ("empty.md", ""),
    ],
)
def test_show_unknown_or_ambiguous_is_one_line_exit_2(archive: Path, name: str, fragment: str):
    write(archive, "empty.md", b"")
    proc = run("show", name, "--archive", str(archive))
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("newsterm: ")
    assert fragment in lines[0]


def test_show_control_characters_never_reach_the_terminal(tmp_path: Path):
    write(tmp_path, "evil.md", '---\ntitle: "bad\\e[2Jtitle"\n---\ntext \x1b]0;pwned\x07 here\n')
    proc = run("show", "evil", "--archive", str(tmp_path))
    assert proc.returncode == 0
    assert "\x1b" not in proc.stdout and "\x07" not in proc.stdout


# --------------------------------------------------------------------------- check


def test_check_clean_archive_exit_0(archive: Path):
    proc = run("check", "--archive", str(archive))
    assert proc.returncode == 0
    assert proc.stdout.strip() == "All 6 posts can be read."
    proc = run("check", "--json", "--archive", str(archive))
    assert proc.returncode == 0
    assert json.loads(proc.stdout) == []


def test_check_reports_problems_exit_1(broken_archive: Path):
    proc = run("check", "--archive", str(broken_archive))
    assert proc.returncode == 1
    lines = proc.stdout.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == ["bad-front.md", "binary.md", "empty.md"]
    proc = run("check", "--json", "--archive", str(broken_archive))
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert [d["path"] for d in data] == ["bad-front.md", "binary.md", "empty.md"]
    assert all(set(d) == {"path", "reason"} and "\n" not in d["reason"] for d in data)
    assert "YAML" in data[0]["reason"]


def test_check_in_process(broken_archive: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["--archive", str(broken_archive), "check"]) == 1
    assert "empty.md: empty file" in capsys.readouterr().out


def test_commands_never_write_into_the_archive(archive: Path):
    def listing() -> dict[str, int]:
        return {
            str(p.relative_to(archive)): p.lstat().st_mtime_ns
            for p in [archive, *sorted(archive.rglob("*"))]
        }

    before = listing()
    for args in (["list"], ["list", "--json"], ["check"], ["show", "boston"]):
        run(*args, "--archive", str(archive))
    run("show", SEED.name, "--outline", "--archive", str(archive))
    assert listing() == before


def test_list_of_an_empty_archive_says_so(tmp_path: Path):
    proc = run("list", "--archive", str(tmp_path))
    assert proc.returncode == 0
    assert proc.stdout == ""
    assert proc.stderr.strip() == f"newsterm: no posts in {tmp_path.resolve()}"
    assert json.loads(run("list", "--json", "--archive", str(tmp_path)).stdout) == []


@pytest.mark.parametrize("total", [60, 72, 100, 200])
def test_colour_rows_never_wider_than_the_screen(archive: Path, total: int):
    from rich.cells import cell_len

    posts, _ = Archive(archive).load_all()
    out = colour_rows(posts, total)
    assert "\x1b[36m" in out  # dates in colour
    lines = [ANSI.sub("", line) for line in out.splitlines()]
    assert len(lines) == 1 + len(posts)
    assert all(cell_len(line) <= total for line in lines)
    title_col = cell_offsets(lines[0], "Title")[0]
    assert all(cell_offsets(line, line[12:].lstrip()[:3])[0] == title_col for line in lines[1:])


def test_list_json_says_whether_a_date_has_an_offset(tmp_path: Path):
    write(tmp_path, "_posts/naive.md", "---\ntitle: N\ndate: 2019-08-14 22:39:53\n---\nx\n")
    write(tmp_path, "_posts/day.md", "---\ntitle: D\ndate: 2019-08-13\n---\nx\n")
    write(tmp_path, "_posts/zoned.md", "---\ntitle: Z\ndate: 2019-08-12 10:00 +0900\n---\nx\n")
    write(tmp_path, "content/_index.md", "+++\ntitle = 'Section'\n+++\n")
    proc = run("list", "--json", "--archive", str(tmp_path))
    dates = {d["title"]: d["date"] for d in json.loads(proc.stdout)}
    assert dates == {
        "N": "2019-08-14T22:39:53",
        "D": "2019-08-13",
        "Z": "2019-08-12T10:00:00+09:00",
    }


def test_show_prints_no_made_up_time_or_offset(tmp_path: Path):
    write(tmp_path, "naive.md", "---\ntitle: N\ndate: 2019-08-14 22:39:53\n---\nbody\n")
    write(tmp_path, "day.md", "---\ntitle: D\ndate: 2019-08-13\n---\nbody\n")
    naive = run("show", "naive", "--archive", str(tmp_path)).stdout.splitlines()
    day = run("show", "day", "--archive", str(tmp_path)).stdout.splitlines()
    assert naive[1] == "2019-08-14 22:39 · 1 min read"
    assert day[1] == "2019-08-13 · 1 min read"
    write(tmp_path, "_config.yml", "timezone: Asia/Seoul\n")
    zoned = run("show", "naive", "--archive", str(tmp_path)).stdout.splitlines()
    assert zoned[1] == "2019-08-14 22:39 +0900 · 1 min read"
    write(tmp_path, "hugo.md", "---\ntitle: H\ndate: 2019-01-01T00:00:00Z\n---\nbody\n")
    assert run("show", "hugo", "--archive", str(tmp_path)).stdout.splitlines()[1] == (
        "2019-01-01 · 1 min read"
    )
    listed = json.loads(run("list", "--json", "--archive", str(tmp_path)).stdout)
    assert {p["path"]: p["date"] for p in listed}["hugo.md"] == "2019-01-01T00:00:00+00:00"


@pytest.mark.slow
@pytest.mark.skipif(not (HAVE_TMUX and shutil.which("less")), reason="needs tmux and less")
def test_show_pages_through_real_less_in_a_real_terminal(archive: Path, tmp_path: Path):
    """`newsterm show` in tmux at 80x24 with $PAGER and $LESS unset: the post comes up in
    less -R (LESS=FRX), a screen at a time, in colour; G goes to the end, q back to the shell
    with the page left on screen (-X) and exit 0. --no-pager prints it all and returns."""
    command = (
        f"{NEWSTERM} show {SEED.name} --archive {archive}; echo $? > {tmp_path}/show-exit; "
        f"{NEWSTERM} show {SEED.name} --archive {archive} --no-pager; "
        "echo NO-PAGER-EXIT=$?; sleep 60"
    )
    raw = tmp_path / "raw.bin"
    term = Tmux(tmp_path, command, width=80, height=24, env={"PAGER": None, "LESS": None})
    try:
        term.run("pipe-pane", "-O", f"cat >> {raw}")

        def paged(screen: str) -> bool:
            """the first page and, on the last row, what less drew after it"""
            rows = screen.splitlines()
            return "더 큰 스크린을 향한" in screen and bool(rows) and rows[-1].strip() != ""

        screen = term.wait_screen(paged)  # (a capture between the page and its prompt raced)
        rows = screen.splitlines()
        assert rows[-1].startswith(":"), screen  # less waits for a key
        assert not (tmp_path / "show-exit").exists() and "결론" not in screen
        assert "넷플릭스의 딜레마" in screen  # the first heading, laid out at 80 columns
        assert all(len(row.rstrip()) <= 80 for row in rows)
        term.type("G")
        screen = term.wait_for("(END)")
        assert "필요로 한다." in screen and "더 큰 스크린을 향한" not in screen
        term.type("q")
        screen = term.wait_for("NO-PAGER-EXIT=0")
        assert (tmp_path / "show-exit").read_text() == "0\n"
        # the --no-pager run never waited for a key: the whole post came straight through,
        # laid out as in the pager (80 columns, the end's last line just above)
        rows = [row.rstrip() for row in screen.splitlines() if row.strip()]
        assert rows[-1] == "NO-PAGER-EXIT=0" and rows[-2].endswith("필요로 한다.")
        assert not any(row.startswith(":") for row in rows)
    finally:
        term.close()
    assert b"\x1b[1m" in raw.read_bytes() or b"\x1b[1;" in raw.read_bytes()  # styles passed


def test_piped_show_names_an_unknown_shortcode_without_a_fake_image_link(tmp_path: Path):
    write(tmp_path, "c.md", '---\ntitle: C\n---\n앞\n\n{{< plotly json="chart.json" >}}\n\n뒤\n')
    out = run("show", "c", "--archive", str(tmp_path)).stdout
    assert "*\\[plotly: chart.json\\]*" in out
    assert "shortcode:" not in out and "![" not in out
