"""newsterm.search.snippet_text: each post's shown text kept beside the index for snippets."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from newsterm.markdown.plain import plain_text
from newsterm.search.index import open_index
from newsterm.search.snippet_text import SNIPPET_TEXT_FILE, SnippetTexts
from newsterm.search.snippets import make_snippet

MARKUP_BODY = (
    "## 배경\n\n**가비지 컬렉터(Garbage Collector)**의 동작은 `넷플릭스`로 "
    "<b>굵게</b> 설명한다.<br>\n"
    "{% highlight sh %}\nls -al\n{% endhighlight %}\n\n영화 <기생충>은 _posts 폴더에 있다.\n"
)


def _post(root: Path, rel: str, title: str, body: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\ntitle: {json.dumps(title)}\ndate: 2025-01-01\n---\n{body}", "utf-8")
    return path


def test_kept_text_is_found_only_for_the_body_it_was_made_from(tmp_path):
    store = SnippetTexts(tmp_path)
    assert store.lookup({"a.md": "x"}) == {}  # no file yet
    assert store.store([("a.md", "**a** b", "a b"), ("c.md", "c", "c")])
    assert store.lookup({"a.md": "**a** b", "c.md": "c", "z.md": "z"}) == {
        "a.md": "a b",
        "c.md": "c",
    }
    assert store.lookup({"a.md": "**a** b, edited"}) == {}  # the post changed since
    assert store.store([], removed=["a.md"])
    assert store.lookup({"a.md": "**a** b"}) == {}
    assert store.store([("d.md", "d", "d")], fresh=True)  # a full build starts afresh
    assert store.lookup({"c.md": "c", "d.md": "d"}) == {"d.md": "d"}


def test_a_damaged_file_is_not_there_and_is_made_afresh(tmp_path):
    (tmp_path / SNIPPET_TEXT_FILE).write_bytes(b"not a database" * 100)
    store = SnippetTexts(tmp_path)
    assert store.lookup({"a.md": "a"}) == {}
    assert store.store([("a.md", "a", "a")])
    assert store.lookup({"a.md": "a"}) == {"a.md": "a"}


def test_a_sync_keeps_each_posts_shown_text_and_search_snippets_use_it(tmp_path):
    root = tmp_path / "arch"
    _post(root, "a.md", "가", MARKUP_BODY)
    _post(root, "b.md", "나", "그냥 글입니다. 넷플릭스 이야기.\n")
    ix = open_index(root, tmp_path / "ix")
    ix.sync()
    kept = SnippetTexts(tmp_path / "ix").lookup(
        {"a.md": MARKUP_BODY, "b.md": "그냥 글입니다. 넷플릭스 이야기.\n"}
    )
    assert kept["a.md"] == plain_text(MARKUP_BODY)
    hit = next(h for h in ix.search("넷플릭스").hits if h.path == "a.md")
    assert hit.snippet == make_snippet(MARKUP_BODY, "넷플릭스")[0]
    assert "**" not in hit.snippet and "<b>" not in hit.snippet and "굵게" in hit.snippet


def test_a_post_edited_after_the_sync_gets_a_snippet_of_its_new_words(tmp_path):
    root = tmp_path / "arch"
    path = _post(root, "a.md", "가", MARKUP_BODY)
    ix = open_index(root, tmp_path / "ix")
    ix.sync()
    new_body = MARKUP_BODY.replace("설명한다", "**새로** 설명한다")
    _post(root, "a.md", "가", new_body)  # not synced: the kept text is of the old body
    assert path.read_text("utf-8").endswith(new_body)
    (hit,) = ix.search("넷플릭스").hits
    assert "새로 설명한다" in hit.snippet and "**" not in hit.snippet


def test_a_cold_search_after_a_sync_never_imports_the_markdown_parser(tmp_path):
    root = tmp_path / "arch"
    for i in range(25):
        _post(
            root,
            f"p{i}.md",
            f"글 {i}",
            MARKUP_BODY + f"\n넷플릭스 {i}번째 [링크](https://x.org/{i}).\n",
        )
    open_index(root, tmp_path / "ix").sync()
    script = textwrap.dedent(
        f"""
        import sys
        from newsterm.search.index import open_index
        hits = open_index({str(root)!r}, {str(tmp_path / "ix")!r}).search("넷플릭스").hits
        assert len(hits) == 20 and all("넷플릭스" in h.snippet for h in hits), hits
        assert not any("**" in h.snippet or "[링크]" in h.snippet for h in hits)
        print(sorted(m for m in sys.modules if m.startswith(("markdown_it", "mdit_py"))))
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
