"""`partykg import-annotations`: Web Annotations (JSON-LD) -> an annotation file.

Reads what annotation tools export: a Web Annotation, a list or ``@graph``
of them (Recogito), an ``AnnotationPage`` or ``AnnotationCollection`` (pages
embedded, or read from the files next to it), or a Hypothesis API search
result (``{"rows": [...]}``, each with ``target``/``text``/``tags``). Every
document is normalised with pyld first (:mod:`partykg.webanno.normalise`), so
any prefix, compact or full IRIs and arrays read the same. Every target is
anchored again on the source text: the quote (``TextQuoteSelector.exact``)
first, offsets (``TextPositionSelector``) second, see :func:`locate`.

Bodies are mapped to the registry: our entity IRIs, Wikidata IRIs of
entities with a verified QID, registry keys used as tags, and highlights
tagged with a kind (:data:`KIND_TAGS`) whose text names a registry entity of
that kind. Annotations that
`partykg export-annotations` wrote (typed ``pkg:Claim``, ``pkg:Quotation``,
…) give back their records exactly. What cannot be mapped (a free comment, a
tag or IRI no entity has, a quote that is not in the text) is reported and
kept, commented out, in a review section at the end of the file.
"""

from __future__ import annotations

import json
import re
import tempfile
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from partykg.core.errors import Collector, InputError, Problem
from partykg.core.files import write_atomic
from partykg.core.namespaces import PKG, PREFIXES, entity_iri, id_space
from partykg.core.paths import Project
from partykg.model.anchor import Span, explain_miss, find_all, line_of
from partykg.model.annotations import MODES, Source, load_source
from partykg.model.mentions import find_mentions, name_pattern
from partykg.model.registry import KINDS, Registry
from partykg.rdf.emit import STANCE_PROPS
from partykg.webanno.normalise import OFFLINE, NotJsonLd, RemoteContext, normalise
from partykg.webanno.normalise import value as jsonld_value

WIKIDATA_RE = re.compile(r"^https?://(?:www\.)?wikidata\.org/(?:entity|wiki)/(Q[1-9][0-9]*)$")
STANCES = {v.partition(":")[2]: k for k, v in STANCE_PROPS.items()}  # supportsThesis -> supports
LOCATOR_KEYS = ("volume", "chapter", "page", "pages")
SECTIONS = ("claims", "quotations", "citations", "links", "mentions", "quantities")
OUR_TYPES = {"Mention", "Claim", "Quotation", "Citation", "Quantity", "Agreement",
             "Contradiction"}
MODE_NAMES = {v: k for k, v in MODES.items()}
# The report: how each target was anchored, and what became of each body.
ANCHORS = ("resolved", "re-anchored", "disambiguated", "unresolved", "document")
RESULTS = ("imported", "derived", "unresolved", "unknown-body", "ignored")
# The key of an annotation pyld could not read (see _nodes); the import reports it.
UNREADABLE = "_unreadable"


@dataclass
class Row:
    """One line of the report: the annotation, how its target was anchored
    (ANCHORS, or "" for a claim link), what became of it (RESULTS), the record."""
    annotation: str
    anchor: str
    result: str
    record: str
    detail: str = ""


@dataclass
class Located:
    span: Span | None
    status: str          # resolved | re-anchored | disambiguated | unresolved
    detail: str = ""


@dataclass
class Result:
    rows: list[Row] = field(default_factory=list)
    records: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {s: [] for s in SECTIONS})
    review: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Annotations per anchor status (each annotation once) and rows per result."""
        first: dict[str, str] = {}
        for r in self.rows:
            first.setdefault(r.annotation, r.anchor)
        out = {a: sum(v == a for v in first.values()) for a in ANCHORS}
        out |= {res: sum(r.result == res for r in self.rows) for res in RESULTS}
        return out


# Tag-typed highlights (Hypothesis users tag a highlight with a plain word: `person`,
# `organization`, `person-lenin`). Each kind tag -> the (registry kind, `type` or None
# for any) an entity must have to be what the tag says. `organization` and `group`
# accept each other's kind: the registry keeps small political collectives as
# organizations of type `group` and loose collectives as groups, and an annotator
# cannot know which. Every `type` value of a kind is a tag for that kind and type
# (`periodical`, `council`, `revolution`, `city`, `book`, ...).
KIND_TAGS: dict[str, tuple[tuple[str, str | None], ...]] = {
    "person": (("person", None),),
    "organization": (("organization", None), ("group", None)),
    "organisation": (("organization", None), ("group", None)),
    "group": (("group", None), ("organization", "group")),
    "event": (("event", None),),
    "place": (("place", None),),
    "work": (("work", None),),
}
for _kind in ("organization", "event", "place", "work"):
    for _type in KINDS[_kind].types:
        KIND_TAGS.setdefault(_type, ((_kind, _type),))
KIND_TAG_RE = re.compile(r"^(?P<kind>[a-z]+)[-:/](?P<name>.+)$")
# What may surround a name in a highlight: spaces, quotes, punctuation, "the".
EDGE = " \t\n\"'“”‘’«».,;:!?()[]"


def _norm(s: str) -> str:
    """A name for comparison: NFC, case-folded, one space between words."""
    return " ".join(unicodedata.normalize("NFC", s).casefold().split())


def kind_tag(tag: str) -> tuple[tuple[tuple[str, str | None], ...], str | None] | None:
    """(compatible kinds, name hint) of a kind tag (`event`, `person-lenin`), or None."""
    t = tag.strip().lower()
    if t in KIND_TAGS:
        return KIND_TAGS[t], None
    m = KIND_TAG_RE.match(t)
    if m and m["kind"] in KIND_TAGS:
        return KIND_TAGS[m["kind"]], m["name"]
    return None


# --- reading -----------------------------------------------------------------------------

MAX_JSON_BYTES = 256 * 1024 * 1024
MAX_DEPTH = 100     # a Web Annotation in a page of a collection is about 10 levels deep


def _load_json(path: Path, display: str) -> Any:
    if not path.is_file():
        what = "does not exist" if not path.exists() else "is not a regular file"
        raise InputError(Problem(display, 0, f"the path {what}",
                                 "give the path of a Web Annotation JSON(-LD) export"))
    if path.stat().st_size > MAX_JSON_BYTES:
        raise InputError(Problem(display, 0, f"the file is larger than "
                                 f"{MAX_JSON_BYTES // 2**20} MB",
                                 "split the export (one file per source or per page)"))
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(Problem(display, 0, f"cannot read the file: {exc.strerror}",
                                 "give the path of a Web Annotation JSON(-LD) export")) from exc
    except UnicodeDecodeError as exc:
        raise InputError(Problem(display, 1, f"the file is not UTF-8 (byte {exc.start})",
                                 "export the annotations again as JSON (UTF-8)")) from exc
    try:
        doc = json.loads(raw)
        deep = _depth(doc) > MAX_DEPTH
    except RecursionError:   # json's own limit, far above MAX_DEPTH
        deep = True
    except json.JSONDecodeError as exc:
        raise InputError(Problem(display, exc.lineno,
                                 f"not valid JSON: {exc.msg} (column {exc.colno})",
                                 "the file must be the JSON(-LD) the tool exported, unedited; "
                                 "check the brackets and commas at that place "
                                 "(`python -m json.tool FILE` shows the first error)")) from exc
    if deep:
        raise InputError(Problem(display, 0, f"the JSON is nested more than {MAX_DEPTH} "
                                 "levels deep", "this is not an annotation export; give the "
                                 "file the annotation tool wrote"))
    return doc


def _depth(doc: Any) -> int:
    """How deeply lists and objects nest (iteratively: no recursion to exhaust)."""
    deepest, stack = 0, [(doc, 1)]
    while stack:
        node, d = stack.pop()
        if isinstance(node, (dict, list)):
            deepest = max(deepest, d)
            if deepest > MAX_DEPTH:
                return deepest
            stack.extend((v, d + 1) for v in (node.values() if isinstance(node, dict) else node))
    return deepest


def types(obj: Any) -> set[str]:
    if not isinstance(obj, dict):
        return set()
    t = obj.get("type", obj.get("@type", []))
    return set(t if isinstance(t, list) else [t])


def as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def from_hypothesis(a: dict[str, Any]) -> dict[str, Any]:
    """A Hypothesis API annotation (`text`, `tags`, `target`, `uri`, `links`) as a
    Web Annotation, as Hypothesis's own JSON-LD presenter renders it."""
    bodies = []
    if a.get("text"):
        bodies.append({"type": "TextualBody", "value": a["text"], "format": "text/markdown",
                       "purpose": "commenting"})
    for tag in a.get("tags") or []:
        bodies.append({"type": "TextualBody", "value": tag, "purpose": "tagging"})
    links = a.get("links") if isinstance(a.get("links"), dict) else {}
    ident = links.get("html") or a.get("id") or ""
    out = {"type": "Annotation", "body": bodies,
           "target": a.get("target") or [{"source": a.get("uri")}]}
    if ident:
        out["id"] = ident
    return out


