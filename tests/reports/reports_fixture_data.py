"""A small database with hand-checkable awards for the report tests (plain SQL, no engine).

2024, granted (奖补明细):
  A  LZ41-2   961,500.00  已审核   (basis 3,205,000.00)
  A  LZ41-2   538,500.00  草稿     (basis 2,000,000.00)
  B  LZ41-5A   37,037.03  已拨付   (basis 123,456.78)
  B  LZ41-9A  500,000.00  已审核   (第1年分期 of the 2023 matter)
  D  LZ41-6C  300,000.00  草稿     (rule_id NULL: name from the latest rule version)
  total     2,337,037.03  = 贰佰叁拾叁万柒仟零叁拾柒元零叁分
2024, not granted (不予奖补): B LZ41-6D 不予奖补 (100,000.00 kept), C LZ41-3 0, C LZ41-1A 已撤销.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

AS_OF = date(2025, 1, 10)
NAME_A = "淄博齐鲁高端化工新材料产业链协同创新与智能制造示范基地建设运营管理集团股份有限公司临淄经济开发区稷下高新技术产业园分公司"
NAME_B = "淄博齐都精细化工有限公司"
NAME_C = "淄博䶮华电子科技有限公司"  # 䶮 (U+4DAE) is not in WenQuanYi Micro Hei
NAME_D = '=HYPERLINK("http://x")智能装备有限公司'  # must stay text in Excel
GRANTED_2024_FEN = 96_150_000 + 53_850_000 + 3_703_703 + 50_000_000 + 30_000_000
GRANTED_2024_WORDS = "贰佰叁拾叁万柒仟零叁拾柒元零叁分"


def town_id(db, name: str) -> int:
    return db.scalar("SELECT id FROM towns WHERE name = ?", (name,))


def build_report_db(path: Path):
    """The database described above, at ``path``."""
    from sample import add_award, add_enterprise, credit_code

    from desktop.storage.database import Database

    db = Database(path, user="测试员")
    with db.transaction():
        a = add_enterprise(db, credit_code(1), NAME_A, town_id(db, "闻韶街道"))
        b = add_enterprise(db, credit_code(2), NAME_B, town_id(db, "齐都镇"))
        c = add_enterprise(db, credit_code(3), NAME_C, town_id(db, "金山镇"))
        d = add_enterprise(db, credit_code(4), NAME_D, town_id(db, "皇城镇"))
        add_award(
            db,
            a,
            "LZ41-2",
            "2024-03-15",
            96_150_000,
            basis_fen=320_500_000,
            status="已审核",
            explanation="依据临政字〔2021〕41号三（二）：市级资金 3,205,000.00 元 × 30% = 961,500.00 元，核定 961,500.00 元",
        )
        add_award(
            db,
            a,
            "LZ41-2",
            "2024-09-20",
            53_850_000,
            basis_fen=200_000_000,
            explanation="依据临政字〔2021〕41号三（二）：市级资金 2,000,000.00 元 × 30% = 600,000.00 元；"
            "该企业2024年度已按本条款核定 961,500.00 元，上限 1,500,000.00 元尚余 538,500.00 元，"
            "核定 538,500.00 元",
        )
        add_award(db, b, "LZ41-5A", "2024-05-06", 3_703_703, basis_fen=12_345_678, status="已拨付")
        add_award(db, d, "LZ41-6C", "2024-07-01", 30_000_000, rule_id=None)
        add_award(
            db,
            b,
            "LZ41-6D",
            "2024-08-01",
            10_000_000,
            status="不予奖补",
            decision_reason="企业申报材料不全",
            explanation="依据临政字〔2021〕41号三（六）：定额奖励 100,000.00 元",
        )
        add_award(
            db,
            c,
            "LZ41-3",
            "2024-04-01",
            0,
            basis_fen=50_000_000,
            explanation="依据临政字〔2021〕41号三（三）：不予奖补——非规模以上工业企业",
        )
        add_award(
            db,
            c,
            "LZ41-1A",
            "2024-06-01",
            5_000_000,
            basis_fen=16_666_667,
            status="已撤销",
            decision_reason="保单已退保",
        )
        # One LZ41-9A matter recognised 2023-06-15: one-time 2023, yearly 2024, 2025 stored, 2026 not yet.
        first = add_award(db, b, "LZ41-9A", "2023-06-15", 200_000_000, status="已拨付")
        app = db.scalar("SELECT application_id FROM awards WHERE id = ?", (first,))
        add_award(
            db,
            b,
            "LZ41-9A",
            "2023-06-15",
            50_000_000,
            year=2024,
            installment_no=1,
            status="已审核",
            application_id=app,
        )
        add_award(
            db,
            b,
            "LZ41-9A",
            "2023-06-15",
            50_000_000,
            year=2025,
            installment_no=2,
            application_id=app,
        )
        # A long history for the ledger: ten years of LZ41-6D for A.
        for year in range(2014, 2024):
            add_award(db, a, "LZ41-6D", f"{year}-10-08", 10_000_000, status="已拨付", rule_id=None)
    return db
