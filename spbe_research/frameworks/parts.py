"""The small immutable parts of a framework: a predicate band and a conversion from an external index."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Band", "Conversion"]


@dataclass(frozen=True)
class Band:
    """One predicate band ``[lower, upper)`` (the last band includes its upper edge)."""

    name: str
    name_en: str
    lower: float
    upper: float


@dataclass(frozen=True)
class Conversion:
    """How an external index (another agency's score) becomes an indicator value on the framework's scale.

    ``kind``: ``"thresholds"`` (``breaks`` cut the input range into ``len(breaks) + 1`` intervals mapped to
    ``values``; ``closed`` says which side of each interval is closed), ``"linear"`` (``input_min..input_max``
    mapped linearly onto ``output_min..output_max``) or ``"given"`` (the rule is not known: the caller supplies
    the value already on the framework's scale). ``missing``: the value assessors use when the external index
    is missing (PermenPANRB 8/2026: 1), applied only on request.
    """

    id: str
    indicator: str
    external_index: str
    kind: str
    input_min: float
    input_max: float
    breaks: tuple = ()
    values: tuple = ()
    closed: str = "right"
    output_min: float | None = None
    output_max: float | None = None
    missing: float | None = None
    evidence_grade: str = ""
    source: str = ""

    def apply(self, x: np.ndarray) -> np.ndarray:
        """Converted values (NaN stays NaN); the caller has checked the input range."""
        x = np.asarray(x, dtype=float)
        if self.kind == "thresholds":
            # the number of breaks below x (closed="right": a value on a break belongs to the lower range);
            # a handful of breaks: one comparison each beats a binary search per value
            idx = np.zeros(x.shape, dtype=np.intp)
            for b in self.breaks:
                idx += (x > b) if self.closed == "right" else (x >= b)
            out = np.asarray(self.values, dtype=float)[np.minimum(idx, len(self.values) - 1)]
            out[np.isnan(x)] = np.nan
            return out
        if self.kind == "linear":
            a = (self.output_max - self.output_min) / (self.input_max - self.input_min)
            return self.output_min + a * (x - self.input_min)
        return x.copy()

    def describe(self) -> str:
        """The rule in words, as reported beside each converted value."""
        if self.kind == "thresholds":
            edges = list(self.breaks)
            if self.closed == "right":
                parts = [f"x ≤ {edges[0]:g} → {self.values[0]:g}"] + [
                    f"{lo:g} < x ≤ {hi:g} → {v:g}" for lo, hi, v in zip(edges[:-1], edges[1:], self.values[1:-1])
                ] + [f"x > {edges[-1]:g} → {self.values[-1]:g}"]
            else:
                parts = [f"x < {edges[0]:g} → {self.values[0]:g}"] + [
                    f"{lo:g} ≤ x < {hi:g} → {v:g}" for lo, hi, v in zip(edges[:-1], edges[1:], self.values[1:-1])
                ] + [f"x ≥ {edges[-1]:g} → {self.values[-1]:g}"]
            return f"{self.id}: thresholds ({'; '.join(parts)})"
        if self.kind == "linear":
            return (f"{self.id}: linear {self.input_min:g}..{self.input_max:g} → "
                    f"{self.output_min:g}..{self.output_max:g}")
        return f"{self.id}: given (value used as supplied on the framework's scale)"
