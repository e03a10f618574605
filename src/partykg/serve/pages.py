"""HTML pages (and RDF descriptions) for entity IRIs: a readable description of
every IRI under the base.

Entities get their names, aliases, Wikidata links, properties, the claims
they make and the claims about them with stance and source, their quotations,
every mention with its passage in context, and related entities. Source
documents list their claims in reading order. Links point to the local
server, so a researcher can browse from Lenin to a claim to its source.

Thesis pages list the claims that support, oppose or qualify the thesis,
grouped by stance and then by essay. Long pages have sections with a table
of contents and counts, and long lists fold (<details>, no script). Every
page links its RDF (<link rel="alternate">: Turtle, N-Triples, JSON-LD at
IRI.ttl, .nt, .jsonld) and says how to cite it (publish/cite.py). Literals
are shown as values, their language or datatype as a small suffix.

The page's IRI is never written into query text: every query here is a
constant, and IRIs reach it as bound terms (pyoxigraph's ``substitutions``).
The pages are Jinja2 templates (serve/templates/) with autoescaping. These
functions run in the query workers (partykg.sparql.pool), under the time limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from pyoxigraph import NamedNode, Store, Variable

from partykg.core.formats import BY_NAME
from partykg.core.namespaces import PKG, PREFIXES, all_prefixes, graph_iri
from partykg.publish.cite import Citation, bibtex, csl_bytes, item_citation
from partykg.sparql.pool import Answer, text_answer

P = dict(PREFIXES)
# Every query projects the variables it gets bound (?this, ?registry): pyoxigraph
# substitutes only projected variables.
STANCES = {PKG + "supportsThesis": "supports", PKG + "opposesThesis": "opposes",
           PKG + "qualifiesThesis": "qualifies"}
SKIP = {P["rdfs"] + "label", P["skos"] + "altLabel", P["owl"] + "sameAs"}
HEAD = f"PREFIX pkg: <{PKG}> PREFIX schema: <{P['schema']}> PREFIX oa: <{P['oa']}> " \
       f"PREFIX rdfs: <{P['rdfs']}> PREFIX skos: <{P['skos']}> PREFIX owl: <{P['owl']}> "
CLAIMS = HEAD + """SELECT DISTINCT ?this ?claim ?claimant ?para ?doc ?pos WHERE { ?claim a pkg:Claim ;
    pkg:claimant ?claimant ; pkg:paraphrase ?para ; pkg:statedIn ?doc ;
    pkg:positionInSource ?pos . %s } ORDER BY %s"""
CLAIMS_MADE = CLAIMS % ("?claim pkg:claimant ?this .", "?doc ?pos")
CLAIMS_ABOUT = CLAIMS % ("?claim schema:about ?this .", "?doc ?pos")
CLAIMS_IN = CLAIMS % ("?claim pkg:statedIn ?this .", "?pos")
THE_CLAIM = CLAIMS % ("FILTER(?claim = ?this)", "?doc ?pos")
LABEL = HEAD + "SELECT ?this ?l WHERE { ?this rdfs:label ?l } LIMIT 1"
TYPES = "SELECT ?this ?t WHERE { ?this a ?t }"
PROPERTIES = "SELECT ?this ?p ?o WHERE { ?this ?p ?o } ORDER BY ?p ?o"
STANCE_OF = HEAD + """SELECT ?this ?p ?t WHERE { ?this ?p ?t .
    FILTER(?p IN (pkg:supportsThesis, pkg:opposesThesis, pkg:qualifiesThesis)) } ORDER BY ?p ?t"""
ALIASES = HEAD + "SELECT ?this ?a WHERE { ?this skos:altLabel ?a }"
SAME_AS = HEAD + "SELECT ?this ?w WHERE { ?this owl:sameAs ?w } ORDER BY ?w"
QUOTES = HEAD + """SELECT ?this ?quot ?doc ?work ?loc ?words WHERE { ?quot pkg:speaker ?this ;
    pkg:quotedIn ?doc ; oa:hasTarget/oa:hasSelector/oa:exact ?words .
    OPTIONAL { ?quot pkg:citedWork ?work } OPTIONAL { ?quot pkg:locator ?loc } }
    ORDER BY ?doc ?quot"""
MENTIONS = HEAD + """SELECT ?this ?doc ?pre ?exact ?suf ?start WHERE { ?m oa:hasBody ?this ; oa:hasTarget ?t .
    ?t oa:hasSource ?doc ; oa:hasSelector ?qs, ?ps . ?qs oa:exact ?exact ; oa:prefix ?pre ;
    oa:suffix ?suf . ?ps oa:start ?start } ORDER BY ?doc ?start"""
RELATED = "SELECT DISTINCT ?this ?registry ?s ?p WHERE { GRAPH ?registry { ?s ?p ?this } } ORDER BY ?p ?s"
PASSAGE = HEAD + "SELECT ?this ?exact WHERE { ?this oa:hasTarget/oa:hasSelector/oa:exact ?exact }"
LINKS = HEAD + """SELECT ?this ?other ?cls ?j WHERE { ?l pkg:linksClaim ?this, ?other ;
    a ?cls ; pkg:justification ?j FILTER(?other != ?this) } ORDER BY ?other"""
THESIS_CLAIMS = HEAD + """SELECT ?this ?p ?claim ?claimant ?para ?doc ?pos ?mode WHERE {
    ?claim ?p ?this FILTER(?p IN (pkg:supportsThesis, pkg:opposesThesis, pkg:qualifiesThesis))
    ?claim a pkg:Claim ; pkg:statedIn ?doc .
    OPTIONAL { ?claim pkg:claimant ?claimant } OPTIONAL { ?claim pkg:paraphrase ?para }
    OPTIONAL { ?claim pkg:positionInSource ?pos } OPTIONAL { ?claim pkg:attributionMode ?mode } }
    ORDER BY ?p ?doc ?pos ?claim"""
NARROWER = HEAD + """SELECT ?this ?n WHERE { ?n skos:broader ?this } ORDER BY ?n"""
DEFINITION = HEAD + """SELECT ?this ?d WHERE { ?this skos:definition ?d } LIMIT 1"""
XSD_STRING = P["xsd"] + "string"
RDF_LANG_STRING = P["rdf"] + "langString"
ALTERNATES = (("turtle", ".ttl", "Turtle"), ("ntriples", ".nt", "N-Triples"),
              ("jsonld", ".jsonld", "JSON-LD"))
FOLD = 12    # lists longer than this start folded


@lru_cache(maxsize=1)
def environment():
    """The Jinja2 environment: templates shipped in the package, autoescaped."""
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
    return Environment(loader=PackageLoader("partykg.serve", "templates"),
                       autoescape=select_autoescape(default=True, default_for_string=True),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


@dataclass(frozen=True)
class Link:
    text: str
    href: str | None = None     # None: plain text (a literal or a blank node)
    note: str | None = None     # a literal's language tag or datatype, shown small


class Pages:
    def __init__(self, store: Store, base: str, local: str = "",
                 citation: Citation | None = None):
        self.store, self.base, self.local = store, base, local
        self.citation = citation
        self.labels: dict[str, str] = {}

    # --- helpers -----------------------------------------------------------------
    def q(self, query: str, this: str | None = None, **bound: str) -> list[dict]:
        subs = {Variable(k): NamedNode(v) for k, v in bound.items()}
        if this is not None:
            subs[Variable("this")] = NamedNode(this)
        res = self.store.query(query, use_default_graph_as_union=True, substitutions=subs)
        names = [v.value for v in res.variables]
        return [{n: sol[n] for n in names} for sol in res]

    def href(self, iri: str) -> str:
        if iri.startswith(self.base):
            return self.local + "/" + iri[len(self.base):]
        return iri

    def link(self, term, text: str | None = None) -> Link | None:
        if term is None:
            return None
        kind = type(term).__name__
        if kind == "Literal":
            return Link(term.value, None, self.literal_note(term))
        if kind != "NamedNode":
            return Link(term.value)
        return Link(text or self.label(term.value), self.href(term.value))

    def literal_note(self, term) -> str | None:
        """``@en`` for a language-tagged string, the datatype's CURIE for a typed
        literal (xsd:integer, xsd:date…), nothing for a plain string."""
        if term.language:
            return "@" + term.language
        dt = term.datatype.value
        if dt in (XSD_STRING, RDF_LANG_STRING):
            return None
        return self.curie(dt)

    def label(self, iri: str) -> str:
        if iri not in self.labels:
            rows = self.q(LABEL, iri)
            self.labels[iri] = rows[0]["l"].value if rows else self.curie(iri)
        return self.labels[iri]

    def curie(self, iri: str) -> str:
        for prefix, ns in sorted(P.items(), key=lambda kv: -len(kv[1])):
            if iri.startswith(ns):
                return f"{prefix}:{iri[len(ns):]}"
        if iri.startswith(self.base):
            return iri[len(self.base):]
        return iri

    def exists(self, iri: str) -> bool:
        """A term lookup in the indexes: the IRI as subject or object of any quad."""
        node = NamedNode(iri)
        return next(iter(self.store.quads_for_pattern(node, None, None, None)), None) is not None \
            or next(iter(self.store.quads_for_pattern(None, None, node, None)), None) is not None

    def page(self, template: str, title: str, iri: str | None = None, **data) -> str:
        alternates, cite = [], None
        if iri is not None:
            here = self.href(iri)
            alternates = [(BY_NAME[name].media_type, here + suffix, label)
                          for name, suffix, label in ALTERNATES]
            if self.citation is not None:
                cite = self.cite(iri, title, data.get("essay", False))
        return environment().get_template(template).render(
            title=title, local=self.local, iri=iri, alternates=alternates, cite=cite, **data)

    def cite(self, iri: str, title: str, essay: bool) -> dict:
        """The cite block: this page's citation (an essay's own, or the entity's in
        the dataset) and the dataset's, with their BibTeX and CSL-JSON downloads."""
        item = item_citation(self.store, self.citation, iri, title, essay)
        path = self.href(iri)[len(self.local):].lstrip("/")
        return {"item": item.text(), "item_bib": f"{self.local}/cite/{path}.bib",
                "item_json": f"{self.local}/cite/{path}.json", "bibtex": bibtex(item),
                "dataset": self.citation.text(),
                "dataset_bib": f"{self.local}/cite/dataset.bib",
                "dataset_json": f"{self.local}/cite/dataset.json"}

    # --- pages -------------------------------------------------------------------
    def render(self, iri: str) -> str:
        types = {r["t"].value for r in self.q(TYPES, iri)}
        if PKG + "SourceDocument" in types:
            return self.source_page(iri)
        if PKG + "Claim" in types:
            return self.claim_page(iri)
        if PKG + "Thesis" in types:
            return self.thesis_page(iri, types)
        return self.entity_page(iri, types)

    def properties(self, iri: str) -> list[tuple[str, Link | None]]:
        return [(self.curie(r["p"].value), self.link(r["o"])) for r in self.q(PROPERTIES, iri)
                if r["p"].value not in SKIP]

    def claim_item(self, r: dict) -> dict:
        claim = r["claim"].value
        stances = [(STANCES[s["p"].value], self.link(s["t"])) for s in self.q(STANCE_OF, claim)]
        return {"id": claim.rsplit("/", 1)[-1], "href": self.href(claim),
                "claimant": self.link(r["claimant"]), "para": r["para"].value,
                "doc": self.link(r["doc"]), "stances": stances}

    def entity_page(self, iri: str, types: set[str]) -> str:
        name = self.label(iri)
        quotes = [{"words": r["words"].value, "work": self.link(r["work"]),
                   "loc": r["loc"].value if r["loc"] else None, "doc": self.link(r["doc"])}
                  for r in self.q(QUOTES, iri)]
        mentions = group([(r["doc"].value, {"doc": self.link(r["doc"]), "pre": r["pre"].value,
                                            "exact": r["exact"].value, "suf": r["suf"].value})
                          for r in self.q(MENTIONS, iri)], self)
        related = [(self.link(r["s"]), self.curie(r["p"].value))
                   for r in self.q(RELATED, iri, registry=graph_iri(self.base, "registry"))]
        return self.page(
            "entity.html", name, iri, name=name, fold=FOLD,
            kinds=", ".join(sorted(self.curie(t) for t in types)) or "resource",
            aliases=sorted(r["a"].value for r in self.q(ALIASES, iri)),
            wikidata=[(w, w.rsplit("/", 1)[-1]) for w in (r["w"].value for r in self.q(SAME_AS, iri))],
            properties=self.properties(iri),
            made=[self.claim_item(r) for r in self.q(CLAIMS_MADE, iri)],
            about=[self.claim_item(r) for r in self.q(CLAIMS_ABOUT, iri)],
            quotes=quotes, mentions=mentions, related=related)

    def claim_page(self, iri: str) -> str:
        [r] = self.q(THE_CLAIM, iri)[:1] or [None]
        passage = self.q(PASSAGE, iri)
        links = [{"agrees": l["cls"].value.endswith("Agreement"),
                  "other": self.link(l["other"], l["other"].value.rsplit("/", 1)[-1]),
                  "why": l["j"].value} for l in self.q(LINKS, iri)]
        cid = iri.rsplit("/", 1)[-1]
        return self.page("claim.html", cid, iri, cid=cid,
                         claimant=self.link(r["claimant"]) if r else None,
                         doc=self.link(r["doc"]) if r else None,
                         para=r["para"].value if r else "",
                         passage=passage[0]["exact"].value if passage else None,
                         properties=self.properties(iri), links=links)

    def source_page(self, iri: str) -> str:
        title = self.label(iri)
        return self.page("source.html", title, iri, properties=self.properties(iri), essay=True, fold=FOLD,
                         claims=[self.claim_item(r) for r in self.q(CLAIMS_IN, iri)])

    def thesis_page(self, iri: str, types: set[str]) -> str:
        """A thesis: its definition, its place in the thesis scheme, and the claims
        that support, oppose or qualify it, by stance and then by essay."""
        name = self.label(iri)
        stances = []
        rows = self.q(THESIS_CLAIMS, iri)
        for p, stance in STANCES.items():
            mine = [r for r in rows if r["p"].value == p]
            items = [(r["doc"].value, {
                "id": r["claim"].value.rsplit("/", 1)[-1], "href": self.href(r["claim"].value),
                "claimant": self.link(r["claimant"]),
                "para": r["para"].value if r["para"] else "",
                "mode": self.mode(r["mode"])}) for r in mine]
            stances.append({"name": stance, "count": len(mine), "essays": group(items, self)})
        definition = self.q(DEFINITION, iri)
        return self.page(
            "thesis.html", name, iri, name=name, fold=FOLD,
            kinds=", ".join(sorted(self.curie(t) for t in types)),
            definition=definition[0]["d"].value if definition else None,
            narrower=[self.link(r["n"]) for r in self.q(NARROWER, iri)],
            properties=self.properties(iri), stances=stances)

    def mode(self, term) -> str | None:
        """An attribution mode (pkg:OwnView…) as words: "own view"."""
        if term is None:
            return None
        local = term.value.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        return "".join(" " + c.lower() if c.isupper() else c for c in local).strip()


