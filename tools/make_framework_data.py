"""Write the node tables (``nodes.csv``) and crosswalks of the frameworks shipped in
``spbe_research/data/frameworks/``.

Run by a maintainer (``python tools/make_framework_data.py``); the output is committed as package data
and ``tests/test_frameworks.py`` checks that it still agrees with the raw tables in
``data/raw/frameworks/``. Structure, names and weights come from the raw tables; codes (``D1``, ``A1``),
English glosses and concept tags are the project's. The metadata of each framework
(``framework.toml``: scale, bands, years, conversions, citation, evidence grades) is written by hand.
"""
from __future__ import annotations

import csv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw" / "frameworks"
OUT = ROOT / "spbe_research" / "data" / "frameworks"
NODE_COLUMNS = ["code", "parent", "level", "weight", "name", "name_en", "concept", "capability", "external_index",
                "evidence_grade", "source", "description"]

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



#: concept of each SPBE domain (aspects and indicators inherit it)
SPBE_CONCEPTS = {
    "Kebijakan Internal SPBE": "policy", "Tata Kelola SPBE": "governance", "Manajemen SPBE": "management",
    "Layanan SPBE": "services",
}

# --- Indeks Pemdi (PermenPANRB 8/2026) and its 2025 draft: glosses and concepts written by the project ---------
PEMDI_ASPECTS = {  # aspect no -> (English gloss, concept)
    1: ("Governance and management", "governance"),
    2: ("Organisers: people and collaboration", "organisers"),
    3: ("Data", "data"),
    4: ("Digital-government security", "security"),
    5: ("Digital-government technology", "technology"),
    6: ("Integrated digital government services", "services"),
    7: ("Satisfaction of digital-service users", "user_satisfaction"),
}
PEMDI_GLOSS = {
    1: "Digital-government governance", 2: "Digital service management", 3: "Digital-government human resources",
    4: "Digital-government collaboration", 5: "Data governance (Satu Data Indonesia)", 6: "Geospatial information",
    7: "Statistics development (sectoral statistics)", 8: "Personal-data protection",
    9: "Security and technology audits", 10: "Digital-government security (IKASANDI)",
    11: "Cryptography for data security", 12: "Cyber-incident handling capability",
    13: "Digital-government applications", 14: "Digital-government infrastructure (cloud first)",
    15: "Business-process integration across units and agencies", 16: "Application integration",
    17: "Digital government service portal", 18: "Data interoperability", 19: "User-support facilities",
    20: "User satisfaction management",
}
#: indicator -> external index that feeds it (README of data/raw/frameworks/pemdi_2026, grade B)
PEMDI_EXTERNAL = {
    5: "Indeks Satu Data Indonesia (SDI), Kementerian PPN/Bappenas",
    6: "Simpul Jaringan Informasi Geospasial (SJIG) score, BIG",
    7: "Indeks Pembangunan Statistik / EPSS, BPS",
    10: "IKASANDI (Indeks Keamanan Informasi dan Persandian), BSSN",
    11: "IKASANDI (area Persandian), BSSN",
    12: "IKASANDI (area Penanganan Insiden Siber), BSSN",
    18: "Satu Data Indonesia interoperability questionnaire, Kementerian PPN/Bappenas",
}
DRAFT_ASPECTS = {
    1: ("Strategy and planning", "governance"),
    2: ("Governance and management", "management"),
    3: ("Digital technology", "technology"),
    4: ("Digital technology audit", "technology"),
    5: ("Cyber security", "security"),
    6: ("Digital capability and culture", "organisers"),
    7: ("Data and information management and use", "data"),
    8: ("Integrated digital government services", "services"),
    9: ("Satisfaction of digital-service users", "user_satisfaction"),
}
DRAFT_GLOSS = {
    1: "Digital transformation strategy", 2: "Thematic business-process innovation", 3: "Digital-government architecture",
    4: "Digital-government road map", 5: "Integrated digital-government planning and budgeting",
    6: "Scalable internal coordination", 7: "Collaboration in applying digital government",
    8: "Risk and continuity management", 9: "Service management", 10: "Application development",
    11: "Use of the National Data Centre ecosystem", 12: "Government intranet services", 13: "Use of new technology",
    14: "Application audit", 15: "Infrastructure audit", 16: "Security audit of applications and infrastructure",
    17: "Cyber security", 18: "National cryptography for data security", 19: "Cyber-incident handling capability",
    20: "Digital human-resource capability", 21: "Digital leadership capability", 22: "Digital culture",
    23: "Data management", 24: "Operational use of data and information", 25: "Digital technology for data use",
    26: "Personal-data protection", 27: "Use of the government service-connector system",
    28: "Integrated government administration services", 29: "Use of the national administration portal",
    30: "Integrated digital public services", 31: "Use of the national public-service portal",
    32: "Use of the national digital identity", 33: "User satisfaction", 34: "Digital service quality",
    35: "Use of digital services",
}


