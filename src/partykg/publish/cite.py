"""How to cite partykg, one of its essays, or one of its entities: the text shown
on every page, and the BibTeX and CSL-JSON downloads of ``/cite/…``.

Everything comes from what the release records: the version (the package's),
the issued date (the CHANGELOG entry of the version, or SOURCE_DATE_EPOCH, as
``partykg release`` takes it), the dataset IRI and the licence of the DCAT
description (publish/describe.py), the authors as pyproject.toml names them
("partykg contributors"); an essay's author, title, dates, publisher and
address come from its triples. No DOI: the project has none.

BibTeX is written here because no well-kept library writes it from plain data
without a bibliography database (pybtex needs its own data model and a style);
the only escaping needed is of the characters special to BibTeX.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from partykg import __version__
from partykg.core.namespaces import PREFIXES, dataset_iri
from partykg.publish.describe import LICENSE

AUTHORS = ("partykg contributors",)   # pyproject.toml [project] authors
TITLE = "partykg: a knowledge graph of the debate on the revolutionary party and " \
        "spontaneous mass action"
LICENCE_NAME = "CC BY 4.0"


@dataclass(frozen=True)
class Citation:
    kind: str                     # dataset | essay | entity
    key: str                      # BibTeX key
    title: str
    iri: str                      # the IRI to cite
    issued: str                   # YYYY-MM-DD or YYYY (the work's own date)
    authors: tuple[str, ...] = AUTHORS
    version: str = __version__
    licence: str = LICENSE
    publisher: str = ""
    url: str = ""                 # where the original text is (essays)
    container: str = ""           # the dataset an entity or essay is cited in
    container_iri: str = ""
    container_issued: str = ""
    note: str = ""

    @property
    def year(self) -> str:
        return self.issued[:4]

    def text(self) -> str:
        """The citation as a sentence."""
        who = "; ".join(self.authors)
        if self.kind == "dataset":
            return (f"{who}, {self.title}, version {self.version}, {self.issued}, "
                    f"<{self.iri}>. Licence {LICENCE_NAME}.")
        if self.kind == "essay":
            pub = f", {self.publisher}" if self.publisher else ""
            at = f", <{self.url}>" if self.url else ""
            return (f"{who}, “{self.title}”{pub}, {self.issued}{at}. Annotated in "
                    f"{self.container}, version {self.version}, {self.container_issued}, "
                    f"<{self.iri}>.")
        return (f"“{self.title}”, in {self.container}, version {self.version}, "
                f"{self.container_issued}, <{self.iri}>. Licence {LICENCE_NAME}.")


def dataset_citation(root: Path, base: str) -> Citation:
    """The dataset's citation, dated as ``partykg release`` dates the version."""
    from partykg.publish.release import changelog_entry, issued_date
    entry_date, _ = changelog_entry(root, __version__)
    return Citation("dataset", f"partykg-{__version__}", TITLE, dataset_iri(base, __version__),
                    issued_date(entry_date), publisher="partykg contributors",
                    url=dataset_iri(base, __version__))


SOURCE_META = f"""PREFIX schema: <{PREFIXES['schema']}> PREFIX dcterms: <{PREFIXES['dcterms']}>
PREFIX rdfs: <{PREFIXES['rdfs']}>
SELECT ?this ?title ?created ?published ?url
       (GROUP_CONCAT(DISTINCT ?who; separator="\\u001f") AS ?authors)
       (SAMPLE(?pub) AS ?publisher) WHERE {{
  ?this dcterms:title ?title .
  OPTIONAL {{ ?this schema:author/rdfs:label ?who }}
  OPTIONAL {{ ?this schema:dateCreated ?created }}
  OPTIONAL {{ ?this schema:datePublished ?published }}
  OPTIONAL {{ ?this schema:url ?url }}
  OPTIONAL {{ ?this schema:publisher/rdfs:label ?pub }}
}} GROUP BY ?this ?title ?created ?published ?url"""


