"""The query page's errors and truncated results, the long entity pages and the
cite blocks, in a real browser (headless Debian Chromium, tests/support/browser.py)
against `partykg serve` on the real build (the session `server_url` fixture:
3 s time limit, 5,000-row cap). Screenshots of the Lenin page and of a thesis
page at 1280×800 and phone size."""

from __future__ import annotations

import urllib.parse
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from support.browser import (
    WAIT,
    get_json,
    open_query_page,
    requests_made,
    screenshots_at_both_sizes,
    sparql_rows,
)

pytestmark = pytest.mark.external("chromium", "chromedriver")

SERVICE_QUERY = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
OVER_CAP_QUERY = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"





def outside(driver, server_url: str) -> list[str]:
    """Network requests since the last call that left the server's origin (the
    browser's own chrome:// pages are not network requests)."""
    return [u for u in requests_made(driver)
            if urllib.parse.urlsplit(u).scheme in ("http", "https", "ws", "wss")
            and not u.startswith(server_url + "/")]


def run_in_editor(driver, query: str) -> None:
    driver.execute_script("var t = window.partykgYasgui.getTab(); t.setQuery(arguments[0]); "
                          "t.query();", query)


def status_line(driver):
    return driver.find_element(By.ID, "editor-status")


def test_failed_query_shows_its_error_in_the_page(browser, server_url):
    """A query the server refuses (a SERVICE outside the allow-list: 400) shows the
    HTTP status and the server's message in the status line, marked as an error."""
    requests_made(browser)   # forget the requests before this page
    open_query_page(browser, server_url)
    run_in_editor(browser, SERVICE_QUERY)
    WebDriverWait(browser, WAIT).until(lambda d: "HTTP 400" in status_line(d).text)
    node = status_line(browser)
    assert "has run" not in node.text and "SERVICE" in node.text
    assert "error" in node.get_attribute("class").split()
    assert not browser.find_element(By.ID, "result-notice").is_displayed()


def test_over_cap_query_shows_the_notice_and_the_download(browser, server_url):
    """A result over the row cap is drawn (the first 5,000 rows) with a notice and a
    link to the whole result as CSV, the same link the server's Link header gives."""
    requests_made(browser)   # forget the requests before this page
    open_query_page(browser, server_url)
    run_in_editor(browser, OVER_CAP_QUERY)
    WebDriverWait(browser, WAIT).until(
        lambda d: d.find_element(By.ID, "result-notice").is_displayed())
    notice = browser.find_element(By.ID, "result-notice")
    assert "Showing the first 5000 rows of more" in notice.text
    href = notice.find_element(By.CSS_SELECTOR, "a.download-all").get_attribute("href")
    assert href.startswith(server_url + "/download.csv?query=")
    assert "has run (HTTP 200)" in status_line(browser).text
    # the page itself drew rows: YASR's table shows the first page of the 5,000
    WebDriverWait(browser, WAIT).until(lambda d: d.find_elements(
        By.CSS_SELECTOR, "#yasgui .yasr table.dataTable tbody tr"))
    # a short query afterwards clears the notice
    run_in_editor(browser, "SELECT ?s WHERE { ?s ?p ?o } LIMIT 3")
    WebDriverWait(browser, WAIT).until(
        lambda d: not d.find_element(By.ID, "result-notice").is_displayed())
    assert outside(browser, server_url) == []


def test_home_page_cite_block(browser, server_url):
    """The home page's cite block is filled from /cite/dataset.json."""
    requests_made(browser)   # forget the requests before this page
    open_query_page(browser, server_url)
    [item] = get_json(server_url + "/cite/dataset.json")
    WebDriverWait(browser, WAIT).until(
        lambda d: "version " + item["version"] in d.find_element(By.ID, "cite-text").text)
    text = browser.find_element(By.ID, "cite-text").text
    assert item["URL"] in text and item["title"] in text
    links = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "#cite a")]
    assert server_url + "/cite/dataset.bib" in links and server_url + "/cite/dataset.json" in links


def test_lenin_page_sections_and_folding_lists(browser, server_url, shots):
    """The Lenin page: a table of contents whose links reach their sections, long
    lists folded and opened by a click (no script), the cite block, RDF alternates."""
    requests_made(browser)
    browser.get(server_url + "/id/person/vladimir-lenin")
    toc = browser.find_elements(By.CSS_SELECTOR, "nav.toc a")
    anchors = [a.get_attribute("href").rsplit("#", 1)[1] for a in toc]
    assert {"claims-made", "claims-about", "quotations", "mentions", "related", "cite"} <= set(anchors)
    for anchor in anchors:
        assert browser.find_element(By.ID, anchor).is_displayed()
    folded = [d for d in browser.find_elements(By.CSS_SELECTOR, "details.fold")
              if d.get_attribute("open") is None]
    assert folded
    first = folded[0]
    hidden = first.find_elements(By.CSS_SELECTOR, "li")
    assert hidden and not hidden[0].is_displayed()
    first.find_element(By.TAG_NAME, "summary").click()
    assert first.get_attribute("open") is not None and hidden[0].is_displayed()
    height = browser.execute_script("return document.documentElement.scrollHeight")
    assert browser.find_element(By.CSS_SELECTOR, "#cite .item-citation").text.startswith(
        "“Vladimir Lenin”")
    alternates = browser.execute_script(
        "return Array.from(document.querySelectorAll('link[rel=alternate]')).map(l => l.type)")
    assert sorted(alternates) == ["application/ld+json", "application/n-triples", "text/turtle"]
    assert outside(browser, server_url) == []
    shots_written = screenshots_at_both_sizes(browser, shots, "lenin-page")
    assert all(p.stat().st_size > 10_000 for p in shots_written)
    assert height < 9400     # folded: shorter than the 9,400 px of the page before sections


def test_thesis_page(browser, server_url, shots):
    """A thesis page shows its claims by stance with the counts of a SPARQL count."""
    thesis = "https://w3id.org/partykg/id/thesis/crisis-of-leadership"
    rows = sparql_rows(server_url, f"""SELECT ?p (COUNT(DISTINCT ?c) AS ?n) WHERE {{
        ?c ?p <{thesis}> FILTER(STRSTARTS(STR(?p), "https://w3id.org/partykg/ontology#"))
        FILTER(STRENDS(STR(?p), "Thesis")) }} GROUP BY ?p""")
    want = {r["p"]["value"].rsplit("#", 1)[1].removesuffix("Thesis"): int(r["n"]["value"])
            for r in rows}
    browser.get(server_url + "/id/thesis/crisis-of-leadership")
    for stance in ("supports", "opposes", "qualifies"):
        section = browser.find_element(By.ID, stance)
        assert int(section.get_attribute("data-count")) == want.get(stance, 0)
        assert len(section.find_elements(By.CSS_SELECTOR, "li.thesis-claim")) == want.get(stance, 0)
    assert browser.find_element(By.ID, "cite").is_displayed()
    screenshots_at_both_sizes(browser, shots, "thesis-page")
