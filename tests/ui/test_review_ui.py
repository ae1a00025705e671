"""核定与审核: recalculation off the GUI thread, approval, rejection with a required reason."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from ui_helpers import CODE_A, CODE_B, add_application, answer, last_message, type_text

from desktop.services.awards import list_awards
from desktop.ui import theme
from desktop.ui.models import AwardTableModel

pytestmark = pytest.mark.gui


@pytest.fixture
def review(qtbot, window, small_db):
    add_application(small_db, CODE_A, "LZ41-2", "2024-03-15", basis_fen=320_500_000)
    add_application(small_db, CODE_A, "LZ41-2", "2024-09-20", basis_fen=200_000_000)
    add_application(small_db, CODE_B, "LZ41-2", "2024-03-15", basis_fen=320_500_000)
    view = window.go_to("核定与审核")
    assert view.model.rowCount() == 0
    task = view.recalculate()
    with qtbot.waitSignal(task.finished, timeout=10_000):
        pass
    assert task.error is None
    messages_text = last_message()
    assert "2024年度计算完成" in messages_text and "1,500,000.00" in messages_text
    return view


def select(view, *award_ids):
    view.select_ids(award_ids)


def test_recalculation_fills_the_table_and_the_totals(review):
    amounts = sorted(a.amount_fen for a in review.model.rows())
    assert amounts == [0, 53_850_000, 96_150_000]
    assert review.totals.text().startswith("合计：3 条，金额 1,500,000.00 元")


def test_the_award_model_passes_the_model_tester(qtmodeltester, review):
    qtmodeltester.check(review.model)


def test_filters_change_the_visible_rows_and_their_total(review):
    review.town.setCurrentIndex(review.town.findText("齐都镇"))
    assert review.model.rowCount() == 1
    assert review.totals.text().startswith("合计：1 条，金额 0.00 元")
    review.town.setCurrentIndex(0)
    review.status.setCurrentIndex(review.status.findText("草稿"))
    assert review.model.rowCount() == 3


def test_approving_the_selection_locks_the_rows(qtbot, review, small_db):
    first = next(a for a in review.model.rows() if a.amount_fen == 96_150_000)
    select(review, first.id)
    qtbot.mouseClick(review.approve_button, Qt.MouseButton.LeftButton)
    assert "已审核通过 1 条" in last_message()
    statuses = {a.id: a.status for a in list_awards(small_db, 2024)}
    assert statuses[first.id] == "已审核"
    row = next(r for r in range(review.model.rowCount()) if review.model.row(r).id == first.id)
    index = review.model.index(row, AwardTableModel.STATUS_COLUMN)
    assert (
        review.model.data(index, Qt.ItemDataRole.BackgroundRole).color() == theme.LOCKED_BACKGROUND
    )
    assert review.model.data(index, Qt.ItemDataRole.DecorationRole) is not None
    assert review.model.data(index, Qt.ItemDataRole.FontRole).bold()
    assert "已审核/已拨付 1 条" in review.totals.text()


def test_approve_all_drafts_after_confirmation(review, small_db):
    review.approve_all()
    assert "全部 2 条草稿" in last_message()
    answer("Yes")
    assert sorted(a.status for a in list_awards(small_db, 2024)) == ["已审核", "已审核", "草稿"]


def test_reject_without_a_reason_is_refused_then_done_with_one(qtbot, review, small_db):
    draft = next(a for a in review.model.rows() if a.amount_fen == 53_850_000)
    select(review, draft.id)
    dialog = review.reject_selected()
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert "不予奖补必须填写理由" in last_message()
    assert dialog.isVisible()
    assert {a.id: a.status for a in list_awards(small_db, 2024)}[draft.id] == "草稿"
    type_text(qtbot, dialog.editor, "材料不全，经复核不予奖补")
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    award = {a.id: a for a in list_awards(small_db, 2024)}[draft.id]
    assert (award.status, award.decision_reason) == ("不予奖补", "材料不全，经复核不予奖补")
    assert "（其中不予奖补、已撤销 1 条不计入金额）" in review.totals.text()


def test_the_calculation_trace_is_shown(review):
    select(review, review.model.row(0).id)
    dialog = review.explain_selected()
    text = dialog.text.toPlainText()
    assert "政策依据：临政字〔2021〕41号" in text and "条件检查" in text


def test_approved_rows_can_be_revoked_with_a_reason_only(qtbot, review, small_db):
    first = next(a for a in review.model.rows() if a.amount_fen == 96_150_000)
    select(review, first.id)
    review.approve_selected()
    select(review, first.id)
    dialog = review.revoke_selected()
    dialog._accept()
    assert "撤销必须填写理由" in last_message()
    type_text(qtbot, dialog.editor, "重复申报")
    dialog._accept()
    assert {a.id: a.status for a in list_awards(small_db, 2024)}[first.id] == "已撤销"
