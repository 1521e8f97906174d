"""Target planning: the cheapest set of indicator increases that lifts an institution's index to a target.

With arithmetic means the index is linear in the indicator values, ``index = Σ_i w_i · v_i`` with ``Σ w = 1``
(the framework's leaf weights), so raising indicator ``i`` by one unit always adds ``w_i`` index points.

Integer frameworks (SPBE: whole levels)
    * **unit costs** (fewest steps): take the steps with the largest weight first. The ``k`` largest steps give
      the largest gain any ``k`` steps can give, so the first ``k`` whose gain reaches the target is the minimum
      (ties: the lower current level first, then framework order).
    * **general costs** (per step, per indicator or per indicator × level): exact dynamic programming over the
      gain measured in integer units of the weights' common grid (0.05 % for PermenPANRB 59/2020; 1/3 % for
      5/2018). Each indicator is a group whose options are "raise by k steps" (a group knapsack), so a cheap later
      step is never taken without the steps before it.

Continuous frameworks (Indeks Pemdi: any value on 1-5)
    The least total increase (or least total cost, with a cost per point of each indicator) is a fractional
    knapsack: raise indicators in decreasing order of weight (or weight per unit cost) up to the scale maximum,
    the last one only as far as needed. The greedy order is optimal for a linear objective and one linear
    constraint (the exchange argument; tests compare it with scipy's linear-programming solver).

Targets are met on the index as the framework bands it (unrounded for every shipped framework): a target of
3.00 means ``index ≥ 3.00``; a predicate target means the lower edge of its band.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import pandas as pd

from . import checks
from .errors import SPBEError
from .frameworks import Framework, get_framework
from .scoring import EDGE_EPS, predicate

__all__ = ["plan_target", "TargetPlan", "gain_per_step", "best_index_with_steps"]


@dataclass(frozen=True, eq=False)
class TargetPlan:
    """Result of :func:`plan_target`.

    ``steps``: one row per indicator to raise, largest gain first: ``indicator``, ``name``, the codes of its
    aspect (and domain), ``theme`` (the English name of its top-level part, e.g. "SPBE services", D3 in 5/2018
    and D4 in 59/2020), ``concept``, ``current``, ``new``, ``increase`` (levels or points), ``gain`` (index
    points), ``gain_per_unit``, ``cost``. The other fields summarise the plan.
    """

    steps: pd.DataFrame = field(repr=False)
    framework: str
    target_index: float
    start_index: float
    final_index: float
    start_predicate: str
    final_predicate: str
    total_increase: float
    total_cost: float
    method: str

    @property
    def total_steps(self) -> int:
        """Whole level steps of an integer plan (the total increase)."""
        return int(round(self.total_increase))

    def summary(self) -> pd.DataFrame:
        """One tidy row: framework, target, start and final index and predicate, total increase and cost."""
        return pd.DataFrame([{k: getattr(self, k) for k in (
            "framework", "method", "target_index", "start_index", "start_predicate", "final_index", "final_predicate",
            "total_increase", "total_cost")}])

    def to_frame(self) -> pd.DataFrame:
        """The steps with the plan's summary repeated on every row (tidy, for stacking several plans)."""
        s = self.summary()
        return self.steps.assign(**{c: s[c].iloc[0] for c in s.columns})


