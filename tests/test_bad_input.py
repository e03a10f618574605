"""Bad input, every kind: one clear message naming file, line and field, with a
fix hint; exit code 2; the previous output left untouched.

The catalogue below holds one fixture per kind of mistake: an edit applied to
a private copy of the real project (the `workdir` fixture), the place the
message must name, what it must say and the fix it must suggest."""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
from click.testing import CliRunner
from conftest import built_copy

from partykg.cli import main

ANN = "data/annotations/mandel-1970.yaml"
TXT = "data/sources/000_773fbfcb8c76a8a9.txt"
EVENTS = "data/registry/events.yaml"
PERSONS = "data/registry/persons.yaml"
PLACES = "data/registry/places.yaml"
BOM = b"\xef\xbb\xbf"
USED_BY = f"`text:` of {ANN}"


def run(workdir: Path, *args: str):
    """The real CLI, in process (click's runner), on the copy in ``workdir``."""
    env = {"PARTYKG_ROOT": str(workdir), "PARTYKG_OUT": str(workdir / "out"), "COLUMNS": "200"}
    return CliRunner().invoke(main, list(args), env=env)


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def line_of(path: Path, needle: str) -> int:
    data, want = path.read_bytes(), needle.lstrip("\n").encode()
    at = data.find(needle.encode())
    assert at >= 0, f"{needle!r} not in {path}"
    return data.count(b"\n", 0, at + len(needle.encode()) - len(want)) + 1


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


Edit = Callable[[bytes], bytes]


def sub(old: str | bytes, new: str | bytes) -> Edit:
    old_b = old.encode() if isinstance(old, str) else old
    new_b = new.encode() if isinstance(new, str) else new

    def edit(data: bytes) -> bytes:
        assert old_b in data, old_b
        return data.replace(old_b, new_b, 1)
    return edit


def whole(new: bytes) -> Edit:
    return lambda _: new


def prepend(head: bytes) -> Edit:
    return lambda data: head + data


@dataclass(frozen=True)
class Case:
    file: str                  # the file the mistake is made in
    edit: Edit                 # the mistake
    at: str | int              # the reported line: text on it (after the edit), or its number
    message: str               # what is wrong
    field: str | None          # the field (key) the message names; None: the whole file
    hint: str                  # part of the fix hint
    where: str | None = None   # the file the message names, when not `file`


