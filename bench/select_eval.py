"""Pick the evaluation records of the shipped model, reproducibly.

in-domain: the held-out records of an ``asktoact split`` whose native opening prompt (system,
earlier conversation, query, compact tools rendered by the embedded model's template) fits
``--max-prompt`` tokens, minus any id in ``--exclude`` files (e.g. an older adapter's
trained_ids.txt, so two adapters are compared on records neither saw); sorted by prompt length
so ``--limit N`` of ``asktoact eval`` takes the N shortest.
apibank: a seeded sample of N/2 records with something missing and N/2 fully specified.

Run:  python bench/select_eval.py heldout runs/r15/split/heldout.jsonl OUT.jsonl [--exclude FILE]
      python bench/select_eval.py apibank runs/r15/apibank/ic/ic_records.jsonl OUT.jsonl --n 50
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path


def prompt_tokens(tok, tmpl, rec) -> int:
    from asktoact import formats
    from asktoact.train.tokenize import render_native

    # the same opening `asktoact eval --format native --tool-style compact` sends (runner.py)
    msgs, tools = formats.opening("native", rec.unspecified_query, rec.tools, rec.context, "compact")
    return len(tok(render_native(tok, msgs, tools, tmpl, generation_prompt=True), add_special_tokens=False)["input_ids"])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("kind", choices=["heldout", "apibank"])
    ap.add_argument("records")
    ap.add_argument("out")
    ap.add_argument("--exclude", nargs="*", default=[])
    ap.add_argument("--max-prompt", type=int, default=1024)
    ap.add_argument("--n", type=int, default=50)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    from transformers import AutoTokenizer

    from asktoact.models.embedded import embedded_model_dir
    from asktoact.native import native_chat_template
    from asktoact.schema import ICRecord

    recs = [ICRecord.model_validate_json(x) for x in Path(a.records).read_text().splitlines() if x.strip()]
    tok = AutoTokenizer.from_pretrained(str(embedded_model_dir()))
    tmpl = native_chat_template(tok)
    if a.kind == "apibank":
        rng = random.Random(f"asktoact:apibank-sample{a.n}:{a.seed}")
        miss = [r for r in recs if r.n_unspecified > 0]
        full = [r for r in recs if r.n_unspecified == 0]
        recs = rng.sample(miss, a.n // 2) + rng.sample(full, a.n - a.n // 2)
    skip = {x for f in a.exclude for x in Path(f).read_text().split()}
    sized = [(prompt_tokens(tok, tmpl, r), r) for r in recs if r.id not in skip]
    kept = sorted((x for x in sized if x[0] <= a.max_prompt), key=lambda x: (x[0], x[1].id))
    Path(a.out).write_text("".join(r.model_dump_json() + "\n" for _, r in kept))
    miss = sum(r.n_unspecified > 0 for _, r in kept)
    print(json.dumps({"in": len(recs), "excluded": len(recs) - len(sized), "too_long": len(sized) - len(kept),
                      "kept": len(kept), "missing": miss, "full": len(kept) - miss}))


if __name__ == "__main__":
    main()
