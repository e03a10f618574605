"""The workbench views in a real browser: the debate map (/debate), the argument
network (/network), the timeline (/timeline) and a result view of the query page,
on `partykg serve` over the real build (the `server_url` fixture). What the pages
draw is compared with independent SPARQL (ready-made queries 03, 16, 19, 37 and
counts written here), never with numbers written into the test. Screenshots of
each view at 1280×800 and 390×844 go to a tmp folder (and to $PARTYKG_SCREENSHOTS).
"""

from __future__ import annotations

import urllib.parse
from collections import Counter
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait
from support.browser import (
    WAIT,
    foreign_requests,
    get_json,
    requests_made,
    screenshots_at_both_sizes,
    sparql_rows,
)

pytestmark = [pytest.mark.external("chromium", "chromedriver"), pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
PREFIXES = """PREFIX pkg: <https://w3id.org/partykg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX oa: <http://www.w3.org/ns/oa#>
"""




def query_text(number: str) -> str:
    [path] = (ROOT / "queries").glob(f"{number}-*.rq")
    return path.read_text(encoding="utf-8")


def key(binding: dict, name: str) -> str:
    return binding[name]["value"].rsplit("/", 1)[-1]


def left_the_origin(driver, server_url: str) -> list[str]:
    """Requests since the last call that went to another host (the browser's own
    chrome:// pages aside), and the page's JavaScript errors: a Content-Security-Policy
    violation (an inline script or style element, a CDN) is one of them."""
    urls = [u for u in foreign_requests(driver, server_url)
            if urllib.parse.urlsplit(u).scheme in ("http", "https", "ws", "wss")]
    return urls + [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def open_view(driver, server_url: str, path: str) -> None:
    driver.get(server_url + path)
    WebDriverWait(driver, WAIT).until(
        lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")


def map_cells(driver) -> dict[tuple[str, str, str], int]:
    """(thesis, column, stance) -> the count the map shows, non-zero cells only."""
    cells = driver.execute_script("""return Array.from(document.querySelectorAll('#debate-map .cell'))
        .map(c => [c.dataset.thesis, c.dataset.column, c.dataset.stance, +c.dataset.count])""")
    return {(t, c, s): n for t, c, s, n in cells if n}


def test_debate_map_cells_equal_the_stance_queries(browser, server_url, shots):
    """Guards the debate map: by essay its cells are query 03's counts, by claimant an
    independent count per claimant, by tradition query 37's counts; a cell opens its
    claims with their exact passages; deprecated theses are listed apart."""
    debate = get_json(server_url + "/api/debate")
    thesis_id = {t["label"]: t["id"] for t in debate["theses"]}
    essay_id = {e["label"]: e["id"] for e in debate["essays"]}
    open_view(browser, server_url, "/debate")
    by_essay = {(thesis_id[r["thesisLabel"]["value"]], essay_id[r["source"]["value"]],
                 r["stance"]["value"]): int(r["claims"]["value"])
                for r in sparql_rows(server_url, query_text("03"))}
    assert by_essay and map_cells(browser) == by_essay
    screenshots_at_both_sizes(browser, shots, "debate")

    # a cell, opened with the keyboard, lists its claims and their passages
    (thesis, essay, stance), n = max(by_essay.items(), key=lambda kv: (kv[1], kv[0]))
    cell = browser.find_element(By.CSS_SELECTOR, f'#debate-map button.cell[data-thesis="{thesis}"]'
                                                 f'[data-column="{essay}"][data-stance="{stance}"]')
    assert f"{n} claims {stance}" in cell.get_attribute("title")
    cell.send_keys(Keys.ENTER)
    WebDriverWait(browser, WAIT).until(lambda d: d.find_element(By.ID, "cell-claims").is_displayed())
    prop = {"supports": "supportsThesis", "opposes": "opposesThesis", "qualifies": "qualifiesThesis"}[stance]
    expected = {key(r, "c"): r["exact"]["value"] for r in sparql_rows(server_url, PREFIXES + f"""
        SELECT ?c ?exact WHERE {{ ?c pkg:{prop} <https://w3id.org/partykg/id/thesis/{thesis}> ;
            pkg:statedIn <https://w3id.org/partykg/id/source/{essay}> ;
            oa:hasTarget/oa:hasSelector/oa:exact ?exact }}""")}
    items = browser.find_elements(By.CSS_SELECTOR, "#cell-list li")
    assert {li.get_attribute("data-claim"): li.find_element(By.CSS_SELECTOR, "blockquote").text
            for li in items} == {k: " ".join(v.split()) for k, v in expected.items()}
    assert items[0].find_element(By.CSS_SELECTOR, "a").get_attribute("href") == \
        f"{server_url}/id/claim/{items[0].get_attribute('data-claim')}"
    screenshots_at_both_sizes(browser, shots, "debate-cell")

    browser.find_element(By.CSS_SELECTOR, 'input[name="columns"][value="claimant"]').click()
    by_claimant = Counter()
    for r in sparql_rows(server_url, PREFIXES + """SELECT ?c ?who ?t ?p WHERE { ?c a pkg:Claim ;
            pkg:claimant ?who ; ?p ?t . VALUES ?p { pkg:supportsThesis pkg:opposesThesis pkg:qualifiesThesis } }"""):
        by_claimant[(key(r, "t"), key(r, "who"),
                     {"supportsThesis": "supports", "opposesThesis": "opposes"}.get(
                         r["p"]["value"].rsplit("#", 1)[-1], "qualifies"))] += 1
    assert map_cells(browser) == dict(by_claimant)

    browser.find_element(By.CSS_SELECTOR, 'input[name="columns"][value="tradition"]').click()
    by_tradition = {(key(r, "thesis"), key(r, "tradition"), r["stance"]["value"]): int(r["claims"]["value"])
                    for r in sparql_rows(server_url, query_text("37"))}
    assert by_tradition and map_cells(browser) == by_tradition

    deprecated = browser.find_elements(By.CSS_SELECTOR, "#deprecated-list li")
    assert {li.get_attribute("data-thesis") for li in deprecated} == \
        {t["id"] for t in debate["theses"] if t["deprecated"]}
    assert left_the_origin(browser, server_url) == []


def test_network_has_an_edge_for_every_claim_link(browser, server_url, shots):
    """Guards the argument network: as many edges as qualified claim links in the graph,
    the co-mention network of query 19, filters, and a click through to a claim page."""
    [links] = sparql_rows(server_url, PREFIXES + """SELECT (COUNT(DISTINCT ?l) AS ?n) WHERE {
        ?l a ?cls ; pkg:linksClaim ?c . VALUES ?cls { pkg:Agreement pkg:Contradiction } }""")
    open_view(browser, server_url, "/network")
    count = browser.execute_script("return [partykgNetwork.nodes().length, partykgNetwork.edges().length]")
    assert count[1] == int(links["n"]["value"]) > 0
    assert len(browser.find_elements(By.CSS_SELECTOR, "#edge-list li")) == count[1]
    browser.execute_script("document.getElementById('status').scrollIntoView()")
    screenshots_at_both_sizes(browser, shots, "network")

    # essay filter: the links touching a claim of that essay, counted independently
    [mandel] = sparql_rows(server_url, PREFIXES + """SELECT (COUNT(DISTINCT ?l) AS ?n) WHERE {
        ?l a ?cls ; pkg:linksClaim ?c . VALUES ?cls { pkg:Agreement pkg:Contradiction }
        ?c pkg:statedIn <https://w3id.org/partykg/id/source/mandel-1970> }""")
    browser.find_element(By.CSS_SELECTOR, '#filter-essay option[value="mandel-1970"]').click()
    assert browser.execute_script("return partykgNetwork.edges().length") == int(mandel["n"]["value"]) > 0

    pairs = sparql_rows(server_url, query_text("19"))
    browser.find_element(By.CSS_SELECTOR, 'input[name="graph"][value="persons"]').click()
    WebDriverWait(browser, WAIT).until(lambda d: d.find_element(By.TAG_NAME, "body")
                                       .get_attribute("data-graph") == "persons")
    assert browser.execute_script("return partykgNetwork.edges().length") == len(pairs) > 0
    names = set(browser.execute_script("return partykgNetwork.nodes().map(n => n.data('label'))"))
    assert names == {r["nameA"]["value"] for r in pairs} | {r["nameB"]["value"] for r in pairs}
    screenshots_at_both_sizes(browser, shots, "network-persons")

    # click-through: tapping a node opens its page
    browser.execute_script("partykgNetwork.nodes()[0].emit('tap')")
    WebDriverWait(browser, WAIT).until(lambda d: "/id/person/" in d.current_url)
    assert left_the_origin(browser, server_url) == []


def test_timeline_has_the_events_of_query_16(browser, server_url, shots):
    """Guards the timeline: the events of query 16, each drawn over the span its
    precision gives (a year as the year), and the kind and essay filters."""
    rows = sparql_rows(server_url, query_text("16"))
    open_view(browser, server_url, "/timeline")
    events = browser.execute_script("""return partykgTimeline.items.get()
        .filter(i => i.group === 'event').map(i => [i.id.slice('event:'.length),
            [i.start.getFullYear(), i.start.getMonth() + 1, i.start.getDate()],
            i.end ? [i.end.getFullYear(), i.end.getMonth() + 1, i.end.getDate()] : null])""")
    assert {e[0] for e in events} == {key(r, "event") for r in rows}
    drawn = {e[0]: e[1:] for e in events}
    years = [r for r in rows if r.get("startPrecision", {}).get("value") == "year" and "end" not in r]
    months = [r for r in rows if r.get("startPrecision", {}).get("value") == "month" and "end" not in r]
    assert years and months
    for r in years:   # a year is drawn from its first day to the first day of the next
        year = int(r["start"]["value"])
        assert drawn[key(r, "event")] == [[year, 1, 1], [year + 1, 1, 1]], r
    for r in months:  # a month likewise
        year, month = map(int, r["start"]["value"].split("-")[:2])
        after = [year + 1, 1, 1] if month == 12 else [year, month + 1, 1]
        assert drawn[key(r, "event")] == [[year, month, 1], after], r
    table = browser.find_elements(By.CSS_SELECTOR, '#item-table tr[data-kind="event"]')
    assert {tr.get_attribute("data-id") for tr in table} == {key(r, "event") for r in rows}
    assert browser.find_elements(By.CSS_SELECTOR, "#timeline .vis-item, #timeline .vis-cluster")
    browser.execute_script("document.getElementById('status').scrollIntoView()")
    screenshots_at_both_sizes(browser, shots, "timeline")

    browser.find_element(By.CSS_SELECTOR, 'input[name="kind"][value="event"]').click()
    browser.find_element(By.CSS_SELECTOR, 'input[name="kind"][value="work"]').click()
    dated = sparql_rows(server_url, PREFIXES + "SELECT ?c WHERE { ?c a pkg:Claim ; pkg:viewDate ?d }")
    assert browser.execute_script("return partykgTimeline.items.length") == len(dated) > 0
    assert left_the_origin(browser, server_url) == []


def test_query_page_opens_query_19_as_a_network_and_switches_views(browser, server_url, shots):
    """Guards the result views of the query page: query 19 declares `#+ view: network`
    and is drawn as a network of its rows; the table view is one click away and shows
    literals as values with a discreet datatype, not "3"^^xsd:integer."""
    rows = sparql_rows(server_url, query_text("19"))
    browser.get(server_url + "/")
    WebDriverWait(browser, WAIT).until(
        lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")
    browser.find_element(By.CSS_SELECTOR, '[data-run-query-name="19-person-co-mention-network"]').click()
    view = WebDriverWait(browser, WAIT).until(
        lambda d: d.find_element(By.CSS_SELECTOR, "#yasgui .pkg-network[data-edges]"))
    assert int(view.get_attribute("data-edges")) == len(rows) > 0
    people = {r["personA"]["value"] for r in rows} | {r["personB"]["value"] for r in rows}
    assert int(view.get_attribute("data-nodes")) == len(people)
    browser.execute_script("arguments[0].scrollIntoView()", view)
    screenshots_at_both_sizes(browser, shots, "query-network")

    browser.find_element(By.CSS_SELECTOR, "#yasgui .yasr .select_table").click()
    first = WebDriverWait(browser, WAIT).until(
        lambda d: d.find_element(By.CSS_SELECTOR, "#yasgui .yasr table.dataTable tbody tr"))
    weight = rows[0]["weight"]["value"]
    cells = [td.text for td in first.find_elements(By.CSS_SELECTOR, "td")]
    assert f"{weight}\nxsd:integer" in cells or f"{weight} xsd:integer" in cells or \
        f"{weight}xsd:integer" in cells, cells
    assert not any('"^^' in c or '"@' in c for c in cells), cells
    suffix = first.find_element(By.CSS_SELECTOR, ".lit-suffix")
    assert suffix.value_of_css_property("color") != first.find_element(
        By.CSS_SELECTOR, ".nonIri").value_of_css_property("color")

    browser.find_element(By.CSS_SELECTOR, "#yasgui .yasr .select_chart").click()
    bars = WebDriverWait(browser, WAIT).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#yasgui .pkg-chart .bar-row"))
    assert [b.get_attribute("data-value") for b in bars] == [r["sources"]["value"] for r in rows][:300]

    # query 16 declares the timeline view: one item per event of its rows
    events = {(r["event"]["value"], r.get("start", {}).get("value"), r.get("end", {}).get("value"))
              for r in sparql_rows(server_url, query_text("16"))}
    browser.find_element(By.CSS_SELECTOR, '[data-run-query-name="16-event-timeline"]').click()
    timeline = WebDriverWait(browser, WAIT).until(
        lambda d: d.find_element(By.CSS_SELECTOR, "#yasgui .pkg-timeline[data-items]"))
    assert int(timeline.get_attribute("data-items")) == len(events) > 0
    assert left_the_origin(browser, server_url) == []
