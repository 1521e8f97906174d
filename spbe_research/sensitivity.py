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
:func:`weight_uncertainty` keeps every draw in memory (weights only); the multi-choice engine below
(:func:`problem` → :func:`uncertainty` / :func:`sobol`: weights, aggregation, band rule, measurement error and the
framework itself, each switchable, with an assumption table) runs in chunks whose size bounds the memory.
The straightforward per-draw references used by tests and the benchmark live in ``benchmarks/reference.py``.

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
from .means import mean_exponent, weighted_mean
from .scoring import _methods, band_codes, evaluate, evaluate_draws, input_level
from .scoring import distance_to_edge as _edge_distance

__all__ = [
    "WeightUncertainty",
    "weight_uncertainty",
    "weight_sobol",
    "draw_weights",
    "competition_ranks",
    "SobolResult",
    "MAX_DRAWS",
    "problem", "Problem", "uncertainty", "Uncertainty", "sobol", "GroupSobol",
    "Weights", "Aggregation", "BandRule", "MeasurementError", "FrameworkChoice", "INPUTS", "BLOCK",
]

_DECIMALS = 9
_SUM_TOL = 1e-6
#: Largest number of draws accepted (the matrices are draws × institutions).
MAX_DRAWS = 2_000_000


def _institution_columns(institutions, lookup: pd.Index) -> list:
    """``(institution, column)`` for each requested institution (``"all"``: every one); unknown ones raise."""
    if isinstance(institutions, str) and institutions == "all":
        institutions = list(lookup)
    out = []
    for inst in institutions:
        j = int(lookup.get_indexer([inst])[0])
        if j < 0:
            raise SPBEError(f"unknown institution {inst!r}", row=inst, field="institutions")
        out.append((inst, j))
    return out


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
    level = input_level(data, fw)
    if level == fw.indicator_level:
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
        for inst, j in _institution_columns(institutions, pd.Index(labels.to_numpy())):
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


# ============================================================================================= every choice
# The multi-choice engine: a problem (data, framework and the uncertain inputs) → draws → analysis.
#
#   prob = problem(data, "2020", weights=Weights(), aggregation=Aggregation(), noise=MeasurementError(p=0.1))
#   u = uncertainty(prob, n=10_000, seed=0)        # per-institution ranks and predicates, R_S, convergence
#   s = sobol(prob, n=1024, seed=0)                # first-order and total Sobol indices of each input group
#
# Each uncertain input is a group of factors realised from its own random stream (one stream per input,
# framework variant and block of BLOCK draws), so switching one input off leaves the others' draws as they
# were, and results do not depend on the chunk size. Draws are evaluated chunk by chunk through the scoring
# engine (:func:`~spbe_research.scoring.evaluate_draws`, :func:`~spbe_research.scoring.band_codes`); only
# per-institution counts are kept, so memory grows with the chunk size and the number of institutions, not
# with the number of draws (apart from a few numbers per draw: R_S, the share of changed predicates, the
# options drawn).

#: Draws per random-stream block; chunks are whole blocks.
BLOCK = 64
#: The input groups, in their fixed order (their positions key the random streams).
INPUTS = ("weights", "aggregation", "band_rule", "measurement_error", "framework")


@dataclass(frozen=True)
class Weights:
    """Uncertain weights: every sibling group's relative weights drawn around the official ones.

    ``method``: ``"dirichlet"`` (Dirichlet(concentration × official shares)) or ``"uniform"`` (each share ×
    U(1 − spread, 1 + spread), renormalised). ``levels``: the levels whose weights vary (``"domain"``,
    ``"aspect"``, ``"indicator"``...; ``None`` = every level the input data reach).
    """

    method: str = "dirichlet"
    concentration: float = 100.0
    spread: float = 0.25
    levels: tuple | None = None
    enabled: bool = True


@dataclass(frozen=True)
class Aggregation:
    """Uncertain aggregation: each draw uses one of ``options`` at every level (``"arithmetic"``,
    ``"geometric"``, ``"harmonic"``, ``"power:p"``, a number p, or ``{level: mean}``), with ``probabilities``
    (default equal)."""

    options: tuple = ("arithmetic", "geometric")
    probabilities: tuple | None = None
    enabled: bool = True


@dataclass(frozen=True)
class BandRule:
    """Uncertain band rule: predicates from the unrounded index or the index rounded to the framework's
    printed decimals (``"unrounded"``, ``"rounded"``)."""

    options: tuple = ("unrounded", "rounded")
    probabilities: tuple | None = None
    enabled: bool = True


@dataclass(frozen=True)
class MeasurementError:
    """Assessor disagreement at the input level.

    ``p``: integer levels — each level moves to a neighbouring level (±1, equally likely; the one neighbour at
    the ends of the scale) with probability ``p``. ``sd``: continuous values — Normal(0, sd) noise, clipped
    to the scale. Give one of the two; the other must be ``None``.
    """

    p: float | None = 0.1
    sd: float | None = None
    enabled: bool = True


@dataclass(frozen=True)
class FrameworkChoice:
    """The framework itself as an uncertain input: each draw scores the institutions with the official
    framework or with one of ``alternatives`` — ``{name: project}``, where ``project(data)`` returns
    ``(values, framework)``: the same institutions in the same order, with that framework's values at any
    level (columns = its codes). ``probabilities`` covers the official framework first, then the alternatives.
    """

    alternatives: dict = field(default_factory=dict)
    probabilities: tuple | None = None
    enabled: bool = True


