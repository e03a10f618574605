"""Asking a Wikidata SPARQL endpoint (Wikidata's own, a mirror, or a local stand-in).

Every request is a SPARQL 1.1 Protocol GET sent by partykg's one HTTP client
(partykg.core.http, see partykg.sparql.remote for why not SPARQLWrapper), with
a User-Agent naming partykg (Wikidata's User-Agent policy), a total deadline,
a size cap (Wikidata's answers to these queries are small: 64 MB is plenty),
and explicit PREFIX lines (Wikidata predefines them, other endpoints do not).
Answers are SPARQL JSON parsed by pyoxigraph. An endpoint that cannot be
reached, answers with an error or with garbage raises :class:`InputError`,
which the CLI turns into exit code 2.

The queries here find candidate items by label and alias, fetch what is
needed to judge them (description, P31 types, kind, dates with their
precision), check published links (labels and aliases in any language,
kind) and fetch the facts `partykg enrich` caches.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from pyoxigraph import QueryResultsFormat

from partykg import __version__
from partykg.core.errors import InputError, Problem
from partykg.core.http import MB, Client, Credentials, HttpError
from partykg.core.namespaces import WIKIDATA_ENTITY
from partykg.sparql.query import WIKIDATA_SPARQL
from partykg.sparql.remote import RESULTS_JSON, read_results, sparql_request

USER_AGENT = (f"partykg/{__version__} (linked-data knowledge graph; "
              "https://w3id.org/partykg/) httpx")
MAX_BYTES = 64 * MB
BATCH = 25  # names or items per request: keeps GET URLs short

PREFIXES = """PREFIX wd: <http://www.wikidata.org/entity/>
PREFIX wdt: <http://www.wikidata.org/prop/direct/>
PREFIX p: <http://www.wikidata.org/prop/>
PREFIX psv: <http://www.wikidata.org/prop/statement/value/>
PREFIX wikibase: <http://wikiba.se/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX schema: <http://schema.org/>
"""

# The Wikidata classes a kind of registry entity must reach. Every QID was
# checked with the search tool (find_string), pairing it with its label in
# public code (index ids of the files in brackets):
#   Q5 human: "?person wdt:P31 wd:Q5 .  # instance of human" [51829687290]
#   Q43229 organization: 'wikidata_class = "wd:Q43229"  # organization' [18450404512]
#   Q1002697 periodical literature: '"e_class": "wd:Q1002697", "label": "Periodical"'
#       [69628541] (another file calls it "# magazine" [66064300964]); newspapers and
#       journals are often not organizations in Wikidata, hence a root of their own
#   Q1190554 occurrence: "Q1190554 occurrence, Q1656682 event" [9585135822, 68696198751]
#   Q1656682 event: same files
#   Q17537576 creative work: "wdt:P279* wd:Q17537576 .  # creative work" [51923184911]
#   Q386724 work: "'wd:Q386724', // work" [37859553533]
#   Q2221906 geographic location: 'id: "wd:Q2221906", name: "geographic location"' [67009485831]
#   Q618123 geographical feature: '"wd:Q618123",     # geographical feature' [42598427314]
#   Q486972 human settlement: "wdt:P279* wd:Q486972 .  # instance of human settlement" [20296411670]
#   Q56061 administrative territorial entity: "wd:Q56061  # administrative territorial
#       entity" [52542858522]
# Persons are matched by P31 human directly (Wikidata's convention); the
# others by P31/P279* (an instance of a subclass of a root).
KIND_ROOTS: dict[str, tuple[str, ...]] = {
    "person": ("Q5",),
    "organization": ("Q43229", "Q1002697"),
    "event": ("Q1190554", "Q1656682"),
    "work": ("Q17537576", "Q386724"),
    "place": ("Q2221906", "Q618123", "Q486972", "Q56061"),
}
ROOT_LABELS = {"Q5": "human", "Q43229": "organization", "Q1002697": "periodical literature",
               "Q1190554": "occurrence", "Q1656682": "event", "Q17537576": "creative work",
               "Q386724": "work", "Q2221906": "geographic location",
               "Q618123": "geographical feature", "Q486972": "human settlement",
               "Q56061": "administrative territorial entity"}
LINKABLE_KINDS = tuple(KIND_ROOTS)  # groups have no Wikidata counterpart class

# Date properties: birth, death, inception, dissolved, start, end, point in time, publication.
DATE_PROPS = {"P569": "born", "P570": "died", "P571": "inception", "P576": "dissolved",
              "P580": "start", "P582": "end", "P585": "point in time", "P577": "published"}
# wikibase:timePrecision -> how many characters of the ISO date are meaningful
PRECISION_CHARS = {9: 4, 10: 7, 11: 10}
QID_IRI_RE = re.compile(r"^http://www\.wikidata\.org/entity/(Q[1-9][0-9]*)$")


def literal(text: str, lang: str = "en") -> str:
    """A SPARQL string literal with a language tag."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"@{lang}'