def group(items: list[tuple[str, dict]], pages: Pages) -> list[dict]:
    """Items (key IRI, item) in order, grouped by key, each group with its link
    and its items: one foldable list per essay."""
    out: list[dict] = []
    for key, item in items:
        if not out or out[-1]["key"] != key:
            out.append({"key": key, "link": pages.link(NamedNode(key)), "rows": []})
        out[-1]["rows"].append(item)
    return out


def describe_triples(store: Store, iri: str):
    """The RDF description of an IRI, what its page shows: its triples, those of
    its hash sub-resources (#target, #sha256…), and the triples that point at
    it (the claims it makes or that are about it, its mentions, quotations and
    related entries) with the triples of the blank nodes among them (OWL axioms
    annotating a statement about it): a symmetric concise bounded description,
    in a fixed order, blank nodes named after their triples."""
    from pyoxigraph import BlankNode
    out = {}
    node = NamedNode(iri)
    for q in (*store.quads_for_pattern(node, None, None, None),
              *store.quads_for_pattern(None, None, node, None)):
        out[str(q.triple)] = q.triple
    # the hash parts (#target, #sha256…): followed from the IRI through the
    # objects that are parts of it (index look-ups, not a scan of every quad)
    parts, todo = set(), [node]
    while todo:
        for q in store.quads_for_pattern(todo.pop(), None, None, None):
            o = q.object
            if isinstance(o, NamedNode) and o.value.startswith(iri + "#") and o not in parts:
                parts.add(o)
                todo.append(o)
    for part in parts:
        for q in store.quads_for_pattern(part, None, None, None):
            out[str(q.triple)] = q.triple
    # the blank nodes reached (owl:Axiom annotations of a statement): their triples too
    todo = [t.subject for t in out.values() if isinstance(t.subject, BlankNode)] + \
        [t.object for t in out.values() if isinstance(t.object, BlankNode)]
    seen = set()
    while todo:
        b = todo.pop()
        if b in seen:
            continue
        seen.add(b)
        for q in store.quads_for_pattern(b, None, None, None):
            out[str(q.triple)] = q.triple
            if isinstance(q.object, BlankNode):
                todo.append(q.object)
    return sorted(_stable_blank_nodes(list(out.values())), key=str)


