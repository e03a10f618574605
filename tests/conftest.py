"""Shared fixtures: one real build of the repository's data per test session; and the
`external` marker: a test that needs a tool outside Python names it,
`@pytest.mark.external("java")`, and is skipped with the reason and the install
command when the tool is absent, or failed when PARTYKG_REQUIRE_EXTERNAL=1 (set by
scripts/test.sh, hence by CI), so that CI never passes by skipping. The tools, how
each is found and installed: tests/support/tools.py."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from support.browser import browser, shots  # noqa: F401  (the browser tests' module-scoped fixtures)
from support.tools import TOOLS

from partykg.core.paths import Project, project
from partykg.rdf.build import build
from partykg.sparql.store import load_store

ROOT = Path(__file__).resolve().parents[1]
REQUIRE = "PARTYKG_REQUIRE_EXTERNAL"


def requires(*names: str) -> None:
    """Skip the running test (or fixture) unless every named tool is present; with
    PARTYKG_REQUIRE_EXTERNAL=1 a missing tool fails it instead."""
    for name in names:
        tool = TOOLS[name]
        if tool.present():
            continue
        message = f"needs {name} ({tool.what}), which is not installed: {tool.install}"
        if os.environ.get(REQUIRE) == "1":
            pytest.fail(f"{message} [{REQUIRE}=1: a missing tool is a failure, not a skip]",
                        pytrace=False)
        pytest.skip(message)


def pytest_collection_modifyitems(config, items):
    """Every `external` marker names known tools: a typo must not skip a test forever."""
    for item in items:
        for mark in item.iter_markers("external"):
            unknown = [a for a in mark.args if a not in TOOLS]
            if not mark.args or unknown or mark.kwargs:
                raise pytest.UsageError(
                    f"{item.nodeid}: @pytest.mark.external needs tool names among "
                    f"{', '.join(TOOLS)}; got {mark.args or '()'} {mark.kwargs or ''}".rstrip())


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    for mark in item.iter_markers("external"):
        requires(*mark.args)


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Project:
    """The real data built into a temporary output folder."""
    proj = project(ROOT, tmp_path_factory.mktemp("out"))
    build(proj)
    return proj


@pytest.fixture(scope="session")
def store(built):
    return load_store(built)


@pytest.fixture()
def workdir(tmp_path) -> Path:
    """A private copy of the project's sources, safe to break."""
    for name in ("data", "ontology", "shapes", "queries"):
        shutil.copytree(ROOT / name, tmp_path / name)
    return tmp_path


def built_copy(folder: Path, only: str | None = None) -> Path:
    """The project's sources copied into ``folder`` (only the annotation file ``only``,
    when given) and built into ``folder/out``: a last build that tests may break."""
    for name in ("data", "ontology", "shapes", "queries"):
        shutil.copytree(ROOT / name, folder / name)
    for other in (folder / "data/annotations").glob("*.yaml"):
        if only is not None and other.name != only:
            other.unlink()
    if only is not None:  # its links to claims of the sources left out go too
        kept = folder / "data/annotations" / only
        kept.write_text(without_links_beyond(kept.read_text(encoding="utf-8"),
                                             (Path(only).stem,)), encoding="utf-8")
    build(project(folder, folder / "out"))
    return folder


def without_links_beyond(text: str, kept: tuple[str, ...]) -> str:
    """The annotation file less its links to claims of sources not in the copy (the
    fuzz tests keep two small sources; both also link to the two large ones)."""
    head, sep, rest = text.partition("\nlinks:\n")
    if not sep:
        return text
    lines = rest.split("\n")
    end = next((i for i, line in enumerate(lines) if line and not line.startswith(" ")),
               len(lines))
    blocks = "\n".join(lines[:end]).split("\n  - type: ")
    keep = [blocks[0]]
    for block in blocks[1:]:
        claims = block.split("claims: [", 1)[1].split("]", 1)[0].split(", ")
        if all("-c" not in c or c.rsplit("-c", 1)[0] in kept for c in claims):
            keep.append(block)
    return head + sep + "\n  - type: ".join(keep).rstrip("\n") + "\n" + "\n".join(lines[end:])


@pytest.fixture(scope="session")
def released(tmp_path_factory) -> Path:
    """A real release (`partykg release`) of the repository's data."""
    import os

    from partykg.publish.release import release
    os.environ.pop("SOURCE_DATE_EPOCH", None)
    return release(project(ROOT, tmp_path_factory.mktemp("rel")))


@pytest.fixture(scope="session")
def wikidata_endpoint():
    """A real SPARQL endpoint on 127.0.0.1 (Oxigraph server, read-only) loaded with
    tests/fixtures/wikidata.ttl, standing in for https://query.wikidata.org/sparql;
    stopped at the end of the session. Tests using it are marked external("oxigraph")."""
    requires("oxigraph")
    from support.localserver import sparql_server
    with sparql_server(ROOT / "tests/fixtures/wikidata.ttl") as url:
        yield url


@pytest.fixture(scope="session")
def server_url(built):
    """`partykg serve` on the real build, on 127.0.0.1 with a free port, a 3 s query time
    limit, a 5,000-row cap and CORS open; stopped at the end of the session."""
    from partykg.serve.server import serve_in_thread
    server, url = serve_in_thread(built, timeout=3.0, max_rows=5000, workers=2, cors="*")
    try:
        yield url
    finally:
        server.shutdown()


def select(store, query: str) -> list[dict[str, str]]:
    """Run SELECT over the union of graphs; rows as {variable: lexical value}."""
    res = store.query(query, use_default_graph_as_union=True)
    names = [v.value for v in res.variables]
    return [{n: (sol[n].value if sol[n] is not None else None) for n in names} for sol in res]