def _is_hypothesis(doc: Any) -> bool:
    """A Hypothesis API search result: plain JSON (no @context) with `rows`."""
    return isinstance(doc, dict) and "@context" not in doc and isinstance(doc.get("rows"), list)


def _nodes(doc: Any, display: str) -> list[dict[str, Any]]:
    """The top-level nodes of a JSON(-LD) document, normalised (:mod:`.normalise`).

    When pyld refuses the document as a whole, its annotations (a top-level
    list, ``@graph``, a page's ``items``) are normalised one by one, and each
    one it refuses becomes an unreadable marker that the import reports and
    keeps for review: one broken annotation does not lose the others."""
    if not isinstance(doc, (dict, list)):
        raise InputError(Problem(display, 0, f"the JSON is a {_json_type(doc)}, not a Web "
                                 "Annotation (an object) or a list of them",
                                 "give the file the annotation tool exported"))
    if isinstance(doc, list):          # each item on its own: each must be an annotation
        shell, items = None, doc
    else:
        try:
            nodes = normalise(doc)
            if not nodes:
                raise InputError(Problem(display, 0, "not an annotation export (no Web "
                                         "Annotation term in it)", "export Web Annotations "
                                         "(JSON-LD) or Hypothesis API annotations"))
            return nodes
        except RemoteContext as exc:
            raise _remote_context_error(display, exc) from exc
        except NotJsonLd as whole:
            shell, items = _split(doc)
            if items is None:
                raise InputError(Problem(display, 0, f"not JSON-LD that a JSON-LD processor "
                                         f"accepts: {whole}", "export the annotations again "
                                         "as W3C Web Annotations (JSON-LD)")) from whole
    ctx = doc.get("@context") if isinstance(doc, dict) else None
    out: list[dict[str, Any]] = []
    for i, item in enumerate(items):
        own = item.get("@context") if isinstance(item, dict) else None
        merged = [c for c in (*as_list(ctx), *as_list(own)) if c is not None]
        if not isinstance(item, dict):
            raise InputError(Problem(display, 0, f"item {i + 1} is not an annotation (a JSON "
                                     f"{_json_type(item)})", "export Web Annotations "
                                     "(JSON-LD) or Hypothesis API annotations"))
        try:
            body = {k: v for k, v in item.items() if k != "@context"}
            got = normalise({"@context": merged, **body} if merged else body)
            if not got:
                raise InputError(Problem(display, 0, f"item {i + 1} is not an annotation (no "
                                         "Web Annotation term in it)", "export Web "
                                         "Annotations (JSON-LD) or Hypothesis API annotations"))
            out.extend(got)
        except RemoteContext as exc:
            raise _remote_context_error(display, exc) from exc
        except NotJsonLd as exc:
            ident = item.get("id", item.get("@id")) if isinstance(item, dict) else None
            out.append({UNREADABLE: f"not JSON-LD that a JSON-LD processor accepts: {exc}",
                        "id": ident if isinstance(ident, str) else f"#{i + 1}",
                        "target": None})
    if shell is not None:
        try:
            nodes = normalise(shell)
        except (RemoteContext, NotJsonLd):
            nodes = []
        for node in nodes:
            if "AnnotationPage" in types(node):
                node["items"] = out
                return nodes
    return out


def _json_type(v: Any) -> str:
    return {str: "string", bool: "boolean", int: "number", float: "number",
            type(None): "null", list: "list", dict: "object"}.get(type(v), type(v).__name__)


def _split(doc: Any) -> tuple[dict[str, Any] | None, list | None]:
    """(the document without its annotations, its annotations) for a list, an
    ``@graph`` or a page; (None, None) for anything else."""
    if isinstance(doc, list):
        return None, doc
    if isinstance(doc, dict) and isinstance(doc.get("@graph"), list):
        return None, doc["@graph"]
    if isinstance(doc, dict) and isinstance(doc.get("items"), list):
        return {k: v for k, v in doc.items() if k != "items"}, doc["items"]
    return None, None


def _remote_context_error(display: str, exc: RemoteContext) -> InputError:
    return InputError(Problem(
        display, 0, f"the JSON-LD context {exc.url} is not available offline (partykg "
        f"reads annotations without network access and has: {', '.join(sorted(OFFLINE))})",
        "use the W3C Web Annotation context http://www.w3.org/ns/anno.jsonld, or put the "
        "context's definitions inline in the file's @context"))


