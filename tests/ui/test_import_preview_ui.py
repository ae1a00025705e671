"""The import preview: counts, changed fields old → new and notices before anything is written;
确定 writes, 取消 writes nothing; 撤销本次导入 takes the whole import back."""

from __future__ import annotations

import pytest
from openpyxl import Workbook
from ui_helpers import CODE_A, CODE_B, NAME_A, NAME_B

from desktop.core.creditcode import make_credit_code
from desktop.services.registry import find_by_code
from desktop.ui import messages
from desktop.ui.import_flow import open_done_dialogs, open_preview_dialogs

pytestmark = pytest.mark.gui

CODE_C = make_credit_code(org_body="MA3C4HC7")


def township_workbook(path):
    """Code, name, town only (as townships send it), a hidden row and a 合计 row."""
    wb = Workbook()
    ws = wb.active
    ws.append(["统一社会信用代码", "企业名称", "所属镇街", "银行账号"])
    ws.append([CODE_A, "淄博甲新材料股份有限公司", "辛店街道", "3730 0100 0012"])
    ws.append([CODE_B, NAME_B, "齐都镇", None])
    ws.append([CODE_C, "淄博丙电子有限公司", "闻韶街道", None])
    ws.append(["合计", "共3户"])
    ws.append(["制表人：王某"])
    ws.row_dimensions[4].hidden = True
    wb.save(path)
    return path


def _preview(qtbot, window, path):
    view = window.go_to("企业名录")
    task = view.import_file(path)
    with qtbot.waitSignal(task.finished, timeout=20_000):
        pass
    return open_preview_dialogs()[-1]


def test_registry_preview_shows_counts_changes_and_notices_and_writes_only_on_ok(
    qtbot, window, small_db, tmp_path
):
    preview = _preview(qtbot, window, township_workbook(tmp_path / "镇街名录.xlsx"))

    assert preview.counts.text() == "新增 1 户，修改 1 户，不变 1 户"
    rows = preview.change_rows()
    assert [r[3:] for r in rows if r[1] == CODE_A] == [
        ("修改", "企业名称", NAME_A, "淄博甲新材料股份有限公司"),
        ("修改", "银行账号", "（空）", "373001000012"),
    ]
    (added,) = [r for r in rows if r[1] == CODE_C]
    assert added[:5] == ("第4行", CODE_C, "淄博丙电子有限公司", "新增", "新增企业")
    assert "所属镇街：闻韶街道" in added[6]
    notices = preview.warnings.text()
    assert "第4行是隐藏行" in notices and "第5行是合计行" in notices and "第6行" in notices
    assert find_by_code(small_db, CODE_C) is None  # nothing written yet

    preview.accept()
    with qtbot.waitSignal(preview.write_task.finished, timeout=20_000):
        pass

    stored = find_by_code(small_db, CODE_A)
    assert stored is not None and stored.name == "淄博甲新材料股份有限公司"
    assert stored.above_scale and stored.industry == "新材料"  # not in the workbook: kept
    assert find_by_code(small_db, CODE_C) is not None
    done = open_done_dialogs()[-1]
    assert done.undo_button.isVisible() or not done.isVisible()
    done.reject()


def test_cancel_in_the_preview_writes_nothing(qtbot, window, small_db, tmp_path):
    preview = _preview(qtbot, window, township_workbook(tmp_path / "镇街名录.xlsx"))

    preview.reject()

    assert preview.write_task is None
    assert find_by_code(small_db, CODE_C) is None
    stored = find_by_code(small_db, CODE_A)
    assert stored is not None and stored.name == NAME_A


def test_undo_this_import_takes_it_back(qtbot, window, small_db, tmp_path):
    preview = _preview(qtbot, window, township_workbook(tmp_path / "镇街名录.xlsx"))
    preview.accept()
    with qtbot.waitSignal(preview.write_task.finished, timeout=20_000):
        pass
    done = open_done_dialogs()[-1]

    from desktop.ui import import_flow

    started: list = []
    original = import_flow.undo_last_import
    import_flow.undo_last_import = lambda ctx, parent: started.append(original(ctx, parent))
    try:
        done.undo_button.click()
    finally:
        import_flow.undo_last_import = original
    (task,) = started
    with qtbot.waitSignal(task.finished, timeout=20_000):
        pass
    box = messages._open_boxes[-1]  # 撤销…？ 是
    with qtbot.waitSignal(box.finished, timeout=5_000):
        box.button(box.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: "撤销完成" in messages.history[-1].text, timeout=20_000)

    assert find_by_code(small_db, CODE_C) is None
    stored = find_by_code(small_db, CODE_A)
    assert stored is not None and stored.name == NAME_A and stored.bank_account is None
