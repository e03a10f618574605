"""The one table of formats: RDF serialisations (file suffix, IANA media type,
pyoxigraph format) and SPARQL result formats. Build, release, describe, the
loader and the server all look formats up here."""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import QueryResultsFormat, RdfFormat


@dataclass(frozen=True)
class Format:
    name: str                      # short name, as in ?format= and --format
    suffix: str                    # file suffix, with the dot
    media_type: str                # IANA media type
    rdf: RdfFormat | None = None   # pyoxigraph's parser/serialiser, for RDF formats
    also: tuple[str, ...] = ()     # other media types meaning the same
    text: bool = True              # served with "; charset=utf-8"

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8" if self.text else self.media_type


RDF = (
    Format("turtle", ".ttl", "text/turtle", RdfFormat.TURTLE, ("application/x-turtle",)),
    Format("ntriples", ".nt", "application/n-triples", RdfFormat.N_TRIPLES, ("text/plain",)),
    Format("nquads", ".nq", "application/n-quads", RdfFormat.N_QUADS),
    Format("trig", ".trig", "application/trig", RdfFormat.TRIG),
    Format("jsonld", ".jsonld", "application/ld+json", RdfFormat.JSON_LD),
    Format("rdfxml", ".owl", "application/rdf+xml", RdfFormat.RDF_XML, (), False),
)
OTHER = (
    Format("html", ".html", "text/html"),
)
RESULTS = {  # SPARQL result formats pyoxigraph writes
    "json": (QueryResultsFormat.JSON, "application/sparql-results+json", ("application/json",)),
    "xml": (QueryResultsFormat.XML, "application/sparql-results+xml", ("application/xml",)),
    "csv": (QueryResultsFormat.CSV, "text/csv", ()),
    "tsv": (QueryResultsFormat.TSV, "text/tab-separated-values", ()),
}

BY_NAME = {f.name: f for f in RDF + OTHER}
BY_SUFFIX = {f.suffix: f for f in RDF + OTHER}
BY_MEDIA = {m: f for f in RDF for m in (f.media_type, *f.also)}


def rdf_by_suffix(suffix: str) -> Format:
    """The RDF format of a file suffix such as ``.nq``; KeyError when not RDF."""
    f = BY_SUFFIX[suffix]
    if f.rdf is None:
        raise KeyError(suffix)
    return f
