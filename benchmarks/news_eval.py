"""Precision and recall of ``news.extract_scores`` on the labelled passages in ``tests/news_eval/``.

    .venv/bin/python benchmarks/news_eval.py            # held-out and development sets
    .venv/bin/python benchmarks/news_eval.py --misses   # also list every missed and extra row

Matching is per passage and counts multiplicity (a value stated for two institutions is two rows):

* ``year_index``: (evaluation year, index) pairs — the headline figure;
* ``institution``: (institution, year, index) triples, names compared case- and space-insensitively;
* ``predicate``: among institution-matched rows whose label has a predicate, the share extracted
  with the same predicate (reported as ``recall``; ``precision`` is over those extracted with one).

``tests/test_news_eval.py`` runs the same code and fails when the held-out figures drop below 0.90.
"""
from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

import pandas as pd

from spbe_research.news import extract_scores

EVAL_DIR = Path(__file__).resolve().parents[1] / "tests" / "news_eval"
SETS = ("heldout", "dev")


def load_set(name: str) -> tuple[list[dict], pd.DataFrame]:
    """Passages (list of dicts) and expected rows (DataFrame) of one set."""
    with open(EVAL_DIR / f"{name}_passages.jsonl", encoding="utf-8") as f:
        passages = [json.loads(line) for line in f if line.strip()]
    expected = pd.read_csv(EVAL_DIR / f"{name}_expected.csv", dtype={"predicate": "str"},
                           keep_default_na=False)
    expected["predicate"] = expected["predicate"].replace("", None)
    return passages, expected


def extract_all(passages: list[dict]) -> pd.DataFrame:
    """Every passage through ``extract_scores``; one row per extracted value with its ``passage_id``."""
    frames = [extract_scores(p["text"], p["published"]).assign(passage_id=p["id"]) for p in passages]
    return pd.concat(frames, ignore_index=True)


def _key_name(name) -> str:
    return " ".join(str(name).lower().replace(".", " ").split())


def _keys(df: pd.DataFrame, level: str) -> Counter:
    year = df["year"].astype("Int64").astype("string").fillna("NA")
    index = df["index"].astype(float).round(3).astype(str)
    if level == "year_index":
        return Counter(zip(df["passage_id"], year, index))
    return Counter(zip(df["passage_id"], df["institution"].map(_key_name), year, index))


def evaluate(extracted: pd.DataFrame, expected: pd.DataFrame) -> pd.DataFrame:
    """Tidy table: one row per level with n_expected, n_extracted, n_matched, precision, recall."""
    rows = []
    for level in ("year_index", "institution"):
        got, want = _keys(extracted, level), _keys(expected, level)
        matched = sum((got & want).values())
        rows.append({"level": level, "n_expected": sum(want.values()), "n_extracted": sum(got.values()),
                     "n_matched": matched, "precision": matched / max(sum(got.values()), 1),
                     "recall": matched / max(sum(want.values()), 1)})
    # Predicates on institution-matched rows.
    key = ["passage_id", "_name", "_year", "_index"]
    def prepared(df):
        return df.assign(_name=df["institution"].map(_key_name),
                         _year=df["year"].astype("Int64").astype("string").fillna("NA"),
                         _index=df["index"].astype(float).round(3).astype(str))
    both = prepared(expected).merge(prepared(extracted).drop_duplicates(key), on=key, suffixes=("_want", "_got"))
    labelled = both[both["predicate_want"].notna()]
    given = both[both["predicate_got"].notna()]
    rows.append({"level": "predicate", "n_expected": len(labelled), "n_extracted": len(given),
                 "n_matched": int((labelled["predicate_want"] == labelled["predicate_got"]).sum()),
                 "precision": float((given["predicate_want"] == given["predicate_got"]).mean()) if len(given) else 0.0,
                 "recall": float((labelled["predicate_want"] == labelled["predicate_got"]).mean()) if len(labelled) else 0.0})
    return pd.DataFrame(rows)


def differences(extracted: pd.DataFrame, expected: pd.DataFrame, level: str = "year_index") -> pd.DataFrame:
    """Missed (expected, not extracted) and extra (extracted, not expected) keys, one row each."""
    got, want = _keys(extracted, level), _keys(expected, level)
    out = [("missed", *k) for k, n in (want - got).items() for _ in range(n)]
    out += [("extra", *k) for k, n in (got - want).items() for _ in range(n)]
    cols = ["kind", "passage_id"] + (["institution"] if level == "institution" else []) + ["year", "index"]
    return pd.DataFrame(out, columns=cols).sort_values(["passage_id", "kind"]).reset_index(drop=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list missed and extra rows")
    args = parser.parse_args()
    pd.set_option("display.width", 160)
    for name in SETS:
        passages, expected = load_set(name)
        extracted = extract_all(passages)
        table = evaluate(extracted, expected)
        print(f"\n{name}: {len(passages)} passages")
        print(table.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
        if args.misses:
            print(differences(extracted, expected, "institution").to_string(index=False))


if __name__ == "__main__":
    main()
