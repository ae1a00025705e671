"""奖补事项 (applications): validation against the registry and the rule catalogue, and storage."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from desktop.core import status
from desktop.core.creditcode import validate_credit_code
from desktop.core.errors import Conflict, NotFound, ValidationError
from desktop.core.methods import LEVELS, MatterInput
from desktop.core.money import parse_optional_amount, yuan_string
from desktop.core.rules import Catalogue, normalize_document
from desktop.services.cells import parse_choice, parse_date, text_field
from desktop.services.users import CLERK, require_role
from desktop.storage.database import Database, now_text


@dataclass(frozen=True)
class ApplicationInput:
    """One application as entered, validated; ``enterprise_id`` resolved from the credit code."""

    enterprise_id: int
    credit_code: str
    rule_code: str | None
    event_date: date
    basis_fen: int | None = None
    level: str | None = None
    city_document: str | None = None
    description: str | None = None
    same_matter_key: str | None = None
    manual_amount_fen: int | None = None

    @property
    def identity_key(self) -> str:
        """The duplicate key of interfaces.md: code, rule, date, basis, level, city document."""
        return "|".join(
            [
                self.credit_code,
                self.rule_code or "",
                self.event_date.isoformat(),
                "" if self.basis_fen is None else str(self.basis_fen),
                self.level or "",
                normalize_document(self.city_document),
            ]
        )


def parse_application(
    *,
    credit_code: Any,
    enterprise_name: Any = None,
    rule_code: Any = None,
    event_date: Any,
    basis: Any = None,
    level: Any = None,
    city_document: Any = None,
    description: Any = None,
    same_matter_key: Any = None,
    manual_amount: Any = None,
    registry: dict[str, tuple[int, str]],
    catalogue: Catalogue,
) -> ApplicationInput:
    """Validate raw values; ``registry`` maps credit code → (enterprise id, registered name)."""
    code = validate_credit_code(str(credit_code or ""))
    if code not in registry:
        raise ValidationError(
            f"统一社会信用代码{code}未在企业名录中登记，请先导入或录入该企业",
            field="统一社会信用代码",
        )
    enterprise_id, registered_name = registry[code]
    name = text_field(enterprise_name, "企业名称", max_length=100)
    if name and name != registered_name:
        raise ValidationError(
            f"企业名称“{name}”与企业名录登记的“{registered_name}”不一致", field="企业名称"
        )
    rule = text_field(rule_code, "条款编号", max_length=20)
    rule = rule.upper().replace("－", "-").replace("—", "-") if rule else None
    document = text_field(city_document, "市级政策文号", max_length=60)
    # A clause only a draft has is accepted: the matter waits, at 0, until the draft is published.
    if rule and not (catalogue.known(rule) or catalogue.draft_with(rule)):
        raise ValidationError(
            f"条款编号“{rule}”不存在（可用：{'、'.join(catalogue.codes())}）", field="条款编号"
        )
    if not rule:
        if not document:
            raise ValidationError("条款编号与市级政策文号不能同时为空", field="条款编号")
        if not catalogue.match_document(document):
            raise ValidationError(
                f"条款编号为空，且市级政策文号“{document}”未对应任何条款，请填写条款编号",
                field="市级政策文号",
            )
    when = parse_date(event_date, field="事项日期")
    basis_fen = parse_optional_amount(basis, field="基数金额（元）")
    manual_fen = parse_optional_amount(manual_amount, field="核定金额（元）")
    level_text = parse_choice(level, LEVELS, field="认定级别", required=False)
    reason = text_field(description, "事项说明", max_length=500)
    if rule and document:
        _check_document_matches(rule, document, catalogue)
    matter = MatterInput(when, basis_fen, level_text, manual_fen, reason, document)
    for one in [rule] if rule else catalogue.match_document(document):
        version = catalogue.in_force(one, when) or catalogue.nearest(one, when)
        if version is not None:
            version.method_obj.check_matter(version.parameters, matter, one)
    return ApplicationInput(
        enterprise_id=enterprise_id,
        credit_code=code,
        rule_code=rule,
        event_date=when,
        basis_fen=basis_fen,
        level=level_text,
        city_document=document,
        description=reason,
        same_matter_key=text_field(same_matter_key, "同一事项编号", max_length=40),
        manual_amount_fen=manual_fen,
    )


def _check_document_matches(rule: str, document: str, catalogue: Catalogue) -> None:
    """A row whose 条款编号 and 市级政策文号 point to different rules is refused, both named: the
    clerk decides which is right; the program does not guess."""
    matched = catalogue.match_document(document)
    if matched and rule not in matched:
        raise ValidationError(
            f"条款编号{rule}与市级政策文号“{document}”不一致：该文号对应条款"
            f"{'、'.join(matched)}，请核对后只保留正确的一项",
            field="条款编号",
        )


def registry_index(db: Database) -> dict[str, tuple[int, str]]:
    return {
        r[0]: (r[1], r[2]) for r in db.conn.execute("SELECT credit_code, id, name FROM enterprises")
    }


def _row(item: ApplicationInput, source: str, user: str, at: str) -> dict[str, Any]:
    return {
        "enterprise_id": item.enterprise_id,
        "rule_code": item.rule_code,
        "event_date": item.event_date.isoformat(),
        "basis_fen": item.basis_fen,
        "level": item.level,
        "city_document": item.city_document,
        "description": item.description,
        "same_matter_key": item.same_matter_key,
        "manual_amount_fen": item.manual_amount_fen,
        "identity_key": item.identity_key,
        "source": source,
        "created_at": at,
        "created_by": user,
        "updated_at": at,
        "updated_by": user,
    }


# What the change log records of an application (its identity and amounts, who entered it).
LOGGED_FIELDS = (
    "enterprise_id",
    "rule_code",
    "event_date",
    "basis_fen",
    "level",
    "city_document",
    "manual_amount_fen",
    "same_matter_key",
    "description",
)

_INSERT = (
    "INSERT INTO applications (enterprise_id, rule_code, event_date, basis_fen, level, city_document,"
    " description, same_matter_key, manual_amount_fen, identity_key, source, created_at, created_by,"
    " updated_at, updated_by) VALUES (:enterprise_id, :rule_code, :event_date, :basis_fen, :level,"
    " :city_document, :description, :same_matter_key, :manual_amount_fen, :identity_key, :source,"
    " :created_at, :created_by, :updated_at, :updated_by)"
)


def existing_identity_keys(db: Database) -> set[str]:
    return {r[0] for r in db.conn.execute("SELECT identity_key FROM applications")}


def insert_applications(
    db: Database, items: list[ApplicationInput], *, source: str = "导入"
) -> int:
    """Store new applications (duplicates must be filtered by the caller); one transaction."""
    require_role(db, CLERK)
    at = now_text()
    rows = [_row(i, source, db.user, at) for i in items]
    with db.transaction():
        db.executemany(_INSERT, rows)
        ids = _ids_by_identity(db, [r["identity_key"] for r in rows])
        db.log_many(
            [
                (
                    f"{source}事项",
                    "applications",
                    r["identity_key"],
                    None,
                    {"id": ids.get(r["identity_key"]), **{k: r[k] for k in LOGGED_FIELDS}},
                )
                for r in rows
            ]
        )
    return len(rows)


def _ids_by_identity(db: Database, keys: list[str]) -> dict[str, int]:
    """The ids the new rows got (logged with them, so ``check`` can replay the log)."""
    found: dict[str, int] = {}
    for start in range(0, len(keys), 900):
        chunk = keys[start : start + 900]
        marks = ",".join("?" * len(chunk))
        found.update(
            db.conn.execute(
                f"SELECT identity_key, id FROM applications WHERE identity_key IN ({marks})", chunk
            ).fetchall()
        )
    return found


def add_application(db: Database, item: ApplicationInput) -> int:
    require_role(db, CLERK)
    if db.scalar("SELECT id FROM applications WHERE identity_key = ?", (item.identity_key,)):
        raise Conflict(
            "相同的奖补事项（同一企业、条款、日期、基数、级别、文号）已录入，不再重复保存"
        )
    with db.transaction():
        row = _row(item, "录入", db.user, now_text())
        app_id = db.insert(_INSERT, row)
        db.log(
            "录入事项",
            "applications",
            app_id,
            None,
            {k: row[k] for k in LOGGED_FIELDS},
        )
    return app_id


def _locked_awards(db: Database, application_id: int) -> int:
    """How many awards of the matter stand as granted decisions (while any does, it is locked)."""
    return int(
        db.scalar(
            "SELECT count(*) FROM awards WHERE application_id = ?"
            f" AND status IN {status.sql_list(status.GRANTED)}",
            (application_id,),
        )
    )


def update_application(db: Database, application_id: int, item: ApplicationInput) -> None:
    require_role(db, CLERK)
    old = db.one("SELECT * FROM applications WHERE id = ?", (application_id,))
    if old is None:
        raise NotFound(f"奖补事项{application_id}不存在")
    if _locked_awards(db, application_id):
        raise Conflict(
            "该事项的核定结果已审核，不能修改；如确需更正，请先撤销审核（写明理由），"
            "再修改事项并重新计算，生成新的草稿后重新审核"
        )
    clash = db.scalar(
        "SELECT id FROM applications WHERE identity_key = ? AND id <> ?",
        (item.identity_key, application_id),
    )
    if clash:
        raise Conflict(f"与已录入的事项{clash}重复")
    row = _row(item, old["source"], db.user, now_text())
    row.pop("created_at")
    row.pop("created_by")
    with db.transaction():
        db.execute(
            "UPDATE applications SET enterprise_id=:enterprise_id, rule_code=:rule_code, event_date=:event_date,"
            " basis_fen=:basis_fen, level=:level, city_document=:city_document, description=:description,"
            " same_matter_key=:same_matter_key, manual_amount_fen=:manual_amount_fen,"
            " identity_key=:identity_key, updated_at=:updated_at, updated_by=:updated_by WHERE id=:id",
            {**row, "id": application_id},
        )
        changed_old = {
            k: old[k]
            for k in row
            if k in old.keys() and old[k] != row[k] and not k.startswith("updated")
        }
        db.log(
            "修改事项",
            "applications",
            application_id,
            changed_old,
            {k: row[k] for k in changed_old},
        )
        # The drafts computed from the old values are stale; the next calculation recreates them.
        db.execute(
            f"DELETE FROM awards WHERE application_id = ? AND status = '{status.DRAFT}'",
            (application_id,),
        )


# The fields a correction may change, as ``edit_application`` takes them (raw clerk text).
EDITABLE_FIELDS = (
    "rule_code",
    "event_date",
    "basis",
    "level",
    "city_document",
    "description",
    "same_matter_key",
    "manual_amount",
)


def edit_application(db: Database, application_id: int, changes: dict[str, Any]) -> None:
    """Correct one stored matter: ``changes`` maps fields of :data:`EDITABLE_FIELDS` to what the
    clerk wrote (``None`` keeps the stored value; ``""`` clears an optional one). The whole matter
    is validated again, as on entry. Refused while an award of it stands as granted: revoke first."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(f"不能修改的字段：{'、'.join(sorted(unknown))}", field="字段")
    old = db.one(
        "SELECT ap.*, e.credit_code FROM applications ap JOIN enterprises e"
        " ON e.id = ap.enterprise_id WHERE ap.id = ?",
        (application_id,),
    )
    if old is None:
        raise NotFound(f"奖补事项{application_id}不存在")
    stored: dict[str, Any] = {
        "rule_code": old["rule_code"],
        "event_date": old["event_date"],
        "basis": None if old["basis_fen"] is None else yuan_string(old["basis_fen"]),
        "level": old["level"],
        "city_document": old["city_document"],
        "description": old["description"],
        "same_matter_key": old["same_matter_key"],
        "manual_amount": None
        if old["manual_amount_fen"] is None
        else yuan_string(old["manual_amount_fen"]),
    }
    merged = {k: (stored[k] if changes.get(k) is None else changes[k]) for k in EDITABLE_FIELDS}
    from desktop.services.catalogue import load_catalogue

    item = parse_application(
        credit_code=old["credit_code"],
        registry=registry_index(db),
        catalogue=load_catalogue(db),
        **merged,
    )
    update_application(db, application_id, item)


