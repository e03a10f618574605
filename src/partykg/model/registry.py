"""The shared registry of entities and the scheme of theses.

One registry across all sources: ``data/registry/<kind>s.yaml``. Kinds are
described once, in :data:`KINDS`, with their file, their allowed fields and
the class each ``type`` maps to. The theses (``data/theses.yaml``) are checked
the same way, from :data:`THESIS` and :data:`THESIS_REFERENCES`.

Besides the form of each entry, the loader checks what the graph would
otherwise publish wrongly: references, `part_of`/`broader` cycles, dates in
the wrong order, and names that would find mentions everywhere. A file that
does not load is a root cause: the references it leaves unresolved are
summarised after it (``Collector.consequence``), not reported one by one.
"""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from partykg.core.errors import ROOT_CAUSE, Collector, InputError
from partykg.model.fields import KEY_RE, Field, check_map, date_before, name, prose
from partykg.model.yamlload import LList, LMap, load_yaml

AGENT_KINDS = ("person", "organization", "group")

COMMON = {
    "name": name(True, "give the canonical English name: `name: Vladimir Lenin`"),
    "aliases": Field("strs", text="name"),
    "description": prose(),
    "detect": Field("bool"),
    "wikidata": Field("map"),
    "wikidata_candidates": Field("list"),
    "basis": Field("map", help="say where each fact comes from: `basis: {born: {source: "
                   "mandel-1970, quote: '...'}}` (data/README.md, Provenance)"),
    "disputed": Field("list", help="list the claims of the texts that contradict a fact of "
                      "this entry: `- {fact: date, claim: ratcliffe-2012-c099, note: ...}`"),
}
DISPUTE = {"fact": Field("str", True, "name the fact the text contradicts, e.g. `fact: date`"),
           "claim": Field("str", True, "give the claim that asserts what the text says: "
                          "<source-id>-cNN"),
           "note": Field("str", True, "say what the text asserts and what the record holds, "
                         "and on what basis")}

# Fields that are labels or links with their own evidence; every other field an
# entity has is a fact and needs a basis (data/README.md, "Provenance").
NOT_FACTS = {"name", "aliases", "detect", "wikidata", "wikidata_candidates", "basis", "members",
             "disputed"}
BASIS = {"source": Field("key"), "quote": Field("str"), "prefix": Field("str"),
         "suffix": Field("str"), "work": Field("key"), "locator": Field("map"),
         "wikidata": Field("qid"), "editorial": Field("str")}
BASIS_KINDS = {"source": "text", "work": "reference", "wikidata": "wikidata",
               "editorial": "editorial"}


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
        "group": "PoliticalGroup", "company": "Company", "tradition": "PoliticalTradition",
        "intergovernmental": "IntergovernmentalOrganization", "coalition": "Coalition"}),
    "group": KindSpec("groups.yaml", "Group", {
        "description": prose(True, "say who the collective is, as the text describes it")}),
    "event": KindSpec("events.yaml", "Event", {
        "type": Field("str", True), "start": Field("date"), "end": Field("date"),
        "place": Field("keys"), "part_of": Field("key"), "participants": Field("keys"),
        "original": Field("keys"), "resulting": Field("keys")}, {
        "revolution": "Revolution", "uprising": "Uprising", "strike": "Strike",
        "war": "War", "congress": "Congress", "split": "Split",
        "reorganization": "Reorganization", "coup": "Coup",
        "trial": "Trial", "election": "Election", "movement": "Movement",
        "crisis": "Crisis", "policy": "Policy", "repression": "Repression",
        "meeting": "Meeting", "episode": "Episode"}),
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

# Pairs of date fields that cannot be in the other order: (first, then). Events and
# memberships that end before they begin are reported by `partykg validate`
# (queries/90-event-ends-before-it-begins-violation.rq), where the synthetic
# benchmark injects them as faults that build but do not conform.
DATE_ORDER = {"person": ("born", "died"), "organization": ("founded", "dissolved")}