@dataclass(frozen=True, eq=False)
class _Variant:
    """One framework the draws may score with: its (possibly truncated) tree and the input matrix."""

    name: str
    fw: Framework  # the tree from the input level up (truncated when the data are domain or aspect values)
    L: np.ndarray  # institutions × leaves of ``fw``
    level: str  # the level the values are at
    integer: bool  # whether the values are integer levels
    band_map: np.ndarray  # band code of ``fw`` → band code of the official framework (-2: no such name)
    steps: tuple  # positions in fw.compiled.steps whose weights vary
    shares0: tuple  # official relative weights of each step


@dataclass(frozen=True, eq=False)
class Problem:
    """What :func:`uncertainty` and :func:`sobol` analyse: the data, the framework variants, the uncertain
    inputs (``None`` = off) and the assumption table. Build it with :func:`problem`."""

    variants: tuple
    inputs: dict
    labels: pd.Index
    ids: np.ndarray | None
    nominal_index: np.ndarray
    nominal_band: np.ndarray
    framework: Framework
    assumptions: pd.DataFrame = field(repr=False)

    @property
    def active(self) -> tuple:
        """The inputs that vary, in :data:`INPUTS` order."""
        return tuple(g for g in INPUTS if self.inputs.get(g) is not None)

    @property
    def n_institutions(self) -> int:
        return len(self.nominal_index)


def _data_level(data: pd.DataFrame, fw: Framework) -> str:
    """The deepest level of ``fw`` that ``data`` gives (:func:`~spbe_research.scoring.input_level`)."""
    return input_level(data, fw)


def _variant(name: str, data: pd.DataFrame, fw: Framework, ref: Framework, weight_levels) -> tuple[_Variant, list]:
    level = _data_level(data, fw)
    fw_eval = fw if level == fw.indicator_level else fw.truncated(level)
    codes = list(fw_eval.compiled.leaves)
    integer = fw_eval.is_integer
    L = _check_values(data, codes, fw.scale_min, fw.scale_max, f"{level} value", integer=integer)
    names = {p: i for i, p in enumerate(ref.predicates)}
    band_map = np.array([names.get(p, -2) for p in fw.predicates], dtype=np.int8)
    comp = fw_eval.compiled
    child_level = {lv: fw_eval.tree_levels[fw_eval.tree_levels.index(lv) + 1] for lv in fw_eval.tree_levels[:-1]}
    rows, steps = [], []
    for k, (lv, _, _, _) in enumerate(comp.steps):
        kid = child_level[lv]
        on = weight_levels is None or kid in weight_levels
        if on:
            steps.append(k)
    if weight_levels is not None:
        for lv in weight_levels:
            if lv not in child_level.values():
                rows.append(("weights", f"levels ({name})", lv, False,
                             f"the {level} values of {fw.name} have no {lv!r} weights to vary"))
    shares0 = tuple(np.asarray(comp.steps[k][3], dtype=float) for k in steps)
    return _Variant(name, fw_eval, L, level, integer, band_map, tuple(steps), shares0), rows


def _probabilities(probs, k: int, name: str) -> np.ndarray:
    if probs is None:
        return np.full(k, 1.0 / k)
    pr = np.array([checks.scalar(x, name=f"{name} probabilities", lo=0) for x in probs], dtype=float)
    if len(pr) != k or abs(pr.sum() - 1) > 1e-9:
        raise SPBEError(f"{name} probabilities must be {k} numbers summing to 1", field=name)
    return pr


