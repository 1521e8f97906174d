"""Write the flattened-table passages of the news evaluation sets (run once; output committed).

Web pages that copy a KemenPANRB result table often lose the cell borders, so the text reads
"1Kementerian Koordinator ...3,01Baik". These passages rebuild such text from rows of the official
report tables (``data/processed/results.csv``, ``source_kind == "official_report"``, built by
``make data``): the VALUES ARE REAL (each row traces to the report line in ``source_line``); the
flattening is constructed. Deterministic: rows in report order, no randomness.

    .venv/bin/python tests/news_eval/make_table_passages.py
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd

HERE = Path(__file__).parent
RESULTS = HERE.parents[1] / "data" / "processed" / "results.csv"

# (set, id, query on the official rows, header line, row separator)
TABLES = [
    ("heldout", "T101", 'year == 2024 and province_name == "Jawa Timur"',
     "Tabel 32. Hasil Evaluasi SPBE Pemerintah Daerah di Jawa Timur Tahun 2024\nNoNama InstansiIndeksPredikat", "\n"),
    ("heldout", "T102", 'year == 2023 and institution_type == "kementerian"',
     "Hasil Evaluasi SPBE Kementerian Tahun 2023 NoNama InstansiIndeksPredikat", " "),
    ("dev", "T201", 'year == 2024 and province_name == "Sulawesi Selatan"',
     "Hasil Evaluasi SPBE Pemerintah Daerah di Sulawesi Selatan Tahun 2024\nNoInstansiIndeks SPBEPredikat", "\n"),
]


def label_name(row) -> str:
    """The institution as the passage names it, in the extractor's convention."""
    if row.institution_type in ("provinsi", "kabupaten", "kota"):
        return row.institution_name
    return row.name_as_published


def main() -> None:
    results = pd.read_csv(RESULTS)
    official = results[results["source_kind"] == "official_report"]
    for set_name, pid, query, header, sep in TABLES:
        rows = official.query(query).sort_values("source_line")
        lines = [f"{k}{r.name_as_published}{f'{r.index:.2f}'.replace('.', ',')}{r.predicate}"
                 for k, r in enumerate(rows.itertuples(), 1)]
        text = header + "\n" + sep.join(lines)
        passage = {"id": pid, "url": "constructed: official KemenPANRB report table rows, flattened "
                   f"({rows['source'].iloc[0]}, lines {int(rows['source_line'].min())}-{int(rows['source_line'].max())})",
                   "published": None, "published_from": "none; the table header states the evaluation year",
                   "cases": ["flattened_table"], "text": text}
        expected = [[pid, label_name(r), int(r.year), f"{r.index:.2f}", r.predicate] for r in rows.itertuples()]
        _replace(HERE / f"{set_name}_passages.jsonl", pid, json.dumps(passage, ensure_ascii=False))
        _replace_rows(HERE / f"{set_name}_expected.csv", pid, expected)
        print(set_name, pid, len(expected), "rows")


def _replace(path: Path, pid: str, line: str) -> None:
    kept = [x for x in path.read_text(encoding="utf-8").splitlines() if json.loads(x)["id"] != pid]
    path.write_text("\n".join(kept + [line]) + "\n", encoding="utf-8")


def _replace_rows(path: Path, pid: str, rows: list[list]) -> None:
    with open(path, encoding="utf-8", newline="") as f:
        data = list(csv.reader(f))
    header, body = data[0], [r for r in data[1:] if r[0] != pid]
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(body + rows)


if __name__ == "__main__":
    main()
