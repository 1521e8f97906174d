"""The 5/2018 → 59/2020 counterfactual on SYNTHETIC capability profiles (notebook 04, section 5).

No institution's 5/2018 indicator levels are published, so the historic switch is simulated on seeded,
labelled synthetic profiles, mapped through the 2018 → 2020 crosswalk by the generic engine
(:func:`~spbe_research.impact.mapping.map_values`, :func:`~spbe_research.impact.projection.switch_simulation`)
under the historic rule names:

* :data:`NEW_INDICATOR_RULES` — ``level_1``, ``own_mean``, ``national_2021``, ``level_5`` (the generic
  ``scale_min``, ``own_mean``, ``national_first_year``, ``scale_max``);
* :data:`SCALE_RULES` — ``clip``, ``shift``, ``rescale`` (0-5 → 1-5).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import SPBEError
from ..frameworks import framework_for_year, get_framework
from ..scoring import EDGE_EPS, evaluate
from ..stats import N_BOOT
from .mapping import Assumptions, link_matrix, map_values
from .projection import switch_simulation

__all__ = [
    "synthetic_profiles_2018", "map_profiles_to_2020", "simulate_switch", "simulation_seeds",
    "indicators_without_predecessor", "historic_assumptions", "NEW_INDICATOR_RULES", "SCALE_RULES",
]

#: How 2020 indicators with no 2018 predecessor are filled (historic names).
NEW_INDICATOR_RULES = {
    "level_1": "new indicators at level 1 (nothing in place yet: the lowest 59/2020 level)",
    "own_mean": "new indicators at the profile's own mean mapped level (rounded half up)",
    "national_2021": "new indicators drawn around the 2021 national mean of their domain (N(mean, 0.75), rounded, clipped 1-5)",
    "level_5": "new indicators at level 5 (upper bound; for monotonicity checks)",
}
#: How a 2018 level on 0-5 becomes a 59/2020 level on 1-5 (historic descriptions of the generic rules).
SCALE_RULES = {
    "clip": "0 → 1, 1-5 unchanged",
    "shift": "+1, then 6 → 5",
    "rescale": "linear 0-5 → 1-5 (1 + 0.8·level), rounded half up",
}
_GENERIC_NEW = {"level_1": "scale_min", "own_mean": "own_mean", "national_2021": "national_first_year",
                "level_5": "scale_max"}


def historic_assumptions(new_indicators: str, scale: str) -> Assumptions:
    """The generic :class:`~spbe_research.impact.mapping.Assumptions` behind a historic rule pair."""
    if scale not in SCALE_RULES:
        raise SPBEError(f"unknown scale rule {scale!r}; use one of {sorted(SCALE_RULES)}", field="scale")
    if new_indicators not in NEW_INDICATOR_RULES:
        raise SPBEError(f"unknown new-indicator rule {new_indicators!r}; use one of {sorted(NEW_INDICATOR_RULES)}",
                        field="new_indicators")
    return Assumptions(f"{new_indicators}|{scale}", links="all", new_indicators=_GENERIC_NEW[new_indicators],
                       external="carry", scale=scale,
                       description=f"{NEW_INDICATOR_RULES[new_indicators]}; scale: {SCALE_RULES[scale]}")


def _national_domain_means(year: int) -> dict:
    """The published national domain means of an evaluation year (Laporan 2024 Tabel 4), from the panel."""
    from ..datasets import load_national  # analyses read data only through datasets

    nat = load_national()
    row = nat[nat["year"] == year]
    if row.empty:
        raise SPBEError(f"no national domain means for {year}", field="year")
    fw = framework_for_year(year)
    return {d: float(row[d].iloc[0]) for d in fw.domain_codes}


#: index name of synthetic profiles (the label that they are synthetic)
SYNTHETIC_INDEX = "synthetic_unit"


def synthetic_profiles_2018(n: int = 2000, seed: int | np.random.SeedSequence = 0, domain_means=None,
                            institution_sd: float = 0.8, item_sd: float = 0.7) -> pd.DataFrame:
    """SYNTHETIC 2018-framework capability profiles (levels 0-5), for simulation only.

    level = clip(round(μ_domain + θ_unit + ε), 0, 5) with θ_unit ~ N(0, institution_sd) shared by a
    unit's indicators and ε ~ N(0, item_sd) per indicator. Default μ are the 2020 national domain
    means (the last 5/2018 evaluation), so the synthetic population is roughly centred like it.
    Columns: the 37 scored items of 5/2018; index ``synthetic_unit`` (``syn_0000``…): the label says the rows
    are synthetic and travels with the frame (``DataFrame.attrs`` would be dropped by pandas operations).
    """
    if n < 1:
        raise SPBEError(f"n must be positive, got {n}", field="n")
    fw = get_framework("2018")
    if domain_means is None:
        domain_means = tuple(_national_domain_means(fw.last_year).values())
    rng = np.random.default_rng(seed)
    mu = pd.Series(dict(zip(fw.domain_codes, domain_means)))
    item_mu = fw.indicators["domain"].map(mu).to_numpy(float)
    theta = rng.normal(0.0, institution_sd, size=(n, 1))
    eps = rng.normal(0.0, item_sd, size=(n, item_mu.size))
    levels = np.clip(np.floor(item_mu + theta + eps + 0.5), 0, 5).astype(int)
    out = pd.DataFrame(levels, columns=list(fw.indicator_codes),
                       index=pd.Index([f"syn_{i:04d}" for i in range(n)], name=SYNTHETIC_INDEX))
    return out


def indicators_without_predecessor() -> pd.DataFrame:
    """The 59/2020 indicators with no 5/2018 predecessor in the crosswalk (filled by the new-indicator rule).

    Columns: ``indicator``, ``name``, ``name_en``, ``domain``, ``aspect``, ``weight`` (percent of the index).
    """
    fw20 = get_framework("2020")
    lm = link_matrix("2018", "2020")
    cols = [c for c in ("indicator", "name", "name_en", "domain", "aspect", "weight") if c in fw20.indicators.columns]
    return fw20.indicators.loc[~lm.has_pred, cols].reset_index(drop=True)


def map_profiles_to_2020(profiles: pd.DataFrame, new_indicators: str = "level_1", scale: str = "clip",
                         seed: int | np.random.SeedSequence = 0) -> pd.DataFrame:
    """Map 2018 profiles (levels 0-5) to 59/2020 levels (1-5), indicator by indicator.

    1. ``scale`` rule on every 2018 level (see :data:`SCALE_RULES`);
    2. a 2020 indicator with predecessors takes the mean of its predecessors' converted levels, rounded
       half up (one-to-many links copy the level; many-to-one links average);
    3. a 2020 indicator with no predecessor (20 of 47, :func:`indicators_without_predecessor`) follows
       ``new_indicators`` (see :data:`NEW_INDICATOR_RULES`).
    The generic engine (:func:`~spbe_research.impact.mapping.map_values`) does the work.
    """
    asm = historic_assumptions(new_indicators, scale)
    fw18, fw20 = get_framework("2018"), get_framework("2020")
    missing = [c for c in fw18.indicator_codes if c not in profiles.columns]
    if missing:
        raise SPBEError(f"profile column for 2018 indicator {missing[0]} missing", field=missing[0])
    lv = profiles[list(fw18.indicator_codes)].to_numpy(float)
    if np.isnan(lv).any() or (lv < 0).any() or (lv > 5).any() or (lv != np.floor(lv)).any():
        raise SPBEError("2018 levels must be whole numbers 0-5", field="level")
    means = _national_domain_means(fw20.first_year) if new_indicators == "national_2021" else None
    out, _ = map_values(lv, fw18, fw20, asm, seed=seed, national_means=means)
    return pd.DataFrame(out.astype(int), index=profiles.index, columns=list(fw20.indicator_codes))


def simulation_seeds(seed: int) -> tuple[np.random.SeedSequence, np.random.SeedSequence, np.random.SeedSequence]:
    """Independent child seeds of ``seed`` for :func:`simulate_switch`: (profiles, mapping, bootstrap).

    ``numpy.random.SeedSequence(seed).spawn(3)``: the synthetic profiles, the random fill of new
    indicators (``national_2021`` rule) and the bootstrap each draw from their own stream.
    """
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise SPBEError(f"seed must be a non-negative integer, got {seed!r}", field="seed")
    a, b, c = np.random.SeedSequence(int(seed)).spawn(3)
    return a, b, c


def simulate_switch(n_profiles: int = 2000, seed: int = 0, new_indicators=None, scales=None,
                    n_boot: int = N_BOOT, profiles: pd.DataFrame | None = None,
                    index_2018_range: tuple[float, float] | None = None) -> pd.DataFrame:
    """Expected index shift when the same (synthetic) capabilities are re-scored under 59/2020.

    For every combination of a new-indicator rule and a scale rule (the generic
    :func:`~spbe_research.impact.projection.switch_simulation`): ``mean_index_2018``,
    ``mean_index_2020``, ``mean_shift`` with a bootstrap 95 % CI, ``median_shift``, ``shift_p05`` /
    ``shift_p95``, ``share_lower``, then the assumption set's generic rules and evidence grade and the
    share of profiles whose predicate band falls or rises; ``synthetic`` is always True.
    ``index_2018_range=(lo, hi)`` keeps only profiles whose 5/2018 index lies in ``[lo, hi]``.
    Randomness: three independent streams spawned from ``seed`` (:func:`simulation_seeds`).
    """
    fw18, fw20 = get_framework("2018"), get_framework("2020")
    new_indicators = list(NEW_INDICATOR_RULES) if new_indicators is None else list(new_indicators)
    scales = list(SCALE_RULES) if scales is None else list(scales)
    sets = [historic_assumptions(r, s) for r in new_indicators for s in scales]
    seed_profiles, seed_map, seed_boot = simulation_seeds(seed)
    prof = synthetic_profiles_2018(n_profiles, seed_profiles) if profiles is None else profiles
    if index_2018_range is not None:
        idx18 = evaluate(prof[list(fw18.indicator_codes)].to_numpy(float), fw18)[:, -1]
        keep = (idx18 >= index_2018_range[0] - EDGE_EPS) & (idx18 <= index_2018_range[1] + EDGE_EPS)
        if keep.sum() < 10:
            raise SPBEError(f"only {int(keep.sum())} profiles have a 2018 index in {index_2018_range}; "
                            "use more profiles or a wider range", field="index_2018_range")
        prof = prof[keep]
    means = _national_domain_means(fw20.first_year) if "national_2021" in new_indicators else None
    sim = switch_simulation(prof[list(fw18.indicator_codes)], sets, from_framework=fw18, to_framework=fw20,
                            n_boot=n_boot, seed_map=seed_map, seed_boot=seed_boot, national_means=means,
                            label="synthetic")
    rules = pd.DataFrame([(r, s) for r in new_indicators for s in scales], columns=["new_indicators", "scale"])
    out = pd.concat([rules, sim.rename(columns={
        "n": "n_profiles", "mean_index_from": "mean_index_2018", "mean_index_to": "mean_index_2020",
        "new_indicators": "new_indicators_rule", "scale": "scale_rule"})], axis=1)
    out["synthetic"] = True
    first = ["new_indicators", "scale", "n_profiles", "mean_index_2018", "mean_index_2020", "mean_shift", "ci95_low",
             "ci95_high", "median_shift", "shift_p05", "shift_p95", "share_lower", "synthetic"]
    rest = [c for c in out.columns if c not in first and c not in ("new_indicators_rule", "scale_rule")]
    return out[first + rest]
