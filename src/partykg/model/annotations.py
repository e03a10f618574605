"""Loading one annotation file per source, and anchoring its quotes.

Reads ``data/annotations/<source-id>.yaml`` (format in ``data/README.md``),
checks every key and reference, reads the source text, verifies its SHA-256
and resolves every quote to character offsets.

A text must be a regular file inside ``data/sources/`` once symlinks are
resolved, of at most :data:`MAX_TEXT_BYTES`, UTF-8 without control characters;
one annotation file per text, compared by the resolved path.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from partykg.core.errors import ROOT_CAUSE, Collector
from partykg.model.anchor import AnchorError, Span, anchor, find_all
from partykg.model.fields import Field, check_map, prose
from partykg.model.fixity import Changed, Previous
from partykg.model.registry import (
    AGENT_KINDS,
    KINDS,
    Registry,
    check_ref,
    check_thesis_ref,
    load_document,
)
from partykg.model.yamlload import ReadProblem, char_name, decode_utf8, read_bounded

MAX_TEXT_BYTES = 20 * 1024 * 1024  # per source text; the longest real one is 68 KB
SOURCES_DIR = "sources"            # texts live in data/sources/
# Characters refused in a text: C0 and C1 controls but tab, line feed and carriage
# return; DEL; the noncharacters U+FFFE/U+FFFF. Quotes copy them into the graph.
TEXT_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")

SOURCE = {
    "id": Field("key", True, "give the source an id such as `mandel-1970`"),
    "text": Field("str", True, "give the path of the text, relative to data/"),
    "sha256": Field("sha256", True, "run `sha256sum` on the text and copy the digest"),
    "title": Field("str", True),
    "authors": Field("keys"),
    "publisher": Field("key"),
    "part_of": Field("key"),
    "created": Field("date"),
    "published": Field("date"),
    "url": Field("url"),
    "language": Field("str", True, "give a BCP 47 code such as `en`"),
    "responds_to": Field("keys"),
    "description": prose(),
}
SPAN = {"quote": Field("str", True, "copy the exact passage from the text", "quote"),
        "prefix": Field("str", text="quote"), "suffix": Field("str", text="quote")}
CLAIM = {"id": Field("key", True, "number the claim: `id: c01`"),
         "claimant": Field("key", True, "name who holds the view (an agent key)"),
         **SPAN,
         "paraphrase": prose(True, "say the claim in one sentence of your own"),
         "about": Field("keys"), "supports": Field("keys"), "opposes": Field("keys"),
         "qualifies": Field("keys"), "evidence": Field("keys"),
         "mode": Field("str", True, "say whose view this is and how the author presents it: "
                       "`mode: own`, `reported`, `ascribed` or `hypothetical`"),
         "date": Field("date"), "date_quote": Field("str"),
         "asserted_by": Field("keys"), "no_stance": Field("str")}
# How the essay presents the claimant's view (data/README.md, "Claims"):
MODES = {"own": "OwnView", "reported": "ReportedView", "ascribed": "AscribedView",
         "hypothetical": "HypotheticalView"}
LOCATOR = {"volume": Field("str"), "page": Field("str"), "pages": Field("str"),
           "chapter": Field("str")}
QUOTATION = {"id": Field("key", True, "number the quotation: `id: q01`"),
             "speaker": Field("key", True, "name whose words these are (an agent key)"),
             **SPAN, "paraphrase": Field("bool"), "work": Field("key"),
             "locator": Field("map"), "edition": Field("str"), "note": prose(),
             "via": Field("key"), "occasion": Field("str"), "occasion_date": Field("date"),
             "occasion_event": Field("key")}
CITATION = {"id": Field("key", True, "name the citation after its note: `id: n1a`"),
            "quote": Field("str", text="quote"), "prefix": Field("str", text="quote"),
            "suffix": Field("str", text="quote"),
            "work": Field("key", True), "locator": Field("map"), "edition": Field("str"),
            "note": prose(), "characterization": Field("str")}
LINK = {"type": Field("str", True, "agrees or contradicts"),
        "claims": Field("keys", True, "give the two claims: `claims: [c02, ratcliffe-2012-c05]`"),
        "justification": prose(True, "say in one line why they agree or contradict")}
MENTION = {"entity": Field("key", True), **SPAN}
QUANTITY = {"id": Field("key", True, "number the quantity: `id: x01`"), **SPAN,
            "value": Field("str", True, "give the number the text states, e.g. `value: 10000`"),
            "approximate": Field("bool"),
            "counts": Field("str", True, "say what is counted, e.g. `counts: strikers`"),
            "of": Field("key"), "date": Field("date"), "place": Field("key"),
            "claim": Field("key")}
TOP = {"source": Field("map", True), "claims": Field("list"), "quotations": Field("list"),
       "citations": Field("list"), "links": Field("list"), "mentions": Field("list"),
       "quantities": Field("list")}

LINK_TYPES = ("agrees", "contradicts")
EVIDENCE_KINDS = ("event", "work")  # besides quotations, citations and claims of the file
CITO_CHARACTERIZATIONS = ("citesAsEvidence", "citesForInformation", "citesAsAuthority",
                          "citesAsRelated", "citesAsDataSource", "extends", "critiques",
                          "disagreesWith", "agreesWith", "usesMethodIn", "obtainsSupportFrom")
LOCAL_ID = {"claims": re.compile(r"^c\d+[a-z]?$"), "quotations": re.compile(r"^q\d+[a-z]?$"),
            "citations": re.compile(r"^n\d+[a-z]?$"), "quantities": re.compile(r"^x\d+[a-z]?$")}
NUMBER_RE = re.compile(r"^-?\d+(?:\.\d+)?$")


@dataclass
class Anchored:
    id: str
    line: int
    span: Span | None
    given_prefix: str | None = None
    given_suffix: str | None = None
    lines: dict[str, int] = field(default_factory=dict)


@dataclass
class Claim(Anchored):
    claimant: str = ""
    paraphrase: str = ""
    about: list[str] = field(default_factory=list)
    stance: dict[str, list[str]] = field(default_factory=dict)
    evidence: list[str] = field(default_factory=list)
    mode: str = "own"
    date: str | None = None          # when the claimant held the view, as the text dates it
    date_span: Span | None = None    # the words of the text that date it
    asserted_by: list[str] = field(default_factory=list)  # who asserts it in the essay
    no_stance: str | None = None     # why a claim on the debate takes no stance (reviewed)


@dataclass
class Quotation(Anchored):
    speaker: str = ""
    work: str | None = None
    locator: dict[str, str] = field(default_factory=dict)
    edition: str | None = None
    note: str | None = None
    is_paraphrase: bool = False
    via: str | None = None            # the secondary work the author quotes it from
    occasion: str | None = None       # the original occasion (speech, congress, letter)
    occasion_date: str | None = None
    occasion_event: str | None = None


@dataclass
class Quantity(Anchored):
    """A number the text states about the world, with what it counts."""
    value: str = ""
    approximate: bool = False
    counts: str = ""
    of: str | None = None
    date: str | None = None
    place: str | None = None
    claim: str | None = None


@dataclass
class Citation(Anchored):
    work: str = ""
    locator: dict[str, str] = field(default_factory=dict)
    edition: str | None = None
    note: str | None = None
    characterization: str = "citesAsEvidence"


@dataclass
class Link:
    type: str
    claims: list[str]
    justification: str
    line: int


@dataclass
class ExplicitMention:
    entity: str
    span: Span
    line: int
    given_prefix: str = ""
    given_suffix: str = ""


@dataclass
class Source:
    id: str
    file: str
    line: int
    text_path: str
    text: str
    sha256: str
    meta: dict[str, Any]
    claims: list[Claim] = field(default_factory=list)
    quotations: list[Quotation] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    mentions: list[ExplicitMention] = field(default_factory=list)
    quantities: list[Quantity] = field(default_factory=list)
    changed: Changed | None = None  # set when the text differs from the recorded SHA-256

    def global_id(self, local: str) -> str:
        return f"{self.id}-{local}"


def format_locator(loc: dict[str, str]) -> str:
    """Human-readable locator: 'Vol. 18, pp. 471-477', 'p. xix'."""
    parts = []
    if "volume" in loc:
        parts.append(f"Vol. {loc['volume']}")
    if "chapter" in loc:
        parts.append(f"ch. {loc['chapter']}")
    if "page" in loc:
        parts.append(f"p. {loc['page']}")
    if "pages" in loc:
        parts.append(f"pp. {loc['pages']}")
    return ", ".join(parts)


def read_text(path: Path, display: str, file: str, line: int, errors: Collector) -> str | None:
    """The source text, or None after reporting why it cannot be used; the
    message names the text file and the `text:` of the annotation that uses it."""
    used_by = f"(the `text:` of {file}:{line})"
    try:
        raw = read_bounded(path, MAX_TEXT_BYTES)
    except ReadProblem as exc:
        if exc.message.startswith("cannot read"):
            errors.add(file, line, f"'text': the source text '{display}' cannot be read",
                       "give its path relative to data/, e.g. sources/000_773fbfcb8c76a8a9.txt")
        else:
            p = exc.problem(file, the=f"'text': {display}", it="it")
            errors.add(file, line, p.message, p.hint, ROOT_CAUSE)
        return None
    try:
        text = decode_utf8(raw)
    except ReadProblem as exc:
        p = exc.problem(display, the="the text", it="it", suffix=f" {used_by}")
        hint = p.hint
        if "byte-order mark" in p.message:
            hint += " (offsets would be off by one)"
        elif "not valid UTF-8" in p.message:
            hint = "convert it to UTF-8, e.g. `iconv -f latin1 -t utf-8`"
        errors.add(display, p.line, p.message, hint)
        return None
    if not text.strip():
        errors.add(display, 1, f"the source text is empty {used_by}",
                   "put the essay's text in the file")
        return None
    bad = TEXT_CONTROL_RE.search(text)
    if bad:
        at = bad.start()
        errors.add(display, text.count("\n", 0, at) + 1,
                   f"{char_name(bad.group())} at column {at - text.rfind(chr(10), 0, at)} "
                   f"of the text {used_by}",
                   "delete the control character from the text (and record the new sha256)")
        return None
    return text


def text_location(data_dir: Path, root: Path, given: str) -> tuple[Path | None, str, str | None]:
    """Where `text:` points: the resolved path, how to name it, and what is wrong
    (None when it is a path inside data/sources/ once symlinks are resolved)."""
    sources = data_dir / SOURCES_DIR
    path = data_dir / given
    shown = _rel(path, root)
    if Path(given).is_absolute():
        return None, given, "is an absolute path"
    try:
        resolved = Path(os.path.realpath(path, strict=False))
        home = Path(os.path.realpath(sources, strict=False))
    except (OSError, RuntimeError, ValueError):  # a symlink loop; a NUL byte
        return None, shown, "cannot be resolved (a symlink loop)"
    if not resolved.is_relative_to(home):
        how = "leads" if Path(os.path.normpath(path)) != resolved else "is"
        return None, shown, f"{how} outside data/{SOURCES_DIR}/" + (
            f" (to {resolved})" if how == "leads" else "")
    return resolved, _rel(sources / resolved.relative_to(home), root), None


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def load_source(path: Path, data_dir: Path, root: Path, registry: Registry,
                errors: Collector, previous: Previous | None = None) -> Source | None:
    """One annotation file, checked and anchored. When its text has changed since it
    was annotated, every quote is still anchored and :mod:`fixity` reports which no
    longer anchor and which moved (``previous``: the offsets of the last build)."""
    file = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
    doc, ok = load_document(path, file, errors)
    if not ok:
        return None
    top = check_map(doc, TOP, file, errors, "the annotation file", 1)
    if top is None or "source" not in top:
        return None
    meta = check_map(top["source"], SOURCE, file, errors, "source")
    if meta is None or not all(k in meta for k in ("id", "text", "sha256")):
        return None
    expected = path.stem
    if meta["id"] != expected:
        errors.add(file, meta["_lines"]["id"], f"source id '{meta['id']}' differs from the "
                   f"file name '{expected}.yaml'", f"rename the file or set `id: {expected}`")
    mline = meta["_lines"]
    text_path, text_display, wrong = text_location(data_dir, root, meta["text"])
    if wrong is not None:
        errors.add(file, mline["text"], f"'text': '{meta['text']}' {wrong}",
                   f"put the text in data/{SOURCES_DIR}/ and give its path relative to data/, "
                   f"e.g. `text: {SOURCES_DIR}/000_773fbfcb8c76a8a9.txt`", ROOT_CAUSE)
        return None
    text = read_text(text_path, text_display, file, mline["text"], errors)
    if text is None:
        return None
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()  # the bytes read: strict UTF-8
    src = Source(meta["id"], file, meta["_line"], text_display, text, digest, meta)
    if digest != meta["sha256"]:
        src.changed = Changed(file, mline["sha256"], text_display, meta["sha256"], digest)
    _check_meta_refs(src, registry, errors)
    ids: dict[str, int] = {}
    for i, node in enumerate(top.get("claims", [])):
        _claim(src, node, top["claims"].line_of(i), ids, errors)
    for i, node in enumerate(top.get("quotations", [])):
        _quotation(src, node, top["quotations"].line_of(i), ids, errors)
    for i, node in enumerate(top.get("citations", [])):
        _citation(src, node, top["citations"].line_of(i), ids, errors)
    for i, node in enumerate(top.get("mentions", [])):
        _mention(src, node, top["mentions"].line_of(i), registry, errors)
    for i, node in enumerate(top.get("links", [])):
        _link(src, node, top["links"].line_of(i), errors)
    for i, node in enumerate(top.get("quantities", [])):
        _quantity(src, node, top["quantities"].line_of(i), ids, errors)
    _check_local_refs(src, registry, errors)
    if src.changed is not None:
        src.changed.report(src, previous, errors)
    return src


def _check_meta_refs(src: Source, registry: Registry, errors: Collector) -> None:
    m, lines = src.meta, src.meta["_lines"]
    for key in m.get("authors", []):
        check_ref(registry.entities, key, AGENT_KINDS, src.file, lines["authors"],
                  "author of the source", errors)
    if "publisher" in m:
        check_ref(registry.entities, m["publisher"], ("organization",), src.file,
                  lines["publisher"], "publisher", errors)
    if "part_of" in m:
        check_ref(registry.entities, m["part_of"], ("work",), src.file, lines["part_of"],
                  "part_of of the source", errors)
    for key in m.get("responds_to", []):
        check_ref(registry.entities, key, ("work",), src.file, lines["responds_to"],
                  "responds_to", errors)


def _span(src: Source, v: dict, what: str, errors: Collector) -> Span | None:
    if "quote" not in v:
        return None
    try:
        return anchor(src.text, v["quote"], v.get("prefix", ""), v.get("suffix", ""))
    except AnchorError as exc:
        if src.changed is not None:
            src.changed.miss(what, v, exc)
            return None
        errors.add(src.file, v["_lines"].get("quote", v["_line"]),
                   f"{what}: {exc.message} ({src.text_path})", exc.hint)
        return None


def _new_id(src: Source, v: dict, section: str, ids: dict[str, int], errors: Collector) -> bool:
    ident = v.get("id")
    if ident is None:
        return False
    line = v["_lines"]["id"]
    if not LOCAL_ID[section].match(ident):
        letter = {"claims": "c", "quotations": "q", "citations": "n"}[section]
        errors.add(src.file, line, f"'{ident}' is not an id for {section}",
                   f"ids of {section} start with '{letter}' and a number, e.g. {letter}01")
        return False
    if ident in ids:
        errors.add(src.file, line, f"duplicate id '{ident}' (first at line {ids[ident]})",
                   "give each a new number")
        return False
    ids[ident] = line
    return True


def _checked(src, node, line, spec, what, section, ids, errors):
    """Check one claim/quotation/citation entry: keys, a new id, its quote anchored."""
    v = check_map(node, spec, src.file, errors, what, line)
    if v is None or not _new_id(src, v, section, ids, errors):
        return None, None
    return v, _span(src, v, f"{what} {v['id']}", errors)


def _claim(src, node, line, ids, errors) -> None:
    v, span = _checked(src, node, line, CLAIM, "claim", "claims", ids, errors)
    if v is None:
        return
    mode = v.get("mode", "own")
    if mode not in MODES:
        errors.add(src.file, v["_lines"]["mode"], f"claim {v['id']}: unknown mode '{mode}'",
                   f"use one of: {', '.join(MODES)}")
    date_span = None
    if "date_quote" in v:
        if "date" not in v:
            errors.add(src.file, v["_lines"]["date_quote"], f"claim {v['id']}: `date_quote` "
                       "without `date`", "add `date:` (the date those words give)")
        date_span = _date_span(src, v, span, errors)
    elif "date" in v:
        errors.add(src.file, v["_lines"]["date"], f"claim {v['id']}: a date without the words "
                   "that give it", "add `date_quote:` with the exact words of the text that date "
                   "the view (never a date from memory)")
    claim = Claim(v["id"], v["_line"], span, v.get("prefix"), v.get("suffix"), v["_lines"],
                  claimant=v.get("claimant", ""), paraphrase=v.get("paraphrase", ""),
                  about=v.get("about", []), evidence=v.get("evidence", []),
                  stance={k: v.get(k, []) for k in ("supports", "opposes", "qualifies")},
                  mode=mode, date=v.get("date"), date_span=date_span,
                  asserted_by=v.get("asserted_by", []), no_stance=v.get("no_stance"))
    if claim.no_stance and any(claim.stance.values()):
        errors.add(src.file, v["_lines"]["no_stance"], f"claim {v['id']} takes a stance and "
                   "says why it takes none", "remove `no_stance:` or the stance")
    src.claims.append(claim)


def _date_span(src: Source, v: dict, span: Span | None, errors: Collector) -> Span | None:
    """The words that date a claim: they must be in the text; when they occur more than
    once, the occurrence nearest to the claim's passage is the one meant."""
    words = v["date_quote"]
    hits = find_all(src.text, words)
    if not hits:
        if src.changed is None:
            errors.add(src.file, v["_lines"]["date_quote"], f"claim {v['id']}: the date_quote "
                       f"'{words}' is not in the text ({src.text_path})",
                       "copy the words that date the view exactly from the text")
        return None
    at = span.start if span is not None else 0
    start = min(hits, key=lambda h: (abs(h - at), h))
    return Span(start, start + len(words))


