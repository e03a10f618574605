"""Every input of the build read and checked at once: the registry (with the
accepted Wikidata links of the review file) and the annotated sources."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from partykg.core.errors import Collector, InputError, Problem
from partykg.core.paths import Project
from partykg.model import inputcache
from partykg.model.anchor import AnchorError, anchor
from partykg.model.annotations import (
    MAX_TEXT_BYTES,
    Source,
    load_source,
    load_sources,
    text_location,
)
from partykg.model.fixity import LastBuild, Previous
from partykg.model.inputcache import InputCache
from partykg.model.registry import Registry, load_registry
from partykg.model.review import apply_review
from partykg.model.yamlload import MAX_YAML_BYTES, ReadProblem, read_bounded


def load_inputs(proj: Project, cache: InputCache | None = None
                ) -> tuple[Registry, list[Source]]:
    """Read and check every input; raise InputError listing all problems.
    ``cache``: take the registry and the annotation files whose inputs did not change
    from it (model/inputcache.py); the checks across files run all the same. The
    caller saves the cache once its own work has succeeded."""
    errors = Collector()
    previous = LastBuild(proj.nquads, proj.base)
    if cache is None:
        registry = load_registry(proj.data, proj.root, errors)
        apply_review(proj, registry, errors)
        sources = load_sources(proj.data, proj.root, registry, errors, previous)
    else:
        rkey = inputcache.registry_key(proj)
        registry = cache.get(rkey)
        if registry is None:
            registry = load_registry(proj.data, proj.root, errors)
            apply_review(proj, registry, errors)
            # Pickled now (anchoring below does not reach the entry), when it loaded
            # cleanly and its files did not change while they were read.
            if not errors.problems and inputcache.registry_key(proj) == rkey:
                cache.put(rkey, registry)
        sources = load_sources(proj.data, proj.root, registry, errors, previous,
                               load=_cached_loader(proj, cache, rkey, registry, errors, previous))
    anchor_bases(registry, sources, errors)
    check_disputes(registry, sources, errors)
    errors.raise_if_any()
    if not sources:
        raise InputError(Problem(str(proj.data / "annotations"), 0,
                                 "no annotation files found",
                                 "add data/annotations/<source-id>.yaml (see data/README.md)"))
    return registry, sources


def _cached_loader(proj: Project, cache: InputCache, rkey: str, registry: Registry,
                   errors: Collector, previous: Previous) -> Callable[[Path], Source | None]:
    """load_source through the cache: a hit needs the same registry key, the same
    annotation bytes, and its text still at the same place with the same bytes."""
    def text_sha256(src: Source) -> str | None:
        """The SHA-256 of the text ``text:`` leads to now, when it is the same file
        (the name a symlink resolves to is part of the model)."""
        path, shown, wrong = text_location(proj.data, proj.root, src.meta["text"])
        if wrong is not None or shown != src.text_path:
            return None
        try:
            return inputcache.text_digest(read_bounded(path, MAX_TEXT_BYTES))
        except ReadProblem:
            return None

    def load(path: Path) -> Source | None:
        try:
            raw = read_bounded(path, MAX_YAML_BYTES)
        except ReadProblem:   # not readable as it should be: load_source reports why
            return load_source(path, proj.data, proj.root, registry, errors, previous)
        file = str(path.relative_to(proj.root)) if path.is_relative_to(proj.root) else str(path)
        key = inputcache.source_key(rkey, file, raw)
        src = cache.get(key, valid=lambda src: text_sha256(src) == src.sha256)
        if src is not None:
            return src
        before = len(errors.problems)
        src = load_source(path, proj.data, proj.root, registry, errors, previous)
        # Stored only when it loaded cleanly, with the text it was annotated on, and
        # under the key of the bytes load_source read (the file is read once more to
        # make sure no edit came between the two reads).
        if src is not None and src.changed is None and len(errors.problems) == before:
            try:
                same = read_bounded(path, MAX_YAML_BYTES) == raw
            except ReadProblem:
                same = False
            if same:
                cache.put(key, src)
        return src
    return load


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
