"""partykg.model.fields: check_map against a spec, one Field kind at a time; every
problem names the file and the line of the key."""

from __future__ import annotations

import pytest

from partykg.core.errors import Collector
from partykg.model.fields import Field, check_map, date_precision

SPEC = {
    "name": Field("str", True, "give a name"),
    "note": Field("str"),
    "flag": Field("bool"),
    "when": Field("date"),
    "owner": Field("key"),
    "owners": Field("keys"),
    "aliases": Field("strs"),
    "qid": Field("qid"),
    "meta": Field("map"),
    "items": Field("list"),
    "url": Field("url"),
    "sha256": Field("sha256"),
}


def check(yaml_text, body: str, spec=SPEC):
    """check_map on `entry:` of a document; returns (values, [(line, message, hint)])."""
    doc = yaml_text("entry:\n" + "".join(f"  {line}\n" for line in body.splitlines()))
    errors = Collector()
    values = check_map(doc["entry"], spec, "t.yaml", errors, "entry", doc.line_of("entry"))
    return values, [(p.line, p.message, p.hint) for p in errors.problems]


def values_only(values: dict) -> dict:
    return {k: v for k, v in values.items() if not k.startswith("_")}


def test_every_kind_accepts_its_values_and_normalises_them(yaml_text):
    values, problems = check(yaml_text, """\
name: Rosa Luxemburg
flag: false
when: "1917-07"
owner: rosa-luxemburg
owners: leon-trotsky
aliases: [Luxemburg, 1871]
qid: Q7231
meta: {a: 1}
items: [x]
url: https://example.org/a
sha256: %s""" % ("ab" * 32))
    assert problems == []
    assert values_only(values) == {
        "name": "Rosa Luxemburg", "flag": False, "when": "1917-07", "owner": "rosa-luxemburg",
        "owners": ["leon-trotsky"],          # a single key becomes a list
        "aliases": ["Luxemburg", "1871"],    # numbers become text
        "qid": "Q7231", "meta": {"a": 1}, "items": ["x"], "url": "https://example.org/a",
        "sha256": "ab" * 32}
    assert values["_line"] == 2 and values["_lines"]["when"] == 4


@pytest.mark.parametrize("line, message, kept", [
    ("note: ''", "'note' of entry is empty", None),
    ("flag: 'yes'", "'flag' of entry must be true or false, not 'yes'", None),
    ('when: "1917-13"', "'when' of entry: '1917-13' is not a valid date", None),
    ('when: "1917-02-30"', "'when' of entry: '1917-02-30' is not a valid date", None),
    ("owner: Rosa_Luxemburg", "'owner' of entry: 'Rosa_Luxemburg' is not a key", None),
    ("owners: [leon-trotsky, Lenin]", "'owners' of entry: 'Lenin' is not a key", ["leon-trotsky"]),
    ("aliases: ['  ', Lenin]", "'aliases' of entry: '  ' is not a text", ["Lenin"]),
    ("qid: '7231'", "'qid' of entry: '7231' is not a Wikidata QID", None),
    ("meta: [a]", "'meta' of entry must be a mapping", None),
    ("items: x", "'items' of entry must be a list", None),
    ("url: example.org", "'url' of entry: 'example.org' is not an http(s) URL", None),
    ("sha256: abc", "'sha256' of entry: 'abc' is not a SHA-256 hex digest", None),
    ("owner: [a, b]", "'owner' of entry must be a text, not ['a', 'b']", None),
])
def test_each_kind_rejects_a_wrong_value_on_its_line(yaml_text, line, message, kept):
    """The value is dropped (a list keeps its good items); the other keys are kept."""
    values, problems = check(yaml_text, "name: N\n" + line)
    assert [(ln, msg) for ln, msg, _ in problems] == [(3, message)]
    assert values.get(line.split(":")[0]) == kept and values["name"] == "N"


def test_unknown_key_suggests_the_closest_and_lists_the_allowed(yaml_text):
    """A misspelt required key is reported once, as misspelt, not also as missing."""
    _, problems = check(yaml_text, "nmae: N")
    assert problems == [(2, "unknown key 'nmae' in entry",
                         "did you mean 'name'? allowed keys in entry: aliases, flag, items, meta, "
                         "name, note, owner, owners, qid, sha256, url, when")]


def test_missing_required_key_gives_the_field_help(yaml_text):
    _, problems = check(yaml_text, "flag: true")
    assert problems == [(2, "entry lacks the required key 'name'", "give a name")]


def test_offsets_are_not_written_by_hand(yaml_text):
    spec = {"quote": Field("str", True)}
    _, problems = check(yaml_text, "quote: q\nstart: 12", spec)
    [(line, message, hint)] = problems
    assert (line, message) == (3, "unknown key 'start' in entry")
    assert hint.startswith("offsets are not written by hand: the build computes them from `quote:`")


def test_a_node_that_is_not_a_mapping(yaml_text):
    doc = yaml_text("entry:\n  - a\n")
    errors = Collector()
    assert check_map(doc["entry"], SPEC, "t.yaml", errors, "entry") is None
    assert [(p.line, p.message) for p in errors.problems] == [
        (2, "entry must be a mapping of keys to values")]


@pytest.mark.parametrize("value, precision", [
    ("1917", "year"), ("1917-07", "month"), ("1917-07-23", "day"), ("-0044", "year"),
    ("1917-00", None), ("1917-13", None), ("1900-02-29", None), ("2000-02-29", "day"),
    ("17", None), ("1917-7", None), ("1917/07", None),
])
def test_date_precision(value, precision):
    assert date_precision(value) == precision
