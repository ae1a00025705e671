"""受理 at the district and the outcomes at a township, and the 文件 menu's office actions."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel
from ui_helpers import answer, last_message, make_window

from desktop.ui import messages

pytestmark = pytest.mark.gui

TOWN = "辛店街道"


def _run(tmp_path: Path, office: str, *args: str) -> None:
    from desktop.cli import run

    os.environ["SIQIANG_DATA_DIR"] = str(tmp_path / f"{office}-data")
    assert run(["--db", str(tmp_path / f"{office}.db"), *args]) == 0


def build_offices(tmp_path: Path) -> Path:
    """A district with a town's package imported (three matters in 受理) and a city list file;
    returns the city list's path. Used by the screenshots too."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from workbooks import (
        APPLICATION_HEADERS,
        application_row,
        code,
        enterprise_row,
        write_enterprises,
        write_records,
    )

    enterprises = write_enterprises(
        tmp_path / "ent.xlsx", [enterprise_row(i, 所属镇街=TOWN) for i in range(3)]
    )
    _run(tmp_path, "district", "init")
    _run(tmp_path, "district", "import", "enterprises", str(enterprises))
    _run(tmp_path, "town", "init", "--township", TOWN)
    _run(tmp_path, "town", "import", "enterprises", str(enterprises))
    apps = write_records(
        tmp_path / "apps.xlsx", APPLICATION_HEADERS, [application_row(i) for i in range(3)]
    )
    _run(tmp_path, "town", "import", "applications", str(apps))
    _run(tmp_path, "town", "package", "export", "--out", str(tmp_path / "p1.sqpkg"))
    key = tmp_path / "town-data" / "keys" / "installation-ed25519.pub"
    _run(tmp_path, "district", "township", "register", TOWN, "--key", str(key))
    headers = ("统一社会信用代码", "企业名称", "市级政策文号", "市级资金金额（元）", "下达日期")
    return write_records(
        tmp_path / "city.xlsx",
        headers,
        [
            dict(
                zip(
                    headers,
                    (code(2), None, "淄政办字〔2021〕7号", 1000, date(2024, 5, 6)),
                    strict=True,
                )
            )
        ],
    )


@pytest.fixture
def offices(tmp_path, monkeypatch):
    monkeypatch.setenv("SIQIANG_DATA_DIR", str(tmp_path / "district-data"))
    city = build_offices(tmp_path)
    monkeypatch.setenv("SIQIANG_DATA_DIR", str(tmp_path / "district-data"))
    return tmp_path, city


def _open(tmp_path: Path, office: str):
    from desktop.storage.database import Database

    return Database(tmp_path / f"{office}.db", user="测试员")


def _wait(qtbot, task) -> None:
    with qtbot.waitSignal(task.finished, timeout=15_000):
        pass


def _select(view, row: int) -> None:
    view.table.selectionModel().select(
        view.model.index(row, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )


def test_the_file_menu_offers_the_office_actions(qtbot, offices, settings):
    tmp_path, _city = offices
    db = _open(tmp_path, "district")
    window = make_window(qtbot, db, settings, 2024)
    file_menu = window.menuBar().actions()[0].menu()
    texts = [a.text() for a in file_menu.actions()]
    for text in ("导出上报包…", "导入上报包…", "导入回执…", "导入市级下达清单…"):
        assert text in texts


def test_a_package_imported_in_the_gui_lands_in_intake_and_is_accepted_or_returned(
    qtbot, qtmodeltester, offices, settings
):
    from desktop.ui.office_flow import import_package

    tmp_path, _city = offices
    db = _open(tmp_path, "district")
    window = make_window(qtbot, db, settings, 2024)
    view = window.go_to("受理")
    assert view.model.rowCount() == 0
    _wait(qtbot, import_package(window.ctx, view, tmp_path / "p1.sqpkg"))
    assert "第1号上报包" in last_message() and "新事项3个" in last_message()
    assert [i.state for i in view.model.rows()] == ["待受理"] * 3
    qtmodeltester.check(view.model)
    _select(view, 0)
    assert "受理编号 1：事项（待受理），来源：辛店街道第1号上报包" in view.detail.toPlainText()
    assert view.accept_selected()
    assert "已受理为区级事项1" in last_message()
    assert view.model.rowCount() == 2  # the filter shows what is still pending
    _select(view, 0)
    dialog = view.return_selected()
    dialog.editor.setPlainText("缺少到账凭证")
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    view.filter.setCurrentIndex(1)
    states = {i.id: (i.state, i.reason) for i in view.model.rows()}
    assert states[1] == ("已受理", None) and states[2] == ("已退回", "缺少到账凭证")


def test_the_city_list_in_the_gui_creates_a_matter_and_saves_the_reconcile_report(
    qtbot, offices, settings
):
    from openpyxl import load_workbook

    from desktop.ui import office_flow

    tmp_path, city = offices
    db = _open(tmp_path, "district")
    window = make_window(qtbot, db, settings, 2024)
    captured = {}
    real = office_flow.save_reconcile_dialog
    office_flow.save_reconcile_dialog = lambda parent, result: captured.setdefault(
        "path", office_flow.save_reconcile(parent, result, tmp_path / "对账.xlsx")
    )
    try:
        _wait(qtbot, office_flow.import_city(window.ctx, window, city))
        assert "新建事项1条" in messages.history[-1].text
        answer("Yes")
    finally:
        office_flow.save_reconcile_dialog = real
    assert captured["path"] == tmp_path / "对账.xlsx"
    assert load_workbook(captured["path"]).sheetnames == [
        "匹配一致",
        "新建事项",
        "金额变更",
        "清单未列",
    ]
    assert db.scalar("SELECT source FROM applications") == "市级下达清单生成"


def test_a_refused_package_is_said_in_chinese(qtbot, offices, settings):
    from desktop.ui.office_flow import import_package

    tmp_path, _city = offices
    bad = tmp_path / "bad.sqpkg"
    raw = bytearray((tmp_path / "p1.sqpkg").read_bytes())
    raw[len(raw) // 2] ^= 1
    bad.write_bytes(bytes(raw))
    db = _open(tmp_path, "district")
    window = make_window(qtbot, db, settings, 2024)
    _wait(qtbot, import_package(window.ctx, window, bad))
    shown = messages.history[-1]
    assert shown.title == "上报包未导入" and "上报包被拒绝" in shown.text


def test_the_township_sees_each_outcome_after_the_receipt(qtbot, offices, settings, monkeypatch):
    from desktop.ui.office_flow import import_receipt

    tmp_path, _city = offices
    _run(tmp_path, "district", "package", "import", str(tmp_path / "p1.sqpkg"))
    _run(tmp_path, "district", "intake", "accept", "1")
    _run(tmp_path, "district", "intake", "return", "2", "--reason", "缺少到账凭证")
    receipt = tmp_path / "r1.sqrcpt"
    _run(tmp_path, "district", "receipt", "export", "--township", TOWN, "--out", str(receipt))
    monkeypatch.setenv("SIQIANG_DATA_DIR", str(tmp_path / "town-data"))
    db = _open(tmp_path, "town")
    window = make_window(qtbot, db, settings, 2024)
    view = window.go_to("受理")
    assert view.export_button.isVisibleTo(view) and not view.accept_button.isVisibleTo(view)
    _wait(qtbot, import_receipt(window.ctx, view, receipt))
    assert "首次导入回执" in last_message()
    outcomes = [(o.town_matter_id, o.outcome, o.reason) for o in view.model.rows()]
    assert outcomes == [(1, "受理", None), (2, "退回", "缺少到账凭证"), (3, "待受理", None)]
