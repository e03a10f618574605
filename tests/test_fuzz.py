"""Property-based tests (hypothesis): the quote resolver and the annotation
loader on random input.

Runs are bounded and deterministic (derandomize, no example database), so the
suite stays fast and CI sees the same examples every time.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import without_links_beyond

from partykg.core.errors import Collector, InputError
from partykg.core.paths import project
from partykg.model.anchor import AnchorError, anchor, explain_miss
from partykg.model.annotations import check_links, load_source
from partykg.model.registry import load_registry
from partykg.rdf.build import build

pytestmark = pytest.mark.slow   # hypothesis over the loader: in CI, not in the fast loop

ROOT = Path(__file__).resolve().parents[1]
ANN = "data/annotations/crn-2003.yaml"   # the smallest real annotation file
LINKED = "data/annotations/mandel-1970.yaml"   # whose claims crn-2003 links to
FUZZ = settings(derandomize=True, database=None, deadline=None, max_examples=200,
                suppress_health_check=[HealthCheck.too_slow])


# --- the quote resolver --------------------------------------------------------

def occurrences(text: str, needle: str) -> int:
    """Overlapping occurrences, counted the slow obvious way."""
    return sum(1 for i in range(len(text) - len(needle) + 1) if text.startswith(needle, i))


ALPHABET = "ab \n“é"  # few letters, so that quotes repeat; a newline; non-ASCII


@FUZZ
@given(text=st.text(ALPHABET, max_size=40), data=st.data())
def test_anchor_finds_exactly_the_unique_quote(text, data):
    if text and data.draw(st.booleans(), label="slice of the text"):
        i = data.draw(st.integers(0, len(text) - 1))
        j = data.draw(st.integers(i + 1, len(text)))
        quote = text[i:j]
        prefix = text[max(0, i - data.draw(st.integers(0, 3))):i]
        suffix = text[j:j + data.draw(st.integers(0, 3))]
    else:
        quote = data.draw(st.text(ALPHABET, max_size=6))
        prefix = data.draw(st.text(ALPHABET, max_size=2))
        suffix = data.draw(st.text(ALPHABET, max_size=2))
    n = occurrences(text, prefix + quote + suffix) if quote else 0
    try:
        span = anchor(text, quote, prefix, suffix)
    except AnchorError as exc:
        assert exc.message and exc.hint
        if not quote:
            assert "empty" in exc.message
        elif n > 1:
            assert f"occurs {n} times" in exc.message
        else:
            assert n == 0
            bare = occurrences(text, quote)
            if bare and (prefix or suffix):
                assert "but not with this prefix/suffix" in exc.message
            else:
                assert "not in the text" in exc.message
        return
    assert quote and n == 1
    assert 0 <= span.start < span.end <= len(text)
    assert span.exact(text) == quote
    assert text[span.start - len(prefix):span.start] == prefix
    assert text[span.end:span.end + len(suffix)] == suffix
    assert span.prefix(text) == text[max(0, span.start - 32):span.start]
    assert span.suffix(text) == text[span.end:span.end + 32]


@FUZZ
@given(text=st.text(max_size=300), quote=st.text(min_size=1, max_size=60))
def test_explain_miss_always_explains(text, quote):
    assert isinstance(explain_miss(text, quote), str) and explain_miss(text, quote)


# --- the annotation loader ----------------------------------------------------

TOKENS = [": ", "- ", "[", "]", "{", "}", "'", '"', "#", "&a ", "*a", "!!int ", "|", ">",
          "%", "@", "`", "\t", "~", ",", "? ", "\\", "\x00", "\ufeff", "é", "null", "true",
          "0x1F", "1e3", "2019-02-30", "c01", "q99", "Q0", "vladimir-lenin", "\n", "    "]
VALUES = ["", "~", "[]", "{}", "[a, b]", "{a: 1}", "12", "-3.5", "true", "2003-12-30",
          "'x'", "c01", "[c01, c01]", "Q1", "-", "[[1]]", "!!binary aGk=", "&x y", "*x",
          "{quote: x}", "[{id: c01}]", "ernest-mandel", "history-of-the-russian-revolution",
          "vanguard-party-needed", '"\\u0000"', "|\n  block"]


@st.composite
def mutated(draw, original: str) -> str:
    """A real annotation file with one to four edits a hurried annotator could make."""
    lines = original.split("\n")
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        how = draw(st.sampled_from(["delete", "duplicate", "swap", "indent", "dedent",
                                    "insert", "value", "key"]))
        line = lines[i]
        if how == "delete":
            del lines[i]
        elif how == "duplicate":
            lines.insert(i, line)
        elif how == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif how == "indent":
            lines[i] = " " * draw(st.integers(1, 3)) + line
        elif how == "dedent":
            lines[i] = line[draw(st.integers(1, 3)):]
        elif how == "insert":
            at = draw(st.integers(0, len(line)))
            lines[i] = line[:at] + draw(st.sampled_from(TOKENS)) + line[at:]
        elif how == "value" and ": " in line:
            lines[i] = line.split(": ", 1)[0] + ": " + draw(st.sampled_from(VALUES))
        elif how == "key" and ": " in line:
            key, _, rest = line.partition(": ")
            new = draw(st.sampled_from(["id", "quote", "claims", "source", "x", "prefix",
                                        "evidence", "about", "speaker", "work", "locator"]))
            lines[i] = key[:len(key) - len(key.lstrip())] + new + ": " + rest
        if not lines:
            lines = [""]
    return "\n".join(lines)


SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=False),
                    st.text(max_size=12), st.sampled_from(VALUES))
KEYS = st.sampled_from(["source", "claims", "quotations", "citations", "links", "mentions",
                        "id", "text", "sha256", "title", "language", "claimant", "quote",
                        "paraphrase", "speaker", "work", "entity", "type", "claims",
                        "justification", "about", "evidence", "locator", "x"])
DOCS = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=5)), max_leaves=25)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """A project copy with the smallest annotation file and the one it links to
    (mandel-1970); the registry and mandel-1970 loaded once."""
    folder = tmp_path_factory.mktemp("fuzz")
    for name in ("data", "ontology", "shapes", "queries"):
        shutil.copytree(ROOT / name, folder / name)
    for other in (folder / "data/annotations").glob("*.yaml"):
        if other.name not in (Path(ANN).name, Path(LINKED).name):
            other.unlink()
    kept = ("crn-2003", "mandel-1970")
    linked_file = folder / LINKED
    linked_file.write_text(without_links_beyond(linked_file.read_text(encoding="utf-8"), kept),
                           encoding="utf-8")
    errors = Collector()
    registry = load_registry(folder / "data", folder, errors)
    linked = load_source(folder / LINKED, folder / "data", folder, registry, errors)
    assert not errors.problems
    return folder, (registry, linked), without_links_beyond(
        (ROOT / ANN).read_text(encoding="utf-8"), ("crn-2003", "mandel-1970"))


def load_or_problems(folder: Path, loaded, content: str | bytes) -> list:
    """Load the file: the problems found (none when it loads). Any exception
    other than InputError fails the test."""
    registry, linked = loaded
    path = folder / ANN
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    errors = Collector()
    try:
        src = load_source(path, folder / "data", folder, registry, errors)
        check_links([linked, src] if src else [linked], errors)
    except InputError as exc:
        return exc.problems
    return errors.problems


def assert_placed(problems) -> None:
    for p in problems:
        assert p.file.endswith((".yaml", ".txt")), p
        assert p.line >= 1, p
        assert p.message and p.hint, p


@FUZZ
@given(data=st.data())
def test_mutated_annotation_file_loads_or_reports_placed_problems(small, data):
    folder, loaded, original = small
    assert_placed(load_or_problems(folder, loaded, data.draw(mutated(original))))


@FUZZ
@given(doc=DOCS)
def test_random_yaml_document_loads_or_reports_placed_problems(small, doc):
    folder, loaded, _ = small
    problems = load_or_problems(folder, loaded, yaml.safe_dump(doc, allow_unicode=True))
    assert_placed(problems)
    assert problems, "a random document is never a valid annotation file"


@FUZZ
@given(raw=st.binary(max_size=200))
def test_random_bytes_load_or_report_placed_problems(small, raw):
    folder, loaded, _ = small
    assert_placed(load_or_problems(folder, loaded, raw))


# --- hostile YAML and texts (issue 14) ----------------------------------------------
# The loader raises InputError and nothing else, whatever the file holds: aliases
# and anchors, merge keys, tags, deep nesting, escapes of control, invisible and
# bidirectional characters, several documents, odd line breaks.

HOSTILE = TOKENS + ["&x ", "*x", "&x [*x]", "<<: *x", "!!python/object/apply:os.system ",
                    "!!str ", "!!binary ", "!!timestamp ", "!!float ", "---\n", "...\n",
                    '"\\e"', '"\\0"', '"\\u200b"', '"\\x85"', '"\\ud800"', '"\\U0010ffff"',
                    "\u202e", "\u200b", "\u2066", "\x85", "\u2028", "\r\n", "\r", "[" * 40,
                    "]" * 40, "{a: " * 40, "- " * 40, "? ", "2003-13-45", "Q" + "9" * 40,
                    "name: ", "label: ", "broader: ", "part_of: ", "aliases: ", "\n  ",
                    "\n    ", "x" * 300]


@st.composite
def hostile_yaml(draw) -> str:
    parts = draw(st.lists(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=6)),
                          max_size=40))
    return "".join(parts)


@FUZZ
@given(text=hostile_yaml())
def test_load_yaml_raises_only_input_errors(small, text):
    """Any text: a document with line numbers, or InputError naming the file."""
    from partykg.model.yamlload import load_yaml
    folder, _, _ = small
    path = folder / "hostile.yaml"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    try:
        load_yaml(path, "hostile.yaml")
    except InputError as exc:
        for p in exc.problems:
            assert p.file == "hostile.yaml" and p.message and p.hint, p


def problems_of_registry(folder: Path, name: str, text: str) -> list:
    """Load the registry with ``text`` as data/``name``; the problems (never another
    exception than InputError)."""
    path = folder / "data" / name
    original = path.read_bytes()
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    try:
        errors = Collector()
        load_registry(folder / "data", folder, errors)
        return errors.problems
    except InputError as exc:
        return exc.problems
    finally:
        path.write_bytes(original)


@settings(FUZZ, max_examples=80)   # each example loads the whole registry
@given(text=hostile_yaml())
def test_hostile_theses_file_reports_placed_problems(small, text):
    folder, _, _ = small
    for p in problems_of_registry(folder, "theses.yaml", text):
        assert p.file.endswith(".yaml") and p.message and p.hint, p


@settings(FUZZ, max_examples=80)   # each example loads the whole registry
@given(data=st.data())
def test_mutated_registry_file_reports_placed_problems(small, data):
    folder, _, _ = small
    original = (folder / "data/registry/places.yaml").read_text(encoding="utf-8")
    text = data.draw(st.one_of(mutated(original), hostile_yaml()))
    for p in problems_of_registry(folder, "registry/places.yaml", text):
        assert p.file.endswith(".yaml") and p.message and p.hint, p


@FUZZ
@given(text=st.text(max_size=300) | st.binary(max_size=300).map(
    lambda b: b.decode("latin1")))
def test_any_source_text_loads_or_reports_placed_problems(small, text):
    """Any text in place of a source text (controls, invisible characters, NUL):
    the quotes anchor or the problems are placed; nothing else is raised."""
    folder, loaded, original = small
    registry, _ = loaded
    txt = folder / "data/sources/001_dd90202b6122d386.txt"
    before = txt.read_bytes()
    txt.write_bytes(text.encode("utf-8", "surrogatepass"))
    try:
        assert_placed(load_or_problems(folder, loaded, original))
    finally:
        txt.write_bytes(before)


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@settings(FUZZ, max_examples=12)
@given(data=st.data())
def test_failed_build_never_writes(small, data):
    """A build that fails on a mutated file leaves the previous output as it was;
    one that succeeds replaces it whole."""
    folder, _, original = small
    proj = project(folder, folder / "out")
    (folder / ANN).write_text(original, encoding="utf-8")
    if not proj.manifest.exists():
        build(proj)
    before = snapshot(proj.out)
    (folder / ANN).write_text(data.draw(mutated(original)), encoding="utf-8")
    try:
        build(proj)
    except InputError as exc:
        assert_placed(exc.problems)
        assert snapshot(proj.out) == before
        return
    assert sorted(p.name for p in proj.build_dir.iterdir()) == [
        "annotation-index.json", "manifest.json", "partykg.nq", "partykg.trig", "partykg.ttl",
        "reading.json", "search-index.json"]
    # Beside the build only the cache of named graphs (rdf/graphcache.py), no temporary.
    assert sorted(p.name for p in proj.out.iterdir()) == ["build", "cache"]


# --- mention detection -------------------------------------------------------------

NAME_ALPHABET = "ab '.é"   # word and non-word characters, so names nest and overlap


@FUZZ
@given(names=st.lists(st.text(NAME_ALPHABET, min_size=1, max_size=5), min_size=1, max_size=8,
                      unique=True),
       text=st.text(NAME_ALPHABET + "\n", max_size=60))
def test_trie_regex_finds_what_the_longest_first_alternation_finds(names, text):
    """The character-trie pattern of mention detection matches exactly where the
    plain alternation of every name, longest first, does (the definition)."""
    import re

    from partykg.model.mentions import _trie_regex
    plain = re.compile(r"(?<!\w)(?:" + "|".join(
        re.escape(n) for n in sorted(names, key=lambda n: (-len(n), n))) + r")(?!\w)")
    trie = re.compile(r"(?<!\w)" + _trie_regex(sorted(names)) + r"(?!\w)")
    assert [m.span() for m in trie.finditer(text)] == [m.span() for m in plain.finditer(text)]