def _locator(src, v, errors) -> dict[str, str]:
    if "locator" not in v:
        return {}
    loc = check_map(v["locator"], LOCATOR, src.file, errors, "locator",
                    v["_lines"]["locator"])
    return {k: val for k, val in (loc or {}).items() if not k.startswith("_")}


def _quotation(src, node, line, ids, errors) -> None:
    v, span = _checked(src, node, line, QUOTATION, "quotation", "quotations", ids, errors)
    if v is None:
        return
    q = Quotation(v["id"], v["_line"], span, v.get("prefix"), v.get("suffix"), v["_lines"],
                  speaker=v.get("speaker", ""), work=v.get("work"),
                  locator=_locator(src, v, errors), edition=v.get("edition"),
                  note=v.get("note"), is_paraphrase=v.get("paraphrase", False),
                  via=v.get("via"), occasion=v.get("occasion"),
                  occasion_date=v.get("occasion_date"), occasion_event=v.get("occasion_event"))
    if (q.occasion_date or q.occasion_event) and not q.occasion:
        errors.add(src.file, v["_line"], f"quotation {q.id}: an occasion date or event without "
                   "the occasion", "add `occasion:` naming it as the text does (speech, letter…)")
    src.quotations.append(q)


def _quantity(src, node, line, ids, errors) -> None:
    v, span = _checked(src, node, line, QUANTITY, "quantity", "quantities", ids, errors)
    if v is None:
        return
    value = v.get("value", "")
    if not NUMBER_RE.match(value):
        errors.add(src.file, v["_lines"]["value"], f"quantity {v['id']}: '{value}' is not a "
                   "number", "write the number in digits, e.g. 10000 (approximate: true for "
                   "'over 10,000' or 'some')")
    elif span is not None and not _states_number(span.exact(src.text), value):
        errors.add(src.file, v["_lines"]["value"], f"quantity {v['id']}: the passage does not "
                   f"state {value}", "quote the words that give the number (digits or words)")
    src.quantities.append(Quantity(v["id"], v["_line"], span, v.get("prefix"), v.get("suffix"),
                                   v["_lines"], value=value,
                                   approximate=v.get("approximate", False),
                                   counts=v.get("counts", ""), of=v.get("of"), date=v.get("date"),
                                   place=v.get("place"), claim=v.get("claim")))