def read_annotations(path: Path, display: str,
                     warnings: list[str] | None = None) -> list[dict[str, Any]]:
    """The annotations of a file, in file order (pages of a collection in order),
    each normalised with pyld (:mod:`.normalise`): any prefix, compact or full
    IRIs, ``@graph``, single values or arrays read the same."""
    doc = _load_json(path, display)
    if _is_hypothesis(doc):
        rows = [from_hypothesis(a) if isinstance(a, dict) and "body" not in a
                and "uri" in a else a for a in doc["rows"]]
        nodes = _nodes(rows, display)
    else:
        nodes = _nodes(doc, display)
    out: list[dict[str, Any]] = []
    consumed: set[str] = set()
    for node in nodes:
        kind = types(node)
        if "AnnotationCollection" in kind:
            out.extend(_collection_items(path, display, node, nodes, consumed, warnings))
    for node in nodes:
        kind = types(node)
        if "AnnotationCollection" in kind:
            continue
        if "AnnotationPage" in kind:
            if node.get("id") not in consumed:
                out.extend(as_list(node.get("items")))
            continue
        out.append(node)
    for i, a in enumerate(out):
        if not isinstance(a, dict) or ("target" not in a and UNREADABLE not in a):
            raise InputError(Problem(display, 0, f"item {i + 1} is not an annotation "
                                     "(no `target`)", "export Web Annotations (JSON-LD) or "
                                     "Hypothesis API annotations"))
    return out


def _sibling_pages(path: Path, skipped: list[str]) -> dict[str, dict[str, Any]]:
    """The AnnotationPages in the JSON(-LD) files next to a collection, by id.
    A file that cannot be read or is not JSON-LD is skipped and reported (file:
    what is wrong): it may have nothing to do with the collection."""
    pages: dict[str, dict[str, Any]] = {}
    for f in sorted(path.parent.glob("*.json*")):
        if f == path:
            continue
        try:
            nodes = normalise(_load_json(f, str(f)))
        except InputError as exc:
            skipped.append(f"{exc.problems[0]}".split("\n")[0])
            continue
        except RemoteContext as exc:
            skipped.append(f"{f}: the JSON-LD context {exc.url} is not available offline")
            continue
        except NotJsonLd as exc:
            skipped.append(f"{f}: not JSON-LD that a JSON-LD processor accepts: {exc}")
            continue
        for node in nodes:
            if "AnnotationPage" in types(node) and isinstance(node.get("id"), str):
                pages.setdefault(node["id"], node)
    return pages


def _collection_items(path: Path, display: str, coll: dict[str, Any],
                      nodes: list[dict[str, Any]], consumed: set[str],
                      warnings: list[str] | None = None) -> list[dict[str, Any]]:
    """Follow `first` and `next` through the pages: embedded (an object with
    `items`, with or without id), in the same document (``@graph``) or in the
    files next to the collection (read only when a page is not at hand)."""
    pages = {n["id"]: n for n in nodes
             if "AnnotationPage" in types(n) and isinstance(n.get("id"), str)}
    skipped: list[str] = []
    scanned = False
    out: list[dict[str, Any]] = []
    nxt, seen = coll.get("first"), set()
    while nxt:
        if isinstance(nxt, dict) and "items" not in nxt and isinstance(nxt.get("id"), str):
            nxt = nxt["id"]                     # a reference to a page, not the page
        if isinstance(nxt, str) and nxt not in pages and not scanned:
            scanned = True
            for k, v in _sibling_pages(path, skipped).items():
                pages.setdefault(k, v)
            if warnings is not None:
                warnings += [f"skipped {s}" for s in skipped]
        key = nxt if isinstance(nxt, str) else id(nxt)
        if key in seen or (isinstance(nxt, str) and nxt not in pages) \
                or not isinstance(nxt, (str, dict)):
            where = ("repeated" if key in seen else "not in " + str(path.parent)
                     + (f" (unreadable files there: {'; '.join(skipped)})" if skipped else ""))
            raise InputError(Problem(display, 0, f"the page {nxt} of the collection is {where}",
                                     "keep the collection file with all its page files (or "
                                     "embed the pages in it)"))
        seen.add(key)
        page = pages[nxt] if isinstance(nxt, str) else nxt
        if isinstance(nxt, str):
            consumed.add(nxt)
        out.extend(as_list(page.get("items")))
        nxt = page.get("next")
    total = jsonld_value(coll.get("total"))
    if total is not None and str(total) != str(len(out)):
        raise InputError(Problem(display, 0, f"the collection says {total} annotations "
                                 f"(`total`) but its pages hold {len(out)}",
                                 "give the collection with all its pages (the page files next "
                                 "to it, or embedded in it)"))
    return out


# --- anchoring ---------------------------------------------------------------------------

def selectors(target: Any) -> tuple[dict | None, dict | None]:
    """The TextQuoteSelector and TextPositionSelector of a target (first of each)."""
    tqs = tps = None
    for t in as_list(target):
        if not isinstance(t, dict):
            continue
        for s in as_list(t.get("selector")):
            kind = types(s)
            if "TextQuoteSelector" in kind and tqs is None:
                tqs = s
            elif "TextPositionSelector" in kind and tps is None:
                tps = s
    return tqs, tps


def _context_score(text: str, start: int, end: int, prefix: str, suffix: str) -> int:
    """How many characters of prefix (before start) and suffix (after end) agree."""
    n = 0
    while n < len(prefix) and n < start and text[start - 1 - n] == prefix[-1 - n]:
        n += 1
    m = 0
    while m < len(suffix) and end + m < len(text) and text[end + m] == suffix[m]:
        m += 1
    return n + m


