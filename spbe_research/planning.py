"""Target planning: the cheapest set of indicator-level increases that lifts an institution's SPBE index.

The index is linear in the indicator levels, ``index = Σ_i w_i · level_i`` with ``Σ w = 1``, so one
level step of indicator ``i`` always adds ``w_i`` index points. Reaching a target is an integer
covering problem:

* **unit costs** (fewest steps): take the steps with the largest weight first. The ``k`` largest
  steps give the largest gain any ``k`` steps can give, so the first ``k`` whose gain reaches the
  target is the minimum (ties between equal weights: the lower current level first, then framework
  order).
* **general costs** (cost per step, per indicator or per indicator × level): exact dynamic
  programming over the gain measured in integer units of the weights' common grid (0.05 % for
  PermenPANRB 59/2020; 1/3 % for 5/2018, whose indicator-35 items weigh 10/3 % each). Each indicator
  is a group whose options are "raise by k steps" (a group knapsack), so a cheap later step can never
  be taken without the steps before it.

Targets are met on the unrounded index, as predicates (predikat) are assigned (PermenPANRB 59/2020
Lampiran Tabel 13): a target of 3.00 means ``index ≥ 3.00``.
"""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pandas as pd

from .errors import SPBEError
from .frameworks import get_framework
from .scoring import PREDICATE_BANDS, PREDICATES

__all__ = ["plan_target", "gain_per_step", "best_index_with_steps"]


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


def _levels_vector(levels, fw) -> np.ndarray:
    codes = [str(c) for c in fw.indicators["indicator"]]
    if isinstance(levels, pd.DataFrame):
        if len(levels) != 1:
            raise SPBEError(f"plan_target takes one institution; got {len(levels)} rows", field="levels")
        levels = levels.iloc[0]
    if isinstance(levels, dict):
        levels = pd.Series(levels)
    if not isinstance(levels, pd.Series):
        raise SPBEError(f"levels must be a Series, dict or one-row DataFrame, got {type(levels).__name__}")
    levels = levels.copy()
    levels.index = levels.index.map(str)
    extra = [c for c in levels.index if c not in codes and c not in ("institution_id", "institution_name")]
    if extra:
        raise SPBEError(f"unknown indicator {extra[0]!r} for {getattr(fw, 'name', 'framework')}", field=extra[0])
    for c in codes:
        if c not in levels.index:
            raise SPBEError("indicator level missing", field=c)
        v = levels[c]
        try:
            ok = v is not None and not pd.isna(v) and float(v) == int(float(v)) and fw.level_min <= float(v) <= fw.level_max
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise SPBEError(f"level {v!r} is not an integer in [{fw.level_min}, {fw.level_max}]", field=c)
    return levels[codes].astype(float).astype(np.int64).to_numpy()


def _target_value(target) -> float:
    if isinstance(target, str):
        if target not in PREDICATES:
            raise SPBEError(f"unknown predicate {target!r}; expected one of {list(PREDICATES)}", field="target")
        k = PREDICATES.index(target)
        return float(PREDICATE_BANDS[k - 1]) if k > 0 else 0.0
    try:
        t = float(target)
    except (TypeError, ValueError) as e:
        raise SPBEError(f"target must be a number or a predicate name, got {target!r}", field="target") from e
    if not np.isfinite(t):
        raise SPBEError(f"target must be finite, got {target!r}", field="target")
    return t