# --------------------------------------------------------------------------------------------- inputs
def _levels_vector(levels, fw: Framework) -> np.ndarray:
    """One institution's values in framework order, checked like :func:`~spbe_research.scoring.score` does."""
    codes = list(fw.indicator_codes)
    if isinstance(levels, pd.DataFrame):
        if len(levels) != 1:
            raise SPBEError(f"plan_target takes one institution; got {len(levels)} rows", field="levels")
        levels = levels.iloc[0]
    if isinstance(levels, dict):
        levels = pd.Series(levels, dtype=object)
    if not isinstance(levels, pd.Series):
        raise SPBEError(f"levels must be a Series, dict or one-row DataFrame, got {type(levels).__name__}",
                        field="levels")
    levels = levels.copy()
    levels.index = levels.index.map(checks.label_key)
    extra = [c for c in levels.index if c not in codes and c not in ("institution_id", "institution_name", "unit")]
    if extra:
        raise SPBEError(f"unknown indicator {extra[0]!r} for {fw.name}", field=extra[0])
    if levels.index.duplicated().any():
        raise SPBEError(f"indicator {levels.index[levels.index.duplicated()][0]} given twice", field="levels")
    missing = [c for c in codes if c not in levels.index]
    if missing:
        raise SPBEError(f"level of indicator {missing[0]} is missing", field=missing[0])
    v = checks.numeric_matrix(levels[codes].astype(object).to_frame("levels").T, codes, what="level")[0]
    for i, c in enumerate(codes):
        x = v[i]
        if math.isnan(x) or x < fw.scale_min - EDGE_EPS or x > fw.scale_max + EDGE_EPS or (
                fw.is_integer and x != math.floor(x)):
            kind = "an integer level" if fw.is_integer else "a value"
            raise SPBEError(f"level {levels[c]!r} is not {kind} in [{fw.scale_min:g}, {fw.scale_max:g}]", field=c)
    return v.astype(np.int64) if fw.is_integer else v


def _target_value(target, fw: Framework) -> float:
    if isinstance(target, str):
        if target not in fw.predicates:
            raise SPBEError(f"unknown predicate {target!r}; {fw.name}'s are {list(fw.predicates)}", field="target")
        return float(fw.bands[fw.predicates.index(target)].lower)
    return checks.scalar(target, name="target")


def _weight_units(weights_percent: np.ndarray) -> tuple[np.ndarray, int]:
    """Integer weights on a common grid and the grid's size per 1 % (``w% = units / per_percent``)."""
    fracs = []
    for w in weights_percent:
        f = Fraction(float(w)).limit_denominator(1000)
        if abs(float(f) - w) > 1e-6:
            raise SPBEError(f"weight {w} % is not on a rational grid with denominator ≤ 1000", field="weight")
        fracs.append(f)
    per_percent = math.lcm(*(f.denominator for f in fracs))
    return np.array([int(f * per_percent) for f in fracs], dtype=np.int64), per_percent


def _step_costs(costs, fw: Framework, current: np.ndarray) -> np.ndarray:
    """(n_indicators × n_levels) cost of the step that reaches each level (inf where no step)."""
    codes = list(fw.indicator_codes)
    lv = np.arange(int(fw.scale_min), int(fw.scale_max) + 1)
    C = np.ones((len(codes), len(lv)))
    if costs is not None:
        if isinstance(costs, pd.DataFrame):
            checks.frame(costs, name="costs", required=("indicator", "to_level", "cost"))
            C[:] = np.inf  # steps not listed are forbidden
            ii = pd.Index(codes).get_indexer(costs["indicator"].map(checks.label_key))
            if (ii < 0).any():
                r = int(np.flatnonzero(ii < 0)[0])
                raise SPBEError(f"unknown indicator {costs['indicator'].iloc[r]!r} in costs", row=costs.index[r],
                                field="indicator")
            to = checks.numeric_column(costs["to_level"], what="to_level")
            bad = np.isnan(to) | (to != np.floor(to)) | (to <= fw.scale_min) | (to > fw.scale_max)
            if bad.any():
                r = int(np.flatnonzero(bad)[0])
                raise SPBEError(f"to_level {costs['to_level'].iloc[r]!r} is not a level a step can reach "
                                f"({int(fw.scale_min) + 1}-{int(fw.scale_max)})", row=costs.index[r], field="to_level")
            cost = checks.numeric_column(costs["cost"], what="cost")
            if (np.isnan(cost) | (cost < 0)).any():
                r = int(np.flatnonzero(np.isnan(cost) | (cost < 0))[0])
                raise SPBEError(f"cost must be a number ≥ 0 (inf forbids the step), got {costs['cost'].iloc[r]!r}",
                                row=costs.index[r], field="cost")
            dup = pd.Series(list(zip(ii, to))).duplicated()
            if dup.any():
                r = int(np.flatnonzero(dup.to_numpy())[0])
                raise SPBEError("step listed twice in costs", row=costs.index[r], field="to_level")
            C[ii, (to - fw.scale_min).astype(int)] = cost
        else:
            s = _cost_series(costs, codes)
            C = np.repeat(s[:, None], len(lv), axis=1)
    C[:, 0] = np.inf  # no step reaches the lowest level
    above = lv[None, :] > current[:, None]
    return np.where(above, C, np.inf)


