"""The concept vocabulary that tags domains and aspects across frameworks (policy, governance, services...)."""
from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd

from ..errors import SPBEError

__all__ = ["concepts", "concept_vocabulary", "data_dir", "example_path"]


def data_dir():
    """The package-data folder of the shipped framework definitions."""
    return resources.files("spbe_research") / "data" / "frameworks"


@lru_cache(maxsize=None)
def _concepts() -> pd.DataFrame:
    with (data_dir() / "concepts.csv").open("r", encoding="utf-8") as f:
        return pd.read_csv(f, dtype=str, keep_default_na=False)


def concepts() -> pd.DataFrame:
    """The concept vocabulary (``concept``, ``name``, ``name_en``, ``description``): one concept, one colour in
    every figure of the package, whatever code a framework gives the part."""
    return _concepts().copy()


@lru_cache(maxsize=None)
def concept_vocabulary() -> tuple:
    return tuple(_concepts()["concept"])


def example_path(name: str = "village_digital_index") -> Path:
    """Folder of a small example definition shipped for teaching (copy it to write your own framework)."""
    p = Path(str(resources.files("spbe_research") / "data" / "examples" / name))
    if not (p / "framework.toml").is_file():
        raise SPBEError(f"no example framework {name!r}", field="name")
    return p