NUMBER_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen".split())} | {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000, "million": 1000000}


def _states_number(passage: str, value: str) -> bool:
    """True when the passage gives ``value``: in digits (1,000 / 1 000 / 10.5), or as
    digits or words with a multiplier ('10 million', 'a few thousand', 'four')."""
    digits = re.sub(r"(?<=\d)[,\u00a0 ](?=\d{3})", "", passage)
    nums = {float(n) for n in re.findall(r"\d+(?:\.\d+)?", digits)}
    words = re.findall(r"[a-z]+", passage.lower())
    for w in words:
        if w in NUMBER_WORDS:
            nums.add(float(NUMBER_WORDS[w]))
    scaled = set()
    for n in nums:
        for w, k in (("hundred", 1e2), ("thousand", 1e3), ("million", 1e6)):
            if w in words:
                scaled.add(n * k)
    return float(value) in nums | scaled


def _citation(src, node, line, ids, errors) -> None:
    v, span = _checked(src, node, line, CITATION, "citation", "citations", ids, errors)
    if v is None:
        return
    char = v.get("characterization", "citesAsEvidence")
    if char not in CITO_CHARACTERIZATIONS:
        errors.add(src.file, v["_lines"]["characterization"],
                   f"unknown citation characterization '{char}'",
                   f"use a CiTO property name: {', '.join(CITO_CHARACTERIZATIONS)}")
    c = Citation(v["id"], v["_line"], span, v.get("prefix"), v.get("suffix"), v["_lines"],
                 work=v.get("work", ""), locator=_locator(src, v, errors),
                 edition=v.get("edition"), note=v.get("note"), characterization=char)
    src.citations.append(c)


