"""The benchmark archive generator: valid posts, deterministic, and a realistic vocabulary."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import sys
from collections import Counter
from pathlib import Path

import pytest

from newsterm.archive import Archive
from newsterm.outline import extract_outline

REPO = Path(__file__).resolve().parents[1]


def _load_generator():
    path = REPO / "benchmarks" / "generate_archive.py"
    spec = importlib.util.spec_from_file_location("generate_archive", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("generate_archive", module)
    spec.loader.exec_module(module)
    return module


gen = _load_generator()
POSTS = 60


def _digest(root: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.md")):
        h.update(path.relative_to(root).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("gen") / "archive"
    meta = gen.generate(root, POSTS, seed=7, quiet=True, jobs=1)
    return root, meta


def test_every_post_parses_without_problems(generated):
    root, meta = generated
    posts, problems = Archive(root).load_all()
    assert problems == []
    assert len(posts) == POSTS == meta["posts"]
    assert meta["bytes"] == sum(p.stat().st_size for p in root.rglob("*.md"))
    for post in posts:
        assert post.date is not None and post.date.utcoffset().total_seconds() == 9 * 3600
        assert post.title and post.categories
        assert post.body.strip()
        # Tags are words of the post itself (search is case-insensitive for Latin words).
        text = (post.title + "\n" + post.body).lower()
        for tag in post.tags:
            assert tag.lower() in text, (post.path, tag)


def test_posts_have_sections_and_implicit_subheadings(generated):
    root, _ = generated
    posts, _ = Archive(root).load_all()
    implicit = 0
    for post in posts:
        if len(post.body.encode()) < 4000:
            continue
        outline = extract_outline(post.body)
        assert outline, post.path  # every longer post has ## sections
        implicit += sum(1 for top in outline for s in top.walk() if s.implicit)
    assert implicit > 0


def test_sizes_and_layout_vary(generated):
    root, _ = generated
    sizes = sorted(p.stat().st_size for p in root.rglob("*.md"))
    assert sizes[0] >= 1000
    assert sum(2000 <= s <= 9000 for s in sizes) > len(sizes) // 2
    assert sizes[-1] > 2 * sizes[len(sizes) // 2]  # a tail of longer posts
    rels = [p.relative_to(root).as_posix() for p in root.rglob("*.md")]
    assert any("/" in r for r in rels) and any("/" not in r for r in rels)
    years = {r.rsplit("/", 1)[-1][:4] for r in rels}
    assert len(years) >= 5


def test_same_seed_same_bytes_other_seed_other_bytes(generated, tmp_path: Path):
    root, meta = generated
    again = gen.generate(tmp_path / "again", POSTS, seed=7, quiet=True, jobs=2)
    assert _digest(tmp_path / "again") == _digest(root)
    assert again["queries"] == meta["queries"]
    gen.generate(tmp_path / "other", POSTS, seed=8, quiet=True, jobs=1)
    assert _digest(tmp_path / "other") != _digest(root)


def test_generator_refuses_a_folder_it_did_not_make(tmp_path: Path):
    (tmp_path / "mine.md").write_text("keep me", encoding="utf-8")
    with pytest.raises(SystemExit):
        gen.generate(tmp_path, 3, seed=1, quiet=True, jobs=1)
    assert (tmp_path / "mine.md").read_text(encoding="utf-8") == "keep me"


def test_vocabulary_is_zipf_like_so_rare_words_are_rare(generated):
    root, meta = generated
    posts, _ = Archive(root).load_all()
    df: Counter[str] = Counter()
    for post in posts:
        df.update(set(re.findall(r"[가-힣]+", post.body)))
    counts = sorted(df.values(), reverse=True)
    # Thousands of distinct eojeol; most occur in a single post, a few in most posts.
    assert len(counts) > 5000
    assert sum(c == 1 for c in counts) > 0.5 * len(counts)
    assert counts[0] > 0.5 * POSTS
    # Not every word in every post: the 1000th most common word is in few posts.
    assert counts[min(999, len(counts) - 1)] < 0.2 * POSTS

    bodies = [p.title + "\n" + p.body for p in posts]
    for rare in meta["queries"]["rare"]:
        found = sum(rare["word"] in b for b in bodies)
        assert 1 <= found <= 5, rare
    for common in meta["queries"]["common"]:
        assert sum(common["word"] in b for b in bodies) >= 0.2 * POSTS, common


def test_particles_follow_the_final_consonant():
    vocab = gen.build_vocabulary(3, n_ko=3000, n_en=500)
    subject = next(i for i, s in enumerate(gen._SUFFIXES) if s[0] == "가")
    for i, stem in enumerate(vocab.ko[:500]):
        form = gen.ko_form(vocab, i, subject)
        has_final = gen.final_of(stem[-1]) > 0
        assert form == stem + ("이" if has_final else "가")


def test_sidecar_lists_queries_and_recall_words(generated):
    root, meta = generated
    on_disk = json.loads((root / gen.SIDECAR).read_text(encoding="utf-8"))
    assert on_disk["queries"] == meta["queries"]
    kinds = Counter(w["kind"] for w in meta["recall_words"])
    assert {"stem", "stem+particle", "one syllable", "inside a word"} <= set(kinds)
    assert len(meta["recall_words"]) >= 150
    # Hidden: not a post for newsterm.
    assert gen.SIDECAR not in {p.name for p in root.rglob("*.md")}


def test_rare_words_are_the_rarest_there_are_in_a_big_archive():
    """In a big archive every stem may be in more than 5 posts: the sidecar then proposes the
    rarest ones instead of none (a 100,000-post run had no rare-word row)."""
    words = ["가나다", "라마바", "사아자", "차카타", "파"]
    big = Counter({0: 900, 1: 40, 2: 9, 3: 9, 4: 2})  # "파" is too short to count
    assert gen._rarest(words, big, 3) == [(3, 9), (2, 9)]
    small = Counter({0: 900, 1: 4, 2: 9, 3: 1, 4: 1})  # the usual rule: 1-5 posts
    assert gen._rarest(words, small, 3) == [(3, 1), (1, 4)]
    assert gen._rarest(words, Counter(), 3) == []
