"""One namespaces module: ontology, shapes and queries must use the same prefixes."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT

from partykg.core.namespaces import PREFIXES

PREFIX_RE = re.compile(r"(?:@prefix|PREFIX)\s+([A-Za-z][\w-]*):\s*<([^>]+)>", re.I)
FILES = sorted([*(ROOT / "ontology").glob("*.ttl"), *(ROOT / "shapes").glob("*.ttl"),
                *(ROOT / "queries").glob("*.rq"), *(ROOT / "tests" / "shacl").rglob("*.ttl")])


def test_files_to_check_exist():
    """Guards against checking an empty list."""
    assert len(FILES) > 10


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_prefixes_agree_with_namespaces_module(path):
    """A prefix known to partykg.namespaces must map to the same IRI everywhere
    (schema: is http://schema.org/, not https)."""
    for prefix, iri in PREFIX_RE.findall(path.read_text(encoding="utf-8")):
        if prefix in PREFIXES:
            assert iri == PREFIXES[prefix], f"{prefix}: {iri} != {PREFIXES[prefix]}"