MEMBERSHIP = {
    "member": Field("key", True, "name the member: `member: leon-trotsky`"),
    "start": Field("date"), "end": Field("date"), "role": Field("str"),
    "basis": Field("bases", help="say where the membership comes from (data/README.md)"),
}
WIKIDATA = {
    "qid": Field("qid", True),
    "verified": prose(True, "say where the QID was verified, e.g. the public file "
                      "that pairs it with the label; an unverified QID belongs in "
                      "wikidata_candidates"),
    "match": Field("str", help="`exact` (the same entity: owl:sameAs) or `close` (a "
                   "historical state, period or near match: skos:closeMatch)"),
    "reason": Field("str", help="say why the item is only a close match"),
}
MATCHES = ("exact", "close")
CANDIDATE = {"qid": Field("qid", True), "note": prose()}

# The theses: a new field is one line here (and one in THESIS_REFERENCES when it
# names other theses); the loader checks keys, shape, fields and references.
THESES_FILE = "theses.yaml"
THESIS = {"label": Field("str", True, "give a one-line statement of the thesis"),
          "definition": prose(True, "say in a sentence or two what the thesis holds"),
          "broader": Field("key"), "question": Field("bool"),
          "formulated_in": Field("key"), "classic": prose(),
          "deprecated": Field("bool"), "replaced_by": Field("keys"),
          "note": prose()}
THESIS_REFERENCES = {"broader": "broader thesis", "replaced_by": "replacement"}
# Keys a thesis may not have: the IRI <base>id/thesis/scheme is the concept scheme.
RESERVED_THESIS_KEYS = {"scheme"}


@dataclass
class Basis:
    """Where one registry fact comes from: a passage of a source (``text``), a
    work with a locator (``reference``), the entity's verified Wikidata item
    (``wikidata``), or the annotators' reasoned decision (``editorial``)."""
    kind: str
    file: str
    line: int
    source: str | None = None
    quote: str | None = None
    prefix: str = ""
    suffix: str = ""
    work: str | None = None
    locator: dict[str, str] = field(default_factory=dict)
    qid: str | None = None
    note: str | None = None
    span: Any = None          # the quote anchored in the source text (model.inputs)
    text: str | None = None   # that source text


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
    basis: dict[str, list[Basis]] = field(default_factory=dict)  # fact -> its bases
    disputed: list[dict[str, Any]] = field(default_factory=list)  # texts contradicting a fact
    match: str = "exact"           # exact (owl:sameAs) or close (skos:closeMatch)
    match_reason: str | None = None

    @property
    def facts(self) -> list[str]:
        """The fields of this entity that state facts (and need a basis)."""
        return [k for k in self.values if not k.startswith("_") and k not in NOT_FACTS]

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
    values: dict[str, Any] = field(default_factory=dict)

    question: bool = False          # a question of the debate (a top concept), not a proposition
    formulated_in: str | None = None  # the registry work that classically formulated it
    classic: str | None = None      # the classic formulation, when its work is not in the registry
    deprecated: bool = False
    replaced_by: list[str] = field(default_factory=list)
    note: str | None = None


class Entities(dict):
    """The registry's entities by key, and what did not load: whole files (by
    kind) and single entries (by key), so that the references they leave
    unresolved are consequences, not errors of their own."""

    def __init__(self) -> None:
        super().__init__()
        self.broken_kinds: dict[str, str] = {}   # kind -> the file that did not load
        self.broken_keys: dict[str, str] = {}    # key -> "the entry 'k' (file:line)"

    def cause(self, ref: str, allowed: tuple[str, ...]) -> str | None:
        """Why ``ref`` may be unknown through no fault of the reference."""
        if ref in self.broken_keys:
            return self.broken_keys[ref]
        files = sorted({f for k, f in self.broken_kinds.items() if k in allowed})
        return " and ".join(files) if files else None


class Theses(dict):
    """The theses by key, and whether data/theses.yaml (or an entry) did not load."""

    def __init__(self) -> None:
        super().__init__()
        self.broken_file: str | None = None
        self.broken_keys: dict[str, str] = {}

    def cause(self, ref: str) -> str | None:
        return self.broken_keys.get(ref) or self.broken_file


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


def load_document(path: Path, file: str, errors: Collector) -> tuple[Any, bool]:
    """A YAML file's document, and whether it loaded; what is wrong with a file that
    does not load is a root cause (reported first)."""
    try:
        return load_yaml(path, file), True
    except InputError as exc:
        for p in exc.problems:
            errors.add(p.file, p.line, p.message, p.hint, ROOT_CAUSE)
        return None, False