def qid_of(iri: str) -> str | None:
    m = QID_IRI_RE.match(iri)
    return m.group(1) if m else None


def batches(items: list, size: int = BATCH) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def wd_date(time_value: str, precision: str | int) -> str | None:
    """A Wikidata time value at its precision: '1870-04-22', '1870-04' or '1870'.

    Precisions coarser than a year (decade, century) give None: they cannot
    be written as xsd:gYear without pretending to know the year."""
    try:
        chars = PRECISION_CHARS.get(int(precision))
    except ValueError:
        return None
    m = re.match(r"^\+?(\d{4})-(\d{2})-(\d{2})", time_value)
    if chars is None or m is None:
        return None
    return "-".join(m.groups())[:chars]


ENDPOINT_HINT = ("check the URL and your network (the default is Wikidata's public endpoint, "
                 f"{WIKIDATA_SPARQL}); give another with --endpoint URL")


@dataclass
class Endpoint:
    """A SPARQL endpoint asked with GET through partykg's HTTP client; close it
    (or use it in a ``with`` block) when done."""

    url: str = WIKIDATA_SPARQL
    timeout: float = 60.0
    max_bytes: int = MAX_BYTES
    credentials: Credentials | None = field(default=None, repr=False)
    requests: int = field(default=0, init=False)
    _client: Client | None = field(default=None, init=False, repr=False)

    def __enter__(self) -> Endpoint:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def select(self, body: str) -> list[dict[str, str]]:
        """Run a SELECT (PREFIX lines added); rows as {variable: value}."""
        if self._client is None:
            self._client = Client(self.timeout, self.max_bytes, self.credentials, USER_AGENT)
        self.requests += 1
        try:
            resp = sparql_request(self._client, self.url, PREFIXES + body, RESULTS_JSON,
                                  method="GET", hint=ENDPOINT_HINT)
            variables, rows = read_results(resp, QueryResultsFormat.JSON, ENDPOINT_HINT)
        except HttpError as exc:
            raise InputError(Problem(exc.url, 0, f"the SPARQL endpoint failed: {exc.message}",
                                     exc.hint)) from None
        if variables is None:
            raise InputError(Problem(self.url, 0, "the SPARQL endpoint failed: it answered a "
                                     "SELECT query with a boolean", ENDPOINT_HINT))
        out = []
        for row in rows:
            values = {v: t.value for v, t in zip(variables, row) if t is not None}
            for var, value in values.items():
                bad = next((ch for ch in value if unicodedata.category(ch) == "Cc"
                            and ch not in "\t\n\r"), None)
                if bad is not None:
                    raise InputError(Problem(
                        self.url, 0, f"the SPARQL endpoint failed: it sent the control "
                        f"character U+{ord(bad):04X} in ?{var} "
                        f"('{value[:60].encode('unicode_escape').decode('ascii')}')",
                        "the endpoint's data is broken or it is not the endpoint you meant; "
                        + ENDPOINT_HINT))
            out.append(values)
        return out


# --- candidates --------------------------------------------------------------

def _kind_test(kind: str, var: str = "?item") -> str:
    roots = KIND_ROOTS[kind]
    if kind == "person":
        return f"{var} wdt:P31 wd:Q5 ."
    values = " ".join(f"wd:{q}" for q in roots)
    return f"VALUES ?root {{ {values} }} {var} wdt:P31/wdt:P279* ?root ."


def items_named(ep: Endpoint, kind: str, names: Iterable[str]) -> list[dict[str, str]]:
    """Items whose English label or alias equals one of ``names``, with
    whether each is of ``kind`` (P31 human, or P31/P279* a root class).

    The kind is reported, not required: Wikidata's class tree has gaps, and a
    reviewer should see a same-named item of another kind ranked low rather
    than not at all."""
    rows: list[dict[str, str]] = []
    for batch in batches(sorted(set(names))):
        values = " ".join(literal(n) for n in batch)
        rows += ep.select(f"""SELECT DISTINCT ?name ?item ?how ?kindOk WHERE {{
  VALUES ?name {{ {values} }}
  {{ ?item rdfs:label ?name BIND("label" AS ?how) }}
  UNION {{ ?item skos:altLabel ?name BIND("alias" AS ?how) }}
  FILTER(STRSTARTS(STR(?item), "{WIKIDATA_ENTITY}Q"))
  BIND(EXISTS {{ {_kind_test(kind)} }} AS ?kindOk)
}}""")
    return rows