CASES: dict[str, Case] = {
    # YAML syntax
    "yaml-syntax-error": Case(ANN, sub("  - id: c03\n", "  - id: c03\n   oops: [\n"), "oops: [",
                              "YAML syntax error", "oops: [", "indentation"),
    "yaml-tab-indentation": Case(ANN, sub("  - id: c03\n    claimant", "  - id: c03\n\tclaimant"),
                                 "\tclaimant", "YAML syntax error", "claimant", "indentation"),
    "yaml-control-character": Case(ANN, sub("    paraphrase: Lenin did not",
                                            "    paraphrase: Lenin\x07 did not"),
                                   "paraphrase: Lenin", "U+0007 is not allowed in YAML",
                                   "paraphrase: Lenin\\x07", "delete it"),
    "yaml-tag-mismatch": Case(ANN, sub('created: "1970"', 'created: !!int "in 1970"'),
                              "created: !!int", "'in 1970' does not fit its tag", "created: !!int",
                              "quote the value"),
    # unknown keys, misspelt fields, hand-written offsets
    "unknown-key": Case(ANN, sub("    paraphrase: Lenin did not",
                                 "    colour: red\n    paraphrase: Lenin did not"),
                        "colour: red", "unknown key 'colour' in claim", "colour",
                        "allowed keys in claim"),
    "misspelt-field": Case(ANN, sub("    paraphrase: Lenin did not", "    paraphrse: Lenin did not"),
                           "paraphrse:", "unknown key 'paraphrse'", "paraphrse",
                           "did you mean 'paraphrase'"),
    "misspelt-registry-field": Case(EVENTS, sub('  start: "1968-05"', '  strat: "1968-05"'),
                                    'strat: "1968-05"', "unknown key 'strat'",
                                    "entry 'french-may-1968'", "did you mean 'start'"),
    "missing-required-field": Case(
        ANN, sub("    paraphrase: Distrust of spontaneous mass movements is not Leninist", "    #"),
        "  - id: c03", "claim lacks the required key 'paraphrase'", "paraphrase",
        "say the claim in one sentence"),
    "value-not-a-text": Case(ANN, sub("  title: The revolutionary vanguard and spontaneous mass",
                                      "  title: [The revolutionary vanguard]\n  #"),
                             "title: [", "must be a text", "'title' of source", "quote it"),
    "value-not-a-boolean": Case(ANN, sub("    paraphrase: true\n", "    paraphrase: maybe\n"),
                                "paraphrase: maybe", "must be true or false",
                                "'paraphrase' of quotation", "write `true` or `false`"),
    # unknown references
    "unknown-entity-key": Case(ANN, sub("claimant: rosa-luxemburg", "claimant: rosa-luxembourg"),
                               "rosa-luxembourg", "unknown entity 'rosa-luxembourg'", "claimant",
                               "did you mean 'rosa-luxemburg'"),
    "unknown-entity-in-registry": Case(EVENTS, sub("  place: france\n", "  place: frence\n"),
                                       "place: frence", "unknown entity 'frence'",
                                       "'place' of 'french-may-1968'", "did you mean 'france'"),
    "unknown-thesis": Case(ANN, sub("qualifies: [vanguard-party-needed]",
                                    "qualifies: [vanguard-party-neded]"),
                           "vanguard-party-neded", "unknown thesis 'vanguard-party-neded'",
                           "'qualifies' of c06", "use one of"),
    "unknown-evidence-id": Case(ANN, sub("    evidence: [q02]\n", "    evidence: [q09]\n"),
                                "evidence: [q09]", "no quotation, citation or claim 'q09'",
                                "evidence of c04", "check the id"),
    "unknown-linked-claim": Case(ANN, sub("    claims: [c01, c02]", "    claims: [c01, c99]"),
                                 "  - type: contradicts", "unknown claim 'mandel-1970-c99'",
                                 "link", "existing claim"),
    "unknown-link-type": Case(ANN, sub("  - type: contradicts", "  - type: contradict"),
                              "type: contradict", "unknown link type 'contradict'", "link type",
                              "use one of: agrees, contradicts"),
    # duplicates
    "duplicate-id": Case(ANN, sub("  - id: c03\n", "  - id: c02\n"), "  - id: c02\n    claimant: e",
                         "duplicate id 'c02'", "id", "new number"),
    "duplicate-key-in-entry": Case(ANN, sub("  - id: c01\n    claimant: ernest-mandel\n",
                                            "  - id: c01\n    claimant: ernest-mandel\n"
                                            "    claimant: leon-trotsky\n"),
                                   "claimant: leon-trotsky", "duplicate key 'claimant'",
                                   "claimant", "remove or rename one"),
    "duplicate-registry-key": Case(PERSONS, lambda d: d + b"\nfrance:\n  name: Anatole France\n",
                                   "\nfrance:", "duplicate key 'france' (also at "
                                   "data/registry/persons.yaml:", "france",
                                   "keys are unique across the whole registry", where=PLACES),
    "duplicate-qid": Case(PERSONS, sub("qid: Q76586", "qid: Q1394"), "karl-kautsky:",
                          "Q1394 is the Wikidata item of both 'vladimir-lenin'", "karl-kautsky",
                          "merge the two entries"),
    # quotes and offsets
    "quote-not-in-text": Case(ANN, sub("It would be a great injustice to Lenin",
                                       "It would be a grave injustice to Lenin"),
                              "a grave injustice", "claim c01: the quote is not in the text",
                              "quote", "then the text has"),
    "ambiguous-quote": Case(ANN, sub("quote: 'the powerful steam evaporated for lack of a piston "
                                     "that would have compressed it at the decisive moment'",
                                     "quote: 'spontaneous'"),
                            "quote: 'spontaneous'", "occurs", "quote", "add a `prefix:`"),
    # The format has no offsets: the build computes them from the quote. What can
    # disagree with the quote is a prefix/suffix (the context that fixes its place)
    # or an offset written by hand.
    "prefix-disagrees-with-quote": Case(
        ANN, sub("    quote: 'Only the Stalinist", "    prefix: 'wrong words '\n"
                 "    quote: 'Only the Stalinist"), "quote: 'Only the Stalinist",
        "the quote is in the text (line", "prefix/suffix",
        "prefix must end right where the quote starts"),
    "hand-written-offset": Case(ANN, sub("    paraphrase: Lenin did not",
                                         "    start: 120\n    paraphrase: Lenin did not"),
                                "start: 120", "unknown key 'start' in claim", "start",
                                "the build computes them from `quote:`"),
    # dates and QIDs
    "impossible-date": Case(ANN, sub('published: "2003-12-30"', 'published: "2019-02-30"'),
                            '"2019-02-30"', "'2019-02-30' is not a valid date",
                            "'published' of source", "YYYY-MM-DD"),
    "impossible-month": Case(EVENTS, sub('start: "1968-05"', 'start: "1968-13"'), '"1968-13"',
                             "'1968-13' is not a valid date", "'start' of entry", "YYYY-MM"),
    "date-wrong-format": Case(EVENTS, sub('start: "1968-05"', 'start: "05/1968"'), '"05/1968"',
                              "'05/1968' is not a valid date", "'start' of entry",
                              "YYYY, YYYY-MM or YYYY-MM-DD"),
    "date-in-words": Case(ANN, sub('created: "1970"', 'created: "circa 1970"'), "circa 1970",
                          "'circa 1970' is not a valid date", "'created' of source",
                          "give only the precision the source gives"),
    "malformed-qid": Case(PERSONS, sub("qid: Q1394", "qid: 1394"), "qid: 1394",
                          "'1394' is not a Wikidata QID", "'qid' of wikidata",
                          "Q followed by digits"),
    "qid-as-url": Case(PERSONS, sub("qid: Q1394", "qid: https://www.wikidata.org/wiki/Q1394"),
                       "wiki/Q1394", "is not a Wikidata QID", "'qid' of wikidata",
                       "Q followed by digits"),
    # an entity of the wrong kind in a role
    "work-as-claimant": Case(ANN, sub("claimant: rosa-luxemburg",
                                      "claimant: history-of-the-russian-revolution"),
                             "claimant: history-of-the-russian-revolution",
                             "'history-of-the-russian-revolution' is a work", "claimant of c05",
                             "use the key of a person or organization or group"),
    "work-as-speaker": Case(ANN, sub("    speaker: leon-trotsky",
                                     "    speaker: history-of-the-russian-revolution"),
                            "speaker: history", "is a work, but here only", "speaker of q01",
                            "use the key of a person or organization or group"),
    "person-as-cited-work": Case(ANN, sub("    work: history-of-the-russian-revolution",
                                          "    work: leon-trotsky"),
                                 "work: leon-trotsky", "'leon-trotsky' is a person",
                                 "work of q01", "use the key of a work"),
    "person-as-place": Case(EVENTS, sub("  place: france\n", "  place: vladimir-lenin\n"),
                            "place: vladimir-lenin", "'vladimir-lenin' is a person",
                            "'place' of 'french-may-1968'", "use the key of a place"),
    "source-id-not-file-name": Case(ANN, sub("  id: mandel-1970", "  id: mandel-1971"),
                                    "id: mandel-1971", "differs from the file name",
                                    "source id", "rename the file or set `id: mandel-1970`"),
    # the texts: encoding, BOM, empty, missing
    "text-not-utf8": Case(TXT, sub(b"great injustice", b"great \xff injustice"), "great ",
                          "the text is not valid UTF-8", USED_BY, "convert it to UTF-8"),
    "text-with-bom": Case(TXT, prepend(BOM), 1, "starts with a byte-order mark (BOM)", USED_BY,
                          "save it as UTF-8 without BOM"),
    "text-empty": Case(TXT, whole(b""), 1, "the source text is empty", USED_BY,
                       "put the essay's text in the file"),
    "text-blank": Case(TXT, whole(b"\n  \n\n"), 1, "the source text is empty", USED_BY,
                       "put the essay's text in the file"),
    # a text changed after it was annotated (fixity; tests/test_fixity.py goes further)
    "text-changed-checksum": Case(TXT, sub("great injustice", "grave injustice"), "  sha256: ",
                                  "has changed since it was annotated", "SHA-256",
                                  "record the new digest on this line: `sha256: ", where=ANN),
    "text-changed-quote-gone": Case(TXT, sub("great injustice", "grave injustice"),
                                    "quote: 'It would be a great injustice",
                                    "no longer anchors in the changed text", "claim c01",
                                    'then the text has "ave injustice', where=ANN),
    "text-missing": Case(ANN, sub("text: sources/000_773fbfcb8c76a8a9.txt",
                                  "text: sources/000_missing.txt"), "000_missing.txt",
                         "cannot be read", "'text'", "relative to data/"),
    # the YAML files: encoding, BOM
    "annotation-not-utf8": Case(ANN, sub(b"great injustice", b"great \xe9 injustice"),
                                "quote: 'It would be a great", "not valid UTF-8",
                                "quote: 'It would be a great", "save the file as UTF-8"),
    "annotation-with-bom": Case(ANN, prepend(BOM), 1, "starts with a byte-order mark", None,
                                "save the file as UTF-8 without BOM"),
}


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A copy of the project with one annotation file (mandel-1970, which every
    case edits; loading one source keeps the catalogue fast), built once: its
    out/ is the previous output each case must leave alone."""
    return built_copy(tmp_path_factory.mktemp("template"), only=Path(ANN).name)


@pytest.fixture()
def copy(template, tmp_path) -> Path:
    shutil.copytree(template, tmp_path / "project")
    return tmp_path / "project"


def problems(stderr: str) -> dict[str, str]:
    """The report as {'file:line: message': 'fix hint'}."""
    out, head = {}, None
    for line in stderr.splitlines():
        if line.startswith("    fix: ") and head:
            out[head] = line[len("    fix: "):]
        elif line and not line.startswith(" "):
            head = line
            out[head] = ""
    return out


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_exits_2_with_place_field_and_hint(copy, case):
    """Each mistake names file, line and field, says what is wrong and how to fix
    it, exits 2 and leaves the previous build exactly as it was."""
    c, workdir = CASES[case], copy
    before = snapshot(workdir / "out")
    path = workdir / c.file
    path.write_bytes(c.edit(path.read_bytes()))
    where = c.where or c.file
    line = c.at if isinstance(c.at, int) else line_of(workdir / where, c.at)
    result = run(workdir, "build", "-q")
    assert result.exit_code == 2, result.output
    assert "nothing was written" in result.stderr
    found = {head: hint for head, hint in problems(result.stderr).items()
             if head.startswith(f"{where}:{line}: ") and c.message in head}
    assert found, f"no '{where}:{line}: …{c.message}…' in:\n{result.stderr}"
    head, hint = next(iter(found.items()))
    if c.field is not None:
        assert c.field in head, head
    assert c.hint in hint, (head, hint)
    assert snapshot(workdir / "out") == before


def test_changed_text_is_refused(copy):
    """A source text edited after annotation must not be published with stale
    offsets. (Loose on purpose: the fixity check reports it its own way.)"""
    workdir = copy
    before = snapshot(workdir / "out")
    replace(workdir / TXT, "great injustice", "grave injustice")
    result = run(workdir, "build", "-q")
    assert result.exit_code == 2, result.output
    assert Path(TXT).name in result.stderr
    assert "nothing was written" in result.stderr
    assert snapshot(workdir / "out") == before


def test_all_problems_reported_at_once(workdir):
    """Two independent mistakes are both reported in one run, so the annotator fixes both."""
    path = workdir / ANN
    replace(path, "claimant: rosa-luxemburg", "claimant: rosa-luxembourg")
    replace(path, "paraphrase: Lenin did not", "paraphrse: Lenin did not")
    result = run(workdir, "build")
    assert result.exit_code == 2
    assert "2 problems in the input" in result.stderr


def test_missing_build_for_query_builds_first(workdir):
    """`partykg query` on a fresh checkout builds first instead of failing."""
    result = run(workdir, "query", "05", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert "The History of the Russian Revolution" in result.stdout
