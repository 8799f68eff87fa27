"""Does the wording alone give away which queries need a question? (the shortcut score)

A model trained on rewritten queries should learn *ambiguity*, not a phrase the rewriter
likes. Two measurements over a set of IC records:

* for every word n-gram (n <= 3) that rewriting introduced (present in an unspecified query
  but not in its original), its share among level 1-3 queries minus its share among level-0
  queries, in percentage points; the issue's bar is <= 20 for every n-gram;
* a unigram+bigram logistic regression (scikit-learn, stratified 5-fold) predicting
  "level > 0" from the query text alone, next to the same classifier on the *original*
  queries: the gap is what the rewrite gives away beyond the topic of the request.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any, Iterable, Sequence

from ..schema import ICRecord

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def words(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def ngrams(ws: Sequence[str], n_max: int = 3) -> set[tuple[str, ...]]:
    return {tuple(ws[i:i + n]) for n in range(1, n_max + 1) for i in range(len(ws) - n + 1)}


def introduced_ngram_gaps(records: Sequence[ICRecord], n_max: int = 3, top: int = 20,
                          min_count: int = 5) -> list[dict[str, Any]]:
    """N-grams the rewrite introduced, by (share in level 1-3) - (share in level 0), descending."""
    pos = [r for r in records if r.level > 0]
    neg = [r for r in records if r.level == 0]
    introduced: Counter = Counter()
    in_pos: Counter = Counter()
    in_neg: Counter = Counter()
    for r in pos:
        grams = ngrams(words(r.unspecified_query), n_max)
        introduced.update(grams - ngrams(words(r.original_query), n_max))
        in_pos.update(grams)
    for r in neg:
        in_neg.update(ngrams(words(r.unspecified_query), n_max))
    out = []
    for g, k in introduced.items():
        if k < min_count:
            continue
        sp = 100 * in_pos[g] / len(pos) if pos else 0.0
        sn = 100 * in_neg[g] / len(neg) if neg else 0.0
        out.append({"ngram": " ".join(g), "introduced_in": k, "share_level_1_3": round(sp, 2),
                    "share_level_0": round(sn, 2), "gap_points": round(sp - sn, 2)})
    out.sort(key=lambda d: (-d["gap_points"], d["ngram"]))
    return out[:top]


def level_classifier_accuracy(texts: Sequence[str], labels: Sequence[int], seed: int = 0) -> dict[str, float] | None:
    """Mean 5-fold accuracy (and ROC AUC) of unigram+bigram logistic regression; None when a
    class has fewer than 5 members."""
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_validate
    from sklearn.pipeline import make_pipeline

    counts = Counter(labels)
    if len(counts) < 2 or min(counts.values()) < 5:
        return None
    pipe = make_pipeline(CountVectorizer(ngram_range=(1, 2), token_pattern=r"(?u)\b\w+\b", min_df=1),
                         LogisticRegression(max_iter=2000))
    cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
    res = cross_validate(pipe, list(texts), list(labels), cv=cv, scoring=("accuracy", "roc_auc"))
    majority = max(counts.values()) / len(labels)
    return {"accuracy": round(float(res["test_accuracy"].mean()), 4), "roc_auc": round(float(res["test_roc_auc"].mean()), 4),
            "majority_baseline": round(majority, 4), "n": len(labels)}


def shortcut_report(records: Iterable[ICRecord], seed: int = 0, top: int = 20) -> dict[str, Any]:
    """Both measurements; ``max_gap_points`` is the figure the issue bounds (<= 20)."""
    recs = list(records)
    gaps = introduced_ngram_gaps(recs, top=top)
    labels = [int(r.level > 0) for r in recs]
    return {
        "n_records": len(recs), "n_level_1_3": sum(labels),
        "max_gap_points": gaps[0]["gap_points"] if gaps else 0.0,
        "top_introduced_ngrams": gaps,
        "classifier_unspecified": level_classifier_accuracy([r.unspecified_query for r in recs], labels, seed),
        "classifier_original": level_classifier_accuracy([r.original_query for r in recs], labels, seed),
    }