def locate(text: str, tqs: dict | None, tps: dict | None) -> Located:
    """Anchor a target on the text: the quote first, then offsets.

    A quote found once is taken (offsets that disagree are stale: re-anchored).
    A quote found several times is placed by its prefix/suffix, else by the
    offsets (exactly, or the nearest occurrence). Without a quote, valid offsets
    are taken as they are."""
    exact = tqs.get("exact") if tqs else None
    pos, bad = _offsets(tps)
    if isinstance(exact, str) and exact:
        hits = find_all(text, exact)
        if not hits:
            return Located(None, "unresolved", "the quote is not in the text: "
                           + explain_miss(text, exact))
        size = len(exact)
        if len(hits) == 1:
            h = hits[0]
            if pos is not None and pos[0] != h:
                return Located(Span(h, h + size), "re-anchored",
                               f"offsets {pos[0]}-{pos[1]} were stale; the quote is at "
                               f"{h}-{h + size} (line {line_of(text, h)})")
            return Located(Span(h, h + size), "resolved")
        prefix, suffix = (tqs.get("prefix") or ""), (tqs.get("suffix") or "")
        scores = {h: _context_score(text, h, h + size, prefix, suffix) for h in hits}
        best = max(scores.values())
        top = [h for h, s in scores.items() if s == best]
        if best > 0 and len(top) == 1:
            h = top[0]
            stale = pos is not None and pos[0] != h
            return Located(Span(h, h + size), "disambiguated",
                           f"the quote occurs {len(hits)} times; prefix/suffix chose line "
                           f"{line_of(text, h)}" + (f" (offsets {pos[0]}-{pos[1]} were stale)"
                                                    if stale else ""))
        if pos is not None and pos[0] in top:
            h = pos[0]
            return Located(Span(h, h + size), "disambiguated",
                           f"the quote occurs {len(hits)} times; the offsets chose line "
                           f"{line_of(text, h)}")
        if pos is not None:
            dist = sorted(top, key=lambda h: abs(h - pos[0]))
            if len(dist) == 1 or abs(dist[0] - pos[0]) < abs(dist[1] - pos[0]):
                h = dist[0]
                return Located(Span(h, h + size), "re-anchored",
                               f"the quote occurs {len(hits)} times and the offsets "
                               f"{pos[0]}-{pos[1]} match none; took the nearest, line "
                               f"{line_of(text, h)}")
        lines = ", ".join(str(line_of(text, h)) for h in top[:8])
        return Located(None, "unresolved", f"the quote occurs {len(hits)} times (lines "
                       f"{lines}) and neither prefix/suffix nor offsets tell which")
    if pos is not None and 0 <= pos[0] < pos[1] <= len(text):
        return Located(Span(*pos), "resolved", "no quote given: anchored by offsets alone")
    if pos is not None:
        bad = (f"the offsets {pos[0]}-{pos[1]} are not a passage of the text "
               f"(0-{len(text)})")
    return Located(None, "unresolved", "the target has no TextQuoteSelector and no usable "
                   "TextPositionSelector" + (f": {bad}" if bad else ""))


def _offsets(tps: dict | None) -> tuple[tuple[int, int] | None, str]:
    """(start, end) of a TextPositionSelector, or None and why not. JSON numbers
    may be 1e999 (infinite), negative, fractional or strings: only whole numbers
    from 0 count."""
    if tps is None:
        return None, ""
    values = []
    for key in ("start", "end"):
        v = tps.get(key)
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        if not isinstance(v, int) or isinstance(v, bool) or v < 0:
            shown = json.dumps(v)[:40] if not isinstance(v, float) else repr(v)
            return None, (f"TextPositionSelector {key} is {shown}, not a whole number "
                          "from 0")
        values.append(v)
    return (values[0], values[1]), ""


def yaml_context(text: str, span: Span) -> tuple[str, str]:
    """The shortest prefix or suffix, ending/starting at a word boundary, that
    makes the quote unique in the text (('', '') when it already is)."""
    quote = span.exact(text)
    if len(find_all(text, quote)) == 1:
        return "", ""

    def grow(k_max: int, make) -> str | None:
        for k in range(1, k_max + 1):
            cand = make(k)
            if len(find_all(text, cand[0] + quote + cand[1])) == 1:
                return cand[0] or cand[1]
        return None

    def word_prefix(k: int) -> tuple[str, str]:
        s = span.start - k
        while s > 0 and not text[s - 1].isspace() and span.start - s < k + 30:
            s -= 1
        return text[s:span.start], ""

    def word_suffix(k: int) -> tuple[str, str]:
        e = span.end + k
        while e < len(text) and not text[e].isspace() and e - span.end < k + 30:
            e += 1
        return "", text[span.end:e]

    p = grow(min(span.start, 200), word_prefix)
    s = grow(min(len(text) - span.end, 200), word_suffix)
    if p is not None and (s is None or len(p) <= len(s)):
        return p, ""
    if s is not None:
        return "", s
    return text[max(0, span.start - 200):span.start], text[span.end:span.end + 200]


# --- mapping -----------------------------------------------------------------------------

