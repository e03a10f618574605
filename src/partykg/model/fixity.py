"""Fixity: what a change to an annotated source text does to its annotations.

Each annotation file records the SHA-256 of its text. When the text on disk
has another digest, the build still fails (exit 2, nothing written: a
changed text is never published silently), but instead of one blind "text
changed" it anchors every quote of the file (claims, quotations, citations,
explicit mentions) in the new text and reports

- each annotation that **no longer anchors** (its quote is gone, or now
  occurs more than once, or its prefix/suffix no longer touches it), at its
  file:line, with where the nearest match differs (:func:`anchor.explain_miss`)
  and the characters it covered before;
- the annotations whose quote still anchors but **moved**: grouped into runs
  that moved by the same number of characters (an inserted sentence moves
  everything after it by its length: one line of the report, not hundreds);
- how many anchor exactly where they did before (not listed).

Annotations anchor by quote, so offsets are never written by hand: a quote
that still occurs once is found again wherever it now stands. Its former
offsets come from the last successful build (``out/build/partykg.nq``, the
``oa:TextPositionSelector`` of each annotation), used only when that build
carries the recorded SHA-256 of this text; without it, moves cannot be told
and the report says so. Automatically detected mentions are not annotations
of the file: they are found again in the new text and not reported here.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from partykg.core.errors import Collector
from partykg.core.namespaces import (
    CHECKSUM,
    POSITION_SELECTOR,
    QUOTE_SELECTOR,
    graph_iri,
    id_space,
    part_iri,
    source_iri,
)
from partykg.core.namespaces import term as P
from partykg.model.anchor import CONTEXT, AnchorError, Span, line_of

KINDS = ("claim", "quotation", "citation")  # annotations with an id; plus explicit mentions
SECTIONS = {"claim": "claims", "quotation": "quotations", "citation": "citations"}

# (kind, local id) for claims, quotations, citations; for explicit mentions, which have
# no id: ("mention", entity, quote, prefix, suffix) as written in the annotation file
Key = tuple


@dataclass(frozen=True)
class OldMention:
    entity: str
    exact: str
    prefix: str   # the context published with the span (anchor.CONTEXT characters)
    suffix: str
    span: Span


@dataclass
class Old:
    """Where the annotations of one source stood in the last build."""
    ids: dict[tuple[str, str], Span] = field(default_factory=dict)
    mentions: list[OldMention] = field(default_factory=list)

    def span(self, key: Key) -> Span | None:
        if key[0] != "mention":
            return self.ids.get(key)
        _, entity, quote, prefix, suffix = key
        found = [m.span for m in self.mentions
                 if m.entity == entity and m.exact == quote
                 and m.prefix.endswith(prefix[-CONTEXT:])
                 and m.suffix.startswith(suffix[:CONTEXT])]
        return found[0] if len(found) == 1 else None


Previous = Callable[[str, str], "Old | None"]


@dataclass
class Item:
    """One annotation of the changed file: where it is written and where it anchors now."""
    key: Key
    label: str          # "claim c01", "mention of rosa-luxemburg"
    line: int           # its line in the annotation file
    span: Span | None   # in the new text; None when it no longer anchors
    error: AnchorError | None = None


@dataclass
class Changed:
    """A source whose text differs from the recorded SHA-256; collects the misses
    while the loader anchors the file, then reports (:meth:`report`)."""
    file: str
    line: int           # the `sha256:` line
    text_path: str
    recorded: str
    digest: str
    misses: list[Item] = field(default_factory=list)

    def miss(self, what: str, v: dict, exc: AnchorError) -> None:
        key = (("mention", v["entity"], v["quote"], v.get("prefix", ""), v.get("suffix", ""))
               if "entity" in v else (what.split()[0], v["id"]))
        self.misses.append(Item(key, what, v["_lines"].get("quote", v["_line"]), None, exc))

    def report(self, src, previous: Previous | None, errors: Collector) -> None:
        old = previous(src.id, self.recorded) if previous else None
        items = anchored_items(src) + self.misses
        moved, same, new = [], 0, 0
        for it in items:
            if it.span is None:
                continue
            before = None if old is None else old.span(it.key)
            if before is None:
                new += 1
            elif before.start == it.span.start:
                same += 1
            else:
                moved.append((before, it))
        for it in self.misses:
            before = None if old is None else old.span(it.key)
            was = f" (it covered characters {before.start}–{before.end})" if before else ""
            errors.add(self.file, it.line, f"{it.label} no longer anchors in the changed text "
                       f"{self.text_path}: {it.error.message}{was}", it.error.hint)
        groups = _runs(moved)
        for run in groups:
            self._report_run(src, run, errors)
        errors.add(self.file, self.line, self._headline(len(self.misses), moved, same, new, old),
                   "review the annotations listed (fix or remove each quote that no longer "
                   "anchors; check that the moved ones still say what the text says), then "
                   f"record the new digest on this line: `sha256: {self.digest}`")

    def _headline(self, broken, moved, same, new, old) -> str:
        head = (f"the text {self.text_path} has changed since it was annotated (SHA-256 "
                f"{self.digest[:12]}…, recorded {self.recorded[:12]}…): ")
        parts = [f"{broken} annotation{'s' if broken != 1 else ''} no longer anchor"
                 f"{'s' if broken == 1 else ''}"]
        if old is None:
            still = same + new
            parts.append(f"{still} still anchor{'s' if still == 1 else ''} (whether they moved "
                         "is unknown: no earlier build of the recorded text to compare with)")
        else:
            parts.append(f"{len(moved)} moved")
            parts.append(f"{same} unaffected (not listed)")
            if new:
                parts.append(f"{new} not in the last build")
        return head + ", ".join(parts)

    def _report_run(self, src, run: list[tuple[Span, Item]], errors: Collector) -> None:
        (b0, i0), (b1, i1) = run[0], run[-1]
        delta = i0.span.start - b0.start
        text = src.text
        first, last = line_of(text, i0.span.start), line_of(text, i1.span.start)
        lines = f"text line {first}" if first == last else f"text lines {first}–{last}"
        if len(run) == 1:
            what = f"{i0.label} moved"
            where = f"characters {b0.start}–{b0.end} → {i0.span.start}–{i0.span.end}"
        else:
            what = f"{len(run)} annotations moved"
            where = (f"characters {b0.start}–{b1.end} → {i0.span.start}–{i1.span.end}; "
                     + describe(src, [it for _, it in run]))
        errors.add(self.file, min(it.line for _, it in run),
                   f"{what} {delta:+d} characters, quote{'s' if len(run) > 1 else ''} "
                   f"unchanged: {where} (now {lines})",
                   "no change needed: the quote is found again and the build publishes its "
                   "new offsets; check that the passage still means what the annotation says")


def _runs(moved: list[tuple[Span, Item]]) -> list[list[tuple[Span, Item]]]:
    """Moved annotations in their former reading order, cut into runs of equal shift."""
    runs: list[list[tuple[Span, Item]]] = []
    for before, it in sorted(moved, key=lambda p: (p[0], p[1].line)):
        delta = it.span.start - before.start
        if runs and runs[-1][-1][1].span.start - runs[-1][-1][0].start == delta:
            runs[-1].append((before, it))
        else:
            runs.append([(before, it)])
    return runs


def anchored_items(src) -> list[Item]:
    """Every annotation of the file whose quote anchored in the (new) text."""
    items = []
    for kind in KINDS:
        for a in getattr(src, SECTIONS[kind]):
            if a.span is not None:
                items.append(Item((kind, a.id), f"{kind} {a.id}",
                                  a.lines.get("quote", a.line), a.span))
    for m in src.mentions:
        key = ("mention", m.entity, m.span.exact(src.text), m.given_prefix, m.given_suffix)
        items.append(Item(key, f"mention of {m.entity}", m.line, m.span))
    return items


def describe(src, items: list[Item]) -> str:
    """'claims c05–c12, c14; quotation q03; mentions at lines 301, 305' (ranges in file order)."""
    parts = []
    for kind in KINDS:
        order = [a.id for a in getattr(src, SECTIONS[kind])]
        ids = {it.key[1] for it in items if it.key[0] == kind}
        if ids:
            word = SECTIONS[kind] if len(ids) > 1 else kind
            parts.append(f"{word} {_ranges(order, ids)}")
    mention_lines = sorted(it.line for it in items if it.key[0] == "mention")
    if mention_lines:
        word = "mentions at lines" if len(mention_lines) > 1 else "mention at line"
        parts.append(f"{word} {', '.join(map(str, mention_lines))}")
    return "; ".join(parts)


def _ranges(order: list[str], chosen: set[str]) -> str:
    out, run = [], []
    for ident in order + [None]:
        if ident in chosen:
            run.append(ident)
            continue
        if run:
            out.append(run[0] if len(run) == 1 else f"{run[0]}–{run[-1]}")
            run = []
    return ", ".join(out)


class LastBuild:
    """Offsets of the annotations in the last successful build (its N-Quads dump),
    per source, read once and only when a text has changed."""

    def __init__(self, nquads: Path, base: str):
        self.nquads, self.base = nquads, base
        self._graphs: dict[str, dict[str, dict[str, list[str]]]] | None = None

    def _load(self) -> dict[str, dict[str, dict[str, list[str]]]]:
        if self._graphs is None:
            from pyoxigraph import NamedNode, RdfFormat, parse
            graphs: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
            prefix = graph_iri(self.base, "source/")
            try:
                for q in parse(path=str(self.nquads), format=RdfFormat.N_QUADS):
                    g = q.graph_name
                    if isinstance(g, NamedNode) and g.value.startswith(prefix):
                        graphs[g.value[len(prefix):]][q.subject.value][q.predicate.value].append(
                            q.object.value)
            except (OSError, SyntaxError, ValueError):
                graphs = {}
            self._graphs = graphs
        return self._graphs

    def __call__(self, source_id: str, recorded: str) -> Old | None:
        """The spans of ``source_id``'s annotations when the last build was made from the
        text whose SHA-256 is ``recorded``; None otherwise."""
        g = self._load().get(source_id)
        if not g:
            return None
        doc = source_iri(self.base, source_id)
        if g.get(part_iri(doc, CHECKSUM), {}).get(P("spdx:checksumValue")) != [recorded]:
            return None
        idpat = re.compile(re.escape(id_space(self.base)) + r"(claim|quotation|citation)/"
                           + re.escape(source_id) + r"-(.+)$")
        out = Old()
        for s, props in g.items():
            if P("oa:hasTarget") not in props:
                continue
            pos = g.get(part_iri(s, POSITION_SELECTOR), {})
            quote = g.get(part_iri(s, QUOTE_SELECTOR), {})
            exact, prefix, suffix = (quote.get(P(f"oa:{k}"), [""])[0]
                                     for k in ("exact", "prefix", "suffix"))
            try:
                span = Span(int(pos[P("oa:start")][0]), int(pos[P("oa:end")][0]))
            except (KeyError, ValueError):
                continue
            m = idpat.match(s)
            if m:
                out.ids[(m.group(1), m.group(2))] = span
            elif props.get(P("pkg:detection")) == ["explicit"]:
                entity = props[P("oa:hasBody")][0].rsplit("/", 1)[1]
                out.mentions.append(OldMention(entity, exact, prefix, suffix, span))
        return out

