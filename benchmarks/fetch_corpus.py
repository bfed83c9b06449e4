"""Extract a real-archive measurement corpus from public blog repositories (issue 10).

Usage::

    python benchmarks/fetch_corpus.py [--mirror /work/.mirror] [--out benchmarks/data] [--list]

The repositories below are brought onto the machine first (as bare git directories under the
mirror folder, ``<owner>+<name>/repo``; on the team machine with the ``fetch`` tool,
``github:<owner>/<name>``). This script reads their newest commit with ``git`` and writes each
blog's posts, with the site's configuration files (``_config.yml``, ``config.toml``,
``hugo.toml``, ``config/_default/*``: where the site's time zone is written), to
``benchmarks/data/<name>/`` keeping the paths they have in their repository. Nothing from these
repositories is committed: ``benchmarks/data/`` is git-ignored, and the repo's own tests use short
posts we write ourselves.

The corpus covers the dialects newsterm must read as their blogs show them: Jekyll with kramdown
(Liquid tags, attribute lists, definition lists, inline HTML), the Chirpy theme (prompts, ``{:
.prompt-info }``), Hugo (shortcodes, TOML/YAML front matter, ``config/_default``), Zola (TOML
front matter, dates only in ``path =``, page bundles, ``_index.md`` section pages); Korean and
English.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
DEFAULT_OUT = BENCH / "data"
DEFAULT_MIRROR = Path("/work/.mirror")

POST_SUFFIXES = (".md", ".markdown", ".mkd", ".mdown")
CONFIG_NAMES = (
    "_config.yml",
    "_config.yaml",
    "config.toml",
    "config.yaml",
    "hugo.toml",
    "hugo.yaml",
    "hugo.json",
    "zola.toml",
)


@dataclass(frozen=True)
class Source:
    name: str  # folder under benchmarks/data
    repo: str  # owner/name on GitHub
    posts: tuple[str, ...]  # folders (in the repository) whose Markdown files are posts
    dialect: str
    language: str
    configs: tuple[str, ...] = CONFIG_NAMES  # config files kept from the repository root
    config_dirs: tuple[str, ...] = ()  # folders whose config files are kept too


SOURCES: tuple[Source, ...] = (
    Source("ruby-lang-ko", "ruby/www.ruby-lang.org", ("ko/news/_posts",), "jekyll-kramdown", "ko"),
    Source("ruby-lang-en", "ruby/www.ruby-lang.org", ("en/news/_posts",), "jekyll-kramdown", "en"),
    Source("snowdeer", "snowdeer/snowdeer.github.io", ("_posts",), "jekyll-kramdown", "ko"),
    Source("angeloyeo", "angeloyeo/angeloyeo.github.io", ("_posts",), "jekyll-kramdown", "ko"),
    Source("ratsgo", "ratsgo/ratsgo.github.io", ("_posts",), "jekyll-kramdown", "ko"),
    Source("gmlwjd9405", "gmlwjd9405/gmlwjd9405.github.io", ("_posts",), "jekyll", "ko"),
    Source("heaths2", "heaths2/heaths2.github.io", ("_posts",), "jekyll-chirpy", "ko"),
    Source(
        "joshjohanning", "joshjohanning/joshjohanning.github.io", ("_posts",), "jekyll-chirpy", "en"
    ),
    Source("rust-blog", "rust-lang/blog.rust-lang.org", ("content",), "zola", "en"),
    Source(
        "letsencrypt",
        "letsencrypt/website",
        ("content/en/post",),
        "hugo",
        "en",
        config_dirs=("config/_default",),
    ),
    Source("jessfraz", "jessfraz/blog", ("content/post",), "hugo", "en"),
    # Added for a blind check of the implicit-heading rule (never used to tune it):
    Source("lovit", "lovit/lovit.github.io", ("_posts",), "jekyll-kramdown", "ko"),
    Source("jh2ee", "jh2ee/jh2ee.github.io", ("_posts",), "jekyll-chirpy", "ko"),
    # Added 2026-12-06 as fresh eyes (first read after the reader was tuned on the ones above):
    # a multilingual AI news digest (Jekyll), an Astro content collection (Korean, drafts,
    # bold label lines), and Docusaurus notes (Korean, mostly no front matter at all).
    Source("gipyeong-lee", "gipyeong-lee/gipyeong-lee.github.io", ("_posts",), "jekyll", "ko"),
    Source("hawk90", "hawk90/hawk90.github.io", ("src/content/blog",), "astro", "ko"),
    Source("mailhyuil", "mailhyuil/mailhyuil.github.io", ("docs",), "docusaurus", "ko"),
)


def git_dir(mirror: Path, repo: str) -> Path | None:
    """The bare git directory the ``fetch`` tool made for ``owner/name``, if it is there."""
    base = mirror / repo.replace("/", "+") / "repo"
    for cand in (base, base / ".git"):
        if (cand / "HEAD").is_file() and (cand / "objects").is_dir():
            return cand
    return None


def _git(gd: Path, *args: str) -> bytes:
    return subprocess.run(["git", f"--git-dir={gd}", *args], capture_output=True, check=True).stdout


def tree(gd: Path) -> list[tuple[str, str]]:
    """(blob id, path) of every file in the newest commit."""
    out = _git(gd, "ls-tree", "-r", "-z", "HEAD").split(b"\0")
    files = []
    for entry in out:
        if not entry:
            continue
        meta, path = entry.split(b"\t", 1)
        _mode, kind, blob = meta.split()
        if kind == b"blob":
            files.append((blob.decode(), path.decode("utf-8", "surrogateescape")))
    return files


def wanted(src: Source, path: str) -> str | None:
    """'post' or 'config' when ``path`` belongs in the corpus, else None."""
    if "/" not in path and path in src.configs:
        return "config"
    for d in src.config_dirs:
        if path.startswith(d + "/") and path.rsplit("/", 1)[-1].endswith(
            (".toml", ".yaml", ".yml", ".json")
        ):
            return "config"
    if path.lower().endswith(POST_SUFFIXES):
        for d in src.posts:
            if path.startswith(d + "/"):
                return "post"
    return None


def extract(src: Source, gd: Path, out: Path) -> dict:
    dest = out / src.name
    files = [(b, p, k) for b, p in tree(gd) if (k := wanted(src, p))]
    blobs = _cat_batch(gd, [b for b, _p, _k in files])
    posts = configs = 0
    for (_blob, path, kind), data in zip(files, blobs, strict=True):
        target = dest / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists() or target.read_bytes() != data:
            target.write_bytes(data)
        if kind == "post":
            posts += 1
        else:
            configs += 1
    commit = _git(gd, "rev-parse", "HEAD").decode().strip()
    return {
        "name": src.name,
        "repo": src.repo,
        "commit": commit,
        "dialect": src.dialect,
        "language": src.language,
        "post_folders": list(src.posts),
        "markdown_files": posts,
        "config_files": configs,
    }


def _cat_batch(gd: Path, blobs: list[str]) -> list[bytes]:
    """Read many blobs with one ``git cat-file --batch`` process."""
    if not blobs:
        return []
    proc = subprocess.run(
        ["git", f"--git-dir={gd}", "cat-file", "--batch"],
        input=("\n".join(blobs) + "\n").encode(),
        capture_output=True,
        check=True,
    )
    data, pos, result = proc.stdout, 0, []
    for _ in blobs:
        nl = data.index(b"\n", pos)
        size = int(data[pos:nl].split()[2])
        start = nl + 1
        result.append(data[start : start + size])
        pos = start + size + 1
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mirror", type=Path, default=DEFAULT_MIRROR)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--list", action="store_true", help="list the repositories and exit")
    ap.add_argument("names", nargs="*", help="only these corpus names")
    args = ap.parse_args(argv)
    sources = [s for s in SOURCES if not args.names or s.name in args.names]
    if args.list:
        for s in sources:
            print(
                f"{s.name:14} github:{s.repo:40} {s.dialect:16} {s.language}  {','.join(s.posts)}"
            )
        return 0
    rows, missing = [], []
    for src in sources:
        gd = git_dir(args.mirror, src.repo)
        if gd is None:
            missing.append(src.repo)
            continue
        rows.append(extract(src, gd, args.out))
    print(f"{'corpus':14} {'dialect':16} {'lang':4} {'files':>6}  repository")
    for r in rows:
        print(
            f"{r['name']:14} {r['dialect']:16} {r['language']:4} {r['markdown_files']:>6}  "
            f"{r['repo']}@{r['commit'][:10]}"
        )
    print(f"{'total':14} {'':16} {'':4} {sum(r['markdown_files'] for r in rows):>6}")
    args.out.mkdir(parents=True, exist_ok=True)
    listing = args.out / "corpus.json"
    # Naming a few corpora updates their rows; the others already listed stay listed.
    done = {r["name"] for r in rows}
    kept = json.loads(listing.read_text(encoding="utf-8")) if listing.exists() else []
    order = {s.name: i for i, s in enumerate(SOURCES)}
    rows = sorted(
        [r for r in kept if r["name"] not in done and r["name"] in order] + rows,
        key=lambda r: order[r["name"]],
    )
    listing.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    if missing:
        print(
            "not on this machine (bring them with fetch github:OWNER/NAME first): "
            + ", ".join(missing),
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
