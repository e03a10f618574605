"""Bad input, every kind: one clear message naming file, line and field, with a
fix hint; exit code 2; the previous output left untouched.

The catalogue below holds one fixture per kind of mistake: an edit applied to
a private copy of the real project (the `workdir` fixture), the place the
message must name, what it must say and the fix it must suggest.

Since issue 14 it also holds the hostile inputs of the adversarial pass: YAML
alias bombs and deep nesting, special files and paths outside data/sources/ as
texts, oversized values, a malformed theses file, invisible and control
characters, one-letter aliases, impossible dates and stances, and the messages
that must name what the eye cannot see."""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
from click.testing import CliRunner
from conftest import built_copy

from partykg.cli import main

pytestmark = pytest.mark.slow   # a catalogue of 111 builds on a project copy: in CI, not in the fast loop

ANN = "data/annotations/mandel-1970.yaml"
TXT = "data/sources/000_773fbfcb8c76a8a9.txt"
EVENTS = "data/registry/events.yaml"
PERSONS = "data/registry/persons.yaml"
PLACES = "data/registry/places.yaml"
ORGS = "data/registry/organizations.yaml"
THESES = "data/theses.yaml"
BOM = b"\xef\xbb\xbf"
USED_BY = f"`text:` of {ANN}"
TEXT_LINE = "text: sources/000_773fbfcb8c76a8a9.txt"


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


def keep(data: bytes) -> bytes:
    return data


def both(*edits: Edit) -> Edit:
    def edit(data: bytes) -> bytes:
        for e in edits:
            data = e(data)
        return data
    return edit


Setup = Callable[[Path], None]


def fifo(rel: str) -> Setup:
    return lambda root: os.mkfifo(root / rel)


def symlink(rel: str, target: str) -> Setup:
    return lambda root: (root / rel).symlink_to(target)


def annotation(name: str, text: str) -> Setup:
    """A second annotation file, minimal, for the text ``text`` (as written in `text:`)."""
    def setup(root: Path) -> None:
        digest = hashlib.sha256((root / TXT).read_bytes()).hexdigest()
        (root / "data/annotations" / f"{name}.yaml").write_text(
            f"source:\n  id: {name}\n  text: {text}\n  sha256: {digest}\n"
            f"  title: A copy\n  language: en\n", encoding="utf-8")
    return setup


def retext(old: str, new: str) -> Setup:
    """Change the text and record its new digest: the text is as annotated."""
    def setup(root: Path) -> None:
        replace(root / TXT, old, new)
        ann = root / ANN
        text = ann.read_text(encoding="utf-8")
        digest = hashlib.sha256((root / TXT).read_bytes()).hexdigest()
        start = text.index("sha256: ") + len("sha256: ")
        ann.write_text(text[:start] + digest + text[start + 64:], encoding="utf-8")
    return setup


def alias_bomb(levels: int = 9) -> bytes:
    """The classic 'billion laughs': each level nine aliases of the one before
    (9^9 = 387 million strings from about 1 KB)."""
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    return ("\n".join(lines) + "\n").encode()


def nested(depth: int) -> str:
    return "[" * depth + "x" + "]" * depth


