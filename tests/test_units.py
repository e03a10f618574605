"""Small pieces with sharp edges: the YAML loader and the quote anchor."""

from __future__ import annotations

import pytest

from partykg.core.errors import InputError
from partykg.model.anchor import AnchorError, anchor
from partykg.model.fields import date_precision
from partykg.model.yamlload import load_yaml

TEXT = "Lenin said one thing. Trotsky said one thing. Luxemburg said another thing."


def test_anchor_unique_and_disambiguated():
    """A unique quote anchors; a repeated one needs a prefix or suffix that touches it."""
    span = anchor(TEXT, "another thing")
    assert TEXT[span.start:span.end] == "another thing"
    with pytest.raises(AnchorError, match="occurs 2 times"):
        anchor(TEXT, "said one thing")
    span = anchor(TEXT, "said one thing", prefix="Trotsky ")
    assert span.start == TEXT.index("Trotsky") + len("Trotsky ")
    with pytest.raises(AnchorError, match="not with this prefix/suffix"):
        anchor(TEXT, "said one thing", prefix="Trotsky")


def test_anchor_miss_explains_where_the_quote_differs():
    """The hint shows where the quote stops matching, so a typo is found at once."""
    with pytest.raises(AnchorError) as exc:
        anchor(TEXT, "Trotsky said one think")
    assert 'up to "…Trotsky said one thin"' in exc.value.hint
    assert 'then the text has "g. Luxemburg said another" where the quote has "k"' in exc.value.hint


def test_yaml_loader_lines_duplicates_and_bom(tmp_path):
    """Line numbers are kept; duplicate keys and a BOM are errors, not silent merges."""
    f = tmp_path / "a.yaml"
    f.write_text("a: 1\nb:\n  - x\n  - y\n", encoding="utf-8")
    doc = load_yaml(f)
    assert doc.line_of("b") == 2 and doc["b"].line_of(1) == 4
    f.write_text("a: 1\na: 2\n", encoding="utf-8")
    with pytest.raises(InputError, match="duplicate key 'a'"):
        load_yaml(f)
    f.write_bytes(b"\xef\xbb\xbfa: 1\n")
    with pytest.raises(InputError, match="byte-order mark"):
        load_yaml(f)
    f.write_bytes(b"a: \xff\n")
    with pytest.raises(InputError, match="not valid UTF-8"):
        load_yaml(f)


def test_date_precision():
    """Dates keep the precision the source gives; impossible dates are refused."""
    assert date_precision("1917") == "year"
    assert date_precision("1917-07") == "month"
    assert date_precision("1917-07-23") == "day"
    for bad in ("1917-13", "1917-02-30", "17-07", "July 1917"):
        assert date_precision(bad) is None
