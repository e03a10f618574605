"""JSON Schemas (draft 2020-12) of the hand-written YAML files, generated from the
loader's own specs, so that the format has one source of truth.

The loader checks each mapping against a spec of `Field`s (model/fields.py:
SOURCE, CLAIM, … in model/annotations.py; COMMON, KINDS, WIKIDATA, … and THESIS
in model/registry.py). This module turns those specs, and the loader's closed
vocabularies (MODES, LINK_TYPES, CITO_CHARACTERIZATIONS, the types of each
registry kind, the local id patterns), into schemas an editor can use
(yaml-language-server: completion, hover help from `Field.help`, errors as one
types). `partykg schema --write` writes them to schemas/; a test checks that
the committed files equal what this module generates.

A schema checks the shape of one file: keys, types, dates, keys' and QIDs'
spelling, closed vocabularies, lengths. What needs other files or the text
(an entity that exists, a quote found in the text, the digest of the text,
duplicate ids) stays the loader's: `partykg build` remains the full check.
"""

from __future__ import annotations

import json
from pathlib import Path

from partykg.model import annotations as ann
from partykg.model import registry as reg
from partykg.model.fields import KEY_RE, QID_RE, SHA256_RE, Field

DRAFT = "https://json-schema.org/draft/2020-12/schema"
ID_BASE = "https://w3id.org/partykg/schemas/"

# A date as the loader takes it (fields.date_precision): YYYY, YYYY-MM or
# YYYY-MM-DD, no year 0000, a day that the month has (29 February is let
# through in every year: the loader checks leap years).
DAY31, DAY30, DAY29 = r"(?:0[1-9]|[12]\d|3[01])", r"(?:0[1-9]|[12]\d|30)", r"(?:0[1-9]|1\d|2\d)"
DATE_PATTERN = (r"^-?(?!0000)\d{4}(?:-(?:(?:0[13578]|1[02])(?:-" + DAY31 + r")?"
                r"|(?:0[469]|11)(?:-" + DAY30 + r")?|02(?:-" + DAY29 + r")?))?$")
NONBLANK = r"\S"


def _pattern(regex) -> str:
    return regex.pattern


def field_schema(f: Field) -> dict:
    """One value of the type ``f.type``, as `fields._check_value` accepts it."""
    t = f.type
    text = {"type": "string", "pattern": NONBLANK, "maxLength": f.limit}
    key = {"type": "string", "pattern": _pattern(KEY_RE), "maxLength": f.limit}
    if t == "str":          # the loader also takes a number (`page: 40`) as its text
        out: dict = {"anyOf": [text, {"type": "number"}]}
    elif t == "strs":
        out = {"anyOf": [text, {"type": "number"},
                         {"type": "array", "items": {"anyOf": [text, {"type": "number"}]}}]}
    elif t == "bool":
        out = {"type": "boolean"}
    elif t == "date":       # a year may be written as a number: `born: 1870`
        out = {"anyOf": [{"type": "string", "pattern": DATE_PATTERN},
                         {"type": "integer", "minimum": 1, "maximum": 9999}]}
    elif t == "key":
        out = key
    elif t == "keys":
        out = {"anyOf": [key, {"type": "array", "items": key}]}
    elif t == "qid":
        out = {"type": "string", "pattern": _pattern(QID_RE)}
    elif t == "url":
        out = {"type": "string", "pattern": r"^https?://\S+$", "maxLength": f.limit}
    elif t == "sha256":
        out = {"type": "string", "pattern": _pattern(SHA256_RE)}
    elif t == "map":
        out = {"type": "object"}
    elif t == "list":
        out = {"type": "array"}
    elif t == "bases":
        out = {"anyOf": [{"type": "object"}, {"type": "array", "items": {"type": "object"}}]}
    else:
        raise ValueError(f"no JSON Schema for the field type {t!r}")
    if f.help:
        out["description"] = f.help
    return out


def mapping(spec: dict[str, Field], title: str, **refine: dict) -> dict:
    """A closed mapping of ``spec``'s keys (unknown keys are errors, as in
    `fields.check_map`); ``refine``: per key, schema keywords that narrow the
    field's schema (a nested spec, an enum, a pattern)."""
    props = {}
    for name, f in spec.items():
        schema = field_schema(f)
        extra = refine.get(name)
        if extra:
            desc = schema.pop("description", None)
            schema = {**extra} if "$ref" in extra or "type" in extra or "anyOf" in extra \
                else {"allOf": [schema, extra]}
            if desc:
                schema["description"] = desc
        props[name] = schema
    return {"type": "object", "title": title, "properties": props,
            "required": [k for k, f in spec.items() if f.required],
            "additionalProperties": False}


