"""Web Annotation JSON-LD read as JSON-LD: expanded with pyld, compacted to one context.

Annotation tools may write the same annotation in many JSON-LD forms: another
prefix for a namespace, compact IRIs (``oa:hasTarget``), full IRIs, ``@graph``,
single values or arrays, no ``@context`` at all (plain JSON in the W3C terms).
:func:`normalise` expands a document with pyld (the JSON-LD 1.1 processor)
and compacts the result against :data:`partykg.webanno.export.CONTEXT`, the
context our export writes: whatever the input's form, the importer then reads
the terms it knows (``target``, ``selector``, ``body``, ``pkg:claimant`` …),
which stand for the full IRIs of the model (``oa:hasTarget`` …).

Contexts are served offline: :func:`document_loader` serves the vendored W3C
context (``contexts/anno.jsonld``, see contexts/README.md) and refuses every
other remote context with :class:`RemoteContext` (nothing is downloaded).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from pyld import jsonld

from partykg.webanno.export import ANNO_CONTEXT, CONTEXT

CONTEXT_DIR = Path(__file__).with_name("contexts")
# The remote contexts partykg has offline: URL (without a trailing slash) -> file.
OFFLINE = {ANNO_CONTEXT: "anno.jsonld",
           ANNO_CONTEXT.replace("http://", "https://"): "anno.jsonld"}


class RemoteContext(Exception):
    """A document names a remote context partykg does not have offline."""

    def __init__(self, url: str):
        super().__init__(url)
        self.url = url


@cache
def _context(name: str) -> dict[str, Any]:
    return json.loads((CONTEXT_DIR / name).read_text(encoding="utf-8"))


def document_loader(url: str, options: Any = None) -> dict[str, Any]:
    """pyld's document loader: the vendored contexts, nothing from the network."""
    name = OFFLINE.get(str(url).rstrip("/"))
    if name is None:
        raise RemoteContext(str(url))
    return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url,
            "document": _context(name)}


def _refused(exc: BaseException) -> str | None:
    """The URL of a refused remote context somewhere in the causes of a pyld error."""
    seen, todo = set(), [exc]
    while todo:
        e = todo.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, RemoteContext):
            return e.url
        details = getattr(e, "details", None)
        if isinstance(details, dict):
            todo += [v for v in details.values() if isinstance(v, BaseException)]
        todo += [c for c in (e.__cause__, e.__context__) if c is not None]
    return None


class NotJsonLd(ValueError):
    """pyld could not process the document (its message, short)."""


def normalise(doc: Any) -> list[dict[str, Any]]:
    """The top-level nodes of a JSON-LD document, compacted to our context.

    A document without ``@context`` is read with our export's context (the W3C
    terms and our ``pkg:`` terms, as plain JSON writes them). Raises :class:`RemoteContext` for a
    context that is not available offline and :class:`NotJsonLd` for a
    document pyld refuses."""
    # base None: relative ids ("sample-h1", "#3") stay as written (pyld would
    # otherwise resolve them against a made-up http://example.org/base/)
    opts = {"documentLoader": document_loader, "expandContext": CONTEXT, "base": None}
    try:
        expanded = jsonld.expand(doc, opts)
        compacted = jsonld.compact(expanded, {"@context": CONTEXT},
                                   {"documentLoader": document_loader, "base": None,
                                    "skipExpansion": True})
    except jsonld.JsonLdError as exc:
        url = _refused(exc)
        if url is not None:
            raise RemoteContext(url) from exc
        raise NotJsonLd(_message(exc)) from exc
    except RemoteContext:
        raise
    except (TypeError, ValueError, AttributeError, KeyError, RecursionError) as exc:
        # pyld assumes well-typed JSON in places (a number where it wants a string)
        raise NotJsonLd(f"{type(exc).__name__}: {str(exc)[:200]}") from exc
    compacted.pop("@context", None)
    if "@graph" in compacted:
        nodes = compacted["@graph"]
        return [n for n in (nodes if isinstance(nodes, list) else [nodes])
                if isinstance(n, dict)]
    return [compacted] if compacted else []


def _message(exc: BaseException) -> str:
    """pyld's message with the innermost cause (its str() is a tuple dump)."""
    parts = [exc.args[0] if exc.args else str(exc)]
    details = getattr(exc, "details", None)
    cause = details.get("cause") if isinstance(details, dict) else None
    if isinstance(cause, BaseException):
        parts.append(_message(cause))
    return ": ".join(str(p) for p in parts)[:300]


def value(v: Any) -> Any:
    """A JSON value, unwrapped from a value object ({"@value": …}) that compaction
    leaves when the input typed a literal differently from our context."""
    if isinstance(v, dict) and "@value" in v:
        return v["@value"]
    if isinstance(v, list) and len(v) == 1:
        return value(v[0])
    return v
