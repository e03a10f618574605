"""The workbench views of `partykg serve`: the debate map (/debate), the argument
and co-mention networks (/network) and the timeline (/timeline), each an HTML page
(Jinja2, serve/templates) drawn in the browser from a JSON endpoint
(/api/debate, /api/network, /api/timeline).

The data are computed by SPARQL over the embedded store, in a query worker (a
``Call`` of partykg.sparql.pool, under its time limit), once per server start:
the store is read-only, so the JSON is kept and served from memory afterwards.
The pages' scripts are static files (the Content-Security-Policy allows no inline
script); the graph and timeline libraries are vendored from npm under
web/static/vendor/ (see the README there).
"""

from __future__ import annotations

import contextlib
import json
import threading

import anyio
from pyoxigraph import Store
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from partykg.core.namespaces import PKG, PREFIXES
from partykg.sparql.pool import Answer, Call, text_answer

P = dict(PREFIXES)
HEAD = (f"PREFIX pkg: <{PKG}> PREFIX schema: <{P['schema']}> PREFIX oa: <{P['oa']}> "
        f"PREFIX rdfs: <{P['rdfs']}> PREFIX skos: <{P['skos']}> PREFIX owl: <{P['owl']}> "
        f"PREFIX org: <{P['org']}> PREFIX xsd: <{P['xsd']}> ")
STANCE = """VALUES (?sp ?stance) { (pkg:supportsThesis "supports") (pkg:opposesThesis "opposes")
    (pkg:qualifiesThesis "qualifies") }"""

# --- the debate map ---------------------------------------------------------------
ESSAYS = HEAD + """SELECT ?doc ?label (COUNT(DISTINCT ?claim) AS ?claims) WHERE {
    ?doc a pkg:SourceDocument ; rdfs:label ?label .
    OPTIONAL { ?claim a pkg:Claim ; pkg:statedIn ?doc } } GROUP BY ?doc ?label ORDER BY ?doc"""
THESES = HEAD + """SELECT ?t ?label ?question ?deprecated WHERE {
    ?t a ?cls ; skos:prefLabel ?label . VALUES ?cls { pkg:Question pkg:Thesis }
    BIND(?cls = pkg:Question AS ?question)
    OPTIONAL { ?t owl:deprecated ?deprecated }
    } ORDER BY ?t"""
NARROWER = HEAD + "SELECT ?q ?t WHERE { ?q a pkg:Question ; skos:narrower ?t } ORDER BY ?q ?t"
STANCES = HEAD + """SELECT ?claim ?thesis ?stance WHERE { ?claim a pkg:Claim ; ?sp ?thesis .
    """ + STANCE + " } ORDER BY ?claim ?thesis"
CLAIMS = HEAD + """SELECT ?claim ?doc ?claimant ?claimantLabel ?para ?mode WHERE {
    ?claim a pkg:Claim ; pkg:statedIn ?doc ; pkg:claimant ?claimant ; pkg:paraphrase ?para .
    ?claimant rdfs:label ?claimantLabel .
    OPTIONAL { ?claim pkg:attributionMode ?mode } } ORDER BY ?claim"""
PASSAGES = HEAD + """SELECT ?claim ?exact WHERE { ?claim a pkg:Claim ; oa:hasTarget ?t .
    ?t oa:hasSelector ?s . ?s oa:exact ?exact }"""
# As query 37: a claimant belongs to a tradition through a membership of an
# organization of type tradition.
TRADITIONS = HEAD + """SELECT DISTINCT ?agent ?tradition ?label WHERE {
    ?tradition a pkg:PoliticalTradition ; rdfs:label ?label .
    ?m org:organization ?tradition ; org:member ?agent } ORDER BY ?agent ?tradition"""

# --- the networks -------------------------------------------------------------------
LINKS = HEAD + """SELECT ?link ?relation ?a ?b ?why WHERE {
    ?link a ?cls ; pkg:linksClaim ?a, ?b . FILTER(STR(?a) < STR(?b))
    VALUES (?cls ?relation) { (pkg:Agreement "agrees") (pkg:Contradiction "contradicts") }
    OPTIONAL { ?link pkg:justification ?why } } ORDER BY ?link"""
