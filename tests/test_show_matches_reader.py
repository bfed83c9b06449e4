"""The reader and ``newsterm show`` on a terminal show a post the same way (one render path)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from test_cli_archive import ANSI, run_in_tty
from test_markdown_layout import POST
from tui_helpers import make_app, wait_for

pytestmark = pytest.mark.anyio
OSC8 = re.compile(r"\x1b\]8;[^\x07\x1b]*(?:\x07|\x1b\\)")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_show_on_a_terminal_prints_the_readers_text(tmp_path: Path):
    (tmp_path / "2024-05-01-constructs.md").write_text(
        "---\ntitle: 구성 요소\ndate: 2024-05-01\n---\n" + POST, encoding="utf-8"
    )
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.loaded)
        assert app.post_list.select_path("2024-05-01-constructs.md")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.doc is not None and app.doc.complete)
        reader = app.doc.plain()
        width = app.doc.width
    out = run_in_tty(["show", "constructs", "--archive", str(tmp_path)], columns=width)
    text = ANSI.sub("", OSC8.sub("", out)).replace("\r\n", "\n")
    shown = text.split("─" * width + "\n", 1)[1]  # after the header's rule
    assert [ln.rstrip() for ln in shown.rstrip("\n").split("\n")] == reader.split("\n")
    assert "가비지 컬렉터(Garbage Collector)의" in reader and "설치 단계" in reader


def _two_posts(root: Path) -> None:
    (root / "_posts").mkdir()
    (root / "_posts" / "2010-07-21-name.md").write_text(
        "---\ntitle: 예전 글\n---\n예전 내용.\n", encoding="utf-8"
    )
    (root / "_posts" / "2024-01-02-new.md").write_text(
        "---\ntitle: 새 글\n---\n[예전 글]({% post_url 2010-07-21-name %})을 보세요.\n"
        "{% highlight sh %}\nls\n{% endhighlight %}\n",
        encoding="utf-8",
    )


def test_show_piped_prints_plain_markdown_with_post_links_resolved(tmp_path: Path):
    from test_cli_archive import run

    _two_posts(tmp_path)
    out = run("show", "new", "--archive", str(tmp_path)).stdout
    assert "[예전 글](_posts/2010-07-21-name.md)을 보세요." in out
    assert "```sh\nls\n```" in out and "{%" not in out


async def test_a_post_link_opens_that_post_in_the_reader(tmp_path: Path):
    _two_posts(tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.loaded)
        app.main.open_post("_posts/2024-01-02-new.md")
        await wait_for(pilot, lambda: app.doc is not None and app.doc.complete)
        assert app.doc.links == ["post:2010-07-21-name"]
        app.article.action_open_link(0)
        await wait_for(pilot, lambda: app.current.path == "_posts/2010-07-21-name.md")
