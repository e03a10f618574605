"""Search, the index pages of every kind, and the reading view of an essay.

All three read the two files `partykg build` writes for them (rdf/browse.py):
``search-index.json`` and ``reading.json``, loaded once when the server starts
and answered from memory in the server process (no query worker, no SPARQL):
a search scans some 1,000 names and texts, an index page sorts a few hundred
rows, and a reading page is rendered once and kept.

Ranking of a search (accent- and case-insensitive, NFKD without combining
marks, casefolded): an exact label, then an exact alias or surface form, then
a label or alias that starts with the query, then one with a word that starts
with it, then one that contains it, then a paraphrase, quotation or title that
contains it; within a rank, entities mentioned more often first.
"""

from __future__ import annotations

import json
import unicodedata
import urllib.parse
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from partykg.rdf.browse import ENTITY_KINDS, READING, SEARCH_INDEX
from partykg.serve.pages import environment

KIND_TITLES = {"person": "Persons", "organization": "Organizations", "group": "Groups",
               "event": "Events", "place": "Places", "work": "Works", "thesis": "Theses",
               "claim": "Claims", "quotation": "Quotations", "source": "Sources (essays)"}
INDEX_KINDS = tuple(KIND_TITLES)
RANKS = ("exact label", "exact alias", "label starts with", "word starts with",
         "name contains", "text contains")
STANCE_NAMES = ("supports", "opposes", "qualifies")
MAX_QUERY = 200


def fold(text: str) -> str:
    """Accent- and case-insensitive form: NFKD without combining marks, casefolded,
    whitespace collapsed."""
    decomposed = unicodedata.normalize("NFKD", text)
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).casefold().split())


@dataclass
class Entry:
    iri: str
    kind: str
    label: str
    names: tuple[tuple[str, str], ...]   # (folded, original): label first, then aliases and forms
    texts: tuple[tuple[str, str], ...]   # (folded, original): paraphrase, quote, title
    weight: int                          # mentions: the tie-break inside a rank
    essays: tuple[str, ...]


class BrowseError(Exception):
    """The build has no browser files (a build from before they existed)."""


