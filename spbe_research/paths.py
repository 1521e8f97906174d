"""Where the data lives, in this order: ``$SPBE_RESEARCH_DATA`` (a processed folder); ``data/raw`` and
``data/processed`` of a clone; the processed set shipped inside an installed wheel (``spbe_research/_data``,
built from ``data/raw`` by ``make wheel``).

A small module at the bottom of the package so that every reader of raw files (the registry, the press
parser, the maps) finds them the same way without importing the build (:mod:`.datasets`).
"""
from __future__ import annotations

import os
from pathlib import Path

from .errors import SPBEError

__all__ = ["raw_dir", "processed_dir", "raw_path", "packaged_dir", "is_packaged"]

#: The processed set shipped in a wheel (absent in a clone and in an editable install).
#: name of the checksum manifest of data/raw (one "sha256  path" line per raw file)
MANIFEST = "MANIFEST.sha256"
PACKAGED = Path(__file__).resolve().parent / "_data"


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
        raise SPBEError("the raw data are not installed with the package (the processed tables are: load them "
                        "with spbe_research.datasets); to rebuild from raw, work in a clone (pip install -e .)")
    return root / "data" / "raw"


def packaged_dir() -> Path | None:
    """The processed set inside an installed wheel, or None."""
    return PACKAGED if (PACKAGED / "build_manifest.json").is_file() else None


def is_packaged(folder: Path) -> bool:
    """Whether ``folder`` is the read-only processed set shipped in the wheel (never rebuilt)."""
    return packaged_dir() is not None and Path(folder).absolute() == PACKAGED


def processed_dir() -> Path:
    """``$SPBE_RESEARCH_DATA``, else ``data/processed`` of a clone (the link users see, not its target), else the
    processed set shipped in the wheel."""
    env = os.environ.get("SPBE_RESEARCH_DATA")
    if env:
        return Path(env).absolute()
    root = _repo_root()
    if root is None and packaged_dir() is not None:
        return PACKAGED
    return raw_dir().parent / "processed"


def raw_path(*parts: str) -> Path:
    """A file or folder under ``data/raw`` (e.g. ``raw_path("regions", "regencies.csv")``); raises if absent."""
    p = raw_dir().joinpath(*parts)
    if not p.exists():
        raise SPBEError("raw data file not found (is SPBE_RESEARCH_DATA set to the processed folder of a "
                        "clone?)", file=str(p))
    return p