def _mention(src, node, line, registry, errors) -> None:
    v = check_map(node, MENTION, src.file, errors, "mention", line)
    if v is None or "entity" not in v:
        return
    if not check_ref(registry.entities, v["entity"], tuple(KINDS), src.file,
                     v["_lines"]["entity"], "mention", errors):
        return
    span = _span(src, v, f"mention of {v['entity']}", errors)
    if span is not None:
        src.mentions.append(ExplicitMention(v["entity"], span, v["_line"], v.get("prefix", ""),
                                            v.get("suffix", "")))


def _link(src, node, line, errors) -> None:
    v = check_map(node, LINK, src.file, errors, "link", line)
    if v is None or not all(k in v for k in ("type", "claims", "justification")):
        return
    if v["type"] not in LINK_TYPES:
        errors.add(src.file, v["_lines"]["type"], f"unknown link type '{v['type']}'",
                   f"use one of: {', '.join(LINK_TYPES)}")
        return
    claims = v["claims"]
    glob = [src.global_id(c) if LOCAL_ID["claims"].match(c) else c for c in claims]
    if len(glob) != 2 or glob[0] == glob[1]:
        errors.add(src.file, v["_lines"]["claims"], "a link joins exactly two different claims",
                   "write `claims: [c02, ratcliffe-2012-c05]`")
        return
    src.links.append(Link(v["type"], sorted(glob), v["justification"], v["_line"]))