# Query 19's rule (queries/19-person-co-mention-network.rq), by the claims'
# schema:mentions the build records.
COMENTIONS = HEAD + """SELECT ?a ?nameA ?b ?nameB ?weight ?sources WHERE {
    { SELECT ?a ?b (COUNT(DISTINCT ?claim) AS ?weight) (COUNT(DISTINCT ?doc) AS ?sources) WHERE {
        ?claim a pkg:Claim ; schema:mentions ?a, ?b ; pkg:statedIn ?doc .
        FILTER(STR(?a) < STR(?b)) ?a a pkg:Person . ?b a pkg:Person . } GROUP BY ?a ?b }
    ?a rdfs:label ?nameA . ?b rdfs:label ?nameB } ORDER BY DESC(?weight) ?a ?b"""

# --- the timeline ---------------------------------------------------------------------
EVENTS = HEAD + """SELECT ?event ?name ?type ?start ?end WHERE {
    ?event a ?cls ; rdfs:label ?name . ?cls rdfs:subClassOf* pkg:Event .
    BIND(STRAFTER(STR(?cls), STR(pkg:)) AS ?type)
    OPTIONAL { ?event schema:startDate ?start } OPTIONAL { ?event schema:endDate ?end }
    FILTER(BOUND(?start) || BOUND(?end)) } ORDER BY ?event ?type"""
WORKS = HEAD + """SELECT ?work ?name ?type ?date WHERE { ?work a ?cls ; rdfs:label ?name ;
    schema:dateCreated ?date . ?cls rdfs:subClassOf* pkg:Work .
    BIND(STRAFTER(STR(?cls), STR(pkg:)) AS ?type) } ORDER BY ?work ?type"""
DATED_CLAIMS = HEAD + """SELECT ?claim ?doc ?date ?para ?claimantLabel WHERE { ?claim a pkg:Claim ;
    pkg:viewDate ?date ; pkg:statedIn ?doc ; pkg:paraphrase ?para ;
    pkg:claimant/rdfs:label ?claimantLabel } ORDER BY ?claim"""
CITED_IN = HEAD + """SELECT DISTINCT ?x ?doc WHERE {
    { ?m oa:hasBody ?x ; oa:hasTarget/oa:hasSource ?doc }
    UNION { ?c pkg:citedWork ?x ; pkg:quotedIn ?doc } } ORDER BY ?x ?doc"""

PRECISION = {P["xsd"] + "gYear": "year", P["xsd"] + "gYearMonth": "month",
             P["xsd"] + "date": "day", P["xsd"] + "dateTime": "day"}


def rows(store: Store, query: str) -> list[dict]:
    res = store.query(query, use_default_graph_as_union=True)
    names = [v.value for v in res.variables]
    return [{n: sol[n] for n in names} for sol in res]


def value(term) -> str | None:
    return None if term is None else term.value


class Local:
    """IRIs under the base become paths on this server."""

    def __init__(self, base: str):
        self.base = base

    def href(self, iri: str) -> str:
        return "/" + iri[len(self.base):] if iri.startswith(self.base) else iri

    def key(self, iri: str) -> str:
        return iri.rsplit("/", 1)[-1]


