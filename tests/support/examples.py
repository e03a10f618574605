"""data/examples/invalid/ made from data/examples/valid/: each invalid example is one
file of valid/ with exactly one mistake (the table MISTAKES), and its .expected is
the message the loader gives when the file stands in place of the valid one.

tests/test_examples.py checks both against the files in the repository;
scripts/update_examples.py rewrites them after a deliberate change of the format
or of valid/ (then read `git diff data/examples` before committing).
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from typing import NamedTuple

from partykg.core.errors import InputError
from partykg.core.paths import project
from partykg.model.inputs import load_inputs

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "data" / "examples"
VALID = EXAMPLES / "valid"
INVALID = EXAMPLES / "invalid"
REPLACES = re.compile(r"^# replaces valid/(\S+): \S.*\n")
ANN = "annotations/study-circle-notes.yaml"


class Mistake(NamedTuple):
    name: str       # the example's file name, after the rule it breaks
    target: str     # the file of valid/ it replaces
    what: str       # the mistake, in words (its first line)
    old: str        # the text of valid/ it changes (must occur once)
    new: str


MISTAKES = (
    Mistake("unknown-key", ANN, "a misspelt key",
            "    paraphrase: A party must", "    paraphrse: A party must"),
    Mistake("offsets-by-hand", ANN, "offsets written by hand",
            "    paraphrase: In the strike", "    start: 412\n    paraphrase: In the strike"),
    Mistake("missing-required-key", ANN, "a claim without its paraphrase",
            "    paraphrase: A party must neither wait for the masses nor act without them.\n", ""),
    Mistake("quote-not-in-text", ANN, "a quote that differs from the text",
            '"a party must neither wait for the masses nor act without them"',
            '"a party must neither wait for the masses nor act without it"'),
    Mistake("quote-occurs-twice", ANN, "a quote that occurs more than once, without a prefix",
            '    quote: "Lenin"\n    prefix: "to come back to "\n', '    quote: "Lenin"\n'),
    Mistake("prefix-does-not-touch", ANN, "a prefix that does not end where the quote starts",
            '    prefix: "to come back to "', '    prefix: "to come back"'),
    Mistake("unknown-entity", ANN, "a misspelt entity key",
            '    claimant: anna-weber\n    mode: reported\n    quote: "the masses',
            '    claimant: anna-webber\n    mode: reported\n    quote: "the masses'),
    Mistake("entity-of-wrong-kind", ANN, "a work as the speaker of a quotation",
            "    speaker: anna-weber", "    speaker: what-is-to-be-done"),
    Mistake("unknown-thesis", ANN, "a misspelt thesis key",
            "supports: [masses-move-first]", "supports: [masses-move-frist]"),
    Mistake("duplicate-id", ANN, "two claims with the same id", "  - id: c02", "  - id: c01"),
    Mistake("duplicate-key", ANN, "a key given twice in one claim",
            "    paraphrase: A party must", "    about: [rosa-luxemburg]\n    paraphrase: A party must"),
    Mistake("date-out-of-range", ANN, "a day that does not exist",
            'created: "1917-03-12"', 'created: "1917-02-30"'),
    Mistake("link-with-one-claim", ANN, "a link that joins one claim",
            "claims: [c01, c02]", "claims: [c01]"),
    Mistake("unquoted-colon", ANN, "a text with ': ' that is not quoted",
            "    justification: One says the masses move first, the other that",
            "    justification: Two views: one says the masses move first, the other that"),
    Mistake("wrong-checksum", ANN, "a SHA-256 that is not that of the text",
            "  sha256: 6357d4c7", "  sha256: 0357d4c7"),
    Mistake("id-not-the-file-name", ANN, "a source id that differs from the file name",
            "  id: study-circle-notes", "  id: study-circle"),
    Mistake("unknown-characterization", ANN, "a citation characterization that is not a CiTO property",
            "characterization: critiques", "characterization: criticises"),
    Mistake("citation-id-not-numbered", ANN, "a citation id that is not n and a number",
            "  - id: n1", "  - id: note-1"),
    Mistake("locator-not-a-mapping", ANN, "a locator given as a bare page number",
            '    locator: {page: "40"}', '    locator: "40"'),
    Mistake("unknown-evidence", ANN, "evidence naming a quotation the file does not have",
            "evidence: [q01, petrograd-strike-1917]", "evidence: [q02, petrograd-strike-1917]"),
    Mistake("registry-date-out-of-range", "registry/persons.yaml", "a birth date that does not exist",
            'born: "1870-04-22"', 'born: "1870-04-31"'),
    Mistake("registry-shared-alias", "registry/persons.yaml", "one alias for two persons",
            "  aliases: [Luxemburg]", "  aliases: [Luxemburg, Lenin]"),
    Mistake("registry-key-not-kebab-case", "registry/persons.yaml", "a key that is not kebab-case",
            "anna-weber:\n", "clara_zetkin:\n  name: Clara Zetkin\n\nanna-weber:\n"),
    Mistake("registry-qid-malformed", "registry/persons.yaml", "a QID without its Q",
            "    qid: Q1394", '    qid: "1394"'),
    Mistake("registry-unverified-qid", "registry/persons.yaml",
            "a QID without the evidence that verifies it",
            '    verified: "an example: say where the QID was found paired with the name"\n', ""),
    Mistake("registry-unknown-type", "registry/organizations.yaml", "a type the model does not know",
            "  type: party", "  type: partei"),
    Mistake("registry-unknown-member", "registry/organizations.yaml",
            "a member that is not in the registry", "    - member: anna-weber",
            "    - member: anna-webber"),
    Mistake("registry-author-not-an-agent", "registry/works.yaml", "a place as the author of a work",
            "  authors: [vladimir-lenin]", "  authors: [petrograd]"),
    Mistake("registry-group-without-description", "registry/groups.yaml",
            "a group without its required description",
            "  description: The readers whose meeting the example text records\n  basis:\n"
            "    description: {source: study-circle-notes, quote: \"At our meeting of 12 March the "
            "circle read Lenin on the party.\"}\n", ""),
    Mistake("theses-unknown-broader", "theses.yaml", "a broader thesis that does not exist",
            "  broader: q-masses", "  broader: q-masess"),
)


def invalid_text(m: Mistake) -> str:
    """The valid file with the mistake, its first line naming both."""
    text = (VALID / m.target).read_text(encoding="utf-8")
    if text.count(m.old) != 1:
        raise ValueError(f"{m.name}: {m.old!r} occurs {text.count(m.old)} times in "
                         f"valid/{m.target}; it must occur once")
    text = text.replace(m.old, m.new)
    if text.startswith("# "):  # the valid file's own first comment makes way
        text = text.split("\n", 1)[1]
    return f"# replaces valid/{m.target}: {m.what}\n{text}"


def replaced(example: Path) -> str:
    """The file of valid/ an invalid example replaces (from its first line)."""
    m = REPLACES.match(example.read_text(encoding="utf-8"))
    if not m:
        raise ValueError(f"{example.name}: the first line must be "
                         "`# replaces valid/<file>: <the mistake>`")
    return m.group(1)


def data_folder(root: Path, example: Path | None = None) -> Path:
    """valid/ copied as ``root``/data, with ``example`` in place of the file it replaces."""
    shutil.copytree(VALID, root / "data")
    if example is not None:
        shutil.copyfile(example, root / "data" / replaced(example))
    return root


def loader_message(example: Path) -> str | None:
    """What the loader says with ``example`` in place (None: it loads)."""
    with tempfile.TemporaryDirectory() as tmp:
        try:
            load_inputs(project(data_folder(Path(tmp), example), Path(tmp) / "out"))
        except InputError as exc:
            return str(exc) + "\n"
    return None


def write_all() -> list[Path]:
    """Rewrite invalid/ from valid/ and MISTAKES; return the files written."""
    for old in INVALID.glob("*"):
        old.unlink()
    written = []
    for m in MISTAKES:
        path = INVALID / f"{m.name}.yaml"
        path.write_text(invalid_text(m), encoding="utf-8")
        message = loader_message(path)
        if message is None:
            raise ValueError(f"{m.name}: loads without a problem; the mistake must be one")
        path.with_suffix(".expected").write_text(message, encoding="utf-8")
        written += [path, path.with_suffix(".expected")]
    return written
