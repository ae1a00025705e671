"""Rules of the payment path, one fact each: sign-off chain, budget, 失信, batch eligibility,
补拨 and automatic 追回 after a correction, offsets, deadlines, the dossier and the reports."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from desktop.cli import run
from desktop.core.errors import Conflict, ImportRejected, PermissionDenied, ValidationError
from desktop.services import awards, budget, clawbacks, payments, publicity, signoff
from desktop.services.blacklist import import_blacklist, listing_on
from desktop.storage.database import Database
from tests.workbooks import (
    code,
    enterprise_name,
    enterprise_row,
    list_row,
    write_applications,
    write_enterprises,
    write_list,
    write_xlsx,
)

RULES = {1: "LZ41-6C", 2: "LZ41-6D", 3: "LZ41-6D", 4: "LZ41-6C"}


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """Single-user database: four enterprises (bank details for 1–3), one 2024 award each."""
    folder = tmp_path_factory.mktemp("rules")
    path = folder / "rules.db"
    assert run(["--db", str(path), "init"]) == 0
    e = write_enterprises(folder / "e.xlsx", [enterprise_row(n) for n in RULES])
    assert run(["--db", str(path), "import", "enterprises", str(e)]) == 0
    lst = write_list(folder / "l.xlsx", [list_row(n) for n in RULES])
    assert run(["--db", str(path), "import", "siqiang-list", str(lst), "--year", "2024"]) == 0
    apps = [
        {
            "统一社会信用代码": code(n),
            "企业名称": enterprise_name(n),
            "条款编号": rule,
            "事项日期": date(2024, 3, 1),
        }
        for n, rule in RULES.items()
    ]
    a = write_applications(folder / "a.xlsx", apps)
    assert run(["--db", str(path), "import", "applications", str(a)]) == 0
    assert run(["--db", str(path), "calculate", "--year", "2024"]) == 0
    conn = sqlite3.connect(path)
    with conn:
        for n in (1, 2, 3):
            conn.execute(
                "UPDATE enterprises SET bank_name = '农业银行临淄支行', bank_account = ? WHERE credit_code = ?",
                (f"15-2401-0104-0{n:05d}", code(n)),
            )
    conn.close()
    return path


@pytest.fixture
def db(template, tmp_path):
    path = tmp_path / "rules.db"
    shutil.copyfile(template, path)
    database = Database(path, user="测试员")
    yield database
    database.close()


def award_of(db, n: int) -> int:
    return db.scalar(
        "SELECT a.id FROM awards a JOIN enterprises e ON e.id = a.enterprise_id"
        " WHERE e.credit_code = ? AND a.status <> '已撤销' ORDER BY a.id DESC LIMIT 1",
        (code(n),),
    )


def state(db, award_id: int) -> str:
    return db.scalar("SELECT status FROM awards WHERE id = ?", (award_id,))


def publicise_and_pay(db, tmp_path, *numbers: int) -> payments.Batch:
    ids = [award_of(db, n) for n in numbers]
    awards.approve(db, 2024, ids)
    publicity.create_publicity(db, 2024, "2024-09-27", 5, phone="0533-7180000")
    return payments.create_batch(db, 2024, on=date(2024, 10, 10))


def succeed(db, tmp_path, batch: payments.Batch, fail: set[int] = frozenset()) -> None:
    rows = [
        [
            i.seq,
            i.credit_code,
            i.amount_fen / 100,
            "失败" if i.award_id in fail else "成功",
            "账号错误" if i.award_id in fail else None,
            None if i.award_id in fail else date(2024, 11, 1),
            None if i.award_id in fail else f"PZ{i.seq}",
        ]
        for i in batch.items
    ]
    path = write_xlsx(
        tmp_path / f"r{batch.id}.xlsx",
        ["序号", "统一社会信用代码", "金额（元）", "支付状态", "失败原因", "支付日期", "凭证号"],
        rows,
    )
    payments.import_result(db, batch.id, path)


# -- sign-off --------------------------------------------------------------------------------


def test_the_default_chain_is_one_node_and_approve_goes_straight_to_approved(db):
    assert signoff.chain(db) == signoff.DEFAULT_CHAIN
    summary = awards.approve(db, 2024, [award_of(db, 1)])
    assert (summary.approved, summary.signed) == (1, 0)
    assert state(db, award_of(db, 1)) == "已审核"
    assert len(signoff.signatures(db, [award_of(db, 1)])[award_of(db, 1)]) == 1


def test_a_chain_of_more_than_one_node_needs_logins_on(db):
    with pytest.raises(PermissionDenied, match="需要启用登录"):
        signoff.set_chain(db, "经办:审核员,局务会:管理员")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("经办", "格式应为"),
        ("经办:录入员", "角色“录入员”无效"),
        ("经办:审核员,经办:管理员", "重复"),
        ("", "不能为空"),
    ],
)
def test_a_bad_chain_is_refused_naming_the_part(text, message):
    with pytest.raises(ValidationError, match=message):
        signoff.parse_chain(text)


def test_a_meeting_node_needs_its_minutes_number(db, monkeypatch):
    monkeypatch.setattr(signoff, "chain", lambda _db: (signoff.Node(1, "局务会", "审核员"),))
    with pytest.raises(ValidationError, match="纪要编号"):
        awards.approve(db, 2024, [award_of(db, 1)])
    awards.approve(db, 2024, [award_of(db, 1)], minutes_no="2024年第9次")
    sig = signoff.signatures(db, [award_of(db, 1)])[award_of(db, 1)][0]
    assert (sig.node_name, sig.minutes_no) == ("局务会", "2024年第9次")


def test_a_later_node_may_reject_an_award_in_review(db, monkeypatch):
    monkeypatch.setattr(
        signoff,
        "chain",
        lambda _db: (signoff.Node(1, "经办", "审核员"), signoff.Node(2, "分管领导", "审核员")),
    )
    monkeypatch.setattr(signoff, "require_logins_for", lambda _db, _nodes: None)
    award_id = award_of(db, 2)
    awards.approve(db, 2024, [award_id])
    assert state(db, award_id) == "审核中"
    awards.reject(db, award_id, "材料不全")
    assert state(db, award_id) == "不予奖补"


# -- budget ----------------------------------------------------------------------------------


def test_approval_without_a_budget_works_and_says_none_is_set(db):
    summary = awards.approve(db, 2024, [award_of(db, 1)])
    assert summary.notices == ("2024年度区级财政未设置预算，未作预算控制",)


def test_an_approval_beyond_the_budget_is_refused_naming_the_remaining_amount_and_writes_nothing(
    db,
):
    budget.set_budget(db, 2024, "区级财政", "350000")
    awards.approve(db, 2024, [award_of(db, 1)])  # 300,000
    before = db.scalar("SELECT count(*) FROM change_log")
    with pytest.raises(Conflict, match="余额50,000.00元.*需100,000.00元"):
        awards.approve(db, 2024, [award_of(db, 2)])
    assert db.scalar("SELECT count(*) FROM change_log") == before
    assert state(db, award_of(db, 2)) == "草稿"


def test_a_rule_may_name_another_fund_source(db):
    with db.transaction():
        db.execute(
            "UPDATE rules SET params = json_set(params, '$.fund_source', '市级转移支付') WHERE code = 'LZ41-6D'"
        )
    assert budget.award_source(db, award_of(db, 2)) == "市级转移支付"
    budget.set_budget(db, 2024, "区级财政", "300000")
    awards.approve(db, 2024, [award_of(db, 1), award_of(db, 2)])
    lines = {x.source: x for x in budget.budget_lines(db, 2024)}
    assert (lines["区级财政"].committed_fen, lines["市级转移支付"].committed_fen) == (
        30_000_000,
        10_000_000,
    )
    assert lines["市级转移支付"].budget_fen is None


# -- 失信 --------------------------------------------------------------------------------------


def _blacklist(tmp_path, rows, name="失信.xlsx"):
    return write_xlsx(
        tmp_path / name,
        ["统一社会信用代码", "名称", "列入日期", "移出日期", "列入机关", "事由"],
        rows,
    )


def test_a_newer_list_replaces_the_older_and_a_removed_entry_no_longer_refuses(db, tmp_path):
    import_blacklist(
        db, _blacklist(tmp_path, [[code(1), "甲", date(2024, 1, 5), None, "", "拒不履行"]])
    )
    assert listing_on(db, code(1), date(2024, 6, 1)) is not None
    assert listing_on(db, code(1), date(2024, 1, 4)) is None  # not yet listed
    import_blacklist(
        db,
        _blacklist(
            tmp_path,
            [[code(1), "甲", date(2024, 1, 5), date(2024, 3, 1), "", "拒不履行"]],
            "新.xlsx",
        ),
    )
    assert listing_on(db, code(1), date(2024, 6, 1)) is None
    awards.approve(db, 2024, [award_of(db, 1)], on=date(2024, 6, 1))
    sig = signoff.signatures(db, [award_of(db, 1)])[award_of(db, 1)][0]
    assert "新.xlsx" in sig.blacklist_note and "未列入" in sig.blacklist_note


def test_a_bad_blacklist_row_is_refused_by_row_number(db, tmp_path):
    with pytest.raises(ImportRejected, match="第2行"):
        import_blacklist(
            db, _blacklist(tmp_path, [["91370305MA0000015X", "甲", date(2024, 1, 5), None, "", ""]])
        )


def test_approval_records_that_no_list_was_imported(db):
    awards.approve(db, 2024, [award_of(db, 1)])
    sig = signoff.signatures(db, [award_of(db, 1)])[award_of(db, 1)][0]
    assert sig.blacklist_note.startswith("未导入严重失信主体名单")


# -- payment batches ---------------------------------------------------------------------------


def test_a_batch_leaves_out_each_award_with_why(db, tmp_path):
    ids = {n: award_of(db, n) for n in RULES}
    awards.approve(db, 2024, list(ids.values()))
    publicity.create_publicity(db, 2024, "2024-09-27", 5, phone="0533-7180000")
    pub = publicity.list_publicities(db)[0]
    publicity.add_objection(db, pub.id, ids[2], "李四 13900001111", "2024-09-30", "有异议")
    import_blacklist(
        db,
        _blacklist(tmp_path, [[code(3), "丙", date(2024, 10, 1), None, "市场监管局", "虚假申报"]]),
    )
    with pytest.raises(Conflict, match="公示未结束"):
        payments.create_batch(db, 2024, on=date(2024, 10, 9))  # the last day of the 公示
    batch = payments.create_batch(db, 2024, on=date(2024, 10, 10))
    assert [i.award_id for i in batch.items] == [ids[1]]
    why = {x.award_id: x.reason for x in batch.left_out}
    assert why == {ids[2]: "异议未处理", ids[3]: "失信", ids[4]: "缺少银行账户"}
    again = payments.plan_batch(db, 2024, on=date(2024, 10, 10))[1]
    assert {x.award_id: x.reason for x in again}[ids[1]] == payments.IN_BATCH


def test_an_award_not_publicised_is_left_out(db):
    awards.approve(db, 2024, [award_of(db, 1)])
    with pytest.raises(Conflict, match="未公示"):
        payments.create_batch(db, 2024)


def test_a_result_row_that_matches_no_award_is_refused_and_nothing_changes(db, tmp_path):
    batch = publicise_and_pay(db, tmp_path, 1)
    before = db.scalar("SELECT count(*) FROM change_log")
    path = write_xlsx(
        tmp_path / "r.xlsx",
        ["序号", "统一社会信用代码", "金额（元）", "支付状态"],
        [[1, code(1), "300000", "成功"], [2, code(2), "100000", "成功"]],
    )
    with pytest.raises(ImportRejected) as caught:
        payments.import_result(db, batch.id, path)
    assert [str(p) for p in caught.value.problems] == [
        "第2行：支付日期不能为空",
        "第3行：序号2不在本拨付批次中",
    ]
    assert db.scalar("SELECT count(*) FROM change_log") == before


def test_a_revoked_award_waiting_for_its_result_cannot_be_revoked(db, tmp_path):
    batch = publicise_and_pay(db, tmp_path, 1)
    with pytest.raises(Conflict, match=f"拨付批次{batch.id}"):
        awards.revoke(db, batch.items[0].award_id, "错误")


# -- 补拨 and 追回 after a correction ------------------------------------------------------------


def _correct(db, n: int, fixed: str) -> int:
    """Revoke enterprise n's paid award, change the fixed amount of its rule, recalculate."""
    awards.revoke(db, award_of(db, n), "金额更正")
    rule = RULES[n]
    with db.transaction():
        db.execute(
            "UPDATE rules SET params = json_set(params, '$.amount', ?) WHERE code = ?",
            (fixed, rule),
        )
    from desktop.services.calculation import calculate_year

    calculate_year(db, 2024)
    return award_of(db, n)