def debate_data(store: Store, base: str, every_claim: bool = False, passages: bool = True) -> dict:
    loc = Local(base)
    essays = [{"id": loc.key(r["doc"].value), "iri": r["doc"].value, "href": loc.href(r["doc"].value),
               "label": r["label"].value, "claims": int(r["claims"].value)}
              for r in rows(store, ESSAYS)]
    scheme = rows(store, THESES)
    theses = {r["t"].value: {"id": loc.key(r["t"].value), "iri": r["t"].value,
                             "href": loc.href(r["t"].value), "label": r["label"].value,
                             "deprecated": value(r["deprecated"]) == "true"}
              for r in scheme if r["question"].value != "true"}
    questions = {r["t"].value: {"id": loc.key(r["t"].value), "iri": r["t"].value,
                                "href": loc.href(r["t"].value), "label": r["label"].value,
                                "theses": []}
                 for r in scheme if r["question"].value == "true"}
    placed = set()
    for r in rows(store, NARROWER):
        if r["t"].value in theses and r["q"].value in questions:
            questions[r["q"].value]["theses"].append(theses[r["t"].value]["id"])
            placed.add(r["t"].value)
    # Questions in the order of the scheme's file are not in the graph; sorted by label
    # (as query 38 does), theses within a question likewise.
    label = {t["id"]: t["label"] for t in theses.values()}
    for q in questions.values():
        q["theses"].sort(key=lambda k: label[k])
    traditions: dict[str, list[str]] = {}
    tradition_names = {}
    for r in rows(store, TRADITIONS):
        tid = loc.key(r["tradition"].value)
        traditions.setdefault(r["agent"].value, []).append(tid)
        tradition_names[tid] = {"id": tid, "label": r["label"].value,
                                "href": loc.href(r["tradition"].value)}
    claims, claimants = {}, {}
    passage = {r["claim"].value: r["exact"].value for r in rows(store, PASSAGES)} if passages else {}
    for r in rows(store, CLAIMS):
        agent = r["claimant"].value
        cid = loc.key(r["claim"].value)
        claimants[loc.key(agent)] = {"id": loc.key(agent), "label": r["claimantLabel"].value,
                                     "href": loc.href(agent)}
        claims[cid] = {"href": loc.href(r["claim"].value), "essay": loc.key(r["doc"].value),
                       "claimant": loc.key(agent), "paraphrase": r["para"].value,
                       "passage": passage.get(r["claim"].value),
                       # query 37 counts only claims in their claimant's own voice
                       "traditions": traditions.get(agent, []) if value(r["mode"]) == PKG + "OwnView"
                       else []}
    stances = [{"claim": loc.key(r["claim"].value), "thesis": loc.key(r["thesis"].value),
                "stance": r["stance"].value} for r in rows(store, STANCES)]
    totals: dict[str, dict[str, int]] = {"claimant": {}, "tradition": {}}
    for c in claims.values():
        totals["claimant"][c["claimant"]] = totals["claimant"].get(c["claimant"], 0) + 1
        for t in c["traditions"]:
            totals["tradition"][t] = totals["tradition"].get(t, 0) + 1
    loose = sorted(theses[t]["id"] for t in theses if t not in placed and not theses[t]["deprecated"])
    if loose:
        questions[""] = {"id": "", "iri": "", "href": "", "label": "Theses under no question",
                         "theses": loose}
    if not every_claim:  # the map opens only claims that take a stance
        held = {s["claim"] for s in stances}
        claims = {k: c for k, c in claims.items() if k in held}
    return {"essays": essays,
            "questions": sorted(questions.values(), key=lambda q: q["label"]),
            "theses": sorted(theses.values(), key=lambda t: t["id"]),
            "totals": totals,
            "claimants": sorted(claimants.values(), key=lambda c: c["label"]),
            "traditions": sorted(tradition_names.values(), key=lambda t: t["label"]),
            "claims": claims, "stances": stances}


def network_data(store: Store, base: str) -> dict:
    loc = Local(base)
    debate = debate_data(store, base, every_claim=True, passages=False)
    by_claim: dict[str, list[dict]] = {}
    for s in debate["stances"]:
        by_claim.setdefault(s["claim"], []).append({"thesis": s["thesis"], "stance": s["stance"]})
    edges = [{"id": loc.key(r["link"].value), "href": loc.href(r["link"].value),
              "source": loc.key(r["a"].value), "target": loc.key(r["b"].value),
              "relation": r["relation"].value, "why": value(r["why"])}
             for r in rows(store, LINKS)]
    linked = {e["source"] for e in edges} | {e["target"] for e in edges}
    claimant = {c["id"]: c["label"] for c in debate["claimants"]}
    nodes = [{"id": cid, "href": c["href"], "essay": c["essay"], "paraphrase": c["paraphrase"],
              "claimant": claimant[c["claimant"]], "stances": by_claim.get(cid, [])}
             for cid, c in sorted(debate["claims"].items()) if cid in linked]
    people: dict[str, dict] = {}
    pairs = []
    for r in rows(store, COMENTIONS):
        for side, name in (("a", "nameA"), ("b", "nameB")):
            iri = r[side].value
            people[iri] = {"id": loc.key(iri), "href": loc.href(iri), "label": r[name].value}
        pairs.append({"source": loc.key(r["a"].value), "target": loc.key(r["b"].value),
                      "weight": int(r["weight"].value), "sources": int(r["sources"].value)})
    return {"essays": debate["essays"], "theses": debate["theses"], "claims": nodes,
            "links": edges, "persons": sorted(people.values(), key=lambda p: p["id"]),
            "comentions": pairs}


def dated(term) -> dict | None:
    if term is None:
        return None
    return {"value": term.value, "precision": PRECISION.get(term.datatype.value, "day")
            if hasattr(term, "datatype") else "day"}


