"""Screenshots of every main view and dialog, on a fresh demo database.

    python scripts/screenshots.py OUT_DIR
    python scripts/screenshots.py --manual     (the manual's pictures, into resources/manual/images)

Runs headless (``QT_QPA_PLATFORM=offscreen`` unless set) with the bundled font, so the pictures
are the same on every machine. Look at them: Chinese as boxes, clipped columns or English text
do not fail any test.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

# Before anything imports Qt: no display is needed.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QDate, QItemSelectionModel, QSettings, Qt  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

MANUAL_DIR = Path(__file__).resolve().parent.parent / "resources" / "manual" / "images"
# Screenshot name → manual picture name, width in pixels (kept small: they ship with the program).
MANUAL_PICTURES = {
    "01-企业名录": ("enterprises.png", 900),
    "02-四强名单": ("siqiang.png", 900),
    "09-新增奖补事项-预览": ("application-form.png", 760),
    "04-核定与审核": ("review.png", 900),
    "24-更正-新草稿": ("correction.png", 900),
}


def save_manual_pictures(out: Path) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage

    MANUAL_DIR.mkdir(parents=True, exist_ok=True)
    for shot, (name, width) in MANUAL_PICTURES.items():
        image = QImage(str(out / f"{shot}.png"))
        small = image.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)
        small = small.convertToFormat(QImage.Format.Format_Indexed8)
        small.save(str(MANUAL_DIR / name), "PNG", 0)


def _registry_import_shots(window, app, work: Path, save, settle) -> None:
    """企业名录: a township's update (code, name, town, bank account; a hidden row; 合计 and 落款),
    previewed before anything is written; and a refused one (a code stored as a number)."""
    from openpyxl import Workbook

    # 企业名录: a township's update (code, name, town, bank account; a hidden row; 合计 and
    # 落款), previewed before anything is written; and a refused one (codes stored as numbers).
    from desktop.services.registry import all_enterprises
    from desktop.ui.import_flow import open_preview_dialogs, open_problem_dialogs

    known = all_enterprises(window.db)[:3]
    update = work / "镇街企业名录.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append(["临淄区企业名录（镇街报送）"])
    ws.append(["序号", "统一社会信用代码", "企业名称", "所属镇街", "开户银行", "银行账号"])
    ws.append(
        [
            1,
            known[0].credit_code,
            known[0].name + "（更名）",
            known[0].town,
            "工商银行临淄支行",
            "1603 0012 0920 0123 456",
        ]
    )
    ws.append([2, known[1].credit_code, known[1].name, known[1].town, None, None])
    ws.append([3, known[2].credit_code, known[2].name, "齐都镇", None, None])
    ws.append(["合计", "共3户"])
    ws.append([None, "制表人：王某", None, "审核人：李某"])
    ws.row_dimensions[4].hidden = True
    wb.save(update)
    registry_view = window.go_to("企业名录")
    task = registry_view.import_file(update)
    while task.is_running():
        app.processEvents()
    settle()
    preview = open_preview_dialogs()[-1]
    save(preview, "12b-导入预览-企业名录更新")
    preview.reject()
    refused = work / "企业名录-代码成了数字.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append(["统一社会信用代码", "企业名称", "所属镇街", "银行账号"])
    ws.append([9.13703050000001e17, "淄博某某有限公司", "辛店街道", None])
    ws.append([known[0].credit_code, known[0].name, known[0].town, "12-34"])
    wb.save(refused)
    task = registry_view.import_file(refused)
    while task.is_running():
        app.processEvents()
    settle()
    problems = open_problem_dialogs()[-1]
    save(problems, "12c-导入被拒-企业名录")
    problems.reject()


def _policy_shots(app, window, save, settle) -> None:
    """政策规则: a draft of the successor policy, its editor, a new clause, 试算 and the cases."""
    policies = window.go_to("政策规则")
    copy = policies.copy_selected()
    copy.doc_number.setText("临政字〔2026〕8号")
    save(copy, "13-复制为新版本草稿")
    copy.save()
    editor = policies._dialogs[-1]
    editor.resize(1280, 860)
    editor.select_rule("LZ41-2")
    editor.editor.param_edits["rate"].setText("25%")
    editor.editor.text.setPlainText(
        "对获得淄政办字〔2021〕7号市级扶持资金的“四强”企业，按25%给予配套奖励，最高不超过150万元。"
    )
    editor.save_clause()
    save(editor, "13b-政策草稿编辑")
    added = editor.add_clause()
    added.editor.code.setText("LZ41-11")
    added.editor.clause.setText("三（十一）")
    added.editor.name.setText("首次认定国家级专精特新“小巨人”企业")
    added.editor.method.setCurrentIndex(added.editor.method.findData("fixed"))
    added.editor.set_param("amount", "50万")
    added.editor.conditions["first_time"].setChecked(True)
    added.editor.text.setPlainText(
        "对首次认定为国家级专精特新“小巨人”的企业，给予50万元一次性奖励。"
    )
    save(added, "13c-新增条款")
    added.save()
    whatif = editor.open_whatif()
    whatif.year.setValue(2025)
    whatif.resize(1200, 760)
    task = whatif.start()
    while task.is_running():
        app.processEvents()
    settle()
    save(whatif, "13d-试算")
    whatif.tabs.setCurrentIndex(3)
    save(whatif, "13e-试算-图表")
    whatif.reject()
    editor.reject()
    policies.tabs.setCurrentIndex(1)
    save(window, "05b-政策规则-典型案例")
    policies.tabs.setCurrentIndex(0)


def main(argv: list[str]) -> int:
    manual = argv == ["--manual"]
    if len(argv) != 1:
        print("用法：python scripts/screenshots.py 输出文件夹 | --manual", file=sys.stderr)
        return 2
    out = Path(tempfile.mkdtemp(prefix="siqiang-manual-")) if manual else Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="siqiang-shots-"))
    os.environ["SIQIANG_DATA_DIR"] = str(work / "data")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(work / "settings"))

    from desktop.ui.theme import configure_high_dpi, setup_application

    configure_high_dpi()  # QT_SCALE_FACTOR=1.25 / 1.5 renders as a 125 % / 150 % display does
    app = QApplication.instance() or QApplication(sys.argv[:1])

    setup_application(app)
    from desktop.app import open_initial_database
    from desktop.ui import messages
    from desktop.ui.main_window import MainWindow

    db, notice = open_initial_database(None)
    window = MainWindow(db, notice=notice)
    window.resize(1440, 880)
    window.show()
    window.set_year(2024)
    shots: list[str] = []

    def settle() -> None:
        for _ in range(5):
            app.processEvents()

    def save(widget: QWidget, name: str) -> None:
        settle()
        path = out / f"{name}.png"
        widget.grab().save(str(path))
        shots.append(path.name)

    titles = ["企业名录", "四强名单", "奖补事项", "核定与审核", "政策规则", "统计"]
    for number, title in enumerate(titles, start=1):
        window.go_to(title)
        save(window, f"{number:02d}-{title}")
    window.go_to("受理")
    save(window, "21-受理")

    # 企业名录: search, the form (both tabs), a wrong check digit.
    enterprises = window.go_to("企业名录")
    enterprises.search.setText("电子")
    enterprises.run_search()
    save(window, "01b-企业名录-搜索")
    enterprises.search.clear()
    enterprises.run_search()
    from desktop.services.awards import list_awards

    ledger_owner = list_awards(db, 2022, status="已拨付")[0].enterprise_id
    dialog = enterprises.edit_enterprise(ledger_owner)
    dialog.resize(820, 560)
    save(dialog, "07-企业信息")
    dialog.tabs.setCurrentIndex(1)
    save(dialog, "07b-企业台账")
    dialog.reject()
    dialog = enterprises.edit_enterprise(None)
    dialog.code.setText("91370305MA3C4HB1X1")
    dialog.name.setText("淄博示例新材料有限公司")
    dialog.resize(720, 420)
    save(dialog, "08-新增企业-校验位错误")
    dialog.discard()

    # 奖补事项: the form with a live preview, and a warning case.
    apps = window.go_to("奖补事项")
    from desktop.services.siqiang_lists import members

    member = members(db, 2024)[0]
    dialog = apps.edit(None)
    dialog.enterprise.setText(f"{member.name}（{member.credit_code}）")
    dialog.rule.setCurrentIndex(dialog.rule.findData("LZ41-2"))
    dialog.event_date.setDate(QDate(2024, 5, 20))
    dialog.basis.setText("3,205,000.00")
    dialog.update_preview()
    dialog.resize(900, 760)
    save(dialog, "09-新增奖补事项-预览")
    dialog.rule.setCurrentIndex(dialog.rule.findData("LZ41-5A"))
    dialog.event_date.setDate(QDate(2026, 3, 1))
    dialog.basis.setText("１２３万")
    dialog.update_preview()
    save(dialog, "09b-奖补事项-政策到期警告")
    dialog.rule.setCurrentIndex(dialog.rule.findData("LZ41-7"))
    dialog.event_date.setDate(QDate(2024, 5, 20))
    dialog.manual.setText("50万")
    dialog.update_preview()
    save(dialog, "09c-奖补事项-人工核定")
    dialog.event_date.setText("2024-02-30")
    dialog.update_preview()
    save(dialog, "09d-奖补事项-日期错误")
    dialog.reject()  # asks before discarding what was typed
    save(messages.open_boxes()[-1], "09e-放弃修改询问")
    dialog.discard()
    messages.close_all()

    # 核定与审核: explanation, reason dialog.
    review = window.go_to("核定与审核")
    review.table.selectRow(0)
    text = review.explain_selected()
    save(text, "10-计算过程")
    text.reject()
    drafts = [a.id for a in review.model.rows() if a.status == "草稿" and a.amount_fen > 0]
    review.select_ids(drafts[:1])
    reason = review.reject_selected()
    save(reason, "11-不予奖补理由")
    reason.reject()
    # Sorted by amount, three rows selected: the status bar sums them; the right-click menu.
    review.table.sortByColumn(7, Qt.SortOrder.DescendingOrder)
    review.table.selectRow(0)
    review.table.selectionModel().select(
        review.table.model().index(2, 0),
        QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
    )
    save(window, "21-核定与审核-排序后多选")
    menu = review.table.build_menu()
    menu.popup(
        review.table.viewport().mapToGlobal(
            review.table.visualRect(review.table.model().index(0, 1)).center()
        )
    )
    save(menu, "22-右键菜单")
    menu.close()
    review.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
    window.resize(1024, 768)
    save(window, "23-核定与审核-1024x768")
    window.resize(1440, 880)
    review.approve_all()
    save(messages.open_boxes()[-1], "25-全部草稿审核-核定为0的说明")
    messages.close_all()

    # 四强名单: a refused import.
    from openpyxl import Workbook

    bad = work / "四强名单-有错.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append(["统一社会信用代码", "企业名称"])
    ws.append([member.credit_code, member.name])
    ws.append(["91370305MA3C4HB1X1", "淄博某某有限公司"])
    ws.append(["12345", "淄博短代码有限公司"])
    wb.save(bad)
    lists = window.go_to("四强名单")
    task = lists.import_file(bad)
    while task.is_running():
        app.processEvents()
    settle()
    from desktop.ui.import_flow import open_problem_dialogs

    problems = open_problem_dialogs()[-1]
    save(problems, "12-导入错误清单")
    problems.reject()

    _registry_import_shots(window, app, work, save, settle)
    _policy_shots(app, window, save, settle)

    stats = window.go_to("统计")
    stats.tabs.setCurrentIndex(1)
    save(window, "06b-统计-按镇街")
    stats.tabs.setCurrentIndex(2)
    save(window, "06c-统计-考核加分")
    stats.tabs.setCurrentIndex(4)
    save(window, "06d-统计-图表")

    from desktop.ui.export_flow import ExportDialog

    export = ExportDialog(window.ctx, window)
    export.show()
    save(export, "14-导出报表")
    export.reject()
    box = messages.ask(
        window,
        "已导出：C:/Users/clerk/Documents/2024年度奖补明细表.xlsx（58行）\n现在打开该文件吗？",
        lambda: None,
        title="导出完成",
    )
    save(box, "15-提示框")
    messages.close_all()
    window.set_year(2023)
    review = window.go_to("核定与审核")
    save(window, "16-核定与审核-2023已审核锁定")
    # The correction path: revoke (reason) → the matter (read-only before, editable after) →
    # recalculate → a new draft linked to the revoked award.
    approved = next(
        a for a in review.model.rows() if a.status == "已审核" and a.rule_code == "LZ41-2"
    )
    review.select_ids([approved.id])
    matter = review.edit_matter_selected()
    matter.resize(900, 760)
    save(matter, "26-已审核事项-只读")
    matter.reject()
    from desktop.services.awards import revoke

    revoke(db, approved.id, "基数录入错误，更正后重新审核")
    window.ctx.notify()
    review.select_ids([approved.id])
    matter = review.edit_matter_selected()
    matter.basis.setText("2,000,000")
    matter.save()
    messages.close_all()
    task = window.recalculate()
    while task.is_running():
        app.processEvents()
    settle()
    messages.close_all()
    review.search.setText(approved.enterprise_name)
    save(window, "24-更正-新草稿")
    review.search.clear()
    apps = window.go_to("奖补事项")
    save(window, "03b-奖补事项-审核状态")
    window.go_to("核定与审核")
    from desktop.ui.manual import open_manual

    manual_window = open_manual(window)
    manual_window.resize(980, 760)
    save(manual_window, "27-使用说明")
    manual_window.browser.scrollToAnchor("correct")
    save(manual_window, "27b-使用说明-更正")
    manual_window.close()
    from PySide6.QtWidgets import QFileDialog

    file_dialog = QFileDialog(window, "打开数据库", str(work), "数据库文件 (*.db *.sqlite)")
    file_dialog.resize(820, 480)
    file_dialog.show()
    save(file_dialog, "28-文件对话框")
    file_dialog.close()

    # The auditor's views: change log and database check (run synchronously for the picture).
    from desktop.ui.check_dialog import CheckDialog
    from desktop.ui.log_view import LogDialog

    log = LogDialog(db, window)
    log.resize(1300, 760)
    log.show()
    save(log, "17-变更日志")
    log.close()
    check = CheckDialog(db, window)
    check.resize(900, 560)
    check.show()
    check.start()
    for _ in range(600):  # the check runs on a worker; wait for its report
        settle()
        if check.report is not None:
            break
        import time

        time.sleep(0.01)
    save(check, "18-数据库检查")
    check.close()

    # Users: the management dialog (single-user mode) and the login dialog of a database with users.
    from desktop.ui.login_dialog import LoginDialog
    from desktop.ui.users_dialog import UsersDialog

    users = UsersDialog(db, window)
    users.show()
    save(users, "19-用户管理")
    users.close()
    login = LoginDialog(db, window, name="张三")
    login.show()
    save(login, "20-登录")
    login.close()

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from payment_shots import take  # the payment path: 待办, 拨付, its dialogs and reports

    take(window, db, save, work, out, shots)

    # A fresh database in its first year: the 新列入 warning.
    from desktop.services.demo import build_demo  # noqa: F401 (the demo has all years)
    from desktop.services.siqiang_lists import replace_list

    first = work / "第一年.db"
    from desktop.storage.database import Database

    fresh = Database(first, user="张三")
    from desktop.services.registry import EnterpriseInput, upsert_enterprises

    upsert_enterprises(
        fresh, [EnterpriseInput(member.credit_code, member.name, member.town, True, "新材料")]
    )
    replace_list(fresh, 2024, {fresh.scalar("SELECT id FROM enterprises")})
    fresh.close()
    window.open_database(first)
    window.set_year(2024)
    window.go_to("四强名单")
    save(window, "29-第一年-缺上年名单提示")

    window.close()
    window.close_database()
    if manual:
        save_manual_pictures(out)
        print(f"使用说明插图已保存到 {MANUAL_DIR}")
        return 0
    print(f"{len(shots)} 张截图已保存到 {out}：")
    for name in shots:
        print("  " + name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
