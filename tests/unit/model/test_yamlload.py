"""partykg.model.yamlload: every key and item knows its line; duplicate keys, bad
bytes and bad syntax are errors naming the file and line."""

from __future__ import annotations

import pytest

from partykg.core.errors import InputError
from partykg.model.yamlload import LList, LMap, load_yaml

DOC = """\
# a comment
source:
  id: mandel-1970
  authors: [ernest-mandel, leon-trotsky]
claims:
  - id: c01
    quote: "one"

  - id: c02
    about:
      - vladimir-lenin
      - rosa-luxemburg
"""


def problem(exc: pytest.ExceptionInfo) -> tuple[str, int, str, str]:
    [p] = exc.value.problems
    return p.file, p.line, p.message, p.hint


def test_mappings_and_lists_know_their_lines(yaml_text):
    doc = yaml_text(DOC)
    assert isinstance(doc, LMap) and doc.line == 2
    assert doc.key_lines == {"source": 2, "claims": 5}
    source = doc["source"]
    assert source.line == 3 and source.line_of("authors") == 4
    assert source.line_of("no-such-key") == 3  # the mapping's own line
    claims = doc["claims"]
    assert isinstance(claims, LList) and claims.lines == [6, 9]
    assert claims.line_of(1) == 9 and claims.line_of(5) == claims.line
    assert claims[1].line == 9 and claims[1]["about"].lines == [11, 12]
    assert doc["source"]["authors"] == ["ernest-mandel", "leon-trotsky"]


def test_duplicate_key_names_both_lines(yaml_text):
    """PyYAML would keep the second value silently."""
    with pytest.raises(InputError) as exc:
        yaml_text("a: 1\nb:\n  c: 2\n  c: 3\n")
    assert problem(exc) == ("t.yaml", 4, "duplicate key 'c' (first at line 3)",
                            "remove or rename one of the two")


def test_key_that_is_not_a_word(yaml_text):
    with pytest.raises(InputError) as exc:
        yaml_text("? [a, b]\n: 1\n")
    assert problem(exc)[1:3] == (1, "a key must be a plain word")


def test_scalars_keep_their_types_and_dates_their_text(yaml_text):
    """A date is kept as written (1917-07-23 is not turned into a date object, and
    "1917-07" stays a string); numbers and booleans are parsed."""
    doc = yaml_text("born: 1917-07-23\nmonth: 1917-07\nn: 3\nflag: true\nnothing:\n")
    assert doc == {"born": "1917-07-23", "month": "1917-07", "n": 3, "flag": True,
                   "nothing": None}


def test_empty_file_is_none(yaml_text):
    assert yaml_text("# only a comment\n") is None


def test_syntax_error_names_the_line_and_shows_it(yaml_text):
    with pytest.raises(InputError) as exc:
        yaml_text("claims:\n  - id: c01\n    quote: a: b\n")
    file, line, message, hint = problem(exc)
    assert (file, line) == ("t.yaml", 3)
    # libyaml says "in this context", PyYAML's pure-Python parser "here"
    assert message.startswith("YAML syntax error: mapping values are not allowed ")
    assert message.endswith("; the line reads `quote: a: b`")
    assert "quote text that contains ': '" in hint


def test_value_that_does_not_fit_its_tag(yaml_text):
    with pytest.raises(InputError) as exc:
        yaml_text("a: 1\nn: !!int source\n")
    assert problem(exc)[1:3] == (2, "the value 'source' does not fit its tag "
                                    "tag:yaml.org,2002:int; the line reads `n: !!int source`")


def test_byte_order_mark(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfa: 1\n")
    with pytest.raises(InputError) as exc:
        load_yaml(path, "bom.yaml")
    assert problem(exc)[:3] == ("bom.yaml", 1, "the file starts with a byte-order mark (BOM)")


def test_invalid_utf8_names_line_and_byte(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("a: 1\nname: Bront\xeb\n".encode("latin-1"))
    with pytest.raises(InputError) as exc:
        load_yaml(path, "latin1.yaml")
    assert problem(exc)[1:3] == (2, "the file is not valid UTF-8 (byte 16); the line reads "
                                    "`name: Bront\ufffd`")


def test_control_character(yaml_text):
    with pytest.raises(InputError) as exc:
        yaml_text("a: 1\nb: bell\x07\n")
    assert problem(exc)[1:3] == (2, "the character U+0007 is not allowed in YAML (column 8); "
                                    "the line reads `b: bell\\x07`")


def test_missing_file(tmp_path):
    with pytest.raises(InputError) as exc:
        load_yaml(tmp_path / "nothing.yaml", "nothing.yaml")
    assert problem(exc)[:3] == ("nothing.yaml", 0, "cannot read the file: No such file or directory")
