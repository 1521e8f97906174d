"""The statistical audit of a composite index: coherence, real importance against nominal weight, what-if removal.

The first half of a JRC audit of a composite indicator (Saisana & Saltelli's audits of the Global Innovation
Index; the OECD/JRC *Handbook on Constructing Composite Indicators*, 2008), for any framework of the package
and any level of input:

* :func:`coherence` — correlations between the parts of each group, and of each part with its parent and the
  index (Pearson and Spearman, Fisher-z CIs); flags for collinear siblings and for parts that correlate weakly
  or negatively with their parent; Cronbach's alpha (with Feldt's CI) and principal components per group.
* :func:`importance` — each part's main effect on the index estimated from the data (the squared correlation
  ratio ``S_i = Var(E[index | x_i]) / Var(index)``, a non-parametric first-order index: Paruolo, Saisana &
  Saltelli 2013, "Ratings and rankings: voodoo or science?", *JRSS A* 176(3)), next to its nominal weight,
  with bootstrap CIs.
* :func:`removal` — what happens to ranks and predicates when one part is dropped and its siblings' weights are
  rescaled (:meth:`Framework.drop`).

Inputs are published domain values (``D1``..), aspect values (``A1``..) or indicator levels: the deepest
complete level of the framework found in the columns. Every function takes ``by`` (e.g. ``("year",
"institution_type")``) to repeat the audit per group. Values are aggregated by the scoring engine only
(:func:`~spbe_research.scoring.evaluate`); predicates come from :func:`~spbe_research.scoring.band_codes`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as _st

from . import checks
from .errors import SPBEError
from .frameworks import Framework, get_framework
from .scoring import band_codes, evaluate, input_level
from .stats import N_BOOT

__all__ = ["node_values", "coherence", "Coherence", "importance", "Importance", "removal", "Removal",
           "COLLINEAR", "WEAK"]

#: |r| above this between two parts of the same group flags possible double counting (COINr's default).
COLLINEAR = 0.9
#: r below this between a part and its parent flags a part that does not move with its group.
WEAK = 0.3
#: Spearman's Fisher-z standard error factor (Fieller, Hartley & Pearson 1957), as in :func:`stats.rank_correlation`.
_SPEARMAN_SE = 1.06


# --------------------------------------------------------------------------------------------- values
def _level_of(data: pd.DataFrame, fw: Framework) -> str:
    return input_level(data, fw)


@dataclass(frozen=True, eq=False)
class _Tree:
    """The data's values at every node from the input level up, and the tree around them."""

    fw: Framework  # the framework truncated at the input level
    level: str
    values: pd.DataFrame  # one column per node (leaves of ``fw`` and internal nodes, the root named "index")
    parent: dict  # node → parent ("index" for the top level)


def _tree(data: pd.DataFrame, framework) -> _Tree:
    fw0 = get_framework(framework)
    checks.frame(data, name="data", min_rows=3)
    level = _level_of(data, fw0)
    fw = fw0 if level == fw0.indicator_level else fw0.truncated(level)
    comp = fw.compiled
    leaves = list(comp.leaves)
    X = checks.finite_matrix(data, leaves, what=f"{level} value")
    lo, hi = fw0.scale_min, fw0.scale_max
    bad = (X < lo - 1e-9) | (X > hi + 1e-9)
    if bad.any():
        r, c = map(int, np.argwhere(bad)[0])
        raise SPBEError(f"{level} value {X[r, c]:g} is outside {fw0.name}'s scale {lo:g}-{hi:g}", row=data.index[r],
                        field=leaves[c])
    internal = evaluate(X, fw)
    names = [c if i < len(comp.internal) - 1 else "index" for i, c in enumerate(comp.internal)]
    values = pd.DataFrame(np.hstack([X, internal]), index=data.index, columns=leaves + names)
    root = comp.internal[-1]
    parent = {}
    for _, child_cols, out_cols, W in comp.steps:
        n_leaf = len(leaves)
        codes = [leaves[c] if c < n_leaf else names[c - n_leaf] for c in child_cols]
        for j, code in enumerate(codes):
            g = int(np.flatnonzero(W[j] > 0)[0])
            p = comp.internal[out_cols[g]]
            parent[code] = "index" if p == root else p
    return _Tree(fw, level, values, parent)


