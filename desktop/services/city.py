"""The city's 下达 list: what the city actually paid, matched to the district's matters.

Columns (interfaces.md): 统一社会信用代码, 企业名称, 市级政策文号, 市级资金金额（元）, 下达日期,
optional 下达文号. Each row is matched to a matter of the same enterprise and 文号 — a matter
naming that 文号, or naming no 文号 but the rule the 文号 maps to (淄政办字〔2021〕7号 → LZ41-2) —
whose 事项日期 is the row's 下达日期, else to the only such matter of that award year. Then:

- no match → a new matter, source 市级下达清单生成 (免申即享): the next ``calculate`` gives the
  district's matching award as a draft, without the enterprise applying;
- the same amount → 一致;
- a different amount, no award of the matter granted → the matter's amount is corrected
  (``applications.edit_application``) and the next calculation recomputes its draft;
- a different amount on a granted (approved or paid) award → a 补拨 (more) or 追回 (less)
  proposal in 受理; accepting it revokes the award and corrects the matter (``services.intake``).

Matters of the list's 文号 and years that no row matched are reported (清单未列). An import is
all or nothing (every bad row reported by its sheet row number) after a backup; importing the
same list again changes nothing; a dry run writes nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from desktop.core import status
from desktop.core.creditcode import validate_credit_code
from desktop.core.errors import ImportRejected, RowProblem, ValidationError
from desktop.core.money import parse_amount, yuan_string
from desktop.core.rules import normalize_document
from desktop.services import intake
from desktop.services.applications import (
    ApplicationInput,
    edit_application,
    insert_applications,
    parse_application,
    registry_index,
)
from desktop.services.catalogue import load_catalogue
from desktop.services.cells import parse_date, text_field
from desktop.services.offices import require_district_for
from desktop.services.users import CLERK, require_role
from desktop.services.workbook import read_sheet
from desktop.storage.database import Database

SOURCE = "市级下达清单生成"
CITY_COLUMNS = {
    "统一社会信用代码": ("信用代码", "社会信用代码", "统一代码"),
    "企业名称": ("单位名称", "企业名", "名称", "企业（单位）名称"),
    "市级政策文号": ("政策文号", "文号", "市级文号", "政策依据"),
    "市级资金金额（元）": (
        "市级资金金额",
        "资金金额（元）",
        "下达金额（元）",
        "市级资金（元）",
        "金额（元）",
        "下达资金（元）",
    ),
    "下达日期": ("资金下达日期", "下达时间", "拨付日期"),
    "下达文号": ("资金下达文号", "指标文号"),
}
REQUIRED = ("统一社会信用代码", "市级政策文号", "市级资金金额（元）", "下达日期")
MATCHED, CREATED, UPDATED, EXISTING = "一致", "新建", "更新", "已有建议"
OUTCOMES = (MATCHED, CREATED, UPDATED, intake.TOP_UP, intake.CLAWBACK, EXISTING)


@dataclass(frozen=True)
class CityRow:
    row: int  # the sheet's row number
    credit_code: str
    enterprise_id: int
    enterprise_name: str  # as registered
    document: str
    amount_fen: int
    issued_on: date
    issue_document: str | None


@dataclass
class Reconciled:
    """One row and what it came to."""

    row: CityRow
    outcome: str
    application_id: int | None = None
    event_date: str | None = None
    old_basis_fen: int | None = None
    award_id: int | None = None
    award_status: str | None = None
    award_fen: int | None = None
    note: str = ""


@dataclass(frozen=True)
class Lacking:
    """A matter of the list's 文号 and years that the city's list does not have."""

    application_id: int
    credit_code: str
    enterprise_name: str
    town: str
    rule_code: str | None
    city_document: str | None
    event_date: str
    basis_fen: int | None
    source: str
    award_status: str | None
    award_fen: int | None


@dataclass
class CityImport:
    file_name: str
    rows: int
    dry_run: bool
    lines: list[Reconciled] = field(default_factory=list)
    lacking: list[Lacking] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    created_ids: list[int] = field(default_factory=list)
    backup: Path | None = None

    def count(self, outcome: str) -> int:
        return sum(1 for line in self.lines if line.outcome == outcome)

    def summary(self) -> str:
        verb = "检查完成（试运行，未写入）" if self.dry_run else "导入完成"
        text = (
            f"市级下达清单{verb}：共{self.rows}行；匹配一致{self.count(MATCHED)}条，"
            f"新建事项{self.count(CREATED)}条（{SOURCE}，下次计算时生成配套奖补草稿），"
            f"更新金额{self.count(UPDATED)}条，补拨建议{self.count(intake.TOP_UP)}条，"
            f"追回建议{self.count(intake.CLAWBACK)}条（进入受理）"
        )
        if self.count(EXISTING):
            text += f"，{self.count(EXISTING)}条已有同样的建议未再生成"
        return text + f"；清单未列的事项{len(self.lacking)}个"


# -- reading the list ----------------------------------------------------------------------------
def _parse_row(values: dict[str, Any], row_no: int, registry: dict, catalogue: Any) -> CityRow:
    code = validate_credit_code(str(values.get("统一社会信用代码") or ""))
    if code not in registry:
        raise ValidationError(
            f"统一社会信用代码{code}未在企业名录中登记，请先登记该企业", field="统一社会信用代码"
        )
    document = text_field(values.get("市级政策文号"), "市级政策文号", required=True, max_length=60)
    assert document is not None
    if not catalogue.match_document(document):
        raise ValidationError(f"市级政策文号“{document}”未对应任何配套条款", field="市级政策文号")
    amount = parse_amount(values.get("市级资金金额（元）"), field="市级资金金额（元）")
    if amount <= 0:
        raise ValidationError("市级资金金额（元）须大于0", field="市级资金金额（元）")
    enterprise_id, registered = registry[code]
    return CityRow(
        row_no,
        code,
        enterprise_id,
        registered,
        document,
        amount,
        parse_date(values.get("下达日期"), field="下达日期"),
        text_field(values.get("下达文号"), "下达文号", max_length=60),
    )


def _read(db: Database, path: Path, report: CityImport) -> list[CityRow]:
    sheet = read_sheet(path, CITY_COLUMNS, REQUIRED)
    registry, catalogue = registry_index(db), load_catalogue(db)
    rows: list[CityRow] = []
    problems: list[RowProblem] = []
    seen: dict[tuple[str, str, date], int] = {}
    for row_no, values in sheet.rows():
        try:
            row = _parse_row(values, row_no, registry, catalogue)
        except ValidationError as exc:
            problems.append(RowProblem(row_no, str(exc)))
            continue
        key = (row.credit_code, normalize_document(row.document), row.issued_on)
        if key in seen:
            problems.append(
                RowProblem(row_no, f"与第{seen[key]}行的企业、文号和下达日期相同（重复）")
            )
            continue
        seen[key] = row_no
        name = str(values.get("企业名称") or "").strip()
        if name and name != row.enterprise_name:
            report.warnings.append(
                f"第{row_no}行：企业名称“{name}”与名录登记的“{row.enterprise_name}”不一致，按信用代码匹配"
            )
        rows.append(row)
    if problems:
        raise ImportRejected(problems)
    if not rows:
        raise ImportRejected([], file_message=f"工作簿“{path.name}”没有数据行")
    return rows


# -- matching ------------------------------------------------------------------------------------
def _candidates(
    db: Database, rows: list[CityRow], catalogue: Any
) -> dict[tuple[int, str], list[Any]]:
    """The district's matters of the listed enterprises, by (enterprise, normalised 文号)."""
    documents = {normalize_document(r.document): r.document for r in rows}
    by_rule: dict[str, list[str]] = defaultdict(list)
    for norm, doc in documents.items():
        for code in catalogue.match_document(doc):
            by_rule[code].append(norm)
    enterprises = sorted({r.enterprise_id for r in rows})
    found: dict[tuple[int, str], list[Any]] = defaultdict(list)
    for start in range(0, len(enterprises), 500):
        chunk = enterprises[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for m in db.query(
            f"SELECT * FROM applications WHERE enterprise_id IN ({marks}) ORDER BY id", chunk
        ):
            norm = normalize_document(m["city_document"])
            keys = [norm] if norm else by_rule.get(m["rule_code"] or "", [])
            for key in keys:
                if key in documents:
                    found[(m["enterprise_id"], key)].append(m)
    return found


def _match(rows: list[CityRow], candidates: dict[tuple[int, str], list[Any]]) -> dict[int, Any]:
    """Row number → matched matter: the same 事项日期 first, else the only matter of the year."""
    taken: set[int] = set()
    matched: dict[int, Any] = {}
    for row in rows:
        pool = candidates.get((row.enterprise_id, normalize_document(row.document)), [])
        same_day = [
            m for m in pool if m["event_date"] == row.issued_on.isoformat() and m["id"] not in taken
        ]
        if same_day:
            best = next((m for m in same_day if m["basis_fen"] == row.amount_fen), same_day[0])
            matched[row.row] = best
            taken.add(best["id"])
    for row in rows:
        if row.row in matched:
            continue
        pool = candidates.get((row.enterprise_id, normalize_document(row.document)), [])
        same_year = [m for m in pool if m["event_date"][:4] == str(row.issued_on.year)]
        if len(same_year) == 1 and same_year[0]["id"] not in taken:
            matched[row.row] = same_year[0]
            taken.add(same_year[0]["id"])
    return matched


def _standing_award(db: Database, application_id: int):
    return db.one(
        "SELECT id, status, amount_fen FROM awards WHERE application_id = ? AND installment_no = 0"
        f" AND status NOT IN {status.sql_list(status.SUPERSEDED)} ORDER BY amount_fen DESC, id LIMIT 1",
        (application_id,),
    )


def _existing_proposal(db: Database, application_id: int, amount_fen: int) -> Any:
    for r in db.query(
        "SELECT id, state, payload FROM intake_items WHERE application_id = ? AND kind IN (?, ?)"
        " AND state <> ? ORDER BY id DESC",
        (application_id, intake.TOP_UP, intake.CLAWBACK, intake.SUPERSEDED),
    ):
        if json.loads(r["payload"]).get("new_basis_fen") == amount_fen:
            return r
    return None


def _reconcile(db: Database, row: CityRow, m: Any) -> Reconciled:
    line = Reconciled(row, MATCHED, m["id"], m["event_date"], m["basis_fen"])
    award = _standing_award(db, m["id"])
    if award is not None:
        line.award_id, line.award_status, line.award_fen = (
            award["id"],
            award["status"],
            award["amount_fen"],
        )
    if m["event_date"] != row.issued_on.isoformat():
        line.note = f"事项日期{m['event_date']}与下达日期不同（按同一年度唯一事项匹配）"
    if m["basis_fen"] == row.amount_fen:
        return line
    if award is not None and award["status"] in status.GRANTED:
        existing = _existing_proposal(db, m["id"], row.amount_fen)
        if existing is not None:
            line.outcome = EXISTING
            line.note = f"受理编号{existing['id']}（{existing['state']}）"
        else:
            line.outcome = (
                intake.TOP_UP if row.amount_fen > (m["basis_fen"] or 0) else intake.CLAWBACK
            )
        return line
    line.outcome = UPDATED
    return line


def _lacking(db: Database, rows: list[CityRow], matched: set[int]) -> list[Lacking]:
    """Every enterprise's matters of the list's 文号 and years that no row matched."""
    years = {str(r.issued_on.year) for r in rows}
    documents = {normalize_document(r.document) for r in rows}
    catalogue = load_catalogue(db)
    rules = {c for r in rows for c in catalogue.match_document(r.document)}
    out = []
    for m in db.query(
        "SELECT ap.*, e.credit_code, e.name AS enterprise_name, t.name AS town FROM applications ap"
        " JOIN enterprises e ON e.id = ap.enterprise_id JOIN towns t ON t.id = e.town_id"
        " ORDER BY t.sort_order, e.name, ap.event_date"
    ):
        if m["id"] in matched or m["event_date"][:4] not in years:
            continue
        norm = normalize_document(m["city_document"])
        if not (norm in documents or (not norm and m["rule_code"] in rules)):
            continue
        award = _standing_award(db, m["id"])
        out.append(
            Lacking(
                m["id"],
                m["credit_code"],
                m["enterprise_name"],
                m["town"],
                m["rule_code"],
                m["city_document"],
                m["event_date"],
                m["basis_fen"],
                m["source"],
                None if award is None else award["status"],
                None if award is None else award["amount_fen"],
            )
        )
    return out


def _new_matter(row: CityRow, registry: dict, catalogue: Any) -> ApplicationInput:
    note = f"{SOURCE}（免申即享）；下达日期{row.issued_on.isoformat()}" + (
        f"，下达文号{row.issue_document}" if row.issue_document else ""
    )
    return parse_application(
        credit_code=row.credit_code,
        event_date=row.issued_on,
        basis=yuan_string(row.amount_fen),
        city_document=row.document,
        description=note,
        registry=registry,
        catalogue=catalogue,
    )


def import_city_list(
    db: Database, path: str | Path, *, dry_run: bool = False, backup: bool = True
) -> CityImport:
    """Read and reconcile the city's 下达 list (see the module's docstring)."""
    require_district_for(db, "导入市级下达清单")
    if not dry_run:
        require_role(db, CLERK)
    path = Path(path)
    report = CityImport(path.name, 0, dry_run)
    rows = _read(db, path, report)
    report.rows = len(rows)
    catalogue = load_catalogue(db)
    candidates = _candidates(db, rows, catalogue)
    matched = _match(rows, candidates)
    registry = registry_index(db)
    new: list[tuple[Reconciled, ApplicationInput]] = []
    for row in rows:
        if row.row in matched:
            report.lines.append(_reconcile(db, row, matched[row.row]))
        else:
            line = Reconciled(row, CREATED)
            new.append((line, _new_matter(row, registry, catalogue)))
            report.lines.append(line)
    report.lacking = _lacking(db, rows, {m["id"] for m in matched.values()})
    writes = [line for line in report.lines if line.outcome not in (MATCHED, EXISTING)]
    if dry_run or not writes:
        return report
    if backup:
        from desktop.storage.backup import backup_before

        report.backup = backup_before(db, "导入市级下达清单")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with db.transaction():
        if new:
            insert_applications(db, [item for _line, item in new], source=SOURCE)
            for line, item in new:
                line.application_id = int(
                    db.scalar(
                        "SELECT id FROM applications WHERE identity_key = ?", (item.identity_key,)
                    )
                )
                report.created_ids.append(line.application_id)
        for line in report.lines:
            if line.outcome == UPDATED:
                assert line.application_id is not None
                edit_application(
                    db, line.application_id, {"basis": yuan_string(line.row.amount_fen)}
                )
            elif line.outcome in (intake.TOP_UP, intake.CLAWBACK):
                _propose(db, line, path.name, digest)
        db.log(
            "导入市级下达清单",
            "applications",
            path.name,
            None,
            {"file_sha256": digest, "rows": report.rows, **{o: report.count(o) for o in OUTCOMES}},
        )
    return report


def _propose(db: Database, line: Reconciled, file_name: str, digest: str) -> None:
    assert line.application_id is not None
    before = intake.application_record(db, line.application_id)
    pending = [
        r[0]
        for r in db.query(
            "SELECT id FROM intake_items WHERE application_id = ? AND kind IN (?, ?) AND state = ?",
            (line.application_id, intake.TOP_UP, intake.CLAWBACK, intake.PENDING),
        )
    ]
    row = line.row
    intake.add_item(
        db,
        line.outcome,
        credit_code=row.credit_code,
        enterprise_name=row.enterprise_name,
        payload={
            "matter": before,
            "old_basis_fen": line.old_basis_fen,
            "new_basis_fen": row.amount_fen,
            "award_status": line.award_status,
            "award_fen": line.award_fen,
            "issued_on": row.issued_on.isoformat(),
            "issue_document": row.issue_document,
            "document": row.document,
            "file": file_name,
            "file_sha256": digest,
            "row": row.row,
        },
        application_id=line.application_id,
        award_id=line.award_id,
        replaces=pending,
    )