class Importer:
    def __init__(self, proj: Project, registry: Registry, source: Source):
        self.base, self.registry, self.src = proj.base, registry, source
        self.by_qid = {e.qid: e.key for e in registry.entities.values() if e.qid}
        self.candidates = {q: e.key for e in registry.entities.values() for q in e.candidates}
        self.doc_iris = {entity_iri(self.base, "source", source.id)}
        if source.meta.get("url"):
            self.doc_iris.add(source.meta["url"])
        pattern = name_pattern(registry)
        self.detected = {(m.span, m.entity) for m in find_mentions(
            replace(source, mentions=[]), registry, pattern)}   # found by alias detection
        self.names: dict[str, set[str]] = {}   # normalised name or alias -> entity keys
        for e in registry.entities.values():
            for n in e.names:
                self.names.setdefault(_norm(n), set()).add(e.key)
        self.result = Result()
        self.current: Located | None | bool = None   # the anchor of the annotation at hand
        self.foreign: set[str] = set()                # other target sources seen

    # IRIs ----------------------------------------------------------------------------------
    def split(self, iri: str) -> tuple[str, str] | None:
        """(kind, key) of one of our data IRIs."""
        head = id_space(self.base)
        if isinstance(iri, str) and iri.startswith(head):
            kind, _, key = iri[len(head):].partition("/")
            if key:
                return kind, key
        return None

    def entity_of(self, iri: str) -> tuple[str | None, str]:
        """(registry key or None, why not)."""
        ours = self.split(iri)
        if ours is not None:
            kind, key = ours
            ent = self.registry.entities.get(key)
            if ent is not None and ent.kind == kind:
                return key, ""
            return None, f"no {kind} '{key}' in the registry"
        m = WIKIDATA_RE.match(iri) if isinstance(iri, str) else None
        if m:
            qid = m.group(1)
            if qid in self.by_qid:
                return self.by_qid[qid], ""
            if qid in self.candidates:
                return None, (f"Wikidata {qid} is only an unverified candidate of "
                              f"'{self.candidates[qid]}'; verify it (partykg link) or add "
                              "an explicit mention by hand")
            return None, f"no registry entity has the verified Wikidata item {qid}"
        return None, "no registry entity has this IRI"

    def key_of(self, iri: str) -> str | None:
        """A registry or thesis key from one of our IRIs (None if unknown)."""
        ours = self.split(iri)
        if ours is None:
            return None
        kind, key = ours
        if kind == "thesis":
            return key if key in self.registry.theses else None
        ent = self.registry.entities.get(key)
        return key if ent is not None and ent.kind == kind else None

    def local_of(self, iri: str, kind: str) -> str | None:
        ours = self.split(iri)
        if ours is None or ours[0] != kind or not ours[1].startswith(self.src.id + "-"):
            return None
        return ours[1][len(self.src.id) + 1:]

    # anchoring -----------------------------------------------------------------------------
    def anchor_target(self, anno: dict[str, Any]) -> tuple[Located | None, str | None]:
        """The anchor of the annotation's target; None when the target is the
        whole document (no selector). The second value names a foreign source."""
        target = anno.get("target")
        sources = [t.get("source") if isinstance(t, dict) else t for t in as_list(target)]
        foreign = next((s for s in sources if isinstance(s, str) and s
                        and s not in self.doc_iris), None)
        tqs, tps = selectors(target)
        if tqs is None and tps is None:
            return None, foreign
        return locate(self.src.text, tqs, tps), foreign

    def span_fields(self, anno: dict[str, Any], span: Span) -> dict[str, str]:
        text = self.src.text
        out = {"quote": span.exact(text)}
        given = (anno.get("pkg:quotePrefix"), anno.get("pkg:quoteSuffix"))
        if any(g is not None for g in given):
            p, s = given[0] or "", given[1] or ""
            if find_all(text, p + out["quote"] + s) == [span.start - len(p)]:
                if given[0] is not None:
                    out["prefix"] = given[0]
                if given[1] is not None:
                    out["suffix"] = given[1]
                return out
        p, s = yaml_context(text, span)
        if p:
            out["prefix"] = p
        if s:
            out["suffix"] = s
        return out

    # the report and the review section ------------------------------------------------------
    def row(self, ident: str, result: str, record: str, detail: str = "") -> None:
        loc = self.current
        anchor = "" if loc is False else ("document" if loc is None else loc.status)
        if loc and loc.detail and result != "unresolved":
            detail = loc.detail + (f"; {detail}" if detail else "")
        self.result.rows.append(Row(ident, anchor, result, record, detail))

    def to_review(self, anno_id: str, problem: str, loc: Located | None,
                  anno: dict[str, Any], **extra: Any) -> None:
        tqs, _ = selectors(anno.get("target"))
        entry: dict[str, Any] = {"annotation": anno_id, "problem": problem}
        if loc is not None and loc.span is not None:
            entry.update(self.span_fields(anno, loc.span))
        elif tqs and tqs.get("exact"):
            entry["quote"] = tqs["exact"]
        entry.update(extra)
        self.result.review.append(entry)

    # one annotation --------------------------------------------------------------------------
    def add_safely(self, anno: Any, index: int) -> None:
        """:meth:`add`, where an annotation whose values have unexpected JSON
        types (a number for a text, an object for an IRI, ...) is reported as
        unreadable and kept for review, and the import goes on."""
        before = (len(self.result.rows), len(self.result.review),
                  {k: len(v) for k, v in self.result.records.items()})
        try:
            self.add(anno, index)
            for section, n in before[2].items():
                for rec in self.result.records[section][n:]:
                    where = _not_text(rec)
                    if where:
                        raise ValueError(f"{where} of the {section[:-1]} is not text")
        except (TypeError, ValueError, AttributeError, KeyError, OverflowError,
                RecursionError) as exc:
            del self.result.rows[before[0]:]
            del self.result.review[before[1]:]
            for k, n in before[2].items():
                del self.result.records[k][n:]
            ident = str(anno.get("id") or f"#{index + 1}") if isinstance(anno, dict) \
                else f"#{index + 1}"
            kind = "" if isinstance(exc, ValueError) else f"{type(exc).__name__}: "
            why = f"cannot be read: {kind}{str(exc)[:200]}"
            self.current = Located(None, "unresolved")
            self.row(ident[:200], "unresolved", "annotation", why)
            self.result.review.append({"annotation": ident[:200], "problem": why})

    def add(self, anno: dict[str, Any], index: int) -> None:
        ident = str(anno.get("id") or f"#{index + 1}")
        if UNREADABLE in anno:
            why = f"cannot be read: {anno[UNREADABLE]}"
            self.current = Located(None, "unresolved")
            self.row(ident[:200], "unresolved", "annotation", why)
            self.result.review.append({"annotation": ident[:200], "problem": why})
            return
        ours = {t.partition(":")[2] for t in types(anno)
                if t.startswith("pkg:") or t.startswith(PKG)} & OUR_TYPES
        ours |= {t[len(PKG):] for t in types(anno) if t.startswith(PKG)} & OUR_TYPES
        loc, foreign = self.anchor_target(anno)
        kind = next(iter(ours), None)
        self.current = False if kind in ("Agreement", "Contradiction") else loc
        if foreign and kind is None:
            self.foreign.add(foreign)
        if kind in ("Agreement", "Contradiction"):
            return self.link(anno, ident, kind)
        if loc is not None and loc.status == "unresolved":
            what = kind.lower() if kind else "annotation"
            self.row(ident, "unresolved", what, loc.detail)
            self.to_review(ident, loc.detail, loc, anno,
                           bodies=[_body_summary(b) for b in as_list(anno.get("body"))])
            return
        if kind == "Claim":
            self.claim(anno, ident, loc)
        elif kind == "Quotation":
            self.quotation(anno, ident, loc)
        elif kind == "Citation":
            self.citation(anno, ident, loc)
        elif kind == "Quantity":
            self.quantity(anno, ident, loc)
        elif kind == "Mention" and anno.get("pkg:detection") == "explicit" and loc:
            self.mentions(anno, ident, loc, explicit=True)
        elif loc is None:
            self.row(ident, "unresolved", "annotation", "the target is the whole document; "
                     "partykg needs a passage (TextQuoteSelector)")
            self.to_review(ident, "no passage selected", None, anno,
                           bodies=[_body_summary(b) for b in as_list(anno.get("body"))])
        else:
            self.mentions(anno, ident, loc, explicit=False)

    def _record_row(self, ident: str, record: str, loc: Located | None) -> None:
        self.row(ident, "imported", record)

    def claim(self, a: dict[str, Any], ident: str, loc: Located | None) -> None:
        local = self.local_of(ident, "claim")
        claimant = self.key_of(a.get("pkg:claimant", ""))
        bodies = [b for b in as_list(a.get("body")) if isinstance(b, dict)]
        para = next((b.get("value") for b in bodies if b.get("purpose") == "describing"
                     and "TextualBody" in types(b)), None)
        if not local or not claimant or not para or loc is None:
            return self._bad(a, ident, "claim", loc, "needs an id of this source, a known "
                             "pkg:claimant, a describing TextualBody and a passage")
        rec: dict[str, Any] = {"id": local, "claimant": claimant}
        mode = MODE_NAMES.get(_local_name(a.get("pkg:attributionMode", "")))
        if mode:
            rec["mode"] = mode
        rec |= {**self.span_fields(a, loc.span), "paraphrase": para}
        about: list[str] = []
        stance: dict[str, list[str]] = {}
        for b in bodies:
            if b.get("purpose") != "tagging":
                continue
            key = self.key_of(b.get("source", ""))
            if key is None:
                self._unknown(a, ident, loc, b, "tag of claim " + local)
            elif "pkg:stance" in b:
                name = STANCES.get(str(b["pkg:stance"]).replace(PKG, "pkg:").partition(":")[2])
                if name is None:
                    self._unknown(a, ident, loc, b, "stance of claim " + local)
                else:
                    stance.setdefault(name, []).append(key)
            else:
                about.append(key)
        if about:
            rec["about"] = about
        for name in ("supports", "opposes", "qualifies"):
            if name in stance:
                rec[name] = stance[name]
        evidence = []
        for iri in as_list(a.get("pkg:hasEvidence")):
            key = next((v for v in (self.local_of(iri, k) for k in
                                    ("claim", "quotation", "citation")) if v), None)
            key = key or self.key_of(iri)
            if key is None:
                self._unknown(a, ident, loc, {"source": iri}, "evidence of claim " + local)
            else:
                evidence.append(key)
        if evidence:
            rec["evidence"] = evidence
        asserted = [k for k in (self.key_of(i) for i in as_list(a.get("pkg:assertedBy"))) if k]
        if asserted:
            rec["asserted_by"] = asserted
        if a.get("pkg:noStanceReason"):
            rec["no_stance"] = str(a["pkg:noStanceReason"])
        if a.get("pkg:viewDate"):
            rec["date"] = str(a["pkg:viewDate"])
            if a.get("pkg:viewDateText"):
                rec["date_quote"] = str(a["pkg:viewDateText"])
        self.result.records["claims"].append(rec)
        self._record_row(ident, f"claim {local}", loc)

    def _work(self, a: dict[str, Any], ident: str, loc: Located | None,
              rec: dict[str, Any]) -> None:
        """The cited work, and the locator and edition (on its body, or on the
        annotation when no work is named)."""
        loc_ = {k: str(a[f"pkg:{k}"]) for k in LOCATOR_KEYS if f"pkg:{k}" in a}
        if loc_:
            rec["locator"] = loc_
        if "pkg:edition" in a:
            rec["edition"] = a["pkg:edition"]
        for b in as_list(a.get("body")):
            if not isinstance(b, dict) or b.get("purpose") != "linking":
                continue
            if WIKIDATA_RE.match(str(b.get("source", ""))):
                continue  # the same work's Wikidata item, next to our IRI
            key = self.key_of(b.get("source", ""))
            if key is None:
                self._unknown(a, ident, loc, b, "cited work")
                continue
            rec["work"] = key
            loc_ = {k: str(b[f"pkg:{k}"]) for k in LOCATOR_KEYS if f"pkg:{k}" in b}
            if loc_:
                rec["locator"] = loc_
            if "pkg:edition" in b:
                rec["edition"] = b["pkg:edition"]

    def quotation(self, a: dict[str, Any], ident: str, loc: Located | None) -> None:
        local = self.local_of(ident, "quotation")
        speaker = self.key_of(a.get("pkg:speaker", ""))
        if not local or not speaker or loc is None:
            return self._bad(a, ident, "quotation", loc,
                             "needs an id of this source, a known pkg:speaker and a passage")
        rec: dict[str, Any] = {"id": local, "speaker": speaker, **self.span_fields(a, loc.span)}
        if a.get("pkg:isParaphrase") is True:
            rec["paraphrase"] = True
        self._work(a, ident, loc, rec)
        if "pkg:noteMarker" in a:
            rec["note"] = a["pkg:noteMarker"]
        via = self.key_of(a.get("pkg:quotedVia", "")) if a.get("pkg:quotedVia") else None
        if via:
            rec["via"] = via
        occ = a.get("pkg:originalOccasion")
        label = occ.get("label", occ.get("rdfs:label")) if isinstance(occ, dict) else None
        if label:          # `label` is the W3C context's term for rdfs:label
            rec["occasion"] = str(jsonld_value(label))
            if occ.get("schema:startDate"):
                rec["occasion_date"] = str(occ["schema:startDate"])
            event = self.key_of(occ.get("schema:superEvent", "")) if occ.get(
                "schema:superEvent") else None
            if event:
                rec["occasion_event"] = event
        self.result.records["quotations"].append(rec)
        self._record_row(ident, f"quotation {local}", loc)

    def quantity(self, a: dict[str, Any], ident: str, loc: Located | None) -> None:
        local = self.local_of(ident, "quantity")
        if not local or loc is None or "schema:value" not in a or "schema:unitText" not in a:
            return self._bad(a, ident, "quantity", loc, "needs an id of this source, "
                             "schema:value, schema:unitText and a passage")
        rec: dict[str, Any] = {"id": local, **self.span_fields(a, loc.span),
                               "value": str(a["schema:value"])}
        if a.get("pkg:isApproximate") is True:
            rec["approximate"] = True
        rec["counts"] = str(a["schema:unitText"])
        for prop, key in (("pkg:countOf", "of"), ("schema:location", "place")):
            found = self.key_of(a[prop]) if a.get(prop) else None
            if found:
                rec[key] = found
        if a.get("pkg:quantityDate"):
            rec["date"] = str(a["pkg:quantityDate"])
        claim = self.local_of(a["pkg:statedInClaim"], "claim") if a.get("pkg:statedInClaim") \
            else None
        if claim:
            rec["claim"] = claim
        self.result.records["quantities"].append(rec)
        self._record_row(ident, f"quantity {local}", loc)

    def citation(self, a: dict[str, Any], ident: str, loc: Located | None) -> None:
        local = self.local_of(ident, "citation")
        if not local:
            return self._bad(a, ident, "citation", loc, "needs an id of this source")
        rec: dict[str, Any] = {"id": local}
        if "pkg:noteMarker" in a:
            rec["note"] = a["pkg:noteMarker"]
        if loc is not None:
            rec.update(self.span_fields(a, loc.span))
        self._work(a, ident, loc, rec)
        char = str(a.get("cito:hasCitationCharacterization", ""))
        for ns in ("cito:", PREFIXES["cito"]):
            if char.startswith(ns):
                rec["characterization"] = char[len(ns):]
        if "work" not in rec:
            return self._bad(a, ident, "citation", loc, "the cited work is unknown")
        self.result.records["citations"].append(rec)
        self._record_row(ident, f"citation {local}", loc)

    def link(self, a: dict[str, Any], ident: str, kind: str) -> None:
        ends = [t for t in as_list(a.get("target")) if isinstance(t, str)]
        bodies = [b for b in as_list(a.get("body")) if isinstance(b, dict)]
        ends += [b["source"] for b in bodies if b.get("purpose") == "linking" and "source" in b]
        why = next((b.get("value") for b in bodies if "TextualBody" in types(b)), None)
        claims = []
        for iri in ends:
            ours = self.split(iri)
            if ours is None or ours[0] != "claim":
                claims = []
                break
            gid = ours[1]
            claims.append(gid[len(self.src.id) + 1:] if gid.startswith(self.src.id + "-")
                          and re.match(r"^c\d+[a-z]?$", gid[len(self.src.id) + 1:]) else gid)
        if len(claims) != 2 or not why:
            return self._bad(a, ident, "link", None,
                             "a link needs two claim IRIs and a justification")
        self.result.records["links"].append(
            {"type": "agrees" if kind == "Agreement" else "contradicts",
             "claims": claims, "justification": why})
        self.row(ident, "imported", f"link {claims[0]} {claims[1]}")

    def mentions(self, a: dict[str, Any], ident: str, loc: Located, explicit: bool) -> None:
        """Identifying bodies (and IRIs or registry keys as tags) -> mentions of
        registry entities; everything else is reported."""
        found: list[str] = []
        tags: list[tuple[Any, tuple[tuple[str, str | None], ...], str | None]] = []
        for b in as_list(a.get("body")):
            iri, textual = _body_iri(b)
            purpose = b.get("purpose", "") if isinstance(b, dict) else ""
            if iri is not None:
                key, why = self.entity_of(iri)
                if key is None:
                    self._unknown(a, ident, loc, b, "entity", why)
                elif key not in found:
                    found.append(key)
            elif textual is not None:
                value = textual.strip()
                if not value:
                    continue                       # an empty comment carries nothing
                if purpose == "tagging" and value in self.registry.entities:
                    if value not in found:
                        found.append(value)
                elif purpose == "tagging" and kind_tag(value) is not None:
                    tags.append((b, *kind_tag(value)))
                elif purpose == "identifying":
                    self._unknown(a, ident, loc, b, "entity",
                                  "an identifying body with no IRI (not linked in the tool)")
                elif purpose in ("classifying",) or "Feature" in types(b):
                    self.row(ident, "ignored", f"{purpose or 'body'} '{value[:40]}'",
                             "entity types and geometries come from the registry")
                else:
                    self._unknown(a, ident, loc, b, purpose or "comment",
                                  "a free-text note; partykg records claims and mentions, "
                                  "not comments")
            else:
                self._unknown(a, ident, loc, b, "body", "a body with no IRI and no text")
        if not found and not as_list(a.get("body")):
            self.row(ident, "unknown-body", "annotation", "no body: a highlight with no "
                     "entity; nothing to import")
            self.to_review(ident, "a highlight without body", loc, a)
        spans = {key: loc.span for key in found}
        if tags and found:
            self.row(ident, "ignored", "kind tag " + ", ".join(
                f"'{jsonld_value(b.get('value'))}'" for b, _, _ in tags),
                "the entity is named by an IRI or key; its kind comes from the registry")
        elif tags:
            hit = self.tag_typed(a, ident, loc, tags)
            if hit is not None:
                found.append(hit[0])
                spans[hit[0]] = hit[1]
        for key in found:
            record = f"mention of {key}"
            span = spans[key]
            if not explicit and (span, key) in self.detected:
                self.row(ident, "derived", record, "found by alias detection; no explicit "
                         "mention written")
                continue
            self.result.records["mentions"].append(
                {"entity": key, **self.span_fields(a, span)})
            self.row(ident, "imported", record)

    def tag_typed(self, a: dict[str, Any], ident: str, loc: Located,
                  tags: list) -> tuple[str, Span] | None:
        """The entity a tag-typed highlight names: the highlighted text (a name or
        alias of a registry entity, surrounding quotes, punctuation and "the"
        aside) or the name in the tag (`person-lenin`), of a kind the tags allow
        (:data:`KIND_TAGS`). (key, the span of the name) for exactly one such
        entity; otherwise the highlight goes to review with the candidates."""
        text, span = self.src.text, loc.span
        start, end = span.start, span.end
        while start < end and text[start] in EDGE:
            start += 1
        while end > start and text[end - 1] in EDGE:
            end -= 1
        if text[start:end].lower().startswith("the ") and end - start > 4:
            start += 4
        core = Span(start, end) if start < end else span
        by_text = self.names.get(_norm(core.exact(text)), set())
        by_tag: set[str] = set()
        for _, _, hint in tags:
            if hint:
                by_tag |= self._hinted(hint)
        cands = (by_text & by_tag) or (by_text | by_tag)
        allowed = {c for _, compat, _ in tags for c in compat}

        def fits(key: str) -> bool:
            e = self.registry.entities[key]
            return any(e.kind == k and (t is None or e.values.get("type") == t)
                       for k, t in allowed)

        ok = sorted(k for k in cands if fits(k))
        names = ", ".join(sorted({str(jsonld_value(b.get("value"))) for b, _, _ in tags}))

        def listed(keys) -> list[str]:
            return [f"{k} ({self.registry.entities[k].kind}"
                    + (f", {t}" if (t := self.registry.entities[k].values.get("type")) else "")
                    + ")" for k in sorted(keys)]

        if len(ok) == 1:
            return ok[0], (core if ok[0] in by_text else span)
        if ok:
            why = f"ambiguous: the highlight tagged '{names}' names {len(ok)} registry entities"
            self.row(ident, "unknown-body", "tag-typed highlight", why + ": " + ", ".join(ok))
            self.to_review(ident, why + "; keep the right one as a mention",
                           loc, a, candidates=listed(ok))
        elif cands:
            why = (f"kind-incompatible: the highlight names registry entities, but none of "
                   f"a kind the tag '{names}' allows")
            self.row(ident, "unknown-body", "tag-typed highlight",
                     why + ": " + ", ".join(listed(cands)))
            self.to_review(ident, why + "; fix the tag or the registry entry",
                           loc, a, candidates=listed(cands))
        else:
            why = (f"no registry entity is named by the highlighted text or the tag "
                   f"'{names}'")
            self.row(ident, "unknown-body", "tag-typed highlight", why)
            self.to_review(ident, why + "; add it to the registry or link it by IRI", loc, a)
        return None

    def _hinted(self, hint: str) -> set[str]:
        """Entities a tag's name part names: their key, a name or alias, or the
        last words of one (`lenin` -> Vladimir Lenin)."""
        if hint in self.registry.entities:
            return {hint}
        want = _norm(hint.replace("-", " ").replace("_", " "))
        out = set(self.names.get(want, set()))
        if not out:
            for name, keys in self.names.items():
                if name.endswith(" " + want) or name.replace("-", " ").endswith(" " + want):
                    out |= keys
        return out

    def _unknown(self, a, ident, loc, body, what, why="no registry entry") -> None:
        summary = _body_summary(body)
        self.row(ident, "unknown-body", what, f"{why}: {summary}")
        self.to_review(ident, f"unknown {what}: {why}", loc, a, body=summary)

    def _bad(self, a, ident, what, loc, why) -> None:
        self.row(ident, "unknown-body", what, why)
        self.to_review(ident, f"{what}: {why}", loc, a,
                       bodies=[_body_summary(b) for b in as_list(a.get("body"))])


