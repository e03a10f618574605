"""The embedded pyoxigraph store, loaded from the build's N-Quads."""

from __future__ import annotations

from pyoxigraph import RdfFormat, Store

from partykg.core.errors import InputError, Problem
from partykg.core.paths import Project


def load_store(proj: Project) -> Store:
    """An in-memory store holding the whole build (one named graph per source)."""
    if not proj.nquads.exists():
        raise InputError(Problem(str(proj.nquads), 0, "there is no build",
                                 "run `partykg build` first"))
    store = Store()
    store.bulk_load(path=str(proj.nquads), format=RdfFormat.N_QUADS)
    return store
