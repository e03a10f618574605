"""The SHACL shapes against their fixtures (BRIEF.md section 5, point 4).

tests/shacl/valid/*.ttl are small complete graphs shaped like the build's
output; they must conform. tests/shacl/invalid/<rule>.ttl each break one rule
and declare in their first lines the single result they must produce:

    # expect-focus: <IRI of the focus node>
    # expect-component: sh:<Name>ConstraintComponent
    # expect-severity: sh:Info            (optional; sh:Violation when absent)

tests/shacl/sparql/ holds the same kind of fixtures for the SHACL-SPARQL shapes of
shapes/sparql/ (validated together with the core shapes).

Validation goes through ``partykg.validate`` exactly as ``partykg validate``
does: the ontology is given to pyshacl as ``ont_graph``, which is what makes
``sh:targetClass pkg:Organization`` reach a ``pkg:PoliticalParty``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import rdflib
import rdflib.collection
from rdflib.namespace import RDF, SH

from partykg.check.validate import ENGINES, dump_shacl_results, load_shapes, shacl_results
from partykg.core.namespaces import graph_iri

pytestmark = pytest.mark.slow   # about 140 SHACL validations: in CI, not in the fast loop

ROOT = Path(__file__).resolve().parent.parent
SHAPES_DIR = ROOT / "shapes"
SHAPES_FILE = SHAPES_DIR / "partykg-shapes.ttl"
ONTOLOGY_FILE = ROOT / "ontology" / "partykg.ttl"
FIXTURES = ROOT / "tests" / "shacl"
VALID = sorted((FIXTURES / "valid").glob("*.ttl"))
INVALID = sorted((FIXTURES / "invalid").glob("*.ttl"))

SPARQL_SHAPES = sorted((SHAPES_DIR / "sparql").glob("*.ttl"))
SPARQL_VALID = sorted((FIXTURES / "sparql" / "valid").glob("*.ttl"))
SPARQL_INVALID = sorted((FIXTURES / "sparql" / "invalid").glob("*.ttl"))

FOCUS_RE = re.compile(r"^# expect-focus: <?(\S+?)>?\s*$", re.M)
COMPONENT_RE = re.compile(r"^# expect-component: sh:(\w+ConstraintComponent)\s*$", re.M)
SEVERITY_RE = re.compile(r"^# expect-severity: sh:(Violation|Warning|Info)\s*$", re.M)

# Parameters of SHACL core constraint components: a node carrying one of these
# is a constraint and must say, in sh:message, what is wrong and how to fix it.
CONSTRAINT_PARAMETERS = [
    SH["class"], SH.datatype, SH.nodeKind, SH.minCount, SH.maxCount, SH.minExclusive,
    SH.minInclusive, SH.maxExclusive, SH.maxInclusive, SH.minLength, SH.maxLength,
    SH.pattern, SH.languageIn, SH.uniqueLang, SH.equals, SH.disjoint, SH.lessThan,
    SH.lessThanOrEquals, SH["not"], SH["and"], SH["or"], SH.xone, SH.node,
    SH.qualifiedValueShape, SH.closed, SH.hasValue, SH["in"],
]


@pytest.fixture(scope="module")
def shapes() -> rdflib.Graph:
    return load_shapes(SHAPES_DIR)


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    return rdflib.Graph().parse(ONTOLOGY_FILE, format="turtle")


@pytest.fixture(scope="module")
def sparql_shapes(shapes) -> rdflib.Graph:
    g = rdflib.Graph()
    for f in SPARQL_SHAPES:
        g.parse(f, format="turtle")
    return shapes + g


def expectation(path: Path) -> tuple[str | None, str | None]:
    text = path.read_text(encoding="utf-8")
    focus = FOCUS_RE.search(text)
    component = COMPONENT_RE.search(text)
    return (focus.group(1) if focus else None, component.group(1) if component else None)


def expected_severity(path: Path) -> str:
    m = SEVERITY_RE.search(path.read_text(encoding="utf-8"))
    return m.group(1) if m else "Violation"


def describe(results) -> str:
    return "\n".join(f"  {r.focus} {r.component} path={r.path} value={r.value!r}: {r.message}"
                     for r in results) or "  (none)"


def test_fixture_lists_are_not_empty_and_declare_expectations():
    """Guards against a silently empty fixture folder (LinkML's template tested
    an empty folder for years) and against invalid fixtures whose header is
    missing or misspelt, which would otherwise not be checked at all."""
    assert len(VALID) >= 5, f"expected at least 5 valid fixtures in {FIXTURES / 'valid'}"
    assert len(INVALID) >= 20, f"expected at least 20 invalid fixtures in {FIXTURES / 'invalid'}"
    assert SPARQL_SHAPES and SPARQL_VALID and len(SPARQL_INVALID) >= 2
    missing = [p.name for p in INVALID + SPARQL_INVALID if None in expectation(p)]
    assert not missing, ("invalid fixtures without both '# expect-focus:' and "
                         f"'# expect-component: sh:…ConstraintComponent' lines: {missing}")
    for p in INVALID + SPARQL_INVALID:
        focus, _ = expectation(p)
        assert focus.startswith("https://w3id.org/partykg/id/"), (
            f"{p.name}: the focus {focus} is not a data IRI under https://w3id.org/partykg/id/")


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_fixture_conforms(path: Path, shapes, ontology):
    """Guards against shapes that are stricter than the model: a complete graph
    shaped like the build's output (including every optional field, dates at
    each precision and subclasses such as pkg:Faction or pkg:Agreement) must
    give no result."""
    data = rdflib.Graph().parse(path, format="turtle")
    results = shacl_results(data, shapes, ontology)
    assert results == [], f"{path.name} should conform but gives:\n{describe(results)}"


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_fixture_gives_exactly_the_declared_result(path: Path, shapes, ontology):
    """Guards each rule of the shapes: the fixture named after the rule must give
    exactly one result, on the declared focus node and from the declared
    constraint component, so that the rule fires, fires on the right node, and
    no other rule fires on an otherwise valid graph."""
    focus, component = expectation(path)
    data = rdflib.Graph().parse(path, format="turtle")
    results = shacl_results(data, shapes, ontology)
    assert len(results) == 1, (
        f"{path.name} should give exactly one result ({component} on {focus}), "
        f"gives {len(results)}:\n{describe(results)}")
    (result,) = results
    assert (result.focus, result.component) == (focus, component), (
        f"{path.name}: expected {component} on {focus}, got:\n{describe(results)}")
    assert result.severity == expected_severity(path), f"{path.name}: severity {result.severity}"
    assert result.message, f"{path.name}: the result has no message for the historian"


@pytest.mark.parametrize("path", SPARQL_VALID, ids=lambda p: p.stem)
def test_sparql_valid_fixture_conforms(path: Path, sparql_shapes, ontology):
    """The SHACL-SPARQL shapes (shapes/sparql/) accept a graph whose every registry
    fact has its basis, and leave a source document's metadata alone."""
    data = rdflib.Graph().parse(path, format="turtle")
    for engine in ENGINES:
        results = shacl_results(data, sparql_shapes, ontology, engine)
        assert results == [], f"{path.name} ({engine}) should conform but gives:\n{describe(results)}"


