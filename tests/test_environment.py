"""environment.yml (conda-forge) and pyproject.toml must list the same dependencies and versions."""
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _split(spec: str) -> tuple[str, str]:
    m = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", spec)
    return m.group(1).lower().replace("_", "-"), m.group(2).replace(" ", "")


def conda_dependencies(text: str) -> dict:
    deps, in_deps = {}, False
    for line in text.splitlines():
        if line.startswith("dependencies:"):
            in_deps = True
            continue
        m = re.match(r"^  - (.+)$", line)  # top-level list items only; the pip: block is nested deeper
        if in_deps and m and not m.group(1).startswith("pip:"):
            name, spec = _split(m.group(1))
            if name not in ("python", "pip"):
                deps[name] = spec
    return deps


def test_environment_yml_matches_pyproject():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    project = pyproject["project"]
    extras = project.get("optional-dependencies", {})
    # the conda env has every extra except "parquet" (pyarrow changes pandas' string storage; see pyproject.toml)
    assert set(extras) == {"docs", "parquet"}
    in_conda = [d for name, group in extras.items() if name != "parquet" for d in group]
    pip_deps = dict(_split(d) for d in project["dependencies"] + in_conda)
    conda = conda_dependencies((ROOT / "environment.yml").read_text())
    assert conda == pip_deps


def test_conda_parser_sees_the_list():
    text = "name: x\ndependencies:\n  - python>=3.11\n  - pip\n  - numpy>=2\n  - pip:\n      - -e .\n"
    assert conda_dependencies(text) == {"numpy": ">=2"}


def test_python_versions_agree():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pyproject["project"]["requires-python"] == ">=3.11"
    assert "  - python>=3.11" in (ROOT / "environment.yml").read_text().splitlines()
