"""A small database with hand-checkable awards for the report tests, made through the services
(registry, 四强 list, matters, calculation, review), so every row is in the change log.

2024, granted (奖补明细):
  A  LZ41-2   961,500.00  已审核   (basis 3,205,000.00: 30%)
  A  LZ41-2   538,500.00  草稿     (basis 2,000,000.00: 600,000.00, cap 1,500,000.00 reached)
  B  LZ41-5A   37,037.03  已拨付   (basis 123,456.78: 30% = 37,037.034)
  B  LZ41-9A  500,000.00  已审核   (第1年分期 of the matter recognised 2023-06-15)
  D  LZ41-6C  300,000.00  草稿
  total     2,337,037.03  = 贰佰叁拾叁万柒仟零叁拾柒元零叁分
2024, not granted (不予奖补): B LZ41-6D 不予奖补 (100,000.00 kept), C LZ41-3 0 (非规上),
C LZ41-1A 已撤销 (50,000.00 kept).
Other years: A LZ41-6D 100,000.00 paid in each of 2021, 2022, 2023, and 0 in 2019 (政策尚未施行,
no rule version); B LZ41-9A 2,000,000.00 paid 2023, 500,000.00 draft 2025, 2026 not calculated.

Ledger of B (all years): 已拨付 2,037,037.03, 已审核未拨付 500,000.00, 草稿 500,000.00, 计划兑现
500,000.00; 已给予 2,537,037.03 = 贰佰伍拾叁万柒仟零叁拾柒元零叁分.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

AS_OF = date(2025, 1, 10)
NAME_A = "淄博齐鲁高端化工新材料产业链协同创新与智能制造示范基地建设运营管理集团股份有限公司临淄经济开发区稷下高新技术产业园分公司"
NAME_B = "淄博齐都精细化工有限公司"
NAME_C = "淄博𠮷华电子科技有限公司"  # 𠮷 (U+20BB7, CJK Ext. B) is not in Noto Serif SC
NAME_D = '=HYPERLINK("http://x")智能装备有限公司'  # must stay text in Excel
GRANTED_2024_FEN = 96_150_000 + 53_850_000 + 3_703_703 + 50_000_000 + 30_000_000
GRANTED_2024_WORDS = "贰佰叁拾叁万柒仟零叁拾柒元零叁分"
LEDGER_B = {
    "已拨付": 203_703_703,
    "已审核未拨付": 50_000_000,
    "草稿": 50_000_000,
    "计划兑现": 50_000_000,
}
LEDGER_B_GRANTED_WORDS = "贰佰伍拾叁万柒仟零叁拾柒元零叁分"


def build_report_db(path: Path):
    """The database described above, at ``path``."""
    from sample import add_enterprises, award_ids, credit_code, enterprise, matter

    from desktop.core import status
    from desktop.services.applications import insert_applications
    from desktop.services.awards import approve, mark_paid, reject, revoke
    from desktop.services.calculation import calculate_year
    from desktop.services.siqiang_lists import replace_list
    from desktop.storage.database import Database

    db = Database(path, user="测试员")
    a, b, c, d = (credit_code(i) for i in (1, 2, 3, 4))
    ids = add_enterprises(
        db,
        [
            enterprise(a, NAME_A, "闻韶街道"),
            enterprise(b, NAME_B, "齐都镇"),
            enterprise(c, NAME_C, "金山镇", above_scale=False, industry="电子信息"),
            enterprise(d, NAME_D, "皇城镇", industry="智能装备"),
        ],
    )
    replace_list(db, 2024, {ids[a], ids[b], ids[c]})
    apps = [
        matter(ids, a, "LZ41-2", date(2024, 3, 15), basis_fen=320_500_000),
        matter(ids, a, "LZ41-2", date(2024, 9, 20), basis_fen=200_000_000),
        matter(ids, b, "LZ41-5A", date(2024, 5, 6), basis_fen=12_345_678),
        matter(ids, d, "LZ41-6C", date(2024, 7, 1)),
        matter(ids, b, "LZ41-6D", date(2024, 8, 1)),
        matter(ids, c, "LZ41-3", date(2024, 4, 1), basis_fen=50_000_000),
        matter(ids, c, "LZ41-1A", date(2024, 6, 1), basis_fen=16_666_667),
        matter(ids, b, "LZ41-9A", date(2023, 6, 15)),
        *(matter(ids, a, "LZ41-6D", date(y, 10, 8)) for y in (2019, 2021, 2022, 2023)),
    ]
    insert_applications(db, apps, source="测试")
    for year in (2019, 2021, 2022, 2023, 2024):
        calculate_year(db, year)
    for year in (2021, 2022, 2023):
        approve(db, year)
        mark_paid(db, award_ids(db, year, status=status.APPROVED))
    first_lz2 = award_ids(db, 2024, rule_code="LZ41-2", basis_fen=320_500_000)
    lz5a = award_ids(db, 2024, rule_code="LZ41-5A")
    approve(db, 2024, first_lz2 + lz5a + award_ids(db, 2024, rule_code="LZ41-9A"))
    approve(db, 2024, award_ids(db, 2024, rule_code="LZ41-1A"))
    mark_paid(db, lz5a)
    (rejected,) = award_ids(db, 2024, rule_code="LZ41-6D")
    reject(db, rejected, "企业申报材料不全")
    (revoked,) = award_ids(db, 2024, rule_code="LZ41-1A")
    revoke(db, revoked, "保单已退保")
    calculate_year(db, 2025)  # B's second yearly installment: a draft
    return db
