"""partykg.model.registry: registry files and theses read into entities; kinds,
types, references, shared aliases and QIDs checked across the whole registry."""

from __future__ import annotations

from partykg.core.errors import Collector
from partykg.model.registry import KINDS, load_registry
from unit import write

PERSONS = """\
vladimir-lenin:
  name: Vladimir Lenin
  aliases: [Lenin, Lenin]
  born: "1870-04-22"
  wikidata:
    qid: Q1394
    verified: a public file pairs Q1394 with the name
  basis:
    born: {wikidata: Q1394}
rosa-luxemburg:
  name: Rosa Luxemburg
  detect: false
  wikidata_candidates:
    - qid: Q7231
"""
ORGANIZATIONS = """\
rsdlp:
  name: Russian Social Democratic Labour Party
  type: party
  basis:
    type: {editorial: the texts call it a party}
bolsheviks:
  name: Bolsheviks
  type: faction
  part_of: rsdlp
  basis:
    type: {editorial: a faction of the RSDLP}
    part_of: {editorial: general knowledge}
  members:
    - member: vladimir-lenin
      start: "1903"
      role: leader
      basis: {editorial: general knowledge}
"""
WORKS = """\
what-is-to-be-done:
  name: What Is to Be Done?
  type: pamphlet
  authors: [vladimir-lenin]
  basis:
    type: {editorial: general knowledge}
    authors: {editorial: general knowledge}
"""
THESES = """\
party-first:
  label: Is the party first?
  question: true
  definition: Whether a party is built before the crisis.
party-leads-1917:
  label: The party led in 1917
  definition: The Bolsheviks led the masses in 1917.
  broader: party-first
"""


def load(tmp_path, **files: str):
    """The registry of ``files`` (persons=..., theses=...) under tmp_path/data; and the
    problems as (file, line, message)."""
    files.setdefault("theses", THESES)   # a missing theses file is an error of its own
    names = {k: (f"registry/{KINDS[k[:-1]].file}" if k != "theses" else "theses.yaml")
             for k in files}
    write(tmp_path / "data", {names[k]: text for k, text in files.items()})
    errors = Collector()
    registry = load_registry(tmp_path / "data", tmp_path, errors)
    return registry, [(p.file, p.line, p.message) for p in errors.problems]


def test_entities_with_their_class_fields_and_lines(tmp_path):
    registry, problems = load(tmp_path, persons=PERSONS, organizations=ORGANIZATIONS,
                              works=WORKS, theses=THESES)
    assert problems == []
    lenin = registry.entities["vladimir-lenin"]
    assert (lenin.kind, lenin.cls, lenin.file, lenin.line) == (
        "person", "Person", "data/registry/persons.yaml", 1)
    assert lenin.names == ["Vladimir Lenin", "Lenin"]        # a repeated alias once
    assert lenin.detect is True and lenin.values["born"] == "1870-04-22"
    assert (lenin.qid, lenin.qid_evidence) == ("Q1394", "a public file pairs Q1394 with the name")
    assert lenin.qid_where == ("data/registry/persons.yaml", 5)
    rosa = registry.entities["rosa-luxemburg"]
    assert (rosa.detect, rosa.qid, rosa.candidates) == (False, None, ["Q7231"])
    bolsheviks = registry.entities["bolsheviks"]
    assert bolsheviks.cls == "Faction"                       # the type picks the class
    assert [(m["member"], m["start"], m["role"], m["_line"]) for m in bolsheviks.members] == [
        ("vladimir-lenin", "1903", "leader", line_of(ORGANIZATIONS, "    - member: vladimir"))]
    assert registry.entities["what-is-to-be-done"].cls == "Pamphlet"
    assert [e.key for e in registry.of_kind("organization")] == ["rsdlp", "bolsheviks"]
    leads = registry.theses["party-leads-1917"]
    assert (leads.label, leads.broader, leads.file, leads.line) == (
        "The party led in 1917", "party-first", "data/theses.yaml",
        line_of(THESES, "party-leads-1917:"))