def _step_costs(costs, fw, current: np.ndarray) -> np.ndarray:
    """(n_indicators × n_levels) cost of the step that reaches each level (inf where no step)."""
    codes = [str(c) for c in fw.indicators["indicator"]]
    lv = np.arange(fw.level_min, fw.level_max + 1)
    C = np.ones((len(codes), len(lv)))
    if costs is not None:
        if isinstance(costs, pd.DataFrame):
            need = {"indicator", "to_level", "cost"}
            if not need <= set(costs.columns):
                raise SPBEError(f"costs table needs columns {sorted(need)}", field=sorted(need - set(costs.columns))[0])
            C[:] = np.nan
            ii = pd.Index(codes).get_indexer(costs["indicator"].astype(str))
            if (ii < 0).any():
                raise SPBEError("unknown indicator in costs", row=int(np.flatnonzero(ii < 0)[0]), field="indicator")
            jj = costs["to_level"].to_numpy() - fw.level_min
            if ((jj < 1) | (jj >= len(lv))).any():
                raise SPBEError("to_level outside the level range", row=int(np.flatnonzero((jj < 1) | (jj >= len(lv)))[0]),
                                field="to_level")
            C[ii, jj] = costs["cost"].to_numpy(float)
            C[:, 0] = np.inf  # no step reaches the lowest level
        else:
            s = pd.Series(costs, dtype=float) if isinstance(costs, dict) else pd.Series(costs).astype(float)
            s.index = s.index.map(str)
            missing = [c for c in codes if c not in s.index]
            if missing:
                raise SPBEError("no cost given for indicator (use inf to forbid its steps)", field=missing[0])
            extra = [c for c in s.index if c not in codes]
            if extra:
                raise SPBEError("cost given for an unknown indicator", field=extra[0])
            C = np.repeat(s[codes].to_numpy()[:, None], len(lv), axis=1)
    # only the steps above the current level matter
    above = lv[None, :] > current[:, None]
    bad = above & (np.isnan(C) | (C < 0))
    if bad.any():
        i, j = map(int, np.argwhere(bad)[0])
        raise SPBEError(f"cost of reaching level {lv[j]} must be a number ≥ 0 (inf forbids it), got {C[i, j]}",
                        row=codes[i], field="cost")
    return np.where(above, C, np.inf)


def _greedy(units: np.ndarray, current: np.ndarray, level_max: int, need: int) -> np.ndarray:
    """Steps per indicator of the fewest-steps plan (largest weight first)."""
    k = level_max - current
    ind = np.repeat(np.arange(len(units)), k)
    frm = np.concatenate([np.arange(c, level_max) for c in current]) if len(ind) else np.array([], int)
    order = np.lexsort((ind, frm, -units[ind]))  # weight desc, then lower current level, then framework order
    cum = np.cumsum(units[ind[order]])
    n_take = int(np.searchsorted(cum, need, side="left")) + 1 if need > 0 else 0
    return np.bincount(ind[order[:n_take]], minlength=len(units))


def _dp(units: np.ndarray, step_cost: np.ndarray, current: np.ndarray, level_min: int, need: int) -> np.ndarray:
    """Steps per indicator of the least-cost plan (exact group-knapsack DP over gain units)."""
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


def _domain_names(fw, ind: pd.DataFrame):
    """English theme of each indicator's domain (``name_en``: policy, governance, management, services), or NA."""
    domains = getattr(fw, "domains", None)
    if "domain" not in ind.columns or domains is None or "name_en" not in domains.columns:
        return pd.NA
    return ind["domain"].map(domains.set_index("domain")["name_en"]).to_numpy()