def load_registry(data_dir: Path, root: Path, errors: Collector) -> Registry:
    entities = Entities()
    for kind, spec in KINDS.items():
        path = data_dir / "registry" / spec.file
        if not path.exists() and not path.is_symlink():
            continue
        file = _rel(path, root)
        doc, ok = load_document(path, file, errors)
        if not ok:
            entities.broken_kinds[kind] = file
            continue
        if doc is None:
            continue
        if not isinstance(doc, LMap):
            errors.add(file, getattr(doc, "line", 1), "the registry file must map keys to entries",
                       "write `vladimir-lenin:` followed by indented fields", ROOT_CAUSE)
            entities.broken_kinds[kind] = file
            continue
        for key, node in doc.items():
            _load_entity(key, node, kind, spec, file, doc.line_of(key), entities, errors)
    _check_references(entities, errors)
    _check_cycles({e.key: (e.values["part_of"], e.file,
                           e.values["_lines"].get("part_of", e.line))
                   for e in entities.values() if e.values.get("part_of")}, "part_of",
                  "an entity cannot be part of itself, directly or through others: "
                  "remove one `part_of`", errors)
    _check_dates(entities, errors)
    _check_aliases(entities, errors)
    _check_bases(entities, errors)
    theses = _load_theses(data_dir, root, entities, errors)
    _check_theses(theses, entities, errors)
    return Registry(entities, theses)


def _load_entity(key: str, node: Any, kind: str, spec: KindSpec, file: str, line: int,
                 entities: Entities, errors: Collector) -> None:
    if not KEY_RE.match(key):
        errors.add(file, line, f"'{_clip(key)}' is not a valid key",
                   "use the ASCII kebab-case of the canonical English name, e.g. rosa-luxemburg")
        return
    if key in entities:
        other = entities[key]
        errors.add(file, line, f"duplicate key '{key}' (also at {other.file}:{other.line})",
                   "keys are unique across the whole registry; rename one")
        return
    values = check_map(node, {**COMMON, **spec.fields}, file, errors, f"entry '{key}'", line)
    if values is None or "name" not in values:
        entities.broken_keys[key] = f"the entry '{key}' ({file}:{line})"
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
            ent.match = wd.get("match", "exact")
            ent.match_reason = wd.get("reason")
            if ent.match not in MATCHES:
                errors.add(file, wd["_lines"]["match"], f"unknown match '{ent.match}' for '{key}'",
                           "write `match: exact` (the same entity) or `match: close`")
            elif ent.match == "close" and not ent.match_reason:
                errors.add(file, wd["_line"], f"the close match of '{key}' gives no reason",
                           "add `reason:` saying how the item differs from the entity "
                           "(e.g. the modern state, not the Russia of 1917)")
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
            mv["_basis"] = (_bases(mv["basis"], file, mv["_lines"]["basis"], f"membership {i + 1} "
                                   f"of '{key}'", errors) if "basis" in mv else [])
            ent.members.append(mv)
    for i, d in enumerate(values.get("disputed", [])):
        dv = check_map(d, DISPUTE, file, errors, f"dispute of '{key}'",
                       values["disputed"].line_of(i))
        if dv and "fact" in dv and "claim" in dv:
            if dv["fact"] not in ent.facts:
                errors.add(file, dv["_line"], f"dispute of '{key}': '{dv['fact']}' is not a fact "
                           "of this entry", f"name one of: {', '.join(ent.facts) or '(none)'}")
                continue
            ent.disputed.append(dv)
    if "basis" in values:
        for fact, node in values["basis"].items():
            fline = values["basis"].line_of(fact)
            if fact not in ent.facts:
                errors.add(file, fline, f"basis of '{key}': '{fact}' is not a fact of this entry",
                           f"give the basis of one of its facts: {', '.join(ent.facts) or '(none)'}")
                continue
            ent.basis[fact] = _bases(node, file, fline, f"basis of '{key}' for {fact}", errors)
    entities[key] = ent


