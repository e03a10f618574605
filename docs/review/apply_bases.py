"""Write the bases of the registry facts (docs/review/registry-basis.yaml, the
provenance pass of 2026-12) into data/registry/*.yaml as `basis:` blocks.

A one-off migration kept as the record of how the bases were added; run from
the project root with ruamel.yaml installed: python docs/review/apply_bases.py
"""

from __future__ import annotations

from pathlib import Path

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

ROOT = Path(__file__).resolve().parents[2]
NOT_FACTS = {"name", "aliases", "detect", "wikidata", "wikidata_candidates", "basis", "members",
             "disputed"}


def one(b: dict) -> CommentedMap:
    m = CommentedMap()
    for k in ("source", "quote", "prefix", "suffix", "work", "locator", "wikidata", "editorial"):
        if k in b:
            m[k] = b[k]
    if "locator" in m:
        loc = CommentedMap(m["locator"])
        loc.fa.set_flow_style()
        m["locator"] = loc
    m.fa.set_flow_style()
    return m


def bases(node) -> CommentedMap | CommentedSeq:
    if isinstance(node, list):
        seq = CommentedSeq(one(b) for b in node)
        return seq
    return one(node)


def main() -> None:
    proposals = yaml.safe_load((ROOT / "docs/review/registry-basis.yaml").read_text())["entities"]
    rt = YAML()
    rt.preserve_quotes = True
    rt.width = 4096
    rt.indent(mapping=2, sequence=4, offset=2)
    done = missing = 0
    for path in sorted((ROOT / "data/registry").glob("*.yaml")):
        doc = rt.load(path.read_text(encoding="utf-8"))
        for key, ent in doc.items():
            prop = proposals.get(key)
            if prop is None or "basis" in ent:
                continue
            facts = [k for k in ent if k not in NOT_FACTS]
            b = CommentedMap()
            for fact in facts:
                if fact in prop:
                    b[fact] = bases(prop[fact])
                else:
                    missing += 1
                    print(f"{path.name}: {key}: no basis proposed for {fact}")
            if b:
                ent["basis"] = b
                done += len(b)
            for m in prop.get("members", []):
                member = ent["members"][m["index"]]
                assert member["member"] == m["member"], (key, m)
                member["basis"] = bases(m["basis"])
                done += 1
        with path.open("w", encoding="utf-8") as f:
            rt.dump(doc, f)
    print(f"{done} facts given a basis; {missing} without a proposal")


if __name__ == "__main__":
    main()