def problem(data: pd.DataFrame, framework, *, weights=Weights(), aggregation=None, band_rule=None, noise=None,
            frameworks=None) -> Problem:
    """The uncertainty problem: data, framework and the uncertain inputs, each switchable (``None`` = off).

    ``data``: one row per institution with one level of the framework's values as columns — published domain
    values (``D1``..), aspect values (``A1``..) or every indicator level — and optionally ``institution_id``.
    ``weights``: :class:`Weights`; ``aggregation``: :class:`Aggregation`; ``band_rule``: :class:`BandRule`;
    ``noise``: :class:`MeasurementError`; ``frameworks``: :class:`FrameworkChoice`.

    The reference (nominal) result is the official one: official framework and weights, the framework's own
    means and edge rule, the values as given. The returned :class:`Problem` records every assumption, and
    which ones cannot apply to these data (``applied`` False, with the reason) — nothing is skipped silently.
    """
    fw = get_framework(framework)
    checks.frame(data, name="data", min_rows=2)
    ids = data["institution_id"] if "institution_id" in data.columns else None
    if ids is not None and ids.duplicated().any():
        raise SPBEError(f"institution_id {ids[ids.duplicated()].iloc[0]!r} appears twice", field="institution_id")
    specs = {"weights": weights, "aggregation": aggregation, "band_rule": band_rule, "measurement_error": noise,
             "framework": frameworks}
    types = {"weights": Weights, "aggregation": Aggregation, "band_rule": BandRule,
             "measurement_error": MeasurementError, "framework": FrameworkChoice}
    inputs, rows = {}, []
    for g in INPUTS:
        spec = specs[g]
        if spec is None or spec is False or (spec is not None and not getattr(spec, "enabled", True)):
            rows.append((g, "enabled", False, False, "input switched off"))
            continue
        if not isinstance(spec, types[g]):
            raise SPBEError(f"{g} must be a {types[g].__name__} or None, got {type(spec).__name__}", field=g)
        inputs[g] = spec
    w_levels = None
    if "weights" in inputs:
        w = inputs["weights"]
        checks.choice(w.method, name="method", options=("dirichlet", "uniform"))
        if w.method == "dirichlet":
            checks.scalar(w.concentration, name="concentration", lo=0, lo_open=True)
        else:
            checks.scalar(w.spread, name="spread", lo=0, hi=1, lo_open=True, hi_open=True)
        w_levels = None if w.levels is None else tuple([w.levels] if isinstance(w.levels, str) else w.levels)
    ref, vrows = _variant(fw.name, data, fw, fw, w_levels)
    rows += vrows
    variants = [ref]
    if "framework" in inputs:
        fc = inputs["framework"]
        if not fc.alternatives:
            raise SPBEError("FrameworkChoice needs at least one alternative {name: project}", field="frameworks")
        for name, project in dict(fc.alternatives).items():
            if not callable(project):
                raise SPBEError(f"framework alternative {name!r} must be a callable data -> (values, framework)",
                                field="frameworks")
            out = project(data)
            if not (isinstance(out, tuple) and len(out) == 2):
                raise SPBEError(f"framework alternative {name!r} must return (values, framework)", field="frameworks")
            vals, afw = out
            afw = get_framework(afw)
            checks.frame(vals, name=f"values of {name!r}")
            if len(vals) != len(data):
                raise SPBEError(f"framework alternative {name!r} returned {len(vals)} rows for {len(data)} "
                                f"institutions", field="frameworks")
            var, vrows = _variant(str(name), vals.reset_index(drop=True), afw, fw, w_levels)
            variants.append(var)
            rows += vrows
            lost = [p for p in afw.predicates if p not in fw.predicates]
            rows.append(("framework", "alternative", str(name), True,
                         f"{afw.name}, {var.level} values" + (f"; predicates {lost} have no official counterpart "
                                                               f"(counted as changed)" if lost else "")))
        _probabilities(fc.probabilities, len(variants), "framework")
    for v in variants:
        if "weights" in inputs:
            comp = v.fw.compiled
            varied = sorted({comp.steps[k][0] for k in v.steps}, key=v.fw.tree_levels.index)
            kids = [v.fw.tree_levels[v.fw.tree_levels.index(lv) + 1] for lv in varied]
            w = inputs["weights"]
            how = (f"Dirichlet, concentration {w.concentration:g}" if w.method == "dirichlet"
                   else f"uniform ±{w.spread:.0%}, renormalised")
            rows.append(("weights", f"levels ({v.name})", ", ".join(kids) or "none", bool(kids), how))
    if "aggregation" in inputs:
        a = inputs["aggregation"]
        if not len(a.options):
            raise SPBEError("Aggregation needs at least one option", field="aggregation")
        _probabilities(a.probabilities, len(a.options), "aggregation")
        for o in a.options:
            for v in variants:
                _methods(v.fw, o)  # validates the option for this tree
                zero = (v.L == 0).any() and any(mean_exponent(m) <= 0 for m in (
                    o.values() if isinstance(o, dict) else [o]))
                rows.append(("aggregation", f"option ({v.name})", str(o), True,
                             "a zero value makes the mean 0 (no compensation)" if zero else ""))
    if "band_rule" in inputs:
        b = inputs["band_rule"]
        _probabilities(b.probabilities, len(b.options), "band_rule")
        for o in b.options:
            checks.choice(o, name="band_rule", options=("unrounded", "rounded"))
            rows.append(("band_rule", "option", o, True,
                         f"index rounded half up to {fw.band_decimals} decimals" if o == "rounded" else ""))
    if "measurement_error" in inputs:
        me = inputs["measurement_error"]
        if (me.p is None) == (me.sd is None):
            raise SPBEError("MeasurementError takes either p (integer levels) or sd (continuous values)",
                            field="noise")
        for v in variants:
            if me.p is not None:
                checks.scalar(me.p, name="p", lo=0, hi=1)
                ok = v.integer
                rows.append(("measurement_error", f"level moves ({v.name})", f"p = {me.p:g}", ok,
                             f"{v.level} levels move ±1" if ok else
                             f"{v.level} values of {v.fw.name} are not integer levels: give sd= instead"))
            else:
                checks.scalar(me.sd, name="sd", lo=0, lo_open=True)
                rows.append(("measurement_error", f"continuous noise ({v.name})", f"sd = {me.sd:g}", True,
                             f"on the {v.level} values, clipped to {v.fw.scale_min:g}-{v.fw.scale_max:g}"))
    nominal = np.round(evaluate(ref.L, ref.fw)[:, -1], _DECIMALS)
    table = pd.DataFrame(rows, columns=["input", "setting", "value", "applied", "note"])
    table["value"] = table["value"].astype(str)
    order = table["input"].map({g: i for i, g in enumerate(INPUTS)})
    table = table.iloc[np.argsort(order.to_numpy(), kind="stable")].reset_index(drop=True)
    labels = data.index
    return Problem(variants=tuple(variants), inputs=inputs, labels=labels,
                   ids=None if ids is None else ids.to_numpy(), nominal_index=nominal,
                   nominal_band=band_codes(nominal, fw), framework=fw, assumptions=table)


# --------------------------------------------------------------------------------------------- realisations
def _stream(seed_entropy, group: str, variant: int, source: int, block: int) -> np.random.Generator:
    key = (INPUTS.index(group), variant, source, block)
    return np.random.default_rng(np.random.SeedSequence(seed_entropy, spawn_key=key))


def _draw_shares(rng, shares: np.ndarray, b: int, w: Weights) -> np.ndarray:
    """(b × c × g) relative weights around one step's official (c × g) shares, each parent group apart."""
    out = np.zeros((b,) + shares.shape)
    for g in range(shares.shape[1]):  # parent groups of one step (≤ a dozen), vectorised over draws
        rows = np.flatnonzero(shares[:, g] > 0)
        out[:, rows, g] = _perturb(rng, shares[rows, g], b, w.method, w.concentration, w.spread)
    return out