def delete_application(db: Database, application_id: int) -> None:
    require_role(db, CLERK)
    old = db.one("SELECT * FROM applications WHERE id = ?", (application_id,))
    if old is None:
        raise NotFound(f"奖补事项{application_id}不存在")
    if _locked_awards(db, application_id):
        raise Conflict("该事项的核定结果已审核，不能删除")
    with db.transaction():
        decided = db.scalar(
            f"SELECT count(*) FROM awards WHERE application_id = ? AND status <> '{status.DRAFT}'",
            (application_id,),
        )
        if decided:
            raise Conflict("该事项已有审核决定（不予奖补或已撤销），为保留审核记录不能删除")
        db.execute("DELETE FROM awards WHERE application_id = ?", (application_id,))
        db.execute("DELETE FROM applications WHERE id = ?", (application_id,))
        db.log("删除事项", "applications", application_id, dict(old), None)


@dataclass(frozen=True)
class ApplicationRow:
    """One stored application with its enterprise and its current award (for lists and forms)."""

    id: int
    enterprise_id: int
    credit_code: str
    enterprise_name: str
    town: str
    rule_code: str | None
    matched_code: (
        str | None
    )  # the rule the award was calculated under (differs when matched by 文号)
    event_date: date
    basis_fen: int | None
    level: str | None
    city_document: str | None
    same_matter_key: str | None
    manual_amount_fen: int | None
    description: str | None
    preview_fen: int
    preview_text: str
    method: str | None
    complete: bool = True
    award_status: str | None = None  # where the matter's award stands (None: not calculated)
    locked: bool = False  # an award of it stands granted: revoke before editing
    decided: bool = False  # a decision is on record: it cannot be deleted


