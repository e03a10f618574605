"""partykg.model.mentions: names and aliases found in a text by one character-trie
regex: case-sensitive, at word boundaries, the longest name first; explicit
mentions of the annotation file win over detection at the same span."""

from __future__ import annotations

import re

from partykg.model.anchor import Span
from partykg.model.annotations import ExplicitMention, Source
from partykg.model.mentions import Mention, _trie_regex, find_mentions, name_pattern
from partykg.model.registry import Entity, Registry


def entity(key: str, name: str, *aliases: str, detect: bool = True) -> Entity:
    return Entity(key=key, kind="person", cls="Person", name=name, file="persons.yaml", line=1,
                  aliases=list(aliases), detect=detect)


REGISTRY = Registry({e.key: e for e in (
    entity("rosa-luxemburg", "Rosa Luxemburg", "Luxemburg"),
    entity("vladimir-lenin", "Vladimir Lenin", "Lenin"),
    entity("karl-marx", "Marx"),
    entity("what-is-to-be-done", "What Is to Be Done?"),
    entity("the-party", "Party", detect=False),
)}, {})


def source(text: str, *explicit: ExplicitMention) -> Source:
    return Source("s", "s.yaml", 1, "sources/s.txt", text, "0" * 64, {}, mentions=list(explicit))


def found(text: str, *explicit: ExplicitMention) -> list[tuple[str, str, str]]:
    return [(m.span.exact(text), m.entity, m.detection)
            for m in find_mentions(source(text, *explicit), REGISTRY)]


def test_longest_name_wins_and_word_boundaries_hold():
    text = "Rosa Luxemburg met Lenin; Luxemburg read Leninism and Marxists, not Marx."
    assert found(text) == [("Rosa Luxemburg", "rosa-luxemburg", "alias"),
                           ("Lenin", "vladimir-lenin", "alias"),
                           ("Luxemburg", "rosa-luxemburg", "alias"),
                           ("Marx", "karl-marx", "alias")]


def test_case_sensitive_and_not_detected_entities_left_out():
    assert found("lenin and LENIN joined the Party.") == []


def test_names_with_regex_characters_match_literally():
    text = "He wrote What Is to Be Done? in 1902; What Is to Be Done was asked."
    assert found(text) == [("What Is to Be Done?", "what-is-to-be-done", "alias")]


def test_explicit_mention_replaces_detection_at_the_same_span_and_adds_others():
    text = "Lenin, that is Ilyich."
    explicit = [ExplicitMention("vladimir-lenin", Span(0, 5), 3),
                ExplicitMention("vladimir-lenin", Span(15, 21), 5)]
    assert found(text, *explicit) == [("Lenin", "vladimir-lenin", "explicit"),
                                      ("Ilyich", "vladimir-lenin", "explicit")]


def test_mentions_come_in_reading_order():
    mentions = find_mentions(source("Marx, then Lenin, then Marx."), REGISTRY)
    assert [m.span for m in mentions] == [Span(0, 4), Span(11, 16), Span(23, 27)]
    assert mentions[0] == Mention(Span(0, 4), "karl-marx", "alias")


def test_pattern_owner_and_empty_registry():
    pattern, owner = name_pattern(REGISTRY)
    assert owner == {"Rosa Luxemburg": "rosa-luxemburg", "Luxemburg": "rosa-luxemburg",
                     "Vladimir Lenin": "vladimir-lenin", "Lenin": "vladimir-lenin",
                     "Marx": "karl-marx", "What Is to Be Done?": "what-is-to-be-done"}
    assert pattern.pattern.startswith(r"(?<!\w)(?:")
    assert name_pattern(Registry({}, {})) == (None, {})


def test_trie_regex_is_a_trie_that_prefers_the_longer_name():
    assert _trie_regex(["Lenin", "Leninism", "Lev"]) == "(?:Le(?:nin(?:ism)?|v))"
    trie = re.compile(r"(?<!\w)" + _trie_regex(["Lenin", "Leninism", "Lev"]) + r"(?!\w)")
    assert [m.group() for m in trie.finditer("Leninism Lenin Lev Leninist Levs")] == [
        "Leninism", "Lenin", "Lev"]