def node_values(data: pd.DataFrame, framework) -> pd.DataFrame:
    """The value of every node from the data's level up: the input columns, each aggregate, and ``index``."""
    return _tree(data, framework).values.copy()


def _groups(data: pd.DataFrame, by):
    """(keys dict, sub-frame) for each group of ``by`` (one group with no keys when ``by`` is None)."""
    if by is None:
        return [({}, data)]
    by = [by] if isinstance(by, str) else list(by)
    checks.frame(data, name="data", required=by)
    out = []
    for keys, sub in data.groupby(by, sort=True, observed=True, dropna=False):
        keys = keys if isinstance(keys, tuple) else (keys,)
        out.append((dict(zip(by, keys)), sub))
    return out


def _level_name(fw: Framework, code: str) -> str:
    return "index" if code == "index" else fw._level_map.get(code, "")


# --------------------------------------------------------------------------------------------- correlations
def _fisher_ci(r: np.ndarray, n: int, se_factor: float, conf: float) -> tuple[np.ndarray, np.ndarray]:
    z = np.arctanh(np.clip(r, -0.999999, 0.999999))
    half = _st.norm.ppf(0.5 + conf / 2) * np.sqrt(se_factor / (n - 3))
    return np.tanh(z - half), np.tanh(z + half)


def _corr_matrix(V: np.ndarray, method: str) -> np.ndarray:
    if method == "spearman":
        V = _st.rankdata(V, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.corrcoef(V, rowvar=False)


def _pairs(tree: _Tree) -> list:
    """(part, other, relation) for every sibling pair, every part and its parent, and every part and the index."""
    kids: dict = {}
    for c, p in tree.parent.items():
        kids.setdefault(p, []).append(c)
    out = []
    for p, ks in kids.items():
        for i in range(len(ks)):
            for j in range(i + 1, len(ks)):
                out.append((ks[i], ks[j], "sibling"))
    for c, p in tree.parent.items():
        out.append((c, p, "parent"))
        if p != "index":
            out.append((c, "index", "index"))
    return out


@dataclass(frozen=True, eq=False)
class Coherence:
    """Result of :func:`coherence`.

    ``correlations``: one tidy row per pair and method — the ``by`` keys, ``level``, ``part``, ``other``,
    ``relation`` (``sibling``, ``parent``, ``index``), ``method``, ``n``, ``r``, ``ci95_low``, ``ci95_high``,
    ``p_val``, ``flag`` (``collinear``, ``weak``, ``negative`` or empty).
    ``groups``: one row per group of siblings — ``parent``, ``level`` (of the children), ``n``, ``k``,
    ``cronbach_alpha`` with Feldt's ``ci95_low``/``ci95_high``, ``pc1_share`` (share of variance on the first
    principal component of the correlation matrix), ``n_eigen_above_1``, ``note``.
    ``loadings``: each child's loading on its group's first component (sign: positive sum).
    ``flags``: the flagged correlations only. ``assumptions``: thresholds, level, groups skipped and why.
    """

    correlations: pd.DataFrame
    groups: pd.DataFrame
    loadings: pd.DataFrame
    assumptions: pd.DataFrame

    @property
    def flags(self) -> pd.DataFrame:
        return self.correlations[self.correlations["flag"] != ""].reset_index(drop=True)

    def to_frame(self) -> pd.DataFrame:
        return self.correlations.copy()

    def plot(self, kind: str = "heatmap", ax=None, **kw):
        """``kind``: ``"heatmap"`` (the correlation matrix of the parts, ``level=``, ``method=``, ``where=``
        a dict of ``by`` keys) or ``"alpha"`` (Cronbach's alpha and first-component share per group)."""
        from .plotting import audit as pa

        checks.choice(kind, name="kind", options=("heatmap", "alpha"))
        if kind == "heatmap":
            return pa.plot_correlation_heatmap(self, ax=ax, **kw)
        return pa.plot_group_consistency(self, ax=ax, **kw)


def _cronbach(V: np.ndarray, conf: float) -> tuple[float, float, float]:
    """Cronbach's alpha of the columns of V with Feldt's (1965) F-based CI."""
    n, k = V.shape
    item_var = V.var(axis=0, ddof=1).sum()
    total_var = V.sum(axis=1).var(ddof=1)
    if total_var == 0:
        return np.nan, np.nan, np.nan
    a = k / (k - 1) * (1 - item_var / total_var)
    d1, d2 = n - 1, (n - 1) * (k - 1)
    lo = 1 - (1 - a) * _st.f.ppf(0.5 + conf / 2, d1, d2)
    hi = 1 - (1 - a) * _st.f.ppf(0.5 - conf / 2, d1, d2)
    return float(a), float(lo), float(hi)


def coherence(data: pd.DataFrame, framework, *, by=None, methods=("pearson", "spearman"), collinear: float = COLLINEAR,
              weak: float = WEAK, conf_level: float = 0.95, min_n: int = 10) -> Coherence:
    """Statistical coherence of the framework's structure in the data (per ``by`` group).

    Flags (on the first of ``methods``): ``collinear`` — siblings with ``r > collinear`` (possible double
    counting); ``weak`` — a part whose correlation with its parent (or the index) is below ``weak``;
    ``negative`` — below 0. Groups with fewer than ``min_n`` institutions are skipped and listed in
    ``assumptions``.
    """
    fw0 = get_framework(framework)
    methods = (methods,) if isinstance(methods, str) else tuple(methods)
    for m in methods:
        checks.choice(m, name="methods", options=("pearson", "spearman"))
    collinear = checks.scalar(collinear, name="collinear", lo=0, hi=1)
    weak = checks.scalar(weak, name="weak", lo=-1, hi=1)
    conf_level = checks.fraction(conf_level, name="conf_level")
    min_n = checks.count(min_n, name="min_n", lo=5)
    corr_rows, group_rows, load_rows = [], [], []
    notes = [("thresholds", f"collinear r > {collinear:g}; weak r < {weak:g}; flags on {methods[0]}", True, ""),
             ("confidence intervals", "Fisher z; Spearman SE sqrt(1.06/(n-3)); alpha: Feldt (1965)", True, "")]
    level = None
    for keys, sub in _groups(data, by):
        label = ", ".join(f"{k}={v}" for k, v in keys.items()) or "all"
        if len(sub) < min_n:
            notes.append(("group", label, False, f"{len(sub)} institutions < min_n = {min_n}"))
            continue
        tree = _tree(sub, fw0)
        level = tree.level
        V = tree.values
        n = len(V)
        cols = list(V.columns)
        pos = {c: i for i, c in enumerate(cols)}
        const = V.std(ddof=1).to_numpy() == 0
        for mi, method in enumerate(methods):
            R = _corr_matrix(V.to_numpy(), method)
            se = 1.0 if method == "pearson" else _SPEARMAN_SE
            for part, other, rel in _pairs(tree):
                i, j = pos[part], pos[other]
                r = float(R[i, j])
                if const[i] or const[j]:
                    row = dict(r=np.nan, ci95_low=np.nan, ci95_high=np.nan, p_val=np.nan, flag="constant")
                else:
                    lo, hi = _fisher_ci(np.array(r), n, se, conf_level)
                    t = r * np.sqrt((n - 2) / max(1 - r * r, 1e-300))
                    p = float(2 * _st.t.sf(abs(t), n - 2))
                    flag = ""
                    if mi == 0:
                        if rel == "sibling" and r > collinear:
                            flag = "collinear"
                        elif rel != "sibling" and r < 0:
                            flag = "negative"
                        elif rel != "sibling" and r < weak:
                            flag = "weak"
                    row = dict(r=r, ci95_low=float(lo), ci95_high=float(hi), p_val=p, flag=flag)
                corr_rows.append({**keys, "level": _level_name(fw0, part), "part": part, "other": other,
                                  "relation": rel, "method": method, "n": n, **row})
        kids: dict = {}
        for c, p in tree.parent.items():
            kids.setdefault(p, []).append(c)
        for p, ks in kids.items():
            base = {**keys, "parent": p, "level": _level_name(fw0, ks[0]), "n": n, "k": len(ks)}
            if len(ks) < 2:
                group_rows.append({**base, "cronbach_alpha": np.nan, "ci95_low": np.nan, "ci95_high": np.nan,
                                   "pc1_share": np.nan, "n_eigen_above_1": np.nan,
                                   "note": "a single part: alpha and components are not defined"})
                continue
            Vk = V[ks].to_numpy()
            if (Vk.std(axis=0, ddof=1) == 0).any():
                group_rows.append({**base, "cronbach_alpha": np.nan, "ci95_low": np.nan, "ci95_high": np.nan,
                                   "pc1_share": np.nan, "n_eigen_above_1": np.nan,
                                   "note": "a constant part: alpha and components are not defined"})
                continue
            a, lo, hi = _cronbach(Vk, conf_level)
            ev, vec = np.linalg.eigh(np.corrcoef(Vk, rowvar=False))
            ev, vec = ev[::-1], vec[:, ::-1]
            v1 = vec[:, 0] * np.sign(vec[:, 0].sum() or 1.0)
            load = v1 * np.sqrt(max(ev[0], 0))
            group_rows.append({**base, "cronbach_alpha": a, "ci95_low": lo, "ci95_high": hi,
                               "pc1_share": float(ev[0] / len(ks)), "n_eigen_above_1": int((ev > 1).sum()),
                               "note": ""})
            for c, ld in zip(ks, load):
                load_rows.append({**keys, "parent": p, "part": c, "pc1_loading": float(ld)})
    if not corr_rows:
        raise SPBEError(f"no group has at least min_n = {min_n} institutions", field="by")
    notes.insert(0, ("input level", level, True, "values aggregated up the framework by the scoring engine"))
    assumptions = pd.DataFrame(notes, columns=["setting", "value", "applied", "note"])
    return Coherence(pd.DataFrame(corr_rows), pd.DataFrame(group_rows), pd.DataFrame(load_rows), assumptions)


# --------------------------------------------------------------------------------------------- importance
def _spline_basis(x: np.ndarray, knots: int) -> np.ndarray:
    """Truncated-power cubic spline basis with interior knots at quantiles (columns: 1, x, x², x³, (x−κ)³₊)."""
    z = (x - x.mean()) / (x.std() or 1.0)
    kappa = np.unique(np.quantile(z, np.linspace(0, 1, knots + 2)[1:-1]))
    cols = [np.ones_like(z), z, z ** 2, z ** 3] + [np.clip(z - k, 0, None) ** 3 for k in kappa]
    return np.column_stack(cols)


def _main_effects(x: np.ndarray, y: np.ndarray, W: np.ndarray, discrete_max: int, knots: int) -> tuple:
    """Adjusted squared correlation ratio of y on x under each row of bootstrap weights W (b × n): (b,), df, kind."""
    vals, inv = np.unique(x, return_inverse=True)
    tot_w = W.sum(axis=1)
    ybar = (W @ y) / tot_w
    sst = W @ (y ** 2) - tot_w * ybar ** 2
    n = len(y)
    if len(vals) <= discrete_max:  # group means: the correlation ratio itself
        G = np.zeros((n, len(vals)))
        G[np.arange(n), inv] = 1.0
        cnt = W @ G
        sums = W @ (G * y[:, None])
        with np.errstate(invalid="ignore", divide="ignore"):
            ssb = np.nansum(np.where(cnt > 0, sums ** 2 / cnt, 0.0), axis=1) - tot_w * ybar ** 2
        df = (cnt > 0).sum(axis=1) - 1
        kind = "group means"
    else:  # cubic regression spline, weighted least squares per bootstrap weight vector
        B = _spline_basis(x, knots)
        BtWB = np.einsum("bn,ni,nj->bij", W, B, B) + 1e-10 * np.eye(B.shape[1])
        BtWy = (W * y) @ B
        coef = np.linalg.solve(BtWB, BtWy[..., None])[..., 0]
        fitted = coef @ B.T
        ssb = np.einsum("bn,bn->b", W, (fitted - ybar[:, None]) ** 2)
        df = np.full(len(W), B.shape[1] - 1)
        kind = f"cubic spline ({B.shape[1] - 4} knots)"
    with np.errstate(invalid="ignore", divide="ignore"):
        r2 = ssb / sst
        adj = 1 - (1 - r2) * (tot_w - 1) / (tot_w - 1 - df)
    return np.clip(adj, 0, 1), int(df[0]), kind


@dataclass(frozen=True, eq=False)
class Importance:
    """Result of :func:`importance`: one row per part (and ``by`` group).

    ``part``, ``level``, ``parent``, ``nominal_weight`` (share of the index), ``weight_share`` (share among its
    siblings), ``main_effect`` (``S_i``, adjusted for the fit's degrees of freedom) with ``ci95_low`` /
    ``ci95_high``, ``r2_linear`` (squared Pearson correlation with the target), ``importance_share`` (``S_i``
    over the sum of its siblings' ``S``) with its CI, ``ratio`` (importance share / weight share: above 1 the
    part drives the target more than its weight says), ``estimator``, ``n``.
    """

    table: pd.DataFrame
    assumptions: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def plot(self, ax=None, **kw):
        """Importance share against weight share, with bootstrap CIs (see ``plotting.audit.plot_importance``)."""
        from .plotting import audit as pa

        return pa.plot_importance(self, ax=ax, **kw)


def importance(data: pd.DataFrame, framework, *, level: str | None = None, target: str = "index", by=None,
               n_boot: int = N_BOOT, seed=0, conf_level: float = 0.95, discrete_max: int = 12, knots: int = 4,
               min_n: int = 20) -> Importance:
    """Each part's main effect on the ``target`` (``"index"`` or ``"parent"``) next to its nominal weight.

    ``S_i = Var(E[y | x_i]) / Var(y)`` (Paruolo, Saisana & Saltelli 2013) is estimated by group means when
    ``x_i`` takes at most ``discrete_max`` values (indicator levels), otherwise by a cubic regression spline
    with ``knots`` interior knots at quantiles; both adjusted for degrees of freedom (like adjusted R²), so a
    part unrelated to the target scores about 0. Unlike a weight, ``S_i`` includes what a part shares with
    correlated parts: shares compare parts, they do not add up to a decomposition. Percentile CIs from
    ``n_boot`` bootstrap resamples of institutions (the same resamples for every part).
    """
    fw0 = get_framework(framework)
    checks.choice(target, name="target", options=("index", "parent"))
    n_boot = checks.count(n_boot, name="n_boot", lo=10, hi=100_000)
    conf_level = checks.fraction(conf_level, name="conf_level")
    discrete_max = checks.count(discrete_max, name="discrete_max", lo=2, hi=1000)
    knots = checks.count(knots, name="knots", lo=1, hi=20)
    min_n = checks.count(min_n, name="min_n", lo=10)
    rng = checks.generator(seed)
    rows, notes = [], [("estimator", f"group means (≤ {discrete_max} distinct values) or cubic spline ({knots} knots); "
                                     f"adjusted for degrees of freedom", True, ""),
                       ("confidence intervals", f"percentile bootstrap, {n_boot} resamples", True, "")]
    for keys, sub in _groups(data, by):
        label = ", ".join(f"{k}={v}" for k, v in keys.items()) or "all"
        if len(sub) < min_n:
            notes.append(("group", label, False, f"{len(sub)} institutions < min_n = {min_n}"))
            continue
        tree = _tree(sub, fw0)
        lv = tree.level if level is None else level
        if lv not in fw0.tree_levels[1:] or fw0.tree_levels.index(lv) > fw0.tree_levels.index(tree.level):
            raise SPBEError(f"level {lv!r} is not available from {tree.level} values of {fw0.name}", field="level")
        parts = list(fw0.codes(lv)) if lv != fw0.indicator_level else list(tree.fw.compiled.leaves)
        V = tree.values
        n = len(V)
        W = np.vstack([np.ones(n), rng.multinomial(n, np.full(n, 1 / n), size=n_boot).astype(float)])
        S = {}
        for p in parts:
            y = V[tree.parent[p] if target == "parent" else "index"].to_numpy()
            x = V[p].to_numpy()
            if x.std() == 0:
                S[p] = (np.zeros(len(W)), 0, "constant part")
            else:
                S[p] = _main_effects(x, y, W, discrete_max, knots)
        wfull = pd.Series(dict(zip(tree.fw.compiled.leaves, tree.fw.compiled.leaf_weights)))
        for p in parts:
            if p not in wfull:
                wfull[p] = fw0.weights(lv)[list(fw0.codes(lv)).index(p)]
        sibs: dict = {}
        for p in parts:
            sibs.setdefault(tree.parent[p], []).append(p)
        qlo, qhi = 0.5 - conf_level / 2, 0.5 + conf_level / 2
        for par, group in sibs.items():
            tot_S = np.sum([S[p][0] for p in group], axis=0)
            tot_w = sum(float(wfull[p]) for p in group)
            for p in group:
                s, df, kind = S[p]
                with np.errstate(invalid="ignore", divide="ignore"):
                    share = s / tot_S
                wshare = float(wfull[p]) / tot_w
                y = V[tree.parent[p] if target == "parent" else "index"].to_numpy()
                x = V[p].to_numpy()
                r = np.corrcoef(x, y)[0, 1] if x.std() > 0 else 0.0
                rows.append({**keys, "part": p, "level": lv, "parent": par, "nominal_weight": float(wfull[p]),
                             "weight_share": wshare, "main_effect": float(s[0]),
                             "ci95_low": float(np.quantile(s[1:], qlo)), "ci95_high": float(np.quantile(s[1:], qhi)),
                             "r2_linear": float(r * r), "importance_share": float(share[0]),
                             "share_ci95_low": float(np.nanquantile(share[1:], qlo)),
                             "share_ci95_high": float(np.nanquantile(share[1:], qhi)),
                             "ratio": float(share[0] / wshare), "estimator": kind, "df": df, "n": n,
                             "target": target})
    if not rows:
        raise SPBEError(f"no group has at least min_n = {min_n} institutions", field="by")
    return Importance(pd.DataFrame(rows), pd.DataFrame(notes, columns=["setting", "value", "applied", "note"]))


# --------------------------------------------------------------------------------------------- removal
@dataclass(frozen=True, eq=False)
class Removal:
    """Result of :func:`removal`.

    ``summary``: one row per dropped part (and ``by`` group) — ``part``, ``level``, ``n``, ``spearman`` (ranks
    with and without), ``mean_abs_rank_shift``, ``max_abs_rank_shift``, ``share_predicate_changed``,
    ``n_predicate_up``, ``n_predicate_down``, ``mean_index_change``.
    ``table``: one row per institution and dropped part: ``index``, ``index_without``, ``rank``,
    ``rank_without``, ``rank_shift`` (positive = a better place without the part), ``predicate``,
    ``predicate_without``.
    ``assumptions``: how weights were rescaled; parts that cannot be dropped, and why.
    """

    summary: pd.DataFrame
    table: pd.DataFrame
    assumptions: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.summary.copy()

    def plot(self, ax=None, **kw):
        from .plotting import audit as pa

        return pa.plot_removal(self, ax=ax, **kw)


def _ranks(x: np.ndarray) -> np.ndarray:
    return _st.rankdata(-np.round(x, 9), method="min").astype(int)


def removal(data: pd.DataFrame, framework, *, level: str | None = None, by=None, min_n: int = 3) -> Removal:
    """What-if removal: drop each part at ``level`` (default: the top level) in turn, rescale its siblings so
    that the parent keeps its weight (:meth:`Framework.drop`), recompute the index, ranks and predicates."""
    fw0 = get_framework(framework)
    min_n = checks.count(min_n, name="min_n", lo=3)
    rows, tables, notes = [], [], [("weights", "siblings of a dropped part rescaled to keep their parent's weight",
                                    True, "Framework.drop")]
    ids_col = "institution_id" if "institution_id" in data.columns else None
    skipped = set()
    for keys, sub in _groups(data, by):
        label = ", ".join(f"{k}={v}" for k, v in keys.items()) or "all"
        if len(sub) < min_n:
            notes.append(("group", label, False, f"{len(sub)} institutions < min_n = {min_n}"))
            continue
        tree = _tree(sub, fw0)
        lv = fw0.top_level if level is None else level
        if lv not in fw0.tree_levels[1:] or fw0.tree_levels.index(lv) > fw0.tree_levels.index(tree.level):
            raise SPBEError(f"level {lv!r} is not available from {tree.level} values of {fw0.name}", field="level")
        base = tree.values["index"].to_numpy()
        rank0 = _ranks(base)
        band0 = band_codes(base, fw0)
        parts = list(fw0.codes(lv)) if lv != fw0.indicator_level else list(fw0.indicator_codes)
        for p in parts:
            try:
                fw_d = fw0.drop(p)
            except SPBEError as e:
                if p not in skipped:
                    notes.append(("part", p, False, f"cannot be dropped: {e.args[0]}"))
                    skipped.add(p)
                continue
            fw_e = fw_d if tree.level == fw0.indicator_level else fw_d.truncated(tree.level)
            X = sub[list(fw_e.compiled.leaves)].to_numpy(dtype=float)
            x = evaluate(X, fw_e)[:, -1]
            rk = _ranks(x)
            band = band_codes(x, fw0)
            shift = rank0 - rk
            rho = float(_st.spearmanr(base, x).statistic) if np.std(x) > 0 else np.nan
            rows.append({**keys, "part": p, "level": lv, "n": len(x), "spearman": rho,
                         "mean_abs_rank_shift": float(np.abs(shift).mean()),
                         "max_abs_rank_shift": int(np.abs(shift).max()),
                         "share_predicate_changed": float((band != band0).mean()),
                         "n_predicate_up": int((band > band0).sum()), "n_predicate_down": int((band < band0).sum()),
                         "mean_index_change": float((x - base).mean())})
            t = pd.DataFrame({**{k: [v] * len(x) for k, v in keys.items()}, "part": p, "index": base,
                              "index_without": x, "rank": rank0, "rank_without": rk, "rank_shift": shift,
                              "predicate": pd.Categorical.from_codes(band0, categories=list(fw0.predicates),
                                                                     ordered=True),
                              "predicate_without": pd.Categorical.from_codes(band, categories=list(fw0.predicates),
                                                                             ordered=True)}, index=sub.index)
            if ids_col:
                t.insert(0, ids_col, sub[ids_col].to_numpy())
            tables.append(t)
    if not rows:
        raise SPBEError("nothing could be dropped (see the parts and groups of the framework)", field="level")
    return Removal(pd.DataFrame(rows), pd.concat(tables), pd.DataFrame(notes, columns=["setting", "value", "applied",
                                                                                       "note"]))