class Browse:
    # Rows of an index page: the 1M synthetic corpus's 12,491 claims made one 6 MB
    # page (0.7 s to answer); the real build's longest index (348 claims) fits one.
    page_size = 500

    def __init__(self, build_dir: Path, base: str, local: str = ""):
        self.base, self.local = base, local
        try:
            index = json.loads((build_dir / SEARCH_INDEX).read_text(encoding="utf-8"))
            self.reading = json.loads((build_dir / READING).read_text(encoding="utf-8"))["sources"]
        except FileNotFoundError as exc:
            raise BrowseError(f"{exc.filename} is missing: run `partykg build` again "
                              "(builds before search existed lack it)") from None
        self.index = index
        self.entities = {e["iri"]: e for e in index["entities"]}
        self.claims = {c["iri"]: c for c in index["claims"]}
        self.quotations = {q["iri"]: q for q in index["quotations"]}
        self.citations = {c["iri"]: c for c in index["citations"]}
        self.quantities = {x["iri"]: x for x in index["quantities"]}
        self.sources = {s["key"]: s for s in index["sources"]}
        self.entries = self._entries()
        self._pages: dict[str, str] = {}

    # --- helpers -------------------------------------------------------------------
    def href(self, iri: str | None) -> str | None:
        if iri is None:
            return None
        return self.local + "/" + iri[len(self.base):] if iri.startswith(self.base) else iri

    def label(self, iri: str | None) -> str:
        if iri is None:
            return ""
        if iri in self.entities:
            return self.entities[iri]["label"]
        for s in self.sources.values():
            if s["iri"] == iri:
                return s["title"]
        return iri.rsplit("/", 1)[-1]

    def _entries(self) -> list[Entry]:
        out = []
        for e in self.index["entities"]:
            names = [e["label"], *e["aliases"], *e["forms"]]
            out.append(Entry(e["iri"], e["kind"], e["label"], tuple((fold(n), n) for n in names), (),
                             e["mentions"], tuple(e["essays"])))
        for s in self.index["sources"]:
            out.append(Entry(s["iri"], "source", s["title"], ((fold(s["title"]), s["title"]),
                                                              (fold(s["key"]), s["key"])),
                             (), s["mentions"], (s["key"],)))
        for c in self.index["claims"]:
            out.append(Entry(c["iri"], "claim", c["key"], ((fold(c["key"]), c["key"]),),
                             ((fold(c["paraphrase"]), c["paraphrase"]),), 0, (c["essay"],)))
        for q in self.index["quotations"]:
            out.append(Entry(q["iri"], "quotation", q["key"], ((fold(q["key"]), q["key"]),),
                             ((fold(q["quote"]), q["quote"]),), 0, (q["essay"],)))
        return out

    # --- search ----------------------------------------------------------------------
    def search(self, q: str, limit: int = 50) -> list[dict]:
        """Ranked matches of ``q``: dicts with iri, href, kind, label, matched, rank."""
        needle = fold(q[:MAX_QUERY])
        if not needle:
            return []
        found = []
        for e in self.entries:
            best = None
            for i, (folded, original) in enumerate(e.names):
                if folded == needle:
                    rank = 0 if i == 0 else 1
                elif folded.startswith(needle):
                    rank = 2
                elif (" " + needle) in (" " + folded.replace("-", " ")):
                    rank = 3
                elif needle in folded:
                    rank = 4
                else:
                    continue
                if best is None or rank < best[0]:
                    best = (rank, original)
            if best is None:
                for folded, original in e.texts:
                    if needle in folded:
                        best = (5, snippet(original, folded, needle))
                        break
            if best is not None:
                found.append((best[0], -e.weight, e.kind == "claim", e.label.casefold(), e.iri,
                              e, best[1]))
        found.sort(key=lambda t: t[:5])
        return [{"iri": e.iri, "href": self.href(e.iri), "kind": e.kind, "label": e.label,
                 "matched": matched, "rank": rank, "why": RANKS[rank], "essays": list(e.essays)}
                for rank, _, _, _, _, e, matched in found[:limit]]

    def search_page(self, q: str) -> str:
        results = self.search(q, 201) if q.strip() else []
        return self.render("search.html", f"Search: {q}" if q else "Search", q=q,
                           results=results[:200], more=len(results) > 200)

    # --- index pages ------------------------------------------------------------------
    def kinds_page(self) -> str:
        counts = {k: sum(1 for e in self.index["entities"] if e["kind"] == k) for k in ENTITY_KINDS}
        counts |= {"claim": len(self.claims), "quotation": len(self.quotations),
                   "source": len(self.sources)}
        return self.render("kinds.html", "Index", kinds=[(k, KIND_TITLES[k], counts[k])
                                                          for k in INDEX_KINDS])

    def kind_page(self, kind: str, params: dict[str, str], page: int = 1) -> str:
        """An index page: ``params`` the sort and the filters, ``page`` which
        PAGE_SIZE rows of the result (from 1; past the last gives the last)."""
        if kind == "claim":
            return self.claim_index(params, page)
        if kind == "quotation":
            return self.quotation_index(params, page)
        if kind == "source":
            return self.source_index(params, page)
        return self.entity_index(kind, params, page)

    def paged(self, kind: str, rows: list, params: dict[str, str], page: int
              ) -> tuple[list, dict]:
        """The rows of the page asked for, and the pager: which rows of how many, and
        links to the neighbouring pages (the sort and filters kept)."""
        size = self.page_size
        pages = max(1, -(-len(rows) // size))
        page = min(max(1, page), pages)
        start = (page - 1) * size

        def link(n: int) -> str:      # page 1 is the index's own address
            return self.query_href(kind, {**params, "page": str(n)} if n > 1 else params)

        pager = {"page": page, "pages": pages, "first": start + 1 if rows else 0,
                 "last": min(start + size, len(rows)), "total": len(rows),
                 "prev": link(page - 1) if page > 1 else None,
                 "next": link(page + 1) if page < pages else None}
        return rows[start:start + size], pager

    def entity_index(self, kind: str, params: dict[str, str], page: int = 1) -> str:
        rows = [e for e in self.index["entities"] if e["kind"] == kind]
        facets = {"essay": facet_counts(rows, lambda e: e["essays"])}
        rows = [e for e in rows if not params.get("essay") or params["essay"] in e["essays"]]
        cols = {"label": lambda e: e["label"].casefold(), "mentions": lambda e: e["mentions"],
                "made": lambda e: e["claims_made"], "about": lambda e: e["claims_about"],
                "essays": lambda e: len(e["essays"])}
        sort, rows = sort_rows(rows, cols, params.get("sort", "label"))
        table = [{"href": self.href(e["iri"]), "label": e["label"], "key": e["key"],
                  "aliases": e["aliases"], "mentions": e["mentions"], "made": e["claims_made"],
                  "about": e["claims_about"], "essays": len(e["essays"])} for e in rows]
        return self.render("kind.html", KIND_TITLES[kind], kind=kind, page=page, rows=table,
                           sort=sort,
                           columns=[("label", "Name"), ("mentions", "Mentions"),
                                    ("made", "Claims made"), ("about", "Claims about"),
                                    ("essays", "Essays")],
                           facets=self.facet_links(kind, params, facets), params=params,
                           total=len(table))

    def claim_index(self, params: dict[str, str], page: int = 1) -> str:
        values = {"essay": lambda c: [c["essay"]],
                  "thesis": lambda c: sorted({t for _, t in c["stances"]}),
                  "stance": lambda c: sorted({s for s, _ in c["stances"]}) or ["none"],
                  "date": lambda c: [(c["date"] or "undated")[:4]]}
        active = {f: params[f] for f in values if params.get(f)}

        def passes(c: dict, skip: str | None = None) -> bool:
            if any(v not in values[f](c) for f, v in active.items() if f != skip):
                return False
            # a stance and a thesis together: that stance on that thesis
            if "stance" in active and "thesis" in active and skip not in ("stance", "thesis"):
                return [active["stance"], active["thesis"]] in c["stances"]
            return True

        claims = self.index["claims"]
        # each facet counts the claims the other filters leave
        facets = {f: facet_counts([c for c in claims if passes(c, f)], values[f]) for f in values}
        rows = [c for c in claims if passes(c)]
        cols = {"id": lambda c: c["key"], "claimant": lambda c: self.label(c["claimant"]).casefold(),
                "essay": lambda c: c["essay"], "date": lambda c: c["date"] or "9999",
                "mode": lambda c: c["mode"]}
        sort, rows = sort_rows(rows, cols, params.get("sort", "id"))
        table = [{"href": self.href(c["iri"]), "key": c["key"], "paraphrase": c["paraphrase"],
                  "claimant": (self.label(c["claimant"]), self.href(c["claimant"])),
                  "essay": c["essay"], "date": c["date"], "mode": c["mode"],
                  "stances": [(s, self.label(t), self.href(t)) for s, t in c["stances"]]}
                 for c in rows]
        return self.render("claims.html", KIND_TITLES["claim"], kind="claim", page=page,
                           rows=table,
                           sort=sort, params=params, total=len(table),
                           columns=[("id", "Claim"), ("claimant", "Claimant"), ("essay", "Essay"),
                                    ("date", "Date"), ("mode", "Mode")],
                           facets=self.facet_links("claim", params, facets))

    def quotation_index(self, params: dict[str, str], page: int = 1) -> str:
        rows = list(self.index["quotations"])
        facets = {"essay": facet_counts(rows, lambda q: [q["essay"]])}
        if params.get("essay"):
            rows = [q for q in rows if q["essay"] == params["essay"]]
        cols = {"id": lambda q: q["key"], "speaker": lambda q: self.label(q["speaker"]).casefold(),
                "essay": lambda q: q["essay"]}
        sort, rows = sort_rows(rows, cols, params.get("sort", "id"))
        table = [{"href": self.href(q["iri"]), "key": q["key"], "quote": q["quote"],
                  "speaker": (self.label(q["speaker"]), self.href(q["speaker"])),
                  "essay": q["essay"]} for q in rows]
        return self.render("quotations.html", KIND_TITLES["quotation"], kind="quotation", page=page,
                           rows=table, sort=sort, params=params, total=len(table),
                           columns=[("id", "Quotation"), ("speaker", "Speaker"), ("essay", "Essay")],
                           facets=self.facet_links("quotation", params, facets))

    def source_index(self, params: dict[str, str], page: int = 1) -> str:
        cols = {"title": lambda s: s["title"].casefold(), "date": lambda s: s["date"] or "9999",
                "mentions": lambda s: s["mentions"], "claims": lambda s: s["claims"],
                "quotations": lambda s: s["quotations"]}
        sort, rows = sort_rows(list(self.index["sources"]), cols, params.get("sort", "title"))
        table = [{**s, "href": self.href(s["iri"]), "read": f"{self.local}/source/{s['key']}/read"}
                 for s in rows]
        return self.render("sources.html", KIND_TITLES["source"], kind="source", page=page,
                           rows=table,
                           sort=sort, params=params, total=len(table),
                           columns=[("title", "Title"), ("date", "Date"), ("mentions", "Mentions"),
                                    ("claims", "Claims"), ("quotations", "Quotations")])

    def facet_links(self, kind: str, params: dict[str, str], facets: dict[str, dict]) -> list:
        """[(facet, [(value label, count, href, active)], clear href)] for the template."""
        out = []
        for name, counts in facets.items():
            values = []
            for value, n in sorted(counts.items()):
                active = params.get(name) == value
                new = {**params, name: value}
                if active:
                    new.pop(name)
                text = self.label(value) if name == "thesis" else value
                values.append((text, n, self.query_href(kind, new), active))
            clear = {k: v for k, v in params.items() if k != name}
            out.append((name, values, self.query_href(kind, clear) if name in params else None))
        return out

    def query_href(self, kind: str, params: dict[str, str]) -> str:
        qs = urllib.parse.urlencode(sorted(params.items()))
        return f"{self.local}/id/{kind}/" + (f"?{qs}" if qs else "")

    def warm(self) -> None:
        """Render every reading page and compile every template at start-up (the
        server runs this in a background thread), so that no visitor waits for it
        (measured on the real build: the two long essays took 130-380 ms to render
        on a loaded machine; once rendered, 3-25 ms to serve)."""
        for key in self.reading:
            self.read_page(key)
        self.kinds_page()
        self.search_page("")
        for kind in ("person", "claim", "quotation", "source"):
            self.kind_page(kind, {})

    # --- reading view --------------------------------------------------------------------
    def read_page(self, key: str) -> str | None:
        if key not in self.reading:
            return None
        if key not in self._pages:
            self._pages[key] = self._read_page(key)
        return self._pages[key]

    def _read_page(self, key: str) -> str:
        doc = self.reading[key]
        source = self.sources.get(key, {"title": key, "iri": self.base + "id/source/" + key})
        spans = doc["spans"]
        details = {str(i): self.annotation(s) for i, s in enumerate(spans)}
        return self.render("read.html", f"Reading: {source['title']}", key=key, source=source,
                           source_href=self.href(source["iri"]),
                           segments=segments(doc["text"], spans), spans=spans,
                           plural={"mention": "mentions", "claim": "claims",
                                   "quotation": "quotations", "citation": "citations",
                                   "quantity": "quantities"},
                           counts={k: sum(1 for s in spans if s["kind"] == k)
                                   for k in ("mention", "claim", "quotation", "citation", "quantity")},
                           details=json.dumps(details, ensure_ascii=True, sort_keys=True)
                           .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))

    def annotation(self, span: dict) -> dict:
        """What the side panel shows for one highlighted span."""
        iri, kind = span["iri"], span["kind"]
        out = {"kind": kind, "iri": iri, "href": self.href(iri), "key": iri.rsplit("/", 1)[-1],
               "start": span["start"], "end": span["end"], "fields": []}
        add = lambda name, text, href=None: out["fields"].append([name, text, href])
        if kind == "claim" and iri in self.claims:
            c = self.claims[iri]
            add("paraphrase", c["paraphrase"])
            add("claimant", self.label(c["claimant"]), self.href(c["claimant"]))
            add("mode", c["mode"])
            for stance, thesis in c["stances"]:
                add(stance, self.label(thesis), self.href(thesis))
            if c["date"]:
                add("date", c["date"])
            for how, other in c["links"]:
                add(how + " with", other.rsplit("/", 1)[-1], self.href(other))
        elif kind == "quotation" and iri in self.quotations:
            q = self.quotations[iri]
            add("speaker", self.label(q["speaker"]), self.href(q["speaker"]))
            if q["work"]:
                add("work", self.label(q["work"]), self.href(q["work"]))
        elif kind == "citation" and iri in self.citations:
            w = self.citations[iri]["work"]
            add("cites", self.label(w), self.href(w))
        elif kind == "quantity" and iri in self.quantities:
            x = self.quantities[iri]
            add("states", x["label"])
            if x["of"]:
                add("of", self.label(x["of"]), self.href(x["of"]))
        elif kind == "mention":
            entity = span.get("body")
            if entity:
                add("names", self.label(entity), self.href(entity))
        return out

    def render(self, template: str, title: str, page: int | None = None, **data) -> str:
        if page is not None:      # an index page: one page of its rows, and the pager
            data["rows"], data["pager"] = self.paged(data["kind"], data["rows"],
                                                     data["params"], page)
        return environment().get_template(template).render(title=title, local=self.local, **data)


def snippet(original: str, folded: str, needle: str, width: int = 60) -> str:
    """Some words around the match (offsets of the folded text: close enough for a hint)."""
    at = folded.find(needle)
    start = max(0, at - width)
    end = min(len(original), at + len(needle) + width)
    return ("…" if start else "") + original[start:end] + ("…" if end < len(original) else "")


def facet_counts(rows: list[dict], values) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in rows:
        for v in values(r):
            out[v] = out.get(v, 0) + 1
    return out


def sort_rows(rows: list[dict], cols: dict, sort: str) -> tuple[str, list[dict]]:
    """``?sort=col`` ascending, ``?sort=-col`` descending; an unknown column falls
    back to the first. Ties keep the index's own (key) order."""
    desc = sort.startswith("-")
    name = sort.lstrip("-")
    if name not in cols:
        name, desc = next(iter(cols)), False
    return ("-" if desc else "") + name, sorted(rows, key=cols[name], reverse=desc)


def segments(text: str, spans: list[dict]) -> list[dict]:
    """The text cut at every span boundary: each segment with its offsets, the
    kinds and the span numbers covering it (nested and overlapping spans alike)."""
    cuts = {0, len(text)}
    for s in spans:
        cuts.update((s["start"], s["end"]))
    bounds = sorted(c for c in cuts if 0 <= c <= len(text))
    starts: dict[int, list[int]] = {}
    for i, s in enumerate(spans):
        starts.setdefault(s["start"], []).append(i)
    active: set[int] = set()
    out = []
    for a, b in pairwise(bounds):
        active = {i for i in active if spans[i]["end"] > a} | set(starts.get(a, []))
        covering = sorted(active, key=lambda i: (spans[i]["end"] - spans[i]["start"], i))
        out.append({"start": a, "end": b, "text": text[a:b], "ann": covering,
                    "kinds": sorted({spans[i]["kind"] for i in covering}),
                    "opens": a in starts})   # a span starts here: a tab stop
    return out
