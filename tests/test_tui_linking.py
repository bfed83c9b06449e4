"""Which post a link in a post leads to."""

from __future__ import annotations

from newsterm.tui.linking import link_target

PATHS = {"_posts/2024-01-01-first.md", "_posts/2024-02-02-second.md", "notes/index.md"}


def test_post_links_relative_paths_and_site_paths_lead_to_posts():
    here = "_posts/2024-02-02-second.md"
    assert link_target("post:2024-01-01-first", here, PATHS) == "_posts/2024-01-01-first.md"
    assert link_target("2024-01-01-first.md", here, PATHS) == "_posts/2024-01-01-first.md"
    assert link_target("../notes/index.md", here, PATHS) == "notes/index.md"
    assert link_target("/2024/01/01/first/", here, PATHS) == "_posts/2024-01-01-first.md"
    assert link_target("/blog/first.html#part", here, PATHS) == "_posts/2024-01-01-first.md"


def test_web_links_assets_and_unknown_posts_lead_nowhere():
    here = "_posts/2024-02-02-second.md"
    assert link_target("https://example.com/first/", here, PATHS) is None
    assert link_target("//example.com/first", here, PATHS) is None
    assert link_target("/assets/img/first.png", here, PATHS) is None
    assert link_target("missing.md", here, PATHS) is None
    assert link_target("#section", here, PATHS) is None
    assert link_target("post:nothing-here", here, PATHS) is None
