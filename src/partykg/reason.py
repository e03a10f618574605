"""`partykg reason`: HermiT (through owlready2) checks ontology + data.

The ontology and the data are written as one N-Triples file and loaded into
a fresh owlready2 world; HermiT then classifies it. A canary (an untyped
claim whose untyped claimant must be inferred to be a ``pkg:Agent`` from the
range of ``pkg:claimant``) proves that the reasoner really ran: a failed run
can otherwise return quietly.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from pyoxigraph import NamedNode, RdfFormat, Triple, serialize

from .errors import InputError, Problem
from .namespaces import PKG, graph_iri
from .paths import Project
from .store import load_store

CANARY = "https://w3id.org/partykg/reasoner-canary/"


@dataclass
class ReasonResult:
    consistent: bool
    unsatisfiable: list[str] = field(default_factory=list)
    canary_inferred: bool = False
    triples: int = 0
    individuals: int = 0
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.consistent and not self.unsatisfiable and self.canary_inferred

    def summary(self) -> str:
        if not self.consistent:
            return f"INCONSISTENT: {self.message}"
        lines = [f"HermiT: {'consistent' if self.consistent else 'inconsistent'}; "
                 f"{self.triples} triples, {self.individuals} individuals"]
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


def reasoning_input(proj: Project, target: Path, extra: Iterable[Triple] = ()) -> tuple[int, int]:
    """Write ontology + data (+ canary, + ``extra``) as N-Triples; return
    (triples, individuals), individuals being the subjects outside the ontology."""
    store = load_store(proj)
    onto = graph_iri(proj.base, "ontology")
    triples = {Triple(q.subject, q.predicate, q.object) for q in store}
    individuals = {q.subject.value for q in store if q.graph_name.value != onto}
    triples.update(canary_triples())
    triples.update(extra)
    ordered = sorted(triples, key=str)
    serialize(ordered, str(target), format=RdfFormat.N_TRIPLES)
    return len(ordered), len(individuals)


def check_consistency(proj: Project, extra: Iterable[Triple] = ()) -> ReasonResult:
    """HermiT on ontology + build (+ ``extra`` triples, e.g. a test's probe)."""
    import owlready2
    from owlready2 import OwlReadyInconsistentOntologyError, World, sync_reasoner_hermit

    with tempfile.TemporaryDirectory(prefix="partykg-reason-") as tmp:
        nt = Path(tmp) / "all.nt"
        count, individuals = reasoning_input(proj, nt, extra)
        world = World()
        onto = world.get_ontology(nt.as_uri()).load()
        try:
            with onto:
                sync_reasoner_hermit(world, infer_property_values=False,
                                     ignore_unsupported_datatypes=True, debug=0)
        except OwlReadyInconsistentOntologyError as exc:
            return ReasonResult(False, triples=count, individuals=individuals,
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
        return ReasonResult(True, unsat, inferred, count, individuals)
