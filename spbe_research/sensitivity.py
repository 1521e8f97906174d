"""How much do published SPBE rankings depend on the official weights?

Uncertainty analysis (Monte Carlo over the weights) and variance-based sensitivity analysis (Sobol
indices via SALib) of the SPBE index, following the composite-indicator practice of

    Saisana, M., Saltelli, A. & Tarantola, S. (2005). Uncertainty and sensitivity analysis techniques
    as tools for the quality assessment of composite indicators. *Journal of the Royal Statistical
    Society: Series A*, 168(2), 307–323. https://doi.org/10.1111/j.1467-985X.2005.00350.x

The official index is a weighted arithmetic mean of the top-level parts of its framework (the domains of
the SPBE index, ``Σ w_d·D_d``; the aspects of the Indeks Pemdi). Here the top-level weights (and, when
indicator values are given, the weights of the parts one level down inside each top-level part: aspects
(aspek) for SPBE, indicators for Indeks Pemdi) are treated as uncertain: drawn from a Dirichlet
distribution centred on the official weights, or perturbed uniformly by ±``spread`` and renormalised. Each draw re-ranks every institution
and re-assigns its predicate (predikat). The summary statistic R_S of Saisana et al. (2005) is the
average absolute shift in rank, ``R_S = mean_c |rank_ref(c) − rank_draw(c)|``, averaged over draws.

Everything is vectorised over a (draws × institutions) matrix: no Python loop over draws.
:func:`_weight_uncertainty_loop` is the straightforward per-draw reference used by tests and the benchmark.

Ranks are competition ranks ("1224"): rank 1 is the highest index; institutions with equal index share
the best rank of their group. Indices are rounded to 1e-9 before ranking, so float noise never changes a
rank; predicates come from the scoring engine's one banding rule (:func:`~spbe_research.scoring.band_codes`),
the same on every path of the package. Means come from :mod:`~spbe_research.means`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import checks
from .errors import SPBEError
from .frameworks import Framework, get_framework
from .means import weighted_mean
from .scoring import band_codes, evaluate
from .scoring import distance_to_edge as _edge_distance

__all__ = [
    "WeightUncertainty",
    "weight_uncertainty",
    "weight_sobol",
    "draw_weights",
    "competition_ranks",
    "SobolResult",
    "MAX_DRAWS",
]

_DECIMALS = 9
_SUM_TOL = 1e-6
#: Largest number of draws accepted (the matrices are draws × institutions).
MAX_DRAWS = 2_000_000


def competition_ranks(x: np.ndarray) -> np.ndarray:
    """Ranks along the last axis, 1 = largest, ties share the best rank ("1224" ranking).

    Vectorised: one argsort of the whole matrix, then group starts found with a running maximum.
    """
    x = np.asarray(x, dtype=float)
    two_d = x.ndim == 2
    x2 = x if two_d else x[None, :]
    n = x2.shape[1]
    order = np.argsort(-x2, axis=1)
    s = np.take_along_axis(x2, order, axis=1)
    pos = np.broadcast_to(np.arange(n, dtype=np.int32), s.shape)
    starts = np.empty(s.shape, dtype=bool)
    starts[:, 0] = True
    np.not_equal(s[:, 1:], s[:, :-1], out=starts[:, 1:])
    first = np.maximum.accumulate(np.where(starts, pos, 0), axis=1)
    ranks = np.empty(s.shape, dtype=np.int32)
    np.put_along_axis(ranks, order, first + 1, axis=1)
    return ranks if two_d else ranks[0]


# --------------------------------------------------------------------------------------------- inputs
def _check_values(df: pd.DataFrame, cols, lo, hi, what: str, integer: bool = False) -> np.ndarray:
    v = checks.finite_matrix(df, list(cols), what=what)
    bad = (v < lo - 1e-9) | (v > hi + 1e-9)
    if integer:
        bad |= v != np.round(v)
    if bad.any():
        r, c = map(int, np.argwhere(bad)[0])
        kind = "an integer level" if integer else "a value"
        raise SPBEError(f"{what} value {v[r, c]} is not {kind} in [{lo:g}, {hi:g}]", row=df.index[r], field=cols[c])
    return v


def _validate_weights(w, cols, what="weights") -> np.ndarray:
    """Weight draws as an (n_draws × len(cols)) array, rows positive and summing to 1."""
    if isinstance(w, pd.DataFrame):
        missing = [c for c in cols if c not in w.columns]
        if missing:
            raise SPBEError(f"{what} matrix has no column {missing[0]!r}", field=missing[0])
        index = w.index
        w = w.loc[:, list(cols)].to_numpy(dtype=float)
    else:
        w = np.array(w, dtype=float, ndmin=2)
        index = pd.RangeIndex(len(w))
        if w.ndim != 2 or w.shape[1] != len(cols):
            raise SPBEError(f"{what} matrix must have one column per domain {list(cols)}, got shape {w.shape}", field=what)
    if len(w) == 0:
        raise SPBEError(f"{what} matrix has no rows", field=what)
    bad = ~np.isfinite(w) | (w <= 0)
    if bad.any():
        r, c = map(int, np.argwhere(bad)[0])
        raise SPBEError(f"{what} must be positive and finite, got {w[r, c]}", row=index[r], field=cols[c])
    s = w.sum(axis=1)
    bad = np.abs(s - 1) > _SUM_TOL
    if bad.any():
        r = int(np.flatnonzero(bad)[0])
        raise SPBEError(f"{what} row sums to {s[r]:.9f}, not 1", row=index[r], field=what)
    return w


@dataclass(frozen=True)
class _Model:
    """The inputs reduced to a matrix of sub-indices ``X`` (institutions × parts) and the official weights.

    Parts are the framework's top-level parts (domains of SPBE, aspects of Indeks Pemdi) when those are
    given, or, when indicator values are given, the parts one level below them (aspects of SPBE, indicators
    of Indeks Pemdi), each inside its top-level part.
    """

    fw: Framework
    X: np.ndarray  # institutions × parts
    parts: tuple  # column names of X
    tops: tuple  # top-level codes
    part_top: np.ndarray  # top-level position of each part
    w0: np.ndarray  # official weight of each part, sum 1
    d0: np.ndarray  # official top-level weights, sum 1
    levels_mode: bool
    index: pd.Index
    ids: pd.Series | None


def _model(data: pd.DataFrame, framework) -> _Model:
    fw = get_framework(framework)
    checks.frame(data, name="data", min_rows=2)
    tops = fw.codes(fw.top_level)
    d0 = np.asarray(fw.weights(fw.top_level), dtype=float)
    ids = data["institution_id"] if "institution_id" in data.columns else None
    if ids is not None and ids.duplicated().any():
        raise SPBEError(f"institution_id {ids[ids.duplicated()].iloc[0]!r} appears twice", field="institution_id")
    codes = list(fw.indicator_codes)
    if all(c in data.columns for c in codes):
        L = _check_values(data, codes, fw.scale_min, fw.scale_max, "indicator level", integer=fw.is_integer)
        sub_level = fw.tree_levels[2] if len(fw.tree_levels) > 2 else fw.tree_levels[1]
        parts = fw.codes(sub_level)
        comp = fw.compiled
        if sub_level == fw.indicator_level and tuple(parts) == tuple(codes):
            X = L
        else:
            vals = evaluate(L, fw)
            X = vals[:, [comp.internal.index(p) for p in parts]]
        part_top = pd.Index(tops).get_indexer([fw.ancestor(p, fw.top_level) for p in parts])
        w0 = np.asarray(fw.weights(sub_level), dtype=float)
        return _Model(fw, X, tuple(parts), tuple(tops), part_top, w0, d0, True, data.index, ids)
    if not all(c in data.columns for c in tops):
        missing = next(c for c in tops if c not in data.columns)
        raise SPBEError(f"need the {fw.top_level} columns {', '.join(tops)} or every indicator of {fw.name}; "
                        f"{missing!r} is missing", field=missing)
    X = _check_values(data, tops, fw.scale_min, fw.scale_max, f"{fw.top_level} index")
    return _Model(fw, X, tuple(tops), tuple(tops), np.arange(len(tops)), d0.copy(), d0, False, data.index, ids)


# --------------------------------------------------------------------------------------------- draws
def _perturb(rng, w0: np.ndarray, n: int, method: str, concentration: float, spread: float) -> np.ndarray:
    """n weight vectors around ``w0`` (sum 1), by Dirichlet or uniform ±spread then renormalised."""
    checks.choice(method, name="method", options=("dirichlet", "uniform"))
    if method == "dirichlet":
        concentration = checks.scalar(concentration, name="concentration", lo=0, lo_open=True, allow_inf=True)
    else:
        spread = checks.scalar(spread, name="spread", lo=0, hi=1, hi_open=True)
    if len(w0) == 1:
        return np.ones((n, 1))
    if method == "dirichlet":
        if np.isinf(concentration):
            return np.tile(w0, (n, 1))
        return rng.dirichlet(concentration * w0, size=n)
    w = w0 * rng.uniform(1 - spread, 1 + spread, size=(n, len(w0)))
    return w / w.sum(axis=1, keepdims=True)


def draw_weights(framework, n_draws: int = 10_000, *, method: str = "dirichlet", concentration: float = 100.0,
                 spread: float = 0.25, seed=0) -> pd.DataFrame:
    """Top-level weight draws centred on the official weights (one row per draw, columns ``D1``.. for SPBE,
    ``A1``.. for Indeks Pemdi). Handy to share the exact same draws with another tool (pass back as ``weights=``).
    """
    fw = get_framework(framework)
    n = checks.count(n_draws, name="n_draws", hi=MAX_DRAWS)
    rng = checks.generator(seed)
    w = _perturb(rng, np.asarray(fw.weights(fw.top_level), dtype=float), n, method, concentration, spread)
    return pd.DataFrame(w, columns=list(fw.codes(fw.top_level)))


def _part_weights(m: _Model, rng, n, method, concentration, spread, weights):
    """(top-level weights n×T, part weights n×P) for every draw."""
    if weights is not None:
        if m.levels_mode and isinstance(weights, pd.DataFrame) and all(a in weights.columns for a in m.parts):
            pw = _validate_weights(weights, m.parts)
            dw = np.zeros((len(pw), len(m.tops)))
            np.add.at(dw.T, m.part_top, pw.T)
            return dw, pw
        dw = _validate_weights(weights, m.tops)
    else:
        dw = _perturb(rng, m.d0, n, method, concentration, spread)
    if not m.levels_mode:
        return dw, dw
    # part shares inside each top-level part, perturbed independently per top-level part
    pw = np.empty((len(dw), len(m.parts)))
    for d in range(len(m.tops)):  # loop over the ≤ 9 top-level parts, not over draws
        cols = np.flatnonzero(m.part_top == d)
        share0 = m.w0[cols] / m.w0[cols].sum()
        if weights is not None:
            share = np.tile(share0, (len(dw), 1))
        else:
            share = _perturb(rng, share0, n, method, concentration, spread)
        pw[:, cols] = share * dw[:, [d]]
    return dw, pw


_AGGREGATIONS = ("arithmetic", "geometric", "mixed")


def _aggregate(m: _Model, dw: np.ndarray, pw: np.ndarray, aggregation: str, rng) -> np.ndarray:
    """Index of every institution in every draw: (draws × institutions), through :func:`~.means.weighted_mean`."""
    checks.choice(aggregation, name="aggregation", options=_AGGREGATIONS)
    arith = pw @ m.X.T
    if aggregation == "arithmetic":
        return arith
    if m.levels_mode:  # top-level values per draw, one top-level part at a time (not draws × inst × parts)
        logi = np.zeros((len(pw), len(m.X)))
        with np.errstate(divide="ignore"):
            for d in range(len(m.tops)):
                cols = np.flatnonzero(m.part_top == d)
                Dd = weighted_mean(m.X[:, cols], (pw[:, cols] / dw[:, [d]]).T, "arithmetic").T
                logi += dw[:, [d]] * np.log(Dd)
        geo = np.exp(logi)
    else:
        geo = weighted_mean(m.X, dw.T, "geometric").T
    if aggregation == "geometric":
        return geo
    use_geo = rng.random(len(pw)) < 0.5
    return np.where(use_geo[:, None], geo, arith)


# --------------------------------------------------------------------------------------------- result
@dataclass(frozen=True, eq=False)
class WeightUncertainty:
    """Result of :func:`weight_uncertainty`.

    Attributes
    ----------
    table: one row per institution (same index as the input; ``institution_id`` column kept when given):
        ``nominal_index`` (official weights, arithmetic, unrounded), ``nominal_rank``, ``median_rank``,
        ``rank_p05``, ``rank_p95`` (5th/95th percentile of the rank over draws, observed ranks
        (inverted-CDF quantiles)), ``nominal_predicate``, ``p_keep_predicate`` (share of draws with the
        same predicate), ``p_rank_change`` (share of draws with a different rank).
    rs: R_S, the average shift in ranks (Saisana et al. 2005), averaged over draws.
    rs_draws: R_S of each draw (length n_draws).
    draws: the weights of each draw (columns ``D1``..; aspect columns too in levels mode).
    ranks: (n_draws × n_institutions) int32 competition ranks.
    indices: (n_draws × n_institutions) index values.
    aggregation, method: how the draws were made.
    """

    table: pd.DataFrame
    rs: float
    rs_draws: np.ndarray = field(repr=False)
    draws: pd.DataFrame = field(repr=False)
    ranks: np.ndarray = field(repr=False)
    indices: np.ndarray = field(repr=False)
    aggregation: str = "arithmetic"
    method: str = "dirichlet"


def _rank_quantiles(ranks: np.ndarray, qs) -> np.ndarray:
    """Inverted-CDF quantiles of each column of an integer rank matrix, via one bincount (O(draws × n))."""
    n_draws, n = ranks.shape
    if n > 4000:  # the (n × n) count table would be large: sort instead
        return np.quantile(ranks, qs, axis=0, method="inverted_cdf").astype(np.int32)
    flat = (np.arange(n, dtype=np.int64) * (n + 1))[None, :] + ranks
    counts = np.bincount(flat.ravel(), minlength=n * (n + 1)).reshape(n, n + 1)
    cum = np.cumsum(counts, axis=1)
    out = np.empty((len(qs), n), dtype=np.int32)
    for k, q in enumerate(qs):  # a handful of quantiles
        out[k] = np.argmax(cum >= q * n_draws - 1e-9, axis=1)
    return out


def weight_uncertainty(domains: pd.DataFrame, framework, n_draws: int = 10_000, concentration: float = 100.0,
                       seed=0, weights=None, method: str = "dirichlet", spread: float = 0.25,
                       aggregation: str = "arithmetic") -> WeightUncertainty:
    """Monte Carlo uncertainty of every institution's rank and predicate under uncertain weights.

    Parameters
    ----------
    domains: one row per institution, with the framework's top-level columns (``D1``.. for SPBE, ``A1``.. for
        Indeks Pemdi; values on the scale) — or with every indicator code as a column, in which case the
        weights one level down (aspects (aspek) of SPBE, indicators of Indeks Pemdi) inside each top-level
        part are perturbed too. An ``institution_id`` column is kept.
    framework: a :class:`~spbe_research.frameworks.Framework` or its name (``"2020"``, ...).
    n_draws: number of weight draws (ignored when ``weights`` is given).
    concentration: Dirichlet concentration; weights ~ Dirichlet(concentration × official). Larger is
        tighter (sd of weight w ≈ sqrt(w(1−w)/(concentration+1))); ``np.inf`` gives the official weights.
    seed: seed or ``numpy.random.Generator``.
    weights: explicit top-level weight draws (DataFrame with columns ``D1``.. or array in framework order),
        one row per draw, positive, rows summing to 1. In levels mode, aspect columns ``A1``.. (weights
        of the whole index) may be given instead.
    method: ``"dirichlet"`` or ``"uniform"`` (each weight × U(1−spread, 1+spread), then renormalised).
    aggregation: ``"arithmetic"`` (official), ``"geometric"`` (weighted geometric mean of domains) or
        ``"mixed"`` (each draw picks one of the two with probability 1/2). The reference (nominal)
        ranking is always the official one: official weights, arithmetic mean.
    """
    m = _model(domains, framework)
    n = checks.count(n_draws, name="n_draws", hi=MAX_DRAWS) if weights is None else 0
    rng = checks.generator(seed)
    dw, pw = _part_weights(m, rng, n, method, concentration, spread, weights)
    idx = np.round(_aggregate(m, dw, pw, aggregation, rng), _DECIMALS)
    nominal = np.round(m.X @ m.w0, _DECIMALS)
    nom_rank = competition_ranks(nominal)
    ranks = competition_ranks(idx)
    shift = np.abs(ranks - nom_rank[None, :])
    rs_draws = shift.mean(axis=1)
    nom_band = band_codes(nominal, m.fw)
    p_keep = (band_codes(idx, m.fw) == nom_band[None, :]).mean(axis=0)
    q05, q50, q95 = _rank_quantiles(ranks, (0.05, 0.5, 0.95))
    table = pd.DataFrame(
        {
            "nominal_index": nominal,
            "nominal_rank": nom_rank,
            "median_rank": q50,
            "rank_p05": q05,
            "rank_p95": q95,
            "nominal_predicate": pd.Categorical.from_codes(nom_band, categories=list(m.fw.predicates), ordered=True),
            "distance_to_edge": _edge_distance(nominal, m.fw),
            "p_keep_predicate": p_keep,
            "p_rank_change": (shift > 0).mean(axis=0),
        },
        index=m.index,
    )
    if m.ids is not None:
        table.insert(0, "institution_id", m.ids.to_numpy())
    cols = list(m.tops) + (list(m.parts) if m.levels_mode else [])
    draws = pd.DataFrame(np.hstack([dw, pw]) if m.levels_mode else dw, columns=cols)
    return WeightUncertainty(table=table, rs=float(rs_draws.mean()), rs_draws=rs_draws, draws=draws, ranks=ranks,
                             indices=idx, aggregation=aggregation, method=method if weights is None else "explicit")


def _weight_uncertainty_loop(domains: pd.DataFrame, framework, weights) -> tuple[pd.DataFrame, float]:
    """Straightforward per-draw reference (top-level mode, arithmetic, explicit weights) and its R_S; for tests
    and benchmarks."""
    from scipy.stats import rankdata

    m = _model(domains, framework)
    w = _validate_weights(weights, m.tops)
    nominal = np.round(m.X @ m.d0, _DECIMALS)
    nom_rank = rankdata(-nominal, method="min")
    nom_band = band_codes(nominal, m.fw)
    all_ranks, keep, rs = [], np.zeros(len(nominal)), []
    for row in w:
        x = np.round(m.X @ row, _DECIMALS)
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


# --------------------------------------------------------------------------------------------- Sobol
@dataclass(frozen=True, eq=False)
class SobolResult:
    """Result of :func:`weight_sobol`: ``table`` (one tidy row per factor × output), the SALib ``problem`` and
    ``n_evaluations`` (model runs, ``n_base × (D + 2)``)."""

    table: pd.DataFrame
    problem: dict = field(repr=False)
    n_evaluations: int = 0

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


def weight_sobol(domains: pd.DataFrame, framework, n_base: int = 1024, spread: float = 0.25, institutions=None,
                 measure: str = "rank", seed=0, num_resamples: int = 100, conf_level: float = 0.95,
                 aggregation: str = "arithmetic") -> SobolResult:
    """First-order and total Sobol indices of the top-level weights, with SALib (Saltelli/Jansen estimators).

    The factors are the raw top-level weights (domains of SPBE, aspects of Indeks Pemdi), each uniform on
    ``official × [1 − spread, 1 + spread]`` (SALib problem with those bounds); each sampled row is
    renormalised to sum 1 before the index is computed, as in Saisana et al. (2005). Outputs: R_S (average
    rank shift against the official ranking) and, for each institution in ``institutions`` (labels of the
    input index, or ``institution_id`` values; ``"all"`` for every institution), its ``rank`` or ``index``
    (``measure``).

    The table has one tidy row per factor × output: ``factor``, ``output`` ("R_S" or the institution label),
    ``measure``, ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` (half-width of the ``conf_level`` bootstrap
    interval), ``output_variance``. An output that does not vary at all (variance 0) depends on no factor:
    its indices are reported as 0.
    """
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    checks.choice(measure, name="measure", options=("rank", "index"))
    spread = checks.scalar(spread, name="spread", lo=0, hi=1, lo_open=True, hi_open=True)
    n_base = checks.count(n_base, name="n_base", lo=2, hi=2**20)
    num_resamples = checks.count(num_resamples, name="num_resamples", lo=1, hi=100_000)
    conf_level = checks.fraction(conf_level, name="conf_level")
    if aggregation == "mixed":
        raise SPBEError("weight_sobol needs a deterministic model: aggregation 'arithmetic' or 'geometric'",
                        field="aggregation")
    m = _model(domains, framework)
    if m.levels_mode:
        raise SPBEError(f"weight_sobol takes the {m.fw.top_level} values ({', '.join(m.tops)}), not indicator "
                        f"levels", field="domains")
    problem = {
        "num_vars": len(m.tops),
        "names": list(m.tops),
        "bounds": [[w * (1 - spread), w * (1 + spread)] for w in m.d0],
    }
    if isinstance(seed, np.random.Generator):
        seed_int = int(seed.integers(2**31))
    else:
        seed_int = checks.scalar(seed, name="seed", integer=True, lo=0, hi=2**63 - 1)
    raw = sobol_sample.sample(problem, n_base, calc_second_order=False, seed=seed_int)
    w = raw / raw.sum(axis=1, keepdims=True)
    rng = np.random.default_rng(seed_int)
    idx = np.round(_aggregate(m, w, w, aggregation, rng), _DECIMALS)
    nominal = np.round(m.X @ m.w0, _DECIMALS)
    ranks = competition_ranks(idx)
    outputs = {("R_S", "R_S"): np.abs(ranks - competition_ranks(nominal)[None, :]).mean(axis=1)}
    if institutions is not None:
        labels = m.ids if m.ids is not None else pd.Series(m.index, index=m.index)
        lookup = pd.Index(labels.to_numpy())
        if isinstance(institutions, str) and institutions == "all":
            institutions = list(lookup)
        for inst in institutions:
            j = lookup.get_indexer([inst])[0]
            if j < 0:
                raise SPBEError(f"unknown institution {inst!r}", row=inst, field="institutions")
            outputs[(inst, measure)] = (ranks[:, j] if measure == "rank" else idx[:, j]).astype(float)
    # SALib ignores a falsy seed (0) and then bootstraps from numpy's global state: derive a non-zero one.
    boot_seed = int(np.random.SeedSequence(seed_int).generate_state(1)[0]) or 1
    rows = []
    for (out, meas), y in outputs.items():
        var = float(np.var(y))
        if var == 0:
            res = {"S1": np.zeros(m.X.shape[1]), "S1_conf": np.zeros(m.X.shape[1]),
                   "ST": np.zeros(m.X.shape[1]), "ST_conf": np.zeros(m.X.shape[1])}
        else:
            res = sobol_analyze.analyze(problem, y, calc_second_order=False, num_resamples=num_resamples,
                                        conf_level=conf_level, seed=boot_seed)
        for k, f in enumerate(m.tops):
            rows.append({"factor": f, "output": out, "measure": meas, "S1": float(res["S1"][k]),
                         "S1_conf": float(res["S1_conf"][k]), "ST": float(res["ST"][k]),
                         "ST_conf": float(res["ST_conf"][k]), "output_variance": var})
    df = pd.DataFrame(rows)
    df["output"] = df["output"].astype(str)
    return SobolResult(table=df, problem=problem, n_evaluations=len(w))
