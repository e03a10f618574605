"""HTML pages for entity IRIs: a readable description of every IRI under the base.

Entities get their names, aliases, Wikidata links, properties, the claims
they make and the claims about them with stance and source, their quotations,
every mention with its passage in context, and related entities. Source
documents list their claims in reading order. Links point to the local
server, so a researcher can browse from Lenin to a claim to its source.
"""

from __future__ import annotations

import html

from pyoxigraph import NamedNode, Store

from partykg.core.namespaces import PKG, PREFIXES

STYLE = """body{font-family:Georgia,serif;max-width:62em;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.7em;margin-bottom:.2em}h2{border-bottom:1px solid #ccc;margin-top:1.8em;font-size:1.25em}
.kind{color:#666}.passage{background:#f7f3e8;padding:.1em .3em}mark{background:#f4d35e}
table{border-collapse:collapse}td,th{border-bottom:1px solid #eee;padding:.25em .6em;vertical-align:top;text-align:left}
.stance{font-family:monospace;font-size:.9em;color:#8a1c1c}li{margin:.4em 0}nav a{margin-right:1em}"""

P = {k: v for k, v in PREFIXES.items()}
STANCES = (("supportsThesis", "supports"), ("opposesThesis", "opposes"),
           ("qualifiesThesis", "qualifies"))