def _fmt(x: float) -> str:
    """Shortest exact repr (10/3 stays 3.3333333333333335; sums are rounded to 9 decimals)."""
    x = float(x)
    r = round(x, 9)
    return repr(r if abs(r - x) < 1e-12 or r.is_integer() else x)


def _read(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _node(code, parent, level, weight, name, name_en, concept="", capability="", external="", grade="A", source="",
          description=""):
    return {"code": code, "parent": parent, "level": level, "weight": _fmt(weight), "name": name, "name_en": name_en,
            "concept": concept, "capability": capability, "external_index": external, "evidence_grade": grade,
            "source": source, "description": description}


def spbe_nodes(raw_csv: str, gloss: dict, service_from: int, items_of: dict | None = None) -> list[dict]:
    """Index -> domain -> aspect -> indicator (-> item) nodes of an SPBE framework from its raw table."""
    rows = _read(RAW / raw_csv)
    domains, aspects = {}, {}
    for r in rows:
        domains.setdefault(r["domain"], f"D{len(domains) + 1}")
        aspects.setdefault(r["aspect"], (f"A{len(aspects) + 1}", domains[r["domain"]]))
    weight = {}
    ind_nodes, item_nodes = [], []
    for r in rows:
        no = int(r["indicator_no"])
        w = float(r["weight_percent"])
        if abs(w - 10 / 3) < 1e-6:  # the 2018 workbook prints 3.33 for a third of 10 %
            w = 10 / 3
        asp = aspects[r["aspect"]][0]
        cap = "service" if no >= service_from else "process"
        ind_nodes.append(_node(str(no), asp, "indicator", w, r["indicator_name"], gloss[no], capability=cap))
        k = (items_of or {}).get(no, 0)
        for i in range(1, k + 1):  # 2018 indicator 35 is asked for three public services (items 35-1..35-3)
            item_nodes.append(_node(f"{no}-{i}", str(no), "item", w / k, f"{r['indicator_name']} (layanan {i})",
                                    f"{gloss[no]} (service {i})", capability=cap))
        weight[asp] = weight.get(asp, 0.0) + w
    dom_w = {}
    for name, (code, dom) in aspects.items():
        dom_w[dom] = dom_w.get(dom, 0.0) + weight[code]
    out = [_node("index", "", "index", 100, "Indeks SPBE", "SPBE index")]
    out += [_node(code, "index", "domain", dom_w[code], name, GLOSS[name], concept=SPBE_CONCEPTS[name])
            for name, code in domains.items()]
    out += [_node(code, dom, "aspect", weight[code], name, GLOSS[name]) for name, (code, dom) in aspects.items()]
    return out + ind_nodes + item_nodes


def pemdi_nodes(raw_csv: str, aspects: dict, gloss: dict, external: dict, grade: str, index_name: str) -> list[dict]:
    """Index -> aspect -> indicator nodes of an Indeks Pemdi version from its raw table (no domain level)."""
    rows = _read(RAW / "pemdi_2026" / raw_csv)
    asp_w, asp_name = {}, {}
    for r in rows:
        a = int(r["aspect_no"])
        asp_w[a] = asp_w.get(a, 0.0) + float(r["weight_percent"])
        asp_name[a] = r["aspect_name"]
    out = [_node("index", "", "index", 100, index_name, "Digital Government Index", grade=grade)]
    out += [_node(f"A{a}", "index", "aspect", asp_w[a], asp_name[a], aspects[a][0], concept=aspects[a][1], grade=grade)
            for a in sorted(asp_w)]
    for r in rows:
        no = int(r["indicator_no"])
        out.append(_node(str(no), f"A{int(r['aspect_no'])}", "indicator", float(r["weight_percent"]),
                         r["indicator_name"], gloss[no], external=external.get(no, ""), grade=grade,
                         source=r["source_url"], description=r["description"]))
    return out


def crosswalk_2018_2020() -> list[dict]:
    """The 2018 -> 2020 crosswalk as one row per link, with the 35-1..35-3 items linked to 45..47."""
    grade = {"inferred": "C", "inferred (weak)": "C", "inferred (strong)": "B", "confirmed (aspect removed)": "A"}
    out = []
    for r in _read(RAW / "spbe_crosswalk_2018_2020.csv"):
        targets = [t for t in r["indicator_2020_nos"].split(";") if t]
        g = grade.get(r["confidence"], "B" if r["confidence"].startswith("1") else "C")
        rel = r["relation"].split(" ")[0].strip(",;")
        if r["indicator_2018_no"] == "35":  # each of the three services carries over to one sectoral service
            for i, t in enumerate(targets, 1):
                out.append({"from_code": f"35-{i}", "to_code": t, "relation": "same", "share": _fmt(1),
                            "relation_note": r["relation"], "evidence": r["evidence"], "grade": g})
            continue
        if not targets:
            out.append({"from_code": r["indicator_2018_no"], "to_code": "", "relation": "dropped", "share": "",
                        "relation_note": r["relation"], "evidence": r["evidence"], "grade": g})
        for t in targets:
            relation = "split" if len(targets) > 1 else {"same": "same", "renamed": "renamed", "moved": "moved",
                                                         "weak": "partial", "probable": "partial", "mapped": "partial",
                                                         "closest:": "partial"}.get(rel, "same")
            out.append({"from_code": r["indicator_2018_no"], "to_code": t, "relation": relation,
                        "share": _fmt(1 / len(targets)), "relation_note": r["relation"], "evidence": r["evidence"],
                        "grade": g})
    linked = {r["to_code"] for r in out if r["to_code"]}
    for no in range(1, 48):
        if str(no) not in linked:
            out.append({"from_code": "", "to_code": str(no), "relation": "new", "share": "",
                        "relation_note": "no 5/2018 predecessor", "evidence": "absent from every link above",
                        "grade": "B"})
    return out


def _write(path: Path, rows: list[dict], columns=None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=columns or list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


if __name__ == "__main__":
    _write(OUT / "permenpanrb_5_2018" / "nodes.csv",
           spbe_nodes("spbe_frameworks_2018.csv", IND_GLOSS_2018, service_from=25, items_of={35: 3}), NODE_COLUMNS)
    _write(OUT / "permenpanrb_59_2020" / "nodes.csv",
           spbe_nodes("spbe_frameworks_2020.csv", IND_GLOSS_2020, service_from=32), NODE_COLUMNS)
    _write(OUT / "permenpanrb_8_2026" / "nodes.csv",
           pemdi_nodes("indicators_permenpanrb_8_2026.csv", PEMDI_ASPECTS, PEMDI_GLOSS, PEMDI_EXTERNAL, "B",
                       "Indeks Pemerintah Digital"), NODE_COLUMNS)
    _write(OUT / "pemdi_draft_2025" / "nodes.csv",
           pemdi_nodes("indicators_draft_2025_35.csv", DRAFT_ASPECTS, DRAFT_GLOSS, {}, "C",
                       "Indeks Pemerintah Digital (draft)"), NODE_COLUMNS)
    _write(OUT / "crosswalks" / "permenpanrb_5_2018__permenpanrb_59_2020.csv", crosswalk_2018_2020())
