"""`partykg wikicite`: QuickStatements for Wikidata's citation graph. The V1 file is
parsed with the grammar below, the CSV header checked, and every QID compared with
the verified set, which the test derives from the build with its own queries."""

from __future__ import annotations

import csv
import io
import re

import pytest
from conftest import built_copy, select

from partykg.core.paths import project
from partykg.wikidata.wikicite import VALUE_ITEMS, wikicite

# --- QuickStatements V1, as https://www.wikidata.org/wiki/Help:QuickStatements gives it ---
ITEM = r"Q[1-9]\d*"
STRING = r'"[^"\t\n]*"'
MONO = r'[a-z]{2,3}(?:-[a-z]+)?:"[^"\t\n]*"'
TIME = r"\+\d{4}-(?:0\d|1[0-2])-(?:[0-2]\d|3[01])T00:00:00Z/(?:9|10|11)"
VALUE = {"item": ITEM, "string": STRING, "mono": MONO, "time": TIME}
KIND = {"P31": "item", "P407": "item", "P50": "item", "P123": "item", "P1433": "item",
        "P2860": "item", "P921": "item", "P1476": "mono", "P2093": "string",
        "P577": "time", "P571": "time", "Len": "string", "S854": "string", "S813": "time",
        "S248": "item"}
W = "http://www.wikidata.org/entity/"


def parse_v1(text: str) -> list[tuple[str, list[tuple[str, str, list[tuple[str, str]]]]]]:
    """[(subject, [(property, value, [(source property, value)])])]; raises on any line
    outside the grammar: CREATE | (LAST|Qid) TAB (Pn|Lxx) TAB value (TAB Sn TAB value)*."""
    items: list = []
    for n, line in enumerate(text.split("\n"), 1):
        if line == "" and n == len(text.split("\n")):
            break
        if line == "CREATE":
            items.append(("LAST", []))
            continue
        cells = line.split("\t")
        assert len(cells) >= 3 and len(cells) % 2 == 1, f"line {n}: {line!r}"
        subject, prop, value, rest = cells[0], cells[1], cells[2], cells[3:]
        assert re.fullmatch(rf"LAST|{ITEM}", subject), f"line {n}: subject {subject!r}"
        if subject == "LAST":
            assert items and items[-1][0] == "LAST", f"line {n}: LAST without CREATE"
        elif not items or items[-1][0] != subject:
            items.append((subject, []))
        assert re.fullmatch(r"P[1-9]\d*|L[a-z]{2,3}", prop), f"line {n}: property {prop!r}"
        assert prop in KIND, f"line {n}: {prop} is not a property wikicite may write"
        assert re.fullmatch(VALUE[KIND[prop]], value), f"line {n}: {prop} value {value!r}"
        refs = []
        for sp, sv in zip(rest[::2], rest[1::2]):
            assert re.fullmatch(r"S[1-9]\d*", sp) and sp in KIND, f"line {n}: source {sp!r}"
            assert re.fullmatch(VALUE[KIND[sp]], sv), f"line {n}: {sp} value {sv!r}"
            refs.append((sp, sv))
        if prop.startswith("P"):
            assert {"S854", "S813"} <= {sp for sp, _ in refs}, f"line {n}: unreferenced"
        items[-1][1].append((prop, value, refs))
    return items


@pytest.fixture(scope="module")
def cited(built, store):
    works, files = wikicite(built, store)
    for name, text in files.items():  # what it returns is what it wrote
        assert (built.out / "wikicite" / name).read_text(encoding="utf-8") == text
    return works, files


@pytest.fixture(scope="module")
def verified(store):
    """The QIDs the build links with owl:sameAs, and those it names without vouching."""
    same = {r["w"][len(W):] for r in select(store, f"""SELECT DISTINCT ?w WHERE {{
        ?e <http://www.w3.org/2002/07/owl#sameAs> ?w FILTER(STRSTARTS(STR(?w), "{W}")) }}""")}
    close = {r["w"][len(W):] for r in select(store, """SELECT DISTINCT ?w WHERE {
        { ?e <http://www.w3.org/2004/02/skos/core#closeMatch> ?w }
        UNION { ?e <https://w3id.org/partykg/ontology#wikidataCandidate> ?w } }""")}
    return same, close - same


def test_v1_parses_and_holds_only_verified_qids(cited, verified, store):
    _, files = cited
    items = parse_v1(files["wikicite.qs.tsv"])
    titles = {r["t"] for r in select(store, """SELECT ?t WHERE {
        ?d a <https://w3id.org/partykg/ontology#SourceDocument> ; <http://purl.org/dc/terms/title> ?t }""")}
    assert len(items) == len(titles) == 5
    same, close = verified
    assert close, "the build names close matches: the check below could not fail otherwise"
    qids = set(re.findall(ITEM, files["wikicite.qs.tsv"]))
    assert qids <= same | set(VALUE_ITEMS), qids - same - set(VALUE_ITEMS)
    assert not qids & close
    assert set(re.findall(ITEM, files["wikicite.csv"])) == qids