def _bases(node: Any, file: str, line: int, what: str, errors: Collector) -> list[Basis]:
    """One basis (a mapping) or several (a list of mappings), checked."""
    items = list(node) if isinstance(node, list) else [node]
    out = []
    for i, item in enumerate(items):
        iline = node.line_of(i) if isinstance(node, list) else line
        v = check_map(item, BASIS, file, errors, what, iline)
        if v is None:
            continue
        kinds = [k for k in BASIS_KINDS if k in v]
        if len(kinds) != 1:
            errors.add(file, v["_line"], f"{what}: give exactly one of source, work, wikidata, "
                       f"editorial (found {', '.join(kinds) or 'none'})",
                       "a passage: {source: ID, quote: '...'}; a reference: {work: KEY, "
                       "locator: {page: '12'}}; {wikidata: Q…}; or {editorial: 'why'}")
            continue
        kind = BASIS_KINDS[kinds[0]]
        if kind == "text" and "quote" not in v:
            errors.add(file, v["_line"], f"{what}: a text basis needs the passage",
                       "add `quote:` with the exact words of the source that state the fact")
            continue
        loc = {}
        if "locator" in v:
            lv = check_map(v["locator"], {"volume": Field("str"), "page": Field("str"),
                                          "pages": Field("str"), "chapter": Field("str")},
                           file, errors, f"locator of {what}", v["_lines"]["locator"])
            loc = {k: x for k, x in (lv or {}).items() if not k.startswith("_")}
        out.append(Basis(kind, file, v["_line"], source=v.get("source"), quote=v.get("quote"),
                         prefix=v.get("prefix", ""), suffix=v.get("suffix", ""),
                         work=v.get("work"), locator=loc, qid=v.get("wikidata"),
                         note=v.get("editorial")))
    return out


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
    """Report a reference to an unknown entity, or to one of the wrong kind. When
    the entity may be in a file or entry that did not load, the reference is a
    consequence of that (summarised), not an error of its own."""
    ent = entities.get(ref)
    if ent is None:
        cause = entities.cause(ref, allowed) if isinstance(entities, Entities) else None
        if cause is not None:
            errors.consequence(cause, file, line, "reference")
            return False
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


def _check_bases(entities: dict[str, Entity], errors: Collector) -> None:
    """Every fact has a basis; reference bases name registry works; Wikidata bases the
    entity's own verified item. (Text bases are anchored in their source once the
    sources are loaded: model.inputs.)"""
    for ent in entities.values():
        lacking = [f for f in ent.facts if f not in ent.basis]
        if lacking:
            errors.add(ent.file, ent.line, f"'{ent.key}': no basis for {', '.join(lacking)}",
                       "say where each fact comes from under `basis:` (a passage: {source: ID, "
                       "quote: '...'}; a work: {work: KEY, locator: {page: '12'}}; the verified "
                       "item: {wikidata: Q…}; or {editorial: 'why'}); data/README.md, Provenance")
        for i, m in enumerate(ent.members, 1):
            if not m["_basis"]:
                errors.add(ent.file, m["_line"], f"membership {i} of '{ent.key}' has no basis",
                           "add `basis:` to the membership (data/README.md, Provenance)")
        bases = [b for bs in ent.basis.values() for b in bs] + [
            b for m in ent.members for b in m["_basis"]]
        for b in bases:
            if b.kind == "reference":
                check_ref(entities, b.work, ("work",), b.file, b.line, f"basis of '{ent.key}'",
                          errors)
            elif b.kind == "wikidata" and b.qid != ent.qid:
                errors.add(b.file, b.line, f"basis of '{ent.key}': {b.qid} is not its verified "
                           f"Wikidata item ({ent.qid or 'none'})",
                           "a Wikidata basis can only be the entity's own verified item; use a "
                           "text or editorial basis otherwise")
def _check_cycles(edges: dict[str, tuple[Any, str, int]], fname: str, hint: str,
                  errors: Collector) -> None:
    """Report each cycle of ``fname`` links once, at the line of its smallest key.
    ``edges``: key -> (the key or keys it points to, file, line)."""
    targets = {k: [t] if isinstance(t, str) else list(t) for k, (t, _, _) in edges.items()}
    state: dict[str, int] = {}   # 1 on the current path, 2 done
    reported: set[frozenset] = set()
    for start in sorted(targets):
        if state.get(start):
            continue
        path: list[str] = []
        stack = [(start, iter(targets.get(start, [])))]
        state[start] = 1
        path.append(start)
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                stack.pop()
                path.pop()
                state[node] = 2
                continue
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt):]
                if frozenset(cycle) not in reported:
                    reported.add(frozenset(cycle))
                    first = min(cycle)
                    i = cycle.index(first)
                    ring = cycle[i:] + cycle[:i] + [first]
                    _, file, line = edges[first]
                    errors.add(file, line, f"`{fname}` makes a cycle: {' → '.join(ring)}", hint)
            elif not state.get(nxt) and nxt in targets:
                state[nxt] = 1
                path.append(nxt)
                stack.append((nxt, iter(targets[nxt])))


