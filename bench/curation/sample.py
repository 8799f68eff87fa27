"""Seeded sample of kept level 1-3 records across sources, for blind grading.
Usage: python bench/curation/sample.py RUN_DIR OUT.jsonl [N] [SEED]"""
import json, random, sys
from pathlib import Path
run, out = Path(sys.argv[1]), Path(sys.argv[2])
n = int(sys.argv[3]) if len(sys.argv) > 3 else 90
seed = int(sys.argv[4]) if len(sys.argv) > 4 else 0
by_src = {}
for f in sorted(run.glob("*/ic/ic_records.jsonl")):
    recs = [json.loads(l) for l in open(f)]
    by_src[f.parent.parent.name] = sorted((r for r in recs if r["level"] > 0), key=lambda r: r["id"])
rng = random.Random(seed)
per = {s: max(1, round(n * len(v) / sum(map(len, by_src.values())))) for s, v in by_src.items()}
for s in per:  # every source gets at least 8 (or all it has)
    per[s] = min(len(by_src[s]), max(per[s], 8))
picked = []
for s, k in per.items():
    picked += rng.sample(by_src[s], k)
rng.shuffle(picked)
with open(out, "w") as fo:
    for r in picked:
        ki = [{"api": c["name"], "arguments": {p: {k: v for k, v in a.items() if k in ("value", "removed", "method", "original_value", "current_value", "grounded", "linked_to") and v is not None}
                                         for p, a in c["arguments"].items()}} for c in r["key_info"]]
        fo.write(json.dumps({"id": r["id"], "source": r["source"], "level": r["level"], "original_query": r["original_query"],
                             "unspecified_query": r["unspecified_query"], "context": r.get("context", []), "key_info": ki}, ensure_ascii=False) + "\n")
print(f"{len(picked)} records -> {out}: {per}")
