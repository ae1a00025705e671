"""Synthetic award rows written straight into a database (no engine), for report benchmarks and
for report tests that need exact, hand-checkable numbers. Deterministic for a given seed.
"""

from __future__ import annotations

import random

from desktop.core.creditcode import CHARSET, make_credit_code
from desktop.core.money import format_yuan
from desktop.services.demo import NAME_PREFIXES, NAME_SUFFIXES
from desktop.storage.database import Database, now_text

LONG_NAME = "淄博齐鲁高端化工新材料产业链协同创新与智能制造示范基地建设运营管理集团股份有限公司临淄经济开发区稷下高新技术产业园分公司"  # 60 characters
_PREFIX = NAME_PREFIXES[:12]
_TRADE = ["新材料科技", "高分子材料", "智能装备制造", "汽车零部件", "生物医药科技", "电子信息技术"]
_SUFFIX = NAME_SUFFIXES
_RATIO_RULES = (
    ("LZ41-2", "市级资金", 150_000_000),
    ("LZ41-5A", "市级设备（软件）购置补助", 150_000_000),
    ("LZ41-1A", "保费", 50_000_000),
    ("LZ41-8A", "市级资金", 100_000_000),
)


def credit_code(i: int) -> str:
    body = "MA" + "".join(CHARSET[(i // 31**k) % 31] for k in range(6))
    return make_credit_code("9", "1", "370305", body)


def add_enterprise(
    db: Database,
    code: str,
    name: str,
    town_id: int,
    *,
    above_scale: bool = True,
    industry: str | None = "新材料",
) -> int:
    at = now_text()
    return db.execute(
        "INSERT INTO enterprises (credit_code, name, town_id, above_scale, industry, created_at, created_by,"
        " updated_at, updated_by) VALUES (?,?,?,?,?,?,?,?,?)",
        (code, name, town_id, int(above_scale), industry, at, "测试", at, "测试"),
    ).lastrowid


def add_award(
    db: Database,
    enterprise_id: int,
    rule_code: str,
    event_date: str,
    amount_fen: int,
    *,
    year: int | None = None,
    basis_fen: int | None = None,
    status: str = "草稿",
    installment_no: int = 0,
    application_id: int | None = None,
    explanation: str | None = None,
    after_expiry: bool = False,
    decision_reason: str | None = None,
    rule_id: int | None = -1,
) -> int:
    """One award row (and its application unless ``application_id`` is given); returns the award id."""
    at = now_text()
    if application_id is None:
        application_id = db.execute(
            "INSERT INTO applications (enterprise_id, rule_code, event_date, basis_fen, identity_key,"
            " created_at, created_by, updated_at, updated_by) VALUES (?,?,?,?,?,?,?,?,?)",
            (
                enterprise_id,
                rule_code,
                event_date,
                basis_fen,
                f"{enterprise_id}|{rule_code}|{event_date}|{basis_fen}|{random.random()}",
                at,
                "测试",
                at,
                "测试",
            ),
        ).lastrowid
    if rule_id == -1:
        rule_id = db.scalar(
            "SELECT id FROM rules WHERE code = ? ORDER BY id DESC LIMIT 1", (rule_code,)
        )
    if explanation is None:
        explanation = f"依据临政字〔2021〕41号：核定 {format_yuan(amount_fen)} 元"
    return db.execute(
        "INSERT INTO awards (application_id, enterprise_id, rule_code, rule_id, year, installment_no, basis_fen,"
        " amount_fen, computed_fen, status, explanation, trace, after_expiry, decision_reason, calculated_at,"
        " calculated_by) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            application_id,
            enterprise_id,
            rule_code,
            rule_id,
            year or int(event_date[:4]),
            installment_no,
            basis_fen,
            amount_fen,
            amount_fen,
            status,
            explanation,
            "{}",
            int(after_expiry),
            decision_reason,
            at,
            "测试",
        ),
    ).lastrowid


def build_sample(db: Database, *, rows: int = 10_000, year: int = 2024, seed: int = 7) -> int:
    """``rows`` award rows for ``year`` (about one in twelve not granted); returns the granted count."""
    rng = random.Random(seed)
    towns = [r[0] for r in db.query("SELECT id FROM towns ORDER BY sort_order")]
    rule_ids = {r["code"]: r["id"] for r in db.query("SELECT id, code FROM rules")}
    at = now_text()
    n_ent = max(rows // 5, 1)
    ents = []
    for i in range(n_ent):
        name = (
            LONG_NAME
            if i == 3
            else (f"淄博{rng.choice(_PREFIX)}{rng.choice(_TRADE)}{i:04d}{rng.choice(_SUFFIX)}")
        )
        ents.append(
            (credit_code(i), name, towns[i % len(towns)], 1, "新材料", at, "测试", at, "测试")
        )
    with db.transaction():
        db.executemany(
            "INSERT INTO enterprises (credit_code, name, town_id, above_scale, industry, created_at, created_by,"
            " updated_at, updated_by) VALUES (?,?,?,?,?,?,?,?,?)",
            ents,
        )
        ids = [r[0] for r in db.query("SELECT id FROM enterprises ORDER BY id")][-n_ent:]
        apps, awards = [], []
        granted = 0
        first_app = (db.scalar("SELECT max(id) FROM applications") or 0) + 1
        for k in range(rows):
            eid = ids[k % n_ent]
            code, label, cap = _RATIO_RULES[k % len(_RATIO_RULES)]
            day = f"{year}-{1 + k % 12:02d}-{1 + k % 28:02d}"
            basis = rng.randrange(1_000_00, 900_000_000)
            raw = (basis * 3 + 5) // 10
            amount = min(raw, cap)
            status = rng.choice(("草稿", "已审核", "已拨付"))
            text = (
                f"依据临政字〔2021〕41号三（二）：{label} {format_yuan(basis)} 元 × 30% = {format_yuan(raw)} 元"
                + (f"，超过上限 {format_yuan(cap)} 元" if raw > cap else "")
                + f"，核定 {format_yuan(amount)} 元"
            )
            if k % 12 == 11:
                amount, status = 0, "不予奖补"
                text = f"依据临政字〔2021〕41号三（二）：不予奖补——未列入{year}年度四强企业名单"
            else:
                granted += 1
            app_id = first_app + k
            apps.append(
                (app_id, eid, code, day, basis, f"sample|{seed}|{k}", at, "测试", at, "测试")
            )
            awards.append(
                (
                    app_id,
                    eid,
                    code,
                    rule_ids.get(code),
                    year,
                    basis,
                    amount,
                    amount,
                    status,
                    text,
                    "{}",
                    at,
                    "测试",
                )
            )
        db.executemany(
            "INSERT INTO applications (id, enterprise_id, rule_code, event_date, basis_fen, identity_key,"
            " created_at, created_by, updated_at, updated_by) VALUES (?,?,?,?,?,?,?,?,?,?)",
            apps,
        )
        db.executemany(
            "INSERT INTO awards (application_id, enterprise_id, rule_code, rule_id, year, installment_no,"
            " basis_fen, amount_fen, computed_fen, status, explanation, trace, calculated_at, calculated_by)"
            " VALUES (?,?,?,?,?,0,?,?,?,?,?,?,?,?)",
            awards,
        )
        db.log("演示", "awards", year, None, {"rows": rows, "seed": seed})
    return granted
