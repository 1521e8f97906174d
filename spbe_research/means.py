"""Pluggable weighted means: the vocabulary of aggregation methods and their one implementation.

A method is ``"arithmetic"`` (exponent 1, the official SPBE and Indeks Pemdi rule), ``"geometric"`` (0),
``"harmonic"`` (-1), ``"power:p"`` or a number p: the generalised (power) mean ``(Σ w xᵖ)^(1/p)``. Lower
exponents penalise unbalanced profiles (less compensation between parts), as in the JRC/OECD handbook.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from .errors import SPBEError

__all__ = ["mean_exponent", "weighted_mean", "NAMED_MEANS"]

#: Named means and their exponents.
NAMED_MEANS = {"arithmetic": 1.0, "geometric": 0.0, "harmonic": -1.0}


def mean_exponent(method) -> float:
    """The power-mean exponent of an aggregation method: ``"arithmetic"`` 1, ``"geometric"`` 0, ``"harmonic"``
    -1, ``"power:p"`` or a number p (generalised mean ``(Σ w xᵖ)^(1/p)``)."""
    if isinstance(method, str):
        m = method.strip().lower()
        if m in NAMED_MEANS:
            return NAMED_MEANS[m]
        if m.startswith("power:"):
            try:
                p = float(m.split(":", 1)[1])
            except ValueError:
                p = math.nan
            if math.isfinite(p):
                return p
    elif isinstance(method, numbers.Real) and not isinstance(method, bool) and math.isfinite(float(method)):
        return float(method)
    raise SPBEError(f"aggregation must be 'arithmetic', 'geometric', 'harmonic', 'power:<p>' or a number p, "
                    f"got {method!r}", field="aggregation")


def weighted_mean(X, W, method="arithmetic") -> np.ndarray:
    """Weighted power means of the rows of ``X`` (n × c) with weights ``W`` (c,) or (c × k), columns summing
    to 1: (n,) or (n × k). Zeros give 0 for p ≤ 0 (the limit), values must be ≥ 0 unless p = 1.

    Stacks broadcast like :func:`numpy.matmul`: ``X`` (d × n × c) and/or ``W`` (d × c × k) give (d × n × k),
    one weight set (and value set) per draw of a Monte Carlo or Sobol design."""
    p = mean_exponent(method)
    X = np.asarray(X, dtype=float)
    W = np.asarray(W, dtype=float)
    if p == 1.0:
        return X @ W
    if np.nanmin(X, initial=0.0) < 0:
        raise SPBEError(f"a {method!r} mean needs values ≥ 0", field="aggregation")
    if p == 0:
        zero = X == 0
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.exp(np.log(np.where(zero, 1.0, X)) @ W)
        if zero.any():
            out = np.where(zero.astype(float) @ (W > 0) > 0, 0.0, out)
        return out
    return _scaled_power_mean(X, W, p)


def _scaled_power_mean(X: np.ndarray, W: np.ndarray, p: float) -> np.ndarray:
    """``(Σ w xᵖ)^(1/p)`` without overflow: each output column is computed from its own weighted columns scaled
    by their largest (p > 0) or smallest (p < 0) value, so every power is at most 1 and the scaling column adds
    its full weight (no ``inf · 0`` from an unweighted column, no underflow to 0 of the whole sum). One pass
    per output column (a parent node), never per row."""
    vector = W.ndim == 1
    Wm = W[:, None] if vector else W
    k = Wm.shape[-1]
    cols = []
    for j in range(k):
        w = Wm[..., :, j]                               # (c,) or (d × c)
        used = (w > 0)[..., None, :]                    # broadcast over the rows of X
        if p > 0:
            s = np.where(used, X, -np.inf).max(axis=-1, keepdims=True)
        else:
            s = np.where(used, X, np.inf).min(axis=-1, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
            ratio = np.where(used, X / s, 0.0)
            powered = np.where(used, ratio ** p, 0.0)
            total = np.einsum("...nc,...c->...n", powered, w)
            out = s[..., 0] * total ** (1.0 / p)
        # s = 0: a weighted zero (p < 0, the limit is 0) or every weighted value zero (p > 0)
        cols.append(np.where(s[..., 0] == 0, 0.0, out))
    res = np.stack(cols, axis=-1)
    return res[..., 0] if vector else res
