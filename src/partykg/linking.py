"""`partykg link`: Wikidata candidates, their human review, and the check of links.

    registry entities without a QID --(labels, aliases)--> endpoint
        --> candidates scored --> data/wikidata/review.yaml (a human decides)
        --> accepted links published by the build with their provenance

The review file is rewritten deterministically (entities by key, candidates
by score then QID, one fetch date at the top) and every review a human has
started is kept as it is. The build reads it with :func:`apply_review`, which
checks it like any other input (file:line errors, exit 2).
"""

from __future__ import annotations

import datetime as _dt
import os
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import yaml

from .errors import Collector, InputError, Problem
from .fields import Field, check_map, date_precision
from .paths import Project
from .registry import Entity, Registry, load_registry
from .wikidata import (DATE_PROPS, KIND_ROOTS, LINKABLE_KINDS, ROOT_LABELS, Endpoint, item_facts,
                       items_named, names_and_kinds, qid_of)
from .yamlload import LMap, load_yaml

CANDIDATES_KEPT = 5
DECISIONS = ("pending", "accept", "reject")

# Registry date fields and the Wikidata properties that say the same thing.
DATE_MATCHES: dict[str, dict[str, tuple[str, ...]]] = {
    "person": {"born": ("P569",), "died": ("P570",)},
    "organization": {"founded": ("P571",), "dissolved": ("P576",)},
    "event": {"start": ("P580", "P585", "P571"), "end": ("P582", "P585", "P576")},
    "work": {"date": ("P577", "P571", "P585")},
}

REVIEW_HEADER = """\
# Wikidata candidates for registry entities without a verified QID, written by
# `partykg link` (data/README.md, "Linking to Wikidata"). For each entity, a human
# sets `review:` to
#     decision: accept        # or reject; pending until someone has looked
#     qid: Q…                 # the item accepted (usually one of the candidates)
#     by: your name
#     date: "YYYY-MM-DD"     # the day of the decision
#     evidence: what you checked, e.g. the item's description, dates and sources
# `partykg build` publishes each accepted link as owl:sameAs with that provenance.
# Rerunning `partykg link` keeps every review and rewrites everything else.
"""

ENTITY_SPEC = {"kind": Field("str"), "name": Field("str"), "candidates": Field("list"),
               "review": Field("map", True, "add `review:` with `decision: pending`")}
CANDIDATE_SPEC = {"qid": Field("qid", True), "label": Field("str"), "description": Field("str"),
                  "types": Field("list"), "dates": Field("map"), "score": Field("str"),
                  "why": Field("list")}
REVIEW_SPEC = {"decision": Field("str", True, "write `decision: pending`, `accept` or `reject`"),
               "qid": Field("qid"), "by": Field("str"), "date": Field("date"),
               "evidence": Field("str")}
TOP_SPEC = {"endpoint": Field("str"), "fetched": Field("date"), "no_candidates": Field("keys"),
            "entities": Field("map")}


def today() -> str:
    """The fetch date: SOURCE_DATE_EPOCH when set (reproducible runs), else today (UTC)."""
    return now()[:10]


