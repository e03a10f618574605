"""Apply the second readers' reviews (docs/review/<source-id>.yaml) to the
annotation files: the migration of 2026-12 to thesis scheme 2.0, with claim
modes, view dates, quotation occasions, quantities and the link review.

A one-off migration, kept as the record of how the annotations changed; the
lead reviewer checked every review file before it was applied (decisions on
proposals not applied are in docs/review/DECISIONS.md). Run from the project
root with ruamel.yaml installed: python docs/review/apply_review.py SOURCE-ID...
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

ROOT = Path(__file__).resolve().parents[2]
STANCES = ("supports", "opposes", "qualifies")


def flow(items):
    s = CommentedSeq(items)
    s.fa.set_flow_style()
    return s


def put_after(cm: CommentedMap, after: list[str], key: str, value) -> None:
    """Set key, placed after the last of ``after`` present (or at the end)."""
    if key in cm:
        del cm[key]
    keys = list(cm.keys())
    pos = len(keys)
    for a in after:
        if a in keys:
            pos = keys.index(a) + 1
    cm.insert(pos, key, value)


def apply(source_id: str, skip: dict) -> list[str]:
    rt = YAML()
    rt.preserve_quotes = True
    rt.width = 4096
    rt.indent(mapping=2, sequence=4, offset=2)
    path = ROOT / "data" / "annotations" / f"{source_id}.yaml"
    doc = rt.load(path.read_text(encoding="utf-8"))
    review = yaml.safe_load((ROOT / "docs" / "review" / f"{source_id}.yaml").read_text())
    text = (ROOT / "data" / doc["source"]["text"]).read_text(encoding="utf-8")
    log = []
    skipped = skip.get(source_id, {})
    for claim in doc.get("claims", []):
        r = review["claims"].get(claim["id"])
        if r is None:
            raise SystemExit(f"{source_id}: claim {claim['id']} not reviewed")
        for k in STANCES + ("no_stance",):
            if k in claim:
                del claim[k]
        if r.get("claimant") and claim["id"] not in skipped.get("claimant", ()):
            log.append(f"{claim['id']}: claimant {claim['claimant']} -> {r['claimant']}")
            claim["claimant"] = r["claimant"]
        put_after(claim, ["claimant"], "mode", r["mode"])
        if r.get("paraphrase") and claim["id"] not in skipped.get("paraphrase", ()):
            claim["paraphrase"] = r["paraphrase"]
            log.append(f"{claim['id']}: paraphrase corrected")
        about = list(claim.get("about", []))
        about = [a for a in about if a not in (r.get("about_remove") or [])]
        about += [a for a in (r.get("about_add") or []) if a not in about]
        if "about" in claim or about:
            put_after(claim, ["paraphrase"], "about", flow(about))
        last = "about" if "about" in claim else "paraphrase"
        for k in STANCES:
            if r.get(k):
                put_after(claim, [last], k, flow(r[k]))
                last = k
        if not any(r.get(k) for k in STANCES):
            put_after(claim, [last], "no_stance", r["no_stance"])
        if r.get("view_date") and claim["id"] not in skipped.get("date", ()):
            assert r["view_date_quote"] in text, (source_id, claim["id"], r["view_date_quote"])
            put_after(claim, list(claim.keys()), "date", str(r["view_date"]))
            put_after(claim, ["date"], "date_quote", r["view_date_quote"])
    for q in doc.get("quotations", []):
        r = (review.get("quotations") or {}).get(q["id"]) or {}
        if r.get("via"):
            put_after(q, ["work"], "via", r["via"])
        if r.get("occasion"):
            if r.get("occasion_quote"):
                assert r["occasion_quote"] in text, (source_id, q["id"])
            put_after(q, list(q.keys()), "occasion", r["occasion"])
            if r.get("occasion_date"):
                put_after(q, ["occasion"], "occasion_date", str(r["occasion_date"]))
    links = doc.get("links", [])
    drop = set()
    for lr in review.get("links_review", []):
        i = lr["index"]
        assert sorted(links[i]["claims"]) == sorted(lr["claims"]), (source_id, i, lr)
        if lr["verdict"] == "drop":
            drop.add(i)
            log.append(f"link {links[i]['claims']}: dropped ({lr['why']})")
        elif lr["verdict"] == "retype":
            links[i]["type"] = "agrees" if links[i]["type"] == "contradicts" else "contradicts"
            log.append(f"link {links[i]['claims']}: retyped to {links[i]['type']} ({lr['why']})")
    for i in sorted(drop, reverse=True):
        del links[i]
    for nl in review.get("new_links") or []:
        m = CommentedMap()
        m["type"] = nl["type"]
        m["claims"] = flow(nl["claims"])
        m["justification"] = nl["justification"]
        links.append(m)
        log.append(f"link {nl['claims']}: new ({nl['type']})")
    if links and "links" not in doc:
        doc["links"] = links
    claims = doc.get("claims", [])
    n = max(int("".join(ch for ch in c["id"][1:] if ch.isdigit())) for c in claims)
    width = max(len(c["id"]) - 1 for c in claims)
    for mc in review.get("missing_claims") or []:
        assert mc["quote"] in text, (source_id, mc["quote"])
        n += 1
        m = CommentedMap()
        m["id"] = f"c{n:0{width}d}"
        m["claimant"] = mc["claimant"]
        m["mode"] = mc["mode"]
        m["quote"] = mc["quote"]
        m["paraphrase"] = mc["paraphrase"]
        m["about"] = flow(mc.get("about") or [])
        for k in STANCES:
            if mc.get(k):
                m[k] = flow(mc[k])
        if not any(mc.get(k) for k in STANCES):
            m["no_stance"] = mc.get("no_stance") or "added in the 2026-12 review without a stance"
        claims.append(m)
        log.append(f"{m['id']}: new claim ({mc['paraphrase'][:60]}…)")
    if review.get("quantities"):
        qs = CommentedSeq()
        kept = [x for x in review["quantities"]
                if x["quote"] not in skipped.get("quantity", ())]
        for n, x in enumerate(kept, 1):
            assert x["quote"] in text, (source_id, x["quote"])
            m = CommentedMap()
            m["id"] = f"x{n:02d}"
            m["quote"] = x["quote"]
            for k in ("value", "approximate", "counts", "of", "date", "place", "claim"):
                if x.get(k) not in (None, "", False) or (k == "approximate" and k in x):
                    v = x[k]
                    m[k] = str(v) if k in ("value", "date") else v
            qs.append(m)
        doc["quantities"] = qs
    out = ROOT / "data" / "annotations" / f"{source_id}.yaml"
    with out.open("w", encoding="utf-8") as f:
        rt.dump(doc, f)
    return log


def dedupe_links(source_ids: list[str]) -> list[str]:
    """A pair of claims is linked once: drop later duplicates (both readers of a
    cross-source pair may have proposed it)."""
    rt = YAML()
    rt.preserve_quotes = True
    rt.width = 4096
    rt.indent(mapping=2, sequence=4, offset=2)
    seen, log = {}, []
    for sid in sorted((ROOT / "data" / "annotations").glob("*.yaml")):
        doc = rt.load(sid.read_text(encoding="utf-8"))
        me = sid.stem
        keep = []
        for link in doc.get("links") or []:
            glob = tuple(sorted(f"{me}-{c}" if re.match(r"^c\d+[a-z]?$", c) else c
                                for c in link["claims"]))
            if glob in seen:
                log.append(f"{me}: duplicate link {list(glob)} dropped (kept in {seen[glob]})")
                continue
            seen[glob] = me
            keep.append(link)
        if doc.get("links") is not None and len(keep) != len(doc["links"]):
            doc["links"][:] = keep
            with sid.open("w", encoding="utf-8") as f:
                rt.dump(doc, f)
    return log


if __name__ == "__main__":
    decisions = yaml.safe_load((ROOT / "docs" / "review" / "skip.yaml").read_text()) \
        if (ROOT / "docs" / "review" / "skip.yaml").exists() else {}
    for sid in sys.argv[1:]:
        for line in apply(sid, decisions or {}):
            print(f"{sid}: {line}")
    for line in dedupe_links(sys.argv[1:]):
        print(line)