def test_a_higher_corrected_award_pays_only_the_difference(db, tmp_path):
    succeed(db, tmp_path, publicise_and_pay(db, tmp_path, 1))
    new = _correct(db, 1, "350000.00")
    awards.approve(db, 2024, [new])
    assert budget.budget_lines(db, 2024)[0].committed_fen == 5_000_000  # only 50,000 still to pay
    publicity.create_publicity(db, 2024, "2024-09-27", 5)
    batch = payments.create_batch(db, 2024, on=date(2024, 10, 10))
    (item,) = batch.items
    assert (item.award_id, item.amount_fen, item.credit_fen) == (new, 5_000_000, 30_000_000)
    assert "补拨差额" in item.summary
    succeed(db, tmp_path, batch)
    line = budget.budget_lines(db, 2024)[0]
    assert (line.committed_fen, line.paid_fen) == (0, 35_000_000)


def test_a_lower_corrected_award_is_paid_at_once_and_the_excess_is_clawed_back(db, tmp_path):
    succeed(db, tmp_path, publicise_and_pay(db, tmp_path, 1))
    new = _correct(db, 1, "250000.00")
    awards.approve(db, 2024, [new])
    assert state(db, new) == "已拨付"
    (claw,) = clawbacks.list_clawbacks(db, year=2024)
    assert (claw.award_id, claw.amount_fen, claw.status, claw.automatic) == (
        new,
        5_000_000,
        "待追回",
        True,
    )
    clawbacks.record_refund(db, claw.id, date(2025, 1, 10), "退-01")
    assert budget.budget_lines(db, 2024)[0].paid_fen == 25_000_000


