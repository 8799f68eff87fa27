"""Calibrate the oracle simulator's thresholds on questions whose target is known.

Positives: every clarification question of dialogues built from ../shared/data (template
questions, and the scripted agent's phrasing), asked in dialogue order with the simulator's
state carried along, paired with its hidden parameter. Negatives: a vague question before
each real one and an irrelevant question at the end (the augmenter's banks). A positive
counts when the oracle's reply clarifies its parameter; a negative when the oracle declines.
We report precision/recall/F1 of answering per threshold.
Run:  python bench/calibrate_oracle.py
"""

from __future__ import annotations

import json
import random
import tempfile
from pathlib import Path

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
SOURCES = [("bfcl", SHARED / "bfcl"), ("acebench", SHARED / "acebench"),
           ("sealtools", SHARED / "toolbench_style" / "sealtool.json"), ("taskbench", SHARED / "taskbench")]


def main() -> None:
    from asktoact.curate.stage import BuildConfig, run_build
    from asktoact.dialogues.content import irrelevant_question, vague_question
    from asktoact.dialogues.stage import make_dialogues
    from asktoact.evaluate import simulators as sm
    from asktoact.evaluate.agents import PerfectAgent
    from asktoact.evaluate.personas import PERSONAS
    from asktoact.evaluate.runner import load_records

    dialogues = []  # (record, [(question, key or None)]) in the order a dialogue asks them
    for src, path in SOURCES:
        out = Path(tempfile.mkdtemp())
        res = run_build(BuildConfig(source=src, path=str(path), out=str(out), seed=1, similarity=False))
        recs = [r for r in load_records(res.records) if r.level > 0]
        for er, d, _ in make_dialogues(recs, 1):
            rng = random.Random(er.id)
            agent = PerfectAgent(er)
            for phrasing in ("template", "agent"):
                seq = []
                for key, q in d.questions.items():
                    ci, p = key.split(".", 1)
                    seq.append((vague_question(er, (int(ci), p), rng), None))
                    seq.append((q if phrasing == "template" else agent.question_for(int(ci), p), key))
                seq.append((irrelevant_question(er, rng), None))
                dialogues.append((er, seq))
    rows = []
    matcher = sm.Matcher()
    for hi in [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]:
        tp = fp = fn = tn = 0
        for rec, seq in dialogues:
            state = sm.SimState(rec, PERSONAS["cold"], random.Random(0))
            for q, key in seq:
                j = sm.judge(q, state, matcher, hi=hi, lo=min(hi, sm.RELATED_THRESHOLD))
                if key is None:
                    fp += bool(j.targets)
                    tn += not j.targets
                else:
                    tp += key in j.clarified
                    fn += key not in j.clarified
                state.clarified.update(j.clarified)
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec_ = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * prec * rec_ / (prec + rec_) if prec + rec_ else 0.0
        rows.append({"threshold": hi, "precision": round(prec, 4), "recall": round(rec_, 4), "f1": round(f1, 4),
                     "answered_vague_or_irrelevant": fp, "missed_real_questions": fn})
    cases = [c for _, seq in dialogues for c in seq]
    best = max(rows, key=lambda r: r["f1"])
    res = {"cases": len(cases), "positives": sum(1 for c in cases if c[1]), "sweep": rows, "best": best,
           "in_use": sm.ANSWER_THRESHOLD}
    Path("bench/results").mkdir(parents=True, exist_ok=True)
    Path("bench/results/oracle_calibration.json").write_text(json.dumps(res, indent=2) + "\n")
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
