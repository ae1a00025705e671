"""The correction path in the window: 撤销审核 (reason) → edit the matter → 重新计算 → a new draft at
the new amount, linked to the revoked award that stays listed → 审核通过: one approved award at the
new amount. Locked matters say so before editing; 删除 is disabled with the reason."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from ui_helpers import CODE_A, add_application, answer, last_message

from desktop.core import status
from desktop.services.awards import list_awards
from desktop.ui import messages
from desktop.ui.models import AwardTableModel

pytestmark = pytest.mark.gui


def _recalculate(qtbot, window):
    task = window.recalculate()
    with qtbot.waitSignal(task.finished, timeout=10_000):
        pass
    assert task.error is None


@pytest.fixture
def approved(qtbot, window, small_db):
    add_application(small_db, CODE_A, "LZ41-2", "2024-03-15", basis_fen=100_000_000)
    view = window.go_to("核定与审核")
    _recalculate(qtbot, window)
    (award,) = view.model.rows()
    assert award.amount_fen == 30_000_000  # 1,000,000 × 30%
    view.approve_ids([award.id])
    return view, award


def test_revoke_edit_recalculate_approve_ends_with_one_approved_award_at_the_new_amount(
    qtbot, window, small_db, approved
):
    view, award = approved
    view.select_ids([award.id])
    dialog = view.revoke_selected()
    dialog.editor.setPlainText("基数录入错误")
    dialog._accept()
    assert {a.id: a.status for a in list_awards(small_db, 2024)}[award.id] == status.REVOKED

    view.select_ids([award.id])
    form = view.edit_matter_selected()
    assert not form.locked and form.buttons.button(form.buttons.StandardButton.Save)
    form.basis.setText("2,000,000")
    form.save()
    assert "按 F5" in last_message()
    messages.close_all()

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window.focusWidget() or window, Qt.Key.Key_F5)  # F5, whichever view is shown
    qtbot.waitUntil(lambda: len(view.model.rows()) == 2, timeout=10_000)
    rows = {a.id: a for a in view.model.rows()}
    revoked = rows[award.id]
    (new,) = [a for a in rows.values() if a.id != award.id]
    assert (revoked.status, revoked.superseded_by) == (status.REVOKED, new.id)
    assert (new.status, new.amount_fen, new.supersedes) == (status.DRAFT, 60_000_000, award.id)
    note_col = len(AwardTableModel.columns) - 1
    new_row = view.model.row_of_id(new.id)
    assert f"【更正编号{award.id}】" in view.model.index(new_row, note_col).data()
    amount_of_revoked = view.model.index(view.model.row_of_id(award.id), 7)
    assert amount_of_revoked.data() == "0.00"
    assert "计算金额 300,000.00 元" in amount_of_revoked.data(Qt.ItemDataRole.ToolTipRole)

    view.select_ids([new.id])
    view.approve_selected()
    final = [(a.status, a.amount_fen) for a in list_awards(small_db, 2024)]
    assert sorted(final) == sorted([(status.REVOKED, 30_000_000), (status.APPROVED, 60_000_000)])
    assert [a for a in final if a[0] in status.GRANTED] == [(status.APPROVED, 60_000_000)]


def test_a_matter_with_an_approved_award_opens_read_only_with_the_way_to_correct_it(
    window, approved
):
    apps = window.go_to("奖补事项")
    (row,) = apps.model.rows()
    assert (row.award_status, row.locked) == (status.APPROVED, True)
    index = apps.model.index(0, apps.model.STATUS_COLUMN)
    assert index.data() == status.APPROVED
    assert "撤销审核" in index.data(Qt.ItemDataRole.ToolTipRole)
    dialog = apps.edit(row)
    assert dialog.locked and "撤销审核" in dialog.lock_notice.text()
    assert dialog.enterprise.isReadOnly() and dialog.basis.edit.isReadOnly()
    assert not dialog.rule.isEnabled()
    assert dialog.buttons.button(dialog.buttons.StandardButton.Save) is None
    dialog.done(0)


def test_delete_is_disabled_with_a_tooltip_instead_of_asking_and_refusing(window, approved):
    apps = window.go_to("奖补事项")
    apps.table.select_source_row(0)
    assert not apps.delete_button.isEnabled()
    assert "不能删除" in apps.delete_button.toolTip()
    assert apps.edit_button.text() == "查看…"
    before = len(list(last_message()))
    apps._delete_selected()  # nothing asked
    assert len(list(last_message())) == before


def test_a_draft_matter_can_be_deleted_after_confirmation(qtbot, window, small_db):
    add_application(small_db, CODE_A, "LZ41-2", "2024-03-15", basis_fen=100_000_000)
    apps = window.go_to("奖补事项")
    apps.table.select_source_row(0)
    assert apps.delete_button.isEnabled()
    apps._delete_selected()
    answer("Yes")
    assert small_db.scalar("SELECT count(*) FROM applications") == 0
