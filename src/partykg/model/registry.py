"""The shared registry of entities and the scheme of theses.

One registry across all sources: ``data/registry/<kind>s.yaml``. Kinds are
described once, in :data:`KINDS`, with their file, their allowed fields and
the class each ``type`` maps to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from partykg.core.errors import Collector
from partykg.model.fields import Field, check_map
from partykg.model.yamlload import LMap, load_yaml

AGENT_KINDS = ("person", "organization", "group")

COMMON = {
    "name": Field("str", True, "give the canonical English name: `name: Vladimir Lenin`"),
    "aliases": Field("strs"),
    "description": Field("str"),
    "detect": Field("bool"),
    "wikidata": Field("map"),
    "wikidata_candidates": Field("list"),
}


@dataclass(frozen=True)
class KindSpec:
    file: str
    cls: str                      # default pkg: class
    fields: dict[str, Field]
    types: dict[str, str] = field(default_factory=dict)   # type value -> pkg: class


KINDS: dict[str, KindSpec] = {
    "person": KindSpec("persons.yaml", "Person", {
        "born": Field("date"), "died": Field("date")}),
    "organization": KindSpec("organizations.yaml", "Organization", {
        "type": Field("str", True), "founded": Field("date"), "dissolved": Field("date"),
        "part_of": Field("key"), "members": Field("list")}, {
        "party": "PoliticalParty", "faction": "Faction", "union": "TradeUnion",
        "council": "Council", "periodical": "Periodical", "publisher": "Publisher",
        "government": "Government", "international": "International",
        "group": "PoliticalGroup", "company": "Company"}),
    "group": KindSpec("groups.yaml", "Group", {
        "description": Field("str", True, "say who the collective is, as the text describes it")}),
    "event": KindSpec("events.yaml", "Event", {
        "type": Field("str", True), "start": Field("date"), "end": Field("date"),
        "place": Field("keys"), "part_of": Field("key"), "participants": Field("keys"),
        "original": Field("keys"), "resulting": Field("keys")}, {
        "revolution": "Revolution", "uprising": "Uprising", "strike": "Strike",
        "war": "War", "congress": "Congress", "split": "Split",
        "reorganization": "Reorganization", "coup": "Coup",
        "trial": "Trial", "election": "Election", "movement": "Movement",
        "crisis": "Crisis"}),
    "place": KindSpec("places.yaml", "Place", {
        "type": Field("str", True), "part_of": Field("key")}, {
        "city": "City", "country": "Country", "region": "Region"}),
    "work": KindSpec("works.yaml", "Work", {
        "type": Field("str", True), "authors": Field("keys"), "date": Field("date"),
        "part_of": Field("key")}, {
        "book": "Book", "article": "Article", "pamphlet": "Pamphlet", "speech": "Speech",
        "letter": "Letter", "decree": "Decree", "resolution": "Resolution",
        "collection": "Collection", "programme": "Programme", "document": "Document"}),
}

# Which kinds each reference field may point to.
REFERENCE_KINDS: dict[tuple[str, str], tuple[str, ...]] = {
    ("organization", "part_of"): ("organization",),
    ("event", "place"): ("place",),
    ("event", "part_of"): ("event",),
    ("event", "participants"): AGENT_KINDS,
    ("event", "original"): ("organization",),
    ("event", "resulting"): ("organization",),
    ("place", "part_of"): ("place",),
    ("work", "authors"): AGENT_KINDS,
    ("work", "part_of"): ("work",),
}

MEMBERSHIP = {
    "member": Field("key", True, "name the member: `member: leon-trotsky`"),
    "start": Field("date"), "end": Field("date"), "role": Field("str"),
}
WIKIDATA = {
    "qid": Field("qid", True),
    "verified": Field("str", True, "say where the QID was verified, e.g. the public file "
                      "that pairs it with the label; an unverified QID belongs in "
                      "wikidata_candidates"),
}
CANDIDATE = {"qid": Field("qid", True), "note": Field("str")}
THESIS = {"label": Field("str", True), "definition": Field("str", True),
          "broader": Field("key")}


@dataclass
class Entity:
    key: str
    kind: str
    cls: str
    name: str
    file: str
    line: int
    aliases: list[str] = field(default_factory=list)
    description: str | None = None
    detect: bool = True
    qid: str | None = None
    qid_evidence: str | None = None
    qid_by: str | None = None      # who accepted the link (review file only)
    qid_on: str | None = None      # when (YYYY-MM-DD; review file only)
    qid_where: tuple[str, int] | None = None  # file and line of the link's record
    candidates: list[str] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    members: list[dict[str, Any]] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return [self.name, *self.aliases]


@dataclass
class Thesis:
    key: str
    label: str
    definition: str
    broader: str | None
    file: str
    line: int


@dataclass
class Registry:
    entities: dict[str, Entity]
    theses: dict[str, Thesis]

    def of_kind(self, kind: str) -> list[Entity]:
        return [e for e in self.entities.values() if e.kind == kind]


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def load_registry(data_dir: Path, root: Path, errors: Collector) -> Registry:
    entities: dict[str, Entity] = {}
    for kind, spec in KINDS.items():
        path = data_dir / "registry" / spec.file
        if not path.exists():
            continue
        file = _rel(path, root)
        doc = load_yaml(path, file)
        if doc is None:
            continue
        if not isinstance(doc, LMap):
            errors.add(file, getattr(doc, "line", 1), "the registry file must map keys to entries",
                       "write `vladimir-lenin:` followed by indented fields")
            continue
        for key, node in doc.items():
            _load_entity(key, node, kind, spec, file, doc.line_of(key), entities, errors)
    _check_references(entities, errors)
    _check_aliases(entities, errors)
    theses = _load_theses(data_dir, root, errors)
    return Registry(entities, theses)


def _load_entity(key: str, node: Any, kind: str, spec: KindSpec, file: str, line: int,
                 entities: dict[str, Entity], errors: Collector) -> None:
    from partykg.model.fields import KEY_RE
    if not KEY_RE.match(key):
        errors.add(file, line, f"'{key}' is not a valid key",
                   "use the ASCII kebab-case of the canonical English name, e.g. rosa-luxemburg")
        return
    if key in entities:
        other = entities[key]
        errors.add(file, line, f"duplicate key '{key}' (also at {other.file}:{other.line})",
                   "keys are unique across the whole registry; rename one")
        return
    values = check_map(node, {**COMMON, **spec.fields}, file, errors, f"entry '{key}'", line)
    if values is None or "name" not in values:
        return
    cls = spec.cls
    if spec.types:
        typ = values.get("type")
        if typ is not None and typ not in spec.types:
            errors.add(file, values["_lines"].get("type", line),
                       f"unknown {kind} type '{typ}' for '{key}'",
                       f"use one of: {', '.join(spec.types)}")
        elif typ is not None:
            cls = spec.types[typ]
    ent = Entity(key=key, kind=kind, cls=cls, name=values["name"], file=file, line=line,
                 aliases=list(dict.fromkeys(values.get("aliases", []))),
                 description=values.get("description"), detect=values.get("detect", True),
                 values=values)
    if "wikidata" in values:
        wd = check_map(values["wikidata"], WIKIDATA, file, errors, f"wikidata of '{key}'")
        if wd and "qid" in wd and "verified" in wd:
            ent.qid, ent.qid_evidence = wd["qid"], wd["verified"]
            ent.qid_where = (file, values["_lines"].get("wikidata", line))
    for i, cand in enumerate(values.get("wikidata_candidates", [])):
        c = check_map(cand, CANDIDATE, file, errors, f"wikidata candidate of '{key}'",
                      values["wikidata_candidates"].line_of(i))
        if c and "qid" in c:
            ent.candidates.append(c["qid"])
    for i, m in enumerate(values.get("members", [])):
        mline = values["members"].line_of(i)
        mv = check_map(m, MEMBERSHIP, file, errors, f"membership in '{key}'", mline)
        if mv and "member" in mv:
            mv["_line"] = mline
            ent.members.append(mv)
    entities[key] = ent


def _check_references(entities: dict[str, Entity], errors: Collector) -> None:
    for ent in entities.values():
        for (kind, fname), allowed in REFERENCE_KINDS.items():
            if ent.kind != kind or fname not in ent.values:
                continue
            refs = ent.values[fname]
            for ref in refs if isinstance(refs, list) else [refs]:
                check_ref(entities, ref, allowed, ent.file, ent.values["_lines"].get(fname, ent.line),
                          f"'{fname}' of '{ent.key}'", errors)
        for m in ent.members:
            check_ref(entities, m["member"], AGENT_KINDS, ent.file, m["_line"],
                      f"member of '{ent.key}'", errors)


def check_ref(entities: dict[str, Entity], ref: str, allowed: tuple[str, ...], file: str,
              line: int, what: str, errors: Collector) -> bool:
    """Report a reference to an unknown entity, or to one of the wrong kind."""
    import difflib
    ent = entities.get(ref)
    if ent is None:
        close = difflib.get_close_matches(ref, list(entities), n=1, cutoff=0.7)
        hint = f"did you mean '{close[0]}'? " if close else ""
        hint += f"or add '{ref}' to data/registry/{KINDS[allowed[0]].file}"
        errors.add(file, line, f"{what}: unknown entity '{ref}'", hint)
        return False
    if ent.kind not in allowed:
        errors.add(file, line,
                   f"{what}: '{ref}' is a {ent.kind}, but here only "
                   f"{' or '.join(allowed)} can stand",
                   f"use the key of a {' or '.join(allowed)}")
        return False
    return True


def _check_aliases(entities: dict[str, Entity], errors: Collector) -> None:
    owner: dict[str, Entity] = {}
    for ent in entities.values():
        if ent.qid and ent.qid in owner:
            other = owner[ent.qid]
            errors.add(ent.file, ent.line,
                       f"{ent.qid} is the Wikidata item of both '{other.key}' "
                       f"({other.file}:{other.line}) and '{ent.key}'",
                       "one item is one entity: merge the two entries and use one key")
        elif ent.qid:
            owner[ent.qid] = ent
    seen: dict[str, Entity] = {}
    for ent in entities.values():
        if not ent.detect:
            continue
        for name in ent.names:
            other = seen.get(name)
            if other is not None and other.key != ent.key:
                errors.add(ent.file, ent.line,
                           f"'{name}' names both '{other.key}' ({other.file}:{other.line}) "
                           f"and '{ent.key}'",
                           "an alias must identify one entity; remove it from one of them "
                           "and annotate those occurrences as explicit mentions")
            seen.setdefault(name, ent)


def _load_theses(data_dir: Path, root: Path, errors: Collector) -> dict[str, Thesis]:
    path = data_dir / "theses.yaml"
    if not path.exists():
        return {}
    file = _rel(path, root)
    doc = load_yaml(path, file) or LMap()
    theses: dict[str, Thesis] = {}
    for key, node in doc.items():
        line = doc.line_of(key)
        v = check_map(node, THESIS, file, errors, f"thesis '{key}'", line)
        if v and "label" in v and "definition" in v:
            theses[key] = Thesis(key, v["label"], v["definition"], v.get("broader"), file, line)
    for t in theses.values():
        if t.broader and t.broader not in theses:
            errors.add(t.file, t.line, f"thesis '{t.key}': unknown broader thesis '{t.broader}'",
                       f"use one of: {', '.join(sorted(theses))}, or remove `broader:`")
    return theses


