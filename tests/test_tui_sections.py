"""Section positions in the open post: section keys and the editor's line."""

from __future__ import annotations

from newsterm.models import Section
from newsterm.tui.render import Palette, Renderer
from newsterm.tui.sections import next_start, prev_start, section_line, section_starts

BODY = "intro\n\n## One\n\ntext\n\n### One.a\n\nmore\n\n## Two\n\nend\n"
SECTIONS = [
    Section(2, "One", 3, children=[Section(3, "One.a", 7)]),
    Section(2, "Two", 11),
]


def test_section_starts_are_rows_of_the_laid_out_post_in_order():
    doc = Renderer(40, Palette()).render(BODY)
    starts = section_starts(doc, SECTIONS)
    assert starts == sorted(set(starts)) and len(starts) == 3
    assert [doc.line_of_y(y) for y in starts] == [3, 7, 11]


def test_next_and_previous_section_from_a_row():
    starts = [4, 10, 20]
    assert next_start(starts, 0) == 4
    assert next_start(starts, 4) == 10
    assert next_start(starts, 20) is None
    assert prev_start(starts, 20) == 10
    assert prev_start(starts, 5) == 4
    assert prev_start(starts, 4) == 0  # above the first section: the top of the post


def test_the_editor_opens_at_the_section_being_read():
    assert section_line(SECTIONS, 1) == 1  # before every section: the line itself
    assert section_line(SECTIONS, 8) == 7
    assert section_line(SECTIONS, 11) == 11
    assert section_line(SECTIONS, 40) == 11
