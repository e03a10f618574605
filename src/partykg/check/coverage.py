"""`partykg coverage`: names in the texts that no mention covers.

For each source, every run of capitalised words (the candidates for a
person, organization, place, event or work) that overlaps no mention is
reported, with how often it occurs, where first, and the registry names it
nearly matches (to catch misspellings such as "Trorsky"). Names reviewed as
not being entities (sentence-initial words, adjectives like "Leninist",
image credits) are recorded in ``data/coverage.yaml`` so that the report
converges to empty.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from partykg.core.errors import Collector
from partykg.model.anchor import line_of
from partykg.model.annotations import Source
from partykg.model.fields import Field, check_map
from partykg.model.mentions import find_mentions, name_pattern
from partykg.model.registry import Registry
from partykg.model.yamlload import LMap, load_yaml

WORD = r"[A-Z][\w’'.-]*\w|[A-Z]"
CONNECT = r"(?:of|the|de|del|la|and|for|on|in|to|a|an|et|du|des|van|von|le)"
CANDIDATE_RE = re.compile(rf"(?<![\w’'])(?:{WORD})(?:[ \t]+(?:{CONNECT}[ \t]+)*(?:{WORD}))*")
REVIEW = {"not_entities": Field("strs"), "sources": Field("map")}
SENTENCE_START = re.compile(r"(?:^|[.!?:;\])]\s+|[\n\[(“\"‘*#-]\s*)$")


@dataclass
class Finding:
    name: str
    count: int
    first_line: int
    near: list[str] = field(default_factory=list)


def load_reviewed(data_dir: Path, root: Path) -> tuple[set[str], dict[str, set[str]]]:
    path = data_dir / "coverage.yaml"
    if not path.exists():
        return set(), {}
    file = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
    errors = Collector()
    doc = load_yaml(path, file) or LMap()
    v = check_map(doc, REVIEW, file, errors, "the coverage review") or {}
    per: dict[str, set[str]] = {}
    for sid, names in (v.get("sources") or {}).items():
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            errors.add(file, v["sources"].line_of(sid), f"sources/{sid} must be a list of names",
                       'write `- "Name"` lines under it')
            continue
        per[sid] = set(names)
    errors.raise_if_any()
    return set(v.get("not_entities", [])), per


def candidates(text: str) -> list[tuple[int, int, str]]:
    out = []
    for m in CANDIDATE_RE.finditer(text):
        name = m.group(0).rstrip(".’'")
        out.append((m.start(), m.start() + len(name), name))
    return out


def is_common_word(text: str, start: int, name: str, lowercase_words: set[str]) -> bool:
    """A single capitalised word at the start of a sentence whose lower-case
    form the corpus also uses is an ordinary word ("The", "Scratch"), not a name."""
    if " " in name or not SENTENCE_START.search(text[max(0, start - 3):start]):
        return False
    return name.lower() in lowercase_words


def coverage(source: Source, registry: Registry, reviewed: set[str],
             compiled=None, lowercase_words: set[str] | None = None) -> list[Finding]:
    covered = [False] * (len(source.text) + 1)
    for m in find_mentions(source, registry, compiled):
        for i in range(m.span.start, m.span.end):
            covered[i] = True
    names = sorted({n for e in registry.entities.values() for n in e.names})
    found: dict[str, list[int]] = defaultdict(list)
    words = lowercase_words if lowercase_words is not None else lower_words([source.text])
    for start, end, name in candidates(source.text):
        first, _, rest = name.partition(" ")
        if rest and rest[0].isupper() and is_common_word(source.text, start, first, words):
            start, name = start + len(first) + 1, rest  # "As Trorsky" -> "Trorsky"
        if name in reviewed or any(covered[start:end]):
            continue
        if is_common_word(source.text, start, name, words):
            continue
        found[name].append(start)
    findings = []
    for name, starts in sorted(found.items()):
        near = difflib.get_close_matches(name, names, n=2, cutoff=0.8)
        for token in name.split():
            near += [n for n in difflib.get_close_matches(token, names, n=2, cutoff=0.8)
                     if n not in near and n != token]
        findings.append(Finding(name, len(starts), line_of(source.text, starts[0]), near))
    return findings


def coverage_report(proj) -> dict[str, list[Finding]]:
    from partykg.model.inputs import load_inputs
    registry, sources = load_inputs(proj)
    common, per = load_reviewed(proj.data, proj.root)
    compiled = name_pattern(registry)
    words = lower_words(p.read_text(encoding="utf-8", errors="replace")
                        for p in sorted((proj.data / "sources").glob("*.txt")))
    return {s.id: coverage(s, registry, common | per.get(s.id, set()), compiled, words)
            for s in sources}


def lower_words(texts) -> set[str]:
    return {w for t in texts for w in re.findall(r"\b[a-z][\w’'-]*", t)}


MAX_STANCELESS = 0.15  # share of stance-less claims a source may have unless each is reviewed


@dataclass(frozen=True)
class StanceCoverage:
    """How many of a source's claims take a stance on the theses."""
    source: str
    claims: int
    with_stance: int
    reviewed_without: int      # no stance, with the reason recorded (`no_stance:`)
    unreviewed: tuple[str, ...]  # no stance and no reason: ids to review

    @property
    def without(self) -> int:
        return self.claims - self.with_stance

    @property
    def share_without(self) -> float:
        return self.without / self.claims if self.claims else 0.0

    @property
    def ok(self) -> bool:
        """Every stance-less claim reviewed, or at most 15 % of them stance-less."""
        return not self.unreviewed or self.share_without <= MAX_STANCELESS


def stance_coverage(sources) -> list[StanceCoverage]:
    out = []
    for s in sources:
        with_stance = [c for c in s.claims if any(c.stance.values())]
        reviewed = [c for c in s.claims if not any(c.stance.values()) and c.no_stance]
        unreviewed = tuple(c.id for c in s.claims
                           if not any(c.stance.values()) and not c.no_stance)
        out.append(StanceCoverage(s.id, len(s.claims), len(with_stance), len(reviewed),
                                  unreviewed))
    return out