def _not_text(value: Any, path: str = "") -> str:
    """The first place in a record holding something other than text (a JSON
    number or object where the annotation file wants a string), or ''."""
    if isinstance(value, str) or (isinstance(value, bool) and path in ("paraphrase", "approximate")):
        return ""
    if isinstance(value, dict) and path in ("", "locator"):   # a record, or its locator
        return next((w for k, v in value.items() if (w := _not_text(v, k if not path
                                                                     else f"{path}.{k}"))), "")
    if isinstance(value, list):
        return next((w for v in value if (w := _not_text(v, path))), "")
    return path or "a value"


def _body_iri(b: Any) -> tuple[str | None, str | None]:
    """(IRI, None) for a body naming a resource; (None, text) for a textual one.
    Recogito writes an entity's IRI as the body's `value` when it has no label;
    a comment or tag that is a bare IRI also names that resource."""
    if isinstance(b, str):
        return b, None
    if not isinstance(b, dict):
        return None, None
    if b.get("source"):
        return str(b["source"]), None
    value = b.get("value")
    if "TextualBody" not in types(b) and b.get("id"):
        return str(b["id"]), None      # Recogito: `id` the entity, `value` its label
    if isinstance(value, str) and re.match(r"^https?://\S+$", value.strip()):
        return value.strip(), None
    if isinstance(value, str):
        return None, value
    return None, None


