"""Sphinx extension of the spbe-research docs: pages generated from the package, and alt text for notebook figures.

At ``builder-inited`` it writes ``docs/generated/`` (git-ignored):

* ``data_dictionary.md`` — every table and column of the data package (``datapackage.json``), its type,
  description and allowed values;
* ``frameworks/<id>.md`` — one page per shipped framework from its definition (status, years, citation,
  legal basis, evidence grades, scale and level names, bands, the tree with weights, a sunburst figure with its
  description as alt text);
* ``notebooks/*.ipynb`` — copies of ``notebooks/``, rendered by MyST-NB from their **stored outputs** (no
  execution).

Alt text: MyST-NB honours only ``width``/``height`` from an output's metadata. :func:`_alt_from_output_metadata`
also copies ``alt`` (``{"image/png": {"alt": ...}}``, written by ``spbe_research.plotting.style.show``) onto the
image node, so the HTML gets ``<img alt="...">``.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1]
ROOT = DOCS.parent
OUT = DOCS / "generated"


# ------------------------------------------------------------------------------------------ helpers
def _cell(value) -> str:
    import pandas as pd

    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return text.replace("|", "\\|").replace("\n", " ").replace("*", "\\*")


def md_table(df, columns=None) -> str:
    """A DataFrame as a Markdown (MyST) table."""
    columns = list(df.columns) if columns is None else list(columns)
    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in df[columns].itertuples(index=False)]
    return "\n".join(lines) + "\n"


def _write(path: Path, text: str) -> None:
    """Write only when the text changed (keeps Sphinx's incremental build honest)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


# ------------------------------------------------------------------------------------------ pages
def data_dictionary_page() -> str:
    from spbe_research import export

    package = export.package_descriptor()
    parts = ["# Data dictionary\n",
             f"Generated from the data package (`datapackage.json`, *{package.get('title', '')}*), which the build "
             "writes beside the tables and validates with Frictionless. Load each table with "
             "`spbe_research.datasets.load_<table>()`; export them with `spbe_research.export` (see "
             "[Exports and report cards](../exports.md)).\n",
             "## Licences\n"]
    parts += [f"- **{lic.get('name', '')}**: {lic.get('title', '')}\n" for lic in package.get("licenses", [])]
    parts.append("\n## Sources\n")
    parts += [f"- {s.get('title', '')} (`{s.get('path', '')}`)\n" for s in package.get("sources", [])]
    for res in package["resources"]:
        import pandas as pd

        rows = pd.DataFrame([{"column": f"`{f['name']}`", "type": f.get("type", ""),
                              "description": f.get("description", ""),
                              "allowed values": ", ".join(map(str, f.get("constraints", {}).get("enum", []) or []))}
                             for f in res["schema"]["fields"]])
        parts.append(f"\n## `{res['name']}` ({res['path']})\n\n{res.get('description', '')}\n\n")
        parts.append(md_table(rows))
    return "".join(parts)


def framework_page(fw, figure: str | None) -> str:
    nodes = fw.nodes
    tree = nodes[[c for c in ("code", "parent", "level", "weight", "name", "name_en", "concept") if c in nodes.columns]]
    parts = [f"# {fw.name}\n\n", f"*{fw.title}*\n\n" if fw.title else "",
             md_table(__import__("pandas").DataFrame([
                 {"field": "status", "value": fw.status},
                 {"field": "evaluation years", "value": f"{fw.first_year or '–'} to {fw.last_year or 'open'}"},
                 {"field": "tree", "value": " → ".join(fw.tree_levels)},
                 {"field": "indicators", "value": len(fw.codes(fw.indicator_level))},
                 {"field": "scale", "value": f"{fw.scale_kind} {fw.scale_min:g}–{fw.scale_max:g}"},
                 {"field": "aggregation", "value": "; ".join(f"{level}: {how}" for level, how in fw.aggregation)
                  if not isinstance(fw.aggregation, str) else fw.aggregation},
                 {"field": "evidence grade", "value": fw.evidence_grade},
                 {"field": "load it", "value": f"`spbe_research.get_framework({fw.short!r})`"}])),
             "\n## Citation\n\n", f"{fw.citation}\n\n" if fw.citation else "–\n\n",
             "## Legal basis\n\n", f"{fw.legal_basis}\n\n" if fw.legal_basis else "–\n\n"]
    if fw.notes:
        parts += ["## Notes\n\n", f"{fw.notes}\n\n"]
    parts += ["## Evidence\n\nEvery group of facts carries a grade: A (official text or arithmetically verified), "
              "B (secondary sources that agree), C (a single or weak source).\n\n", md_table(fw.facts)]
    parts += ["\n## Capability levels\n\n", md_table(fw.level_names)]
    parts += ["\n## Predikat (predicate) bands\n\nBands apply to the unrounded index unless the edge rule says "
              "otherwise.\n\n", md_table(fw.bands_table)]
    if figure:
        from spbe_research.plotting.style import alt_text  # noqa: F401  (the alt text was written with the figure)

        parts += ["\n## Weights\n\n", figure, "\n"]
    parts += ["\n## The tree\n\nWeights are in percent of the whole index.\n\n", md_table(tree)]
    return "".join(parts)


def _sunburst(fw, folder: Path) -> str | None:
    """Save the framework's sunburst as SVG; return a MyST figure block with its alt text."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from spbe_research.plotting.frameworks import framework_sunburst
    from spbe_research.plotting.style import alt_text, save_figure

    ax = framework_sunburst(fw)
    name = f"{fw.id}_weights.svg"
    save_figure(ax, folder / name)
    alt = alt_text(ax).replace("\n", " ")
    plt.close(ax.figure)
    return f"```{{figure}} {name}\n:alt: {alt}\n\nWeights of {fw.name} by part, coloured by concept.\n```\n"


def generate(app=None) -> None:
    """Write every generated page and copy the notebooks."""
    import spbe_research as spbe

    OUT.mkdir(exist_ok=True)
    _write(OUT / "data_dictionary.md", data_dictionary_page())
    fw_dir = OUT / "frameworks"
    fw_dir.mkdir(exist_ok=True)
    pages = []
    for name in spbe.list_frameworks()["name"]:
        fw = spbe.get_framework(name)
        _write(fw_dir / f"{fw.id}.md", framework_page(fw, _sunburst(fw, fw_dir)))
        pages.append(fw.id)
    _write(fw_dir / "index.md", "# Frameworks\n\nOne page per shipped framework, generated from its definition "
           "(`spbe_research/data/frameworks/`).\n\n```{toctree}\n:maxdepth: 1\n\n" + "\n".join(pages) + "\n```\n")
    api_pages(OUT / "api")
    nb_dir = OUT / "notebooks"
    nb_dir.mkdir(exist_ok=True)
    sources = sorted((ROOT / "notebooks").glob("*.ipynb"))
    for old in nb_dir.glob("*.ipynb"):
        if old.name not in {s.name for s in sources}:
            old.unlink()
    for src in sources:
        dst = nb_dir / src.name
        if not dst.exists() or dst.read_bytes() != src.read_bytes():
            shutil.copyfile(src, dst)
    main = [s.stem for s in sources if not s.stem.endswith("_solutions")]
    solutions = [s.stem for s in sources if s.stem.endswith("_solutions")]
    _write(nb_dir / "index.md", "# Notebooks\n\nThe project's notebooks, rendered from their stored outputs (the "
           "test suite runs them under nbval, so every printed number is checked).\n\n```{toctree}\n:maxdepth: 1\n\n"
           + "\n".join(main) + "\n```\n\n## Solutions\n\n```{toctree}\n:maxdepth: 1\n\n" + "\n".join(solutions)
           + "\n```\n")


#: modules of the API reference, by group (one page each)
API_MODULES = {
    "Frameworks and scoring": ["spbe_research", "spbe_research.frameworks", "spbe_research.scoring",
                               "spbe_research.planning", "spbe_research.means", "spbe_research.errors",
                               "spbe_research.checks", "spbe_research.vocabulary"],
    "Data": ["spbe_research.datasets", "spbe_research.export", "spbe_research.report", "spbe_research.datapackage",
             "spbe_research.cleaning", "spbe_research.registry", "spbe_research.press", "spbe_research.news",
             "spbe_research.covariates", "spbe_research.importer", "spbe_research.paths"],
    "Analyses": ["spbe_research.reproduce", "spbe_research.impact", "spbe_research.compare",
                 "spbe_research.sensitivity", "spbe_research.audit", "spbe_research.stats", "spbe_research.models"],
    "Figures": ["spbe_research.plotting.style", "spbe_research.plotting.frameworks", "spbe_research.plotting.groups",
                "spbe_research.plotting.maps", "spbe_research.plotting.impact", "spbe_research.plotting.sensitivity",
                "spbe_research.plotting.models", "spbe_research.plotting.switch", "spbe_research.plotting.audit"],
}


def api_pages(folder: Path) -> None:
    """One page per module (autodoc) and an index grouped as :data:`API_MODULES`."""
    folder.mkdir(exist_ok=True)
    index = ["# API reference\n\nGenerated from the docstrings. Examples (`>>>`) run as doctests in `make docs`.\n"]
    for group, modules in API_MODULES.items():
        index.append(f"\n## {group}\n\n```{{toctree}}\n:maxdepth: 1\n\n" + "\n".join(modules) + "\n```\n")
        for mod in modules:
            # the package page lists the top-level API without repeating the members documented in submodules
            options = "   :no-members:\n" if mod == "spbe_research" else ""
            _write(folder / f"{mod}.md", f"# `{mod}`\n\n```{{eval-rst}}\n.. automodule:: {mod}\n{options}```\n")
    _write(folder / "index.md", "".join(index))


# ------------------------------------------------------------------------------------------ alt text
#: alt text of a notebook figure whose plotting code does not describe it yet (see plotting.style)
NO_DESCRIPTION = "Figure without a description yet (its notebook shows it with plt.show instead of plotting.style.show)."


def _alt_from_output_metadata() -> None:
    from myst_nb.core.render import NbElementRenderer

    if getattr(NbElementRenderer.render_image, "_spbe_alt", False):
        return
    original = NbElementRenderer.render_image

    def render_image(self, data):
        nodes = original(self, data)
        alt = (data.output_metadata.get(data.mime_type, {}) or {}).get("alt") or data.output_metadata.get("alt")
        for node in nodes:  # a figure not yet described says so, rather than reading out a file name
            node["alt"] = str(alt) if alt else NO_DESCRIPTION
        return nodes

    render_image._spbe_alt = True
    NbElementRenderer.render_image = render_image


# ------------------------------------------------------------------------------------------ docstrings
def _rst_problems(text: str) -> bool:
    """True when plain docutils reports a warning or error for ``text`` (Sphinx roles read as literals)."""
    import io

    from docutils import nodes
    from docutils.core import publish_doctree

    from docutils.parsers.rst import roles

    names = set(re.findall(r":([\w:.-]+):`", text))
    probe = re.sub(r"^(\s*)\.\. (py:)?(attribute|method|function|class|data|versionadded|versionchanged|deprecated|"
                   r"seealso|autolink-skip|plot)::", r"\1.. note::", text, flags=re.M)
    from docutils.parsers.rst import directives

    saved_roles, saved_directives = dict(roles._roles), dict(directives._directives)
    patched = (directives.directive, roles.role)  # Sphinx swaps these lookups while it reads a document
    try:  # plain docutils for this parse only: its own directives, Sphinx's roles (func, class, ...) as literals
        directives.directive, roles.role = _DOCUTILS_LOOKUPS
        roles._roles.clear()
        directives._directives.clear()
        for name in names:
            roles._roles[name] = roles.GenericRole(name, nodes.literal)
        doc = publish_doctree(probe, settings_overrides={"report_level": 5, "halt_level": 5,
                                                          "warning_stream": io.StringIO()})
    finally:
        directives.directive, roles.role = patched
        roles._roles.clear()
        roles._roles.update(saved_roles)
        directives._directives.clear()
        directives._directives.update(saved_directives)
    return any(m["level"] >= 2 for m in doc.findall(nodes.system_message)) or any(
        True for _ in doc.findall(nodes.problematic))


def _safe_docstring(app, what, name, obj, options, lines) -> None:
    """Show a docstring that is not valid reStructuredText as preformatted text instead of failing the build.

    Many docstrings of the package are written as plain text (``|x|`` for absolute values, lists without blank
    lines); as literal blocks they read exactly as written, and the site still builds with warnings as errors.
    """
    text = "\n".join(lines)
    if text.strip() and _rst_problems(text):
        lines[:] = ["::", ""] + [("    " + line) if line.strip() else "" for line in text.splitlines()] + [""]


def _docutils_lookups():
    from docutils.parsers.rst import directives, roles

    return directives.directive, roles.role


#: docutils' own directive and role lookups, taken before Sphinx reads anything (it patches them per document)
_DOCUTILS_LOOKUPS = _docutils_lookups()


def setup(app):
    _alt_from_output_metadata()
    app.connect("builder-inited", generate)
    app.connect("autodoc-process-docstring", _safe_docstring, priority=900)  # after napoleon
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