def timeline_data(store: Store, base: str) -> dict:
    loc = Local(base)
    essays = [{"id": loc.key(r["doc"].value), "label": r["label"].value, "href": loc.href(r["doc"].value)}
              for r in rows(store, ESSAYS)]
    named_in: dict[str, list[str]] = {}
    for r in rows(store, CITED_IN):
        named_in.setdefault(r["x"].value, []).append(loc.key(r["doc"].value))
    items = []
    for r in rows(store, EVENTS):
        iri = r["event"].value
        items.append({"id": loc.key(iri), "kind": "event", "type": r["type"].value,
                      "label": r["name"].value, "href": loc.href(iri),
                      "start": dated(r["start"]), "end": dated(r["end"]),
                      "essays": named_in.get(iri, [])})
    for r in rows(store, WORKS):
        iri = r["work"].value
        items.append({"id": loc.key(iri), "kind": "work", "type": r["type"].value,
                      "label": r["name"].value,
                      "href": loc.href(iri), "start": dated(r["date"]), "end": None,
                      "essays": named_in.get(iri, [])})
    for r in rows(store, DATED_CLAIMS):
        iri = r["claim"].value
        items.append({"id": loc.key(iri), "kind": "claim", "type": "Claim",
                      "label": f"{r['claimantLabel'].value}: {r['para'].value}",
                      "href": loc.href(iri), "start": dated(r["date"]), "end": None,
                      "essays": [loc.key(r["doc"].value)]})
    # An event may carry several classes: one item per event, its first type kept.
    seen, unique = set(), []
    for item in items:
        if (item["kind"], item["id"]) not in seen:
            seen.add((item["kind"], item["id"]))
            unique.append(item)
    return {"essays": essays, "items": unique}


DATA = {"debate": debate_data, "network": network_data, "timeline": timeline_data}


def view_answer(store: Store, name: str, base: str) -> Answer:
    """The JSON of one view; run in a query worker (a ``Call`` of the pool)."""
    if name not in DATA:
        return text_answer(404, f"no view {name}")
    body = json.dumps(DATA[name](store, base), ensure_ascii=False, sort_keys=True).encode()
    return Answer(200, "application/json; charset=utf-8", body)


PAGES = {"debate": "Debate map", "network": "Argument network", "timeline": "Timeline"}


class Views:
    """The routes of the views; the JSON kept per server start (the store is read-only).

    A view's JSON is computed when first asked for. Opening a view's page starts its
    computation in the background, so that it runs while the browser loads the page's
    scripts and the page's own request for the JSON finds it done (or waits for the
    same computation, never a second one). `partykg serve` also computes all of them as
    it starts (warm_up); servers started by tests do not, and do no work for views
    they never show."""

    def __init__(self, app):
        self.app = app
        self.cache: dict[str, bytes] = {}
        self.locks = {name: threading.Lock() for name in DATA}

    def compute(self, name: str, client: str = "") -> Answer | None:
        """Fill the cache for one view; the worker's answer when it is not a 200."""
        with self.locks[name]:
            if name in self.cache:
                return None
            answer = self.app.pool.run(Call(view_answer, (name, self.app.proj.base)), client,
                                       ("fast", "main"))
            if answer.status == 200:
                self.cache[name] = answer.body
                return None
            return answer

    def prefetch(self, name: str) -> None:
        # a failure here is not lost: the page's request for the JSON computes it again
        # and answers with the worker's error
        with contextlib.suppress(Exception):
            self.compute(name)

    def warm_up(self) -> None:
        """Compute every view's JSON in the background (`partykg serve` does this as it
        starts, so that no visitor waits for it)."""
        def run() -> None:
            for name in DATA:
                self.prefetch(name)
        threading.Thread(target=run, daemon=True, name="views-warm-up").start()

    def routes(self) -> list[Route]:
        out = []
        for name in DATA:
            out.append(Route(f"/{name}", self.page_route(name), methods=["GET", "HEAD"]))
            out.append(Route(f"/api/{name}", self.api_route(name), methods=["GET", "HEAD"]))
        return out

    def page_route(self, name: str):
        async def page(request: Request) -> Response:
            from partykg.serve.pages import environment
            if name not in self.cache and not self.locks[name].locked():
                threading.Thread(target=self.prefetch, args=(name,), daemon=True,
                                 name=f"prefetch-{name}").start()
            return self.app.cached(request, "text/html", lambda: Response(
                environment().get_template(f"{name}.html").render(
                    title=PAGES[name], local="", view=name).encode(),
                200, media_type="text/html; charset=utf-8"))
        return page

    def api_route(self, name: str):
        async def api(request: Request) -> Response:
            if name not in self.cache:
                client = request.client.host if request.client else ""
                failed = await anyio.to_thread.run_sync(self.compute, name, client,
                                                        limiter=self.app.limiter)
                if failed is not None:
                    return Response(failed.body, failed.status, media_type=failed.content_type)
            body = self.cache[name]
            return self.app.cached(request, "application/json", lambda: Response(
                body, 200, media_type="application/json; charset=utf-8"))
        return api
