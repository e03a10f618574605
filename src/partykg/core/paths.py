"""Where things are: the project's source folders and the output folder."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from partykg.core.namespaces import base_iri


@dataclass(frozen=True)
class Project:
    root: Path
    out: Path
    base: str

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def ontology(self) -> Path:
        return self.root / "ontology" / "partykg.ttl"

    @property
    def shapes(self) -> Path:
        return self.root / "shapes"

    @property
    def queries(self) -> Path:
        return self.root / "queries"

    @property
    def review_file(self) -> Path:
        """Wikidata candidates and their review (`partykg link`)."""
        return self.data / "wikidata" / "review.yaml"

    @property
    def enrichment_file(self) -> Path:
        """Facts fetched from Wikidata for linked entities (`partykg enrich`)."""
        return self.data / "wikidata" / "enrichment.yaml"

    @property
    def build_dir(self) -> Path:
        return self.out / "build"

    @property
    def nquads(self) -> Path:
        return self.build_dir / "partykg.nq"

    @property
    def index(self) -> Path:
        return self.build_dir / "annotation-index.json"

    @property
    def manifest(self) -> Path:
        return self.build_dir / "manifest.json"

    def inputs(self) -> list[Path]:
        """Every file the build reads, in a stable order."""
        # data/examples/ documents the format (data/README.md); it is no input.
        yaml = (f for f in self.data.rglob("*.yaml") if f.relative_to(self.data).parts[0] != "examples")
        files = [self.ontology, *sorted(yaml), *sorted((self.data / "sources").glob("*"))]
        return [f for f in files if f.is_file()]


def project(root: str | Path | None = None, out: str | Path | None = None,
            base: str | None = None) -> Project:
    """The project rooted at ``root`` (or ``PARTYKG_ROOT``, or the current folder)."""
    r = Path(root or os.environ.get("PARTYKG_ROOT") or Path.cwd()).resolve()
    o = Path(out or os.environ.get("PARTYKG_OUT") or r / "out").resolve()
    b = base or base_iri()
    return Project(r, o, b if b.endswith("/") else b + "/")