def _check_local_refs(src: Source, registry: Registry, errors: Collector) -> None:
    ents = registry.entities
    local = {c.id for c in src.claims} | {q.id for q in src.quotations} | {
        c.id for c in src.citations}
    for c in src.claims:
        lines = c.lines
        check_ref(ents, c.claimant, AGENT_KINDS, src.file, lines.get("claimant", c.line),
                  f"claimant of {c.id}", errors)
        for key in c.about:
            if key not in ents and key not in registry.theses:
                cause = getattr(registry.theses, "cause", lambda _: None)(key)
                if cause is not None:  # it may be a thesis of a file that did not load
                    errors.consequence(cause, src.file, lines.get("about", c.line),
                                       "thesis reference")
                    continue
                check_ref(ents, key, tuple(KINDS), src.file, lines.get("about", c.line),
                          f"'about' of {c.id}", errors)
        taken: dict[str, str] = {}
        for stance, keys in c.stance.items():
            for key in keys:
                if not check_thesis_ref(registry.theses, key, src.file,
                                        lines.get(stance, c.line), f"'{stance}' of {c.id}",
                                        errors):
                    continue
                thesis = registry.theses[key]
                if thesis.question:
                    errors.add(src.file, lines.get(stance, c.line),
                               f"'{stance}' of {c.id}: '{key}' is a question, not a proposition",
                               "take a stance on one of the propositions under it")
                elif thesis.deprecated:
                    errors.add(src.file, lines.get(stance, c.line),
                               f"'{stance}' of {c.id}: thesis '{key}' is deprecated",
                               f"use its replacement: {', '.join(thesis.replaced_by)}")
                if key in taken and taken[key] != stance:
                    first, then = sorted((taken[key], stance), key=lambda k: lines.get(k, 0))
                    errors.add(src.file, lines.get(then, c.line),
                               f"claim {c.id} both {first} and {then} the thesis '{key}'",
                               "a claim takes one stance on a thesis: keep the one the passage "
                               "takes (qualifies: agrees with reservations), or split the claim")
                taken.setdefault(key, stance)
        for key in c.asserted_by:
            check_ref(ents, key, AGENT_KINDS, src.file, lines.get("asserted_by", c.line),
                      f"asserted_by of {c.id}", errors)
        for key in c.evidence:
            if key == c.id:
                errors.add(src.file, lines.get("evidence", c.line),
                           f"claim {c.id} cites itself as evidence",
                           "evidence is another claim, a quotation, a citation, an event or a "
                           "work: remove it")
                continue
            if key in local:
                continue
            if any(p.match(key) for p in LOCAL_ID.values()):
                errors.add(src.file, lines.get("evidence", c.line),
                           f"evidence of {c.id}: no quotation, citation or claim '{key}' "
                           "in this file", "check the id")
            else:
                check_ref(ents, key, EVIDENCE_KINDS, src.file, lines.get("evidence", c.line),
                          f"evidence of {c.id}", errors)
    for q in src.quotations:
        lines = q.lines
        check_ref(ents, q.speaker, AGENT_KINDS, src.file, lines.get("speaker", q.line),
                  f"speaker of {q.id}", errors)
        if q.work:
            check_ref(ents, q.work, ("work",), src.file, lines.get("work", q.line),
                      f"work of {q.id}", errors)
        if q.via:
            check_ref(ents, q.via, ("work",), src.file, lines.get("via", q.line),
                      f"via of {q.id}", errors)
        if q.occasion_event:
            check_ref(ents, q.occasion_event, ("event",), src.file,
                      lines.get("occasion_event", q.line), f"occasion_event of {q.id}", errors)
    claim_ids = {c.id for c in src.claims}
    for x in src.quantities:
        lines = x.lines
        if x.of:
            check_ref(ents, x.of, tuple(KINDS), src.file, lines.get("of", x.line),
                      f"'of' of quantity {x.id}", errors)
        if x.place:
            check_ref(ents, x.place, ("place",), src.file, lines.get("place", x.line),
                      f"place of quantity {x.id}", errors)
        if x.claim and x.claim not in claim_ids:
            errors.add(src.file, lines.get("claim", x.line), f"quantity {x.id}: no claim "
                       f"'{x.claim}' in this file", "give the id of the claim that states it")
    for c in src.citations:
        lines = c.lines
        if c.work:
            check_ref(ents, c.work, ("work",), src.file, lines.get("work", c.line),
                      f"work of {c.id}", errors)


