"""What a change of indicator framework does to scores: any A → B, the historic 2021 switch, and 2026.

Modules (every public name is also importable from ``spbe_research.impact``):

* :mod:`.decomposition` — exact shift-share decompositions (level, weight, added, removed parts; parts
  aligned by concept), the national series under both weight sets, the national trend and the right
  reference for a counterfactual;
* :mod:`.pairs` — the same institutions across a switch with the stage of both ends, changes judged
  against the national change over the same years, exact Hodges–Lehmann / Wilcoxon results for the
  headline and sensitivity subsets; two years under one framework (2023 → 2024);
* :mod:`.mapping` — crosswalk mapping of indicator values under named :class:`Assumptions` sets (how
  links carry over, what new indicators start at, the assessors' missing-external-index rule, scale);
* :mod:`.projection` — any switch A → B: re-banding, :func:`project` (a :class:`Projection` with
  ``.to_frame()``), exact bounds, ranges across sets, exposure, structure and concept decompositions,
  simulation over many profiles, crosswalk coverage;
* :mod:`.synthetic` — the 5/2018 → 59/2020 counterfactual on synthetic profiles.

Projected values are labelled ``projection``; synthetic ones ``synthetic``.
"""
from .decomposition import (PARTS, concept_frame, concept_levels, concept_weights, counterfactual_reference,
                            decomposition_summary, national_decomposition, national_mechanical, national_trend,
                            shift_share, shift_share_frame)
from .mapping import (DISAGGREGATION_RULES, EXTERNAL_RULES, LINK_RULES, NEW_RULES, RULE_GRADES, Assumptions,
                      LinkMatrix, assumption_sets, get_assumptions, input_level, leaf_values, linear_form,
                      link_matrix, map_values)
from .pairs import (STAGES, change_counts, domain_contributions, exact_signed_rank_p, pair_changes,
                    paired_change_tests, predicate_transitions, rank_stability, stage_subsets, switch_effect_tests, switch_pairs, transition_matrix,
                    transition_summary, trend_adjust, year_pairs)
from .projection import (PROJECTION_LABEL, Projection, crosswalk_coverage, dropped_exposure, project, project_sets,
                         projection_bounds, projection_summary, projector, rebanding, rebanding_summary,
                         structure_decomposition, switch_decomposition, switch_simulation)
from .synthetic import (NEW_INDICATOR_RULES, SCALE_RULES, historic_assumptions, indicators_without_predecessor,
                        map_profiles_to_2020, simulate_switch, simulation_seeds, synthetic_profiles_2018)

__all__ = [
    # decomposition
    "concept_weights", "concept_levels", "concept_frame", "shift_share", "shift_share_frame", "national_mechanical",
    "national_decomposition", "decomposition_summary", "national_trend", "counterfactual_reference", "PARTS",
    # pairs
    "switch_pairs", "year_pairs", "trend_adjust", "stage_subsets", "switch_effect_tests", "exact_signed_rank_p",
    "paired_change_tests", "predicate_transitions", "transition_summary", "transition_matrix", "rank_stability",
    "domain_contributions", "pair_changes", "change_counts", "STAGES",
    # mapping
    "Assumptions", "LinkMatrix", "assumption_sets", "get_assumptions", "link_matrix", "leaf_values", "input_level",
    "map_values", "linear_form", "LINK_RULES", "NEW_RULES", "EXTERNAL_RULES", "SCALE_RULES", "DISAGGREGATION_RULES",
    "RULE_GRADES",
    # projection
    "Projection", "project", "project_sets", "projection_bounds", "projection_summary", "rebanding",
    "rebanding_summary", "structure_decomposition", "switch_decomposition", "switch_simulation",
    "crosswalk_coverage", "dropped_exposure", "projector", "PROJECTION_LABEL",
    # synthetic (5/2018 -> 59/2020)
    "synthetic_profiles_2018", "map_profiles_to_2020", "simulate_switch", "simulation_seeds",
    "indicators_without_predecessor", "historic_assumptions", "NEW_INDICATOR_RULES",
]