def _list_of(ref: str) -> dict:
    return {"type": "array", "items": {"$ref": ref}}


def _local_id(section: str) -> dict:
    return {"type": "string", "pattern": _pattern(ann.LOCAL_ID[section])}


def annotation_schema() -> dict:
    """An annotation file, data/annotations/<source-id>.yaml."""
    locator = {"$ref": "#/$defs/locator"}
    return {
        "$schema": DRAFT, "$id": ID_BASE + "annotation.schema.json",
        "title": "partykg annotation file",
        "description": "One source text's annotations (data/README.md). Generated from "
                       "partykg.model.annotations by `partykg schema --write`.",
        **mapping(ann.TOP, "annotation file", source={"$ref": "#/$defs/source"},
                  claims=_list_of("#/$defs/claim"), quotations=_list_of("#/$defs/quotation"),
                  citations=_list_of("#/$defs/citation"), links=_list_of("#/$defs/link"),
                  mentions=_list_of("#/$defs/mention"),
                  quantities=_list_of("#/$defs/quantity")),
        "$defs": {
            "source": mapping(ann.SOURCE, "source"),
            "claim": mapping(ann.CLAIM, "claim", id=_local_id("claims"),
                             mode={"enum": sorted(ann.MODES)}),
            "quotation": mapping(ann.QUOTATION, "quotation", id=_local_id("quotations"),
                                 locator=locator),
            "citation": mapping(ann.CITATION, "citation", id=_local_id("citations"),
                                locator=locator,
                                characterization={"enum": list(ann.CITO_CHARACTERIZATIONS)}),
            "link": mapping(ann.LINK, "link", type={"enum": list(ann.LINK_TYPES)},
                            claims={"type": "array", "minItems": 2, "maxItems": 2,
                                    "items": field_schema(Field("key"))}),
            "mention": mapping(ann.MENTION, "mention"),
            "quantity": mapping(ann.QUANTITY, "quantity", id=_local_id("quantities")),
            "locator": mapping(ann.LOCATOR, "locator"),
        },
    }


def _bases() -> dict:
    return {"anyOf": [{"$ref": "#/$defs/basis"},
                      {"type": "array", "items": {"$ref": "#/$defs/basis"}}]}


def registry_schema(kind: str) -> dict:
    """A registry file, data/registry/<kind>s.yaml: entity key -> entry."""
    spec = reg.KINDS[kind]
    fields = {**reg.COMMON, **spec.fields}
    refine: dict = {"wikidata": {"$ref": "#/$defs/wikidata"},
                    "wikidata_candidates": _list_of("#/$defs/candidate"),
                    "disputed": _list_of("#/$defs/dispute"),
                    "basis": {"type": "object", "additionalProperties": _bases(),
                              "propertyNames": {"enum": sorted(set(fields) - reg.NOT_FACTS)}}}
    if spec.types:
        refine["type"] = {"enum": list(spec.types)}
    if "members" in fields:
        refine["members"] = _list_of("#/$defs/membership")
    defs = {
        "entry": mapping(fields, f"{kind} entry", **refine),
        "wikidata": mapping(reg.WIKIDATA, "verified Wikidata item",
                            match={"enum": list(reg.MATCHES)}),
        "candidate": mapping(reg.CANDIDATE, "Wikidata candidate"),
        "dispute": mapping(reg.DISPUTE, "disputed fact"),
        "basis": mapping(reg.BASIS, "basis of a fact", locator={"$ref": "#/$defs/locator"}),
        "locator": mapping(ann.LOCATOR, "locator"),
    }
    if "members" in fields:
        defs["membership"] = mapping(reg.MEMBERSHIP, "membership", basis=_bases())
    return {
        "$schema": DRAFT, "$id": ID_BASE + f"registry-{spec.file.removesuffix('.yaml')}.schema.json",
        "title": f"partykg registry: {spec.file}",
        "description": f"The {kind} entries of the registry, by key (data/README.md). Generated "
                       "from partykg.model.registry by `partykg schema --write`.",
        "type": "object",
        "propertyNames": {"pattern": _pattern(KEY_RE)},
        "additionalProperties": {"$ref": "#/$defs/entry"},
        "$defs": defs,
    }


