"""`partykg nanopub`: claims and quotations as nanopublications, checked with
nanopub-py's own verification (trusty URI, signature, structure), and read back
into Oxigraph to compare with the build."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import select
from nanopub import Nanopub
from nanopub.utils import MalformedNanopubError
from pyoxigraph import RdfFormat, Store

from partykg.core.namespaces import PREFIXES
from partykg.publish.nanopub import PASSAGE_PROPS, nanopublish, signature_holds

# nanopub-py builds, hashes and signs every nanopublication with rdflib: seconds per
# source, so the whole module is slow
pytestmark = pytest.mark.slow
PKG = PREFIXES["pkg"]
SMALL = "crn-2003"


@pytest.fixture(scope="module")
def unsigned(built, tmp_path_factory):
    """The nanopublications of the whole build, unsigned."""
    folder, written = nanopublish(built, dest=tmp_path_factory.mktemp("np") / "nanopub")
    return folder, written


@pytest.fixture(scope="module")
def test_key(tmp_path_factory) -> Path:
    """A TEST KEY, generated here in the test's temporary folder and never committed."""
    from Crypto.PublicKey import RSA
    path = tmp_path_factory.mktemp("key") / "TEST-ONLY-nanopub-key.pem"
    path.write_bytes(RSA.generate(2048).export_key())
    return path


@pytest.fixture(scope="module")
def signed(built, test_key, tmp_path_factory):
    folder, written = nanopublish(built, test_key, sources=[SMALL],
                                  dest=tmp_path_factory.mktemp("np") / "nanopub")
    return folder, written


def test_signed_claim_verifies_with_nanopub_py(signed):
    folder, written = signed
    claim = next(w for w in written if "/claim/" in w.record)
    np_ = Nanopub(rdf=folder / claim.path)
    assert str(np_.source_uri) == claim.uri and claim.uri.startswith("http://purl.org/np/RA")
    assert np_.is_valid and np_.has_valid_trusty and np_.has_valid_signature
    assert signature_holds(np_)  # nanopub-py's own check cannot fail: see signature_holds
    # the assertion is the claim, with its claimant and stance
    preds = {str(p) for s, p, o in np_.assertion if str(s) == claim.record}
    assert {PKG + "claimant", PKG + "attributionMode", PKG + "statedIn"} <= preds
    # the provenance names the annotation file and line the build's index gives
    values = {str(o) for s, p, o in np_.provenance}
    assert f"data/annotations/{SMALL}.yaml" in values
    assert any(v.startswith("line=") for v in values)


def test_tampering_breaks_the_trusty_uri(signed, tmp_path):
    """One changed byte in the assertion: the trusty URI no longer recomputes, and the
    signature no longer matches (checked with signature_holds: nanopub-py's
    has_valid_signature passes a wrong signature)."""
    folder, written = signed
    claim = next(w for w in written if "/claim/" in w.record)
    text = (folder / claim.path).read_text(encoding="utf-8")
    start = text.index('pkg:paraphrase "') + len('pkg:paraphrase "')
    bad = tmp_path / "tampered.trig"
    bad.write_text(text[:start] + ("X" if text[start] != "X" else "Y") + text[start + 1:],
                   encoding="utf-8")
    with pytest.raises(MalformedNanopubError):
        assert Nanopub(rdf=bad).has_valid_trusty
    assert signature_holds(Nanopub(rdf=folder / claim.path))
    assert not signature_holds(Nanopub(rdf=bad))


def test_signed_output_is_deterministic(built, test_key, signed, tmp_path):
    """The same build, date and key give the same bytes (RSA PKCS#1 v1.5 is deterministic)."""
    folder, _ = signed
    again, _ = nanopublish(built, test_key, sources=[SMALL], dest=tmp_path / "nanopub")
    files = sorted(p.relative_to(folder) for p in folder.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    for rel in files:
        assert (folder / rel).read_bytes() == (again / rel).read_bytes(), rel


def test_index_lists_every_nanopub_of_the_source(signed):
    folder, written = signed
    idx = Nanopub(rdf=folder / SMALL / "index.trig")
    assert idx.is_valid and idx.has_valid_trusty and signature_holds(idx)
    listed = {str(o) for s, p, o in idx.assertion
              if str(p) == "http://purl.org/nanopub/x/includesElement"}
    assert listed == {w.uri for w in written if w.path.name != "index.trig"}
    assert any(str(o) == "http://purl.org/nanopub/x/NanopubIndex" for o in idx.pubinfo.objects())


def test_a_file_that_is_no_key_is_refused(built, tmp_path):
    """--key pointing at something else: a clear error naming the file, nothing written."""
    from partykg.core.errors import InputError
    bad = tmp_path / "not-a-key.pem"
    bad.write_text("-----BEGIN NOTHING-----\nabc\n", encoding="utf-8")
    with pytest.raises(InputError, match="not an RSA private key") as exc:
        nanopublish(built, bad, sources=[SMALL], dest=tmp_path / "np")
    assert exc.value.problems[0].file == str(bad)
    assert not (tmp_path / "np").exists()


def test_unknown_source_is_refused(built, tmp_path):
    from partykg.core.errors import InputError
    with pytest.raises(InputError, match="no source nope"):
        nanopublish(built, sources=["nope"], dest=tmp_path / "np")
    assert not (tmp_path / "np").exists()


def test_all_nanopubs_give_back_the_claims_of_the_build(unsigned, store):
    """Loaded into Oxigraph, the assertion graphs hold the same claims and quotations as
    the build (same IRIs), each with the build's triples less its passage."""
    folder, written = unsigned
    np_store = Store()
    for w in written:
        np_store.load(path=str(folder / w.path), format=RdfFormat.TRIG)
    assertion_graphs = """?np <http://www.nanopub.org/nschema#hasAssertion> ?a ."""
    for cls in ("Claim", "Quotation"):
        got = {r["c"] for r in select(np_store, f"""SELECT DISTINCT ?c WHERE {{
            GRAPH ?h {{ {assertion_graphs} }} GRAPH ?a {{ ?c a <{PKG}{cls}> }} }}""")}
        want = {r["c"] for r in select(store, f"SELECT DISTINCT ?c WHERE {{ ?c a <{PKG}{cls}> }}")}
        assert got == want and len(want) > 50, cls
    # every claim triple of the build (passage excepted) is in an assertion graph
    exclude = " ".join(f"<{p}>" for p in PASSAGE_PROPS)
    query = f"""SELECT ?c ?p ?o WHERE {{ GRAPH ?g {{ ?c a <{PKG}Claim> ; ?p ?o
        FILTER(?p NOT IN ({exclude.replace(' ', ', ')})) }} }}"""
    build_triples = {(r["c"], r["p"], r["o"]) for r in select(store, query)}
    np_triples = {(r["c"], r["p"], r["o"]) for r in select(np_store, query)}
    assert np_triples == build_triples and len(build_triples) > 3000
    # one index per source, listing every nanopub of that source
    indexes = [w for w in written if w.path.name == "index.trig"]
    assert len(indexes) == len({w.path.parent for w in written}) == 5
    n_listed = select(np_store, """SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { GRAPH ?g {
        ?i <http://purl.org/nanopub/x/includesElement> ?x } }""")[0]["n"]
    assert int(n_listed) == len(written) - len(indexes)
