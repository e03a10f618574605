"""Every input of the build read and checked at once: the registry (with the
accepted Wikidata links of the review file) and the annotated sources."""

from __future__ import annotations

from partykg.core.errors import Collector, InputError, Problem
from partykg.core.paths import Project
from partykg.model.annotations import Source, load_sources
from partykg.model.fixity import LastBuild
from partykg.model.registry import Registry, load_registry
from partykg.model.review import apply_review


def load_inputs(proj: Project) -> tuple[Registry, list[Source]]:
    """Read and check every input; raise InputError listing all problems."""
    errors = Collector()
    registry = load_registry(proj.data, proj.root, errors)
    apply_review(proj, registry, errors)
    sources = load_sources(proj.data, proj.root, registry, errors,
                           LastBuild(proj.nquads, proj.base))
    errors.raise_if_any()
    if not sources:
        raise InputError(Problem(str(proj.data / "annotations"), 0,
                                 "no annotation files found",
                                 "add data/annotations/<source-id>.yaml (see data/README.md)"))
    return registry, sources