def theses_schema() -> dict:
    """data/theses.yaml: thesis key -> thesis."""
    return {
        "$schema": DRAFT, "$id": ID_BASE + "theses.schema.json",
        "title": "partykg theses",
        "description": "The questions and propositions claims take stances on (data/README.md). "
                       "Generated from partykg.model.registry by `partykg schema --write`.",
        "type": "object",
        "propertyNames": {"pattern": _pattern(KEY_RE),
                          "not": {"enum": sorted(reg.RESERVED_THESIS_KEYS)}},
        "additionalProperties": {"$ref": "#/$defs/thesis"},
        "$defs": {"thesis": mapping(reg.THESIS, "thesis")},
    }


def schemas() -> dict[str, dict]:
    """File name in schemas/ -> schema."""
    out = {"annotation.schema.json": annotation_schema()}
    for kind, spec in reg.KINDS.items():
        out[f"registry-{spec.file.removesuffix('.yaml')}.schema.json"] = registry_schema(kind)
    out["theses.schema.json"] = theses_schema()
    return out


def render(schema: dict) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def schema_for(relpath: str) -> str | None:
    """The schema file of a data file, by its path relative to the project root
    (data/annotations/x.yaml, data/registry/persons.yaml, data/theses.yaml)."""
    parts = Path(relpath).parts
    if len(parts) == 3 and parts[:2] == ("data", "annotations") and relpath.endswith(".yaml"):
        return "annotation.schema.json"
    if len(parts) == 3 and parts[:2] == ("data", "registry"):
        known = {spec.file for spec in reg.KINDS.values()}
        return f"registry-{Path(parts[2]).stem}.schema.json" if parts[2] in known else None
    if parts == ("data", reg.THESES_FILE):
        return "theses.schema.json"
    return None


MODELINE = "# yaml-language-server: $schema="


def modeline(relpath: str) -> str | None:
    """The first line that points an editor at the schema of a data file."""
    name = schema_for(relpath)
    if name is None:
        return None
    up = "../" * (len(Path(relpath).parts) - 1)
    return f"{MODELINE}{up}schemas/{name}"


def write(root: Path) -> list[Path]:
    """Write every schema to ROOT/schemas/; return the files whose text changed."""
    from partykg.core.files import write_atomic
    folder = root / "schemas"
    folder.mkdir(exist_ok=True)
    changed = []
    for name, schema in schemas().items():
        path = folder / name
        text = render(schema)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            write_atomic(path, text)
            changed.append(path)
    return changed


def stale(root: Path) -> list[str]:
    """The schema files under ROOT/schemas/ that differ from the generated ones
    (or are missing, or are not generated)."""
    folder = root / "schemas"
    expected = {name: render(s) for name, s in schemas().items()}
    present = {p.name for p in folder.glob("*.schema.json")} if folder.is_dir() else set()
    out = [n for n in sorted(set(expected) | present)
           if n not in present or n not in expected
           or (folder / n).read_text(encoding="utf-8") != expected[n]]
    return out


def data_files(root: Path) -> list[Path]:
    """The hand-written data files that have a schema."""
    data = root / "data"
    files = [*sorted((data / "annotations").glob("*.yaml")),
             *sorted((data / "registry").glob("*.yaml")), data / reg.THESES_FILE]
    return [p for p in files if p.is_file() and schema_for(p.relative_to(root).as_posix())]


def users(root: Path) -> dict[str, list[Path]]:
    """Schema file name -> the data files it describes."""
    out: dict[str, list[Path]] = {name: [] for name in schemas()}
    for path in data_files(root):
        out[schema_for(path.relative_to(root).as_posix())].append(path)
    return out


def without_modeline(root: Path) -> list[Path]:
    """The data files whose first line is not their schema line."""
    return [p for p in data_files(root)
            if p.read_text(encoding="utf-8").split("\n", 1)[0]
            != modeline(p.relative_to(root).as_posix())]


def add_modelines(root: Path) -> list[Path]:
    """Put the schema line first in each data file that lacks it (an older schema
    line is replaced); return the files changed. A YAML comment: the loader and
    the build ignore it."""
    from partykg.core.files import write_atomic
    changed = []
    for path in without_modeline(root):
        text = path.read_text(encoding="utf-8")
        if text.startswith(MODELINE):
            text = text.split("\n", 1)[1] if "\n" in text else ""
        write_atomic(path, modeline(path.relative_to(root).as_posix()) + "\n" + text)
        changed.append(path)
    return changed