def now() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    t = (_dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc) if epoch
         else _dt.datetime.now(_dt.timezone.utc))
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def dump_yaml(header: str, doc: dict) -> str:
    body = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100,
                          default_flow_style=False)
    return header + body


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def rel(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return str(path)


# --- scoring -----------------------------------------------------------------

def _dates_agree(ours: str, theirs: str) -> bool:
    n = min(len(ours), len(theirs))
    return ours[:n] == theirs[:n]


def score(ent: Entity, matches: set[tuple[str, str]], kind_ok: bool,
          dates: dict[str, list[str]]) -> tuple[int, list[str]]:
    """Score one candidate; say why. ``matches``: (name of ours, 'label'|'alias')."""
    name_points = []
    for name, how in matches:
        ours = "the name" if name == ent.name else f"the alias '{name}'"
        theirs = "English label" if how == "label" else "English alias"
        points = {("label", True): 4, ("label", False): 2,
                  ("alias", True): 2, ("alias", False): 1}[(how, name == ent.name)]
        name_points.append((points, f"{theirs} equals {ours} (+{points})"))
    best, why = max(name_points)
    reasons = [why]
    roots = ", ".join(f"{ROOT_LABELS[q]} ({q})" for q in KIND_ROOTS[ent.kind])
    via = "P31" if ent.kind == "person" else "P31/P279*"
    if kind_ok:
        best += 2
        reasons.append(f"kind {ent.kind}: {via} reaches one of {roots} (+2)")
    else:
        best -= 4
        reasons.append(f"not of kind {ent.kind}: {via} reaches none of {roots} (-4)")
    for fname, props in DATE_MATCHES.get(ent.kind, {}).items():
        ours = ent.values.get(fname)
        known = [(p, d) for p in props for d in dates.get(p, [])]
        if not ours or not known:
            continue
        agree = [(p, d) for p, d in known if _dates_agree(ours, d)]
        if agree:
            best += 2
            reasons.append(f"{fname} {ours} agrees with {agree[0][0]} ({DATE_PROPS[agree[0][0]]}) "
                           f"{agree[0][1]} (+2)")
        else:
            best -= 3
            shown = ", ".join(f"{p} {d}" for p, d in known)
            reasons.append(f"{fname} {ours} disagrees with {shown} (-3)")
    return best, reasons


# --- finding candidates -----------------------------------------------------

def selected(registry: Registry, kinds: tuple[str, ...], only: tuple[str, ...]) -> list[Entity]:
    unknown = [k for k in only if k not in registry.entities]
    if unknown:
        raise InputError([Problem("--only", 0, f"'{k}' is not a registry key",
                                  "give the key of a registry entity, e.g. ernest-mandel")
                          for k in unknown])
    return [e for e in sorted(registry.entities.values(), key=lambda e: e.key)
            if not e.qid and e.kind in LINKABLE_KINDS
            and (not kinds or e.kind in kinds) and (not only or e.key in only)]


def find_candidates(ep: Endpoint, entities: list[Entity],
                    progress: Callable[[str], None] = lambda _: None) -> dict[str, list[dict]]:
    """Candidates per entity key, best first (at most CANDIDATES_KEPT)."""
    found: dict[str, dict[str, dict]] = {}  # key -> qid -> {matches, kind_ok}
    for kind in LINKABLE_KINDS:
        ents = [e for e in entities if e.kind == kind]
        if not ents:
            continue
        progress(f"{kind}: {len(ents)} entities")
        by_name: dict[str, list[Entity]] = {}
        for e in ents:
            for n in e.names:
                by_name.setdefault(n, []).append(e)
        for row in items_named(ep, kind, by_name):
            qid = qid_of(row["item"])
            for e in by_name.get(row["name"], []):
                c = found.setdefault(e.key, {}).setdefault(qid, {"matches": set(), "kind_ok": False})
                c["matches"].add((row["name"], row["how"]))
                c["kind_ok"] = c["kind_ok"] or row.get("kindOk") in ("true", "1")
    qids = {q for cands in found.values() for q in cands}
    progress(f"details of {len(qids)} items")
    facts = item_facts(ep, qids)
    out: dict[str, list[dict]] = {}
    ents_by_key = {e.key: e for e in entities}
    for key, cands in found.items():
        rows = []
        for qid, c in cands.items():
            f = facts[qid]
            points, why = score(ents_by_key[key], c["matches"], c["kind_ok"], f.dates)
            row: dict[str, Any] = {"qid": qid}
            if f.label:
                row["label"] = f.label
            if f.description:
                row["description"] = f.description
            row["types"] = f.types
            row["dates"] = dict(sorted(f.dates.items(), key=lambda kv: int(kv[0][1:])))
            row["score"] = points
            row["why"] = why
            rows.append(row)
        rows.sort(key=lambda r: (-r["score"], int(r["qid"][1:])))
        out[key] = rows[:CANDIDATES_KEPT]
    return out


def _plain(node: Any) -> Any:
    """An LMap/LList tree as plain dicts and lists (for rewriting)."""
    if isinstance(node, dict):
        return {k: _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


def review_started(review: dict) -> bool:
    return review.get("decision", "pending") != "pending" or any(
        review.get(k) not in (None, "") for k in ("qid", "by", "date", "evidence"))


def link(proj: Project, ep: Endpoint, review_path: Path, kinds: tuple[str, ...] = (),
         only: tuple[str, ...] = (), progress: Callable[[str], None] = lambda _: None) -> dict:
    """Search candidates and (re)write the review file; return a summary."""
    errors = Collector()
    registry = load_registry(proj.data, proj.root, errors)
    old = load_review_file(review_path, proj, registry, errors)
    errors.raise_if_any()
    ents = selected(registry, kinds, only)
    found = find_candidates(ep, ents, progress)
    searched = {e.key for e in ents}
    old_entities = _plain(old.get("entities") or {})
    entities: dict[str, dict] = {}
    for key, entry in old_entities.items():
        if key not in searched:  # not searched this time: kept as it was
            entities[key] = entry
    for e in ents:
        prior = old_entities.get(e.key, {})
        review = prior.get("review") or {}
        if not found.get(e.key) and not review_started(review):
            continue
        entities[e.key] = {"kind": e.kind, "name": e.name, "candidates": found.get(e.key, []),
                           "review": review if review_started(review) else
                           {"decision": "pending", "qid": None, "by": None, "date": None,
                            "evidence": None}}
    no_candidates = (set(old.get("no_candidates") or []) - searched) | {
        e.key for e in ents if not found.get(e.key)}
    doc = {"endpoint": ep.url, "fetched": today(),
           "no_candidates": sorted(no_candidates - set(entities)),
           "entities": dict(sorted(entities.items()))}
    write_atomic(review_path, dump_yaml(REVIEW_HEADER, doc))
    return {"searched": len(ents), "with_candidates": sum(1 for e in ents if found.get(e.key)),
            "candidates": sum(len(found.get(e.key, [])) for e in ents),
            "entities": entities, "requests": ep.requests}


# --- reading the review file -------------------------------------------------

@dataclass(frozen=True)
class Acceptance:
    key: str
    qid: str
    by: str
    date: str
    evidence: str
    file: str
    line: int


def _without_nulls(node: Any) -> Any:
    if not isinstance(node, LMap):
        return node
    out = LMap((k, v) for k, v in node.items() if v is not None)
    out.line, out.key_lines = node.line, node.key_lines
    return out


def load_review_file(path: Path, proj: Project, registry: Registry,
                     errors: Collector) -> dict:
    """Check a review file; return it (empty when absent) with ``_accepted``:
    the accepted links as :class:`Acceptance`."""
    if not path.exists():
        return {"_accepted": []}
    file = rel(path, proj.root)
    doc = load_yaml(path, file)
    if doc is None:
        return {"_accepted": []}
    top = check_map(doc, TOP_SPEC, file, errors, "the review file", 1)
    if top is None:
        return {"_accepted": []}
    accepted: list[Acceptance] = []
    entities = top.get("entities") or LMap()
    for key, node in entities.items():
        line = entities.line_of(key)
        ent = registry.entities.get(key)
        if ent is None:
            errors.add(file, line, f"'{key}' is not a registry entity",
                       "use the key of an entity in data/registry/, or remove this entry")
        v = check_map(node, ENTITY_SPEC, file, errors, f"entry '{key}'", line)
        if v is None:
            continue
        for i, cand in enumerate(v.get("candidates", [])):
            check_map(cand, CANDIDATE_SPEC, file, errors, f"candidate of '{key}'",
                      v["candidates"].line_of(i))
        if "review" not in v:
            continue
        rline = v["_lines"]["review"]
        r = check_map(_without_nulls(v["review"]), REVIEW_SPEC, file, errors,
                      f"review of '{key}'", rline)
        if r is None or "decision" not in r:
            continue
        decision = r["decision"]
        if decision not in DECISIONS:
            errors.add(file, r["_lines"]["decision"], f"unknown decision '{decision}' for '{key}'",
                       "write pending, accept or reject")
            continue
        if "date" in r and date_precision(r["date"]) != "day":
            errors.add(file, r["_lines"]["date"], f"'date' of '{key}' must be a day, not '{r['date']}'",
                       'write the date of the review as "YYYY-MM-DD"')
            continue
        if decision != "accept":
            continue
        missing = [k for k in ("qid", "by", "date", "evidence") if k not in r]
        if missing:
            errors.add(file, rline, f"'{key}' is accepted without {', '.join(missing)}",
                       "an accepted link needs the QID, who accepted it (by), when (date, "
                       "YYYY-MM-DD) and the evidence; or set decision back to pending")
            continue
        if ent is not None and ent.qid:
            where = ent.qid_where or (ent.file, ent.line)
            errors.add(file, rline, f"'{key}' already has the verified QID {ent.qid} "
                       f"({where[0]}:{where[1]})", "remove this entry from the review file")
            continue
        accepted.append(Acceptance(key, r["qid"], r["by"], r["date"], r["evidence"], file,
                                   r["_lines"]["qid"]))
    _check_unique(accepted, registry, errors)
    top["_accepted"] = accepted
    return top


def _check_unique(accepted: list[Acceptance], registry: Registry, errors: Collector) -> None:
    owner: dict[str, str] = {}
    for e in registry.entities.values():
        if e.qid:
            owner[e.qid] = f"'{e.key}' ({e.file}:{e.line})"
    for a in accepted:
        if a.qid in owner:
            errors.add(a.file, a.line, f"{a.qid} is accepted for '{a.key}' but is already the "
                       f"item of {owner[a.qid]}",
                       "one item is one entity: reject one of the two, or merge the entries")
        else:
            owner[a.qid] = f"'{a.key}' ({a.file}:{a.line})"


def apply_review(proj: Project, registry: Registry, errors: Collector) -> int:
    """Give the entities accepted in data/wikidata/review.yaml their QID and its
    provenance; return how many."""
    review = load_review_file(proj.review_file, proj, registry, errors)
    for a in review["_accepted"]:
        ent = registry.entities.get(a.key)
        if ent is not None:
            ent.qid, ent.qid_evidence, ent.qid_by, ent.qid_on = a.qid, a.evidence, a.by, a.date
            ent.qid_where = (a.file, a.line)
    return len(review["_accepted"])


def published_registry(proj: Project) -> Registry:
    """The registry with the accepted links of the review file applied."""
    errors = Collector()
    registry = load_registry(proj.data, proj.root, errors)
    errors.raise_if_any()
    apply_review(proj, registry, errors)
    errors.raise_if_any()
    return registry


# --- verification ------------------------------------------------------------

def normalise(name: str) -> str:
    """Case, diacritics and punctuation do not count: 'Lénine' ~ 'lenine'."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = "".join(ch if ch.isalnum() else " " for ch in text.casefold())
    return " ".join(text.split())


@dataclass(frozen=True)
class Mismatch:
    key: str
    kind: str
    qid: str
    problem: str
    where: str


def verify(ep: Endpoint, registry: Registry) -> tuple[int, list[Mismatch]]:
    """Check every published QID: the item exists, one of its labels or aliases
    (any language) is the entity's name or alias, and it is of the entity's kind."""
    linked = sorted((e for e in registry.entities.values() if e.qid), key=lambda e: e.key)
    kind_of = {e.qid: e.kind for e in linked if e.kind in KIND_ROOTS}
    names, of_kind = names_and_kinds(ep, {e.qid: e.kind for e in linked})
    problems: list[Mismatch] = []
    for e in linked:
        where = "{}:{}".format(*(e.qid_where or (e.file, e.line)))
        theirs = names.get(e.qid)
        if not theirs:
            problems.append(Mismatch(e.key, e.kind, e.qid, "the item is missing (no label)", where))
            continue
        ours = {normalise(n) for n in e.names}
        if not ours & {normalise(n) for n in theirs}:
            shown = ", ".join(sorted(theirs)[:3]) + (" …" if len(theirs) > 3 else "")
            problems.append(Mismatch(e.key, e.kind, e.qid,
                                     f"no label or alias matches '{e.name}' (item: {shown})", where))
        if e.qid in kind_of and e.qid not in of_kind:
            problems.append(Mismatch(e.key, e.kind, e.qid,
                                     f"the item is not a {e.kind} (P31/P279* reaches none of "
                                     f"{', '.join(KIND_ROOTS[e.kind])})", where))
    return len(linked), problems

