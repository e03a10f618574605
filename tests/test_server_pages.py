"""Entity, thesis, claim and essay pages of `partykg serve` over plain HTTP: their
RDF alternates (IRI.ttl / .nt / .jsonld, ?format=, content negotiation), the
ontology by content negotiation, thesis pages, sections and folding lists,
literals, errors and truncated results of /sparql with the streamed CSV
download, and citing (cite blocks, /cite/… BibTeX and CSL-JSON, CITATION.cff).

Expected values come from the real build: independent SPARQL queries on the
store (the `store` fixture), the ontology file, the CHANGELOG and pyproject.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tomllib
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest
import rdflib
from rdflib.compare import isomorphic

from partykg import __version__
from partykg.core.namespaces import dataset_iri
from partykg.publish.describe import LICENSE
from partykg.publish.release import changelog_entry

ROOT = Path(__file__).resolve().parents[1]
BASE = "https://w3id.org/partykg/"
PKG = "https://w3id.org/partykg/ontology#"
RDF_FORMATS = {"ttl": ("turtle", "text/turtle"), "nt": ("nt", "application/n-triples"),
               "jsonld": ("json-ld", "application/ld+json")}
EXAMPLES = ["person/vladimir-lenin", "thesis/crisis-of-leadership", "claim/mandel-1970-c01",
            "source/mandel-1970"]
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http(url: str, headers: dict | None = None):
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with opener.open(req, timeout=60) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def sparql_url(server_url: str, query: str) -> str:
    return server_url + "/sparql?" + urllib.parse.urlencode({"query": query})


def description(store, iri: str) -> rdflib.Graph:
    """What the RDF alternate of an IRI is to hold, by an independent CONSTRUCT:
    its triples, those of its #parts, those pointing at it, and the triples of
    the blank nodes among these (OWL axioms annotating a statement about it)."""
    q = f"""CONSTRUCT {{ ?s ?p ?o }} WHERE {{
      {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?s = <{iri}> || STRSTARTS(STR(?s), "{iri}#")) }}
      UNION {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?o = <{iri}>) }}
      UNION {{ GRAPH ?g {{ ?s ?x <{iri}> . ?s ?p ?o }} FILTER(isBlank(?s)) }} }}"""
    from pyoxigraph import RdfFormat, serialize
    data = serialize(store.query(q), format=RdfFormat.N_TRIPLES)
    return rdflib.Graph().parse(data=data, format="nt")


class Page(HTMLParser):
    """The parts of a page the tests read: <link rel=alternate>, ids, elements by class."""

    def __init__(self, html: str):
        super().__init__()
        self.alternates: list[tuple[str, str]] = []
        self.ids: dict[str, dict] = {}
        self.tags: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "link" and a.get("rel") == "alternate":
            self.alternates.append((a["type"], a["href"]))
        if "id" in a:
            self.ids[a["id"]] = {"tag": tag, **a}


# --- RDF alternates and content negotiation ---------------------------------------------

@pytest.mark.parametrize("path", EXAMPLES)
def test_alternates_parse_and_hold_the_description(server_url, store, path):
    """Each page links Turtle, N-Triples and JSON-LD; each alternate (suffix and
    ?format=) parses and holds exactly the IRI's description."""
    status, headers, body = http(f"{server_url}/id/{path}", {"Accept": "text/html"})
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    page = Page(body.decode())
    assert sorted(page.alternates) == sorted(
        (media, f"/id/{path}.{suffix}") for suffix, (_, media) in RDF_FORMATS.items())
    expected = description(store, BASE + "id/" + path)
    assert len(expected) > 0
    for suffix, (fmt, media) in RDF_FORMATS.items():
        status, headers, body = http(f"{server_url}/id/{path}.{suffix}")
        assert status == 200 and headers["Content-Type"].startswith(media), (suffix, status)
        g = rdflib.Graph().parse(data=body, format=fmt)
        assert isomorphic(g, expected), (path, suffix, len(g), len(expected))
        status, _, again = http(f"{server_url}/id/{path}?format={suffix}")
        assert status == 200 and again == body


