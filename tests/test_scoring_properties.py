"""Property tests (hypothesis) of the scoring engine, for both frameworks."""
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import spbe_research as spbe

FRAMEWORKS = [spbe.get_framework("2018"), spbe.get_framework("2020")]


def level_arrays(fw, max_units=5):
    n = len(fw.indicator_codes)
    return arrays(np.int64, st.tuples(st.integers(1, max_units), st.just(n)),
                  elements=st.integers(fw.level_min, fw.level_max))


@pytest.mark.parametrize("fw", FRAMEWORKS, ids=lambda f: f.short)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_index_within_level_range_and_equals_weighted_domains(fw, data):
    levels = data.draw(level_arrays(fw))
    out = spbe.score(levels, fw)
    assert ((out["index"] >= fw.level_min - 1e-12) & (out["index"] <= fw.level_max + 1e-12)).all()
    domains = out[list(fw.domain_codes)].to_numpy()
    np.testing.assert_allclose(out["index"], domains @ fw.domain_weights, atol=1e-12)
    # ... and the index is the indicator-weighted mean of the levels (Σ W_i V_i with ΣW = 1)
    np.testing.assert_allclose(out["index"], levels @ fw.indicator_weights, atol=1e-12)


@pytest.mark.parametrize("fw", FRAMEWORKS, ids=lambda f: f.short)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_raising_one_level_never_lowers_the_index(fw, data):
    levels = data.draw(level_arrays(fw, max_units=1))
    j = data.draw(st.integers(0, levels.shape[1] - 1))
    if levels[0, j] == fw.level_max:
        levels[0, j] -= 1
    higher = levels.copy()
    higher[0, j] += 1
    before, after = spbe.score(levels, fw), spbe.score(higher, fw)
    assert after["index"].iloc[0] > before["index"].iloc[0]
    assert (after[list(fw.domain_codes)].to_numpy() >= before[list(fw.domain_codes)].to_numpy() - 1e-12).all()
    rank = spbe.PREDICATES.index
    assert rank(after["predicate"].iloc[0]) >= rank(before["predicate"].iloc[0])


@settings(max_examples=100, deadline=None)
@given(a=st.floats(0, 5), b=st.floats(0, 5))
def test_predicates_are_monotone_in_the_index(a, b):
    lo, hi = sorted([a, b])
    assert spbe.PREDICATES.index(spbe.predicate(lo)) <= spbe.PREDICATES.index(spbe.predicate(hi))