def _cost_series(costs, codes) -> np.ndarray:
    """A dict or Series indicator → cost per unit, in framework order; every indicator must be priced."""
    s = pd.Series(costs, dtype=object) if isinstance(costs, dict) else pd.Series(costs)
    if not isinstance(s, pd.Series):
        raise SPBEError("costs must be a dict, a Series or a DataFrame", field="costs")
    s.index = s.index.map(checks.label_key)
    extra = [c for c in s.index if c not in codes]
    if extra:
        raise SPBEError("cost given for an unknown indicator", field=extra[0])
    missing = [c for c in codes if c not in s.index]
    if missing:
        raise SPBEError("no cost given for indicator (use inf to forbid it)", field=missing[0])
    v = checks.numeric_column(s[codes].astype(object), what="cost")
    bad = np.isnan(v) | (v < 0)
    if bad.any():
        c = codes[int(np.flatnonzero(bad)[0])]
        raise SPBEError(f"cost must be a number ≥ 0 (inf forbids it), got {s[c]!r}", field=c)
    return v


# --------------------------------------------------------------------------------------------- solvers
def _greedy(units: np.ndarray, current: np.ndarray, level_max: int, need: int) -> np.ndarray:
    """Steps per indicator of the fewest-steps plan (largest weight first)."""
    k = level_max - current
    ind = np.repeat(np.arange(len(units)), k)
    frm = np.concatenate([np.arange(c, level_max) for c in current]) if len(ind) else np.array([], int)
    order = np.lexsort((ind, frm, -units[ind]))  # weight desc, then lower current level, then framework order
    cum = np.cumsum(units[ind[order]])
    n_take = int(np.searchsorted(cum, need, side="left")) + 1 if need > 0 else 0
    return np.bincount(ind[order[:n_take]], minlength=len(units))


def _dp(units: np.ndarray, step_cost: np.ndarray, current: np.ndarray, level_min: int, need: int):
    """Steps per indicator of the least-cost plan (exact group-knapsack DP over gain units), or None."""
    g = np.arange(need + 1)
    dp = np.full(need + 1, np.inf)
    dp[0] = 0.0
    choices = np.zeros((len(units), need + 1), dtype=np.int8)
    for i, u in enumerate(units):  # loop over indicators (≤ 49) and steps (≤ 5); vectorised over gain
        best, arg = dp.copy(), np.zeros(need + 1, dtype=np.int8)
        cum = 0.0
        for k in range(1, step_cost.shape[1] - (current[i] - level_min)):
            cum += step_cost[i, current[i] - level_min + k]
            if not np.isfinite(cum):
                break
            cand = dp[np.maximum(g - k * u, 0)] + cum
            better = cand < best
            best[better], arg[better] = cand[better], k
        dp, choices[i] = best, arg
    if not np.isfinite(dp[need]):
        return None
    steps = np.zeros(len(units), dtype=np.int64)
    rem = need
    for i in range(len(units) - 1, -1, -1):
        steps[i] = choices[i, rem]
        rem = max(rem - steps[i] * units[i], 0)
    return steps


