"""The OWL API's OWL 2 profile checkers (OWL2DLProfile, OWL2RLProfile), run from tests.

The OWL API 3 that implements them ships inside the HermiT.jar bundled with
owlready2 (already a dependency), so nothing else is installed: OwlProfileCheck.java
next to this file is a few lines of command line around the library, compiled with
javac into a temporary folder when first needed. The OWL API 3 parses RDF/XML
reliably; Turtle, N-Quads and named graphs are converted (merged) to RDF/XML with
pyoxigraph first.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import owlready2
from pyoxigraph import RdfFormat, parse, serialize

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "OwlProfileCheck.java"
HERMIT_JAR = Path(owlready2.__file__).parent / "hermit" / "HermiT.jar"


@dataclass
class ProfileReport:
    output: str                        # what the checker printed, as is
    violations: dict[str, list[str]]   # profile -> violation lines
    axioms: int

    def ok(self, profile: str) -> bool:
        return self.violations.get(profile) == []


@lru_cache(maxsize=1)
def _compiled() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="partykg-owlprofile-"))
    subprocess.run(["javac", "-nowarn", "-cp", str(HERMIT_JAR), "-d", str(folder), str(SOURCE)],
                   check=True, capture_output=True, text=True)
    return folder


def to_rdfxml(source: Path, target: Path) -> Path:
    """Turtle, N-Triples, N-Quads or TriG as one merged RDF/XML graph (sorted, so
    the input of the checker does not depend on parse order)."""
    fmt = RdfFormat.from_extension(source.suffix.lstrip("."))
    triples = {}
    for item in parse(path=str(source), format=fmt):
        t = item.triple if hasattr(item, "triple") else item
        triples.setdefault(str(t), t)
    serialize([triples[k] for k in sorted(triples)], str(target), format=RdfFormat.RDF_XML)
    return target


def check(source: Path, *profiles: str) -> ProfileReport:
    """Run the OWL API's checkers of ``profiles`` ("DL", "RL") on ``source``."""
    classes = _compiled()
    with tempfile.TemporaryDirectory(prefix="partykg-owlprofile-in-") as tmp:
        rdfxml = source if source.suffix in (".rdf", ".owl") else \
            to_rdfxml(source, Path(tmp) / "input.rdf")
        run = subprocess.run(
            ["java", "-cp", f"{HERMIT_JAR}:{classes}", "OwlProfileCheck", str(rdfxml), *profiles],
            capture_output=True, text=True, timeout=600)
    if run.returncode not in (0, 1):
        raise RuntimeError(f"the OWL profile checker failed:\n{run.stdout}\n{run.stderr}")
    violations: dict[str, list[str]] = {}
    axioms = 0
    current = None
    for line in run.stdout.splitlines():
        if line.startswith("LOADED "):
            axioms = int(line.split()[1])
        elif line.startswith("PROFILE "):
            current = line.split()[1].rstrip(":")
            violations[current] = []
        elif line.startswith("  ") and current:
            violations[current].append(line.strip())
    return ProfileReport(run.stdout, violations, axioms)
