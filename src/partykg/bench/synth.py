"""A synthetic corpus for benchmarks: annotations and texts, not RDF.

``generate(out, triples, seed, faults)`` writes a complete partykg project
folder (``data/sources/*.txt``, ``data/registry/*.yaml``, ``data/theses.yaml``,
``data/annotations/*.yaml``, copies of ``ontology/``, ``shapes/``,
``queries/``) that ``partykg build`` turns into about ``triples`` quads, so a
benchmark exercises the whole pipeline.

The shape follows the real annotations in ``data/`` (measured by
:func:`profile`, figures in :data:`RATES`): claims per character of text,
quotations, citations, links (and how many cross sources), mentions (and how
many are explicit), entities per source, stances, and the kinds of registry
entities. Everything is fictional and says so: names are made-up words,
descriptions say "synthetic", there are no Wikidata links, and the URLs are
under example.org.

Texts are written so that every quote anchors: each claim and quotation
holds a made-up lower-case word used nowhere else, and a repeated phrase
(an explicit mention) gets the shortest ``prefix:`` that makes it unique.
Entity names are made-up capitalised words, unique per entity, so that
mention detection finds exactly the names that were written.

``faults=K`` injects K faults that parse and build but break a rule checked
by ``partykg validate``; each kind gives exactly one result (see
:data:`FAULT_KINDS`), and ``faults.json`` lists them.

Output depends only on the arguments (one ``random.Random(seed)``), so the
same seed gives byte-identical files. Texts and annotation files are written
one source at a time; only the registry is held in memory.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from partykg.core.errors import InputError, Problem
from partykg.core.files import atomic_dir

# --- the proportions of the real annotations --------------------------------
# Measured with `profile()` on data/ (5 sources, 454 claims, 150,037 characters,
# 329 registry entities); tests/test_synth.py compares them with the real data.
RATES = {
    "chars_per_claim": 307,        # text length per claim
    "quotations_per_claim": 0.209,
    "citations_per_claim": 0.037,
    "links_per_claim": 0.591,
    "cross_source_links": 0.398,   # share of links that join claims of two sources
    "agreeing_links": 0.55,       # agrees vs contradicts
    "mentions_per_claim": 2.115,
    "mentions_in_claims": 0.56,    # share of mentions inside a claim's passage
    "explicit_mentions": 0.199,
    "entities_per_claim": 0.855,    # distinct entities mentioned in a source, per claim
    "registry_per_claim": 0.781,   # registry entities per claim of the corpus
    "about_per_claim": 1.779,
    "evidence_per_claim": 0.605,
    "local_evidence": 0.71,        # evidence that is a quotation, citation or claim of the file
    "supports_per_claim": 0.718,
    "opposes_per_claim": 0.119,
    "qualifies_per_claim": 0.074,
    "claims_by_author": 0.403,
    "quotations_with_work": 0.725,
    "quotations_with_locator": 0.49,
    "aliases_per_entity": 0.48,
    "undetected_entities": 0.14,   # detect: false (named by explicit mentions only)
    "memberships_per_entity": 0.094,
}
KIND_SHARES = {"organization": 98, "event": 90, "person": 62, "place": 53, "work": 56,
               "group": 23}
# Claims per source in the real corpus, in file order: synthetic sources cycle
# through these weights, so a corpus has a few long and several short texts.
SOURCE_WEIGHTS = (34, 19, 213, 30, 193)
# Quads of a build per claim, and fixed quads (ontology, scheme, theses):
# calibrated on builds of synthetic corpora (see docs/SYNTHETIC.md).
QUADS_PER_CLAIM = 80.0
FIXED_QUADS = 680

FILLER = """party class workers masses struggle revolution organisation movement theory
practice leadership strike council union question history tradition discipline
programme tactics strategy spontaneity consciousness action power state capital
crisis reform period vanguard debate critique experience initiative democracy
centralism faction congress press paper meeting committee branch members cadres
militants activists soldiers peasants factories streets unity split line method
and the of to in a that it was not but as for with by from on this which their
they were had its be is an or at these those between against without within under
over after before during about into never always often only still also again even
how why what where when while whom must could would should might can will may
decisive long short early late new old small large broad narrow real formal open
secret general local national political economic social historical critical
practical conscious spontaneous organised independent yet such""".split()
STARTERS = ("The", "In", "For", "But", "Yet", "This", "Such", "Their", "At", "Without")
FIRST_NAMES = ("Avel", "Bora", "Cyril", "Dana", "Emil", "Franz", "Greta", "Hanna", "Ivo",
               "Jan", "Klara", "Leo", "Mira", "Nils", "Olga", "Pavel", "Rosa", "Sven",
               "Tamar", "Vera")
CONS, VOWELS = "bdfgklmnprstvz", "aeiou"
SYLLABLES = [c + v for c in CONS for v in VOWELS]          # 70
LOWER_END = "xqjw"  # made-up lower-case words end with one of these: no English word does

ORG_NOUN = {"party": "Party", "faction": "Faction", "union": "Union", "council": "Council",
            "periodical": "Review", "publisher": "Press", "government": "Government",
            "international": "International", "group": "Circle", "company": "Works"}
EVENT_NOUN = {"revolution": "Revolution", "uprising": "Uprising", "strike": "Strike",
              "war": "War", "congress": "Congress", "split": "Split",
              "reorganization": "Reorganization", "coup": "Coup", "trial": "Trial",
              "election": "Election", "movement": "Movement", "crisis": "Crisis"}
WORK_NOUN = {"book": "Question", "article": "Notes", "pamphlet": "Theses",
             "speech": "Address", "letter": "Letter", "decree": "Decree",
             "resolution": "Resolution", "collection": "Writings",
             "programme": "Programme", "document": "Memorandum"}
PLACE_FORM = {"city": "{}", "country": "{}ia", "region": "{} Valley"}
# Real type frequencies (organizations, events, works, places) as weights.
ORG_TYPES = {"party": 17, "group": 14, "government": 12, "periodical": 8, "union": 8,
             "council": 7, "publisher": 6, "faction": 5, "international": 2, "company": 2}
EVENT_TYPES = {"revolution": 22, "movement": 9, "strike": 8, "congress": 5, "election": 5,
               "war": 3, "split": 3, "coup": 3, "uprising": 2, "trial": 2,
               "reorganization": 1, "crisis": 1}
WORK_TYPES = {"book": 15, "document": 9, "collection": 5, "article": 5, "decree": 4,
              "pamphlet": 3, "programme": 3, "letter": 2, "speech": 2, "resolution": 1}
PLACE_TYPES = {"country": 26, "region": 15, "city": 11}
UNDETECTED_PHRASE = {"person": "comrade {}", "organization": "the {} people",
                     "group": "the {} sympathisers", "event": "the {} days",
                     "place": "the {} district", "work": "the {} text"}

# --- faults: each parses and builds, and gives exactly one validation result --
FAULT_KINDS = {
    "event-ends-before-start": ("registry", "queries/90-event-ends-before-it-begins-violation.rq"),
    "membership-ends-before-start": ("registry",
                                     "queries/90-event-ends-before-it-begins-violation.rq"),
    "entity-never-referenced": ("registry", "queries/92-entity-never-referenced-violation.rq"),
    "cited-work-without-author": ("registry", "queries/93-cited-work-without-author-violation.rq"),
    "language-not-bcp47": ("annotation", "shapes: SourceDocumentShape schema:inLanguage sh:pattern"),
}


FAULT_ORDER = tuple(FAULT_KINDS)
MEMBERSHIPS_PER_ORG = RATES["memberships_per_entity"] * sum(KIND_SHARES.values()) / KIND_SHARES[
    "organization"]
DATE_FIELDS = {"start", "end", "founded", "died", "date"}


def made_up(n: int, capital: bool) -> str:
    """The n-th made-up word: at least two syllables; distinct n, distinct words.

    Capitalised words (entity names) end in "n", lower-case ones (the unique
    word of each claim) in one of x, q, j, w, so the two never meet."""
    digits = []
    while True:
        n, d = divmod(n, len(SYLLABLES))
        digits.append(SYLLABLES[d])
        if n == 0 and len(digits) >= 2:
            break
    word = "".join(reversed(digits))
    if capital:
        return word.capitalize() + "n"
    return word + LOWER_END[len(digits) % len(LOWER_END)]


def yq(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def ylist(items) -> str:
    return "[" + ", ".join(items) + "]"


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


def _words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(FILLER) for _ in range(n))


@dataclass(eq=False)
class Ent:
    key: str
    kind: str
    name: str
    phrase: str                 # how the text names it when detect is false
    type: str | None = None
    aliases: list[str] = field(default_factory=list)
    detect: bool = True
    fields: dict = field(default_factory=dict)       # registry fields: str or list of keys
    members: list[dict] = field(default_factory=list)

    def written(self, rng: random.Random) -> str:
        """The words the text uses for it: name, an alias, or the undetected phrase."""
        if not self.detect:
            return self.phrase
        if self.aliases and rng.random() < 0.4:
            return rng.choice(self.aliases)
        return self.name


class Accumulators(dict):
    """Error diffusion per name: counts whose totals follow a rate exactly."""

    def take(self, name: str, rate: float) -> int:
        acc = self.get(name, 0.0) + rate
        n = math.floor(acc)
        self[name] = acc - n
        return n


class Corpus:
    """The registry being generated, and what later sources link back to."""

    def __init__(self, rng: random.Random, theses: list[str]):
        self.rng = rng
        self.theses = theses
        self.entities: list[Ent] = []
        self.by_key: dict[str, Ent] = {}
        self.by_kind: dict[str, list[Ent]] = {k: [] for k in KIND_SHARES}
        self.words = 0
        self.claims: list[list[str]] = []   # global claim ids per source
        self.pairs: set[tuple[str, str]] = set()
        self.cited_works: set[str] = set()
        self.acc = Accumulators()
        self.counts: Counter = Counter()

    def next_kind(self) -> str:
        """The kind of the next new entity: the one furthest behind its share
        (exact proportions rather than a random draw's noise)."""
        total, n = sum(KIND_SHARES.values()), len(self.entities) + 1
        return max(KIND_SHARES, key=lambda k: (KIND_SHARES[k] / total * n
                                               - len(self.by_kind[k]), k))

    def unique_word(self) -> str:
        self.words += 1
        return made_up(self.words, capital=False)

    def new_entity(self, kind: str) -> Ent:
        rng = self.rng
        core = made_up(len(self.entities) + 1, capital=True)
        typ, aliases = None, []
        if kind == "person":
            name, aliases = f"{rng.choice(FIRST_NAMES)} {core}", [core]
        elif kind == "organization":
            typ = _weighted(rng, ORG_TYPES)
            name, aliases = f"{core} {ORG_NOUN[typ]}", [f"{core}ists"]
        elif kind == "event":
            typ = _weighted(rng, EVENT_TYPES)
            name, aliases = f"{core} {EVENT_NOUN[typ]}", [f"{core} Days"]
        elif kind == "place":
            typ = _weighted(rng, PLACE_TYPES)
            name, aliases = PLACE_FORM[typ].format(core), [f"{core}grad"]
        elif kind == "work":
            typ = _weighted(rng, WORK_TYPES)
            name, aliases = f"The {core} {WORK_NOUN[typ]}", [f"{core} {WORK_NOUN[typ]}"]
        else:
            name = f"{core} Sympathisers"
        if rng.random() >= RATES["aliases_per_entity"]:
            aliases = []
        # groups are mostly collectives the text describes without a name
        detect = not self.acc.take("undetected-" + kind, 0.85 if kind == "group" else 0.16)
        ent = Ent(f"{core.lower()}-{kind}", kind, name,
                  UNDETECTED_PHRASE[kind].format(core.lower()), typ, aliases, detect)
        self._fields(ent)
        self.entities.append(ent)
        self.by_key[ent.key] = ent
        self.by_kind[kind].append(ent)
        return ent

    def _fields(self, ent: Ent) -> None:
        """Kind-specific registry fields, pointing only to entities made before."""
        rng, f = self.rng, ent.fields
        year = lambda lo=1848, hi=1990: str(rng.randint(lo, hi))  # noqa: E731
        if ent.kind == "event":
            if rng.random() < 0.81:
                f["start"] = year()
                if rng.random() < 0.23:
                    f["end"] = str(int(f["start"]) + rng.randint(0, 4))
            if self.by_kind["place"] and rng.random() < 0.86:
                f["place"] = [rng.choice(self.by_kind["place"]).key]
            if self.by_kind["event"] and rng.random() < 0.3:
                f["part_of"] = rng.choice(self.by_kind["event"]).key
            agents = self.by_kind["person"] + self.by_kind["organization"]
            if agents and rng.random() < 0.3:
                f["participants"] = sorted({rng.choice(agents).key for _ in range(3)})
            if ent.type in ("split", "reorganization"):
                # a change event records the organizations before and after it (the shapes
                # require both); without two organizations yet, it is a congress instead
                orgs = self.by_kind["organization"]
                if len(orgs) >= 2:
                    before, after = rng.sample(orgs, 2)
                    f["original"], f["resulting"] = [before.key], [after.key]
                else:
                    ent.type = "congress"
        elif ent.kind == "organization":
            if rng.random() < 0.09:
                f["founded"] = year()
            if self.by_kind["organization"] and rng.random() < 0.2:
                f["part_of"] = rng.choice(self.by_kind["organization"]).key
            persons = self.by_kind["person"]
            n = min(self.acc.take("members", MEMBERSHIPS_PER_ORG), len(persons))
            for m in rng.sample(persons, n):
                # a membership starts before the member's death (query 94); min() keeps
                # the random sequence, so the rest of the corpus is unchanged
                member = {"member": m.key, "start": min(year(1848, 1985),
                                                        m.fields.get("died", "9999"))}
                if rng.random() < 0.4:
                    member["end"] = str(int(member["start"]) + rng.randint(0, 10))
                ent.members.append(member)
        elif ent.kind == "place":
            countries = [p for p in self.by_kind["place"][-50:] if p.type == "country"]
            if countries and ent.type != "country" and rng.random() < 0.6:
                f["part_of"] = rng.choice(countries).key
        elif ent.kind == "work":
            persons = self.by_kind["person"] or [self.new_entity("person")]
            author = rng.choice(persons)
            f["authors"] = [author.key]
            if rng.random() < 0.37:     # written in the author's lifetime (query 94)
                f["date"] = min(year(), author.fields.get("died", "9999"))
        elif ent.kind == "person" and rng.random() < 0.05:
            f["died"] = year(1900, 2000)


def plan_sizes(triples: int) -> list[int]:
    """Claims per source for a target number of quads."""
    claims = max(10, round((triples - FIXED_QUADS) / QUADS_PER_CLAIM))
    n_sources = max(5, round(claims * len(SOURCE_WEIGHTS) / sum(SOURCE_WEIGHTS)))
    weights = [SOURCE_WEIGHTS[i % len(SOURCE_WEIGHTS)] for i in range(n_sources)]
    scale = claims / sum(weights)
    acc = Accumulators()
    return [max(3, acc.take("claims", w * scale)) for w in weights]


@dataclass(frozen=True)
class Item:
    """One anchored passage of a text: where it starts and its words."""
    start: int
    quote: str


def anchor_fields(text: str, item: Item) -> list[tuple[str, str]]:
    """`quote:` and, when the words occur more than once, the shortest prefix
    of whole words that makes them unique."""
    out = [("quote", item.quote)]
    if text.count(item.quote) == 1:
        return out
    begin = item.start
    while begin > 0:
        begin = max(0, text.rfind(" ", 0, begin - 1))
        prefix = text[begin:item.start]
        if text.count(prefix + item.quote) == 1:
            break
    out.append(("prefix", text[begin:item.start]))
    return out


class SourceWriter:
    """One source: its text as it grows, and the passages anchored in it."""

    def __init__(self, corp: Corpus, pool: list[Ent]):
        self.corp, self.rng, self.pool = corp, corp.rng, pool
        self.parts: list[str] = []
        self.pos = 0
        self.mentions: list[tuple[str, Item]] = []
        self.unmentioned = list(reversed(pool))

    def add(self, text: str) -> int:
        start = self.pos
        self.parts.append(text)
        self.pos += len(text)
        return start

    def next_entity(self) -> Ent:
        """First every entity of the pool once, then any."""
        return self.unmentioned.pop() if self.unmentioned else self.rng.choice(self.pool)

    def sentence(self, n_words: int, ents: list[Ent], extra: list[str] = (),
                 end: str = " ") -> tuple[int, str]:
        """A sentence of filler words naming ``ents``; explicit mentions for the
        entities that detection cannot find. Returns (start, sentence)."""
        rng = self.rng
        words = [rng.choice(STARTERS)] + [rng.choice(FILLER) for _ in range(n_words)]
        slots = sorted(rng.randint(1, n_words) for _ in range(len(ents) + len(extra)))
        inserts = [e.written(rng) for e in ents] + list(extra)
        order = list(range(len(inserts)))
        rng.shuffle(order)
        for slot, i in sorted(zip(slots, order), reverse=True):
            words.insert(slot, inserts[i])
        sent = " ".join(words) + "."
        start = self.add(sent + end)
        cursor = 0
        for e, written in zip(ents, inserts):
            cursor = sent.find(written)
            if not e.detect:
                self.mentions.append((e.key, Item(start + cursor, written)))
        return start, sent

    def text(self) -> str:
        return "".join(self.parts)


def generate_source(corp: Corpus, index: int, n_claims: int, data: Path,
                    language_fault: bool) -> dict:
    """Write one text and its annotation file; return where the source stands."""
    rng = corp.rng
    sid = f"synth-{index:05d}"
    pool_size = max(5, round(n_claims * RATES["entities_per_claim"]))
    shared = []
    if corp.entities:
        for _ in range(round(pool_size * 0.12)):
            i = min(int(rng.paretovariate(1.2)) - 1, len(corp.entities) - 1)
            shared.append(corp.entities[-1 - i])
    first_new = len(corp.entities)
    author = corp.new_entity("person")
    while len(corp.entities) - first_new + len(shared) < pool_size:
        corp.new_entity(corp.next_kind())
    pool = list(dict.fromkeys(corp.entities[first_new:] + shared))
    w = SourceWriter(corp, pool)
    title = _words(rng, 5).capitalize()
    w.add(f"# {title}\n\n")
    agents = [e for e in pool if e.kind in ("person", "organization", "group")]
    persons = [e for e in pool if e.kind == "person"]
    works = [e for e in pool if e.kind == "work"]
    events_works = [e for e in pool if e.kind in ("event", "work")]
    in_claim = RATES["mentions_per_claim"] * RATES["mentions_in_claims"]
    # quotations name their speaker and most their work; footnotes name author and work
    outside = (RATES["mentions_per_claim"] - in_claim - 2 * RATES["citations_per_claim"]
               - RATES["quotations_per_claim"] * (1 + RATES["quotations_with_work"]))
    acc = Accumulators()
    claims, quotations, citations = [], [], []
    for k in range(1, n_claims + 1):
        w.sentence(rng.randint(6, 14), [w.next_entity() for _ in range(acc.take("out", outside))])
        if acc.take("quotations", RATES["quotations_per_claim"]):
            quotations.append(_quotation(w, len(quotations) + 1, works, persons or [author]))
        named = [w.next_entity() for _ in range(acc.take("in", in_claim))]
        start, sent = w.sentence(rng.randint(18, 34), named, [corp.unique_word()],
                                 "\n\n" if rng.random() < 0.3 else " ")
        claimant = author if acc.take("by author", RATES["claims_by_author"]) else rng.choice(agents)
        extra = round(rng.expovariate(1 / (RATES["about_per_claim"] - in_claim)))
        about = [e.key for e in named] + [rng.choice(pool).key for _ in range(extra)]
        mode = "own" if claimant is author else rng.choice(("reported", "ascribed", "own"))
        claims.append({"id": f"c{k:03d}", "claimant": claimant.key, "mode": mode,
                       "item": Item(start, sent), "about": list(dict.fromkeys(about))})
    while w.unmentioned:  # every entity of the pool is named at least once
        w.sentence(12, [w.unmentioned.pop() for _ in range(min(3, len(w.unmentioned)))])
    all_works = works or corp.by_kind["work"]
    n_cit = Accumulators({"c": 0.5}).take("c", RATES["citations_per_claim"] * n_claims)
    if n_cit and all_works:
        w.add("\n")
        citations = [_citation(w, n, rng.choice(all_works)) for n in range(1, n_cit + 1)]
    text = w.text() + "\n"
    _stances_and_evidence(corp, claims, quotations, citations, events_works)
    links = _links(corp, sid, claims)
    corp.claims.append([f"{sid}-{c['id']}" for c in claims])
    corp.counts.update(sources=1, claims=len(claims), quotations=len(quotations),
                       citations=len(citations), links=len(links), characters=len(text))

    text_name = f"sources/{index:05d}_{hashlib.sha256(sid.encode()).hexdigest()[:16]}.txt"
    (data / text_name).write_bytes(text.encode("utf-8"))
    lines = ["# Synthetic stand-in written by `partykg bench generate`: made-up text, "
             "names and facts.",
             "source:", f"  id: {sid}", f"  text: {text_name}",
             f"  sha256: {hashlib.sha256(text.encode('utf-8')).hexdigest()}",
             f"  title: {yq(title)}", f"  authors: [{author.key}]"]
    if rng.random() < 0.6:
        lines.append(f'  created: "{rng.randint(1900, 2020)}"')
    orgs = [e for e in pool if e.kind == "organization"]
    if orgs and rng.random() < 0.6:
        lines.append(f"  publisher: {rng.choice(orgs).key}")
    if rng.random() < 0.2:
        lines.append(f"  url: https://example.org/synthetic/{sid}")
    language_line = len(lines) + 1
    lines.append(f"  language: {'English' if language_fault else 'en'}")
    responds = [rng.choice(all_works).key] if all_works and rng.random() < 0.2 else []
    lines.append(f"  responds_to: {ylist(responds)}")
    for c in claims:
        c["paraphrase"] = yq(_words(rng, 12).capitalize() + ".")
    _section(lines, text, "claims", claims, ("id", "claimant", "mode", "item", "paraphrase", "about",
                                              "supports", "opposes", "qualifies", "no_stance",
                                              "evidence"))
    _section(lines, text, "quotations", quotations,
             ("id", "speaker", "item", "paraphrase", "work", "locator"))
    _section(lines, text, "citations", citations, ("id", "item", "work", "locator", "note"))
    for link in links:
        link["justification"] = yq(_words(rng, 10).capitalize() + ".")
    _section(lines, text, "links", links, ("type", "claims", "justification"))
    mentions = [{"entity": key, "item": item} for key, item in w.mentions]
    _section(lines, text, "mentions", mentions, ("entity", "item"))
    ann = f"annotations/{sid}.yaml"
    (data / ann).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {"id": sid, "file": f"data/{ann}", "language_line": language_line}


def _quotation(w: SourceWriter, n: int, works: list[Ent], persons: list[Ent]) -> dict:
    rng, corp = w.rng, w.corp
    work = rng.choice(works) if works and rng.random() < RATES["quotations_with_work"] else None
    speaker = corp.by_key[work.fields["authors"][0]] if work else rng.choice(persons)
    intro = f"As {speaker.name} wrote" + (f" in *{work.name}*" if work else "") + ", “"
    start = w.add(intro) + len(intro)
    quote = f"{_words(rng, rng.randint(12, 40))} {corp.unique_word()}"
    w.add(quote + "”. ")
    if not speaker.detect:
        w.mentions.append((speaker.key, Item(start - len(intro) + 3, speaker.name)))
    q = {"id": f"q{n:03d}", "speaker": speaker.key, "item": Item(start, quote)}
    if rng.random() < 0.07:
        q["paraphrase"] = "true"
    if work:
        q["work"] = work.key
        corp.cited_works.add(work.key)
        if rng.random() < RATES["quotations_with_locator"] / RATES["quotations_with_work"]:
            page = rng.randint(1, 600)
            q["locator"] = (f'{{volume: "{rng.randint(1, 45)}", pages: "{page}-{page + 3}"}}'
                            if rng.random() < 0.5 else f'{{page: "{page}"}}')
    return q


def _citation(w: SourceWriter, n: int, work: Ent) -> dict:
    rng, corp = w.rng, w.corp
    ref = f"{corp.by_key[work.fields['authors'][0]].name}, *{work.name}*"
    c = {"id": f"n{n}", "work": work.key, "note": yq(f"[{n}]")}
    if rng.random() < 0.28:
        vol, page = rng.randint(1, 45), rng.randint(1, 600)
        ref += f", vol. {vol}, p. {page}"
        c["locator"] = f'{{volume: "{vol}", page: "{page}"}}'
    start = w.add(f"\n[{n}] ") + len(f"\n[{n}] ")
    w.add(f"{ref} {corp.unique_word()}.")
    c["item"] = Item(start, ref)
    corp.cited_works.add(work.key)
    return c


def _stances_and_evidence(corp: Corpus, claims, quotations, citations, events_works) -> None:
    rng = corp.rng
    local = [q["id"] for q in quotations] + [c["id"] for c in citations]
    for i, c in enumerate(claims):
        taken: set[str] = set()  # a claim takes one stance on a thesis, never two
        for stance in ("supports", "opposes", "qualifies"):
            if corp.acc.take(stance, RATES[f"{stance}_per_claim"] / 1.08):
                free = [t for t in corp.theses if t not in taken]
                c[stance] = sorted(rng.sample(free, 2 if rng.random() < 0.08 else 1))
                taken.update(c[stance])
        if not taken:  # as in the real annotations, a stance-less claim is reviewed as such
            c["no_stance"] = yq("synthetic: reviewed, takes no position on the theses")
        evidence = []
        for _ in range(corp.acc.take("evidence", RATES["evidence_per_claim"])):
            if rng.random() < RATES["local_evidence"] and (local or i):
                pick = rng.randrange(len(local) + i)
                evidence.append(local[pick] if pick < len(local) else claims[pick - len(local)]["id"])
            elif events_works:
                evidence.append(rng.choice(events_works).key)
        if evidence:
            c["evidence"] = list(dict.fromkeys(evidence))


def _links(corp: Corpus, sid: str, claims: list[dict]) -> list[dict]:
    rng = corp.rng
    links = []
    for _ in range(corp.acc.take("links", RATES["links_per_claim"] * len(claims))):
        a = rng.choice(claims)["id"]
        if corp.claims and rng.random() < RATES["cross_source_links"]:
            b = rng.choice(rng.choice(corp.claims))
        else:
            b = f"{sid}-{rng.choice(claims)['id']}"
        pair = tuple(sorted((f"{sid}-{a}", b)))
        if pair[0] == pair[1] or pair in corp.pairs:
            continue
        corp.pairs.add(pair)
        typ = "agrees" if rng.random() < RATES["agreeing_links"] else "contradicts"
        links.append({"type": typ, "claims": [a, b.removeprefix(f"{sid}-")]})
    return links


def _section(lines: list[str], text: str, name: str, items: list[dict],
             order: tuple[str, ...]) -> None:
    lines.append("")
    if not items:
        lines.append(f"{name}: []")
        return
    lines.append(f"{name}:")
    for it in items:
        lead = "  - "
        for key in order:
            if key == "item":
                for fk, fv in anchor_fields(text, it["item"]):
                    lines.append(f"{lead}{fk}: {yq(fv)}")
                    lead = "    "
            elif key in it:
                val = it[key]
                lines.append(f"{lead}{key}: {ylist(val) if isinstance(val, list) else val}")
                lead = "    "


# --- registry, faults, the whole folder ---------------------------------------

SYNTHETIC_BASIS = "made up by the synthetic corpus generator"


def _registry_files(corp: Corpus, data: Path) -> dict[str, int]:
    """Write data/registry/*.yaml; return the line of every entity and membership."""
    from partykg.model.registry import KINDS
    where: dict[str, int] = {}
    for kind, spec in KINDS.items():
        lines = ["# Synthetic stand-ins written by `partykg bench generate`: made-up "
                 "names and facts."]
        for e in corp.by_kind[kind]:
            where[e.key] = len(lines) + 1
            lines += [f"{e.key}:", f"  name: {yq(e.name)}"]
            facts = []
            if e.aliases:
                lines.append(f"  aliases: {ylist(yq(a) for a in e.aliases)}")
            if e.kind == "group" or corp.rng.random() < 0.74:
                lines.append(f"  description: {yq(f'synthetic {e.kind}, a made-up stand-in')}")
                facts.append("description")
            if not e.detect:
                lines.append("  detect: false")
            if e.type:
                lines.append(f"  type: {e.type}")
                facts.append("type")
            for fname, val in e.fields.items():
                val = ylist(val) if isinstance(val, list) else (
                    yq(val) if fname in DATE_FIELDS else val)
                lines.append(f"  {fname}: {val}")
                facts.append(fname)
            if facts:  # every fact says where it comes from, as in the real registry
                lines.append("  basis:")
                lines += [f"    {f}: {{editorial: {SYNTHETIC_BASIS}}}" for f in facts]
            if e.members:
                lines.append("  members:")
                for i, m in enumerate(e.members, 1):
                    where[f"{e.key}#{i}"] = len(lines) + 1
                    lead = "    - "
                    for fname, val in m.items():
                        lines.append(f"{lead}{fname}: {yq(val) if fname in DATE_FIELDS else val}")
                        lead = "      "
                    lines.append(f"      basis: {{editorial: {SYNTHETIC_BASIS}}}")
        (data / "registry" / spec.file).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return where


def _registry_faults(corp: Corpus, kinds: list[str]) -> list[dict]:
    """Change the registry in memory for each fault; return what was done."""
    rng, out = corp.rng, []
    pick: dict[str, list] = {
        "event-ends-before-start": list(corp.by_kind["event"]),
        "membership-ends-before-start": [(o, i) for o in corp.by_kind["organization"]
                                         for i in range(len(o.members))],
        "cited-work-without-author": sorted(corp.cited_works),
    }
    for kind, n in sorted(Counter(kinds).items()):
        if kind == "entity-never-referenced":
            targets = [None] * n
        else:
            if len(pick[kind]) < n:
                raise InputError(Problem("--faults", 0, f"the corpus has room for only "
                                         f"{len(pick[kind])} fault(s) of kind {kind}, not {n}",
                                         "ask for fewer faults or more triples"))
            targets = rng.sample(pick[kind], n)
        for t in targets:
            if kind == "event-ends-before-start":
                t.fields.update(start="1921", end="1919")
                out.append({"kind": kind, "key": t.key, "focus": f"id/event/{t.key}"})
            elif kind == "membership-ends-before-start":
                org, i = t
                org.members[i].update(start="1930", end="1925")
                out.append({"kind": kind, "key": f"{org.key}#{i + 1}",
                            "focus": f"id/membership/{org.key}-{i + 1:02d}"})
            elif kind == "cited-work-without-author":
                corp.by_key[t].fields.pop("authors")
                out.append({"kind": kind, "key": t, "focus": f"id/work/{t}"})
            else:  # a person no text names and nothing refers to
                e = corp.new_entity("person")
                out.append({"kind": kind, "key": e.key, "focus": f"id/person/{e.key}"})
    return out


def generate(out: str | Path, triples: int, seed: int, faults: int = 0,
             root: str | Path = ".") -> dict:
    """Write a synthetic project folder at ``out``; return the manifest (faults.json).

    ``root`` is the real project, whose ontology/, shapes/, queries/ and
    data/theses.yaml are copied. ``out`` is replaced only when it is absent,
    empty or an earlier synthetic corpus, and only once the new one is complete."""
    from partykg.model.yamlload import load_yaml
    out, root = Path(out).resolve(), Path(root).resolve()
    if out.exists() and any(out.iterdir()) and not (out / "faults.json").exists():
        raise InputError(Problem(str(out), 0, "the folder exists and is not a synthetic corpus",
                                 "give a new or empty folder to --out"))
    if triples < 1000 or faults < 0:
        raise InputError(Problem("--triples", 0, "ask for at least 1000 triples and "
                                 "0 or more faults", "e.g. --triples 10000 --faults 5"))
    theses_file = root / "data" / "theses.yaml"
    # stances are taken on the live propositions of the scheme (not its questions,
    # not deprecated theses)
    theses = sorted(k for k, v in (load_yaml(theses_file, str(theses_file)) or {}).items()
                    if not v.get("question") and not v.get("deprecated"))
    rng = random.Random(seed)
    corp = Corpus(rng, theses)
    sizes = plan_sizes(triples)
    kinds = [FAULT_ORDER[i % len(FAULT_ORDER)] for i in range(faults)]
    n_lang = kinds.count("language-not-bcp47")
    if n_lang > len(sizes):
        raise InputError(Problem("--faults", 0, f"only {len(sizes)} sources can carry a "
                                 "language fault", "ask for fewer faults or more triples"))
    lang_at = {i * len(sizes) // n_lang for i in range(n_lang)} if n_lang else set()
    with atomic_dir(out, ".synth-") as tmp:
        data = tmp / "data"
        for sub in ("sources", "registry", "annotations"):
            (data / sub).mkdir(parents=True)
        for name in ("ontology", "shapes", "queries"):
            shutil.copytree(root / name, tmp / name)
        # the scheme as it is, less the classic works it names (not in a made-up registry)
        (data / "theses.yaml").write_text("".join(
            line for line in theses_file.read_text(encoding="utf-8").splitlines(keepends=True)
            if not line.startswith("  formulated_in:")), encoding="utf-8")
        done = []
        for i, n in enumerate(sizes):
            src = generate_source(corp, i, n, data, i in lang_at)
            if i in lang_at:
                done.append({"kind": "language-not-bcp47", "key": src["id"],
                             "focus": f"id/source/{src['id']}", "file": src["file"],
                             "line": src["language_line"]})
        reg_faults = _registry_faults(corp, [k for k in kinds if k != "language-not-bcp47"])
        where = _registry_files(corp, data)
        from partykg.model.registry import KINDS
        for f in reg_faults:
            kind_of = corp.by_key[f["key"].split("#")[0]].kind
            f["file"] = f"data/registry/{KINDS[kind_of].file}"
            f["line"] = where[f["key"]]
        for f in done + reg_faults:
            f["check"] = FAULT_KINDS[f["kind"]][1]
            f["results"] = 1
        manifest = {
            "generated": "synthetic corpus written by `partykg bench generate`; made-up "
                         "texts, names and facts, for benchmarks and tests only",
            "seed": seed, "target_triples": triples, "faults_requested": faults,
            "expected_validation_results": faults,
            "counts": {**dict(sorted(corp.counts.items())),
                       "entities": dict(sorted(Counter(e.kind for e in corp.entities).items()))},
            "fault_kinds": {k: v[1] for k, v in FAULT_KINDS.items()},
            "faults": sorted(done + reg_faults, key=lambda f: (f["kind"], f["key"])),
        }
        (tmp / "faults.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False)
                                         + "\n", encoding="utf-8")
    return manifest


def profile(registry, sources) -> dict[str, float]:
    """The proportions :data:`RATES` speaks of, measured on loaded annotations
    (the real ones or a synthetic corpus), for comparison."""
    from partykg.model.mentions import find_mentions, name_pattern
    compiled = name_pattern(registry)
    n = Counter()
    for s in sources:
        mentions = find_mentions(s, registry, compiled)
        spans = [c.span for c in s.claims if c.span]
        n.update(chars=len(s.text), claims=len(s.claims), quotations=len(s.quotations),
                 citations=len(s.citations), links=len(s.links),
                 cross=sum(1 for lk in s.links
                           if any(not c.startswith(s.id + "-c") for c in lk.claims)),
                 agrees=sum(1 for lk in s.links if lk.type == "agrees"),
                 mentions=len(mentions),
                 explicit=sum(1 for m in mentions if m.detection == "explicit"),
                 in_claims=sum(1 for m in mentions
                               if any(sp.start <= m.span.start < sp.end for sp in spans)),
                 entities=len({m.entity for m in mentions}),
                 by_author=sum(1 for c in s.claims if c.claimant in s.meta.get("authors", [])),
                 about=sum(len(c.about) for c in s.claims),
                 evidence=sum(len(c.evidence) for c in s.claims),
                 **{k: sum(len(c.stance[k]) for c in s.claims)
                    for k in ("supports", "opposes", "qualifies")})
    claims = n["claims"] or 1
    out = {"chars_per_claim": n["chars"] / claims,
           "registry_per_claim": len(registry.entities) / claims,
           "cross_source_links": n["cross"] / (n["links"] or 1),
           "agreeing_links": n["agrees"] / (n["links"] or 1),
           "explicit_mentions": n["explicit"] / (n["mentions"] or 1),
           "mentions_in_claims": n["in_claims"] / (n["mentions"] or 1),
           "claims_by_author": n["by_author"] / claims}
    for k in ("quotations", "citations", "links", "mentions", "entities", "about", "evidence",
              "supports", "opposes", "qualifies"):
        out[f"{k}_per_claim"] = n[k] / claims
    kinds = Counter(e.kind for e in registry.entities.values())
    for kind in KIND_SHARES:
        out[f"share_{kind}"] = kinds[kind] / (len(registry.entities) or 1)
    return {k: round(v, 3) for k, v in sorted(out.items())}
