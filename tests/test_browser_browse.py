"""Search, the index pages and the reading view of `partykg serve` (issue 16,
items 5 and 6): plain HTTP checks, then a real headless Chromium on the real
build (tests/support/browser.py; the session `server_url` of tests/conftest.py).

Expected values come from the build's own files (annotation-index.json, the
source texts in data/sources/) or from SPARQL on the served endpoint, never
from the code under test.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
import unicodedata
import urllib.parse
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.browser import (
    WAIT,
    foreign_requests,
    get_json,
    opener,
    screenshots_at_both_sizes,
    sparql_rows,
)

from partykg.core.paths import project
from partykg.rdf.browse import READING, SEARCH_INDEX
from partykg.rdf.build import build
from partykg.serve.browse import Browse, BrowseError, segments

ROOT = Path(__file__).resolve().parents[1]
SPAN_KINDS = {"mention", "claim", "quotation", "citation", "quantity"}
PKG = "https://w3id.org/partykg/ontology#"


def ascii_fold(text: str) -> str:
    """The test's own accent and case folding (independent of serve/browse.fold)."""
    return "".join(c for c in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(c)).lower()


def spans_of(built, source: str) -> set[tuple[int, int, str]]:
    """(start, end, kind) of every span the annotation index records for a source."""
    index = json.loads(built.index.read_text(encoding="utf-8"))["index"]
    return {(w["start"], w["end"], iri.split("/id/", 1)[1].split("/", 1)[0])
            for iri, w in index.items()
            if w.get("source") == source and w.get("start") is not None
            and iri.split("/id/", 1)[1].split("/", 1)[0] in SPAN_KINDS}


def local(iri: str) -> str:
    """The server path of an IRI under the base."""
    return "/" + iri.split("/partykg/", 1)[1]


def source_texts() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "data/sources").glob("*")))


@functools.cache
def misspelling(built) -> tuple[str, dict]:
    """An alias or surface form spelt differently from another name of its entity
    (its label, an alias or a word of the label: not a mere case, accent or
    punctuation variant, nor a shortening), present in a text, and a name of no
    other entity: (the spelling, the entity). E.g. a text's "Zinnoviev"."""
    index = json.loads((built.build_dir / SEARCH_INDEX).read_text(encoding="utf-8"))
    texts = source_texts()
    owners: dict[str, set[str]] = {}
    for e in index["entities"]:
        for n in (e["label"], *e["aliases"], *e["forms"]):
            owners.setdefault(ascii_fold(n), set()).add(e["iri"])
    letters = lambda s: re.sub(r"\W", "", s)
    found = []
    for e in index["entities"]:
        for n in (*e["aliases"], *e["forms"]):
            f = ascii_fold(n)
            if n not in texts or len(owners[f]) > 1:
                continue
            others = {ascii_fold(o) for o in (e["label"], *e["aliases"], *e["label"].split())} - {f}
            for o in others:
                if f in o or o in f or letters(f) == letters(o):
                    break
            else:
                ratio = max((difflib.SequenceMatcher(None, f, o).ratio() for o in others), default=0)
                if ratio >= 0.8:
                    found.append((n in e["aliases"], ratio, n, e))
    assert found, "no misspelt alias or surface form in the data"
    # the registry's own record of a misspelling first, then the closest spelling
    *_, spelling, entity = max(found, key=lambda t: t[:3])
    return spelling, entity


# --- plain HTTP ------------------------------------------------------------------

@pytest.mark.slow
def test_browse_files_are_byte_identical_across_builds(built, tmp_path):
    again = project(ROOT, tmp_path / "out")
    build(again)
    for name in (SEARCH_INDEX, READING):
        assert (again.build_dir / name).read_bytes() == (built.build_dir / name).read_bytes(), name


def test_reading_file_has_exactly_the_spans_of_the_annotation_index(built):
    reading = json.loads((built.build_dir / READING).read_text(encoding="utf-8"))["sources"]
    index = json.loads(built.index.read_text(encoding="utf-8"))["index"]
    assert reading
    for key, doc in reading.items():
        got = {(s["start"], s["end"], s["kind"]) for s in doc["spans"]}
        assert got == spans_of(built, key), key
        for s in doc["spans"]:
            assert doc["text"][s["start"]:s["end"]] == index[s["iri"]]["passage"]