@pytest.mark.parametrize("path", SPARQL_INVALID, ids=lambda p: p.stem)
def test_sparql_invalid_fixture_gives_exactly_the_declared_result(path: Path, sparql_shapes,
                                                                  ontology):
    """Issue 15's "SHACL rejects a registry fact without a basis", as SHACL-SPARQL:
    one result on the entity whose fact lacks its basis, with both engines."""
    focus, component = expectation(path)
    data = rdflib.Graph().parse(path, format="turtle")
    for engine in ENGINES:
        results = shacl_results(data, sparql_shapes, ontology, engine)
        assert [(r.focus, r.component) for r in results] == [(focus, component)], (
            f"{path.name} ({engine}):\n{describe(results)}")
        assert results[0].message.startswith("A fact of a registry entry has no basis")


def test_sparql_shape_and_violation_query_find_the_same_facts(built, sparql_shapes, tmp_path):
    """The basis rule is written twice, as SHACL-SPARQL (shapes/sparql/fact-basis.ttl)
    and as queries/96-registry-fact-without-basis-violation.rq, which `partykg
    validate` runs (docs/MODEL.md says why). On a copy of the real build whose every
    seventh fact axiom lost its pkg:factBasis, both report the same facts (entity,
    property, value), and as many as were stripped."""
    from pyoxigraph import RdfFormat, Store, parse, serialize
    from pyshacl_turbo import compile_shapes
    from pyshacl_turbo.rdf import Input

    from partykg.check.validate import _results
    from partykg.sparql.query import load_query, substitute

    quads = list(parse(path=str(built.nquads), format=RdfFormat.N_QUADS))
    axioms = sorted({q.subject.value for q in quads
                     if q.predicate.value == "https://w3id.org/partykg/ontology#factBasis"})
    stripped = set(axioms[::7])
    kept = [q for q in quads if not (q.predicate.value.endswith("#factBasis")
                                     and q.subject.value in stripped)]
    dump = tmp_path / "partykg.nq"
    dump.write_bytes(serialize(kept, format=RdfFormat.N_QUADS))

    sparql_only = rdflib.Graph()
    for f in SPARQL_SHAPES:
        sparql_only.parse(f, format="turtle")
    program = compile_shapes(sparql_only, advanced=True)
    _, report, _ = program.validate(Input(dump.read_text(encoding="utf-8"), "nquads", None, {}),
                                    allow_warnings=True, abort_on_first=False)
    by_shape = {(r.focus, r.path, r.value) for r in _results(report, sparql_only)}
    store = Store()
    store.bulk_load(path=str(dump), format=RdfFormat.N_QUADS)
    rq = load_query(ROOT / "queries" / "96-registry-fact-without-basis-violation.rq")
    rows = list(store.query(substitute(rq, {}, built.base), use_default_graph_as_union=True))
    by_query = {(row[0].value, row[1].value, _value(row[2])) for row in rows}
    assert by_shape == by_query
    assert len(by_query) == len(rows) >= len(stripped) > 20


