"""Plain per-draw reference implementations, for tests and benchmarks only (not part of the library).

* :func:`weight_uncertainty_loop` — the weights-only Monte Carlo of ``sensitivity.weight_uncertainty``,
  one draw at a time.
* :func:`uncertainty_loop` — the multi-choice analysis of ``sensitivity.uncertainty`` rebuilt the way COINr
  does it: for every draw, a new framework (``Framework.with_weights``) and values, the whole index
  recomputed with ``scoring.evaluate``, ranked with ``scipy.stats.rankdata`` and banded. It consumes the
  same random draws as the vectorised engine, so the two must agree exactly.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from spbe_research import sensitivity as S
from spbe_research.scoring import band_codes, evaluate


def weight_uncertainty_loop(domains: pd.DataFrame, framework, weights) -> tuple[pd.DataFrame, float]:
    """Per-draw reference (top-level values, arithmetic mean, explicit weights) and its R_S."""
    m = S._model(domains, framework)
    w = S._validate_weights(weights, m.tops)
    nominal = np.round(m.X @ m.d0, S._DECIMALS)
    nom_rank = rankdata(-nominal, method="min")
    nom_band = band_codes(nominal, m.fw)
    all_ranks, keep, rs = [], np.zeros(len(nominal)), []
    for row in w:
        x = np.round(m.X @ row, S._DECIMALS)
        r = rankdata(-x, method="min")
        all_ranks.append(r)
        keep += band_codes(x, m.fw) == nom_band
        rs.append(np.abs(r - nom_rank).mean())
    R = np.array(all_ranks)
    q = np.quantile(R, [0.05, 0.5, 0.95], axis=0, method="inverted_cdf")
    out = pd.DataFrame({"nominal_index": nominal, "nominal_rank": nom_rank, "median_rank": q[1], "rank_p05": q[0],
                        "rank_p95": q[2], "p_keep_predicate": keep / len(w),
                        "distance_to_edge": [min(abs(v - e) for e in m.fw.band_edges) for v in nominal]}, index=m.index)
    return out, float(np.mean(rs))


def _framework_for_draw(v, real, i):
    """A new Framework object with draw i's weights (the per-draw rebuild), edited level by level from the top."""
    if "weights" not in real or not v.steps:
        return v.fw
    comp = v.fw.compiled
    n_leaf = len(comp.leaves)
    arrays = dict(zip(v.steps, real["weights"][[x.name for x in real["_variants"]].index(v.name)]))
    fw = v.fw
    for k in sorted(arrays, reverse=True):  # steps run children first: reversed = the top level first
        _, child_cols, _, _ = comp.steps[k]
        codes = [comp.leaves[c] if c < n_leaf else comp.internal[c - n_leaf] for c in child_cols]
        shares = arrays[k][i].sum(axis=1)  # one non-zero entry per child (its parent's column)
        fw = fw.with_weights({code: float(s) for code, s in zip(codes, shares)}, note=f"draw {i}")
    return fw


def uncertainty_loop(prob, n: int, seed: int = 0):
    """Per-draw rebuild of :func:`spbe_research.sensitivity.uncertainty`: (table, R_S, indices)."""
    real = S._realise_rows(prob, S._entropy(seed), 0, 0, n)
    real["_variants"] = prob.variants
    nominal = prob.nominal_index
    nom_rank = rankdata(-nominal, method="min")
    agg_opts = prob.inputs["aggregation"].options if "aggregation" in prob.inputs else (None,)
    rule_opts = prob.inputs["band_rule"].options if "band_rule" in prob.inputs else (None,)
    ranks, keep, rs, indices = [], np.zeros(len(nominal)), [], []
    for i in range(n):
        vi = int(real["framework"][i]) if "framework" in real else 0
        v = prob.variants[vi]
        fw_i = _framework_for_draw(v, real, i)
        values = v.L.copy()
        noise = real["measurement_error"][vi] if "measurement_error" in real else None
        if noise is not None and noise[0] == "dense":
            values = noise[1][i]
        elif noise is not None:
            _, d, r, c, new = noise
            sel = d == i
            values[r[sel], c[sel]] = new[sel]
        agg = agg_opts[int(real["aggregation"][i])] if "aggregation" in real else None
        x = np.round(evaluate(values, fw_i, agg)[:, -1], S._DECIMALS)
        rule = rule_opts[int(real["band_rule"][i])] if "band_rule" in real else None
        band = v.band_map[band_codes(x, fw_i, rule)]
        rk = rankdata(-x, method="min")
        ranks.append(rk)
        indices.append(x)
        keep += band == prob.nominal_band
        rs.append(np.abs(rk - nom_rank).mean())
    R = np.array(ranks)
    q = np.quantile(R, [0.05, 0.5, 0.95], axis=0, method="inverted_cdf")
    table = pd.DataFrame({"median_rank": q[1], "rank_p05": q[0], "rank_p95": q[2], "p_keep_predicate": keep / n})
    return table, float(np.mean(rs)), np.array(indices)
