"""Expected results of the ready-made queries, as CSV files under tests/expected.

Rows are written as plain values (IRIs and literals' lexical forms). A query
with ORDER BY is compared row by row; any other as a sorted list of rows.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from partykg.sparql.query import RQ, QueryResult, plain


def ordered(rq: RQ) -> bool:
    return re.search(r"^\s*ORDER\s+BY\b", rq.text, re.M | re.I) is not None


def result_rows(result: QueryResult) -> list[list[str]]:
    rows = [[plain(t) for t in row] for row in result.rows]
    return rows if ordered(result.rq) else sorted(rows)


def to_csv(variables: list[str], rows: list[list[str]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(variables)
    w.writerows(rows)
    return buf.getvalue()


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    reader = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    return reader[0], reader[1:]