def check_links(sources: list[Source], errors: Collector,
                failed: dict[str, str] | None = None) -> None:
    """Links may point to claims of other sources: check them once all are loaded.
    ``failed``: source id -> the annotation file that did not load; links to its
    claims are consequences of that, not errors of their own."""
    claims = {s.global_id(c.id) for s in sources for c in s.claims}
    failed = failed or {}
    pairs: dict[tuple[str, ...], str] = {}
    for s in sources:
        for link in s.links:
            pair = tuple(link.claims)
            if pair in pairs:
                errors.add(s.file, link.line, f"the claims {pair[0]} and {pair[1]} are already "
                           f"linked ({pairs[pair]})", "keep one link per pair of claims")
            pairs.setdefault(pair, f"{s.file}:{link.line}")
            for cid in link.claims:
                cause = next((f for sid, f in failed.items() if cid.startswith(sid + "-")), None)
                if cid not in claims and cause is not None:
                    errors.consequence(cause, s.file, link.line, "linked claim")
                elif cid not in claims:
                    errors.add(s.file, link.line, f"link: unknown claim '{cid}'",
                               "write a local id (c03) or <source-id>-cNN of an existing claim")


def load_sources(data_dir: Path, root: Path, registry: Registry,
                 errors: Collector, previous: Previous | None = None,
                 load: Callable[[Path], Source | None] | None = None) -> list[Source]:
    """Every annotation file (each through ``load``, default :func:`load_source`; the
    build's loader takes unchanged files from model/inputcache.py), then the checks
    across files."""
    out, failed = [], {}
    for path in sorted((data_dir / "annotations").glob("*.yaml")):
        src = (load(path) if load is not None
               else load_source(path, data_dir, root, registry, errors, previous))
        if src is not None:
            out.append(src)
        else:
            failed[path.stem] = _rel(path, root)
    seen: dict[str, str] = {}
    for s in out:
        if s.text_path in seen:
            errors.add(s.file, s.meta["_lines"]["text"],
                       f"the text {s.text_path} is also annotated by {seen[s.text_path]}",
                       "one annotation file per source text: merge the two files")
        seen[s.text_path] = s.file
    check_links(out, errors, failed)
    return out