def _check_dates(entities: dict[str, Entity], errors: Collector) -> None:
    """Death before birth, dissolution before foundation: at the coarser of the two
    precisions, so "1917" and "1917-05" are in order."""
    for ent in entities.values():
        if ent.kind not in DATE_ORDER:
            continue
        first, then = DATE_ORDER[ent.kind]
        a, b = ent.values.get(first), ent.values.get(then)
        if a and b and date_before(b, a):
            errors.add(ent.file, ent.values["_lines"].get(then, ent.line),
                       f"'{then}' {b} of '{ent.key}' is before its '{first}' {a}",
                       f"check both dates: '{then}' cannot come before '{first}'")


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
        for i, name in enumerate(ent.names):
            line = ent.values["_lines"].get("aliases" if i else "name", ent.line)
            if len(name.strip()) < 2 or not any(ch.isalpha() for ch in name):
                what = "name" if i == 0 else "alias"
                errors.add(ent.file, line,
                           f"the {what} '{name}' of '{ent.key}' is too short to find in the texts"
                           if len(name.strip()) < 2 else
                           f"the {what} '{name}' of '{ent.key}' has no letter",
                           "names and aliases are found in every text wherever they stand as "
                           "a word: one letter or a number would add thousands of false "
                           "mentions. Remove it (annotate such places as explicit `mentions:`),"
                           " or set `detect: false`")
                continue
            # Two spellings that differ only in Unicode normalisation look the same.
            norm = unicodedata.normalize("NFC", name)
            other = seen.get(norm)
            if other is not None and other.key != ent.key:
                errors.add(ent.file, ent.line,
                           f"'{name}' names both '{other.key}' ({other.file}:{other.line}) "
                           f"and '{ent.key}'",
                           "an alias must identify one entity; remove it from one of them "
                           "and annotate those occurrences as explicit mentions")
            seen.setdefault(norm, ent)


def _load_theses(data_dir: Path, root: Path, entities: Entities,
                 errors: Collector) -> Theses:
    """data/theses.yaml, checked like the registry: a mapping of keys (ASCII
    kebab-case, since each becomes an IRI) to entries of :data:`THESIS`, with
    the references of :data:`THESIS_REFERENCES` resolved and free of cycles."""
    path = data_dir / THESES_FILE
    file = _rel(path, root)
    theses = Theses()
    if not path.exists() and not path.is_symlink():
        errors.add(file, 0, "the theses file is missing",
                   f"restore it (`git checkout {file}`), or create it: one key per thesis "
                   "with `label:` and `definition:` (data/README.md)", ROOT_CAUSE)
        theses.broken_file = file
        return theses
    doc, ok = load_document(path, file, errors)
    if not ok:
        theses.broken_file = file
        return theses
    if doc is None:
        return theses
    if not isinstance(doc, LMap):
        errors.add(file, getattr(doc, "line", 1),
                   f"the theses file must map thesis keys to entries, not be a "
                   f"{'list' if isinstance(doc, LList) else 'single value'}",
                   "write `vanguard-party-needed:` followed by indented `label:` and "
                   "`definition:` (data/README.md)", ROOT_CAUSE)
        theses.broken_file = file
        return theses
    for key, node in doc.items():
        line = doc.line_of(key)
        if not KEY_RE.match(key):
            errors.add(file, line, f"'{_clip(key)}' is not a valid thesis key",
                       "use ASCII kebab-case (lower-case letters, digits and single hyphens), "
                       "e.g. vanguard-party-needed: the key becomes the thesis's IRI")
            continue
        if key in RESERVED_THESIS_KEYS:
            errors.add(file, line, f"'{key}' cannot be a thesis key: <…/id/thesis/{key}> is "
                       "the IRI of the scheme of theses", "choose another key")
            continue
        if key in entities:
            other = entities[key]
            errors.add(file, line, f"'{key}' is both a thesis and a registry entity "
                       f"({other.file}:{other.line})",
                       "keys are unique across theses and registry (`about:` takes both); "
                       "rename one")
            continue
        v = check_map(node, THESIS, file, errors, f"thesis '{key}'", line)
        if v is None or not all(k in v for k, f in THESIS.items() if f.required):
            theses.broken_keys[key] = f"the thesis '{key}' ({file}:{line})"
            continue
        theses[key] = Thesis(key, v["label"], v["definition"], v.get("broader"), file, line, v,
                             question=v.get("question", False),
                             formulated_in=v.get("formulated_in"), classic=v.get("classic"),
                             deprecated=v.get("deprecated", False),
                             replaced_by=v.get("replaced_by", []), note=v.get("note"))
    for t in theses.values():
        for fname, what in THESIS_REFERENCES.items():
            refs = t.values.get(fname)
            for ref in [refs] if isinstance(refs, str) else refs or []:
                fline = t.values["_lines"].get(fname, t.line)
                check_thesis_ref(theses, ref, file, fline, f"thesis '{t.key}': {what}", errors,
                                 f"or remove `{fname}:`")
    edges = {}
    for t in theses.values():
        for f in THESIS_REFERENCES:
            if t.values.get(f):
                refs = t.values[f]
                targets = [refs] if isinstance(refs, str) else list(refs)
                before = edges.get(t.key, ([], t.file, t.values["_lines"].get(f, t.line)))
                edges[t.key] = (before[0] + targets, before[1], before[2])
    _check_cycles(edges, "broader", "a thesis cannot be broader than itself, directly or through "
                  "others: remove one `broader`", errors)
    return theses