def _value(term) -> str:
    """A term as rdflib's str() gives it in a report (the lexical form of a literal)."""
    return term.value


@pytest.mark.slow
def test_shapes_give_the_same_results_with_rdfs_inference(built, shapes):
    """Guards the issue's finding that with RDFS inference the reviewer shape raised
    63 false violations (it targeted the objects of prov:wasAttributedTo, which
    claimants and speakers reach through subproperties): on the real build, pyshacl
    with inference="rdfs" reports exactly the results of validation without it. The closed
    shapes ignore the superproperties inference adds; no shape targets the objects
    of a property with subproperties."""
    onto = graph_iri(built.base, "ontology")
    # Without inference, pyshacl-turbo: tests/test_shacl_engines.py shows it gives
    # pyshacl's results on this build, in a second rather than twenty.
    plain = dump_shacl_results(built.nquads, shapes, onto, "turbo", "none")
    inferred = dump_shacl_results(built.nquads, shapes, onto, "pyshacl", "rdfs")
    assert plain == inferred, (
        f"only with RDFS:\n{describe(sorted(set(inferred) - set(plain)))}\n"
        f"only without:\n{describe(sorted(set(plain) - set(inferred)))}")


def test_every_constraint_has_an_english_message_and_no_sparql(shapes):
    """Guards the promise of BRIEF.md section 3 that every constraint speaks to
    the historian (sh:message in English), and the speed budget of section 6:
    no sh:sparql constraint, which pyshacl re-parses per focus node."""
    g = rdflib.Graph().parse(SHAPES_FILE, format="turtle")
    assert (None, SH.sparql, None) not in g, "sh:sparql is not allowed: use a *-violation.rq query"
    assert (None, RDF.type, SH.SPARQLConstraint) not in g
    # Nodes whose constraints are reported under their parent's message: the
    # members of sh:or / sh:and / sh:xone lists, qualified value shapes and the
    # shapes under sh:not (which never report results of their own).
    nested = set(g.objects(None, SH.qualifiedValueShape)) | set(g.objects(None, SH["not"]))
    for prop in (SH["or"], SH["and"], SH.xone):
        for lst in g.objects(None, prop):
            nested.update(rdflib.collection.Collection(g, lst))
    property_shapes = set(g.subjects(SH.path, None))
    node_shapes = set(g.subjects(RDF.type, SH.NodeShape))
    constrained = {s for p in CONSTRAINT_PARAMETERS for s in g.subjects(p, None)} - nested
    assert property_shapes and node_shapes
    lacking = []
    for node in sorted((property_shapes | node_shapes | constrained) - nested, key=str):
        messages = list(g.objects(node, SH.message))
        if not any(isinstance(m, rdflib.Literal) and m.language == "en" and str(m).strip()
                   for m in messages):
            path = g.value(node, SH.path)
            lacking.append(f"{node}" + (f" (sh:path {path})" if path else ""))
    assert not lacking, "constraints without an sh:message @en:\n  " + "\n  ".join(lacking)


def test_every_class_of_the_model_has_a_shape():
    """Guards against a class of docs/MODEL.md going unchecked: each must be the
    sh:targetClass of a shape (subclasses are reached through the ontology)."""
    g = rdflib.Graph().parse(SHAPES_FILE, format="turtle")
    targets = {str(t) for t in g.objects(None, SH.targetClass)}
    pkg = "https://w3id.org/partykg/ontology#"
    expected = {pkg + c for c in (
        "Person", "Organization", "Group", "Membership", "Event", "Place", "Work",
        "SourceDocument", "Claim", "Quotation", "Citation", "Mention", "ClaimLink", "Thesis",
        "Question", "Agreement", "Occasion", "Quantity", "TextBasis", "ReferenceBasis",
        "WikidataBasis", "EditorialBasis", "Discrepancy")}
    expected |= {"http://www.w3.org/ns/oa#SpecificResource",
                 "http://www.w3.org/ns/oa#TextQuoteSelector",
                 "http://www.w3.org/ns/oa#TextPositionSelector",
                 "http://spdx.org/rdf/terms#Checksum",
                 "http://www.w3.org/2004/02/skos/core#ConceptScheme",
                 "http://www.w3.org/ns/org#ChangeEvent"}
    assert expected <= targets, f"classes without a shape: {sorted(expected - targets)}"
