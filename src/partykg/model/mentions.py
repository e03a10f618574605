"""Finding mentions of registry entities in a text from their names and aliases.

Names are matched case-sensitively at word boundaries, longest first, so
"Rosa Luxemburg" is one mention and "Lenin" does not match inside "Leninist".
Explicit mentions from the annotation file are added; the result is sorted
and numbered in reading order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from partykg.model.anchor import Span
from partykg.model.annotations import Source
from partykg.model.registry import Registry


@dataclass(frozen=True, order=True)
class Mention:
    span: Span
    entity: str
    detection: str  # "alias" | "explicit"


def name_pattern(registry: Registry) -> tuple[re.Pattern[str] | None, dict[str, str]]:
    """One regex for all detectable names, and the map name -> entity key."""
    owner: dict[str, str] = {}
    for ent in registry.entities.values():
        if ent.detect:
            for name in ent.names:
                owner.setdefault(name, ent.key)
    if not owner:
        return None, owner
    pattern = re.compile(r"(?<!\w)" + _trie_regex(sorted(owner)) + r"(?!\w)")
    return pattern, owner


def _trie_regex(names: list[str]) -> str:
    """One regex for ``names`` as a character trie.

    At each position the regex engine walks the trie instead of trying every
    name in turn (a plain alternation costs names × characters of text, which
    grows with the square of the corpus). Longer continuations are tried
    before a name ends here, and backtracking falls back to shorter names, so
    the match is the one of the alternation sorted longest first: the longest
    name that starts here and is followed by a non-word character.
    """
    trie: dict = {}
    for name in names:
        node = trie
        for ch in name:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        ends = "" in node
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if ends:
            return "(?:" + body + ")?"
        return body

    return "(?:" + emit(trie) + ")"


def alias_matches(text: str, compiled: tuple[re.Pattern[str] | None, dict[str, str]]
                  ) -> list[tuple[int, int, str]]:
    """Where the registry's names occur in ``text``: (start, end, entity key), in
    order. A function of the text and the names alone (the build caches it)."""
    pattern, owner = compiled
    if pattern is None:
        return []
    return [(m.start(), m.end(), owner[m.group(0)]) for m in pattern.finditer(text)]


def find_mentions(source: Source, registry: Registry,
                  compiled: tuple[re.Pattern[str] | None, dict[str, str]] | None = None,
                  matches: list[tuple[int, int, str]] | None = None) -> list[Mention]:
    """The mentions of ``source``: its explicit ones, and the names found in its text
    (``matches``, when :func:`alias_matches` of this text and registry is known)."""
    if matches is None:
        matches = alias_matches(source.text, compiled or name_pattern(registry))
    found = {Mention(Span(start, end), entity, "alias") for start, end, entity in matches}
    explicit_spans = {(m.span, m.entity) for m in source.mentions}
    found = {m for m in found if (m.span, m.entity) not in explicit_spans}
    found |= {Mention(m.span, m.entity, "explicit") for m in source.mentions}
    return sorted(found)