def _local_name(iri: Any) -> str:
    """The local name of a pkg: CURIE or IRI (pkg:OwnView -> OwnView)."""
    s = str(iri)
    for head in ("pkg:", PKG):
        if s.startswith(head):
            return s[len(head):]
    return ""


def _body_summary(b: Any) -> str:
    if isinstance(b, str):
        return b
    if not isinstance(b, dict):
        return json.dumps(b, ensure_ascii=False)
    parts = [f"{k}={b[k]}" for k in ("purpose", "type", "source", "id", "value") if k in b]
    return ", ".join(str(p) for p in parts)[:300]


# --- writing -----------------------------------------------------------------------------

def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if not k.startswith("_")}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class _Dumper(yaml.SafeDumper):
    pass


# NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR are line breaks to a YAML reader
# (and to str.splitlines), not to the "\n"-based line handling here. PyYAML's
# emitter writes them raw outside double quotes: a NEL in a quote is read back
# as a space (the quote no longer matches its text), and in the commented review
# section, where each "\n"-line gets a "# ", any of them ends the comment and
# the rest of the line is read as YAML (a syntax error, reported at the path of
# the temporary file the import was checked in). Double quotes escape them (\N,
# \L, \P), so strings holding one are written double-quoted.
YAML_ONLY_BREAKS = ("\x85", "\u2028", "\u2029")


