"""Figures for the package. One predicate colour map for every figure (see :mod:`.style`)."""
from .style import PREDICATE_COLORS, apply_style  # noqa: F401
