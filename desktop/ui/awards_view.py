"""核定与审核: the year's awards, recalculation off the GUI thread, approval and rejection.

Every action takes award ids (``approve_ids``, ``reject_ids``, ``revoke_ids``, ...); the buttons,
the right-click menu and F5 read the ids of the rows the clerk highlighted through the table's
proxy, so a sorted or filtered table acts on exactly the rows shown.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core import status
from desktop.core.money import format_yuan
from desktop.services import awards as award_service
from desktop.ui import messages, theme
from desktop.ui.common import (
    APPLICATIONS,
    AWARDS,
    ENTERPRISES,
    LISTS,
    POLICIES,
    AppContext,
    ReasonDialog,
    TextDialog,
    View,
    make_table,
)
from desktop.ui.models import LOCKED_STATUSES, AwardTableModel

NOT_COUNTED = status.DENIED | status.SUPERSEDED
NEWLY_LISTED = "newly_listed"  # the rule condition 首次新列入 (desktop/core/rules.py)


def _short(text: str, limit: int = 24) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class AwardsView(View):
    title = "核定与审核"
    depends_on = frozenset({AWARDS, APPLICATIONS, ENTERPRISES, LISTS, POLICIES})

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self._all: list = []
        self._by_id: dict[int, object] = {}
        self._newly_listed_codes: set[str] = set()
        self._dialogs: list[QWidget] = []
        self.task = None
        layout = QVBoxLayout(self)

        # A tool bar, not a row of push buttons: in a narrow window the last ones move into its
        # » menu instead of widening the window past 1024 pixels.
        self.toolbar = QToolBar("核定与审核")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.toolbar.setStyleSheet(
            "QToolButton { border: 1px solid #b8b8b8; border-radius: 3px; padding: 3px 7px;"
            " margin-right: 4px; background: #f7f7f7; }"
            "QToolButton:hover { background: #e8f0fb; } QToolButton:disabled { color: #9a9a9a; }"
        )
        self.calc_action = self._add("重新计算本年度", self.recalculate)
        self.calc_action.setToolTip(
            "重新计算本年度全部未审核的核定结果（已审核、已拨付、不予奖补的不变）  F5"
        )
        self.approve_action = self._add("审核通过所选", self.approve_selected)
        self.approve_all_action = self._add("全部草稿审核通过…", self.approve_all)
        self.reject_action = self._add("不予奖补…", self.reject_selected)
        self.revoke_action = self._add("撤销审核…", self.revoke_selected)
        self.edit_action = self._add("修改事项…", self.edit_matter_selected)
        self.edit_action.setToolTip("打开所选核定结果的奖补事项（已审核的须先撤销审核）")
        self.explain_action = self._add("查看计算过程", self.explain_selected)
        self.reopen_action = self._add("恢复为草稿", self.reopen_selected)
        self.paid_action = self._add("标记已拨付", self.mark_paid_selected)
        from desktop.ui.payment_dialogs import payment_menu  # 签批、公示异议、追回、档案

        self.payment_action = self._add("签批与拨付", lambda: None)
        self.payment_action.setMenu(payment_menu(self.ctx, self, self.selected_ids))
        self.export_action = self._add("导出明细表…", self.export)
        self.calc_button = self._button(self.calc_action)
        self.approve_button = self._button(self.approve_action)
        self.approve_all_button = self._button(self.approve_all_action)
        self.reject_button = self._button(self.reject_action)
        self.revoke_button = self._button(self.revoke_action)
        self.edit_button = self._button(self.edit_action)
        self.explain_button = self._button(self.explain_action)
        self.reopen_button = self._button(self.reopen_action)
        self.paid_button = self._button(self.paid_action)
        self.payment_button = self._button(self.payment_action)
        self.payment_button.setMenu(self.payment_action.menu())
        self.payment_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.export_button = self._button(self.export_action)
        layout.addWidget(self.toolbar)

        filters = QHBoxLayout()
        self.rule = QComboBox()
        self.town = QComboBox()
        self.status = QComboBox()
        self.status.addItem("全部状态", None)
        for name in status.ALL:
            self.status.addItem(name, name)
        self.search = QLineEdit()
        self.search.setPlaceholderText("企业名称或信用代码（Ctrl+F）")
        self.search.setClearButtonEnabled(True)
        for combo in (self.rule, self.town, self.status):
            combo.setMinimumContentsLength(6)
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
        filters.addWidget(QLabel("筛选："))
        filters.addWidget(self.rule, 2)
        filters.addWidget(self.town, 1)
        filters.addWidget(self.status, 1)
        filters.addWidget(self.search, 2)
        layout.addLayout(filters)
        for combo in (self.rule, self.town, self.status):
            combo.currentIndexChanged.connect(lambda _i: self.apply_filter())
        self.search.textChanged.connect(lambda _t: self.apply_filter())

        self.warning = QLabel()
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet(
            f"color: {theme.WARNING_COLOUR}; background: #fff6e0; padding: 4px;"
            " border: 1px solid #e8c77a;"
        )
        self.warning.setVisible(False)
        layout.addWidget(self.warning)

        self.model = AwardTableModel(self)
        self.table = make_table(self.model, self, multi=True, name="awards", settings=ctx.settings)
        self.table.doubleClicked.connect(lambda _i: self.explain_selected())
        self.table.set_row_actions(
            [
                self.approve_action,
                self.reject_action,
                self.revoke_action,
                self.reopen_action,
                self.paid_action,
                None,
                self.edit_action,
                self.explain_action,
            ]
        )
        layout.addWidget(self.table, 1)

        self.totals = QLabel()
        self.totals.setWordWrap(True)
        font = self.totals.font()
        font.setBold(True)
        self.totals.setFont(font)
        layout.addWidget(self.totals)

    def _add(self, text: str, slot: Callable[[], object]) -> QAction:
        action = QAction(text, self)
        action.triggered.connect(lambda _checked=False: slot())
        self.toolbar.addAction(action)
        return action

    def _button(self, action: QAction) -> QToolButton:
        button = self.toolbar.widgetForAction(action)
        assert isinstance(button, QToolButton)
        return button

    # -- loading and filtering -----------------------------------------------------------------
    def refresh(self) -> None:
        from desktop.services.catalogue import load_catalogue
        from desktop.services.registry import towns

        catalogue = load_catalogue(self.ctx.db)
        self._fill(
            self.rule,
            "全部条款",
            [(_short(f"{c}  {catalogue.latest(c).name}"), c) for c in catalogue.codes()],
        )
        self._newly_listed_codes = {
            c for c in catalogue.codes() if NEWLY_LISTED in catalogue.latest(c).conditions
        }
        self._fill(self.town, "全部镇街", [(t.name, t.name) for t in towns(self.ctx.db)])
        self._all = award_service.list_awards(self.ctx.db, self.ctx.year)
        self._by_id = {a.id: a for a in self._all}
        self.apply_filter()
        self._update_warning()
        self._apply_role()

    def _apply_role(self) -> None:
        """Grey what the logged-in role cannot do (the services refuse it anyway)."""
        from desktop.services.users import CLERK, REVIEWER, can

        review = can(self.ctx.db, REVIEWER)
        for action in (
            self.approve_action,
            self.approve_all_action,
            self.reject_action,
            self.revoke_action,
            self.reopen_action,
            self.paid_action,
        ):
            action.setEnabled(review)
        self.calc_action.setEnabled(can(self.ctx.db, CLERK))

    @staticmethod
    def _fill(combo: QComboBox, everything: str, items: list[tuple[str, object]]) -> None:
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(everything, None)
        for text, data in items:
            combo.addItem(text, data)
        combo.setCurrentIndex(max(combo.findData(current), 0))
        combo.blockSignals(False)

    def apply_filter(self) -> None:
        rule, town, wanted = (
            self.rule.currentData(),
            self.town.currentData(),
            self.status.currentData(),
        )
        needle = self.search.text().strip().upper()
        rows = [
            a
            for a in self._all
            if (rule is None or a.rule_code == rule)
            and (town is None or a.town == town)
            and (wanted is None or a.status == wanted)
            and (not needle or needle in a.enterprise_name.upper() or needle in a.credit_code)
        ]
        self.model.set_rows(rows)
        self.update_totals()

    def update_totals(self) -> None:
        rows = self.model.rows()
        counted = [a for a in rows if a.status not in NOT_COUNTED]
        text = f"合计：{len(rows)} 条，金额 {format_yuan(sum(a.amount_fen for a in counted))} 元"
        excluded = len(rows) - len(counted)
        if excluded:
            text += f"（其中不予奖补、已撤销 {excluded} 条不计入金额）"
        drafts = sum(1 for a in rows if a.status == status.DRAFT)
        locked = sum(1 for a in rows if a.status in LOCKED_STATUSES)
        text += f"    草稿 {drafts} 条，已审核/已拨付 {locked} 条（已锁定）"
        self.totals.setText(text)

    def _newly_listed_at_risk(self, awards: Sequence) -> list:
        """Awards granted on 新列入 in a year whose previous 四强名单 is not in the database."""
        from desktop.services.siqiang_lists import previous_list_missing

        risky = [a for a in awards if a.rule_code in self._newly_listed_codes and a.amount_fen > 0]
        if not risky or not previous_list_missing(self.ctx.db, self.ctx.year):
            return []
        return risky

    def newly_listed_warning(self, awards: Sequence) -> str:
        risky = self._newly_listed_at_risk(awards)
        if not risky:
            return ""
        year = self.ctx.year
        codes = "、".join(sorted({a.rule_code for a in risky}))
        return (
            f"注意：数据库中没有{year - 1}年度四强企业名单，无法判断企业是否“首次新列入”。"
            f"{len(risky)} 条{codes}（新列入）奖励是按“此前从未列入”计算的，可能把连续列入的企业"
            f"当作新列入。请先在“四强名单”中导入{year - 1}年度（及更早）的名单，再重新计算。"
        )

    def _update_warning(self) -> None:
        text = self.newly_listed_warning([a for a in self._all if a.status not in NOT_COUNTED])
        self.warning.setText(text)
        self.warning.setVisible(bool(text))

    # -- the selection: records, never row positions -------------------------------------------
    def selected_ids(self) -> list[int]:
        """The ids of the highlighted awards, in the order shown."""
        return list(self.table.selected_ids())

    def awards_of(self, ids: Sequence[int]) -> list:
        return [self._by_id[i] for i in ids if i in self._by_id]

    def selected_awards(self) -> list:
        return self.awards_of(self.selected_ids())

    def select_ids(self, ids: Sequence[int]) -> None:
        self.table.select_ids(ids)

    # -- actions -------------------------------------------------------------------------------
    def recalculate(self):
        from desktop.services.calculation import calculate_year

        if self.task is not None and self.task.is_running():
            return self.task
        year = self.ctx.year

        def work(db, progress, cancel):
            return calculate_year(db, year, progress=progress, cancel=cancel)

        def done(s) -> None:
            self.ctx.notify(AWARDS)
            messages.show_info(
                self,
                f"{s.year}年度计算完成：{s.results}条结果（新增{s.inserted}，更新{s.updated}，"
                f"未变{s.unchanged}，删除过期草稿{s.deleted}，已审核等锁定{s.locked}），"
                f"给予奖补{s.granted}条，合计 {format_yuan(s.total_fen)} 元",
                "重新计算",
            )

        self.task = self.ctx.run(
            self, work, title="重新计算", label=f"正在计算{year}年度奖补…", on_success=done
        )
        return self.task

    def approve_selected(self) -> None:
        self.approve_ids(self.selected_ids())

    def approve_ids(self, award_ids: Sequence[int]) -> None:
        """审核通过 the drafts among ``award_ids`` (others are skipped and counted)."""
        chosen = self.awards_of(award_ids)
        ids = [a.id for a in chosen if a.status == status.DRAFT and a.amount_fen > 0]
        if not ids:
            messages.show_info(
                self, "所选记录中没有可审核的草稿（金额为0、已审核或已作出决定的不需审核）。"
            )
            return
        warning = self.newly_listed_warning(self.awards_of(ids))
        if warning:
            messages.ask(
                self,
                warning + f"\n\n仍要审核通过所选的 {len(ids)} 条草稿吗？",
                lambda: self._approve_now(ids, len(chosen) - len(ids)),
                "新列入无法核实",
            )
            return
        self._approve_now(ids, len(chosen) - len(ids))

    def _approve_now(self, ids: list[int], skipped: int) -> None:
        summary = self.ctx.call(self, award_service.approve, self.ctx.db, self.ctx.year, ids)
        if summary is not None:
            self.ctx.notify(AWARDS)
            messages.show_info(
                self,
                f"已审核通过 {summary.approved} 条，金额 {format_yuan(summary.total_fen)} 元"
                + (f"；跳过 {skipped} 条非草稿或金额为0的记录" if skipped else ""),
                "审核",
            )

    def _zero_text(self) -> str:
        """How many drafts came out at 0 and why: they are left as they are, explicitly."""
        zero = award_service.zero_drafts(self._all)
        if not zero:
            return ""
        count = sum(n for _r, n in zero)
        reasons = "；".join(f"{_short(r, 40)}（{n}条）" for r, n in zero[:5])
        more = f"等{len(zero)}类" if len(zero) > 5 else ""
        return (
            f"另有 {count} 条草稿核定为0，不需审核，保留为草稿（不计入金额，"
            f"报表列入“不予奖补”表）。原因：{reasons}{more}"
        )

    def approve_all(self) -> None:
        drafts = [a for a in self._all if a.status == status.DRAFT and a.amount_fen > 0]
        zero = self._zero_text()
        if not drafts:
            messages.show_info(
                self, f"{self.ctx.year}年度没有待审核的草稿。" + (f"\n{zero}" if zero else "")
            )
            return
        total = format_yuan(sum(a.amount_fen for a in drafts))
        text = (
            f"将{self.ctx.year}年度全部 {len(drafts)} 条草稿（金额大于0）审核通过，合计 {total} 元？"
            "审核后金额锁定，重新计算不再改变。"
        )
        if zero:
            text += "\n\n" + zero
        warning = self.newly_listed_warning(drafts)
        if warning:
            text += "\n\n" + warning
        messages.ask(self, text, self.approve_all_now)

    def approve_all_now(self) -> None:
        summary = self.ctx.call(self, award_service.approve, self.ctx.db, self.ctx.year, None)
        if summary is not None:
            zero = self._zero_text()
            self.ctx.notify(AWARDS)
            messages.show_info(
                self,
                f"已审核通过 {summary.approved} 条，金额 {format_yuan(summary.total_fen)} 元"
                + (
                    f"；{summary.skipped_own} 条为本人录入或修改的事项，按录入与审核分离规则未审核"
                    if summary.skipped_own
                    else ""
                )
                + (f"\n{zero}" if zero else ""),
                "审核",
            )

    def _decide_with_reason(
        self,
        award_ids: Sequence[int],
        title: str,
        prompt: str,
        allowed: frozenset[str] | tuple[str, ...],
        action,
    ) -> ReasonDialog | None:
        chosen = [a for a in self.awards_of(award_ids) if a.status in allowed]
        if not chosen:
            names = "”或“".join(s for s in status.ALL if s in allowed)
            messages.show_info(self, f"请先选择状态为“{names}”的核定结果。")
            return None

        def submit(reason: str) -> bool:
            for award in chosen:
                if not self.ctx.attempt(dialog, action, self.ctx.db, award.id, reason):
                    if award is not chosen[0]:
                        self.ctx.notify(AWARDS)
                    return False
            self.ctx.notify(AWARDS)
            return True

        names = "、".join(f"{a.enterprise_name}（编号{a.id}）" for a in chosen[:3])
        more = f"等{len(chosen)}条" if len(chosen) > 3 else ""
        dialog = ReasonDialog(self, title, f"{prompt}：{names}{more}", submit)
        self._dialogs.append(dialog)
        dialog.finished.connect(lambda _r: self._dialogs.remove(dialog))
        dialog.open()
        return dialog

    def reject_selected(self) -> ReasonDialog | None:
        return self.reject_ids(self.selected_ids())

    def reject_ids(self, award_ids: Sequence[int]) -> ReasonDialog | None:
        return self._decide_with_reason(
            award_ids,
            status.REJECTED,
            f"{status.REJECTED}（必须填写理由）",
            (status.DRAFT,),
            award_service.reject,
        )

    def revoke_selected(self) -> ReasonDialog | None:
        return self.revoke_ids(self.selected_ids())

    def revoke_ids(self, award_ids: Sequence[int]) -> ReasonDialog | None:
        return self._decide_with_reason(
            award_ids,
            "撤销审核",
            "撤销已审核的核定结果（必须填写理由，原结果留档备查；"
            "随后可修改事项并重新计算，生成新的草稿重新审核）",
            LOCKED_STATUSES,
            award_service.revoke,
        )

    def reopen_selected(self) -> None:
        self.reopen_ids(self.selected_ids())

    def reopen_ids(self, award_ids: Sequence[int]) -> None:
        chosen = [a for a in self.awards_of(award_ids) if a.status == status.REJECTED]
        if not chosen:
            messages.show_info(self, f"请先选择状态为“{status.REJECTED}”的核定结果。")
            return
        for award in chosen:
            if not self.ctx.attempt(self, award_service.reopen, self.ctx.db, award.id):
                break
        self.ctx.notify(AWARDS)

    def mark_paid_selected(self) -> None:
        self.mark_paid_ids(self.selected_ids())

    def mark_paid_ids(self, award_ids: Sequence[int]) -> None:
        ids = [a.id for a in self.awards_of(award_ids) if a.status == status.APPROVED]
        if not ids:
            messages.show_info(self, f"请先选择状态为“{status.APPROVED}”的核定结果。")
            return
        if self.ctx.call(self, award_service.mark_paid, self.ctx.db, ids) is not None:
            self.ctx.notify(AWARDS)

    def explain_selected(self) -> TextDialog | None:
        ids = self.selected_ids()
        if not ids:
            messages.show_info(self, "请先选择一条核定结果。")
            return None
        return self.explain_id(ids[0])

    def explain_id(self, award_id: int) -> TextDialog | None:
        text = self.ctx.call(self, award_service.explain, self.ctx.db, award_id)
        if text is None:
            return None
        dialog = TextDialog(self, f"计算过程 — 核定结果编号{award_id}", text)
        self._dialogs.append(dialog)
        dialog.finished.connect(lambda _r: self._dialogs.remove(dialog))
        dialog.open()
        return dialog

    def edit_matter_selected(self):
        ids = self.selected_ids()
        if not ids:
            messages.show_info(self, "请先选择一条核定结果。")
            return None
        return self.edit_matter_of(ids[0])

    def edit_matter_of(self, award_id: int):
        """Open the matter behind an award: editable once no award of it stands granted, else
        read-only with the reason and the way to correct it (撤销审核 first)."""
        from desktop.services.applications import get_application
        from desktop.ui.application_form import ApplicationDialog

        award = self._by_id.get(award_id)
        if award is None:
            return None
        row = self.ctx.call(self, get_application, self.ctx.db, award.application_id)
        if row is None:
            return None
        dialog = ApplicationDialog(self.ctx, row, self)
        self._dialogs.append(dialog)

        def done(result: int) -> None:
            self._dialogs.remove(dialog)
            if result:
                self.ctx.notify(APPLICATIONS, AWARDS)
                messages.show_info(
                    self,
                    "事项已修改。按 F5 或“重新计算本年度”生成新的核定草稿，再审核通过。",
                    "修改事项",
                )
            dialog.deleteLater()

        dialog.finished.connect(done)
        dialog.open()
        return dialog

    def export(self) -> None:
        from desktop.ui.export_flow import ExportDialog

        dialog = ExportDialog(self.ctx, self, report="detail")
        self._dialogs.append(dialog)
        dialog.finished.connect(lambda _r: self._dialogs.remove(dialog))
        dialog.open()