def test_entity_content_negotiation(server_url):
    """Accept picks the same bytes as the suffix; HTML for browsers; 406 for nothing known."""
    url = f"{server_url}/id/person/vladimir-lenin"
    _, _, ttl = http(url + ".ttl")
    status, headers, body = http(url, {"Accept": "text/turtle;q=1, text/html;q=0.5"})
    assert status == 200 and headers["Content-Type"].startswith("text/turtle") and body == ttl
    status, headers, _ = http(url, {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    status, _, body = http(url, {"Accept": "image/png"})
    assert status == 406 and b"text/turtle" in body
    status, _, body = http(url + "?format=pdf")
    assert status == 400 and b"format=pdf" in body


@pytest.mark.parametrize("accept,fmt", [("text/turtle", "turtle"), ("application/rdf+xml", "xml"),
                                        ("application/ld+json", "json-ld")])
def test_ontology_content_negotiation(server_url, accept, fmt):
    """/ontology answers Turtle, RDF/XML or JSON-LD when asked, each the ontology
    file's triples; a browser still gets the HTML documentation."""
    status, headers, body = http(server_url + "/ontology", {"Accept": accept})
    assert status == 200 and headers["Content-Type"].startswith(accept)
    g = rdflib.Graph().parse(data=body, format=fmt)
    assert isomorphic(g, rdflib.Graph().parse(ROOT / "ontology/partykg.ttl", format="turtle"))
    suffix = {"turtle": "ttl", "xml": "owl", "json-ld": "jsonld"}[fmt]
    assert http(f"{server_url}/ontology.{suffix}")[2] == body
    status, headers, body = http(server_url + "/ontology", {"Accept": "text/html"})
    assert status == 200 and headers["Content-Type"].startswith("text/html") and b"<html" in body


# --- thesis pages, sections, literals ---------------------------------------------------

def test_thesis_pages_count_claims_by_stance(server_url, store):
    """Every thesis page lists, per stance, as many claims as a SPARQL count finds,
    each claim once, grouped by essay."""
    from conftest import select
    counts = {(r["t"], r["p"].rsplit("#", 1)[1]): int(r["n"]) for r in select(store, f"""
        SELECT ?t ?p (COUNT(DISTINCT ?c) AS ?n) WHERE {{ ?c ?p ?t .
        FILTER(?p IN (<{PKG}supportsThesis>, <{PKG}opposesThesis>, <{PKG}qualifiesThesis>)) }}
        GROUP BY ?t ?p""")}
    theses = sorted({t for t, _ in counts})
    assert len(theses) >= 5
    stance_of = {"supportsThesis": "supports", "opposesThesis": "opposes",
                 "qualifiesThesis": "qualifies"}
    for thesis in theses:
        status, _, body = http(server_url + "/" + thesis[len(BASE):])
        assert status == 200
        html = body.decode()
        for p, stance in stance_of.items():
            want = counts.get((thesis, p), 0)
            section = re.search(rf'<section id="{stance}"[^>]*data-count="(\d+)">(.*?)</section>',
                                html, re.DOTALL)
            assert section and int(section.group(1)) == want, (thesis, stance)
            claims = re.findall(r'<li id="[a-z]+-([^"]+)" class="thesis-claim">', section.group(2))
            assert len(claims) == len(set(claims)) == want, (thesis, stance)
            assert f'<a href="#{stance}">' in html


def test_lenin_page_has_sections_counts_and_folding_lists(server_url, store):
    """The long Lenin page: a table of contents whose counts are those of the lists
    below, and lists longer than twelve items folded in <details>."""
    from conftest import select
    _, _, body = http(server_url + "/id/person/vladimir-lenin")
    html = body.decode()
    toc = dict(re.findall(r'<li><a href="#([a-z-]+)">[^<]*</a> <span class="count">\((\d+)\)',
                          html.split('<nav class="toc"', 1)[1].split("</nav>", 1)[0]))
    assert {"claims-made", "claims-about", "quotations", "mentions", "related"} <= set(toc)
    lenin = BASE + "id/person/vladimir-lenin"
    [made] = select(store, f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ ?c <{PKG}claimant> <{lenin}> }}")
    [about] = select(store, f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ ?c a <{PKG}Claim> ; "
                            f"<http://schema.org/about> <{lenin}> }}")
    assert int(toc["claims-made"]) == int(made["n"]) and int(toc["claims-about"]) == int(about["n"])
    for anchor, count in toc.items():
        section = html.split(f'<section id="{anchor}"', 1)[1].split("</section>", 1)[0]
        assert section.count("<li") == int(count) or anchor == "description", anchor
    folded = re.findall(r'<details class="fold[^"]*"( open)?><summary>', html)
    assert any(not o for o in folded) and any(o for o in folded)   # long folded, short open


def test_literals_shown_as_values_with_a_discreet_suffix(server_url):
    """A typed literal shows its value and its datatype in small type, a tagged one
    its language; never N-Triples syntax."""
    _, _, body = http(server_url + "/id/source/mandel-1970")
    html = body.decode()
    assert "^^" not in html and "&#34;10098" not in html and "@en&" not in html
    assert re.search(r'<td>10098<small class="lit-note">xsd:integer</small></td>', html)
    assert re.search(r'<td>1970<small class="lit-note">xsd:gYear</small></td>', html)
    assert '<small class="lit-note">@en</small>' in html


# --- errors and truncated results --------------------------------------------------------

def test_failed_query_answers_its_error(server_url):
    """A malformed query and a SERVICE outside the allow-list get 400 with the reason."""
    status, _, body = http(sparql_url(server_url, "SELECT * WHERE { ?s ?p "))
    assert status == 400 and b"malformed query" in body
    status, _, body = http(sparql_url(
        server_url, "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"))
    assert status == 400 and b"SERVICE" in body


@pytest.mark.slow
def test_offline_federated_service_is_502(built):
    """A SERVICE on the allow-list that does not answer gives 502 with the reason."""
    from partykg.core.net import free_port
    from partykg.serve.server import serve_in_thread
    dead = f"http://127.0.0.1:{free_port()}/sparql"
    server, url = serve_in_thread(built, timeout=5.0, workers=1, fast_workers=0,
                                  allow_service=(dead,))
    try:
        status, _, body = http(sparql_url(url, f"SELECT * WHERE {{ SERVICE <{dead}> {{ ?s ?p ?o }} }}"))
    finally:
        server.shutdown()
    assert status == 502 and b"SERVICE endpoint of the query failed" in body


def test_over_cap_result_is_truncated_and_the_csv_streams_every_row(server_url, store):
    """SELECT over the 5,000-row cap: the first 5,000 rows, X-Partykg-Truncated, a Link
    to /download.csv, which streams (chunked, no Content-Length) every row."""
    from conftest import select
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
    [total] = select(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert int(total["n"]) > 5000
    status, headers, body = http(sparql_url(server_url, query),
                                 {"Accept": "application/sparql-results+json"})
    assert status == 200 and headers["X-Partykg-Truncated"] == "true"
    assert len(json.loads(body)["results"]["bindings"]) == 5000
    link = re.match(r'<([^>]+)>; rel="alternate"; type="text/csv"', headers["Link"]).group(1)
    status, headers, body = http(server_url + link)
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    assert headers.get("Transfer-Encoding") == "chunked" and "Content-Length" not in headers
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
    assert rows[0] == ["s", "p", "o"] and len(rows) - 1 == int(total["n"])
    # HEAD: the download's status and headers, without its body (the query is
    # stopped once its first rows show it runs)
    head = urllib.request.Request(server_url + link, method="HEAD")
    with opener.open(head, timeout=60) as r:
        assert r.status == 200 and r.headers["Content-Type"].startswith("text/csv")
        assert r.headers["Content-Disposition"] == 'attachment; filename="partykg-result.csv"'
        assert r.read() == b""


def test_download_refuses_what_it_cannot_stream(server_url):
    for query, why in (("SELECT * WHERE { ?s ", b"malformed query"),
                       ("ASK { ?s ?p ?o }", b"for SELECT queries")):
        status, _, body = http(server_url + "/download.csv?" + urllib.parse.urlencode({"query": query}))
        assert status == 400 and why in body
    status, _, _ = http(server_url + "/download.csv")
    assert status == 400


# --- citing ------------------------------------------------------------------------------

def release_facts() -> tuple[str, str]:
    date, _ = changelog_entry(ROOT, __version__)
    return __version__, date


def test_dataset_citation_downloads(server_url):
    """The dataset's BibTeX and CSL-JSON carry the version, its IRI, the CHANGELOG date
    and the licence of the release's DCAT description."""
    version, date = release_facts()
    status, headers, bib = http(server_url + "/cite/dataset.bib")
    assert status == 200 and headers["Content-Type"].startswith("application/x-bibtex")
    bib = bib.decode()
    assert bib.startswith(f"@misc{{partykg-{version},") and f"version = {{{version}}}" in bib
    assert f"url = {{{dataset_iri(BASE, version)}}}" in bib and f"date = {{{date}}}" in bib
    assert LICENSE in bib and "doi" not in bib.lower()
    status, _, body = http(server_url + "/cite/dataset.json")
    [item] = json.loads(body)
    assert item["type"] == "dataset" and item["version"] == version
    assert item["URL"] == dataset_iri(BASE, version) and item["license"] == LICENSE
    assert item["issued"]["date-parts"] == [[int(x) for x in date.split("-")]]


def test_essay_and_entity_citations(server_url, store):
    """An essay is cited with its own author, title and publisher (from its triples);
    an entity as an entry of the dataset; both pages carry the cite block."""
    from conftest import select
    essay = BASE + "id/source/mandel-1970"
    [meta] = select(store, f"""SELECT ?title ?who ?pub WHERE {{ <{essay}>
        <http://purl.org/dc/terms/title> ?title ; <http://schema.org/author>/<http://www.w3.org/2000/01/rdf-schema#label> ?who ;
        <http://schema.org/publisher>/<http://www.w3.org/2000/01/rdf-schema#label> ?pub }}""")
    _, _, bib = http(server_url + "/cite/id/source/mandel-1970.bib")
    bib = bib.decode()
    assert bib.startswith("@article{mandel-1970,")
    assert f"author = {{{{{meta['who']}}}}}" in bib and meta["title"] in bib and meta["pub"] in bib
    _, _, body = http(server_url + "/cite/id/person/vladimir-lenin.json")
    [item] = json.loads(body)
    assert item["title"] == "Vladimir Lenin" and item["URL"] == BASE + "id/person/vladimir-lenin"
    assert item["version"] == __version__
    for path, cite_path in (("source/mandel-1970", "source/mandel-1970"),
                            ("person/vladimir-lenin", "person/vladimir-lenin")):
        _, _, body = http(f"{server_url}/id/{path}")
        html = body.decode()
        assert '<section id="cite"' in html and f'href="/cite/id/{cite_path}.bib"' in html
        assert f'href="/cite/id/{cite_path}.json"' in html and 'href="/cite/dataset.bib"' in html
    status, _, _ = http(server_url + "/cite/id/person/nobody-at-all.bib")
    assert status == 404
    _, _, home = http(server_url + "/")
    assert b'<section id="cite"' in home and b'href="/cite/dataset.bib"' in home


@pytest.mark.slow
def test_a_corpus_without_a_release_entry_is_served_without_citations(tmp_path):
    """A project whose CHANGELOG has no entry for the version (a synthetic corpus, a
    corpus before its first release) is still served: its pages have no cite block
    and /cite/… says why (it stopped `partykg serve` with exit 2 before)."""
    from conftest import built_copy

    from partykg.core.paths import project
    from partykg.serve.server import serve_in_thread
    folder = built_copy(tmp_path / "corpus", only="mandel-1970.yaml")
    assert not (folder / "CHANGELOG.md").exists()
    server, url = serve_in_thread(project(folder, folder / "out"), workers=1, fast_workers=0)
    try:
        cite = http(url + "/cite/dataset.bib")
        entity = http(url + "/cite/id/person/ernest-mandel.json")
        page = http(url + "/id/person/ernest-mandel")
        essay = http(url + "/id/source/mandel-1970")
    finally:
        server.shutdown()
    for status, _, body in (cite, entity):
        assert status == 404
        assert body.decode() == (f"this dataset cannot be cited yet: CHANGELOG.md: no entry for "
                                 f"version {__version__}; add a section `## [{__version__}] - "
                                 "YYYY-MM-DD` describing the release\n")
    for status, _, body in (page, essay):
        assert status == 200 and b"Ernest Mandel" in body
        assert b'id="cite"' not in body and b"Cite this" not in body


def test_citation_cff_is_valid_and_agrees_with_the_release():
    """CITATION.cff validates against the CFF 1.2.0 schema (the one `cffconvert
    --validate` uses; tests/fixtures/README.md) and names the version, date, licence
    and authors the project records (pyproject.toml, CHANGELOG, DCAT licence)."""
    import jsonschema
    import yaml
    text = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    # CFF is YAML 1.2; dates are strings to the schema (cffconvert reads them so too)
    cff = yaml.load(text, Loader=yaml.BaseLoader)
    schema = json.loads((ROOT / "tests" / "fixtures" / "cff-1.2.0" / "schema.json")
                        .read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for e in validator.iter_errors(cff)]
    assert errors == []
    assert cff["cff-version"] == "1.2.0"
    version, date = release_facts()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert cff["version"] == version == project["version"]
    assert str(cff["date-released"]) == date
    assert cff["license"] == "CC-BY-4.0" and LICENSE == "https://creativecommons.org/licenses/by/4.0/"
    assert [a["name"] for a in cff["authors"]] == [a["name"] for a in project["authors"]]
    assert cff["url"] == dataset_iri(BASE, version)
    assert "doi" not in json.dumps(cff, default=str).lower()


@pytest.mark.slow
def test_download_is_cut_at_the_time_limit_and_frees_its_worker(server_url):
    """A download that outlasts the time limit (3 s here) ends with an incomplete
    body, never a complete-looking CSV; a client that goes away mid-stream and the
    cut stream both give their worker back: the next queries are answered."""
    from http.client import IncompleteRead
    big = server_url + "/download.csv?" + urllib.parse.urlencode(
        {"query": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"})
    with opener.open(big, timeout=60) as r:
        assert r.status == 200 and len(r.read(100_000)) == 100_000    # then hang up
    with pytest.raises((IncompleteRead, ConnectionError)), opener.open(big, timeout=60) as r:
        while r.read(1 << 20):
            pass
    for _ in range(3):
        status, _, body = http(sparql_url(server_url, "ASK { ?s ?p ?o }"))
        assert status == 200 and b"true" in body