def _str(dumper: yaml.SafeDumper, value: str):
    if any(ch in value for ch in YAML_ONLY_BREAKS):
        style = '"'
    else:
        style = "|" if "\n" in value and value.strip() == value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100,
                     default_flow_style=False)


def render(src: Source, result: Result, input_name: str) -> str:
    out = [(f"# Imported by `partykg import-annotations` from {input_name} for source "
            f"{src.id}."),
           (f"# Review every entry, then `partykg accept` this file to add them to "
            f"data/annotations/{src.id}.yaml."), ""]
    body: dict[str, Any] = {"source": _plain(src.meta)}
    for section in SECTIONS:
        if result.records[section]:
            body[section] = result.records[section]
    out.append(dump(body).rstrip("\n"))
    if result.review:
        out += ["", f"# review: {len(result.review)} item(s) could not be imported; fix each "
                "and move it into a section above, or delete it.",
                *("# " + line if line else "#" for line in dump(
                    {"review": result.review}).rstrip("\n").split("\n"))]
    return "\n".join(out) + "\n"


def import_annotations(proj: Project, file: Path, source_id: str, output: Path | None = None,
                       force: bool = False) -> tuple[Path, Result, list[str]]:
    from partykg.model.inputs import load_inputs
    display = str(file)
    registry, sources = load_inputs(proj)
    src = next((s for s in sources if s.id == source_id), None)
    if src is None:
        raise InputError(Problem("--source", 0, f"no source '{source_id}'",
                                 f"use one of: {', '.join(sorted(s.id for s in sources))}"))
    dest = Path(output) if output else proj.out / "import" / f"{source_id}.yaml"
    if dest.exists() and not force:
        raise InputError(Problem(str(dest), 0, "the output file exists",
                                 "give another --output, or --force to replace it"))
    warnings: list[str] = []
    annos = read_annotations(file, display, warnings)
    imp = Importer(proj, registry, src)
    imp.result.warnings = warnings
    for i, a in enumerate(annos):
        imp.add_safely(a, i)
    text = render(src, imp.result, file.name)
    _check_loads(proj, registry, src, text, dest)
    write_atomic(dest, text)
    return dest, imp.result, sorted(imp.foreign)


def _check_loads(proj: Project, registry: Registry, src: Source, text: str,
                 dest: Path) -> None:
    """The file must load with the project's own loader before it is written.
    A failure here is partykg's fault, not the input's: it is reported under
    the name of the file that was not written, not of the temporary copy."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{src.id}.yaml"
        path.write_text(text, encoding="utf-8")
        errors = Collector()
        try:
            load_source(path, proj.data, proj.root, registry, errors)
        except InputError as exc:
            errors.problems += exc.problems
        if errors.problems:
            raise InputError([Problem(str(dest), p.line, "the file the import would write "
                                      f"does not load back: {p.message}",
                                      "this is a bug in `partykg import-annotations`; please "
                                      "report it with the input file")
                              for p in errors.problems[:5]])
