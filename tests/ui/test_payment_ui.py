"""The payment path in the GUI: 签批 from 核定与审核, 公示 with the holiday-aware end date, an
objection, a payment batch with its 拨付清单, 财政's result, a clawback, the 待办 start page and
the working-day calendar's warning for a year it does not cover."""

from __future__ import annotations

from datetime import date

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import QDate
from ui_helpers import CODE_A, CODE_B, add_application

from desktop.services.awards import list_awards
from desktop.ui import messages
from desktop.ui.common import open_dialogs
from tests.workbooks import write_xlsx

pytestmark = pytest.mark.gui


@pytest.fixture
def paid_path(qtbot, window, small_db):
    add_application(small_db, CODE_A, "LZ41-6C", "2024-03-01")
    add_application(small_db, CODE_B, "LZ41-6D", "2024-03-01")
    from desktop.services.calculation import calculate_year

    calculate_year(small_db, 2024)
    with small_db.transaction():
        small_db.execute(
            "UPDATE enterprises SET bank_name = '工商银行临淄支行', bank_account = '160300120920012345'"
        )
    return window


def _last_dialog():
    return open_dialogs()[-1]


def test_sign_publicise_object_pay_and_claw_back_through_the_windows(
    qtbot, paid_path, small_db, tmp_path
):
    window = paid_path
    awards_view = window.go_to("核定与审核")
    assert awards_view.payment_action.menu().actions()[0].text().startswith("签批所选")
    ids = [a.id for a in list_awards(small_db, 2024)]
    awards_view.table.selectAll()
    awards_view.payment_action.menu().actions()[0].trigger()
    sign = _last_dialog()
    assert sign.award_ids == sorted(ids) or set(sign.award_ids) == set(ids)
    sign._accept()
    assert {a.status for a in list_awards(small_db, 2024)} == {"已审核"}

    payment = window.go_to("拨付")
    dialog = payment.new_publicity()
    dialog.start.setDate(QDate(2024, 9, 27))
    dialog.days.setValue(5)
    assert dialog.end.text().startswith("2024-10-09")
    dialog.phone.setText("0533-7180000")
    dialog._accept()
    payment.reload()
    assert payment.pub_model.rowCount() == 1
    payment.pub_table.selectRow(0)
    out = tmp_path / "公示.xlsx"
    task = payment.export_publicity(out)
    with qtbot.waitSignal(task.finished, timeout=20_000):
        pass
    assert out.exists()

    # An objection from 核定与审核 on B's award, judged not upheld in the register.
    b_award = next(a for a in list_awards(small_db, 2024) if a.credit_code == CODE_B)
    awards_view = window.go_to("核定与审核")
    from desktop.ui.payment_dialogs import open_objection

    objection = open_objection(window.ctx, awards_view, b_award.id)
    objection.person.setText("王五")
    objection.phone.setText("13700001111")
    objection.received.setDate(QDate(2024, 9, 29))
    objection.content.setPlainText("车间尚未投产")
    objection._accept()
    assert objection.objection_id is not None
    payment = window.go_to("拨付")
    payment.pub_table.selectRow(0)
    payment.obj_table.selectRow(0)
    close = payment.close_objection()
    close.reason.setPlainText("经核实已投产")
    close._accept()

    book = tmp_path / "拨付.xlsx"
    task = payment.new_batch(book)
    with qtbot.waitSignal(task.finished, timeout=20_000):
        pass
    cells = [c for r in load_workbook(book).active.iter_rows(values_only=True) for c in r if c]
    assert "肆拾万元整" in " ".join(map(str, cells))
    payment.reload()
    payment.tabs.setCurrentIndex(1)
    payment.batch_table.selectRow(0)
    assert payment.item_model.rowCount() == 2
    items = payment.item_model.rows()
    result = write_xlsx(
        tmp_path / "结果.xlsx",
        ["序号", "统一社会信用代码", "金额（元）", "支付状态", "失败原因", "支付日期", "凭证号"],
        [
            [
                i.seq,
                i.credit_code,
                i.amount_fen / 100,
                "成功",
                None,
                date(2024, 11, 1),
                f"PZ{i.seq}",
            ]
            for i in items
        ],
    )
    assert payment.import_result(result).succeeded == 2
    assert {a.status for a in list_awards(small_db, 2024)} == {"已拨付"}

    from desktop.ui.payment_dialogs import open_clawback

    claw = open_clawback(window.ctx, awards_view, ids[0])
    claw.amount.setText("1000")
    claw.reason.setText("部分设备未投用")
    claw._accept()
    assert claw.clawback_id is not None
    payment = window.go_to("拨付")
    assert payment.claw_model.rowCount() == 1

    start = window.go_to("待办")
    assert [t.kind for t in start.model.rows()] == ["追回"]
    assert "待办 1 项" in start.summary.text()


def test_the_calendar_editor_warns_for_a_year_it_does_not_cover(qtbot, window):
    payment = window.go_to("拨付")
    dialog = payment.open_calendar()
    dialog.year.setValue(2024)
    assert not dialog.warning.isVisible() or dialog.warning.text() == ""
    assert any(d.day == date(2024, 9, 29) and d.workday for d in dialog.model.rows())
    dialog.year.setValue(2027)
    assert "2027年不在工作日历中" in dialog.warning.text()
    dialog.calendar.setSelectedDate(QDate(2027, 10, 1))
    dialog.note.setText("国庆节")
    assert dialog.set_selected(False)
    assert "2027年不在工作日历中" not in dialog.warning.text()
    assert [d.note for d in dialog.model.rows()] == ["国庆节"]
    messages.close_all()


def test_a_publicity_dialog_shows_the_fallback_warning(qtbot, window):
    dialog = window.go_to("拨付").new_publicity()
    dialog.start.setDate(QDate(2027, 9, 30))
    assert "2027年不在工作日历中" in dialog.warning.text()
    assert dialog.end.text().startswith("2027-10-06")