def _stable_blank_nodes(triples: list) -> list:
    """The store names blank nodes afresh at every load; name each after a hash of
    its own triples (other blank nodes in them written as []), so the same build
    always gives the same bytes. Blank nodes with the same triples get -1, -2…"""
    import hashlib

    from pyoxigraph import BlankNode, Triple
    own: dict = {}
    for t in triples:
        if isinstance(t.subject, BlankNode):
            o = "[]" if isinstance(t.object, BlankNode) else str(t.object)
            own.setdefault(t.subject, []).append(f"{t.predicate} {o}")
        if isinstance(t.object, BlankNode):
            own.setdefault(t.object, [])
    digests = {b: hashlib.sha256("\n".join(sorted(lines)).encode()).hexdigest()[:24]
               for b, lines in own.items()}
    names, used = {}, {}
    for b in sorted(own, key=lambda b: (digests[b], b.value)):
        n = used[digests[b]] = used.get(digests[b], 0) + 1
        names[b] = BlankNode(f"b{digests[b]}" + (f"-{n}" if n > 1 else ""))
    rename = lambda x: names.get(x, x) if isinstance(x, BlankNode) else x
    return [Triple(rename(t.subject), t.predicate, rename(t.object)) for t in triples]


def resource_answer(store: Store, iri: str, choice: str, base: str,
                    citation: Citation | None = None) -> Answer:
    """The answer for GET /id/…: 404 when the graph does not know the IRI, else
    its HTML page or its RDF description in the format ``choice``. Run in a
    query worker (a ``Call`` of the pool), under the time limit."""
    pages = Pages(store, base, citation=citation)
    if not pages.exists(iri):
        return text_answer(404, f"no resource <{iri}> in partykg")
    if choice == "html":
        return Answer(200, BY_NAME["html"].content_type, pages.render(iri).encode("utf-8"))
    from pyoxigraph import serialize
    fmt = BY_NAME[choice]
    kwargs = {} if choice == "ntriples" else {"prefixes": all_prefixes(base)}
    return Answer(200, fmt.content_type, serialize(describe_triples(store, iri), format=fmt.rdf,
                                                   **kwargs))


def cite_answer(store: Store, iri: str, ext: str, base: str, dataset: Citation) -> Answer:
    """GET /cite/id/….bib or .json: the citation of an essay or an entity."""
    pages = Pages(store, base, citation=dataset)
    if not pages.exists(iri):
        return text_answer(404, f"no resource <{iri}> in partykg to cite")
    types = {r["t"].value for r in pages.q(TYPES, iri)}
    item = item_citation(store, dataset, iri, pages.label(iri), PKG + "SourceDocument" in types)
    if ext == "bib":
        return Answer(200, "application/x-bibtex; charset=utf-8", bibtex(item).encode("utf-8"))
    return Answer(200, "application/vnd.citationstyles.csl+json", csl_bytes(item))
