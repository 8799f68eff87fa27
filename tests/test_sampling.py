"""Algorithm 1 as a pure function: level rules, uniform draws, seeding."""

import random
from collections import Counter

import pytest

from asktoact.curate.sampling import allowed_levels, check_level, rng_for, sample_removals


@pytest.mark.parametrize("params,levels", [
    ([[]], [0]),
    ([["a"]], [0, 1]),
    ([["a", "b"]], [0, 1, 2]),
    ([["a"], ["b"]], [0, 1, 3]),  # no call can lose two parameters
    ([["a", "b"], ["c"]], [0, 1, 2, 3]),
    ([["a"], [], ["b"]], [0, 1, 3]),  # calls with nothing stated take no part
])
def test_allowed_levels(params, levels):
    assert allowed_levels([len(p) for p in params]) == levels


def test_rules_hold_on_many_random_structures():
    rng = random.Random(0)
    for _ in range(5000):
        params = [[f"p{i}_{j}" for j in range(rng.randrange(0, 5))] for i in range(rng.randrange(1, 5))]
        level, removed = sample_removals(params, random.Random(rng.random()))
        assert check_level(level, removed, params) == []


def test_level_draw_is_uniform_and_weights_apply():
    params = [["a", "b", "c"], ["d", "e"]]
    c = Counter(sample_removals(params, random.Random(i))[0] for i in range(8000))
    assert all(1800 < c[lv] < 2200 for lv in range(4)), c
    w = Counter(sample_removals(params, random.Random(i), {0: 0, 1: 1, 2: 0, 3: 3})[0] for i in range(4000))
    assert w[0] == w[2] == 0 and 2700 < w[3] < 3300


def test_level2_picks_between_two_and_all_params():
    params = [["a", "b", "c", "d"]]
    sizes = Counter()
    for i in range(4000):
        lv, rem = sample_removals(params, random.Random(i), {2: 1})
        sizes[len(rem)] += 1
    assert set(sizes) == {2, 3, 4}


def test_per_sample_seed_is_stable_and_order_free():
    a = [rng_for(7, "x").random() for _ in range(2)]
    assert a[0] == a[1] == rng_for(7, "x").random()
    assert rng_for(7, "x").random() != rng_for(8, "x").random() != rng_for(7, "y").random()
