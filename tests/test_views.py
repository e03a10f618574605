"""The workbench views without a browser: the `#+ view:` header of the ready-made
queries, and the JSON the views draw (/api/debate, /api/network, /api/timeline)
checked against independent SPARQL over the real build (`server_url`)."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from support.browser import get_json, get_text, opener, sparql_rows

from partykg.core.errors import InputError
from partykg.sparql.query import VIEWS, list_queries, parse_header

ROOT = Path(__file__).resolve().parents[1]
PREFIXES = """PREFIX pkg: <https://w3id.org/partykg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""


def query_text(number: str) -> str:
    [path] = (ROOT / "queries").glob(f"{number}-*.rq")
    return path.read_text(encoding="utf-8")


def value(binding: dict, name: str) -> str:
    return binding[name]["value"]


# --- the header --------------------------------------------------------------------

def test_view_header_is_parsed_and_checked():
    head = "#+ summary: s\n#+ description: d\n"
    for view in VIEWS:
        assert parse_header(head + f"#+ view: {view}\nSELECT * {{}}", "q.rq")["view"] == view
    with pytest.raises(InputError) as err:
        parse_header(head + "#+ tags:\n#+   - x\n#+ view: pie\nSELECT * {}", "q.rq")
    problem = str(err.value)
    assert "q.rq" in problem and ":5" in problem, problem   # the file and the line of `view:`
    assert "unknown view 'pie'" in problem and "table, chart, network, timeline" in problem


def test_api_queries_gives_each_querys_view(server_url):
    """/api/queries carries the header's view (table when the header names none)."""
    served = {q["name"]: q["view"] for q in get_json(server_url + "/api/queries")}
    declared = {rq.name: rq.header.get("view", "table") for rq in list_queries(ROOT / "queries")}
    assert served == declared
    # the ready-made queries that the views are made for declare them
    assert served["16-event-timeline"] == "timeline"
    assert served["19-person-co-mention-network"] == "network"
    assert served["03-claims-per-thesis-and-stance"] == "chart"


# --- the data of the views -----------------------------------------------------------

def test_debate_data_counts_equal_the_stance_query(server_url):
    """Every (thesis, essay, stance) count of /api/debate equals query 03's count."""
    data = get_json(server_url + "/api/debate")
    thesis_label = {t["id"]: t["label"] for t in data["theses"]}
    essay_label = {e["id"]: e["label"] for e in data["essays"]}
    counted = Counter((thesis_label[s["thesis"]], essay_label[data["claims"][s["claim"]]["essay"]],
                       s["stance"]) for s in data["stances"])
    expected = {(value(r, "thesisLabel"), value(r, "source"), value(r, "stance")): int(value(r, "claims"))
                for r in sparql_rows(server_url, query_text("03"))}
    assert expected and dict(counted) == expected
    # every essay's denominator is its number of claims
    totals = {value(r, "doc").rsplit("/", 1)[-1]: int(value(r, "n")) for r in sparql_rows(server_url, PREFIXES + """
        SELECT ?doc (COUNT(?c) AS ?n) WHERE { ?c a pkg:Claim ; pkg:statedIn ?doc } GROUP BY ?doc""")}
    assert {e["id"]: e["claims"] for e in data["essays"]} == totals
    # the thesis tree: every proposition under its question, deprecated ones under none
    narrower = {(value(r, "q").rsplit("/", 1)[-1], value(r, "t").rsplit("/", 1)[-1])
                for r in sparql_rows(server_url, PREFIXES + "SELECT ?q ?t WHERE { ?q a pkg:Question ; skos:narrower ?t }")}
    assert {(q["id"], t) for q in data["questions"] for t in q["theses"]} == narrower
    deprecated = {value(r, "t").rsplit("/", 1)[-1] for r in sparql_rows(server_url, PREFIXES + """
        PREFIX owl: <http://www.w3.org/2002/07/owl#> SELECT ?t WHERE { ?t owl:deprecated true }""")}
    assert {t["id"] for t in data["theses"] if t["deprecated"]} == deprecated
    assert not deprecated & {s["thesis"] for s in data["stances"]}


def test_network_data_has_every_claim_link_and_the_co_mentions_of_query_19(server_url):
    data = get_json(server_url + "/api/network")
    [count] = sparql_rows(server_url, PREFIXES + """SELECT (COUNT(DISTINCT ?l) AS ?n) WHERE {
        ?l a ?cls ; pkg:linksClaim ?c . VALUES ?cls { pkg:Agreement pkg:Contradiction } }""")
    assert len(data["links"]) == int(value(count, "n")) > 0
    ids = {c["id"] for c in data["claims"]}
    assert all(link["source"] in ids and link["target"] in ids for link in data["links"])
    pairs = {(value(r, "personA").rsplit("/", 1)[-1], value(r, "personB").rsplit("/", 1)[-1],
              int(value(r, "weight"))) for r in sparql_rows(server_url, query_text("19"))}
    assert {(p["source"], p["target"], p["weight"]) for p in data["comentions"]} == pairs


def test_timeline_data_has_the_events_of_query_16_at_their_precision(server_url):
    data = get_json(server_url + "/api/timeline")
    rows = sparql_rows(server_url, query_text("16"))
    events = {i["id"]: i for i in data["items"] if i["kind"] == "event"}
    assert set(events) == {value(r, "event").rsplit("/", 1)[-1] for r in rows}
    for r in rows:
        item = events[value(r, "event").rsplit("/", 1)[-1]]
        if "start" in r:
            assert item["start"] == {"value": value(r, "start"), "precision": value(r, "startPrecision")}
    dated = sparql_rows(server_url, PREFIXES + "SELECT ?c WHERE { ?c a pkg:Claim ; pkg:viewDate ?d }")
    assert len([i for i in data["items"] if i["kind"] == "claim"]) == len(dated) > 0


@pytest.mark.parametrize("view", ["debate", "network", "timeline"])
def test_view_pages_load_only_this_servers_scripts(server_url, view):
    """The page is HTML under the strict Content-Security-Policy (no inline script),
    and every script and stylesheet it names is served here."""
    with opener.open(server_url + f"/{view}", timeout=30) as response:
        csp = response.headers["Content-Security-Policy"]
        html = response.read().decode()
    assert "script-src 'self';" in csp and "unsafe-inline" not in csp
    assert "<script>" not in html and "<style" not in html
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert f"/static/{view}.js" in assets
    for asset in assets:
        get_text(server_url + asset)  # raises on anything but 2xx
    for other in ("/debate", "/network", "/timeline", "/"):
        assert f'href="{other}"' in html
    with pytest.raises(urllib.error.HTTPError) as err:
        opener.open(urllib.request.Request(server_url + f"/api/{view}", method="POST"), timeout=30)
    assert err.value.code == 405
