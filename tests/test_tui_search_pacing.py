"""Search-as-you-type pacing: one search at a time, the last query typed meanwhile runs next."""

from __future__ import annotations

from newsterm.tui.search_pacing import SearchPacer, Step


def test_an_empty_box_clears_and_an_unready_index_waits():
    pacer = SearchPacer()
    assert pacer.next_step("   ", index_ready=True) is Step.CLEAR
    assert pacer.next_step("넷플릭스", index_ready=False) is Step.NOT_READY
    assert not pacer.busy


def test_one_character_waits_for_more_typing_unless_enter_asked_for_it():
    pacer = SearchPacer()
    assert pacer.next_step("넷", index_ready=True) is Step.KEEP_TYPING
    assert pacer.next_step(" a ", index_ready=True) is Step.KEEP_TYPING
    pacer.force("넷")
    assert pacer.next_step("넷", index_ready=True) is Step.RUN
    assert pacer.busy


def test_a_query_typed_during_a_search_runs_once_when_it_ends():
    pacer = SearchPacer()
    assert pacer.next_step("넷플", index_ready=True) is Step.RUN
    assert pacer.next_step("넷플릭", index_ready=True) is Step.QUEUED
    assert pacer.next_step("넷플릭스", index_ready=True) is Step.QUEUED
    assert pacer.busy
    # the first search ends: the box is looked at again, once
    assert pacer.finished("넷플", "넷플릭스") is True
    assert not pacer.busy and not pacer.again
    assert pacer.next_step("넷플릭스", index_ready=True) is Step.RUN
    assert pacer.finished("넷플릭스", "넷플릭스") is False


def test_a_search_that_ended_on_a_changed_box_looks_again_even_with_nothing_queued():
    pacer = SearchPacer()
    assert pacer.next_step("abc", index_ready=True) is Step.RUN
    assert pacer.finished("abc", "abcd") is True
    assert pacer.next_step("abcd", index_ready=True) is Step.RUN
    assert pacer.finished("abcd", "abcd") is False
