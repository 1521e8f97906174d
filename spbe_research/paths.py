"""Where the data lives: ``data/raw`` and ``data/processed`` of a clone, or ``$SPBE_RESEARCH_DATA``.

A small module at the bottom of the package so that every reader of raw files (the registry, the press
parser, the maps) finds them the same way without importing the build (:mod:`.datasets`).
"""
from __future__ import annotations

import os
from pathlib import Path

from .errors import SPBEError

__all__ = ["raw_dir", "processed_dir", "raw_path"]


def _repo_root() -> Path | None:
    here = Path(__file__).resolve().parent.parent
    return here if (here / "data" / "raw").is_dir() and (here / "pyproject.toml").exists() else None


def raw_dir() -> Path:
    """``data/raw`` of the project (``SPBE_RESEARCH_DATA``/../raw when that variable is set)."""
    env = os.environ.get("SPBE_RESEARCH_DATA")
    if env:
        return Path(env).absolute().parent / "raw"
    root = _repo_root()
    if root is None:
        raise SPBEError("cannot find data/raw: install the package from a clone (pip install -e .) "
                        "or set SPBE_RESEARCH_DATA to the processed-data folder")
    return root / "data" / "raw"


def processed_dir() -> Path:
    """``data/processed`` of the project, or ``$SPBE_RESEARCH_DATA`` (the link users see, not its target)."""
    env = os.environ.get("SPBE_RESEARCH_DATA")
    return Path(env).absolute() if env else raw_dir().parent / "processed"


def raw_path(*parts: str) -> Path:
    """A file or folder under ``data/raw`` (e.g. ``raw_path("regions", "regencies.csv")``); raises if absent."""
    p = raw_dir().joinpath(*parts)
    if not p.exists():
        raise SPBEError("raw data file not found (is SPBE_RESEARCH_DATA set to the processed folder of a "
                        "clone?)", file=str(p))
    return p