def _second_award(db, n: int, rule: str) -> int:
    from desktop.services.applications import ApplicationInput, insert_applications
    from desktop.services.calculation import calculate_year

    eid = db.scalar("SELECT id FROM enterprises WHERE credit_code = ?", (code(n),))
    insert_applications(db, [ApplicationInput(eid, code(n), rule, date(2024, 8, 1))])
    calculate_year(db, 2024)
    return db.scalar(
        "SELECT max(id) FROM awards WHERE enterprise_id = ? AND rule_code = ?", (eid, rule)
    )


def test_a_clawback_offset_against_a_later_award_reduces_its_payment(db, tmp_path):
    succeed(db, tmp_path, publicise_and_pay(db, tmp_path, 1))
    paid = award_of(db, 1)
    later = _second_award(db, 1, "LZ41-6D")  # a later 100,000 award of the same enterprise
    claw = clawbacks.add_clawback(
        db, paid, "20000", "部分未达标", document="临工信〔2025〕1号", offset_against=later
    )
    with pytest.raises(ValidationError, match="超过"):
        clawbacks.add_clawback(db, paid, "290000", "再追回")
    awards.approve(db, 2024, [later])
    publicity.create_publicity(db, 2024, "2024-09-27", 5)
    batch = payments.create_batch(db, 2024, on=date(2024, 10, 10))
    (item,) = batch.items
    assert (item.amount_fen, item.offset_fen) == (8_000_000, 2_000_000)
    succeed(db, tmp_path, batch)
    (view,) = [c for c in clawbacks.list_clawbacks(db) if c.id == claw]
    assert (view.status, view.recovered_how) == ("已追回", "抵扣")
    line = budget.budget_lines(db, 2024)[0]
    assert line.paid_fen == 30_000_000 + 10_000_000 - 2_000_000


