"""Parsed stylesheet rules shared by every reader the SSH server's zygote forks.

Each Textual app parses its stylesheet anew: the reader's ``newsterm.tcss`` and the
``DEFAULT_CSS`` of every widget class it mounts, ~13 ms of CPU in every served reader before
its first screen (a tenth of a forked reader's start). The rules a source parses to depend only
on its text, where it came from, its tie-breaker and scope, and the stylesheet's variables (the
theme's colours). :func:`warm` (called by the zygote, :mod:`newsterm.zygote`) parses every
source a reader may add, with the variables a reader starts with, into one table;
:class:`SharedStylesheet` (the reader's) takes a source's rules from that table and parses only
what it lacks (another theme, a widget class the zygote had not imported). Outside a zygote the
table is empty and the stylesheet is Textual's own.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from textual.app import App
from textual.css.model import RuleSet
from textual.css.stylesheet import CSSLocation, Stylesheet
from textual.dom import DOMNode

_Key = tuple[tuple[tuple[str, str], ...], str, CSSLocation, bool, int, str]
_PARSED: dict[_Key, list[RuleSet]] = {}
"""(variables, css, where from, default?, tie-breaker, scope) -> the rules it parses to."""


def _fingerprint(variables: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(variables.items()))


class SharedStylesheet(Stylesheet):
    """A stylesheet that takes already parsed sources from :func:`warm`'s table."""

    _variables_key: tuple[tuple[str, str], ...] | None = None

    def set_variables(self, variables: dict[str, str]) -> None:
        super().set_variables(variables)
        self._variables_key = None

    def _parse_rules(
        self,
        css: str,
        read_from: CSSLocation,
        is_default_rules: bool = False,
        tie_breaker: int = 0,
        scope: str = "",
    ) -> list[RuleSet]:
        if _PARSED:
            if self._variables_key is None:
                self._variables_key = _fingerprint(self._variables)
            key = (self._variables_key, css, read_from, is_default_rules, tie_breaker, scope)
            rules = _PARSED.get(key)
            if rules is not None:
                return rules
        return super()._parse_rules(css, read_from, is_default_rules, tie_breaker, scope)


def _default_sources(node_class: type[DOMNode]) -> list[tuple[CSSLocation, str, int, str]]:
    """What registering a node of ``node_class`` adds to the app's stylesheet (its class's and
    its bases' ``DEFAULT_CSS``, each with the tie-breaker of its place in the class chain)."""
    # (Textual's own method: it reads only the node's class.)
    node = object.__new__(node_class)
    return DOMNode._get_default_css(node)


def _node_classes() -> Iterable[type[DOMNode]]:
    seen: set[type[DOMNode]] = set()
    todo: list[type[DOMNode]] = [DOMNode]
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen.add(cls)
        todo.extend(cls.__subclasses__())
    return seen


def warm(app_class: type[App[Any]]) -> int:
    """Parse every source an app of ``app_class`` may add to its stylesheet: its CSS files and
    the ``DEFAULT_CSS`` of every node class imported so far, at every tie-breaker it can have,
    with the variables such an app starts with. Returns how many sources were parsed.

    For the zygote, before it forks: the parsed rules are then shared by every reader."""
    app = app_class.__new__(app_class)
    App.__init__(app)  # Textual's part only: its theme's variables and its CSS files
    variables = dict(app.stylesheet._variables)
    key = _fingerprint(variables)
    sheet = Stylesheet(variables=variables)
    sources: set[tuple[CSSLocation, str, bool, int, str]] = set()
    for path in app.css_path:
        css = Path(path).read_text(encoding="utf-8")
        # (where from, as Stylesheet.read names a file)
        sources.add(((os.path.abspath(os.path.expanduser(path)), ""), css, False, 0, ""))
    for cls in _node_classes():
        for read_from, css, tie_breaker, scope in _default_sources(cls):
            sources.add((read_from, css, True, tie_breaker, scope))
    parsed = 0
    for read_from, css, is_default, tie_breaker, scope in sources:
        try:
            rules = sheet._parse_rules(css, read_from, is_default, tie_breaker, scope)
        except Exception:  # a source with errors: the reader parses (and reports) it itself
            continue
        if any(rule.errors for rule in rules):
            continue
        _PARSED[(key, css, read_from, is_default, tie_breaker, scope)] = rules
        parsed += 1
    return parsed