# Which status speaks for a matter with several awards (a revoked one and its correction,
# installments): a standing grant first, then a pending draft, then the decisions that ended it.
_MATTER_ORDER = (
    status.PAID,
    status.APPROVED,
    status.IN_REVIEW,
    status.PAYMENT_FAILED,
    status.DRAFT,
    status.REJECTED,
    status.REVOKED,
)


def matter_statuses(db: Database, application_ids: list[int]) -> dict[int, tuple[str, bool, bool]]:
    """``{application_id: (status, locked, decided)}`` for the matters that have awards: the status
    that speaks for the matter, whether a granted award locks it, whether any decision is on
    record (so it cannot be deleted)."""
    found: dict[int, set[str]] = {}
    for start in range(0, len(application_ids), 500):
        chunk = application_ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for row in db.query(
            f"SELECT DISTINCT application_id, status FROM awards WHERE application_id IN ({marks})",
            chunk,
        ):
            found.setdefault(row["application_id"], set()).add(row["status"])
    return {
        app_id: (
            next(s for s in _MATTER_ORDER if s in statuses),
            bool(statuses & status.GRANTED),
            bool(statuses - {status.DRAFT}),
        )
        for app_id, statuses in found.items()
    }


def _with_statuses(db: Database, rows: list[ApplicationRow]) -> list[ApplicationRow]:
    known = matter_statuses(db, [r.id for r in rows])
    return [
        replace(r, award_status=known[r.id][0], locked=known[r.id][1], decided=known[r.id][2])
        if r.id in known
        else r
        for r in rows
    ]


