"""`partykg accept FILE`: the reviewed records of an import file, into the annotation file.

`partykg import-annotations` writes an import file (OUT/import/<source>.yaml):
the records it could map, then a commented review section. The reviewer edits
it; `accept` then adds its records to data/annotations/<source>.yaml.

The annotation file is changed by inserting text, not by loading and dumping
it: every byte already there (order, comments, quoting, blank lines) stays as
it was; each new record is appended at the end of its section, written with
the section's indentation (ruamel.yaml's round trip would also keep comments,
but re-flows long lines and re-quotes strings, a dependency for a worse
result). The insertion is checked: the file must load back with the new
records exactly after the old ones, and the whole project must load with it
(the checks of `partykg build`: references, ids, anchors, links).

Refused, with file:line and exit 2, nothing written: a mention of an entity
overlapping another mention of it (written, or found by name by the build,
which would count the entity twice), a claim on the passage of another claim,
an id taken by a different record, claims already linked, and whatever the
project's loader refuses (unknown references, quotes not in the text …).
Records already in the annotation file are skipped, so accepting the same
file twice changes nothing the second time. The import file keeps its header,
its source and its review section (what was not accepted); its accepted
records are removed from it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from partykg.core.errors import Collector, InputError, Problem
from partykg.core.files import write_atomic
from partykg.core.paths import Project, project
from partykg.model.anchor import AnchorError, Span, anchor
from partykg.model.annotations import LOCAL_ID, Source, load_source
from partykg.model.inputs import load_inputs
from partykg.model.mentions import find_mentions
from partykg.model.yamlload import LList, LMap, load_yaml
from partykg.webanno.importer import SECTIONS, _Dumper, dump


@dataclass
class Accepted:
    annotation_file: Path
    added: dict[str, int] = field(default_factory=dict)
    already: dict[str, int] = field(default_factory=dict)


def _plain(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_plain(x) for x in v]
    return v


def _essence(item: Any) -> dict[str, Any]:
    """A loaded record (model.annotations) less where it is written and how its
    quote is worded: two records with the same essence are the same record."""
    return {k: v for k, v in asdict(item).items()
            if k not in ("line", "lines", "given_prefix", "given_suffix")}


def _loaded_alone(proj: Project, file: Path, sid: str, registry) -> Source | None:
    """The import file loaded by the project's loader on its own (its problems are
    found again, in context, when the merged file is loaded)."""
    with tempfile.TemporaryDirectory(prefix="partykg-accept-") as tmp:
        copy = Path(tmp) / f"{sid}.yaml"
        shutil.copyfile(file, copy)
        try:
            return load_source(copy, proj.data, proj.root, registry, Collector())
        except InputError:
            return None


def _overlaps(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


class _Merge:
    def __init__(self, file: str, ann_file: str, old: Source, imported: Source | None,
                 detected: list) -> None:
        self.file, self.ann_file, self.old, self.imported = file, ann_file, old, imported
        self.detected = detected
        self.problems: list[Problem] = []
        self.new: dict[str, list[tuple[dict[str, Any], int]]] = {s: [] for s in SECTIONS}
        self.already: dict[str, int] = {s: 0 for s in SECTIONS}
        self.pending_mentions: list[tuple[str, Span, int]] = []
        self.pending_claims: list[tuple[Span, int]] = []
        self.pending_ids: dict[tuple[str, str], int] = {}

    def refuse(self, line: int, message: str, fix: str) -> None:
        self.problems.append(Problem(self.file, line, message, fix))

    def span(self, rec: dict[str, Any], line: int, what: str) -> Span | None:
        if "quote" not in rec:
            return None
        try:
            return anchor(self.old.text, str(rec["quote"]), str(rec.get("prefix") or ""),
                          str(rec.get("suffix") or ""))
        except AnchorError as exc:
            self.refuse(line, f"{what}: {exc.message} ({self.old.text_path})", exc.hint)
            return None

    def loaded(self, section: str, ident: str) -> Any:
        if self.imported is None:
            return None
        return next((o for o in getattr(self.imported, section) if o.id == ident), None)

    def add(self, section: str, rec: dict[str, Any], line: int) -> None:
        kind = section[:-1] if section != "quantities" else "quantity"
        if section == "mentions":
            return self.mention(rec, line)
        if section == "links":
            return self.link(rec, line)
        ident = str(rec.get("id", ""))
        span = self.span(rec, line, f"{kind} {ident}")
        if "quote" in rec and span is None:
            return
        olds = {"claims": self.old.claims, "quotations": self.old.quotations,
                "citations": self.old.citations, "quantities": self.old.quantities}[section]
        old = next((o for o in olds if o.id == ident), None)
        if old is not None:
            mine = self.loaded(section, ident)
            if mine is not None and _essence(mine) == _essence(old):
                self.already[section] += 1
                return
            return self.refuse(line, f"the id {ident} is already used by a different {kind} "
                               f"({self.ann_file}:{old.line})", "give the record a new "
                               f"number, or delete it here if it is the same {kind}")
        if (section, ident) in self.pending_ids:
            return self.refuse(line, f"the id {ident} is used twice here (also at line "
                               f"{self.pending_ids[(section, ident)]})", "give each a new number")
        self.pending_ids[(section, ident)] = line
        if section == "claims" and span is not None:
            same = next((c for c in self.old.claims if c.span == span), None)
            if same is not None:
                return self.refuse(line, f"claim {ident} is on the passage of claim {same.id} "
                                   f"({self.ann_file}:{same.line}): a duplicate claim span",
                                   "keep one claim per passage: delete this one or merge it "
                                   "into the other")
            twin = next((ln for s, ln in self.pending_claims if s == span), None)
            if twin is not None:
                return self.refuse(line, f"claim {ident} is on the passage of the claim at line "
                                   f"{twin}: a duplicate claim span", "keep one of the two")
            self.pending_claims.append((span, line))
        self.new[section].append((rec, line))

    def mention(self, rec: dict[str, Any], line: int) -> None:
        entity = str(rec.get("entity", ""))
        span = self.span(rec, line, f"mention of {entity}")
        if span is None:
            if "quote" not in rec:
                self.new["mentions"].append((rec, line))   # the loader reports it
            return
        if any(m.entity == entity and m.span == span for m in self.old.mentions):
            self.already["mentions"] += 1
            return
        where = f"'{span.exact(self.old.text)}' at offset {span.start}"
        for m in self.old.mentions:
            if m.entity == entity and _overlaps(m.span, span):
                return self.refuse(line, f"the mention of {entity} ({where}) overlaps its "
                                   f"mention at {self.ann_file}:{m.line}: the entity would "
                                   "count twice", "delete one of the two")
        for m in self.detected:
            if m.entity == entity and _overlaps(m.span, span):
                return self.refuse(line, f"the mention of {entity} ({where}) overlaps "
                                   f"'{m.span.exact(self.old.text)}', which the build already "
                                   f"finds by name: the entity would count twice",
                                   "delete this entry (the name is found automatically)")
        for e, s, ln in self.pending_mentions:
            if e == entity and _overlaps(s, span):
                return self.refuse(line, f"the mention of {entity} ({where}) overlaps its "
                                   f"mention at line {ln}", "delete one of the two")
        self.pending_mentions.append((entity, span, line))
        self.new["mentions"].append((rec, line))

    def link(self, rec: dict[str, Any], line: int) -> None:
        claims = rec.get("claims")
        if not isinstance(claims, list):
            self.new["links"].append((rec, line))         # the loader reports it
            return
        glob = sorted(self.old.global_id(str(c)) if LOCAL_ID["claims"].match(str(c))
                      else str(c) for c in claims)
        for old in self.old.links:
            if old.claims == glob:
                if old.type == rec.get("type") and old.justification == rec.get(
                        "justification"):
                    self.already["links"] += 1
                    return
                return self.refuse(line, f"the claims {glob[0]} and {glob[1]} are already "
                                   f"linked ({self.ann_file}:{old.line})",
                                   "keep one link: delete this one or edit the other")
        self.new["links"].append((rec, line))


def insert(text: str, section: str, records: list[dict[str, Any]]
           ) -> tuple[str, int, list[int]]:
    """``text`` with ``records`` appended to the block list ``section`` (made
    when absent), in the list's indentation; every other byte unchanged. Also
    the 0-based line where the records start and the number of lines of each."""
    lines = text.split("\n")
    head = next((i for i, ln in enumerate(lines) if ln.split("#")[0].rstrip()
                 in (f"{section}:", f"{section}: []")), None)
    if head is None:
        body = text.rstrip("\n").split("\n")
        blocks = [_item(r, "  ") for r in records]
        new = body + ["", f"{section}:"] + [ln for b in blocks for ln in b]
        return "\n".join(new) + "\n", len(body) + 2, [len(b) for b in blocks]
    if lines[head].split("#")[0].rstrip() == f"{section}: []":
        lines[head] = f"{section}:" + lines[head][len(f"{section}: []"):]
    end, indent, spaced, items = head, None, False, 0
    for i in range(head + 1, len(lines)):
        ln = lines[i]
        if ln and not ln[0].isspace() and not ln.startswith(("#", "-")):
            break                       # the next top-level key
        if ln.strip() and not ln.startswith("#"):
            if indent is None and ln.lstrip().startswith("- "):
                indent = ln[:len(ln) - len(ln.lstrip())]
            if indent is not None and ln.startswith(indent + "- "):
                items += 1
                spaced = spaced or (items > 1 and not lines[i - 1].strip())
            end = i
    blocks = [([""] if spaced else []) + _item(r, indent if indent is not None else "  ")
              for r in records]
    new = [ln for b in blocks for ln in b]
    return "\n".join(lines[:end + 1] + new + lines[end + 1:]), end + 1, [len(b) for b in blocks]


class _FileDumper(_Dumper):
    """The importer's YAML style, with short lists of names in flow style
    (`about: [a, b]`, `claims: [c01, c02]`), as the annotation files write them."""


def _list(dumper: yaml.SafeDumper, value: list):
    flow = bool(value) and all(isinstance(v, str) and v and "\n" not in v and len(v) < 80
                               and not any(ch in v for ch in ",[]{}#:'\"")
                               for v in value)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)


_FileDumper.add_representer(list, _list)


def _item(record: dict[str, Any], indent: str) -> list[str]:
    """One record as the lines of a block list item, indented."""
    text = yaml.dump([_plain(record)], Dumper=_FileDumper, sort_keys=False, allow_unicode=True,
                     width=100, default_flow_style=False)
    return [indent + ln if ln else ln for ln in text.rstrip("\n").split("\n")]


def _load_overlay(proj: Project, sid: str, merged: str) -> list[Problem]:
    """The problems of loading the whole project with the merged annotation file
    (a temporary tree of links to the real files: nothing real is touched)."""
    with tempfile.TemporaryDirectory(prefix="partykg-accept-") as tmp:
        root = Path(tmp)
        data = root / "data"
        data.mkdir()
        for entry in proj.data.iterdir():
            if entry.name != "annotations":
                os.symlink(entry.resolve(), data / entry.name)
        (data / "annotations").mkdir()
        for f in (proj.data / "annotations").iterdir():
            if f.name != f"{sid}.yaml":
                os.symlink(f.resolve(), data / "annotations" / f.name)
        (data / "annotations" / f"{sid}.yaml").write_text(merged, encoding="utf-8")
        for name in ("ontology", "shapes", "queries"):
            if (proj.root / name).exists():
                os.symlink((proj.root / name).resolve(), root / name)
        try:
            load_inputs(project(root, root / "out"))
        except InputError as exc:
            return exc.problems
        finally:
            shutil.rmtree(root / "out", ignore_errors=True)
    return []


def _import_header_and_review(text: str) -> tuple[list[str], str]:
    """The leading comment lines of an import file, and its review section (the
    comment block from `# review:` on), verbatim."""
    lines = text.split("\n")
    header = []
    for ln in lines:
        if ln.startswith("#") or not ln.strip():
            header.append(ln)
        else:
            break
    while header and not header[-1].strip():
        header.pop()
    at = text.find("\n# review: ")
    return header, (text[at + 1:] if at >= 0 else "")


def accept(proj: Project, file: Path) -> Accepted:
    display = str(file)
    if not file.is_file():
        raise InputError(Problem(display, 0, "the import file does not exist",
                                 "give the file `partykg import-annotations` wrote "
                                 "(OUT/import/<source>.yaml)"))
    doc = load_yaml(file, display)
    src_meta = doc.get("source") if isinstance(doc, dict) else None
    sid = src_meta.get("id") if isinstance(src_meta, dict) else None
    if not isinstance(sid, str):
        raise InputError(Problem(display, doc.line if isinstance(doc, LMap) else 1,
                                 "no `source: {id: ...}` at the top", "accept a file written "
                                 "by `partykg import-annotations`, whose `source:` says which "
                                 "annotation file it belongs to"))
    ann = proj.data / "annotations" / f"{sid}.yaml"
    ann_file = os.path.relpath(ann, Path.cwd()) if ann.is_absolute() else str(ann)
    ann_file = str(ann.relative_to(proj.root)) if ann.is_relative_to(proj.root) else ann_file
    if not ann.is_file():
        raise InputError(Problem(display, src_meta.line_of("id"), f"no annotation file "
                                 f"{ann_file} for source '{sid}'", "import onto a source that "
                                 "exists (data/annotations/<id>.yaml)"))
    try:
        registry, sources = load_inputs(proj)
    except InputError as exc:
        raise InputError([Problem(p.file, p.line, "the project does not load before the "
                                  f"accept: {p.message}", p.hint) for p in exc.problems]) from exc
    old = next(s for s in sources if s.id == sid)
    detected = find_mentions(replace(old, mentions=[]), registry)
    merge = _Merge(display, ann_file, old, _loaded_alone(proj, file, sid, registry), detected)
    for section in SECTIONS:
        items = doc.get(section)
        if items is None:
            continue
        if not isinstance(items, LList):
            merge.refuse(doc.line_of(section), f"`{section}` is not a list",
                         f"write `{section}:` followed by `- ...` entries")
            continue
        for i, rec in enumerate(items):
            if not isinstance(rec, dict):
                merge.refuse(items.line_of(i), f"an entry of `{section}` is not a record",
                             "each entry is `- key: value` lines (data/README.md)")
                continue
            merge.add(section, rec, items.line_of(i))
    if merge.problems:
        raise InputError(merge.problems)
    text = ann.read_text(encoding="utf-8")
    merged = text
    placed: list[list[int]] = []     # [first line (0-based), lines, line in the import file]
    for section in SECTIONS:
        if merge.new[section]:
            before = merged.count("\n")
            merged, at, sizes = insert(merged, section, [r for r, _ in merge.new[section]])
            delta = merged.count("\n") - before
            for b in placed:            # records placed further down move down
                if b[0] >= at:
                    b[0] += delta
            pos = at
            for size, (_, line) in zip(sizes, merge.new[section]):
                placed.append([pos, size, line])
                pos += size
    result = Accepted(ann, {s: len(v) for s, v in merge.new.items()}, merge.already)
    if merged != text:
        _check_insertion(text, merged, merge, display)
        problems = _load_overlay(proj, sid, merged)
        if problems:
            raise InputError(_mapped(problems, ann_file, placed, display))
        write_atomic(ann, merged)
    taken = sum(result.added.values()) + sum(result.already.values())
    if taken:
        header, review = _import_header_and_review(file.read_text(encoding="utf-8"))
        rest = "\n".join(header) + "\n\n" + dump({"source": _plain(src_meta)})
        if review:
            rest += "\n" + review.rstrip("\n") + "\n"
        write_atomic(file, rest)
    return result


def _check_insertion(text: str, merged: str, merge: _Merge, display: str) -> None:
    """The merged file must hold the old records, then the new ones, nothing else."""
    before, after = yaml.safe_load(text) or {}, yaml.safe_load(merged) or {}
    want = {k: v for k, v in before.items() if k not in SECTIONS}
    got = {k: v for k, v in after.items() if k not in SECTIONS}
    ok = want == got
    for section in SECTIONS:
        expect = list(before.get(section) or []) + [
            yaml.safe_load(dump(_plain(r))) for r, _ in merge.new[section]]
        ok = ok and list(after.get(section) or []) == expect
    if not ok:
        raise InputError(Problem(display, 0, "the records could not be inserted into the "
                                 "annotation file without changing what is there",
                                 "this is a bug in `partykg accept`; please report it with "
                                 "both files (nothing was written)"))


def _mapped(problems: list[Problem], ann_file: str, placed: list[list[int]],
            display: str) -> list[Problem]:
    """Problems of the merged file at lines of inserted records -> the line of the
    record in the import file; other problems as they are."""
    out = []
    for p in problems:
        hit = next((b for b in placed if p.file == ann_file
                    and b[0] < p.line <= b[0] + b[1]), None)
        out.append(Problem(display, hit[2], p.message, p.hint) if hit else p)
    return out
