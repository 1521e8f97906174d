"""Write the framework definitions shipped in ``spbe_research/data/frameworks/``.

Run once by a maintainer (``python tools/make_framework_data.py``); the output is committed as
package data and ``tests/test_frameworks.py`` checks that it still agrees with the raw tables in
``data/raw/frameworks/``. Structure and weights come from the raw tables; the English glosses and
codes are ours.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw" / "frameworks"
OUT = ROOT / "spbe_research" / "data" / "frameworks"

GLOSS = {
    # domains and aspects
    "Kebijakan Internal SPBE": "Internal SPBE policy",
    "Tata Kelola SPBE": "SPBE governance",
    "Manajemen SPBE": "SPBE management",
    "Layanan SPBE": "SPBE services",
    "Kebijakan Internal Tata Kelola SPBE": "Internal policy on SPBE governance",
    "Kebijakan Internal Layanan SPBE": "Internal policy on SPBE services",
    "Kelembagaan": "Institutional arrangements",
    "Strategi dan Perencanaan": "Strategy and planning",
    "Teknologi Informasi dan Komunikasi": "Information and communication technology",
    "Layanan Administrasi Pemerintahan Berbasis Elektronik": "Electronic government administration services",
    "Layanan Publik Berbasis Elektronik": "Electronic public services",
    "Perencanaan Strategis SPBE": "SPBE strategic planning",
    "Penyelenggara SPBE": "SPBE organisers",
    "Penerapan Manajemen SPBE": "Application of SPBE management",
    "Pelaksanaan Audit TIK": "ICT audits",
}

IND_GLOSS_2018 = {
    1: "Steering team", 2: "Integrated business-process innovation", 3: "SPBE master plan",
    4: "ICT budget and spending", 5: "Data-centre operation", 6: "Application system integration",
    7: "Use of shared general applications", 8: "Official correspondence service",
    9: "Staff management service", 10: "Planning and budgeting management service",
    11: "Financial management service", 12: "Performance management service",
    13: "Procurement service", 14: "Public complaints service",
    15: "Legal documentation and information service", 16: "Whistle-blowing system service",
    17: "Agency public services", 18: "Steering team", 19: "Integrated business-process innovation",
    20: "SPBE master plan", 21: "ICT budget and spending", 22: "Data-centre operation",
    23: "Application system integration", 24: "Use of shared general applications",
    25: "Official correspondence", 26: "Staff management", 27: "Planning management",
    28: "Budgeting management", 29: "Financial management", 30: "Performance management",
    31: "Procurement", 32: "Public complaints", 33: "Legal documentation and information (JDIH)",
    34: "Whistle-blowing system", 35: "Agency public services",
}
IND_GLOSS_2020 = {
    1: "Policy: SPBE architecture", 2: "Policy: SPBE road map", 3: "Policy: data management",
    4: "Policy: application development", 5: "Policy: data-centre services",
    6: "Policy: intranet services", 7: "Policy: use of the service-connector system",
    8: "Policy: information security management", 9: "Policy: ICT audit",
    10: "Policy: SPBE coordination team", 11: "SPBE architecture", 12: "SPBE road map",
    13: "Integrated planning and budgeting", 14: "Business-process innovation",
    15: "Application development", 16: "Data-centre services", 17: "Intranet services",
    18: "Use of the service-connector system", 19: "SPBE coordination team at work",
    20: "Collaboration in applying SPBE", 21: "Risk management", 22: "Information security management",
    23: "Data management", 24: "ICT asset management", 25: "Human-resource competence",
    26: "Knowledge management", 27: "Change management", 28: "SPBE service management",
    29: "Infrastructure audit", 30: "Application audit", 31: "Security audit",
    32: "Planning service", 33: "Budgeting service", 34: "Finance service",
    35: "Procurement of goods and services", 36: "Staffing service", 37: "Dynamic archives service",
    38: "State/regional property management", 39: "Internal government oversight",
    40: "Organisational performance accountability", 41: "Staff performance",
    42: "Public-service complaints", 43: "Open data", 44: "Legal documentation network (JDIH)",
    45: "Sectoral public service 1", 46: "Sectoral public service 2", 47: "Sectoral public service 3",
}


def _fmt(x: float, digits: int | None = None) -> str:
    """Shortest exact repr; sums (aspect, domain weights) are rounded to ``digits``."""
    return repr(float(x) if digits is None else round(float(x), digits))


def build(raw_csv: str, short: str, gloss: dict, service_from: int) -> None:
    rows = list(csv.DictReader(open(RAW / raw_csv, encoding="utf-8")))
    out = OUT / short
    out.mkdir(parents=True, exist_ok=True)
    domains, aspects = {}, {}
    for r in rows:
        domains.setdefault(r["domain"], f"D{len(domains) + 1}")
        aspects.setdefault(r["aspect"], (f"A{len(aspects) + 1}", domains[r["domain"]]))
    ind_rows = []
    for r in rows:
        no = int(r["indicator_no"])
        w = float(r["weight_percent"])
        # 2018 indicator 35 is asked for three public services (workbook items 35-1..35-3).
        codes = [f"{no}-{k}" for k in (1, 2, 3)] if (short == "2018" and no == 35) else [str(no)]
        if short == "2018" and abs(w - 10 / 3) < 1e-6:
            w = 10 / 3
        for c in codes:
            ind_rows.append({
                "indicator": c, "indicator_no": no, "name": r["indicator_name"] + (f" (layanan {c[-1]})" if "-" in c else ""),
                "name_en": gloss[no] + (f" (service {c[-1]})" if "-" in c else ""),
                "aspect": aspects[r["aspect"]][0], "domain": domains[r["domain"]],
                "capability": "service" if no >= service_from else "process",
                "weight": _fmt(w / len(codes)),
            })
    _write(out / "indicators.csv", ind_rows)
    asp_w = {}
    for r in ind_rows:
        asp_w[r["aspect"]] = asp_w.get(r["aspect"], 0.0) + float(r["weight"])
    _write(out / "aspects.csv", [
        {"aspect": code, "domain": dom, "name": name, "name_en": GLOSS[name], "weight": _fmt(asp_w[code], 9)}
        for name, (code, dom) in aspects.items()])
    dom_w = {}
    for name, (code, dom) in aspects.items():
        dom_w[dom] = dom_w.get(dom, 0.0) + asp_w[code]
    _write(out / "domains.csv", [
        {"domain": code, "name": name, "name_en": GLOSS[name], "weight": _fmt(dom_w[code], 9)}
        for name, code in domains.items()])


def _write(path: Path, rows: list[dict]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


if __name__ == "__main__":
    build("spbe_frameworks_2018.csv", "2018", IND_GLOSS_2018, service_from=25)
    build("spbe_frameworks_2020.csv", "2020", IND_GLOSS_2020, service_from=32)
    src = (RAW / "spbe_crosswalk_2018_2020.csv").read_bytes()
    (OUT / "crosswalk_2018_2020.csv").write_bytes(src)
