"""Fixity: a source text edited after it was annotated.

The build must still refuse it (exit 2, the previous output untouched), and its
report must name exactly the annotations the edit breaks, say which moved and by
how much, and tell how to record the new checksum. What each edit should break
or move is worked out here from the annotation files and the texts with PyYAML
and str.find, not with partykg's loader."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import built_copy
from pyoxigraph import RdfFormat, parse
from test_bad_input import problems, run, snapshot

ANN = "data/annotations/ratcliffe-2012.yaml"
# PyYAML on libyaml: the same documents and marks as its pure-Python parser, which
# took most of this module's time
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SECTIONS = {"claims": "claim", "quotations": "quotation", "citations": "citation",
            "mentions": "mention"}


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """The whole project copied and built once: its out/ is the last build."""
    return built_copy(tmp_path_factory.mktemp("fixity"))


@pytest.fixture()
def copy(template, tmp_path) -> Path:
    return Path(shutil.copytree(template, tmp_path / "project"))


def annotations(workdir: Path) -> tuple[Path, list[dict]]:
    """The text of ANN and every entry carrying a quote: its label, the line of its
    `quote:` and the characters its prefix + quote + suffix cover in the text."""
    path = workdir / ANN
    doc = yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER)
    node = yaml.compose(path.read_text(encoding="utf-8"), Loader=YAML_LOADER)
    text_path = workdir / "data" / doc["source"]["text"]
    text = text_path.read_text(encoding="utf-8")
    out = []
    for key_node, seq in node.value:
        section = key_node.value
        if section not in SECTIONS:
            continue
        for entry_node, entry in zip(seq.value, doc[section]):
            if "quote" not in entry:
                continue
            quote_line = next(k.start_mark.line + 1 for k, _ in entry_node.value
                              if k.value == "quote")
            prefix = entry.get("prefix", "")
            whole = prefix + entry["quote"] + entry.get("suffix", "")
            assert text.count(whole) == 1, whole
            at = text.find(whole)
            ident = entry.get("id") or f"of {entry['entity']}"
            out.append({"label": f"{SECTIONS[section]} {ident}", "line": quote_line,
                        "covers": (at, at + len(whole)),
                        "start": at + len(prefix)})
    return text_path, out


def edit_once(path: Path, old: str, new: str) -> int:
    """Replace the one occurrence of ``old``; return where it was."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")
    return text.find(old)


def report(result) -> dict[str, str]:
    return problems(result.stderr)


def headline(result) -> str:
    heads = [h for h in report(result) if "has changed since it was annotated" in h]
    assert len(heads) == 1, result.stderr
    return heads[0]


def record_new_digest(workdir: Path, text_path: Path) -> None:
    digest = hashlib.sha256(text_path.read_bytes()).hexdigest()
    ann = workdir / ANN
    new, n = re.subn(r"(?m)^  sha256: [0-9a-f]{64}$", f"  sha256: {digest}",
                     ann.read_text(encoding="utf-8"))
    assert n == 1
    ann.write_text(new, encoding="utf-8")


def test_one_word_edit_reports_exactly_the_annotations_quoting_it(copy):
    """Editing one word (inside a claim, a citation and two explicit mentions)
    reports those and only those as no longer anchoring, each at its file:line, with
    the nearest difference; everything after the word moved by the difference in
    length; nothing is written."""
    workdir = copy
    before = snapshot(workdir / "out")
    text_path, entries = annotations(workdir)
    context, old, new = "works and the Central Committee minutes", "Central", "Centrl"
    at = edit_once(text_path, context, context.replace(old, new)) + context.index(old)
    word = (at, at + len(old))
    hit = {(e["line"], e["label"]) for e in entries
           if e["covers"][0] < word[1] and word[0] < e["covers"][1]}
    after = [e for e in entries if e["covers"][0] >= word[1]]
    assert len(hit) >= 3 and after  # the word is in several annotations, and more follow

    result = run(workdir, "build", "-q")
    assert result.exit_code == 2, result.output
    assert "nothing was written" in result.stderr
    broken = {}
    for head, hint in report(result).items():
        m = re.match(rf"{re.escape(ANN)}:(\d+): (\w+ \S+(?: \S+)?) no longer anchors in the "
                     r"changed text", head)
        if m:
            broken[(int(m.group(1)), m.group(2))] = hint
    assert set(broken) == hit
    assert all("then the text has" in hint for (_, label), hint in broken.items()
               if label.startswith("claim")), broken
    assert (f"{len(hit)} annotations no longer anchor, {len(after)} moved, "
            f"{len(entries) - len(hit) - len(after)} unaffected") in headline(result)
    moved = [h for h in report(result) if " moved " in h]
    assert len(moved) == 1 and f"{len(after)} annotations moved -1 characters" in moved[0]
    assert all(h.startswith(f"{ANN}:") for h in report(result) if not h.startswith("error:"))
    assert snapshot(workdir / "out") == before