def test_a_failed_payment_is_eligible_again_and_a_second_result_pays_it(db, tmp_path):
    batch = publicise_and_pay(db, tmp_path, 1, 2)
    failed = award_of(db, 2)
    succeed(db, tmp_path, batch, fail={failed})
    assert state(db, failed) == "拨付失败"
    second = payments.create_batch(db, 2024, on=date(2024, 12, 1))
    assert [i.award_id for i in second.items] == [failed]
    succeed(db, tmp_path, second)
    assert state(db, failed) == "已拨付"
    assert db.scalar("SELECT voucher FROM awards WHERE id = ?", (failed,)) == "PZ1"


# -- deadlines, dossier, reports -----------------------------------------------------------------


def test_deadlines_list_what_waits_and_mark_the_overdue(db):
    from desktop.services.deadlines import todo

    awards.approve(db, 2024, [award_of(db, 1)])
    items = todo(db, on=date(2099, 1, 1))
    assert [(t.kind, t.award_id, t.overdue) for t in items] == [("公示", award_of(db, 1), True)]
    assert todo(db)[0].overdue is False


def test_the_dossier_and_each_report_total_their_rows(db, tmp_path):
    from desktop.reports import build_report

    batch = publicise_and_pay(db, tmp_path, 1, 2)
    succeed(db, tmp_path, batch)
    clawbacks.add_clawback(db, award_of(db, 1), "1000", "测试追回")
    for name, key, year in (
        ("publicity", "1", None),
        ("payment", str(batch.id), None),
        ("budget", None, 2024),
        ("clawbacks", None, 2024),
        ("dossier", str(award_of(db, 1)), None),
    ):
        report = build_report(db, name, year=year, credit_code=key)
        for table in report.tables:
            if table.totals is None:
                continue
            for i, column in enumerate(table.columns):
                if column.kind == "amount" and table.totals[i] is not None:
                    assert table.totals[i] == sum(r[i] or 0 for r in table.rows), (
                        name,
                        table.title,
                    )
    public = build_report(db, "publicity", credit_code="1")
    texts = " ".join(str(v) for r in public.tables[0].rows for v in r)
    assert code(1) not in texts and "农业银行" not in texts  # no credit code, no bank data
    dossier = build_report(db, "dossier", credit_code=str(award_of(db, 1)))
    titles = [t.title for t in dossier.tables]
    assert titles[1:] == [
        "政策依据与计算过程",
        "签批记录",
        "公示与异议",
        "失信核查",
        "拨付与支付凭证",
        "追回",
        "变更日志",
    ]
    assert any("PZ1" in str(v) for r in dossier.tables[5].rows for v in r)