def _fractional(w: np.ndarray, room: np.ndarray, cost: np.ndarray, need: float) -> np.ndarray:
    """Increase per indicator of the least-cost continuous plan (fractional knapsack, exact)."""
    usable = np.isfinite(cost) & (room > 0) & (w > 0)
    ratio = np.where(cost > 0, w / np.where(cost > 0, cost, 1.0), np.inf)
    order = np.lexsort((np.arange(len(w)), -w, -ratio))  # best gain per cost, then larger weight, then framework order
    order = order[usable[order]]
    inc = np.zeros(len(w))
    gains = w[order] * room[order]
    cum = np.cumsum(gains)
    k = int(np.searchsorted(cum, need - 1e-12, side="left"))
    if k >= len(order):
        return None
    inc[order[:k]] = room[order[:k]]
    before = cum[k - 1] if k else 0.0
    inc[order[k]] = min(room[order[k]], (need - before) / w[order[k]])
    return inc


# --------------------------------------------------------------------------------------------- plan
def _theme(fw: Framework) -> pd.Series:
    """English name of each leaf's top-level part (its domain in SPBE, its aspect in Indeks Pemdi)."""
    top = fw.level_table(fw.top_level).set_index(fw.top_level)["name_en"]
    return pd.Series([top.get(fw.ancestor(c, fw.top_level)) for c in fw.indicator_codes], index=fw.indicator_codes)


def plan_target(levels, framework, target, costs=None) -> TargetPlan:
    """The fewest (or cheapest) indicator increases that lift one institution to ``target``.

    Parameters
    ----------
    levels: the institution's current value per indicator: Series or dict keyed by indicator code, or a one-row
        wide DataFrame (``institution_id``/``institution_name`` columns are ignored).
    framework: a framework object or name (``"2020"``, ``"PermenPANRB 8/2026"``, ...).
    target: an index value (met when the index ≥ target) or a predicate name (its band's lower edge).
    costs: ``None`` (every level step, or every point, costs 1), a dict/Series indicator → cost per step or per
        point, or (integer frameworks) a DataFrame ``indicator``, ``to_level``, ``cost`` (cost of the step reaching
        that level; steps not listed are forbidden). ``inf`` forbids.

    An unreachable target raises :class:`SPBEError`.
    """
    fw = get_framework(framework)
    current = _levels_vector(levels, fw)
    t = _target_value(target, fw)
    w = fw.indicator_weights
    if fw.is_integer:
        steps, start, final, cost, method = _plan_integer(fw, current, t, costs)
        new = current + steps
        unit = steps.astype(float)
    else:
        unit, start, final, cost, method = _plan_continuous(fw, current, t, costs)
        new = current + unit
    table = fw.indicators.reset_index(drop=True)
    keep = [c for c in ("indicator", "name", *reversed(fw.reported_levels), "concept") if c in table.columns]
    plan = table[keep].assign(theme=_theme(fw).to_numpy(), current=current, new=new, increase=unit,
                              gain=unit * w, gain_per_unit=w, cost=cost, _order=np.arange(len(table)))
    plan = (plan[plan["increase"] > 0].sort_values(["gain", "_order"], ascending=[False, True])
            .drop(columns="_order").reset_index(drop=True))
    return TargetPlan(steps=plan, framework=fw.name, target_index=t, start_index=start, final_index=final,
                      start_predicate=predicate(start, fw), final_predicate=predicate(min(final, fw.scale_max), fw),
                      total_increase=float(unit.sum()), total_cost=float(cost.sum()), method=method)