def plan_target(levels, framework, target, costs=None) -> pd.DataFrame:
    """The fewest (or cheapest) indicator-level increases that lift one institution to ``target``.

    Parameters
    ----------
    levels: the institution's current level per indicator: Series or dict keyed by indicator code, or a
        one-row wide DataFrame (``institution_id``/``institution_name`` columns are ignored).
    framework: a framework object or name (``"2020"``, ``"PermenPANRB 5/2018"``, ...).
    target: an index value (met when the unrounded index ≥ target) or a predicate name (its lower band edge).
    costs: ``None`` (each level step costs 1: fewest steps, greedy), a dict/Series indicator → cost per
        step, or a DataFrame ``indicator``, ``to_level``, ``cost`` (cost of the step reaching that level;
        steps not listed are forbidden). ``inf`` forbids a step.

    Returns one row per indicator to raise, sorted by gain (largest first): ``indicator``, ``name``,
    ``aspect``, ``domain``, ``domain_name`` (the domain's theme in English, e.g. "SPBE services", which is
    D3 in 5/2018 and D4 in 59/2020), ``current_level``, ``new_level``, ``steps``, ``gain`` (index points),
    ``gain_per_step``, ``cost``. ``attrs`` holds ``start_index``, ``final_index``, ``start_predicate``,
    ``final_predicate``, ``target_index``, ``total_steps``, ``total_cost``, ``framework``.
    An unreachable target raises :class:`SPBEError`.
    """
    fw = get_framework(framework)
    ind = fw.indicators.reset_index(drop=True)
    current = _levels_vector(levels, fw)
    units, per_percent = _weight_units(ind["weight"].to_numpy(float))
    scale = 100 * per_percent  # units per index point
    t = _target_value(target)
    start_units = int(units @ current)
    need = max(math.ceil(t * scale - 1e-6) - start_units, 0)
    max_gain = int(units @ (fw.level_max - current))
    if need > max_gain:
        raise SPBEError(f"target {t:.4g} is unreachable: the maximum index from these levels is "
                        f"{(start_units + max_gain) / scale:.4f}", field="target")
    step_cost = _step_costs(costs, fw, current)
    if costs is None:
        steps = _greedy(units, current, fw.level_max, need)
    else:
        steps = _dp(units, step_cost, current, fw.level_min, need)
        if steps is None:
            raise SPBEError(f"target {t:.4g} is unreachable with the allowed (finite-cost) steps", field="target")
    new = current + steps
    lv0 = fw.level_min
    cost = np.array([step_cost[i, current[i] - lv0 + 1: new[i] - lv0 + 1].sum() for i in range(len(ind))])
    plan = pd.DataFrame({
        "indicator": ind["indicator"].astype(str),
        "name": ind["name"] if "name" in ind.columns else ind["indicator"].astype(str),
        "aspect": ind["aspect"] if "aspect" in ind.columns else pd.NA,
        "domain": ind["domain"] if "domain" in ind.columns else pd.NA,
        "domain_name": _domain_names(fw, ind),
        "current_level": current,
        "new_level": new,
        "steps": steps.astype(np.int64),
        "gain": steps * units / scale,
        "gain_per_step": units / scale,
        "cost": cost,
        "_order": np.arange(len(ind)),
    })
    plan = (plan[plan["steps"] > 0].sort_values(["gain", "_order"], ascending=[False, True])
            .drop(columns="_order").reset_index(drop=True))
    start, final = start_units / scale, (start_units + int(units @ steps)) / scale
    band = lambda x: PREDICATES[int(np.searchsorted(PREDICATE_BANDS, round(x, 9), side="right"))]  # noqa: E731
    plan.attrs.update({
        "framework": getattr(fw, "name", None), "target_index": t, "start_index": start, "final_index": final,
        "start_predicate": band(start), "final_predicate": band(final), "total_steps": int(steps.sum()),
        "total_cost": float(cost.sum()),
    })
    return plan


def gain_per_step(framework) -> pd.DataFrame:
    """Index points one level step of each indicator is worth (its weight), largest first: where effort pays off."""
    fw = get_framework(framework)
    ind = fw.indicators
    dom_name = fw.domains.set_index("domain")["name_en"]
    out = pd.DataFrame({"indicator": ind["indicator"].astype(str), "name": ind["name"], "aspect": ind["aspect"],
                        "domain": ind["domain"], "domain_name": ind["domain"].map(dom_name).to_numpy(),
                        "gain_per_step": ind["weight"].to_numpy(float) / 100})
    return out.sort_values("gain_per_step", ascending=False, kind="stable").reset_index(drop=True)


def best_index_with_steps(levels, framework, n_steps: int) -> float:
    """The highest index reachable from ``levels`` with at most ``n_steps`` level steps (largest weights first).

    The dual of :func:`plan_target` with unit costs: what a fixed effort buys under a framework.
    """
    fw = get_framework(framework)
    if int(n_steps) != n_steps or n_steps < 0:
        raise SPBEError(f"n_steps must be a non-negative integer, got {n_steps!r}", field="n_steps")
    current = _levels_vector(levels, fw)
    units, per_percent = _weight_units(fw.indicators["weight"].to_numpy(float))
    room = fw.level_max - current
    step_units = np.sort(np.repeat(units, room))[::-1]
    return float(units @ current + step_units[: int(n_steps)].sum()) / (100 * per_percent)
