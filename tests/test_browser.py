"""The query page and an entity page of `partykg serve`, in a real browser.

Headless Debian Chromium driven by Selenium (Debian packages `chromium` and
`chromium-driver`, PyPI `selenium`). The driver and the browser are the
system's own, so Selenium Manager never downloads anything. The server is a
real `partykg serve` on the real build, on 127.0.0.1 only (the `server_url`
fixture of tests/conftest.py).
"""

from __future__ import annotations

import urllib.parse
from pathlib import Path

import pytest
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait
from support.browser import (
    WAIT,
    full_page_screenshot,
    get_json,
    open_query_page,
    opener,
    requests_made,
    sparql_rows,
)

pytestmark = pytest.mark.external("chromium", "chromedriver")

ROOT = Path(__file__).resolve().parents[1]
QUERY_PAGE_SHOT = Path("/tmp/partykg-query-page.png")
LENIN_PAGE_SHOT = Path("/tmp/partykg-lenin-page.png")


# --- fixtures -------------------------------------------------------------------



# --- helpers --------------------------------------------------------------------


def editor_text(driver) -> str:
    return driver.execute_script("return window.partykgYasgui.getTab().getQuery();")


def result_rows(driver) -> list:
    return driver.find_elements(By.CSS_SELECTOR, "#yasgui .yasr table.dataTable tbody tr")


# --- tests ----------------------------------------------------------------------

def test_query_page_lists_every_query_and_shows_statistics(browser, server_url):
    """Guards the landing section and the query list: one loadable element per
    ready-made query that /api/queries returns (all of queries/*.rq, in file
    order), the per-source counts, total triples, entities per kind and Wikidata
    links as /api/stats gives them, and the links to dumps, ontology and pages."""
    queries = get_json(server_url + "/api/queries")
    stats = get_json(server_url + "/api/stats")
    assert [q["name"] for q in queries] == sorted(p.stem for p in (ROOT / "queries").glob("*.rq"))

    open_query_page(browser, server_url)
    assert browser.title == "partykg — SPARQL query page"

    elements = browser.find_elements(By.CSS_SELECTOR, "[data-query-name]")

    def group(q):  # the page's sections, in their order (groupOf in app.js)
        tags = q["tags"]
        if "violation" in tags or q["name"].endswith("-violation"):
            return 2
        return 1 if ("needs-internet" in tags or "federated" in tags) else 0
    shown = [q["name"] for q in sorted(queries, key=lambda q: (group(q), q["name"]))]
    assert [e.get_attribute("data-query-name") for e in elements] == shown
    for q in queries:
        item = browser.find_element(By.ID, f"query-{q['name']}")
        assert q["summary"] in item.text

    assert browser.find_element(By.ID, "stat-quads").text == f"{stats['quads']:,}"
    assert browser.find_element(By.ID, "stat-wikidata").text == f"{stats['wikidata_links']:,}"
    assert browser.find_element(By.ID, "stat-entities").text == f"{sum(stats['entities'].values()):,}"
    for source, counts in stats["sources"].items():
        row = browser.find_element(By.CSS_SELECTOR, f'#sources-table tr[data-source="{source}"]')
        for column in ("claims", "quotations", "citations", "mentions"):
            cell = row.find_element(By.CSS_SELECTOR, f'td[data-stat="{column}"]')
            assert cell.text == f"{counts[column]:,}", (source, column)
    # The essays' titles come from the graph itself (a SPARQL query of the page).
    WebDriverWait(browser, WAIT).until(lambda d: d.find_element(
        By.CSS_SELECTOR, '#sources-table tr[data-source="mandel-1970"] .source-title').text
        == "The revolutionary vanguard and spontaneous mass action")
    for kind, n in stats["entities"].items():
        row = browser.find_element(By.CSS_SELECTOR, f'#entities-table tr[data-kind="{kind}"]')
        assert row.find_element(By.CSS_SELECTOR, "td").text == f"{n:,}"

    hrefs = {a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "a[href]")}
    for path in [f"/dumps/{d}" for d in stats["dumps"]] + [
            "/ontology", "/id/person/vladimir-lenin", "/id/source/mandel-1970"]:
        assert server_url + path in hrefs, path


