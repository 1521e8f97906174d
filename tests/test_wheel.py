"""Install and load anywhere: the wheel carries the processed data built from data/raw, and a fresh virtual
environment loads every table from any directory, saying which data version it serves."""
import json
import os
import shutil
import site
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import spbe_research
from spbe_research import datasets

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """Build the wheel from a copy of the sources with the processed set inside (as `make wheel` does)."""
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "spbe_research", src / "spbe_research",
                    ignore=shutil.ignore_patterns("__pycache__", "_data"))
    datasets.data_version()  # make sure the clone's set is built and current
    shutil.copytree(datasets.processed_dir().resolve(), src / "spbe_research" / "_data")
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(out), str(src)],
                   check=True, capture_output=True)
    (whl,) = out.glob("spbe_research-*.whl")
    return whl


def test_a_fresh_environment_loads_every_table_from_anywhere(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)], check=True,
                   capture_output=True)
    # the dependencies (pandas, numpy, ...) come from this environment's site-packages, appended after the fresh
    # environment's own: the package itself is the installed wheel, not this clone
    purelib = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    Path(purelib, "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    script = textwrap.dedent("""
        import json, spbe_research
        from spbe_research import SPBEError, datasets
        out = {"file": spbe_research.__file__, "version": datasets.data_version()}
        loaders = {"results": datasets.load_results, "national": datasets.load_national,
                   "aggregates": datasets.load_aggregates, "institutions": datasets.load_institutions,
                   "press_vs_official": datasets.load_press_cross_check,
                   "unmatched_names": datasets.load_unmatched_names, "covariates": datasets.load_covariates}
        out["rows"] = {name: len(load()) for name, load in loaders.items()}
        try:
            datasets.raw_dir()
            out["raw"] = "found"
        except SPBEError as e:
            out["raw"] = str(e)
        out["pemdi"] = spbe_research.predicate(2.59, "8/2026")
        print(json.dumps(out))
    """)
    env = {k: v for k, v in os.environ.items() if k not in ("SPBE_RESEARCH_DATA", "PYTHONPATH")}
    run = subprocess.run([str(py), "-c", script], cwd=tmp_path, env=env, check=True, capture_output=True, text=True)
    got = json.loads(run.stdout)
    assert got["file"].startswith(str(venv)), got["file"]
    assert got["version"]["served_from"] == "wheel"
    assert got["version"]["package_version"] == spbe_research.__version__
    assert got["version"]["build_id"] == datasets.data_version()["build_id"]  # the very set this clone serves
    expect = {"results": len(datasets.load_results()), "national": len(datasets.load_national()),
              "aggregates": len(datasets.load_aggregates()), "institutions": len(datasets.load_institutions()),
              "press_vs_official": len(datasets.load_press_cross_check()),
              "unmatched_names": len(datasets.load_unmatched_names()), "covariates": len(datasets.load_covariates())}
    assert got["rows"] == expect
    assert "raw data are not installed" in got["raw"]
    assert got["pemdi"] == "Baik"


def test_the_data_package_carries_the_version():
    descriptor = json.loads((datasets.processed_dir() / "datapackage.json").read_text())
    assert descriptor["version"] == spbe_research.__version__ == datasets.data_version()["package_version"]
