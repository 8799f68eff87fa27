"""Curation-quality figures over a run folder made by bench/curation/build_all.sh (run from the repo root: python bench/curation/figures.py RUN)."""
import json, sys, collections
sys.path.insert(0, "src")
from asktoact.curate.shortcut import shortcut_report
from asktoact.io import read_jsonl
from asktoact.schema import ICRecord
run = sys.argv[1]
allrecs = []
for s in ["bfcl", "acebench", "sealtools", "toolalpaca", "taskbench"]:
    m = json.load(open(f"{run}/{s}/ic/ic_records.jsonl.meta.json"))["counts"]
    recs = list(read_jsonl(f"{run}/{s}/ic/ic_records.jsonl", ICRecord))
    rej = [json.loads(l) for l in open(f"{run}/{s}/ic/rejected_records.jsonl")]
    allrecs += recs
    why = collections.Counter()
    for r in rej:
        for u in r["metadata"].get("ungrounded", []):
            why[u.split(": ", 1)[1].split(" (")[0][:45]] += 1
    kept_missing = sum(len(r.quality.kept_missing) for r in recs)
    absent = sum(1 for r in recs for c in r.key_info for a in c.arguments.values() if a.method and a.method.value == "absent")
    origin = collections.Counter(a.grounded for r in recs for c in r.key_info for a in c.arguments.values() if not a.removed)
    methods = collections.Counter(a.method.value for r in recs for c in r.key_info for a in c.arguments.values() if a.removed and a.method and not a.linked_to)
    print(json.dumps({"source": s, "samples": m["curated"], "kept": m["kept"], "qc_reasons": m["qc_reasons"], "by_level": m["by_level"],
                      "leak_pass_l1": m["leak_pass_rate_level_ge1"], "kept_values_lost_in_kept_records": kept_missing,
                      "absent_params_asked": absent, "kept_value_origins": dict(origin), "methods": dict(methods),
                      "ungrounded_reject_reasons": dict(why.most_common(6))}))
rep = shortcut_report(allrecs)
print(json.dumps({k: v for k, v in rep.items() if k != "top_introduced_ngrams"}))
print(json.dumps(rep["top_introduced_ngrams"][:6]))
