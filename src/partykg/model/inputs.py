"""Every input of the build read and checked at once: the registry (with the
accepted Wikidata links of the review file) and the annotated sources."""

from __future__ import annotations

from partykg.core.errors import Collector, InputError, Problem
from partykg.core.paths import Project
from partykg.model.anchor import AnchorError, anchor
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
    anchor_bases(registry, sources, errors)
    check_disputes(registry, sources, errors)
    errors.raise_if_any()
    if not sources:
        raise InputError(Problem(str(proj.data / "annotations"), 0,
                                 "no annotation files found",
                                 "add data/annotations/<source-id>.yaml (see data/README.md)"))
    return registry, sources


def anchor_bases(registry: Registry, sources: list[Source], errors: Collector) -> None:
    """Anchor every text basis of a registry fact in its source, as claims are."""
    by_id = {s.id: s for s in sources}
    for ent in registry.entities.values():
        bases = [b for bs in ent.basis.values() for b in bs] + [
            b for m in ent.members for b in m["_basis"]]
        for b in bases:
            if b.kind != "text":
                continue
            src = by_id.get(b.source)
            if src is None:
                # A source that is not in this build (a partial copy of the project):
                # the basis is kept, unanchored. In the full corpus every text basis
                # anchors (tests/test_provenance.py checks it, so a misspelt id fails).
                continue
            if src.changed is not None:
                # The text changed since it was annotated: the build stops on the fixity
                # report of its annotation file; the bases are anchored again once the
                # new SHA-256 is recorded (and any that no longer anchor reported then).
                continue
            try:
                b.span = anchor(src.text, b.quote, b.prefix, b.suffix)
                b.text = src.text
            except AnchorError as exc:
                errors.add(b.file, b.line, f"basis of '{ent.key}': {exc.message} "
                           f"({src.text_path})", exc.hint)


def check_disputes(registry: Registry, sources: list[Source], errors: Collector) -> None:
    """A dispute names a claim of a source in the build (sources absent from a partial
    copy of the project are not checked)."""
    loaded = {s.id for s in sources}
    claims = {s.global_id(c.id) for s in sources for c in s.claims}
    for ent in registry.entities.values():
        for d in ent.disputed:
            sid = d["claim"].rsplit("-c", 1)[0]
            if sid in loaded and d["claim"] not in claims:
                errors.add(ent.file, d["_line"], f"dispute of '{ent.key}': unknown claim "
                           f"'{d['claim']}'", "give <source-id>-cNN of the claim that asserts "
                           "what the text says (add the claim first if there is none)")
