"""Which local file an image in a post refers to (newsterm.images)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import newsterm.images
from newsterm.images import ImageFiles, is_remote, site_root

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 40


@pytest.fixture
def jekyll(tmp_path: Path) -> Path:
    """A Jekyll site: the archive is its _posts folder, images under assets/ at the root."""
    site = tmp_path / "blog"
    (site / "_posts" / "2024").mkdir(parents=True)
    (site / "_config.yml").write_text("title: blog\n")
    (site / "assets" / "img").mkdir(parents=True)
    (site / "assets" / "img" / "x.png").write_bytes(PNG)
    (site / "assets" / "img" / "a b.png").write_bytes(PNG)
    (site / "_posts" / "2024" / "near.png").write_bytes(PNG)
    (site / "_posts" / "2024" / "2024-01-01-post.md").write_text("# hi\n")
    return site / "_posts"


def test_site_root_is_the_folder_with_the_site_config(jekyll: Path, tmp_path: Path):
    assert site_root(jekyll) == jekyll.parent
    plain = tmp_path / "plain"
    plain.mkdir()
    assert site_root(plain) == plain  # no config anywhere: the archive itself


def test_site_root_paths_relative_paths_and_remote_ones(jekyll: Path):
    files = ImageFiles(jekyll)
    post = "2024/2024-01-01-post.md"
    site = jekyll.parent.resolve()
    assert files.file(post, "/assets/img/x.png") == site / "assets/img/x.png"
    assert files.file(post, "/assets/img/x.png?v=2#top") == site / "assets/img/x.png"
    assert files.file(post, "/assets/img/a%20b.png") == site / "assets/img/a b.png"
    assert files.file(post, "near.png") == jekyll.resolve() / "2024/near.png"  # beside the post
    assert files.file(post, "assets/img/x.png") == site / "assets/img/x.png"  # from the site
    assert files.file(post, "../../assets/img/x.png") == site / "assets/img/x.png"
    for remote in ("https://example.org/x.png", "//cdn.example.org/x.png", "data:image/png,xx"):
        assert is_remote(remote) and files.file(post, remote) is None
    assert not is_remote("/assets/img/x.png") and not is_remote("img/x.png")


def test_hugo_and_zola_serve_static_at_the_root(tmp_path: Path):
    site = tmp_path / "hugo"
    (site / "content" / "posts").mkdir(parents=True)
    (site / "static" / "images").mkdir(parents=True)
    (site / "hugo.toml").write_text("title = 'x'\n")
    (site / "static" / "images" / "y.jpg").write_bytes(b"\xff\xd8\xff")
    files = ImageFiles(site / "content")
    assert files.file("posts/a.md", "/images/y.jpg") == (site / "static/images/y.jpg").resolve()


def test_nothing_outside_the_site_nor_what_is_not_an_image(jekyll: Path, tmp_path: Path):
    files = ImageFiles(jekyll)
    post = "2024/2024-01-01-post.md"
    outside = tmp_path / "secret.png"
    outside.write_bytes(PNG)
    assert files.file(post, "../../../secret.png") is None  # .. out of the site
    assert files.file(post, str(outside)) is None  # an absolute path is a site path
    os.symlink(outside, jekyll.parent / "assets" / "img" / "link.png")
    assert files.file(post, "/assets/img/link.png") is None  # a link that leaves the site
    (jekyll.parent / "_config.yml").write_text("x")
    assert files.file(post, "/_config.yml") is None  # not an image
    assert files.file(post, "/assets/img/missing.png") is None
    (jekyll.parent / "assets" / "img" / "dir.png").mkdir()
    assert files.file(post, "/assets/img/dir.png") is None  # not a regular file
    assert files.file(post, "") is None


def test_too_big_an_image_is_not_read(jekyll: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(newsterm.images, "MAX_IMAGE_BYTES", len(PNG) - 1)
    assert ImageFiles(jekyll).file("2024/2024-01-01-post.md", "/assets/img/x.png") is None