def test_reference_to_an_unknown_entity_suggests_the_closest(tmp_path):
    _, problems = load(tmp_path, persons=PERSONS, works=WORKS.replace("[vladimir-lenin]",
                                                                      "[vladimir-lennin]"))
    assert problems == [("data/registry/works.yaml", 4,
                         "'authors' of 'what-is-to-be-done': unknown entity 'vladimir-lennin'")]


def test_reference_to_an_entity_of_the_wrong_kind(tmp_path):
    _, problems = load(tmp_path, persons=PERSONS, organizations=ORGANIZATIONS.replace(
        "part_of: rsdlp", "part_of: vladimir-lenin"))
    assert problems == [("data/registry/organizations.yaml", line_of(ORGANIZATIONS, "  part_of:"),
                         "'part_of' of 'bolsheviks': 'vladimir-lenin' is a person, but here "
                         "only organization can stand")]


def test_unknown_type(tmp_path):
    _, problems = load(tmp_path, organizations=ORGANIZATIONS.replace("type: party", "type: partei"))
    assert problems[0] == ("data/registry/organizations.yaml", 3,
                           "unknown organization type 'partei' for 'rsdlp'")


def test_key_unique_across_files(tmp_path):
    _, problems = load(tmp_path, persons=PERSONS, works="vladimir-lenin:\n  name: Lenin's works\n"
                       "  type: collection\n")
    assert problems == [("data/registry/works.yaml", 1,
                         "duplicate key 'vladimir-lenin' (also at data/registry/persons.yaml:1)")]


def test_bad_key(tmp_path):
    _, problems = load(tmp_path, persons="Rosa_Luxemburg:\n  name: Rosa Luxemburg\n")
    assert problems == [("data/registry/persons.yaml", 1, "'Rosa_Luxemburg' is not a valid key")]


def test_an_alias_names_one_entity_unless_not_detected(tmp_path):
    """Two detected entities may not share a name; an entity with detect: false may."""
    shared = PERSONS.replace("  name: Rosa Luxemburg\n  detect: false\n",
                             "  name: Rosa Luxemburg\n  aliases: [Lenin]\n")
    _, problems = load(tmp_path, persons=shared)
    assert problems == [("data/registry/persons.yaml", line_of(PERSONS, "rosa-luxemburg:"),
                         "'Lenin' names both 'vladimir-lenin' (data/registry/persons.yaml:1) "
                         "and 'rosa-luxemburg'")]
    _, problems = load(tmp_path / "again", persons=PERSONS.replace(
        "  detect: false\n", "  detect: false\n  aliases: [Lenin]\n"))
    assert problems == []


def test_one_qid_for_two_entities(tmp_path):
    twice = PERSONS + "lenin-again:\n  name: V. I. Ulyanov\n  wikidata:\n    qid: Q1394\n" \
                      "    verified: the same file\n"
    _, problems = load(tmp_path, persons=twice)
    assert problems == [("data/registry/persons.yaml", line_of(twice, "lenin-again:"),
                         "Q1394 is the Wikidata item of both 'vladimir-lenin' "
                         "(data/registry/persons.yaml:1) and 'lenin-again'")]


def test_unknown_broader_thesis(tmp_path):
    registry, problems = load(tmp_path, theses=THESES.replace("broader: party-first",
                                                              "broader: party-1st"))
    assert problems == [("data/theses.yaml", line_of(THESES, "  broader:"),
                         "thesis 'party-leads-1917': broader thesis: unknown thesis 'party-1st'")]
    assert set(registry.theses) == {"party-first", "party-leads-1917"}


def test_missing_files_give_an_empty_registry_but_the_theses_file_is_required(tmp_path):
    errors = Collector()
    registry = load_registry(tmp_path / "data", tmp_path, errors)
    assert (registry.entities, registry.theses) == ({}, {})
    assert [(p.file, p.line, p.message) for p in errors.problems] == [
        ("data/theses.yaml", 0, "the theses file is missing")]


def line_of(text: str, start: str) -> int:
    """The 1-based line of ``text`` that starts with ``start``."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if line.startswith(start))
