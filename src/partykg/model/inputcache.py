"""The build's cache of read and checked inputs (OUT/cache/inputs): the registry,
and each annotation file as its :class:`~partykg.model.annotations.Source`,
pickled once they loaded without a problem, under a hash of everything their
reading depends on.

Reading and checking the YAML was most of an incremental build (bench/NOTES.md);
after an edit to one annotation file only that file is read again. What stays
whole-model: the checks across files (links between claims of two sources, one
text per annotation file, disputes, text bases of registry facts anchored in the
texts) run on every build, cached or not (model/inputs.py).

Keys (:func:`registry_key`, :func:`source_key`):

- the code that reads and checks (every module of ``core`` and ``model`` and
  the package version: :func:`code_digest`), the Python version (the pickle's
  classes) and the day the date checks compare with (``fields._today``: a date
  more than a year ahead is an error, and SOURCE_DATE_EPOCH can move that day);
- for the registry: every YAML path under ``data/`` but the annotation files
  (registry, theses, Wikidata review and enrichment; more than the registry
  reads, never less), by what it is (file, folder, symlink and its target) and,
  for a file, its bytes;
- for a source: the registry's key (its references are checked against the
  registry), the annotation file's path and bytes. Its text is only known once
  the file is parsed, so the entry records the text's resolved path and the
  SHA-256 of its bytes, and a hit is used only when ``text:`` still resolves to
  that path and the file there still has those bytes.

Only what loaded with no problem is stored (a file with errors is read again
each time, so its report is the same whether a cache exists or not), and a
source whose text changed since it was annotated (its fixity report) never is.
A damaged entry, or one holding another key, is a miss. Entries are written
atomically and carry their key.

Why pickle: the model is dataclasses and dicts that remember their lines
(``LMap``); pickle restores them exactly, with no serializer of our own to keep
in step with every field. The folder is the build's own output folder, as
trusted as the code that wrote it.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from functools import lru_cache
from pathlib import Path

from partykg import __version__
from partykg.core.files import write_atomic
from partykg.core.paths import Project

FORMAT = 1   # bump when what an entry holds changes shape
CODE_PACKAGES = ("core", "model")


@lru_cache(maxsize=1)
def code_digest() -> str:
    """SHA-256 of the modules that read and check the inputs."""
    pkg = Path(__file__).resolve().parents[1]
    h = hashlib.sha256(f"inputs {FORMAT}\0{__version__}\0{sys.version}\0".encode())
    for sub in CODE_PACKAGES:
        for f in sorted((pkg / sub).rglob("*.py")):
            h.update(str(f.relative_to(pkg)).encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def _digest(*parts: str | bytes) -> str:
    h = hashlib.sha256()
    for p in parts:
        b = p.encode() if isinstance(p, str) else p
        h.update(len(b).to_bytes(8, "big") + b)
    return h.hexdigest()


def registry_key(proj: Project) -> str:
    from partykg.core.errors import InputError
    from partykg.model.fields import _today
    try:
        day, origin = _today()
    except InputError as exc:   # a bad SOURCE_DATE_EPOCH: the loader reports it if it must
        day, origin = "", str(exc)
    parts: list[str | bytes] = [code_digest(), day, origin, str(proj.root)]
    annotations, sources = proj.data / "annotations", proj.data / "sources"
    # Every path a loader could open, whatever it is now: a regular file by its bytes,
    # and a symlink, folder or other file by what it is, so that a dangling symlink or
    # a folder in place of a file (errors, never cached) is never a hit of a state
    # without it.
    for f in sorted(proj.data.rglob("*.yaml")):
        if f.is_relative_to(annotations) or f.is_relative_to(sources):
            continue
        kind = f"symlink {os.readlink(f)}" if f.is_symlink() else ""
        kind += " file" if f.is_file() else " folder" if f.is_dir() else " other"
        parts += [str(f.relative_to(proj.root)), kind]
        if f.is_file():
            parts.append(f.read_bytes())
    return _digest("registry", *parts)


def source_key(registry: str, file: str, annotation: bytes) -> str:
    return _digest("source", registry, file, annotation)


def text_digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def folder(proj: Project) -> Path:
    return proj.out / "cache" / "inputs"


class InputCache:
    """Pickled entries in one folder. Nothing is written until :meth:`save` (the
    build calls it once it has succeeded: a build that stops on bad input leaves
    the output folder as it was), which also removes the entries not used."""

    def __init__(self, folder: Path, read: bool = True):
        self.folder = folder
        self.read = read          # False: every input is read again (and stored anew)
        self.used: set[str] = set()
        self.pending: dict[str, bytes] = {}
        self.hits = 0

    def path(self, key: str) -> Path:
        return self.folder / f"{key}.pickle"

    def get(self, key: str, valid=lambda value: True):
        """The value stored under ``key``, or None (absent, damaged, another key's, or
        not ``valid``: what the key cannot cover, checked by the caller)."""
        self.used.add(key)
        if not self.read:
            return None
        try:
            stored_key, value = pickle.loads(self.path(key).read_bytes())
        # Missing, truncated, or written by other code (a class since renamed): a miss.
        except (OSError, EOFError, ValueError, TypeError, IndexError, AttributeError,
                ImportError, pickle.UnpicklingError):
            return None
        if stored_key != key or not valid(value):
            return None
        self.hits += 1
        return value

    def put(self, key: str, value) -> None:
        """Store ``value`` at :meth:`save` (pickled now: later changes do not reach it)."""
        self.used.add(key)
        self.pending[key] = pickle.dumps((key, value), protocol=pickle.HIGHEST_PROTOCOL)

    def save(self) -> None:
        """Write the new entries; remove those (and temporary files) not used."""
        for key, data in self.pending.items():
            try:
                write_atomic(self.path(key), data)
            except OSError:
                return   # a read-only output folder: the build goes on without the cache
        self.pending.clear()
        if not self.folder.is_dir():
            return
        for f in self.folder.iterdir():
            if f.is_file() and (f.name.startswith(".") or f.suffix != ".pickle"
                                or f.stem not in self.used):
                try:
                    os.unlink(f)
                except OSError:
                    pass