def _check_theses(theses: dict[str, Thesis], entities: dict[str, Entity],
                  errors: Collector) -> None:
    """The scheme's shape: questions at the top, propositions under a question,
    deprecated theses replaced by live ones, classic works in the registry."""
    for t in theses.values():
        if t.question and t.broader:
            errors.add(t.file, t.line, f"question '{t.key}' has a broader concept",
                       "questions are the top of the scheme: remove `broader:`")
        if not t.question and not t.deprecated and not t.broader:
            errors.add(t.file, t.line, f"proposition '{t.key}' is under no question",
                       "add `broader:` with the key of the question it answers")
        if t.broader in theses and not theses[t.broader].question:
            errors.add(t.file, t.line, f"'{t.key}': broader '{t.broader}' is not a question",
                       "put propositions directly under a question (`question: true`)")
        if t.deprecated and not t.replaced_by:
            errors.add(t.file, t.line, f"deprecated thesis '{t.key}' names no replacement",
                       "add `replaced_by: [key, ...]` (the theses that take its place)")
        for r in t.replaced_by:
            if r not in theses or theses[r].deprecated or theses[r].question:
                errors.add(t.file, t.line, f"'{t.key}' is replaced by '{r}', which is not a "
                           "live proposition", "name propositions of the current scheme")
        if t.formulated_in:
            check_ref(entities, t.formulated_in, ("work",), t.file, t.line,
                      f"formulated_in of thesis '{t.key}'", errors)
def check_thesis_ref(theses: dict[str, Thesis], ref: str, file: str, line: int, what: str,
                     errors: Collector, alternative: str = "") -> bool:
    """Report a reference to an unknown thesis (a consequence when data/theses.yaml
    or the thesis's entry did not load)."""
    if ref in theses:
        return True
    cause = theses.cause(ref) if isinstance(theses, Theses) else None
    if cause is not None:
        errors.consequence(cause, file, line, "thesis reference")
        return False
    close = difflib.get_close_matches(ref, list(theses), n=1, cutoff=0.7)
    if theses:
        hint = (f"did you mean '{close[0]}'? " if close else "") + \
            f"use one of: {', '.join(sorted(theses))}" + (f", {alternative}" if alternative else "")
    else:
        hint = f"data/{THESES_FILE} defines no thesis: add '{ref}' there"
    errors.add(file, line, f"{what}: unknown thesis '{ref}'", hint)
    return False


def _clip(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[:n - 1] + "…"
