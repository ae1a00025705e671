"""The change log for auditors: ``services.changelog`` filters and the ``log`` command."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from desktop.core.errors import ValidationError
from desktop.services.changelog import count_log, export_log, query_log, values_text
from desktop.storage.database import Database
from tests.cli_helpers import cli


def test_filters_by_user_and_date(demo):
    with Database(demo, user="李四") as db:
        award = db.scalar("SELECT id FROM awards WHERE status = '已审核' LIMIT 1")
        from desktop.services.awards import revoke

        revoke(db, award, "重复申报")
        mine = query_log(db, user="李四")
        assert [(e.action, e.row_key) for e in mine] == [("撤销", str(award))]
        assert "理由=重复申报" in mine[0].new_text
        everything = query_log(db, limit=None)
        assert len(everything) == db.scalar("SELECT count(*) FROM change_log")
        assert [e.id for e in everything] == sorted((e.id for e in everything), reverse=True)
        today = date.today()
        assert count_log(db, date_from=today, date_to=today) == len(everything)
        assert count_log(db, date_to=today - timedelta(days=1)) == 0
        assert len(query_log(db, limit=5)) == 5
        with pytest.raises(ValidationError, match="不是有效日期"):
            query_log(db, date_from="2024-13-01")


def test_enterprise_filter_covers_its_matters_awards_and_list_places(demo):
    with Database(demo) as db:
        row = db.one(
            "SELECT e.id, e.credit_code, e.name FROM enterprises e"
            " JOIN awards a ON a.enterprise_id = e.id JOIN siqiang_list l ON l.enterprise_id = e.id"
            " WHERE a.status IN ('已审核','已拨付') LIMIT 1"
        )
        award_ids = {
            str(r[0])
            for r in db.query("SELECT id FROM awards WHERE enterprise_id = ?", (row["id"],))
        }
        entries = query_log(db, enterprise=row["credit_code"], limit=None)
        tables = {e.table_name for e in entries}
        assert {"enterprises", "applications", "awards"} <= tables
        awards_logged = {e.row_key for e in entries if e.table_name == "awards"}
        assert awards_logged and awards_logged <= award_ids
        for e in entries:
            if e.table_name == "applications":
                assert e.row_key.startswith(row["credit_code"]) or row["credit_code"] in (
                    e.new_values or ""
                )
        by_name = query_log(db, enterprise=row["name"][2:6], limit=None)
        assert {e.id for e in entries} <= {e.id for e in by_name}
        lower = query_log(db, enterprise=row["credit_code"].lower(), limit=None)
        assert {e.id for e in lower} == {e.id for e in entries}
        assert query_log(db, enterprise="没有这家企业%_") == []


def test_values_text_shows_fields_in_chinese_and_amounts_in_yuan():
    assert (
        values_text('{"status": "已审核", "amount_fen": 15000000}')
        == "状态=已审核；金额=150,000.00元"
    )
    assert values_text('{"basis_fen": 320500000, "above_scale": 1}') == (
        "计算基数=3,205,000.00元；是否规上=是"
    )
    assert values_text('{"unknown_key": "x"}') == "unknown_key=x"
    assert values_text(None) == "" and values_text("not json") == "not json"


def test_log_command_prints_and_exports(capsys, demo, tmp_path):
    code, out, _ = cli(capsys, demo, "log", "--limit", "3")
    lines = out.splitlines()
    assert code == 0 and lines[0].split()[:4] == ["编号", "时间", "操作人", "操作"]
    assert len(lines) == 2 + 3 + 1 and lines[-1].startswith("共")
    code, out, _ = cli(capsys, demo, "--user", "张三", "log", "--user", "没有此人")
    assert code == 0 and out.strip() == "（无记录）"
    xlsx = tmp_path / "日志.xlsx"
    code, out, _ = cli(capsys, demo, "log", "--from", "2000-01-01", "--out", str(xlsx))
    assert code == 0 and out.startswith("已导出变更日志")
    rows = list(load_workbook(xlsx).active.iter_rows(values_only=True))
    with Database(demo) as db:
        assert len(rows) - 4 == db.scalar("SELECT count(*) FROM change_log")
    assert rows[1][0] == "筛选条件：日期：2000-01-01 至 最新"


def test_log_command_bad_arguments(capsys, demo, tmp_path):
    code, _, err = cli(capsys, demo, "log", "--from", "昨天")
    assert code == 1 and err.startswith("错误：起始日期“昨天”不是有效日期")
    code, _, err = cli(capsys, demo, "log", "--from", "2024-05-01", "--to", "2024-04-01")
    assert code == 1 and "早于" in err
    code, _, err = cli(capsys, demo, "log", "--out", str(tmp_path / "x.csv"))
    assert code == 1 and ".xlsx" in err
    with Database(demo) as db, pytest.raises(ValidationError, match="不存在"):
        export_log(db, tmp_path / "无此目录" / "x.xlsx")
