"""The shortcut score finds a phrase that marks rewritten queries, and not a balanced one."""

from asktoact.curate.shortcut import introduced_ngram_gaps, shortcut_report
from asktoact.schema import ICRecord


def _rec(i: int, level: int, orig: str, unspec: str) -> ICRecord:
    return ICRecord(id=f"r{i}", source="t", level=level, seed=0, original_query=orig, unspecified_query=unspec,
                    tools=[], calls=[], key_info=[])


def test_a_marker_phrase_scores_high_and_the_classifier_sees_it():
    recs = []
    for i in range(40):
        city = ("Roma", "Milano")[i % 2]
        recs.append(_rec(i, 0, f"Book table {i} at {city} tonight", f"Book table {i} at {city} tonight"))
        recs.append(_rec(100 + i, 1, f"Book table {i} at {city} tonight", f"Book table {i} at a certain place tonight"))
    gaps = {g["ngram"]: g["gap_points"] for g in introduced_ngram_gaps(recs)}
    assert gaps["a certain"] == 100.0 and gaps["certain place"] == 100.0
    rep = shortcut_report(recs)
    assert rep["max_gap_points"] == 100.0
    assert rep["classifier_unspecified"]["accuracy"] == 1.0
    assert rep["classifier_original"]["accuracy"] < 0.75  # same originals on both sides: nothing to learn


def test_removal_that_leaves_no_marker_has_no_gap():
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"]
    recs = []
    for i, w in enumerate(words * 3):
        recs.append(_rec(i, 0, f"Weather {w} in Paris", f"Weather {w} in Paris"))
        recs.append(_rec(100 + i, 1, f"Weather {w} in Rome", f"Weather {w}"))  # a closing phrase dropped
    assert shortcut_report(recs)["max_gap_points"] == 0.0


def test_real_bfcl_records_carry_no_marker_word():
    """Curate 300 real BFCL records (real spaCy parse): the rewrite puts no word or phrase into
    more than 20% of the level 1-3 queries (before the session-5 draw, "a" went into a quarter of
    them). On so small a subset the level-0/level 1-3 gap itself is mostly which queries have
    values to hide, so the share introduced is what is asserted; the full bar is measured by
    bench/curation/figures.py over all sources."""
    import pytest

    from conftest import SHARED

    pytest.importorskip("spacy")
    from asktoact.curate.build import curate_sample
    from asktoact.curate.parse import load_parser
    from asktoact.sources import load

    try:
        parser = load_parser()
    except RuntimeError:
        pytest.skip("no English spaCy pipeline")
    path = SHARED / "bfcl"
    if not path.exists():
        pytest.skip(f"shared data not found: {path}")
    samples = [s for s in load("bfcl", path) if s.id.startswith(("simple_python", "multiple_", "parallel_"))][:300]
    recs = [r for r in (curate_sample(s, 0, doc=parser(s.query)) for s in samples) if r.quality.passed]
    assert sum(r.level > 0 for r in recs) >= 60 and sum(r.level == 0 for r in recs) >= 30
    n_pos = sum(r.level > 0 for r in recs)
    gaps = introduced_ngram_gaps(recs, top=1000)
    worst = max(gaps, key=lambda g: g["introduced_in"])
    assert worst["introduced_in"] / n_pos <= 0.20, worst