def test_cited_works_query_loads_and_runs(browser, server_url, shots):
    """Guards the one-click loading of a ready-made query into YASGUI and a run
    against the page's own /sparql: query 05 shows Trotsky's History of the
    Russian Revolution, and its IRI links to this server's page of the work."""
    queries = {q["name"]: q for q in get_json(server_url + "/api/queries")}
    open_query_page(browser, server_url)

    browser.find_element(By.CSS_SELECTOR, '[data-query-name="05-cited-works"]').click()
    WebDriverWait(browser, WAIT).until(
        lambda d: editor_text(d) == queries["05-cited-works"]["query"])
    assert browser.execute_script("return window.partykgYasgui.getTab().getEndpoint();") \
        == server_url + "/sparql"

    WebDriverWait(browser, WAIT).until(
        EC.element_to_be_clickable((By.CSS_SELECTOR, "#yasgui .yasqe_queryButton"))).click()

    def history_row(driver):
        for row in result_rows(driver):
            text = row.text
            if "The History of the Russian Revolution" in text and "Leon Trotsky" in text:
                return row
        return False
    try:
        row = WebDriverWait(browser, WAIT).until(history_row)
    except TimeoutException:
        pytest.fail("no result row with the History and Trotsky; results: "
                    + browser.find_element(By.CSS_SELECTOR, "#yasgui .yasr").text[:2000])
    links = [a.get_attribute("href") for a in row.find_elements(By.CSS_SELECTOR, "a.iri")]
    assert server_url + "/id/work/history-of-the-russian-revolution" in links

    full_page_screenshot(browser, shots / "query-page.png", QUERY_PAGE_SHOT)


def test_run_button_fills_in_query_parameters(browser, server_url):
    """Guards the parameters of ready-made queries: "Run" on query 02 puts the
    default entity (Vladimir Lenin, from the #+ defaults header) in place of
    ?_entity_iri and shows as many rows as the endpoint returns for that text."""
    open_query_page(browser, server_url)
    browser.find_element(By.CSS_SELECTOR, '[data-run-query-name="02-claims-about-entity"]').click()
    WebDriverWait(browser, WAIT).until(lambda d: result_rows(d))
    text = editor_text(browser)
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    assert "<https://w3id.org/partykg/id/person/vladimir-lenin>" in body
    assert "?_entity_iri" not in body
    expected = len(sparql_rows(server_url, text))
    assert expected > 0
    WebDriverWait(browser, WAIT).until(lambda d: d.execute_script(
        "return window.partykgYasgui.getTab().getYasr().results.getBindings().length") == expected)


def test_query_page_works_offline(browser, server_url):
    """Guards the vendored YASGUI: loading the page and running a query fetch
    nothing outside the server's own origin (no CDN, no prefix.cc, no LOV), no
    autocompleter that calls a remote service is enabled, and the page raises no
    JavaScript error."""
    requests_made(browser)  # empty the log
    browser.get_log("browser")
    open_query_page(browser, server_url)
    browser.find_element(By.CSS_SELECTOR, '[data-run-query-name="08-dataset-statistics"]').click()
    WebDriverWait(browser, WAIT).until(lambda d: result_rows(d))

    completers = browser.execute_script(
        "return window.partykgYasgui.getTab().getYasqe().config.autocompleters;")
    assert set(completers) <= {"variables", "partykgPrefixes"}, completers

    urls = requests_made(browser)
    assert server_url + "/static/yasgui/yasgui.min.js" in urls
    assert any(u.startswith(server_url + "/sparql") for u in urls)
    outside = [u for u in urls
               if urllib.parse.urlsplit(u).scheme in ("http", "https", "ws", "wss")
               and not u.startswith(server_url + "/")]
    assert outside == []
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
    # ... and all of it under the server's Content-Security-Policy: a violation
    # (a CDN script, an inline script) would be one of the errors above.
    with opener.open(server_url + "/", timeout=WAIT) as response:
        csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "default-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp


def test_lenin_page(browser, server_url, shots):
    """Guards the entity page reached from the query page: Vladimir Lenin's page
    shows his name, the verified Wikidata link Q1394, and the claims about him,
    among them Mandel's claim mandel-1970-c01."""
    open_query_page(browser, server_url)
    browser.find_element(By.CSS_SELECTOR, '#example-pages a[href="/id/person/vladimir-lenin"]').click()
    WebDriverWait(browser, WAIT).until(EC.url_to_be(server_url + "/id/person/vladimir-lenin"))
    heading = WebDriverWait(browser, WAIT).until(
        EC.visibility_of_element_located((By.TAG_NAME, "h1")))
    assert heading.text == "Vladimir Lenin"

    wikidata = browser.find_elements(By.XPATH, "//a[contains(@href, 'wikidata.org/entity/Q1394')]")
    assert wikidata and "Q1394" in wikidata[0].text

    claim = browser.find_elements(
        By.XPATH, "//h2[starts-with(normalize-space(), 'Claims about')]"
                  "/following-sibling::details[1]/ul//a[normalize-space() = 'mandel-1970-c01']")
    assert claim, "no link mandel-1970-c01 in the (folding) list under 'Claims about …'"
    assert claim[0].get_attribute("href") == server_url + "/id/claim/mandel-1970-c01"

    # The page (a Jinja2 template with its stylesheet from /static) breaks no rule
    # of its Content-Security-Policy, which allows no inline style or script.
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
    assert browser.execute_script(
        "return getComputedStyle(document.querySelector('h1')).fontFamily").startswith("Georgia")

    full_page_screenshot(browser, shots / "lenin-page.png", LENIN_PAGE_SHOT)