@dataclass
class ItemFacts:
    qid: str
    label: str | None = None
    description: str | None = None
    types: list[str] = field(default_factory=list)
    dates: dict[str, list[str]] = field(default_factory=dict)  # P569 -> ['1870-04-22']
    labels: dict[str, str] = field(default_factory=dict)        # lang -> label


def item_facts(ep: Endpoint, qids: Iterable[str], languages: Iterable[str] = ()
               ) -> dict[str, ItemFacts]:
    """English label and description, P31 types, dates at their precision
    (statements of the best rank present, deprecated ones never), and labels
    in ``languages``."""
    facts: dict[str, ItemFacts] = {}
    langs = sorted(set(languages) - {"en"})
    date_values = " ".join(f"(\"{p}\" p:{p} psv:{p})" for p in DATE_PROPS)
    for batch in batches(sorted(set(qids), key=lambda q: int(q[1:]))):
        values = " ".join(f"wd:{q}" for q in batch)
        rows = ep.select(f"""SELECT ?item ?description ?type ?prop ?time ?precision ?rank WHERE {{
  VALUES ?item {{ {values} }}
  {{ ?item schema:description ?description FILTER(LANG(?description) = "en") }}
  UNION {{ ?item wdt:P31 ?type }}
  UNION {{ VALUES (?prop ?p ?psv) {{ {date_values} }}
          ?item ?p ?st . ?st ?psv ?v .
          ?v wikibase:timeValue ?time ; wikibase:timePrecision ?precision .
          OPTIONAL {{ ?st wikibase:rank ?rank }}
          FILTER(!BOUND(?rank) || ?rank != wikibase:DeprecatedRank) }}
}}""")
        ranked: dict[tuple[str, str], dict[str, set[str]]] = {}
        for row in rows:
            qid = qid_of(row["item"])
            f = facts.setdefault(qid, ItemFacts(qid))
            if "description" in row:
                f.description = min(filter(None, [f.description, row["description"]]))
            if "type" in row and qid_of(row["type"]):
                f.types = sorted(set(f.types) | {qid_of(row["type"])}, key=lambda q: int(q[1:]))
            if "time" in row:
                date = wd_date(row["time"], row["precision"])
                if date:
                    rank = row.get("rank", "").rsplit("#", 1)[-1] or "NormalRank"
                    ranked.setdefault((qid, row["prop"]), {}).setdefault(rank, set()).add(date)
        for (qid, prop), by_rank in ranked.items():
            best = by_rank.get("PreferredRank") or by_rank.get("NormalRank") or set()
            if best:
                facts[qid].dates[prop] = sorted(best)
        for qid in batch:
            facts.setdefault(qid, ItemFacts(qid))
        _labels(ep, batch, ["en", *langs], facts)
    return facts


def _labels(ep: Endpoint, batch: list[str], langs: list[str], facts: dict[str, ItemFacts]) -> None:
    values = " ".join(f"wd:{q}" for q in batch)
    langs_values = " ".join(f'"{lang}"' for lang in langs)
    for row in ep.select(f"""SELECT ?item ?lang ?l WHERE {{
  VALUES ?item {{ {values} }} VALUES ?lang {{ {langs_values} }}
  ?item rdfs:label ?l FILTER(LANG(?l) = ?lang)
}}"""):
        f = facts[qid_of(row["item"])]
        if row["lang"] == "en":
            f.label = min(filter(None, [f.label, row["l"]]))
        else:
            old = f.labels.get(row["lang"])
            f.labels[row["lang"]] = min(filter(None, [old, row["l"]]))


# --- verification ------------------------------------------------------------

def names_and_kinds(ep: Endpoint, kind_of: dict[str, str]
                    ) -> tuple[dict[str, set[str]], set[str]]:
    """For QIDs (-> the kind of their entity): every label and alias in any
    language, and the set of QIDs that are of their entity's kind."""
    names: dict[str, set[str]] = {}
    for batch in batches(sorted(kind_of, key=lambda q: int(q[1:]))):
        values = " ".join(f"wd:{q}" for q in batch)
        for row in ep.select(f"""SELECT ?item ?name WHERE {{
  VALUES ?item {{ {values} }} ?item rdfs:label|skos:altLabel ?name
}}"""):
            names.setdefault(qid_of(row["item"]), set()).add(row["name"])
    of_kind: set[str] = set()
    for kind in sorted(set(kind_of.values()) & set(KIND_ROOTS)):
        qids = sorted((q for q, k in kind_of.items() if k == kind), key=lambda q: int(q[1:]))
        for batch in batches(qids):
            values = " ".join(f"wd:{q}" for q in batch)
            for row in ep.select(f"""SELECT DISTINCT ?item WHERE {{
  VALUES ?item {{ {values} }} FILTER EXISTS {{ {_kind_test(kind)} }}
}}"""):
                of_kind.add(qid_of(row["item"]))
    return names, of_kind
