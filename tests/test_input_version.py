"""newsterm.input_version: the number moves whenever the rules that read a post change.

A handful of short posts we write here, one per dialect, go through the core's reading rules
(front matter, title, date and its kind, categories, tags, section headings); the digest of what
comes out is recorded for the current INPUT_VERSION. A change to those rules changes the digest:
bump INPUT_VERSION (so that stores made with the old rules are rebuilt) and record the new digest.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from newsterm.archive import Archive, date_iso
from newsterm.input_version import INPUT_VERSION
from newsterm.outline import section_titles

POSTS = {
    "_config.yml": "timezone: Asia/Seoul\n",
    "_posts/2019-08-14-naive.md": (
        "---\ntitle: 밤늦게\ndate: 2019-08-14 22:39:53\ncategories: [뉴스, IT]\ntags: a, b\n---\n"
        "## 배경\n\n배경 설명\n"
        "넷플릭스는 지난 십여 년간 다른 길을 걸어왔으며 그 결과가 드러났다.\n\n"
        "자세한 변경 사항은\n[릴리스 노트](https://example.org)를 참고하세요.\n\n"
        "**Key features:**\n- one\n\n{% highlight sh %}\nls\n{% endhighlight %}\n"
    ),
    "_posts/2019-08-15-day.md": "---\ntitle: '[Fedora] gcc' 오류\ntags: [x]\n---\n# Title\n",
    "content/_index.md": "+++\ntitle = 'Section'\n+++\n",
    "content/zola.md": (
        '+++\ntitle = "Trains"\npath = "2014/12/12/trains"\n+++\n\n**What has happened?**\n\n'
        "We shipped it.\n\nHelp wanted\n- docs\n"
    ),
    "content/hugo/index.md": '{\n  "title": "JSON",\n  "date": "2020-05-01T10:00:00+02:00"\n}\n\n'
    "The body.\n",
    "notes/plain.md": "# A note\n\nNo front matter at all.\n",
    "src/content/astro.md": (
        "---\ntitle: Box\ndraft: true\n---\n# Box\n\n:::tldr\n"
        "요약하면 이 글은 컨테이너 상자 하나와 그 아래 문단 하나로 이루어진 짧은 글이다.\n:::\n"
    ),
    "_drafts/idea.md": "---\ntitle: Idea\npublished: false\n---\nSoon.\n",
    "content/ids.md": "# Primer {#preliminary}\n\n## Why {#why}\n\nText.\n",
    "_posts/2021-02-03-ledes.md": (
        "---\ntitle: 요약들\ndescription: [not, a, lede]\nsummary: '**짧은** 요약, <i>한 줄</i>'\n"
        "subtitle: 부제\n---\n본문은 다른 말로 시작한다.\n"
    ),
    "_posts/2021-02-04-repeat.md": (
        "---\ntitle: Repeat\nexcerpt: The body opens like this and...\n---\n"
        "The body opens like this and goes on.\n"
    ),
}

#: INPUT_VERSION -> digest of what the rules make of POSTS (add a line when bumping the version).
DIGESTS = {
    4: "8f185c38ffa0860c",
    5: "b9425ad1c0b6015b",  # title headings blanked, ::: lines, drafts (in the digest from 5)
    6: "45f3217144728038",  # a heading's {#id} is not in its title (content/ids.md from 6)
    7: "37cbc21d59161f63",  # ledes (in the digest from 7)
    8: "d49ea9b99a44aae1",  # a post's language is indexed (lang:en; in the digest from 8)
}


def _digest(root: Path) -> str:
    for rel, text in POSTS.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    posts, problems = Archive(root).load_all()
    rows = [
        (p.path, p.title, date_iso(p), p.date_kind, p.categories, p.tags, section_titles(p.body))
        + ((p.draft,) if p.draft else ())  # (so that the digests of drafts-free posts stand)
        + ((p.lede,) if p.lede else ())  # (the digests before 7 stand)
        + (p.language,)  # indexed from 8 (lang:en)
        for p in sorted(posts, key=lambda p: p.path)
    ]
    rows.append(tuple((q.path, q.reason) for q in problems))
    return hashlib.sha256(repr(rows).encode("utf-8")).hexdigest()[:16]


def test_the_reading_rules_have_not_changed_without_a_new_input_version(tmp_path: Path):
    digest = _digest(tmp_path)
    assert DIGESTS.get(INPUT_VERSION) == digest, (
        f"what newsterm reads from posts changed (digest {digest}): bump INPUT_VERSION in "
        f"newsterm/input_version.py and add {{{INPUT_VERSION + 1}: {digest!r}}} to DIGESTS"
        if DIGESTS.get(INPUT_VERSION)
        else f"record DIGESTS[{INPUT_VERSION}] = {digest!r}"
    )
