"""The build's cache of named graphs: each graph as its canonical N-Quads lines,
content-addressed by a hash of everything its emission reads.

``OUT/cache/graphs/<key>.graph`` holds one graph: a first line of JSON (the
graph's IRI, the index entries it adds (IRI -> file, line, passage) and the
same entries encoded for annotation-index.json, its statistics, the rows the
browser's files read, its subjects and the length of each one's Turtle block, the
lengths in bytes of the texts that follow), then its N-Quads text, sorted
and without duplicates, exactly as it appears in ``partykg.nq``, its block of
``partykg.trig`` and its subjects' blocks of ``partykg.ttl``, as UTF-8 bytes (the
texts are stored raw: JSON-escaping megabytes of N-Quads cost more than emitting
them, and bytes go to the dumps without decoding and encoding again). The build looks a
graph's key up before emitting it; a hit is used as it is, so an edit to one
annotation file re-emits one source graph. Entries are written atomically
(temporary file + ``os.replace``, :func:`partykg.core.files.write_atomic`) and
carry their own key, so an interrupted write is never read back as an entry.

What a key covers (see :func:`source_key`, :func:`registry_key`): the code that
emits (every module of ``core``, ``model`` and ``rdf``: :func:`code_digest`),
the base IRI, and the *shared inputs* (the ontology and every YAML file under
``data/`` but the annotation files: registry, theses, Wikidata review and
enrichment) as one hash. A source graph adds its annotation file and its text.
Why the whole registry rather than the entities a source uses: a source's graph
depends on the registry in ways that are not local to the keys it names (mention
detection tries every entity's names in its text, so adding an alias anywhere can
add a mention anywhere; an entity's kind decides its IRI), and registry edits are
rare next to annotation edits. Tracking the names each source could match would
save re-emitting sources after a registry edit at the price of a dependency
analysis that must never be wrong; the coarse key cannot be.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path

from partykg.core.files import write_atomic
from partykg.core.paths import Project

FORMAT = 6   # bump when the entry layout changes
TEXTS = ("nq", "trig", "ttl")   # the raw texts after an entry's JSON line, in this order
CODE_PACKAGES = ("core", "model", "rdf")


@lru_cache(maxsize=1)
def code_digest() -> str:
    """SHA-256 of the partykg modules that read the inputs and emit RDF."""
    pkg = Path(__file__).resolve().parents[1]
    h = hashlib.sha256(f"format {FORMAT}\0".encode())
    for sub in CODE_PACKAGES:
        for f in sorted((pkg / sub).rglob("*.py")):
            h.update(str(f.relative_to(pkg)).encode() + b"\0" + f.read_bytes() + b"\0")
    h.update((pkg / "__init__.py").read_bytes())
    return h.hexdigest()


def shared_digest(proj: Project) -> str:
    """Code, base IRI, ontology and every YAML input that is not an annotation file."""
    h = hashlib.sha256(f"{code_digest()}\0{proj.base}\0".encode())
    annotations = proj.data / "annotations"
    sources = proj.data / "sources"
    for f in proj.inputs():
        if f.is_relative_to(annotations) or f.is_relative_to(sources):
            continue
        h.update(str(f.relative_to(proj.root)).encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def _digest(*parts: str | bytes) -> str:
    h = hashlib.sha256()
    for p in parts:
        b = p.encode() if isinstance(p, str) else p
        h.update(len(b).to_bytes(8, "big") + b)
    return h.hexdigest()


def source_key(shared: str, source_id: str, annotation: bytes, text: str) -> str:
    return _digest(shared, "source", source_id, annotation, text)


def registry_key(shared: str, texts: list[tuple[str, str]]) -> str:
    """The registry graph also reads the source texts: text bases of registry facts
    are anchored in them (their selectors quote the passage)."""
    return _digest(shared, "registry", *(p for sid, text in texts for p in (sid, text)))


def matches_key(shared: str, text: str) -> str:
    """Where the registry's names occur in a text (model/mentions.alias_matches)."""
    return _digest(shared, "matches", text)


def plain_key(shared: str, kind: str) -> str:
    return _digest(shared, kind)


def folder(proj: Project) -> Path:
    """Beside the build folder, which each build replaces whole."""
    return proj.out / "cache" / "graphs"


class GraphCache:
    """The entries in one folder; :meth:`prune` keeps those of the last build."""

    def __init__(self, folder: Path):
        self.folder = folder

    def path(self, key: str) -> Path:
        return self.folder / f"{key}.graph"

    def get(self, key: str) -> dict | None:
        """The entry, or None when it is absent, damaged, or not the entry of ``key``."""
        try:
            data = self.path(key).read_bytes()
            cut = data.find(b"\n")
            entry = json.loads(data[:cut]) if cut >= 0 else None
        except (OSError, ValueError):
            return None
        # The texts as views of the file's bytes: megabytes that go to the dumps
        # as they are, not copied once more on the way.
        body = memoryview(data)[cut + 1:]
        if not isinstance(entry, dict) or entry.get("key") != key:
            return None
        lengths = entry.pop("lengths", None)
        if not isinstance(lengths, list) or len(lengths) != len(TEXTS) or \
                sum(lengths) != len(body):
            return None
        at = 0
        for name, n in zip(TEXTS, lengths):
            entry[name] = body[at:at + n]
            at += n
        return entry

    def put(self, key: str, entry: dict) -> None:
        head = {k: v for k, v in entry.items() if k not in TEXTS}
        head |= {"key": key, "lengths": [len(entry[name]) for name in TEXTS]}
        write_atomic(self.path(key), json.dumps(head, ensure_ascii=False).encode() + b"\n"
                     + b"".join(entry[name] for name in TEXTS))

    def prune(self, keep: set[str]) -> None:
        """Remove the entries (and any temporary file an interrupted write left)
        that the build just made did not use."""
        if not self.folder.is_dir():
            return
        for f in self.folder.iterdir():
            if f.is_file() and (f.name.startswith(".") or f.stem not in keep
                                or f.suffix != ".graph"):
                try:
                    os.unlink(f)
                except OSError:
                    pass
