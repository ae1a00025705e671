"""Chinese where the clerk looks (file dialogs, the change log in 元, message-box titles), the trace
window copied, printed and saved as PDF, the built-in manual on F1, the first-year 新列入
warning and 全部草稿审核通过 saying what it does with 0-amount drafts."""

from __future__ import annotations

import subprocess

import pytest
from PySide6.QtCore import QLocale, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QFileDialog, QLabel, QPushButton
from ui_helpers import CODE_A, CODE_B, add_application, answer, last_message

from desktop.core import status
from desktop.services.awards import list_awards
from desktop.ui import messages

pytestmark = pytest.mark.gui


def _recalculate(qtbot, view):
    task = view.recalculate()
    with qtbot.waitSignal(task.finished, timeout=10_000):
        pass
    messages.close_all()


def test_file_dialogs_are_qts_own_in_chinese_where_the_system_is_not_chinese(qapp):
    from desktop.ui.theme import use_qt_file_dialogs

    assert use_qt_file_dialogs(qapp, QLocale(QLocale.Language.English)) is True
    assert qapp.testAttribute(Qt.ApplicationAttribute.AA_DontUseNativeDialogs)
    dialog = QFileDialog(None, "打开数据库", "", "数据库文件 (*.db)")
    labels = {w.text() for w in dialog.findChildren(QLabel)}
    assert {"查找范围(&L)：", "文件名(&N)：", "文件类型(&T)："} <= labels
    assert {b.text() for b in dialog.findChildren(QPushButton)} >= {"打开(&O)", "取消"}
    dialog.deleteLater()
    assert use_qt_file_dialogs(qapp, QLocale(QLocale.Language.Chinese)) is False
    use_qt_file_dialogs(qapp)  # back to this machine's choice


def test_standard_buttons_keep_their_chinese_text(qapp):
    box = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Save
        | QDialogButtonBox.StandardButton.Close
        | QDialogButtonBox.StandardButton.Cancel
    )
    assert {b.text() for b in box.buttons()} == {"保存", "关闭", "取消"}


def test_message_box_titles_are_not_cut_off(window):
    title = "未能保存奖补事项：事项日期无效，请更正后再保存"
    box = messages.show_info(window, "短", title)
    QApplication.processEvents()
    assert box.width() > box.fontMetrics().horizontalAdvance(title) * 1.3


def test_the_change_log_shows_amounts_in_yuan_and_fields_in_chinese(qtbot, small_db, window):
    from desktop.ui.log_view import LogDialog

    add_application(small_db, CODE_A, "LZ41-2", "2024-03-15", basis_fen=15_000_000)
    log = LogDialog(small_db, window)
    texts = {
        log.model.index(r, c).data()
        for r in range(log.model.rowCount())
        for c in range(log.model.columnCount())
    }
    joined = "\n".join(str(t) for t in texts)
    assert "计算基数=150,000.00元" in joined
    assert "basis_fen" not in joined and "amount_fen" not in joined
    log.close()


@pytest.fixture
def trace(qtbot, window, small_db):
    add_application(small_db, CODE_A, "LZ41-2", "2024-03-15", basis_fen=100_000_000)
    view = window.go_to("核定与审核")
    _recalculate(qtbot, view)
    view.select_ids([view.model.row(0).id])
    return view.explain_selected()


def test_the_trace_window_copies_its_text(trace):
    QGuiApplication.clipboard().clear()
    trace.copy_button.click()
    assert "政策依据：临政字〔2021〕41号" in QGuiApplication.clipboard().text()


def test_the_trace_window_saves_a_pdf_with_the_chinese_text(trace, tmp_path):
    pdf = trace.save_pdf(tmp_path / "计算过程.pdf")
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "计算过程" in text and "政策依据" in text and "300,000.00" in text


def test_the_trace_window_prints_through_qprinter(trace, tmp_path):
    from PySide6.QtPrintSupport import QPrinter

    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "打印.pdf"))
    trace.print_to(printer)
    assert (tmp_path / "打印.pdf").stat().st_size > 1000
    assert trace.print_button.text() == "打印…" and trace.pdf_button.text() == "保存为PDF…"


def test_f1_opens_the_chinese_manual_with_its_pictures(qtbot, window):
    from desktop.ui.manual import ManualDialog

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_F1)
    manual = window._manual
    assert isinstance(manual, ManualDialog) and manual.isVisible()
    text = manual.browser.toPlainText()
    for step in ("企业名录", "四强名单", "奖补事项", "核定与审核", "撤销审核", "F5", "Ctrl+C"):
        assert step in text
    doc = manual.browser.document()
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QTextDocument

    for name in ("review.png", "correction.png", "enterprises.png"):
        image = doc.resource(QTextDocument.ResourceType.ImageResource, QUrl(f"images/{name}"))
        assert image is not None and not image.isNull(), name
    assert window.manual_action.text() == "使用说明"
    manual.close()


def test_the_first_year_warns_that_the_previous_list_is_missing(qtbot, window, small_db):
    add_application(small_db, CODE_A, "LZ41-3", "2024-06-30", basis_fen=50_000_000)
    lists = window.go_to("四强名单")
    assert "没有2023年度四强企业名单" in lists.comparison.text()
    view = window.go_to("核定与审核")
    _recalculate(qtbot, view)
    (award,) = [a for a in view.model.rows() if a.rule_code == "LZ41-3"]
    assert award.amount_fen > 0
    assert view.warning.isVisible() and "没有2023年度四强企业名单" in view.warning.text()
    view.approve_ids([award.id])
    assert "新列入" in last_message() and messages.history[-1].kind == "question"
    assert {a.id: a.status for a in list_awards(small_db, 2024)}[award.id] == status.DRAFT
    answer("Yes")
    assert {a.id: a.status for a in list_awards(small_db, 2024)}[award.id] == status.APPROVED


def test_no_warning_once_the_previous_list_is_there(qtbot, window, small_db):
    from desktop.services.siqiang_lists import replace_list

    eid = small_db.scalar("SELECT id FROM enterprises WHERE credit_code = ?", (CODE_B,))
    replace_list(small_db, 2023, {eid})
    add_application(small_db, CODE_A, "LZ41-3", "2024-06-30", basis_fen=50_000_000)
    view = window.go_to("核定与审核")
    _recalculate(qtbot, view)
    assert not view.warning.isVisible()


def test_approve_all_says_how_many_zero_drafts_are_left_and_why(qtbot, window, small_db):
    add_application(small_db, CODE_A, "LZ41-2", "2024-03-15", basis_fen=100_000_000)
    add_application(small_db, CODE_B, "LZ41-2", "2024-03-15", basis_fen=100_000_000)
    view = window.go_to("核定与审核")
    _recalculate(qtbot, view)
    view.approve_all()
    question = last_message()
    assert "全部 1 条草稿" in question
    assert "另有 1 条草稿核定为0，不需审核，保留为草稿" in question and "（1条）" in question
    answer("Yes")
    assert "另有 1 条草稿核定为0" in last_message()
    statuses = sorted((a.status, a.amount_fen) for a in list_awards(small_db, 2024))
    assert statuses == sorted([(status.DRAFT, 0), (status.APPROVED, 30_000_000)])