def test_api_search_ranks_a_real_label_first(server_url, built):
    index = json.loads((built.build_dir / SEARCH_INDEX).read_text(encoding="utf-8"))
    top = max(index["entities"], key=lambda e: (e["mentions"], e["iri"]))
    got = get_json(server_url + "/api/search?" + urllib.parse.urlencode({"q": top["label"].upper()}))
    assert got["results"][0]["iri"] == top["iri"]
    assert got["results"][0]["why"] == "exact label"
    ranks = [r["rank"] for r in got["results"]]
    assert ranks == sorted(ranks)
    # accents and case do not matter: a label with an accent, typed without it
    accented = next(e for e in index["entities"] if ascii_fold(e["label"]) != e["label"].lower()
                    and all(ord(c) < 128 for c in ascii_fold(e["label"])))
    plain = ascii_fold(accented["label"])
    got = get_json(server_url + "/api/search?" + urllib.parse.urlencode({"q": plain}))
    assert got["results"][0]["iri"] == accented["iri"]


def test_search_page_works_without_javascript(server_url, built):
    spelling, entity = misspelling(built)
    with opener.open(server_url + "/search?" + urllib.parse.urlencode({"q": spelling})) as r:
        page = r.read().decode()
    first = page.split('<li class="result', 1)[1]
    assert f'href="{local(entity["iri"])}"' in first.split("</li>", 1)[0]


@given(st.text(alphabet="ab é\n", min_size=1, max_size=40).flatmap(
    lambda text: st.tuples(st.just(text), st.lists(st.tuples(
        st.integers(0, len(text)), st.integers(0, len(text))), max_size=8))))
@settings(max_examples=40, deadline=None, derandomize=True, database=None)
def test_segments_partition_the_text_and_carry_every_covering_span(case):
    """Nested and overlapping spans: the segments tile the text, and each carries
    exactly the spans that cover it, so every span is its segments' union."""
    text, pairs = case
    spans = [{"start": min(a, b), "end": max(a, b), "kind": "claim" if i % 2 else "mention"}
             for i, (a, b) in enumerate(pairs) if a != b]
    segs = segments(text, spans)
    assert "".join(s["text"] for s in segs) == text
    assert [s["start"] for s in segs[1:]] == [s["end"] for s in segs[:-1]]
    for s in segs:
        assert s["ann"] and set(s["ann"]) == {i for i, sp in enumerate(spans)
                                             if sp["start"] <= s["start"] and s["end"] <= sp["end"]} \
            or not s["ann"] and not any(sp["start"] <= s["start"] < sp["end"] for sp in spans)
    for i, sp in enumerate(spans):
        mine = [s for s in segs if i in s["ann"]]
        assert (mine[0]["start"], mine[-1]["end"]) == (sp["start"], sp["end"])
        assert "".join(s["text"] for s in mine) == text[sp["start"]:sp["end"]]


def test_a_kind_without_its_slash_redirects_to_its_index(server_url):
    import http.client
    host, port = urllib.parse.urlparse(server_url).netloc.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=WAIT)
    try:
        conn.request("GET", "/id/person?sort=-mentions")
        response = conn.getresponse()
        assert (response.status, response.getheader("Location")) == (308, "/id/person/?sort=-mentions")
    finally:
        conn.close()


def test_a_build_without_the_browser_files_is_told_to_rebuild(tmp_path, built):
    with pytest.raises(BrowseError, match="search-index.json is missing: run `partykg build`"):
        Browse(tmp_path, built.base)