def test_statements_follow_the_build(cited, store):
    """Dates at their precision, authors, cited works and title, each derived here
    from the build."""
    _, files = cited
    items = parse_v1(files["wikicite.qs.tsv"])
    by_label = {{p: v for p, v, _ in st}["Len"].strip('"'): st for _, st in items}
    mandel = by_label["The revolutionary vanguard and spontaneous mass action"]
    [pub] = select(store, """SELECT ?d WHERE { <https://w3id.org/partykg/id/source/mandel-1970>
        <http://schema.org/datePublished> ?d }""")
    assert ("P577", f"+{pub['d']}T00:00:00Z/11") in [(p, v) for p, v, _ in mandel]
    [author] = select(store, """SELECT ?q WHERE { <https://w3id.org/partykg/id/source/mandel-1970>
        <http://schema.org/author>/<http://www.w3.org/2002/07/owl#sameAs> ?q }""")
    assert ("P50", author["q"][len(W):]) in [(p, v) for p, v, _ in mandel]
    refs = {sv for _, _, r in mandel for sp, sv in r if sp == "S854"}
    assert refs == {'"https://internationalviewpoint.org/spip.php?article466"'}
    # year and month precision
    crn = by_label["Organization and Spontaneity"]
    assert ("P571", "+2003-07-00T00:00:00Z/10") in [(p, v) for p, v, _ in crn]
    # an author without a verified QID is a name string
    assert ("P2093", '"Chicago Revolutionary Network"') in [(p, v) for p, v, _ in crn]
    # cites work: exactly the cited/quoted/replied-to works that have a verified QID
    rat = by_label["(Help or Hindrance?)"]
    want = {r["q"][len(W):] for r in select(store, """SELECT DISTINCT ?q WHERE {
        BIND(<https://w3id.org/partykg/id/source/ratcliffe-2012> AS ?d)
        { ?x <http://purl.org/spar/cito/hasCitingEntity> ?d ; <http://purl.org/spar/cito/hasCitedEntity> ?w }
        UNION { ?x <https://w3id.org/partykg/ontology#quotedIn> ?d ; <https://w3id.org/partykg/ontology#citedWork> ?w }
        UNION { ?d <http://purl.org/spar/cito/repliesTo> ?w }
        ?w <http://www.w3.org/2002/07/owl#sameAs> ?q }""")}
    assert want and {v for p, v, _ in rat if p == "P2860"} == want
    # a supplied title (square brackets) is a label, not a P1476 title
    fb = by_label["The role of leadership and of the revolutionary party"]
    assert "P1476" not in {p for p, _, _ in fb}


def test_csv_header_and_rows(cited):
    _, files = cited
    rows = list(csv.reader(io.StringIO(files["wikicite.csv"])))
    header, body = rows[0], rows[1:]
    assert header[0] == "qid" and len(body) == 5
    i = 1
    while i < len(header):
        prop = header[i]
        assert prop in KIND and prop.startswith(("P", "L")), header
        if prop.startswith("P"):
            assert header[i + 1:i + 3] == ["S854", "S813"], header[i:i + 3]
            i += 3
        else:
            i += 1
    for row in body:
        assert len(row) == len(header)
        assert row[0] == ""  # every essay is a new item
        for name, cell in zip(header[1:], row[1:]):
            if cell and name != "Len":
                assert re.fullmatch(VALUE[KIND[name]], cell), (name, cell)


@pytest.mark.slow  # builds a copy of the data
def test_a_work_already_on_wikidata_is_not_created_again(tmp_path):
    """When the registry links a work of the essay's title and authors to Wikidata, the
    statements go to that item: no CREATE, no label."""
    folder = tmp_path / "copy"
    folder.mkdir()
    works_yaml = folder / "data/registry/works.yaml"
    built_copy(folder)
    works_yaml.write_text(works_yaml.read_text(encoding="utf-8") + """
crn-essay-on-wikidata:
  name: Organization and Spontaneity
  type: article
  authors: [chicago-revolutionary-network]
  detect: false
  wikidata:
    qid: Q4115189
    verified: "TEST ONLY: the Wikidata sandbox item, standing in for an existing work"
  basis:
    type: {editorial: test fixture}
    authors: {editorial: test fixture}
""", encoding="utf-8")
    from partykg.rdf.build import build
    proj = project(folder, folder / "out")
    build(proj)
    works, files = wikicite(proj)
    crn = next(w for w in works if w.source == "crn-2003")
    assert crn.qid == "Q4115189"
    items = parse_v1(files["wikicite.qs.tsv"])
    assert [s for s, _ in items].count("LAST") == 4
    existing = dict(items)["Q4115189"]
    assert "Len" not in {p for p, _, _ in existing} and len(existing) > 3
    assert next(r for r in csv.reader(io.StringIO(files["wikicite.csv"]))
                if r[0] == "Q4115189")
