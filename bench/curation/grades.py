"""The grading table of docs/grading/README.md from a sample and its grades.
Usage: python bench/curation/grades.py SAMPLE.jsonl GRADES.jsonl [SEEN_IDS.txt]
SEEN_IDS: ids read while tuning (reported apart: "never read" is the figure that counts)."""
import collections, json, sys

sample = [json.loads(l) for l in open(sys.argv[1])]
grades = {g["id"]: g for g in map(json.loads, open(sys.argv[2]))}
seen = set(open(sys.argv[3]).read().split()) if len(sys.argv) > 3 else set()
missing = [r["id"] for r in sample if r["id"] not in grades]
if missing:
    sys.exit(f"error: {sys.argv[2]}: {len(missing)} records of the sample have no grade (first: {missing[0]})")
R = ("R1", "R2", "R3", "R4", "R5")


def row(name, recs):
    gs = [grades[r["id"]] for r in recs]
    n = len(gs)
    cells = [f"{100 * sum(g[k] for g in gs) / n:.0f}%" for k in R]
    allfive = sum(all(g[k] for k in R) for g in gs)
    return f"| {name} | {n} | " + " | ".join(cells) + f" | **{100 * allfive / n:.0f}%** ({allfive}) |"


print("| records | n | R1 grammatical | R2 hidden gone | R3 intent clear | R4 kept exact | R5 record | all five |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
print(row("all", sample))
if seen:
    print(row("never read while tuning", [r for r in sample if r["id"] not in seen]))
for src in sorted({r["source"] for r in sample}):
    print(row(src, [r for r in sample if r["source"] == src]))
for lv in sorted({r["level"] for r in sample}):
    print(row(f"level {lv}", [r for r in sample if r["level"] == lv]))
fails = collections.defaultdict(list)
for r in sample:
    g = grades[r["id"]]
    for k in R:
        if not g[k]:
            fails[k].append(r["id"])
print()
for k in R:
    print(f"- {k} fails ({len(fails[k])}): {', '.join(fails[k]) or '-'}")
