"""`partykg query` with a researcher's own query: a file without a grlc header,
standard input, --sparql TEXT; BASIL parameters in all of them; a syntax error
pointed at by line and column; literals by value in the terminal table."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from click.testing import CliRunner

from partykg.cli import main

pytestmark = pytest.mark.slow   # each run loads the real build into a store

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }\n"


def run(built, *args, stdin=None):
    result = CliRunner().invoke(main, ["--root", str(built.root), "--out", str(built.out),
                                       "query", *args], input=stdin)
    return result


def rows(output: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(output)))


def quads_in_named_graphs(built) -> int:
    manifest = json.loads((built.build_dir / "manifest.json").read_text(encoding="utf-8"))
    return sum(manifest["triples_per_graph"].values())


def test_a_file_without_header_stdin_and_text_give_the_same_answer(built, tmp_path):
    """The count of every quad in the named graphs, asked three ways, is the
    manifest's sum of triples per graph."""
    path = tmp_path / "mine.sparql"          # not .rq, no header: any file of SPARQL
    path.write_text("# my own query\n" + COUNT, encoding="utf-8")
    expected = str(quads_in_named_graphs(built))
    for args, stdin in (([str(path)], None), (["-"], COUNT), (["--sparql", COUNT], None)):
        res = run(built, *args, "--format", "csv", stdin=stdin)
        assert res.exit_code == 0, res.output
        assert rows(res.output) == [{"n": expected}], args


def test_basil_parameters_work_in_an_own_query(built):
    text = "SELECT ?label WHERE { ?_who_iri <http://www.w3.org/2000/01/rdf-schema#label> ?label }"
    who = "https://w3id.org/partykg/id/person/rosa-luxemburg"
    res = run(built, "-", "-p", f"who={who}", "--format", "csv", stdin=text)
    assert res.exit_code == 0, res.output
    # the same label as the ready-made entity query's store gives for that IRI
    from pyoxigraph import NamedNode

    from partykg.sparql.store import load_store
    store = load_store(built)
    labels = {q.object.value for q in store.quads_for_pattern(
        NamedNode(who), NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), None)}
    assert labels and {r["label"] for r in rows(res.output)} == labels
    missing = run(built, "-", "--format", "csv", stdin=text)
    assert missing.exit_code == 2 and "needs the parameter 'who'" in missing.output


def test_a_header_given_in_an_own_query_is_still_checked(built):
    res = run(built, "-", stdin="#+ summry: typo\n" + COUNT)
    assert res.exit_code == 2 and "unknown header key(s): summry" in res.output


def test_a_syntax_error_names_file_line_and_column_with_a_caret(built, tmp_path):
    path = tmp_path / "broken.rq"
    path.write_text("SELECT * WHERE {\n  ?s ?p ?o .\n  ?s ?p FOO ?o\n}\n", encoding="utf-8")
    res = run(built, str(path))
    assert res.exit_code == 2
    m = re.search(re.escape(str(path)) + r":(\d+): SPARQL syntax error at line (\d+), "
                  r"column (\d+): (.+)\n    (.*)\n    ( *)\^\n", res.output)
    assert m, res.output
    line, line2, col = int(m.group(1)), int(m.group(2)), int(m.group(3))
    assert line == line2 == 3 and m.group(5) == "  ?s ?p FOO ?o"
    assert len(m.group(6)) == col - 1 and col > len("  ?s ?p ")   # at or after FOO
    assert "Traceback" not in res.output


def test_literals_by_value_and_language_tags_in_the_table(built):
    res = CliRunner().invoke(main, ["--root", str(built.root), "--out", str(built.out), "query",
                                    "--sparql", ('SELECT (12 AS ?n) ("Arbeit"@de AS ?w) '
                                                 '("[bold]x[/]" AS ?m) WHERE {}')],
                             env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    body = res.output
    assert "12" in body and "^^" not in body and "XMLSchema" not in body and '"12"' not in body
    assert "Arbeit @de" in body
    assert "[bold]x[/]" in body     # data is never read as rich markup


def test_two_queries_at_once_are_refused(built):
    res = run(built, "05", "--sparql", COUNT)
    assert res.exit_code == 2 and "not both" in res.output
