"""In-page link targets: one key for a link's fragment and a heading's or element's name, and
a heading's attribute list (``## Title {#intro}``)."""

from __future__ import annotations

import pytest

from newsterm.anchors import anchor_key, heading_id


@pytest.mark.parametrize(
    ("fragment", "name"),
    [
        ("#배경-설명", "배경 설명"),  # GitHub / kramdown style, Hangul kept
        ("#%EB%B0%B0%EA%B2%BD", "배경"),  # percent-encoded, as markdown-it writes it
        ("#cargo-features", "Cargo features"),
        ("#metallb-config.yaml", "metallb-config.yaml"),
        ("#what-is-bootstrapping", "What is bootstrapping?"),
        ("#source-1", "source-1"),
        ("#my_var", "my_var"),
    ],
)
def test_a_fragment_and_the_name_it_means_have_one_key(fragment: str, name: str):
    assert anchor_key(fragment) == anchor_key(name) != ""


def test_different_names_have_different_keys():
    assert anchor_key("#배경") != anchor_key("결론")
    assert anchor_key("#part-1") != anchor_key("part 2")


@pytest.mark.parametrize(
    ("text", "shown", "ident"),
    [
        ("Title {#custom-id}", "Title", "custom-id"),
        ("Title {: #x .y}", "Title", "x"),
        ('Title {#a key="v w"}', "Title", "a"),
        ("Title {.unnumbered}", "Title", None),
        ("Title {-}", "Title", None),
        ("Bootstrapping `rustc` {#boot}", "Bootstrapping `rustc`", "boot"),
        # not attribute lists: they stay
        ("Sets {x}", "Sets {x}", None),
        ("Template {{ var }}", "Template {{ var }}", None),
        ("Title{#glued}", "Title{#glued}", None),
        ("Plain title", "Plain title", None),
    ],
)
def test_a_headings_attribute_list_is_cut_and_its_id_kept(text, shown, ident):
    assert heading_id(text) == (shown, ident)
