"""核定与审核: the year's awards, recalculation off the GUI thread, approval and rejection."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.money import format_yuan
from desktop.services import awards as award_service
from desktop.ui import messages
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
    selected_rows,
)
from desktop.ui.models import LOCKED_STATUSES, AwardTableModel

NOT_COUNTED = ("不予奖补", "已撤销")


def _short(text: str, limit: int = 24) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class AwardsView(View):
    title = "核定与审核"
    depends_on = frozenset({AWARDS, APPLICATIONS, ENTERPRISES, LISTS, POLICIES})

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self._all: list = []
        self._dialogs: list[QWidget] = []
        self.task = None
        layout = QVBoxLayout(self)

        actions = QHBoxLayout()
        self.calc_button = QPushButton("重新计算本年度")
        self.calc_button.setToolTip(
            "重新计算本年度全部未审核的核定结果（已审核、已拨付、不予奖补的不变）"
        )
        self.approve_button = QPushButton("审核通过所选")
        self.approve_all_button = QPushButton("全部草稿审核通过…")
        self.reject_button = QPushButton("不予奖补…")
        self.revoke_button = QPushButton("撤销审核…")
        self.reopen_button = QPushButton("恢复为草稿")
        self.paid_button = QPushButton("标记已拨付")
        self.explain_button = QPushButton("查看计算过程")
        self.export_button = QPushButton("导出明细表…")
        self.calc_button.clicked.connect(self.recalculate)
        self.approve_button.clicked.connect(self.approve_selected)
        self.approve_all_button.clicked.connect(self.approve_all)
        self.reject_button.clicked.connect(self.reject_selected)
        self.revoke_button.clicked.connect(self.revoke_selected)
        self.reopen_button.clicked.connect(self.reopen_selected)
        self.paid_button.clicked.connect(self.mark_paid_selected)
        self.explain_button.clicked.connect(self.explain_selected)
        self.export_button.clicked.connect(self.export)
        for button in (
            self.calc_button,
            self.approve_button,
            self.approve_all_button,
            self.reject_button,
            self.revoke_button,
            self.reopen_button,
            self.paid_button,
            self.explain_button,
        ):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self.export_button)
        layout.addLayout(actions)

        filters = QHBoxLayout()
        self.rule = QComboBox()
        self.town = QComboBox()
        self.status = QComboBox()
        self.status.addItem("全部状态", None)
        for status in award_service.STATUSES:
            self.status.addItem(status, status)
        self.search = QLineEdit()
        self.search.setPlaceholderText("企业名称或信用代码")
        self.search.setClearButtonEnabled(True)
        filters.addWidget(QLabel("筛选："))
        filters.addWidget(self.rule)
        filters.addWidget(self.town)
        filters.addWidget(self.status)
        filters.addWidget(self.search, 1)
        layout.addLayout(filters)
        for combo in (self.rule, self.town, self.status):
            combo.currentIndexChanged.connect(lambda _i: self.apply_filter())
        self.search.textChanged.connect(lambda _t: self.apply_filter())

        self.model = AwardTableModel(self)
        self.table = make_table(self.model, self, sortable=True, multi=True)
        self.table.doubleClicked.connect(lambda _i: self.explain_selected())
        layout.addWidget(self.table, 1)

        self.totals = QLabel()
        font = self.totals.font()
        font.setBold(True)
        self.totals.setFont(font)
        layout.addWidget(self.totals)

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
        self._fill(self.town, "全部镇街", [(t.name, t.name) for t in towns(self.ctx.db)])
        self._all = award_service.list_awards(self.ctx.db, self.ctx.year)
        self.apply_filter()
        self._apply_role()

    def _apply_role(self) -> None:
        """Grey what the logged-in role cannot do (the services refuse it anyway)."""
        from desktop.services.users import CLERK, REVIEWER, can

        review = can(self.ctx.db, REVIEWER)
        for button in (
            self.approve_button,
            self.approve_all_button,
            self.reject_button,
            self.revoke_button,
            self.reopen_button,
            self.paid_button,
        ):
            button.setEnabled(review)
        self.calc_button.setEnabled(can(self.ctx.db, CLERK))

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
        rule, town, status = (
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
            and (status is None or a.status == status)
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
        drafts = sum(1 for a in rows if a.status == "草稿")
        locked = sum(1 for a in rows if a.status in LOCKED_STATUSES)
        text += f"    草稿 {drafts} 条，已审核/已拨付 {locked} 条（已锁定）"
        self.totals.setText(text)

    def selected_awards(self) -> list:
        return [self.model.row(r) for r in selected_rows(self.table)]

    # -- actions -------------------------------------------------------------------------------
    def recalculate(self):
        from desktop.services.calculation import calculate_year

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
        chosen = self.selected_awards()
        ids = [a.id for a in chosen if a.status == "草稿" and a.amount_fen > 0]
        if not ids:
            messages.show_info(
                self, "所选记录中没有可审核的草稿（金额为0、已审核或已作出决定的不需审核）。"
            )
            return
        summary = self.ctx.call(self, award_service.approve, self.ctx.db, self.ctx.year, ids)
        if summary is not None:
            self.ctx.notify(AWARDS)
            skipped = len(chosen) - len(ids)
            messages.show_info(
                self,
                f"已审核通过 {summary.approved} 条，金额 {format_yuan(summary.total_fen)} 元"
                + (f"；跳过 {skipped} 条非草稿或金额为0的记录" if skipped else ""),
                "审核",
            )

    def approve_all(self) -> None:
        drafts = [a for a in self._all if a.status == "草稿" and a.amount_fen > 0]
        if not drafts:
            messages.show_info(self, f"{self.ctx.year}年度没有待审核的草稿。")
            return
        total = format_yuan(sum(a.amount_fen for a in drafts))
        messages.ask(
            self,
            f"将{self.ctx.year}年度全部 {len(drafts)} 条草稿（金额大于0）审核通过，合计 {total} 元？"
            "审核后金额锁定，重新计算不再改变。",
            self.approve_all_now,
        )

    def approve_all_now(self) -> None:
        summary = self.ctx.call(self, award_service.approve, self.ctx.db, self.ctx.year, None)
        if summary is not None:
            self.ctx.notify(AWARDS)
            messages.show_info(
                self,
                f"已审核通过 {summary.approved} 条，金额 {format_yuan(summary.total_fen)} 元"
                + (
                    f"；{summary.skipped_own} 条为本人录入或修改的事项，按录入与审核分离规则未审核"
                    if summary.skipped_own
                    else ""
                ),
                "审核",
            )

    def _decide_with_reason(
        self, title: str, prompt: str, allowed: tuple[str, ...], action
    ) -> ReasonDialog | None:
        chosen = [a for a in self.selected_awards() if a.status in allowed]
        if not chosen:
            messages.show_info(self, f"请先选择状态为“{'”或“'.join(allowed)}”的核定结果。")
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
        return self._decide_with_reason(
            "不予奖补", "不予奖补（必须填写理由）", ("草稿",), award_service.reject
        )

    def revoke_selected(self) -> ReasonDialog | None:
        return self._decide_with_reason(
            "撤销审核",
            "撤销已审核的核定结果（必须填写理由，金额保留备查）",
            LOCKED_STATUSES,
            award_service.revoke,
        )

    def reopen_selected(self) -> None:
        chosen = [a for a in self.selected_awards() if a.status == "不予奖补"]
        if not chosen:
            messages.show_info(self, "请先选择状态为“不予奖补”的核定结果。")
            return
        for award in chosen:
            if not self.ctx.attempt(self, award_service.reopen, self.ctx.db, award.id):
                break
        self.ctx.notify(AWARDS)

    def mark_paid_selected(self) -> None:
        ids = [a.id for a in self.selected_awards() if a.status == "已审核"]
        if not ids:
            messages.show_info(self, "请先选择状态为“已审核”的核定结果。")
            return
        if self.ctx.call(self, award_service.mark_paid, self.ctx.db, ids) is not None:
            self.ctx.notify(AWARDS)

    def explain_selected(self) -> TextDialog | None:
        chosen = self.selected_awards()
        if not chosen:
            messages.show_info(self, "请先选择一条核定结果。")
            return None
        text = self.ctx.call(self, award_service.explain, self.ctx.db, chosen[0].id)
        if text is None:
            return None
        dialog = TextDialog(self, f"计算过程 — 核定结果编号{chosen[0].id}", text)
        self._dialogs.append(dialog)
        dialog.finished.connect(lambda _r: self._dialogs.remove(dialog))
        dialog.open()
        return dialog

    def export(self) -> None:
        from desktop.ui.export_flow import ExportDialog

        dialog = ExportDialog(self.ctx, self, report="detail")
        self._dialogs.append(dialog)
        dialog.finished.connect(lambda _r: self._dialogs.remove(dialog))
        dialog.open()
