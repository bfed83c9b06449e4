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


def _kept(ixdir: Path) -> set[str]:
    return SnippetTexts(ixdir).paths()


def _old_index(tmp_path: Path, n: int) -> tuple[Path, Path]:
    """An archive of ``n`` posts and its index as newsterm made it before it kept texts."""
    root = tmp_path / "arch"
    for i in range(n):
        _post(root, f"p{i:03}.md", f"글 {i}", MARKUP_BODY + f"\n넷플릭스 {i}번째 글.\n")
    ixdir = tmp_path / "ix"
    open_index(root, ixdir).sync()
    SnippetTexts(ixdir).discard()
    return root, ixdir


def test_index_fills_the_texts_of_an_index_made_before_they_were_kept(tmp_path, capsys):
    from newsterm.cli import main

    root, ixdir = _old_index(tmp_path, 5)
    args = ["index", "--archive", str(root), "--index-dir", str(ixdir)]
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert out.startswith("index up to date: 5 posts") and err == ""  # a small fill: silent
    assert _kept(ixdir) == {f"p{i:03}.md" for i in range(5)}
    assert SnippetTexts(ixdir).filled()
    hit = open_index(root, ixdir).search("넷플릭스 3번째").hits[0]
    assert hit.path == "p003.md" and "**" not in hit.snippet


def test_new_rendering_rules_fill_the_store_again(tmp_path, monkeypatch):
    # A newer newsterm (PLAIN_TEXT_VERSION moved) must not keep the old rules' texts (each
    # search would render its hits' snippets again for ever): the store starts afresh and
    # `newsterm index` fills it, as for an index made before texts were kept.
    import newsterm.markdown.plain as plain
    from newsterm.cli import main

    root = tmp_path / "arch"
    for i in range(3):
        _post(root, f"p{i}.md", f"글 {i}", MARKUP_BODY + f"\n넷플릭스 {i}번째 글.\n")
    ixdir = tmp_path / "ix"
    open_index(root, ixdir).sync()
    assert SnippetTexts(ixdir).filled() and len(_kept(ixdir)) == 3
    monkeypatch.setattr(plain, "PLAIN_TEXT_VERSION", plain.PLAIN_TEXT_VERSION + 1)
    assert not SnippetTexts(ixdir).filled() and _kept(ixdir) == set()
    assert main(["index", "--archive", str(root), "--index-dir", str(ixdir)]) == 0
    assert SnippetTexts(ixdir).filled() and _kept(ixdir) == {"p0.md", "p1.md", "p2.md"}
    body = (root / "p1.md").read_text("utf-8").split("---\n", 2)[2]
    assert SnippetTexts(ixdir).lookup({"p1.md": body}) == {"p1.md": plain_text(body)}


def test_a_big_fill_says_so_in_one_line_and_only_once(tmp_path, capsys, monkeypatch):
    import newsterm.search.snippet_text as snippet_text
    from newsterm.cli import main

    monkeypatch.setattr(snippet_text, "BIG_FILL", 3)
    root, ixdir = _old_index(tmp_path, 4)
    args = ["index", "--archive", str(root), "--index-dir", str(ixdir)]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "keeping the shown text of 4 posts" in err
    assert len(_kept(ixdir)) == 4
    assert main(args) == 0
    assert capsys.readouterr().err == ""


def test_a_filled_store_is_not_compared_with_the_manifest_again(tmp_path, monkeypatch):
    from newsterm.search import snippet_text, store

    root, ixdir = _old_index(tmp_path, 3)
    assert snippet_text.missing_texts(ixdir) == ["p000.md", "p001.md", "p002.md"]
    assert snippet_text.fill_missing(ixdir, open_index(root, ixdir).archive, ["p000.md"]) == 1
    assert SnippetTexts(ixdir).filled()  # it was given every path it had to fill

    def no_manifest(*_a: object) -> None:
        raise AssertionError("the manifest was read")

    monkeypatch.setattr(store.Manifest, "load", no_manifest)
    assert snippet_text.missing_texts(ixdir) is None


def test_a_full_build_marks_the_store_filled_and_a_rebuild_keeps_it(tmp_path):
    root, ixdir = _old_index(tmp_path, 2)
    assert not SnippetTexts(ixdir).filled()
    open_index(root, ixdir).sync(rebuild=True)
    assert SnippetTexts(ixdir).filled() and len(_kept(ixdir)) == 2


def test_a_stopped_fill_keeps_its_batches_and_is_not_marked_filled(tmp_path, monkeypatch):
    from newsterm.search import snippet_text

    monkeypatch.setattr(snippet_text, "FILL_BATCH", 2)
    root, ixdir = _old_index(tmp_path, 5)
    asked = []

    def stop() -> bool:
        asked.append(1)
        return len(asked) > 2

    archive = open_index(root, ixdir).archive
    missing = snippet_text.missing_texts(ixdir)
    assert snippet_text.fill_missing(ixdir, archive, missing, stop=stop) == 4
    assert len(_kept(ixdir)) == 4 and not SnippetTexts(ixdir).filled()
    assert snippet_text.missing_texts(ixdir) == ["p004.md"]


def test_a_removed_or_renamed_post_loses_its_kept_text_at_the_next_sync(tmp_path):
    root = tmp_path / "arch"
    for i in range(3):
        _post(root, f"d{i}/p.md", f"글 {i}", f"넷플릭스 {i}\n")
    ixdir = tmp_path / "ix"
    ix = open_index(root, ixdir)
    ix.sync()
    (root / "d0/p.md").unlink()
    (root / "d1/p.md").rename(root / "d1/q.md")
    ix.sync()
    assert _kept(ixdir) == {"d1/q.md", "d2/p.md"}
