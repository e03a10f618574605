"""The Wikidata review file (data/wikidata/review.yaml) read and checked like any
other input: the accepted links with their provenance (who, when, evidence).

`partykg link` writes the file (partykg.wikidata.link); the build reads it
here, offline, and publishes the accepted links.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from partykg.core.errors import Collector
from partykg.core.files import rel
from partykg.core.paths import Project
from partykg.model.fields import Field, check_map, date_precision, prose
from partykg.model.registry import Registry, load_registry
from partykg.model.yamlload import LMap, load_yaml

DECISIONS = ("pending", "accept", "reject")

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
# Labels and descriptions are Wikidata's, as fetched (any script): prose.
CANDIDATE_SPEC = {"qid": Field("qid", True), "label": prose(), "description": prose(),
                  "types": Field("list"), "dates": Field("map"), "score": Field("str"),
                  "why": Field("list")}
REVIEW_SPEC = {"decision": Field("str", True, "write `decision: pending`, `accept` or `reject`"),
               "qid": Field("qid"), "by": Field("str"), "date": Field("date"),
               "evidence": prose()}
TOP_SPEC = {"endpoint": Field("str"), "fetched": Field("date"), "no_candidates": Field("keys"),
            "entities": Field("map")}


# --- scoring -----------------------------------------------------------------


def _plain(node: Any) -> Any:
    """An LMap/LList tree as plain dicts and lists (for rewriting)."""
    if isinstance(node, dict):
        return {k: _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


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