def test_inserted_sentence_moves_later_quotes_until_the_checksum_is_recorded(copy):
    """A sentence inserted mid-text: every quote still anchors; those after it are
    reported as moved by the sentence's length, the others as unaffected; exit 2
    until the new SHA-256 is recorded as the hint says; then the build succeeds and
    publishes the shifted offsets."""
    workdir = copy
    before = snapshot(workdir / "out")
    text_path, entries = annotations(workdir)
    text = text_path.read_text(encoding="utf-8")
    middle = sorted(e["covers"][1] for e in entries)[len(entries) // 2]
    point = text.index("\n\n", middle) + 2  # the start of the next paragraph
    sentence = "A sentence added to the text after it was annotated. "
    text_path.write_text(text[:point] + sentence + text[point:], encoding="utf-8")
    later = [e for e in entries if e["covers"][0] >= point]
    assert 0 < len(later) < len(entries)

    result = run(workdir, "build", "-q")
    assert result.exit_code == 2, result.output
    head = headline(result)
    assert (f"0 annotations no longer anchor, {len(later)} moved, "
            f"{len(entries) - len(later)} unaffected") in head
    moved = [h for h in report(result) if " moved " in h]
    assert len(moved) == 1, moved
    assert f"{len(later)} annotations moved +{len(sentence)} characters" in moved[0]
    first = min(later, key=lambda e: e["start"])
    assert f"characters {first['start']}–" in moved[0]
    assert f"→ {first['start'] + len(sentence)}–" in moved[0]
    assert snapshot(workdir / "out") == before

    digest = hashlib.sha256(text_path.read_bytes()).hexdigest()
    assert report(result)[head].endswith(f"`sha256: {digest}`")
    record_new_digest(workdir, text_path)
    result = run(workdir, "build", "-q")
    assert result.exit_code == 0, result.output
    starts = published_starts(workdir / "out/build/partykg.nq", "ratcliffe-2012")
    for e in entries:
        if e["label"].split()[0] in ("claim", "quotation", "citation"):
            shift = len(sentence) if e in later else 0
            assert starts[e["label"].split()[1]] == e["start"] + shift, e


def test_moved_paragraph_reports_each_run_of_equal_shift(copy):
    """A paragraph holding annotations moved to the end: its quotes anchor far later,
    those between it and the end earlier by its length; the report has one entry per
    run and its counts match the offsets found again in the new text."""
    workdir = copy
    text_path, entries = annotations(workdir)
    text = text_path.read_text(encoding="utf-8")
    paras = text.split("\n\n")
    inside = [i for i, p in enumerate(paras[:-2])
              if sum(1 for e in entries if p and e["covers"][0] >= text.find(p)
                     and e["covers"][1] <= text.find(p) + len(p)) >= 2]
    assert inside
    moved_para = paras.pop(inside[len(inside) // 2])
    new_text = "\n\n".join(paras + [moved_para])
    text_path.write_text(new_text, encoding="utf-8")
    shifts = []
    for e in sorted(entries, key=lambda e: e["start"]):
        whole_start = new_text.find(text[e["covers"][0]:e["covers"][1]])
        shifts.append(whole_start + (e["start"] - e["covers"][0]) - e["start"])
    runs = [[shifts[0]]]
    for d in shifts[1:]:
        if d == runs[-1][-1]:
            runs[-1].append(d)
        else:
            runs.append([d])
    expected = sorted((len(r), r[0]) for r in runs if r[0])
    assert len(expected) >= 2

    result = run(workdir, "build", "-q")
    assert result.exit_code == 2, result.output
    found = []
    for head in report(result):
        m = re.search(r": (?:(\d+) annotations|\w+ \S+(?: \S+)?) moved ([+-]\d+) characters",
                      head)
        if m:
            found.append((int(m.group(1) or 1), int(m.group(2))))
    assert sorted(found) == expected
    moved = sum(n for n, _ in expected)
    assert f"0 annotations no longer anchor, {moved} moved, {len(entries) - moved} unaffected" \
        in headline(result)


def test_without_an_earlier_build_the_report_still_names_the_broken(copy):
    """No last build to compare with: the quotes that no longer anchor are still
    listed; the others are counted as anchoring, moves unknown."""
    workdir = copy
    shutil.rmtree(workdir / "out")
    text_path, entries = annotations(workdir)
    context = "works and the Central Committee minutes"
    at = edit_once(text_path, context, context.replace("Central", "Centrl"))
    at += context.index("Central")
    hit = [e for e in entries if e["covers"][0] < at + 7 and at < e["covers"][1]]
    result = run(workdir, "build", "-q")
    assert result.exit_code == 2, result.output
    assert (f"{len(hit)} annotations no longer anchor, {len(entries) - len(hit)} still anchor "
            "(whether they moved is unknown") in headline(result)
    assert not (workdir / "out/build").exists()


def published_starts(nquads: Path, source: str) -> dict[str, int]:
    """oa:start of each claim, quotation and citation of ``source`` in a dump, by local id."""
    start = "http://www.w3.org/ns/oa#start"
    pat = re.compile(rf"/id/(?:claim|quotation|citation)/{re.escape(source)}-(\w+)"
                     r"#position-selector$")
    out = {}
    for q in parse(path=str(nquads), format=RdfFormat.N_QUADS):
        m = pat.search(q.subject.value)
        if m and q.predicate.value == start:
            out[m.group(1)] = int(q.object.value)
    return out
