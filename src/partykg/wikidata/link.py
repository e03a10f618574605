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

import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from partykg.core.errors import Collector, InputError, Problem
from partykg.core.files import dump_yaml, today, write_atomic
from partykg.core.paths import Project
from partykg.model.registry import Entity, Registry, load_registry
from partykg.model.review import REVIEW_HEADER, _plain, load_review_file
from partykg.wikidata.client import (
    DATE_PROPS,
    KIND_ROOTS,
    LINKABLE_KINDS,
    ROOT_LABELS,
    Endpoint,
    item_facts,
    items_named,
    names_and_kinds,
    qid_of,
)

CANDIDATES_KEPT = 5

# Registry date fields and the Wikidata properties that say the same thing.
DATE_MATCHES: dict[str, dict[str, tuple[str, ...]]] = {
    "person": {"born": ("P569",), "died": ("P570",)},
    "organization": {"founded": ("P571",), "dissolved": ("P576",)},
    "event": {"start": ("P580", "P585", "P571"), "end": ("P582", "P585", "P576")},
    "work": {"date": ("P577", "P571", "P585")},
}

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