def _plan_integer(fw: Framework, current: np.ndarray, t: float, costs):
    units, per_percent = _weight_units(fw.indicators["weight"].to_numpy(float))
    scale = 100 * per_percent  # units per index point
    start_units = int(units @ current)
    need = max(math.ceil(t * scale - 1e-6) - start_units, 0)
    lmin, lmax = int(fw.scale_min), int(fw.scale_max)
    max_gain = int(units @ (lmax - current))
    if need > max_gain:
        raise SPBEError(f"target {t:.4g} is unreachable: the maximum index from these levels is "
                        f"{(start_units + max_gain) / scale:.4f}", field="target")
    step_cost = _step_costs(costs, fw, current)
    if costs is None:
        steps, method = _greedy(units, current, lmax, need), "fewest steps (greedy by weight)"
    else:
        steps, method = _dp(units, step_cost, current, lmin, need), "least cost (exact dynamic programming)"
        if steps is None:
            raise SPBEError(f"target {t:.4g} is unreachable with the allowed (finite-cost) steps", field="target")
    new = current + steps
    cost = np.array([step_cost[i, current[i] - lmin + 1: new[i] - lmin + 1].sum() for i in range(len(current))])
    return steps, start_units / scale, (start_units + int(units @ steps)) / scale, cost, method


def _plan_continuous(fw: Framework, current: np.ndarray, t: float, costs):
    w = np.asarray(fw.indicator_weights, dtype=float)
    start = float(w @ current)
    need = t - start
    room = fw.scale_max - current
    if isinstance(costs, pd.DataFrame):
        raise SPBEError("a cost table by level applies to integer frameworks; give a cost per point instead",
                        field="costs")
    c = np.ones(len(w)) if costs is None else _cost_series(costs, list(fw.indicator_codes))
    method = "least total increase (fractional knapsack)" if costs is None else "least cost (fractional knapsack)"
    if need <= 1e-12:
        return np.zeros(len(w)), start, start, np.zeros(len(w)), method
    if need > float(w @ room) + 1e-12:
        raise SPBEError(f"target {t:.4g} is unreachable: the maximum index from these values is {start + w @ room:.4f}",
                        field="target")
    inc = _fractional(w, room, c, need)
    if inc is None:
        raise SPBEError(f"target {t:.4g} is unreachable with the allowed (finite-cost) increases", field="target")
    return inc, start, float(w @ (current + inc)), inc * np.where(np.isfinite(c), c, 0.0), method


def gain_per_step(framework) -> pd.DataFrame:
    """Index points one unit (a level step, or one point) of each indicator is worth (its weight), largest first:
    where effort pays off. Columns: ``indicator``, ``name``, aspect (and domain) codes, ``theme``, ``concept``,
    ``gain_per_step``."""
    fw = get_framework(framework)
    ind = fw.indicators
    keep = [c for c in ("indicator", "name", *reversed(fw.reported_levels), "concept") if c in ind.columns]
    out = ind[keep].assign(theme=_theme(fw).to_numpy(), gain_per_step=np.asarray(fw.indicator_weights))
    return out.sort_values("gain_per_step", ascending=False, kind="stable").reset_index(drop=True)


def best_index_with_steps(levels, framework, n_steps: int) -> float:
    """The highest index reachable from ``levels`` with at most ``n_steps`` level steps (largest weights first);
    for a continuous framework, with at most ``n_steps`` points of total increase.

    The dual of :func:`plan_target` with unit costs: what a fixed effort buys under a framework.
    """
    fw = get_framework(framework)
    current = _levels_vector(levels, fw)
    if fw.is_integer:
        n = checks.count(n_steps, name="n_steps", lo=0, hi=10**6)
        units, per_percent = _weight_units(fw.indicators["weight"].to_numpy(float))
        room = int(fw.scale_max) - current
        step_units = np.sort(np.repeat(units, room))[::-1]
        return float(units @ current + step_units[:n].sum()) / (100 * per_percent)
    budget = checks.scalar(n_steps, name="n_steps", lo=0)
    w = np.asarray(fw.indicator_weights, dtype=float)
    room = fw.scale_max - current
    order = np.argsort(-w, kind="stable")
    take = np.minimum(room[order], np.maximum(budget - np.concatenate([[0], np.cumsum(room[order])[:-1]]), 0))
    return float(w @ current + w[order] @ take)
