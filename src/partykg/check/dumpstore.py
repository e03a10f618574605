"""The violation queries' store, loaded from the dump before an edit and brought
up to the dump after it graph by graph.

`partykg validate` after an edit builds first; the violation queries need the
whole new dump in a store, and loading it is as long as the build. So the
queries' process loads the *previous* dump while the build runs
(:func:`preload`), then (:func:`update`) compares it with the new one block by
block (one block per named graph, :func:`partykg.check.incremental.split_blocks`)
and replaces only the graphs whose bytes differ: each is removed and its new
lines loaded.

Why the store is then the one a load of the new dump gives: a named graph's
quads are exactly the lines of its block; an unchanged block is the same bytes,
so the same quads. The one thing a separate load changes is blank nodes: a
blank node label is scoped to one parse, so lines loaded apart would not share
a node with the rest that one parse of the whole dump would. So the graphs are
replaced only when no changed graph's new block holds ``_:`` at all (the build
writes blank nodes in the ontology and registry graphs only; an edit to an
annotation changes a source graph). Removing a graph's quads cannot split a
node: the blank nodes left are those of unchanged blocks, all from one parse,
as in a parse of the new dump. Otherwise, when either dump is not cut into
whole blocks, or when most of the dump changed, the new dump is loaded whole.
tests/test_incremental_validation.py makes random edits to a dump and checks
that the updated store holds the quads of a fresh load and gives the same rows.
"""

from __future__ import annotations

from pathlib import Path

from pyoxigraph import NamedNode, RdfFormat, Store

from partykg.check.incremental import split_blocks


class Loaded:
    """A store and the dump's bytes it was loaded from."""

    def __init__(self, data: bytes):
        self.data = data
        self.store = Store()
        self.store.bulk_load(data, format=RdfFormat.N_QUADS)


def preload(path: Path | str) -> Loaded | None:
    """The store of the dump at ``path`` (None when there is none yet)."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        return None
    return Loaded(data)


def update(loaded: Loaded | None, data: bytes, whole_share: float = 0.5,
           stats: dict | None = None) -> Store:
    """A store holding the quads of the dump ``data``: ``loaded``'s store with the
    graphs that differ replaced, or a fresh load (see the module's docstring)."""
    how = _changes(loaded, data, whole_share)
    if stats is not None:
        stats["graphs_replaced"] = None if how is None else len(how)
    if how is None:
        return Loaded(data).store
    store = loaded.store
    for graph, block in how:
        store.remove_graph(NamedNode(graph[1:-1]))
        if block:
            store.load(block, format=RdfFormat.N_QUADS)
    return store


def _changes(loaded: Loaded | None, data: bytes,
             whole_share: float) -> list[tuple[str, bytes]] | None:
    """The graphs to replace in ``loaded`` and their new lines (empty: the graph is
    gone), or None when the new dump must be loaded whole."""
    if loaded is None:
        return None
    if loaded.data == data:   # no build was needed
        return []
    old_blocks = split_blocks(loaded.data, digests=False)
    new_blocks = split_blocks(data, digests=False)
    if old_blocks is None or new_blocks is None:
        return None
    old = {b.graph: b for b in old_blocks}
    new = {b.graph: b for b in new_blocks}

    def same(o, n) -> bool:   # compared in place (startswith takes a buffer: no copy)
        return o.end - o.start == n.end - n.start and loaded.data.startswith(
            memoryview(data)[n.start:n.end], o.start)

    changed = sorted(g for g in old.keys() | new.keys()
                     if g not in old or g not in new or not same(old[g], new[g]))
    size = sum(new[g].end - new[g].start for g in changed if g in new)
    if size > len(data) * whole_share:
        return None
    for g in changed:   # no blank node in the new lines loaded apart
        if g in new and data.find(b"_:", new[g].start, new[g].end) >= 0:
            return None
    return [(g, data[new[g].start:new[g].end] if g in new else b"") for g in changed]
