"""Publish the Wikidata verification pass of 2026-12 (docs/review/wikidata-2026-12.yaml)
in data/registry/*.yaml: each `verified` entry becomes `wikidata: {qid, verified}` (an
unverified candidate of the same QID is removed), each `close_match` entry
`wikidata: {qid, verified, match: close, reason}` (replacing the modern-state links the
`change` entries reject). Links that were already published keep their old evidence,
and the re-check is appended.

A one-off migration kept as the record of how the links were published; run from the
project root with ruamel.yaml installed: python docs/review/apply_wikidata.py
"""

from __future__ import annotations

from pathlib import Path

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

ROOT = Path(__file__).resolve().parents[2]
REVIEW = "docs/review/wikidata-2026-12.yaml"


def evidence(e: dict) -> str:
    text = e["evidence"].strip()
    if e.get("checked"):
        text += f" [checked: {'; '.join(str(c) for c in e['checked'])}]"
    return text


def place(ent: CommentedMap, key: str, value) -> None:
    """Put `key` where the old link stood, else before candidates/basis/members."""
    keys = list(ent.keys())
    if key in ent:
        pos = keys.index(key)
        del ent[key]
    else:
        pos = next((keys.index(k) for k in ("wikidata_candidates", "basis", "members",
                                             "disputed") if k in keys), len(keys))
    ent.insert(pos, key, value)


def main() -> None:
    rev = yaml.safe_load((ROOT / REVIEW).read_text(encoding="utf-8"))
    todo = {e["key"]: (e, "exact") for e in rev["verified"]}
    todo.update({e["key"]: (e, "close") for e in rev["close_match"]})
    changed = {c["key"] for c in rev.get("change", [])}
    rt = YAML()
    rt.preserve_quotes = True
    rt.width = 4096
    rt.indent(mapping=2, sequence=4, offset=2)
    counts = {"new": 0, "rechecked": 0, "close": 0, "candidates_removed": 0}
    for path in sorted((ROOT / "data/registry").glob("*.yaml")):
        doc = rt.load(path.read_text(encoding="utf-8"))
        for key, ent in doc.items():
            if key not in todo:
                continue
            e, match = todo.pop(key)
            old = ent.get("wikidata")
            link = CommentedMap()
            link["qid"] = e["qid"]
            if old is not None and old["qid"] == e["qid"]:
                link["verified"] = (f"{old['verified']} | re-checked 2026-12 ({REVIEW}): "
                                    f"{evidence(e)}")
                counts["rechecked"] += 1
            else:
                assert old is None or key in changed, (key, old)
                link["verified"] = f"{evidence(e)} ({REVIEW})"
                counts["close" if match == "close" else "new"] += 1
            if match == "close":
                link["match"] = "close"
                link["reason"] = e["reason"].strip()
            place(ent, "wikidata", link)
            cands = ent.get("wikidata_candidates")
            if cands is not None:
                keep = [c for c in cands if c["qid"] != e["qid"]]
                counts["candidates_removed"] += len(cands) - len(keep)
                if keep:
                    cands[:] = keep
                else:
                    del ent["wikidata_candidates"]
        with path.open("w", encoding="utf-8") as f:
            rt.dump(doc, f)
    assert not todo, f"keys not in the registry: {sorted(todo)}"
    print(counts)


if __name__ == "__main__":
    main()