class Pages:
    def __init__(self, store: Store, base: str, local: str = ""):
        self.store, self.base, self.local = store, base, local

    # --- helpers -----------------------------------------------------------------
    def q(self, query: str) -> list[dict]:
        res = self.store.query(query, use_default_graph_as_union=True)
        names = [v.value for v in res.variables]
        return [{n: sol[n] for n in names} for sol in res]

    def href(self, iri: str) -> str:
        if iri.startswith(self.base):
            return self.local + "/" + iri[len(self.base):]
        return iri

    def link(self, term, text: str | None = None) -> str:
        if term is None:
            return ""
        if type(term).__name__ != "NamedNode":
            return html.escape(term.value)
        label = text or self.label(term.value)
        return f'<a href="{html.escape(self.href(term.value))}">{html.escape(label)}</a>'

    def label(self, iri: str) -> str:
        rows = self.q(f"SELECT ?l WHERE {{ <{iri}> <{P['rdfs']}label> ?l }} LIMIT 1")
        if rows:
            return rows[0]["l"].value
        return self.curie(iri)

    def curie(self, iri: str) -> str:
        for prefix, ns in sorted(P.items(), key=lambda kv: -len(kv[1])):
            if iri.startswith(ns):
                return f"{prefix}:{iri[len(ns):]}"
        if iri.startswith(self.base):
            return iri[len(self.base):]
        return iri

    def exists(self, iri: str) -> bool:
        return bool(self.store.query(f"ASK {{ GRAPH ?g {{ {{ <{iri}> ?p ?o }} UNION {{ ?s ?p <{iri}> }} }} }}"))

    def page(self, title: str, body: str) -> str:
        return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>'
                f"{html.escape(title)} — partykg</title><style>{STYLE}</style></head><body>"
                f'<nav><a href="{self.local}/">partykg: query page</a>'
                f'<a href="{self.local}/ontology">ontology</a></nav>{body}</body></html>\n')

    # --- pages -------------------------------------------------------------------
    def render(self, iri: str) -> str:
        types = {r["t"].value for r in self.q(f"SELECT ?t WHERE {{ <{iri}> a ?t }}")}
        if PKG + "SourceDocument" in types:
            return self.source_page(iri)
        if PKG + "Claim" in types:
            return self.claim_page(iri)
        return self.entity_page(iri, types)

    def properties(self, iri: str) -> str:
        rows = self.q(f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }} ORDER BY ?p ?o")
        skip = {P["rdfs"] + "label", P["skos"] + "altLabel", P["owl"] + "sameAs"}
        cells = "".join(f"<tr><th>{html.escape(self.curie(r['p'].value))}</th><td>{self.link(r['o'])}</td></tr>"
                        for r in rows if r["p"].value not in skip)
        return f"<table>{cells}</table>"

    def claim_item(self, r: dict) -> str:
        claim = r["claim"].value
        props = ", ".join(f"<{PKG}{local}>" for local, _ in STANCES)
        stances = self.q(f"SELECT ?p ?t WHERE {{ <{claim}> ?p ?t . FILTER(?p IN ({props})) }} "
                         "ORDER BY ?p ?t")
        stance = " ".join(f'<span class="stance">{dict(STANCES)[s["p"].value[len(PKG):]]}</span> '
                          f'{self.link(s["t"])}' for s in stances)
        cid = claim.rsplit("/", 1)[-1]
        return (f'<li id="{html.escape(cid)}"><a href="{html.escape(self.href(claim))}">{html.escape(cid)}</a> '
                f'— {self.link(r["claimant"])}: {html.escape(r["para"].value)} '
                f'<span class="kind">({self.link(r["doc"])})</span> {stance}</li>')

    def claims(self, where: str, order: str = "?doc ?pos") -> list[dict]:
        return self.q(f"""PREFIX pkg: <{PKG}> PREFIX schema: <{P['schema']}>
            SELECT DISTINCT ?claim ?claimant ?para ?doc ?pos WHERE {{ ?claim a pkg:Claim ;
              pkg:claimant ?claimant ; pkg:paraphrase ?para ; pkg:statedIn ?doc ;
              pkg:positionInSource ?pos . {where} }} ORDER BY {order}""")

    def entity_page(self, iri: str, types: set[str]) -> str:
        name = self.label(iri)
        kinds = ", ".join(sorted(self.curie(t) for t in types)) or "resource"
        aliases = sorted(r["a"].value for r in self.q(
            f"SELECT ?a WHERE {{ <{iri}> <{P['skos']}altLabel> ?a }}"))
        same = [r["w"].value for r in self.q(f"SELECT ?w WHERE {{ <{iri}> <{P['owl']}sameAs> ?w }} ORDER BY ?w")]
        parts = [f"<h1>{html.escape(name)}</h1><p class=\"kind\">{html.escape(kinds)} · "
                 f"<code>{html.escape(iri)}</code></p>"]
        if aliases:
            parts.append("<p>Also written: " + ", ".join(html.escape(a) for a in aliases) + "</p>")
        for w in same:
            parts.append(f'<p>Wikidata: <a class="wikidata" href="{html.escape(w)}">{html.escape(w.rsplit("/", 1)[-1])}</a></p>')
        parts.append("<h2>Description</h2>" + self.properties(iri))
        made = self.claims(f"?claim pkg:claimant <{iri}> .")
        if made:
            parts.append(f"<h2>Claims made ({len(made)})</h2><ul class=\"claims-made\">"
                         + "".join(self.claim_item(r) for r in made) + "</ul>")
        about = self.claims(f"?claim schema:about <{iri}> .")
        if about:
            parts.append(f"<h2>Claims about {html.escape(name)} ({len(about)})</h2><ul class=\"claims-about\">"
                         + "".join(self.claim_item(r) for r in about) + "</ul>")
        quotes = self.q(f"""PREFIX pkg: <{PKG}> PREFIX oa: <{P['oa']}>
            SELECT ?quot ?doc ?work ?loc ?words WHERE {{ ?quot pkg:speaker <{iri}> ; pkg:quotedIn ?doc ;
              oa:hasTarget/oa:hasSelector/oa:exact ?words .
              OPTIONAL {{ ?quot pkg:citedWork ?work }} OPTIONAL {{ ?quot pkg:locator ?loc }} }}
            ORDER BY ?doc ?quot""")
        if quotes:
            parts.append(f"<h2>Quotations ({len(quotes)})</h2><ul>" + "".join(
                f'<li>“{html.escape(r["words"].value)}” — {self.link(r["work"]) if r["work"] else "no work named"}'
                f'{", " + html.escape(r["loc"].value) if r["loc"] else ""}; quoted in {self.link(r["doc"])}</li>'
                for r in quotes) + "</ul>")
        mentions = self.q(f"""PREFIX oa: <{P['oa']}>
            SELECT ?doc ?pre ?exact ?suf ?start WHERE {{ ?m oa:hasBody <{iri}> ; oa:hasTarget ?t .
              ?t oa:hasSource ?doc ; oa:hasSelector ?qs, ?ps . ?qs oa:exact ?exact ; oa:prefix ?pre ;
              oa:suffix ?suf . ?ps oa:start ?start }} ORDER BY ?doc ?start""")
        if mentions:
            parts.append(f"<h2>Mentions ({len(mentions)})</h2><ul class=\"mentions\">" + "".join(
                f'<li>{self.link(r["doc"])}: <span class="passage">…{html.escape(r["pre"].value)}'
                f'<mark>{html.escape(r["exact"].value)}</mark>{html.escape(r["suf"].value)}…</span></li>'
                for r in mentions) + "</ul>")
        related = self.q(f"""SELECT DISTINCT ?s ?p WHERE {{ GRAPH <{self.base}graph/registry> {{ ?s ?p <{iri}> }} }}
            ORDER BY ?p ?s""")
        if related:
            parts.append("<h2>Related</h2><ul>" + "".join(
                f"<li>{self.link(r['s'])} <span class=\"kind\">({html.escape(self.curie(r['p'].value))})</span></li>"
                for r in related) + "</ul>")
        return self.page(name, "".join(parts))

    def claim_page(self, iri: str) -> str:
        [r] = self.claims(f"FILTER(?claim = <{iri}>)") or [None]
        passage = self.q(f"""PREFIX oa: <{P['oa']}> SELECT ?exact WHERE {{ <{iri}> oa:hasTarget/oa:hasSelector/oa:exact ?exact }}""")
        links = self.q(f"""PREFIX pkg: <{PKG}> SELECT ?other ?cls ?j WHERE {{ ?l pkg:linksClaim <{iri}>, ?other ;
            a ?cls ; pkg:justification ?j FILTER(?other != <{iri}>) }} ORDER BY ?other""")
        body = [f"<h1>{html.escape(iri.rsplit('/', 1)[-1])}</h1>",
                f"<p>{self.link(r['claimant'])} in {self.link(r['doc'])}:</p>",
                f"<p><strong>{html.escape(r['para'].value)}</strong></p>"]
        if passage:
            body.append(f'<blockquote class="passage">{html.escape(passage[0]["exact"].value)}</blockquote>')
        body.append("<h2>Description</h2>" + self.properties(iri))
        if links:
            body.append("<h2>Agreement and contradiction</h2><ul>" + "".join(
                f"<li>{'agrees with' if l['cls'].value.endswith('Agreement') else 'contradicts'} "
                f"{self.link(l['other'], l['other'].value.rsplit('/', 1)[-1])}: {html.escape(l['j'].value)}</li>"
                for l in links) + "</ul>")
        return self.page(iri.rsplit("/", 1)[-1], "".join(body))

    def source_page(self, iri: str) -> str:
        title = self.label(iri)
        claims = self.claims(f"?claim pkg:statedIn <{iri}> .", "?pos")
        body = [f"<h1>{html.escape(title)}</h1><p class=\"kind\">source document · <code>{html.escape(iri)}</code></p>",
                "<h2>Description</h2>" + self.properties(iri),
                f"<h2>Claims in reading order ({len(claims)})</h2><ol class=\"claims\">"
                + "".join(self.claim_item(r) for r in claims) + "</ol>"]
        return self.page(title, "".join(body))


def describe_triples(store: Store, iri: str):
    """The RDF description of an IRI: its triples and those of its hash sub-resources."""
    from pyoxigraph import Triple
    out = {}
    for q in store.quads_for_pattern(NamedNode(iri), None, None, None):
        out[str(q)] = Triple(q.subject, q.predicate, q.object)
    res = store.query(f"""SELECT ?s ?p ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }}
        FILTER(STRSTARTS(STR(?s), "{iri}#")) }}""")
    for sol in res:
        t = Triple(sol["s"], sol["p"], sol["o"])
        out[str(t)] = t
    return [out[k] for k in sorted(out)]
