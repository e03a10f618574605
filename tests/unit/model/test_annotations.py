"""partykg.model.annotations: one annotation file read, checked against the
registry and anchored on its text; links checked across sources."""

from __future__ import annotations

import hashlib

from partykg.core.errors import Collector
from partykg.model.anchor import Span
from partykg.model.annotations import check_links, format_locator, load_source
from partykg.model.registry import Entity, Registry, Thesis
from unit import write

TEXT = "Lenin wrote a pamphlet. The masses moved first, said Anna. See p. 40.\n"
SHA = hashlib.sha256(TEXT.encode()).hexdigest()


def ent(key: str, kind: str, name: str) -> Entity:
    return Entity(key=key, kind=kind, cls=kind.capitalize(), name=name, file="r.yaml", line=1)


REGISTRY = Registry(
    {e.key: e for e in (ent("vladimir-lenin", "person", "Vladimir Lenin"),
                        ent("anna-weber", "person", "Anna Weber"),
                        ent("what-is-to-be-done", "work", "What Is to Be Done?"))},
    {"masses-first": Thesis("masses-first", "Masses first", "…", None, "theses.yaml", 1)})

ANNOTATION = f"""\
source:
  id: notes
  text: sources/notes.txt
  sha256: {SHA}
  title: Notes
  language: en
claims:
  - id: c01
    claimant: anna-weber
    quote: "The masses moved first"
    paraphrase: The masses moved first.
    about: [vladimir-lenin, masses-first]
    supports: [masses-first]
    evidence: [q01, n1]
    mode: reported
  - id: c02
    claimant: vladimir-lenin
    quote: "Lenin wrote a pamphlet"
    paraphrase: Lenin wrote a pamphlet.
    mode: own
quotations:
  - id: q01
    speaker: anna-weber
    quote: "moved first"
    work: what-is-to-be-done
    locator: {{volume: "5", page: "40"}}
citations:
  - id: n1
    quote: "See p. 40."
    work: what-is-to-be-done
    locator: {{page: "40"}}
links:
  - type: agrees
    claims: [c02, c01]
    justification: Both speak of the party.
mentions:
  - entity: vladimir-lenin
    quote: "Lenin"
"""


def load(tmp_path, annotation: str = ANNOTATION, text: str | bytes = TEXT):
    write(tmp_path / "data", {"annotations/notes.yaml": annotation})
    raw = text.encode() if isinstance(text, str) else text
    (tmp_path / "data/sources").mkdir(exist_ok=True)
    (tmp_path / "data/sources/notes.txt").write_bytes(raw)
    errors = Collector()
    src = load_source(tmp_path / "data/annotations/notes.yaml", tmp_path / "data", tmp_path,
                      REGISTRY, errors)
    return src, [(p.file, p.line, p.message) for p in errors.problems]


def test_every_section_read_and_anchored(tmp_path):
    src, problems = load(tmp_path)
    assert problems == []
    assert (src.id, src.file, src.text_path, src.sha256, src.changed) == (
        "notes", "data/annotations/notes.yaml", "data/sources/notes.txt", SHA, None)
    c01, c02 = src.claims
    assert (c01.id, c01.line, c01.claimant, c01.span.exact(TEXT)) == (
        "c01", 8, "anna-weber", "The masses moved first")
    assert c01.about == ["vladimir-lenin", "masses-first"] and c01.evidence == ["q01", "n1"]
    assert c01.stance == {"supports": ["masses-first"], "opposes": [], "qualifies": []}
    assert c02.span == Span(0, 22)
    [q] = src.quotations
    assert (q.speaker, q.work, q.locator, q.is_paraphrase) == (
        "anna-weber", "what-is-to-be-done", {"volume": "5", "page": "40"}, False)
    [n] = src.citations
    assert (n.characterization, n.span.exact(TEXT)) == ("citesAsEvidence", "See p. 40.")
    [link] = src.links
    assert (link.type, link.claims, link.line) == ("agrees", ["notes-c01", "notes-c02"], 33)
    [m] = src.mentions
    assert (m.entity, m.span, m.line) == ("vladimir-lenin", Span(0, 5), 37)
    assert src.global_id("c01") == "notes-c01"


def test_unknown_thesis_and_wrong_kind_of_speaker(tmp_path):
    bad = ANNOTATION.replace("supports: [masses-first]", "supports: [masses-last]") \
                    .replace("speaker: anna-weber", "speaker: what-is-to-be-done")
    _, problems = load(tmp_path, bad)
    assert problems == [
        ("data/annotations/notes.yaml", 13, "'supports' of c01: unknown thesis 'masses-last'"),
        ("data/annotations/notes.yaml", 23, "speaker of q01: 'what-is-to-be-done' is a work, but "
                                            "here only person or organization or group can stand")]


def test_text_problems_name_the_text_and_the_annotation(tmp_path):
    _, problems = load(tmp_path / "bom", text=b"\xef\xbb\xbf" + TEXT.encode())
    assert problems == [("data/sources/notes.txt", 1, "the text starts with a byte-order mark (BOM) "
                                                      "(the `text:` of data/annotations/notes.yaml:3)")]
    _, problems = load(tmp_path / "latin1", text="Bront\xeb\n".encode("latin-1"))
    assert problems == [("data/sources/notes.txt", 1, "the text is not valid UTF-8 (byte 5); "
                                                      "the line reads `Bront\ufffd` "
                                                      "(the `text:` of data/annotations/notes.yaml:3)")]
    _, problems = load(tmp_path / "empty", text="  \n")
    assert problems == [("data/sources/notes.txt", 1, "the source text is empty "
                                                      "(the `text:` of data/annotations/notes.yaml:3)")]


def test_a_changed_text_is_reported_with_what_it_breaks(tmp_path):
    src, problems = load(tmp_path, text=TEXT.replace("moved first", "moved later"))
    assert src.changed is not None and src.changed.recorded == SHA
    assert problems[:2] == [
        ("data/annotations/notes.yaml", 10, "claim c01 no longer anchors in the changed text "
                                            "data/sources/notes.txt: the quote is not in the text"),
        ("data/annotations/notes.yaml", 24, "quotation q01 no longer anchors in the changed text "
                                            "data/sources/notes.txt: the quote is not in the text")]
    file, line, message = problems[2]
    assert (file, line) == ("data/annotations/notes.yaml", 4)   # the `sha256:` line
    assert message.startswith("the text data/sources/notes.txt has changed since it was annotated")
    assert "2 annotations no longer anchor, 3 still anchor" in message


def test_links_across_sources(tmp_path):
    src, _ = load(tmp_path)
    src.links.append(src.links[0])
    errors = Collector()
    check_links([src], errors)
    assert [(p.line, p.message) for p in errors.problems] == [
        (33, "the claims notes-c01 and notes-c02 are already linked (data/annotations/notes.yaml:33)")]
    src.links[1:] = []
    src.claims.pop()
    errors = Collector()
    check_links([src], errors)
    assert [p.message for p in errors.problems] == ["link: unknown claim 'notes-c02'"]


def test_format_locator():
    assert format_locator({"volume": "18", "pages": "471-477"}) == "Vol. 18, pp. 471-477"
    assert format_locator({"chapter": "3", "page": "xix"}) == "ch. 3, p. xix"
    assert format_locator({}) == ""