@dataclass(frozen=True)
class Case:
    file: str                  # the file the mistake is made in
    edit: Edit                 # the mistake
    at: str | int              # the reported line: text on it (after the edit), or its number
    message: str               # what is wrong
    field: str | None          # the field (key) the message names; None: the whole file
    hint: str                  # part of the fix hint
    where: str | None = None   # the file the message names, when not `file`
    setup: Setup | None = None  # a change to the file system, before the edit


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
    "unknown-thesis": Case(ANN, sub("    supports: [centralism-needed]\n",
                                    "    supports: [centralism-neded]\n"),
                           "centralism-neded", "unknown thesis 'centralism-neded'",
                           "'supports' of c21", "use one of"),
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

    # --- issue 14: hostile input ---------------------------------------------------
    # YAML aliases (a kilobyte of them expands to gigabytes), nesting, size
    "yaml-alias-bomb": Case(ANN, prepend(alias_bomb()), "a1: &a1", "a YAML alias (*a0)",
                            "a1: &a1 [*a0", "write the value out in full"),
    "yaml-alias-bomb-in-registry": Case(PERSONS, prepend(alias_bomb()), "a1: &a1",
                                        "a YAML alias (*a0)", "*a0",
                                        "aliases (*name) are not allowed"),
    "yaml-self-referencing-alias": Case(ANN, sub("    about: [rosa-luxemburg, vladimir-lenin]\n",
                                                 "    about: &me [*me]\n"), "&me [*me]",
                                        "a YAML alias (*me)", "*me", "write the value out"),
    "yaml-merge-key": Case(PERSONS, sub("  aliases: [Luxemburg]\n", "  <<: *base\n"),
                           "<<: *base", "a YAML alias (*base)", "*base", "write the value out"),
    "yaml-nested-too-deep": Case(ANN, sub("    evidence: [q02]\n", f"    evidence: {nested(40)}\n"),
                                 "evidence: [[[", "nested more than 32 levels deep", None,
                                 "check brackets and indentation"),
    "yaml-nested-beyond-the-parser-limit": Case(ANN, sub("    evidence: [q02]\n",
                                                         f"    evidence: {nested(5000)}\n"),
                                        "evidence: [[[", "nested more than 32 levels deep", None,
                                        "check brackets and indentation"),
    "yaml-file-too-large": Case(ANN, lambda d: d + b"# " + b"x" * (11 * 1024 * 1024) + b"\n",
                                0, "the file is 11.0 MB; the limit is 10.0 MB", None,
                                "split the file"),
    "yaml-value-too-long": Case(ANN, sub("    paraphrase: Lenin did not",
                                         "    paraphrase: " + "x" * 150_000 + " Lenin did not"),
                                "paraphrase: xxx", "a value of 150,", None,
                                "no field of the format needs that much"),
    "yaml-second-document": Case(ANN, lambda d: d + b"---\nsource: {}\n", "---",
                                 "a second YAML document", None, "keep one document per file"),
    "yaml-python-tag": Case(ANN, sub('created: "1970"', "created: !!python/name:os.system ''"),
                            "created: !!python", "the tag tag:yaml.org,2002:python/name:os.system "
                            "is not allowed", "created: !!python", "remove the `!` tag"),
    # the texts: special files, paths outside data/sources/, size, encodings
    "text-named-pipe": Case(ANN, sub(TEXT_LINE, "text: sources/pipe.txt"), "text: sources/pipe",
                            "data/sources/pipe.txt is a named pipe (FIFO), not a regular file",
                            "'text'", "give the path of an ordinary file",
                            setup=fifo("data/sources/pipe.txt")),
    "text-symlink-to-dev-zero": Case(ANN, sub(TEXT_LINE, "text: sources/zero.txt"),
                                     "text: sources/zero", "leads outside data/sources/ "
                                     "(to /dev/zero)", "'text'", "put the text in data/sources/",
                                     setup=symlink("data/sources/zero.txt", "/dev/zero")),
    "text-absolute-path": Case(ANN, sub(TEXT_LINE, "text: /dev/zero"), "text: /dev/zero",
                               "'/dev/zero' is an absolute path", "'text'",
                               "give its path relative to data/"),
    "text-dotdot-outside-data": Case(ANN, sub(TEXT_LINE, "text: ../ontology/partykg.ttl"),
                                     "text: ../ontology", "is outside data/sources/", "'text'",
                                     "put the text in data/sources/"),
    "text-symlink-outside-sources": Case(ANN, sub(TEXT_LINE, "text: sources/onto.txt"),
                                         "text: sources/onto", "leads outside data/sources/",
                                         "'text'", "put the text in data/sources/",
                                         setup=symlink("data/sources/onto.txt",
                                                       "../../ontology/partykg.ttl")),
    "text-is-a-folder": Case(ANN, sub(TEXT_LINE, "text: sources"), "text: sources",
                             "data/sources is a folder, not a regular file", "'text'",
                             "give the path of an ordinary file"),
    "text-annotated-twice-through-dotdot": Case(
        ANN, keep, "  " + TEXT_LINE, "the text data/sources/000_773fbfcb8c76a8a9.txt is also "
        "annotated by data/annotations/copy-2000.yaml", "text", "one annotation file per "
        "source text", setup=annotation("copy-2000", "sources/../sources/000_773fbfcb8c76a8a9.txt")),
    "text-annotated-twice-through-symlink": Case(
        ANN, keep, "  " + TEXT_LINE, "the text data/sources/000_773fbfcb8c76a8a9.txt is also "
        "annotated by data/annotations/copy-2000.yaml", "text", "one annotation file per source text",
        setup=lambda root: (symlink("data/sources/same.txt", "000_773fbfcb8c76a8a9.txt")(root),
                            annotation("copy-2000", "sources/same.txt")(root))),
    "text-too-large": Case(TXT, whole(b"spontaneity " * (21 * 1024 * 1024 // 12 + 1)),
                           TEXT_LINE, "is 21.0 MB; the limit is 20.0 MB", "'text'",
                           "check that it is the right file", where=ANN),
    "text-utf16": Case(TXT, lambda d: d.decode("utf-8").encode("utf-16"), 1,
                       "the text is UTF-16 (little-endian, with a byte-order mark), not UTF-8",
                       USED_BY, "save it as UTF-8"),
    "text-utf16-without-bom": Case(TXT, lambda d: d.decode("utf-8").encode("utf-16-be"), 1,
                                   "the text is UTF-16 (big-endian), not UTF-8", USED_BY,
                                   "iconv -f UTF-16 -t UTF-8"),
    "text-control-character": Case(TXT, sub("great injustice", "great \x1b[31minjustice"),
                                   "great \x1b", "U+001B ESCAPE at column", USED_BY,
                                   "delete the control character"),
    "annotation-utf16": Case(ANN, lambda d: d.decode("utf-8").encode("utf-16-le"), 1,
                             "the file is UTF-16 (little-endian), not UTF-8", None,
                             "save the file as UTF-8"),
    # oversized values
    "paraphrase-too-long": Case(ANN, sub("    paraphrase: Lenin did not",
                                         "    paraphrase: " + "word " * 5000 + "Lenin did not"),
                                "paraphrase: word", "is 25,", "'paraphrase' of claim",
                                "shorten it"),
    "paraphrase-of-50-mb": Case(ANN, sub("    paraphrase: Lenin did not",
                                         "    paraphrase: " + "x" * (50 * 1024 * 1024)), 0,
                                "the file is 50.0 MB; the limit is 10.0 MB", None, "split the file"),
    "name-too-long": Case(PERSONS, sub("  name: Vladimir Lenin", "  name: Vladimir " + "I" * 300),
                          "name: Vladimir III", "is 309 characters long; the limit is 200",
                          "'name' of entry 'vladimir-lenin'", "shorten it"),
    "alias-too-long": Case(PERSONS, sub("  aliases: [Lenin]", "  aliases: [Lenin, " + "Ab" * 3000 + "]"),
                           "aliases: [Lenin, Ab", "is 6,000 characters long; the limit is 200",
                           "'aliases' of entry 'vladimir-lenin'", "shorten it"),
    "quote-too-long": Case(ANN, sub("    quote: 'It would be a great injustice",
                                    "    quote: '" + "x" * 60_000 + "It would be a great injustice"),
                           "quote: 'xxx", "is 60,", "'quote' of claim", "quote a shorter passage"),
    # data/theses.yaml, checked like the registry
    "thesis-key-with-angle-brackets": Case(THESES, sub("crisis-of-leadership:", "crisis<of>leadership:"),
                                           "crisis<of>leadership:", "'crisis<of>leadership' is not "
                                           "a valid thesis key", "thesis key", "kebab-case"),
    "thesis-key-with-spaces": Case(THESES, sub("crisis-of-leadership:", "crisis of leadership:"),
                                   "crisis of leadership:", "'crisis of leadership' is not a valid "
                                   "thesis key", "thesis key", "the key becomes the thesis's IRI"),
    "thesis-key-path": Case(THESES, sub("crisis-of-leadership:", "../../id/person/vladimir-lenin:"),
                            "../../id/person", "'../../id/person/vladimir-lenin' is not a valid "
                            "thesis key", "thesis key", "kebab-case"),
    "thesis-key-scheme": Case(THESES, sub("crisis-of-leadership:", "scheme:"), "scheme:",
                              "'scheme' cannot be a thesis key", "scheme", "choose another key"),
    "thesis-key-is-an-entity": Case(THESES, sub("crisis-of-leadership:", "vladimir-lenin:"),
                                    "vladimir-lenin:", "'vladimir-lenin' is both a thesis and a "
                                    "registry entity", "vladimir-lenin", "rename one"),
    "theses-as-a-list": Case(THESES, whole(b"- label: A\n  definition: B\n"), 1,
                             "the theses file must map thesis keys to entries, not be a list",
                             None, "data/README.md"),
    "thesis-not-a-mapping": Case(THESES, sub("crisis-of-leadership:\n  label:",
                                             "crisis-of-leadership: Defeats\nx-y:\n  label:"),
                                 "crisis-of-leadership: Defeats", "must be a mapping",
                                 "thesis 'crisis-of-leadership'", "allowed keys"),
    "thesis-misspelt-field": Case(THESES, sub("  label: A revolution needs", "  labl: A revolution needs"),
                                  "labl:", "unknown key 'labl' in thesis 'vanguard-party-needed'",
                                  "labl", "did you mean 'label'"),
    "thesis-unknown-broader": Case(THESES, sub("  broader: q-defeats\n", "  broader: q-defeets\n"),
                                   "broader: q-defeets", "unknown thesis 'q-defeets'",
                                   "thesis 'crisis-of-leadership'", "did you mean 'q-defeats'"),
    "thesis-broader-cycle": Case(THESES, both(
        sub("  broader: q-defeats\n", "  broader: vanguard-party-needed\n"),
        sub("vanguard-party-needed:\n", "vanguard-party-needed:\n  broader: crisis-of-leadership\n")),
        "broader: vanguard-party-needed", "`broader` makes a cycle: crisis-of-leadership → "
        "vanguard-party-needed → crisis-of-leadership", "broader", "remove one `broader`"),
    "thesis-broader-itself": Case(THESES, sub("  broader: q-defeats\n",
                                              "  broader: crisis-of-leadership\n"),
                                  "broader: crisis", "`broader` makes a cycle: crisis-of-leadership "
                                  "→ crisis-of-leadership", "broader", "remove one `broader`"),
    # characters: escapes, invisible and bidirectional characters
    "escape-esc-in-value": Case(ANN, sub("  language: en\n", '  language: "en\\e[2J"\n'),
                                "language: ", "U+001B ESCAPE (written as an escape such as "
                                "\\u001b) in a value", None, "delete the escape"),
    "escape-nul-in-value": Case(ANN, sub("  language: en\n", '  language: "en\\u0000"\n'),
                                "language: ", "U+0000 NULL (written as an escape", None,
                                "delete the escape"),
    "escape-c1-in-value": Case(ANN, sub("  language: en\n", '  language: "en\\x9b"\n'),
                               "language: ", "U+009B CONTROL CHARACTER", None, "delete"),
    "zero-width-in-name": Case(PERSONS, sub("  name: Vladimir Lenin", "  name: Vladi\u200bmir Lenin"),
                               "name: Vladi", "U+200B ZERO WIDTH SPACE at column 14",
                               "'name' of entry 'vladimir-lenin'", "invisible"),
    "zero-width-alias-slips-a-duplicate": Case(
        PERSONS, sub("  aliases: [Luxemburg]", '  aliases: [Luxemburg, "Le\\u200bnin"]'),
        "aliases: [Luxemburg, ", "U+200B ZERO WIDTH SPACE (written as an escape such as \\u200b)",
        "'aliases' of entry 'rosa-luxemburg'", "bidirectional-control"),
    "bidi-override-in-alias": Case(PERSONS, sub("  aliases: [Luxemburg]", "  aliases: [Lux\u202eemburg]"),
                                   "aliases: [Lux", "U+202E RIGHT-TO-LEFT OVERRIDE at column 16",
                                   "'aliases' of entry 'rosa-luxemburg'", "invisible"),
    "bidi-isolate-in-title": Case(ANN, sub("  title: The revolutionary", "  title: \u2067The revolutionary"),
                                  "title: ", "U+2067 RIGHT-TO-LEFT ISOLATE at column 10",
                                  "'title' of source", "invisible"),
    "zero-width-in-registry-key": Case(PERSONS, sub("vladimir-lenin:\n", "vladimir\u200d-lenin:\n"),
                                       "vladimir\u200d-lenin", "U+200D ZERO WIDTH JOINER at column 9 in "
                                       "the key", "vladimir", "retype the key"),
    "bom-inside-id": Case(ANN, sub("  - id: c03\n", "  - id: c0\ufeff3\n"), "id: c0\ufeff3",
                          "U+FEFF ZERO WIDTH NO-BREAK SPACE at column 11", "'id' of claim",
                          "invisible"),
    "tab-in-name": Case(PERSONS, sub("  name: Vladimir Lenin", '  name: "Vladimir\\tLenin"'),
                        "name: \"Vladimir", "U+0009 CHARACTER TABULATION", "'name' of entry",
                        "control characters"),
    # names that would be found everywhere
    "alias-one-letter": Case(PERSONS, sub("  aliases: [Lenin]", "  aliases: [Lenin, L]"),
                             "aliases: [Lenin, L]", "the alias 'L' of 'vladimir-lenin' is too "
                             "short to find in the texts", "alias", "one letter or a number"),
    "alias-a-number": Case(PERSONS, sub("  aliases: [Lenin]", '  aliases: [Lenin, "1917"]'),
                           "aliases: [Lenin, ", "the alias '1917' of 'vladimir-lenin' has no letter",
                           "alias", "set `detect: false`"),
    # semantic checks
    "part-of-cycle": Case(PLACES, sub("  name: France\n", "  name: France\n  part_of: paris\n"),
                          "part_of: paris", "`part_of` makes a cycle: france → paris → france",
                          "part_of", "cannot be part of itself"),
    "part-of-itself": Case(ORGS, sub("  part_of: rsdlp\n", "  part_of: bolsheviks\n"),
                           "part_of: bolsheviks", "`part_of` makes a cycle: bolsheviks → bolsheviks",
                           "part_of", "remove one `part_of`"),
    "supports-and-opposes": Case(ANN, sub("    opposes: [degeneration-rooted-in-party-form]\n",
                                          "    opposes: [degeneration-rooted-in-party-form]\n"
                                          "    supports: [degeneration-rooted-in-party-form]\n"),
                                 "supports: [degeneration", "claim c03 both opposes and supports "
                                 "the thesis 'degeneration-rooted-in-party-form'", "claim c03",
                                 "one stance on a thesis"),
    "supports-and-qualifies": Case(ANN, sub("    supports: [centralism-needed]\n",
                                            "    supports: [centralism-needed]\n"
                                            "    qualifies: [centralism-needed]\n"),
                                   "qualifies: [centralism-needed]\n", "both "
                                   "supports and qualifies the thesis 'centralism-needed'",
                                   "claim c21",
                                   "one stance on a thesis"),
    "claim-cites-itself": Case(ANN, sub("    evidence: [q02]\n", "    evidence: [c04]\n"),
                               "evidence: [c04]", "claim c04 cites itself as evidence",
                               "claim c04", "remove it"),
    "death-before-birth": Case(PERSONS, sub("  aliases: [Lenin]\n",
                                            '  aliases: [Lenin]\n  born: "1924"\n  died: "1870-04"\n'),
                               'died: "1870-04"', "'died' 1870-04 of 'vladimir-lenin' is before "
                               "its 'born' 1924", "died", "cannot come before"),
    "dissolved-before-founded": Case(ORGS, sub('  founded: "1898"\n',
                                               '  founded: "1898"\n  dissolved: "1897-12"\n'),
                                     'dissolved: "1897-12"', "'dissolved' 1897-12 of 'rsdlp' is "
                                     "before its 'founded' 1898", "dissolved", "cannot come before"),
    "year-zero": Case(ANN, sub('created: "1970"', 'created: "0000"'), 'created: "0000"',
                      "'0000': there is no year 0000", "'created' of source", "-0001"),
    "date-far-in-the-future": Case(ANN, sub('published: "2003-12-30"', 'published: "2999-12-30"'),
                                   '"2999-12-30"', "'2999-12-30' is more than a year in the future",
                                   "'published' of source", "check the year"),
    "qid-of-400-digits": Case(PERSONS, sub("qid: Q1394", "qid: Q" + "1" * 400), "qid: Q111",
                              "is not a Wikidata QID", "'qid' of wikidata", "1 to 10"),
    "qid-leading-zero": Case(PERSONS, sub("qid: Q1394", "qid: Q01394"), "qid: Q01394",
                             "'Q01394' is not a Wikidata QID", "'qid' of wikidata", "no leading zero"),
    # messages that name what the eye cannot see
    "quote-no-break-space": Case(ANN, sub("It would be a great injustice", "It would be a great\u00a0injustice"),
                                 "great\u00a0injustice", "the quote is not in the text", "claim c01",
                                 "U+0020 SPACE in the text where the quote has U+00A0 NO-BREAK SPACE"),
    "quote-typographic-quotes": Case(ANN, sub('systematic "underestimation"', "systematic \u201cunderestimation\u201d"),
                                     "It would be a great", "the quote is not in the text", "claim c01",
                                     "U+0022 QUOTATION MARK in the text where the quote has "
                                     "U+201C LEFT DOUBLE QUOTATION MARK"),
    "quote-zero-width": Case(ANN, sub("It would be a great injustice", "It would be a great in\u200bjustice"),
                             "It would be a great", "the quote is not in the text", "claim c01",
                             "the quote has an invisible U+200B ZERO WIDTH SPACE here that the text lacks"),
    "quote-nfd-text-nfc": Case(ANN, sub("great injustice to Lenin", "great injustice to Le\u0301nine"),
                               "It would be a great", "the quote is not in the text", "claim c01",
                               "the quote has U+0065 LATIN SMALL LETTER E + U+0301 COMBINING ACUTE "
                               "ACCENT (decomposed, NFD) where the text has U+00E9 LATIN SMALL LETTER "
                               "E WITH ACUTE (composed, NFC)",
                               setup=retext("great injustice to Lenin", "great injustice to L\u00e9nine")),
    "unquoted-invalid-date": Case(ANN, sub('created: "1970"', "created: 2003-13-45"),
                                  "created: 2003-13-45", "'2003-13-45' is not a valid date",
                                  "'created' of source", "YYYY-MM-DD"),
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
    it, exits 2 and leaves the previous build exactly as it was. (Line 0: a
    problem of the whole file, such as its size, reported as `file: message`.)"""
    c, workdir = CASES[case], copy
    before = snapshot(workdir / "out")
    if c.setup is not None:
        c.setup(workdir)
    path = workdir / c.file
    path.write_bytes(c.edit(path.read_bytes()))
    where = c.where or c.file
    line = c.at if isinstance(c.at, int) else line_of(workdir / where, c.at)
    result = run(workdir, "build", "-q")
    assert result.exit_code == 2, result.output
    assert "nothing was written" in result.stderr
    place = f"{where}:{line}: " if line else f"{where}: "
    found = {head: hint for head, hint in problems(result.stderr).items()
             if head.startswith(place) and c.message in head}
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


# --- the order of the report: root cause first, knock-on errors summarised ------------

def report(result) -> list[str]:
    """The problem heads of a failed run, in the order printed."""
    assert result.exit_code == 2, result.output
    return list(problems(result.stderr))[1:]   # [0] is the "error: N problems" line


def test_a_registry_file_that_does_not_load_comes_first(copy):
    """Regression (issue 14): a broken registry file was reported after dozens of
    'unknown entity' errors it caused. Now it comes first, and the references it
    leaves unchecked are one summary per referring file."""
    path = copy / PERSONS
    path.write_bytes(sub("  name: Vladimir Lenin", "  name: Vladimir: Lenin")(path.read_bytes()))
    heads = report(run(copy, "build", "-q"))
    line = line_of(path, "  name: Vladimir: Lenin")
    assert heads[0].startswith(f"{PERSONS}:{line}: YAML syntax error"), heads
    rest = heads[1:]
    assert rest and all(" not checked: data/registry/persons.yaml did not load" in h
                        for h in rest), rest
    assert len(rest) == len({h.split(":")[0] for h in rest})   # one per referring file
    assert any(h.startswith(f"{ANN}:") for h in rest)
    assert not any("unknown entity" in h for h in heads)


def test_an_entry_that_does_not_load_comes_before_the_references_to_it(copy):
    """An entry without its name is not in the registry: the references to it are
    summarised after the entry's own problem, not reported as unknown entities."""
    replace(copy / PERSONS, "vladimir-lenin:\n  name: Vladimir Lenin\n", "vladimir-lenin:\n")
    heads = report(run(copy, "build", "-q"))
    key = line_of(copy / PERSONS, "\nvladimir-lenin:\n")   # its first key is on the next line
    assert heads[0].startswith(f"{PERSONS}:{key + 1}: entry 'vladimir-lenin' lacks the "
                               "required key 'name'"), heads
    cause = f"the entry 'vladimir-lenin' ({PERSONS}:{key}) did not load"
    assert any(h.startswith(f"{ANN}:") and h.endswith(cause) for h in heads), heads
    assert not any("unknown entity 'vladimir-lenin'" in h for h in heads)


def test_a_missing_theses_file_is_one_error(copy):
    """Regression (issue 14): without data/theses.yaml every stance was an error of
    its own, 334 lines ending in 'use one of: ' with nothing after."""
    (copy / THESES).unlink()
    result = run(copy, "build", "-q")
    heads = report(result)
    assert heads[0] == f"{THESES}: the theses file is missing", heads
    assert len(heads) == 2, heads
    at = [(n, line.count(",") + 1)
          for n, line in enumerate((copy / ANN).read_text().splitlines(), 1)
          if line.strip().startswith(("supports:", "opposes:", "qualifies:"))]
    stances = sum(k for _, k in at)
    assert heads[1] == (f"{ANN}:{at[0][0]}: {stances} thesis references (lines "
                        f"{', '.join(str(n) for n, _ in at[:8])} …) not checked: {THESES} did "
                        "not load"), heads
    assert "use one of: \n" not in result.stderr and "use one of: ," not in result.stderr


def test_an_annotation_file_that_does_not_load_leaves_links_to_it_unchecked(workdir):
    """Links from other sources to the claims of a file that does not parse are a
    consequence of it: summarised, after it."""
    path = workdir / ANN
    path.write_bytes(sub("  - id: c03\n", "  - id: c03\n   oops: [\n")(path.read_bytes()))
    heads = report(run(workdir, "build", "-q"))
    assert heads[0].startswith(f"{ANN}:"), heads
    assert "YAML syntax error" in heads[0]
    linked = [h for h in heads if "linked claim" in h]
    assert linked and all(h.endswith(f"not checked: {ANN} did not load") for h in linked), heads
    assert not any("unknown claim" in h for h in heads), heads