def _choice(rng, probs: np.ndarray, b: int) -> np.ndarray:
    return np.searchsorted(np.cumsum(probs)[:-1], rng.random(b), side="right").astype(np.int8)


def _level_moves(rng, v: _Variant, b: int, p: float):
    """Sparse level moves of ``b`` draws: (draw, row, col, new level); each cell moves with probability p."""
    n, k = v.L.shape
    total = b * n * k
    e = np.empty(0, dtype=np.int32)
    if p <= 0:
        return e, e, e, np.empty(0)
    if p >= 1:
        pos = np.arange(total, dtype=np.int64)
    else:
        parts, last = [], -1
        while last < total - 1:  # gaps between moved cells are geometric
            m = int(total * p + 6 * np.sqrt(total * p) + 16)
            g = np.cumsum(rng.geometric(p, m)) + last
            parts.append(g)
            last = int(g[-1])
        pos = np.concatenate(parts)
        pos = pos[: np.searchsorted(pos, total)]
    per_draw = np.diff(np.searchsorted(pos, np.arange(b + 1, dtype=np.int64) * (n * k)))
    draw = np.repeat(np.arange(b, dtype=np.int32), per_draw)
    cell = (pos - draw.astype(np.int64) * (n * k)).astype(np.int32)
    row, col = np.divmod(cell, np.int32(k))
    old = v.L.ravel()[cell]
    bits = np.unpackbits(np.frombuffer(rng.bytes((len(pos) + 7) // 8), dtype=np.uint8))[: len(pos)]
    step = bits.astype(np.float64) * 2 - 1
    new = old + step
    out = (new < v.fw.scale_min) | (new > v.fw.scale_max)
    new[out] = old[out] - step[out]  # at an end of the scale the level can only move inwards
    return draw, row, col, new


def _realise(prob: Problem, group: str, entropy, source: int, block: int, b: int):
    """One input's draws for ``b`` rows of one block: arrays with the draw as the first axis (moves: sparse)."""
    spec = prob.inputs[group]
    if group == "weights":
        out = []
        for vi, v in enumerate(prob.variants):
            rng = _stream(entropy, group, vi, source, block)
            out.append([_draw_shares(rng, s, BLOCK, spec)[:b] for s in v.shares0])
        return out
    if group in ("aggregation", "band_rule", "framework"):
        k = len(spec.options) if group != "framework" else len(prob.variants)
        rng = _stream(entropy, group, 0, source, block)
        return _choice(rng, _probabilities(spec.probabilities, k, group), BLOCK)[:b]
    # measurement error, per variant
    out = []
    for vi, v in enumerate(prob.variants):
        rng = _stream(entropy, group, vi, source, block)
        if spec.p is not None:
            if not v.integer:
                out.append(None)
                continue
            d, r, c, new = _level_moves(rng, v, BLOCK, float(spec.p))
            keep = d < b
            out.append(("moves", d[keep], r[keep], c[keep], new[keep]))
        else:
            noise = rng.standard_normal((BLOCK,) + v.L.shape)[:b] * spec.sd
            out.append(("dense", np.clip(v.L[None] + noise, v.fw.scale_min, v.fw.scale_max)))
    return out


def _concat(group: str, parts: list):
    """Join the realisations of consecutive blocks."""
    if len(parts) == 1:
        return parts[0]
    if group in ("aggregation", "band_rule", "framework"):
        return np.concatenate(parts)
    if group == "weights":
        return [[np.concatenate([p[vi][s] for p in parts]) for s in range(len(parts[0][vi]))]
                for vi in range(len(parts[0]))]
    out = []
    for vi in range(len(parts[0])):
        if parts[0][vi] is None:
            out.append(None)
        elif parts[0][vi][0] == "dense":
            out.append(("dense", np.concatenate([p[vi][1] for p in parts])))
        else:
            offs = np.cumsum([0] + [BLOCK] * (len(parts) - 1))
            draws = np.concatenate([p[vi][1] + np.int32(offs[i]) for i, p in enumerate(parts)])
            out.append(("moves", draws) + tuple(np.concatenate([p[vi][j] for p in parts]) for j in (2, 3, 4)))
    return out


def _realise_rows(prob: Problem, entropy, source: int, start: int, stop: int) -> dict:
    """Every active input's draws for rows [start, stop) (whole blocks but the last)."""
    blocks = range(start // BLOCK, (stop - 1) // BLOCK + 1)
    real = {}
    for g in prob.active:
        parts = [_realise(prob, g, entropy, source, bl, min(BLOCK, stop - bl * BLOCK)) for bl in blocks]
        real[g] = _concat(g, parts)
    return real


def _evaluate_rows(prob: Problem, entropy, source: int, start: int, stop: int, mix=None):
    """Realise and evaluate rows [start, stop) block by block (moves are never joined across blocks): index,
    band codes and the options drawn. ``mix``: for Sobol, which source (0 = A, 1 = B) each input comes from."""
    idx, band, picks = [], [], {g: [] for g in ("aggregation", "band_rule", "framework") if g in prob.active}
    for b0 in range(start, stop, BLOCK):
        b1 = min(stop, (b0 // BLOCK + 1) * BLOCK)
        if mix is None:
            real = _realise_rows(prob, entropy, source, b0, b1)
        else:
            both = [_realise_rows(prob, entropy, s, b0, b1) for s in (0, 1)]
            real = {g: both[mix[g]][g] for g in prob.active}
        i, bd = _evaluate(prob, real, b1 - b0)
        idx.append(i)
        band.append(bd)
        for g in picks:
            picks[g].append(real[g])
    return np.concatenate(idx), np.concatenate(band), {g: np.concatenate(v) for g, v in picks.items()}


def _evaluate(prob: Problem, real: dict, b: int) -> tuple[np.ndarray, np.ndarray]:
    """Index (b × n) and band code in the official framework's bands (b × n) of b draws."""
    n = prob.n_institutions
    idx = np.empty((b, n))
    band = np.empty((b, n), dtype=np.int8)
    fw_pick = real.get("framework", np.zeros(b, dtype=np.int8))
    agg_pick = real.get("aggregation", np.zeros(b, dtype=np.int8))
    rule_pick = real.get("band_rule", np.zeros(b, dtype=np.int8))
    agg_opts = prob.inputs["aggregation"].options if "aggregation" in prob.inputs else (None,)
    rule_opts = prob.inputs["band_rule"].options if "band_rule" in prob.inputs else (None,)
    for vi, v in enumerate(prob.variants):
        in_v = fw_pick == vi
        if not in_v.any():
            continue
        noise = real["measurement_error"][vi] if "measurement_error" in real else None
        for ai, agg in enumerate(agg_opts):
            rows = np.flatnonzero(in_v & (agg_pick == ai))
            if not len(rows):
                continue
            step_w = None
            if "weights" in real and v.steps:
                step_w = [None] * len(v.fw.compiled.steps)
                for k, arr in zip(v.steps, real["weights"][vi]):
                    step_w[k] = arr[rows]
            values, moves = v.L, None
            if noise is not None and noise[0] == "dense":
                values = noise[1][rows]
            elif noise is not None:
                _, d, r, c, new = noise
                local = np.full(b, -1, dtype=np.int64)
                local[rows] = np.arange(len(rows))
                sel = local[d] >= 0
                moves = (local[d[sel]], r[sel], c[sel], new[sel])
            idx[rows] = evaluate_draws(values, v.fw, step_weights=step_w, aggregation=agg, moves=moves,
                                       n_draws=len(rows))
        x = np.round(idx, _DECIMALS)
        for ri, rule in enumerate(rule_opts):
            rows = np.flatnonzero(in_v & (rule_pick == ri))
            if len(rows):
                band[rows] = v.band_map[band_codes(x[rows], v.fw, rule)]
    return np.round(idx, _DECIMALS), band


# --------------------------------------------------------------------------------------------- analyses
def _chunks(n: int, chunk_size: int, checkpoints=()) -> list:
    """Row ranges of at most ``chunk_size`` (whole blocks), also cut at every checkpoint."""
    size = max(BLOCK, (chunk_size // BLOCK) * BLOCK)
    cuts = set(range(size, n, size)) | {c for c in checkpoints if 0 < c < n} | {n}
    bounds = [0] + sorted(cuts)
    return list(zip(bounds[:-1], bounds[1:]))


def _progress(total: int, desc: str, progress):
    from tqdm import tqdm
    import sys

    show = sys.stderr.isatty() if progress is None else bool(progress)
    return tqdm(total=total, desc=desc, unit="draw", disable=not show, leave=False)


def _entropy(seed) -> int:
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(2**63))
    return checks.scalar(seed, name="seed", integer=True, lo=0, hi=2**63 - 1)


def _usage(prob: Problem, picks: dict, n: int) -> pd.DataFrame:
    """How many draws actually used each option of each input."""
    rows = []
    for g in prob.active:
        spec = prob.inputs[g]
        if g in ("aggregation", "band_rule", "framework"):
            names = [v.name for v in prob.variants] if g == "framework" else [str(o) for o in spec.options]
            counts = np.bincount(picks[g], minlength=len(names))
            rows += [(g, nm, int(c)) for nm, c in zip(names, counts)]
        else:
            rows.append((g, "all draws", n))
    return pd.DataFrame(rows, columns=["input", "option", "n_draws"])


@dataclass(frozen=True, eq=False)
class Uncertainty:
    """Result of :func:`uncertainty`.

    ``table``: one row per institution — ``nominal_index``, ``nominal_rank``, ``nominal_predicate``,
    ``distance_to_edge`` (nominal index to the nearest band edge), ``median_rank``, ``rank_p05``, ``rank_p95``,
    ``rank_interval`` (p95 − p05), ``p_keep_predicate``, ``p_predicate_up``, ``p_predicate_down``,
    ``p_rank_change``, ``mean_index``, ``sd_index``.
    ``summary``: one row — ``n_draws``, ``n_institutions``, ``R_S`` (mean absolute rank shift, Saisana et al.
    2005), ``share_fragile`` (predicates kept in fewer than ``fragile_below`` of the draws), ``n_fragile``,
    ``median_rank_interval``, ``mean_share_predicates_changed``.
    ``convergence``: the summary statistics after each checkpoint number of draws.
    ``assumptions``: every input setting, whether it applied, and why not; ``usage``: draws per option.
    ``rs_draws``, ``changed_draws``: R_S and the share of changed predicates of each draw.
    ``indices``, ``ranks``: (draws × institutions), only with ``keep_draws=True``.
    """

    table: pd.DataFrame
    summary: pd.DataFrame
    convergence: pd.DataFrame
    assumptions: pd.DataFrame
    usage: pd.DataFrame
    rs_draws: np.ndarray = field(repr=False)
    changed_draws: np.ndarray = field(repr=False)
    indices: np.ndarray | None = field(default=None, repr=False)
    ranks: np.ndarray | None = field(default=None, repr=False)
    framework: str = ""

    @property
    def rs(self) -> float:
        return float(self.summary["R_S"].iloc[0])

    def to_frame(self) -> pd.DataFrame:
        """The per-institution table."""
        return self.table.copy()

    def plot(self, kind: str = "intervals", ax=None, **kw):
        """``kind``: ``"intervals"`` (rank intervals), ``"fragility"`` (P(keep predicate) against the index) or
        ``"convergence"`` (summary statistics against the number of draws)."""
        from .plotting import sensitivity as ps

        checks.choice(kind, name="kind", options=("intervals", "fragility", "convergence"))
        if kind == "intervals":
            return ps.plot_rank_intervals(self.table, ax=ax, **kw)
        if kind == "fragility":
            return ps.plot_predicate_fragility(self.table, self.framework, ax=ax, **kw)
        return ps.plot_convergence(self.convergence, ax=ax, **kw)


class _Accumulator:
    """Per-institution counts over draws (memory: institutions², not draws)."""

    def __init__(self, prob: Problem, keep_draws: bool):
        n = prob.n_institutions
        self.n = n
        self.nom_rank = competition_ranks(prob.nominal_index)
        self.nom_band = prob.nominal_band
        self.rank_counts = np.zeros(n * (n + 1), dtype=np.int64)
        self.keep = np.zeros(n, dtype=np.int64)
        self.up = np.zeros(n, dtype=np.int64)
        self.down = np.zeros(n, dtype=np.int64)
        self.changed_rank = np.zeros(n, dtype=np.int64)
        self.s1 = np.zeros(n)
        self.s2 = np.zeros(n)
        self.rs, self.changed, self.kept_idx, self.kept_ranks = [], [], [], []
        self.keep_draws = keep_draws
        self.count = 0
        self.offsets = np.arange(n, dtype=np.int64) * (n + 1)

    def add(self, idx: np.ndarray, band: np.ndarray):
        ranks = competition_ranks(idx)
        self.rank_counts += np.bincount((self.offsets[None, :] + ranks).ravel(), minlength=len(self.rank_counts))
        shift = np.abs(ranks - self.nom_rank[None, :])
        self.rs.append(shift.mean(axis=1))
        same = band == self.nom_band[None, :]
        self.changed.append(1 - same.mean(axis=1))
        self.keep += same.sum(axis=0)
        self.up += (band > self.nom_band[None, :]).sum(axis=0)
        self.down += ((band < self.nom_band[None, :]) & (band >= 0)).sum(axis=0)
        self.changed_rank += (shift > 0).sum(axis=0)
        self.s1 += idx.sum(axis=0)
        self.s2 += (idx ** 2).sum(axis=0)
        self.count += len(idx)
        if self.keep_draws:
            self.kept_idx.append(idx)
            self.kept_ranks.append(ranks)

    def quantiles(self, qs) -> np.ndarray:
        counts = self.rank_counts.reshape(self.n, self.n + 1)
        cum = np.cumsum(counts, axis=1)
        return np.stack([np.argmax(cum >= q * self.count - 1e-9, axis=1) for q in qs]).astype(np.int32)

    def summary(self, fragile_below: float) -> dict:
        q05, q95 = self.quantiles((0.05, 0.95))
        p_keep = self.keep / self.count
        rs = np.concatenate(self.rs)
        return {"n_draws": self.count, "n_institutions": self.n, "R_S": float(rs.mean()),
                "share_fragile": float((p_keep < fragile_below).mean()),
                "n_fragile": int((p_keep < fragile_below).sum()),
                "median_rank_interval": float(np.median(q95 - q05)),
                "mean_share_predicates_changed": float(np.concatenate(self.changed).mean())}


def _checkpoints(n: int) -> list:
    """Draw counts at which convergence is recorded: doubling from one block, and the total."""
    out, c = [], BLOCK
    while c < n:
        out.append(c)
        c *= 2
    return out + [n]


def uncertainty(prob: Problem, n: int = 10_000, *, seed=0, chunk_size: int = 1024, fragile_below: float = 0.9,
                keep_draws: bool = False, progress=None) -> Uncertainty:
    """Monte Carlo uncertainty analysis over every active input of ``prob`` at once.

    ``n`` draws, evaluated ``chunk_size`` at a time (memory grows with the chunk, not with ``n``); the same
    ``seed`` gives the same result whatever the chunk size. ``fragile_below``: a predicate kept in fewer than
    this share of the draws is fragile. ``keep_draws``: also return every draw's indices and ranks (memory
    grows with ``n``). ``progress``: a tqdm bar (default: only in a terminal).
    """
    if not isinstance(prob, Problem):
        raise SPBEError("uncertainty() takes a Problem built by sensitivity.problem(...)", field="prob")
    n = checks.count(n, name="n", hi=MAX_DRAWS * 50)
    chunk_size = checks.count(chunk_size, name="chunk_size", hi=10**6)
    fragile_below = checks.fraction(fragile_below, name="fragile_below")
    entropy = _entropy(seed)
    acc = _Accumulator(prob, keep_draws)
    picks = {g: [] for g in ("aggregation", "band_rule", "framework") if g in prob.active}
    conv = []
    checkpoints = _checkpoints(n)
    with _progress(n, "uncertainty", progress) as bar:
        for start, stop in _chunks(n, chunk_size, checkpoints):
            idx, band, chunk_picks = _evaluate_rows(prob, entropy, 0, start, stop)
            acc.add(idx, band)
            for g in picks:
                picks[g].append(chunk_picks[g])
            if stop in checkpoints:
                conv.append(acc.summary(fragile_below))
            bar.update(stop - start)
    q05, q50, q95 = acc.quantiles((0.05, 0.5, 0.95))
    fw = prob.framework
    mean = acc.s1 / acc.count
    sd = np.sqrt(np.maximum(acc.s2 / acc.count - mean ** 2, 0))
    table = pd.DataFrame({
        "nominal_index": prob.nominal_index,
        "nominal_rank": acc.nom_rank,
        "nominal_predicate": pd.Categorical.from_codes(prob.nominal_band, categories=list(fw.predicates), ordered=True),
        "distance_to_edge": _edge_distance(prob.nominal_index, fw),
        "median_rank": q50, "rank_p05": q05, "rank_p95": q95, "rank_interval": q95 - q05,
        "p_keep_predicate": acc.keep / acc.count,
        "p_predicate_up": acc.up / acc.count, "p_predicate_down": acc.down / acc.count,
        "p_rank_change": acc.changed_rank / acc.count,
        "mean_index": mean, "sd_index": sd,
    }, index=prob.labels)
    if prob.ids is not None:
        table.insert(0, "institution_id", prob.ids)
    picks = {g: np.concatenate(v) for g, v in picks.items()}
    return Uncertainty(
        table=table, summary=pd.DataFrame([acc.summary(fragile_below)]), convergence=pd.DataFrame(conv),
        assumptions=prob.assumptions.copy(), usage=_usage(prob, picks, n), rs_draws=np.concatenate(acc.rs),
        changed_draws=np.concatenate(acc.changed),
        indices=np.concatenate(acc.kept_idx) if keep_draws else None,
        ranks=np.concatenate(acc.kept_ranks) if keep_draws else None, framework=fw.name)


# --------------------------------------------------------------------------------------------- Sobol (groups)
@dataclass(frozen=True, eq=False)
class GroupSobol:
    """Result of :func:`sobol`: first-order (``S1``) and total (``ST``) Sobol indices of each input group.

    ``table``: one tidy row per input × output — ``input``, ``output``, ``S1``, ``S1_conf``, ``ST``, ``ST_conf``
    (half-widths of the bootstrap interval), ``output_variance``, ``n_base``, ``n_evaluations``.
    ``convergence``: the same indices for growing base samples (powers of two up to ``n_base``).
    ``assumptions``, ``usage``: as in :class:`Uncertainty`.
    """

    table: pd.DataFrame
    convergence: pd.DataFrame
    assumptions: pd.DataFrame
    usage: pd.DataFrame
    n_evaluations: int = 0

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def plot(self, output: str = "R_S", kind: str = "indices", ax=None, **kw):
        """``kind``: ``"indices"`` (S1 and ST bars per input) or ``"convergence"`` (ST against the base sample)."""
        from .plotting import sensitivity as ps

        checks.choice(kind, name="kind", options=("indices", "convergence"))
        if kind == "indices":
            return ps.plot_sobol(self.table, output, ax=ax, **kw)
        return ps.plot_sobol_convergence(self.convergence, output, ax=ax, **kw)


def _sobol_rows(names, outputs: dict, n_base: int, num_resamples: int, conf_level: float, boot_seed: int) -> list:
    from SALib.analyze import sobol as sobol_analyze

    G = len(names)
    sp = {"num_vars": G, "names": list(names), "bounds": [[0.0, 1.0]] * G}
    rows = []
    for out, y in outputs.items():
        var = float(np.var(y))
        if var == 0:
            res = {k: np.zeros(G) for k in ("S1", "S1_conf", "ST", "ST_conf")}
        else:
            res = sobol_analyze.analyze(sp, y, calc_second_order=False, num_resamples=num_resamples,
                                        conf_level=conf_level, seed=boot_seed)
        for k, g in enumerate(names):
            rows.append({"input": g, "output": out, "S1": float(res["S1"][k]), "S1_conf": float(res["S1_conf"][k]),
                         "ST": float(res["ST"][k]), "ST_conf": float(res["ST_conf"][k]),
                         "output_variance": var, "n_base": n_base, "n_evaluations": n_base * (G + 2)})
    return rows


def _pooled_rank_sobol(names, R: np.ndarray, num_resamples: int, conf_level: float, boot_seed: int) -> pd.DataFrame:
    """Sobol indices of every institution's rank pooled by variance: ``Σ_c V_c S_c / Σ_c V_c``, the share of all
    rank variance due to each input (the estimators of SALib: Saltelli 2010 first order, Jansen total, on
    centred outputs), with bootstrap CIs over the base draws."""
    from scipy.stats import norm

    G2, n, _ = R.shape
    G = G2 - 2
    Y = R.astype(float)
    Y -= Y.reshape(-1, Y.shape[2]).mean(axis=0)
    A, B = Y[0], Y[-1]
    rng = np.random.default_rng(boot_seed)
    idx = rng.integers(n, size=(num_resamples, n))
    Wb = np.zeros((num_resamples + 1, n))
    Wb[0] = 1.0
    np.add.at(Wb, (np.repeat(np.arange(1, num_resamples + 1), n), idx.ravel()), 1.0)
    Wb /= n
    AB2 = np.concatenate([A, B])
    m1 = Wb @ (A + B) / 2  # resampled means of [A; B] per institution
    m2 = Wb @ ((A ** 2 + B ** 2) / 2)
    var = (m2 - m1 ** 2).sum(axis=1)
    del AB2
    z = norm.ppf(0.5 + conf_level / 2)
    rows = []
    for g, name in enumerate(names):
        ABg = Y[g + 1]
        s1 = (Wb @ (B * (ABg - A)).sum(axis=1)) / var
        st = 0.5 * (Wb @ ((A - ABg) ** 2).sum(axis=1)) / var
        rows.append({"input": name, "output": "ranks (pooled)", "S1": float(s1[0]),
                     "S1_conf": float(z * s1[1:].std(ddof=1)), "ST": float(st[0]),
                     "ST_conf": float(z * st[1:].std(ddof=1)), "output_variance": float(var[0]), "n_base": n,
                     "n_evaluations": n * (G + 2)})
    return pd.DataFrame(rows)


def sobol(prob: Problem, n: int = 512, *, seed=0, chunk_size: int = 1024, institutions=None,
          measure: str = "rank", num_resamples: int = 100, conf_level: float = 0.95, progress=None) -> GroupSobol:
    """Variance-based sensitivity of the results to each active input group (weights, aggregation, band rule,
    measurement error, framework), with SALib's estimators (Saltelli 2010 first order, Jansen total).

    A Saltelli design over the groups: ``n`` base draws A and B, and for each group g the draws A with g taken
    from B — ``n × (G + 2)`` evaluations, in chunks. Each group is realised from its own random streams, so a
    group may hold any number of variables (thousands of level moves) and still count as one factor.
    Outputs: ``R_S`` (mean absolute rank shift against the official ranking), ``share_changed`` (share of
    institutions whose predicate differs from the official one), ``ranks (pooled)`` (every institution's rank,
    indices pooled by variance: which input moves ranks most, the JRC reading) and, for each of
    ``institutions`` (labels or ``institution_id`` values), its ``rank`` or ``index`` (``measure``).
    Note that R_S and ``share_changed`` are averages over institutions: an input that moves every draw by the
    same amount (measurement noise) raises their level but hardly their variance, so it scores low on them
    and high on ``ranks (pooled)``. Memory: every rank is kept (``n × (G + 2) × institutions`` int32).
    """
    if not isinstance(prob, Problem):
        raise SPBEError("sobol() takes a Problem built by sensitivity.problem(...)", field="prob")
    names = prob.active
    if not names:
        raise SPBEError("no uncertain input is switched on", field="prob")
    n = checks.count(n, name="n", lo=2, hi=2**20)
    chunk_size = checks.count(chunk_size, name="chunk_size", hi=10**6)
    checks.choice(measure, name="measure", options=("rank", "index"))
    num_resamples = checks.count(num_resamples, name="num_resamples", lo=1, hi=100_000)
    conf_level = checks.fraction(conf_level, name="conf_level")
    entropy = _entropy(seed)
    cols = []
    if institutions is not None:
        lookup = pd.Index(prob.ids if prob.ids is not None else prob.labels)
        cols = [(str(inst), j) for inst, j in _institution_columns(institutions, lookup)]
    G = len(names)
    nom_rank = competition_ranks(prob.nominal_index)
    Y = {"R_S": np.empty((n, G + 2)), "share_changed": np.empty((n, G + 2))}
    R_all = np.empty((G + 2, n, prob.n_institutions), dtype=np.int32)  # every rank: memory n × institutions
    Y.update({c: np.empty((n, G + 2)) for c, _ in cols})
    picks = {g: [] for g in ("aggregation", "band_rule", "framework") if g in names}
    with _progress(n * (G + 2), "sobol", progress) as bar:
        for start, stop in _chunks(n, max(BLOCK, chunk_size // (G + 2)), _checkpoints(n)):
            for k in range(G + 2):  # 0 = A, 1..G = A with group k-1 from B, G+1 = B
                mix = {g: int(k == G + 1 or k - 1 == gi) for gi, g in enumerate(names)}
                idx, band, chunk_picks = _evaluate_rows(prob, entropy, 0, start, stop, mix)
                for g in picks:
                    picks[g].append(chunk_picks[g])
                ranks = competition_ranks(idx)
                Y["R_S"][start:stop, k] = np.abs(ranks - nom_rank[None, :]).mean(axis=1)
                Y["share_changed"][start:stop, k] = (band != prob.nominal_band[None, :]).mean(axis=1)
                R_all[k, start:stop] = ranks
                for c, j in cols:
                    Y[c][start:stop, k] = ranks[:, j] if measure == "rank" else idx[:, j]
                bar.update(stop - start)
    boot_seed = int(np.random.SeedSequence(entropy).generate_state(1)[0]) or 1
    table = pd.DataFrame(_sobol_rows(names, {k: v.ravel() for k, v in Y.items()}, n, num_resamples, conf_level,
                                     boot_seed))
    pooled = _pooled_rank_sobol(names, R_all, num_resamples, conf_level, boot_seed)
    table = pd.concat([table.iloc[:2 * G], pooled, table.iloc[2 * G:]], ignore_index=True)
    table.insert(2, "measure", ["R_S" if o == "R_S" else "share" if o == "share_changed" else "rank"
                                if o == "ranks (pooled)" else measure for o in table["output"]])
    conv = []
    for m in [c for c in _checkpoints(n) if c >= BLOCK]:
        sub = {k: v[:m].ravel() for k, v in Y.items() if k in ("R_S", "share_changed")}
        conv += _sobol_rows(names, sub, m, num_resamples, conf_level, boot_seed)
        conv += _pooled_rank_sobol(names, R_all[:, :m], num_resamples, conf_level, boot_seed).to_dict("records")
    picks = {g: np.concatenate(v) for g, v in picks.items()}
    return GroupSobol(table=table, convergence=pd.DataFrame(conv), assumptions=prob.assumptions.copy(),
                      usage=_usage(prob, picks, n * (G + 2)), n_evaluations=n * (G + 2))
