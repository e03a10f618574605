"""`partykg reason`: HermiT (through owlready2) checks ontology + data.

The ontology and the data are written as one N-Triples file and loaded into
a fresh owlready2 world; HermiT then classifies it. A canary (an untyped
claim whose untyped claimant must be inferred to be a ``pkg:Agent`` from the
range of ``pkg:claimant``) proves that the reasoner really ran: a failed run
can otherwise return quietly.

Reasoning does not grow with the whole A-box: above ``max_individuals``
(default 10,000) HermiT gets the ontology and a representative sample, the
same share of the individuals of every class (chosen by a hash of the IRI,
so the sample is deterministic), with every triple about them and the types
of what they point to, so that domains, ranges and disjointness are checked
on real neighbourhoods. The individuals named by ``extra`` triples are always
in the sample. Up to that size every individual is checked.
"""

from __future__ import annotations

import hashlib
import math
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import NamedNode, RdfFormat, Triple, serialize

from partykg.core.errors import InputError, Problem
from partykg.core.namespaces import PKG, graph_iri
from partykg.core.paths import Project
from partykg.sparql.store import load_store

CANARY = "https://w3id.org/partykg/reasoner-canary/"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
MAX_INDIVIDUALS = 10_000


@dataclass
class ReasonResult:
    consistent: bool
    unsatisfiable: list[str] = field(default_factory=list)
    canary_inferred: bool = False
    triples: int = 0
    individuals: int = 0
    message: str = ""
    checked: int = 0          # individuals given to HermiT (all, or a sample)

    @property
    def ok(self) -> bool:
        return self.consistent and not self.unsatisfiable and self.canary_inferred

    def summary(self) -> str:
        if not self.consistent:
            return f"INCONSISTENT: {self.message}"
        sample = ("" if self.checked >= self.individuals else
                  f" (a sample of {self.checked} of {self.individuals} individuals, "
                  "every class in proportion)")
        lines = [f"HermiT: {'consistent' if self.consistent else 'inconsistent'}; "
                 f"{self.triples} triples, {self.individuals} individuals{sample}"]
        if self.unsatisfiable:
            lines.append("unsatisfiable classes: " + ", ".join(self.unsatisfiable))
        else:
            lines.append("no unsatisfiable classes")
        lines.append("canary inference " + ("present" if self.canary_inferred else
                                             "MISSING: the reasoner did not run properly"))
        return "\n".join(lines)


def canary_triples() -> list[Triple]:
    claim, agent = NamedNode(CANARY + "claim"), NamedNode(CANARY + "agent")
    return [Triple(claim, NamedNode(PKG + "claimant"), agent)]


def _rank(iri: str) -> str:
    return hashlib.sha1(iri.encode()).hexdigest()


def reasoning_input(proj: Project, target: Path, extra: Iterable[Triple] = (),
                    max_individuals: int = MAX_INDIVIDUALS) -> tuple[int, int, int]:
    """Write ontology + data (or a sample of it) + canary + ``extra`` as N-Triples;
    return (triples written, individuals in the data, individuals written)."""
    store = load_store(proj)
    onto = graph_iri(proj.base, "ontology")
    extra = list(extra)
    about: dict = defaultdict(list)          # subject -> its triples (outside the ontology)
    types: dict = defaultdict(set)           # subject -> its classes
    triples: set = set()
    for q in store:
        t = Triple(q.subject, q.predicate, q.object)
        if q.graph_name.value == onto:
            triples.add(t)
            continue
        about[q.subject].append(t)
        if q.predicate == RDF_TYPE:
            types[q.subject].add(q.object.value)
    total = len(about)
    if total <= max_individuals:
        chosen = set(about)
    else:
        by_class: dict = defaultdict(list)
        for subject in about:
            key = min(types[subject]) if types[subject] else ""
            by_class[key].append(subject)
        share = max_individuals / total
        chosen = set()
        for members in by_class.values():
            members.sort(key=lambda n: _rank(str(n)))
            chosen.update(members[:max(1, math.ceil(len(members) * share))])
        chosen.update(t.subject for t in extra)
    for subject in chosen:
        triples.update(about.get(subject, ()))
        for t in about.get(subject, ()):
            if t.object in about and t.object not in chosen:
                triples.update(Triple(t.object, RDF_TYPE, NamedNode(c))
                               for c in types[t.object])
    triples.update(canary_triples())
    triples.update(extra)
    ordered = sorted(triples, key=str)
    serialize(ordered, str(target), format=RdfFormat.N_TRIPLES)
    return len(ordered), total, len(chosen)


def check_consistency(proj: Project, extra: Iterable[Triple] = (),
                      max_individuals: int = MAX_INDIVIDUALS) -> ReasonResult:
    """HermiT on ontology + build, or a sample of it (+ ``extra`` triples, e.g. a
    test's probe)."""
    import owlready2
    from owlready2 import OwlReadyInconsistentOntologyError, World, sync_reasoner_hermit

    with tempfile.TemporaryDirectory(prefix="partykg-reason-") as tmp:
        nt = Path(tmp) / "all.nt"
        count, individuals, checked = reasoning_input(proj, nt, extra, max_individuals)
        world = World()
        onto = world.get_ontology(nt.as_uri()).load()
        try:
            with onto:
                sync_reasoner_hermit(world, infer_property_values=False,
                                     ignore_unsupported_datatypes=True, debug=0)
        except OwlReadyInconsistentOntologyError as exc:
            return ReasonResult(False, triples=count, individuals=individuals, checked=checked,
                                message=str(exc) or "HermiT found the ontology and data inconsistent")
        except (owlready2.base.OwlReadyJavaError, OSError) as exc:
            raise InputError(Problem(str(proj.ontology), 0, f"HermiT could not run: {exc}",
                                     "check that `java` is installed (Debian: default-jre-headless)")) from exc
        unsat = sorted(c.iri for c in world.inconsistent_classes() if c is not owlready2.Nothing)
        agent_cls = world[PKG + "Agent"]
        canary = world[CANARY + "agent"]
        inferred = bool(canary is not None and agent_cls is not None and
                        agent_cls in canary.INDIRECT_is_a)
        world.close()
        return ReasonResult(True, unsat, inferred, count, individuals, checked=checked)