_NOT_CALCULATED = "尚未计算"
_LIST_SQL = (
    """
SELECT ap.*, e.credit_code, e.name AS enterprise_name, t.name AS town,
       aw.rule_code AS matched_code, aw.amount_fen AS award_fen, aw.explanation,
       (SELECT r.method FROM rules r WHERE r.code = COALESCE(ap.rule_code, aw.rule_code)
        ORDER BY r.id DESC LIMIT 1) AS method
FROM applications ap
JOIN enterprises e ON e.id = ap.enterprise_id
JOIN towns t ON t.id = e.town_id
LEFT JOIN awards aw ON aw.id = (
    SELECT a2.id FROM awards a2 WHERE a2.application_id = ap.id AND a2.installment_no = 0
    AND a2.status <> '"""
    + status.REVOKED
    + """'
    ORDER BY a2.amount_fen DESC, a2.id LIMIT 1)
"""
)


def _application_row(r) -> ApplicationRow:
    return ApplicationRow(
        id=r["id"],
        enterprise_id=r["enterprise_id"],
        credit_code=r["credit_code"],
        enterprise_name=r["enterprise_name"],
        town=r["town"],
        rule_code=r["rule_code"],
        matched_code=r["matched_code"],
        event_date=date.fromisoformat(r["event_date"]),
        basis_fen=r["basis_fen"],
        level=r["level"],
        city_document=r["city_document"],
        same_matter_key=r["same_matter_key"],
        manual_amount_fen=r["manual_amount_fen"],
        description=r["description"],
        preview_fen=r["award_fen"] or 0,
        preview_text=r["explanation"] or _NOT_CALCULATED,
        method=r["method"],
    )


def list_applications(db: Database, year: int) -> list[ApplicationRow]:
    """The applications whose 事项日期 falls in ``year``, with their stored award (if calculated)."""
    rows = [
        _application_row(r)
        for r in db.query(
            _LIST_SQL + " WHERE ap.event_date BETWEEN ? AND ? ORDER BY ap.event_date, ap.id",
            (f"{year}-01-01", f"{year}-12-31"),
        )
    ]
    return _with_statuses(db, _with_previews(db, rows))


def _with_previews(db: Database, rows: list[ApplicationRow]) -> list[ApplicationRow]:
    """Rows not yet calculated show what the engine would award now (nothing is written)."""
    pending = {r.enterprise_id for r in rows if r.preview_text == _NOT_CALCULATED}
    if not pending:
        return rows
    from desktop.services.calculation import results_for_enterprises

    best: dict[int, tuple[int, str, str]] = {}
    for res in results_for_enterprises(db, pending):
        if res.installment_no == 0 and (
            res.application_id not in best or res.amount_fen > best[res.application_id][0]
        ):
            best[res.application_id] = (res.amount_fen, res.explanation, res.rule_code)
    out = []
    for r in rows:
        if r.preview_text == _NOT_CALCULATED and r.id in best:
            fen, text, code = best[r.id]
            r = replace(r, preview_fen=fen, preview_text=text, matched_code=code)
        out.append(r)
    return out


def get_application(db: Database, application_id: int) -> ApplicationRow:
    row = db.one(_LIST_SQL + " WHERE ap.id = ?", (application_id,))
    if row is None:
        raise NotFound(f"奖补事项{application_id}不存在")
    return _with_statuses(db, _with_previews(db, [_application_row(row)]))[0]