def test_long_indexes_come_in_pages_that_together_hold_every_row(built):
    """An index longer than a page is cut into pages (the 1M synthetic corpus's
    12,491 claims were one 6 MB page): with 100 rows a page here, the pages of the
    claim index, sorted by date, hold every claim of the build once, in the sorted
    order, each page linking its neighbours with the sort and filters kept."""
    browse = Browse(built.build_dir, built.base)
    browse.page_size = 100
    index = json.loads((built.build_dir / SEARCH_INDEX).read_text(encoding="utf-8"))
    total = len(index["claims"])
    pages = -(-total // 100)
    assert pages >= 3, total
    keys, expected_order = [], sorted(index["claims"], key=lambda c: c["date"] or "9999")
    for page in range(1, pages + 1):
        html = browse.kind_page("claim", {"sort": "date", "stance": ""}, page)
        keys += re.findall(r'<tr><td><a href="/id/claim/[^"]+">([^<]+)</a>', html)
        first, last = (page - 1) * 100 + 1, min(page * 100, total)
        assert f"rows {first}–{last} of {total} · page {page} of {pages}" in html
        prev = re.findall(r'rel="prev" href="([^"]*)"', html)
        nxt = re.findall(r'rel="next" href="([^"]*)"', html)
        assert prev == ([] if page == 1 else 2 * [
            "/id/claim/?sort=date&amp;stance=" if page == 2
            else f"/id/claim/?page={page - 1}&amp;sort=date&amp;stance="])
        assert nxt == ([] if page == pages else 2 * [f"/id/claim/?page={page + 1}&amp;sort=date&amp;stance="])
    assert keys == [c["key"] for c in expected_order]
    # past the last page: the last page; one page: no pager at all
    assert browse.kind_page("claim", {}, pages + 5).count("<tr class=\"detail\">") == total - (pages - 1) * 100
    browse.page_size = 500
    assert 'class="pager"' not in browse.kind_page("person", {}, 1)


def test_a_page_that_is_not_a_page_number_is_refused(server_url):
    import urllib.error
    for bad in ("0", "x", "-1", "2.5"):
        with pytest.raises(urllib.error.HTTPError) as err:
            opener.open(server_url + f"/id/claim/?page={bad}", timeout=WAIT)
        assert err.value.code == 400
        assert err.value.read().decode() == (f"page={bad!r}: give a page number from 1 "
                                             "(e.g. ?page=2)\n")


# --- in the browser --------------------------------------------------------------




def wait_for(driver, script: str):
    from selenium.webdriver.support.ui import WebDriverWait
    return WebDriverWait(driver, WAIT).until(lambda d: d.execute_script(script))


@pytest.mark.external("chromium", "chromedriver")
@pytest.mark.slow
def test_typing_a_misspelling_in_the_search_box_finds_the_entity(browser, server_url, built, shots):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    spelling, entity = misspelling(built)
    browser.get(server_url + "/id/source/")
    foreign_requests(browser, server_url)
    browser.find_element(By.TAG_NAME, "body").send_keys("/")
    box = browser.switch_to.active_element
    assert box.get_attribute("id") == "site-search"
    box.send_keys(spelling)
    wait_for(browser, "return document.querySelectorAll('#site-search-list li').length > 0")
    first = browser.find_element(By.CSS_SELECTOR, "#site-search-list li")
    href = first.get_attribute("data-href")
    assert href == local(entity["iri"])
    screenshots_at_both_sizes(browser, shots, "search")
    box.send_keys(Keys.ARROW_DOWN)
    assert first.get_attribute("aria-selected") == "true"
    box.send_keys(Keys.ENTER)
    wait_for(browser, f"return location.pathname === {json.dumps(href)}")
    assert entity["label"] in browser.find_element(By.TAG_NAME, "h1").text
    assert foreign_requests(browser, server_url) == []


@pytest.mark.external("chromium", "chromedriver")
@pytest.mark.slow
def test_person_index_counts_equal_sparql_counts(browser, server_url, shots):
    from selenium.webdriver.common.by import By
    browser.get(server_url + "/id/person/?sort=-mentions")
    foreign_requests(browser, server_url)
    rows = browser.find_elements(By.CSS_SELECTOR, "table.index tbody tr")
    persons = sparql_rows(server_url, """SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {
        ?p a ?t ; <http://www.w3.org/2000/01/rdf-schema#label> ?l .
        FILTER(STRSTARTS(STR(?p), "https://w3id.org/partykg/id/person/")) }""")
    assert len(rows) == int(persons[0]["n"]["value"]) > 0
    link = rows[0].find_element(By.CSS_SELECTOR, "td a")
    iri = "https://w3id.org/partykg" + urllib.parse.urlparse(link.get_attribute("href")).path
    mentions = sparql_rows(server_url, f"""SELECT (COUNT(?m) AS ?n) WHERE {{
        ?m a <{PKG}Mention> ; <http://www.w3.org/ns/oa#hasBody> <{iri}> }}""")
    shown = [int(r.find_element(By.CSS_SELECTOR, "td.mentions").text) for r in rows]
    assert shown[0] == int(mentions[0]["n"]["value"]) > 0
    assert shown == sorted(shown, reverse=True)
    about = sparql_rows(server_url, f"""SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{
        ?c a <{PKG}Claim> ; <http://schema.org/about> <{iri}> }}""")
    assert int(rows[0].find_element(By.CSS_SELECTOR, "td.about").text) == int(about[0]["n"]["value"])
    screenshots_at_both_sizes(browser, shots, "index-person")
    # the claim index's stance facet: its count is the number of claims opposing a thesis
    browser.get(server_url + "/id/claim/?stance=opposes")
    opposes = sparql_rows(server_url, f"""SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{
        ?c <{PKG}opposesThesis> ?t }}""")
    assert int(browser.find_element(By.ID, "total").text) == int(opposes[0]["n"]["value"]) > 0
    # stance and thesis together: the claims opposing the most opposed thesis
    most = sparql_rows(server_url, f"""SELECT ?t (COUNT(DISTINCT ?c) AS ?n) WHERE {{
        ?c <{PKG}opposesThesis> ?t }} GROUP BY ?t ORDER BY DESC(?n) ?t LIMIT 1""")[0]
    browser.get(server_url + "/id/claim/?" + urllib.parse.urlencode(
        {"stance": "opposes", "thesis": most["t"]["value"]}))
    assert int(browser.find_element(By.ID, "total").text) == int(most["n"]["value"])
    assert foreign_requests(browser, server_url) == []


READ_DOM = """
const data = JSON.parse(document.getElementById('annotations').textContent);
const out = {};
let gaps = [];
for (const s of document.querySelectorAll('#text .a')) {
  const a = +s.dataset.start, b = +s.dataset.end;
  for (const id of s.dataset.ann.split(' ')) {
    const o = out[id] || (out[id] = {start: a, end: b, kind: data[id].kind, text: ''});
    if (a !== o.end && a !== o.start) gaps.push(id);
    if (a === o.end) { o.end = b; }
    o.text += s.textContent;
  }
}
return {spans: Object.values(out), gaps: gaps};
"""


@pytest.mark.external("chromium", "chromedriver")
@pytest.mark.slow
def test_reading_view_highlights_exactly_the_annotation_index(browser, server_url, built, shots):
    from selenium.webdriver.common.by import By
    index = json.loads(built.index.read_text(encoding="utf-8"))["index"]
    sizes = {}
    for w in index.values():
        if w.get("source") and w.get("start") is not None:
            sizes[w["source"]] = sizes.get(w["source"], 0) + 1
    essay = max(sizes, key=lambda k: (sizes[k], k))       # the essay with most annotations
    browser.get(f"{server_url}/source/{essay}/read")
    foreign_requests(browser, server_url)
    dom = browser.execute_script(READ_DOM)
    assert dom["gaps"] == []
    got = {(s["start"], s["end"], s["kind"]) for s in dom["spans"]}
    assert got == spans_of(built, essay)
    passages = {(w["start"], w["end"]): w["passage"] for w in index.values()
                if w.get("source") == essay and w.get("start") is not None}
    for s in dom["spans"]:
        assert s["text"] == passages[(s["start"], s["end"])]
    # toggling a kind off removes its highlight (a segment that is only a mention)
    seg = browser.find_element(By.CSS_SELECTOR, "#text .a.k-mention:not(.k-claim):not(.k-quotation)")
    style = "return getComputedStyle(arguments[0]).textDecorationLine"
    assert browser.execute_script(style, seg) == "underline"
    browser.find_element(By.ID, "show-mention").click()
    assert browser.execute_script(style, seg) == "none"
    browser.find_element(By.ID, "show-mention").click()
    # a claim in the side panel: its paraphrase, as SPARQL has it
    claim = next(iri for iri, w in index.items() if w.get("source") == essay and "/id/claim/" in iri
                 and w.get("start") is not None)
    para = sparql_rows(server_url, f"SELECT ?p WHERE {{ <{claim}> <{PKG}paraphrase> ?p }}")
    w = index[claim]
    browser.get(f"{server_url}/source/{essay}/read#char={w['start']},{w['end']}")
    marked = browser.execute_script(
        "return Array.from(document.querySelectorAll('#text .target')).map(s => s.textContent).join('')")
    assert marked == w["passage"]
    in_view = browser.execute_script(
        "const r = document.querySelector('#text .target').getBoundingClientRect();"
        "return r.top >= 0 && r.top < window.innerHeight")
    assert in_view
    panel = browser.find_element(By.ID, "panel-body").text
    assert para[0]["p"]["value"] in panel
    link = browser.find_element(By.CSS_SELECTOR, "#panel-body .passage-link")
    assert link.get_attribute("href").endswith(f"#char={w['start']},{w['end']}")
    screenshots_at_both_sizes(browser, shots, "reading")
    assert foreign_requests(browser, server_url) == []
