"""Command line: ``python -m spbe_research <command> ...``.

Commands
    report   a one-page report card for one institution (``report 35.06 --out card.html``)
    export   the built data as Excel, Stata and Parquet (``export exports/``)

Each command is a module with ``add_arguments(parser)`` and ``run(args) -> exit code``; add one to
``COMMANDS`` to add a command.
"""
from __future__ import annotations

import argparse
import importlib
import sys

#: command → (module, one-line help)
COMMANDS = {
    "report": ("spbe_research.report", "one-page report card for one institution (self-contained HTML)"),
    "export": ("spbe_research.export", "export the built data as Excel, Stata (.dta) and Parquet"),
}


def main(argv=None) -> int:
    from . import __version__

    parser = argparse.ArgumentParser(prog="python -m spbe_research",
                                     description="spbe-research: SPBE index data, report cards and exports.")
    parser.add_argument("--version", action="version", version=f"spbe-research {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="command")
    modules = {}
    for name, (module, help_text) in COMMANDS.items():
        mod = importlib.import_module(module)
        mod.add_arguments(sub.add_parser(name, help=help_text, description=help_text))
        modules[name] = mod
    args = parser.parse_args(argv)
    return modules[args.command].run(args)


if __name__ == "__main__":
    sys.exit(main())