def item_citation(store, dataset: Citation, iri: str, label: str, essay: bool) -> Citation:
    """The citation of an essay (its own author, title, date and publisher, as
    annotated in partykg) or of an entity (its page in the dataset)."""
    from pyoxigraph import NamedNode, Variable
    key = iri.rstrip("/").rsplit("/", 1)[-1]
    common = {"container": dataset.title, "container_iri": dataset.iri,
              "container_issued": dataset.issued, "version": dataset.version}
    if essay:
        rows = list(store.query(SOURCE_META, use_default_graph_as_union=True,
                                substitutions={Variable("this"): NamedNode(iri)}))
        if rows:
            r = rows[0]
            authors = tuple(sorted(a for a in (r["authors"].value.split("\x1f")
                                               if r["authors"] else []) if a))
            date = (r["published"] or r["created"])
            return Citation("essay", key, r["title"].value, iri,
                            date.value if date else dataset.issued,
                            authors=authors or ("Anonymous",),
                            publisher=r["publisher"].value if r["publisher"] else "",
                            url=r["url"].value if r["url"] else "",
                            note=f"Written {r['created'].value}" if r["created"] else "",
                            **common)
    return Citation("entity", key, label, iri, dataset.issued, authors=dataset.authors,
                    **common)


def _bib_escape(value: str) -> str:
    out = []
    for ch in value:
        if ch in "{}&%$#_":
            out.append("\\" + ch)
        elif ch == "\\":
            out.append("\\textbackslash{}")
        elif ch in "~^":
            out.append("\\" + ch + "{}")
        else:
            out.append(ch)
    return "".join(out)


def bibtex(c: Citation) -> str:
    """A BibTeX entry (@misc for the dataset and entities, @article for essays),
    UTF-8, fields in a fixed order."""
    authors = " and ".join("{" + _bib_escape(a) + "}" for a in c.authors)
    fields = [("author", authors), ("title", "{" + _bib_escape(c.title) + "}"),
              ("year", c.year)]
    if c.kind == "essay":
        if c.publisher:
            fields.append(("journal", _bib_escape(c.publisher)))
        if c.url:
            fields.append(("url", c.url))
        if c.note:
            fields.append(("note", _bib_escape(c.note) + f". Annotated in partykg {c.version}, "
                           f"<{c.iri}>"))
        else:
            fields.append(("note", f"Annotated in partykg {c.version}, <{c.iri}>"))
    else:
        if c.kind == "entity":
            fields.append(("howpublished", "In " + _bib_escape(c.container)))
        fields += [("version", c.version), ("date", c.issued),
                   ("url", c.iri), ("note", f"Licence: {LICENCE_NAME}, {c.licence}")]
    kind = "article" if c.kind == "essay" else "misc"
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{kind}{{{c.key},\n{body}\n}}\n"


def _date(value: str) -> dict:
    parts = [int(p) for p in value.split("-")[:3] if p.isdigit()]
    return {"date-parts": [parts]}


def csl_json(c: Citation) -> list[dict]:
    """CSL-JSON (a list of one item), as citation managers import it."""
    item: dict = {"id": c.key, "title": c.title, "issued": _date(c.issued),
                  "author": [{"literal": a} for a in c.authors]}
    if c.kind == "dataset":
        item.update(type="dataset", version=c.version, URL=c.iri, publisher=c.publisher,
                    license=c.licence)
    elif c.kind == "essay":
        item.update(type="article", URL=c.url or c.iri,
                    note=f"Annotated in {c.container}, version {c.version}, <{c.iri}>")
        if c.publisher:
            item["container-title"] = c.publisher
    else:
        item.update(type="entry", URL=c.iri, version=c.version, license=c.licence,
                    **{"container-title": c.container})
    return [item]


def csl_bytes(c: Citation) -> bytes:
    return (json.dumps(csl_json(c), ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()
