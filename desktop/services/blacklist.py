"""严重失信主体名单 (信用中国 export): import, and the check made at every approval and payment.

The newest import is the list in force (importing a newer list replaces the older one; older
imports stay on record because approvals cite the list they were checked against). An enterprise
is *listed on* a day when its 列入日期 ≤ that day and it has no 移出日期 on or before it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from desktop.core.creditcode import validate_credit_code
from desktop.core.errors import ImportRejected, PermissionDenied, RowProblem, ValidationError
from desktop.services.cells import parse_date, text_field
from desktop.services.users import REVIEWER, require_role
from desktop.storage.database import Database, now_text

COLUMNS = {
    "统一社会信用代码": ("信用代码", "主体统一社会信用代码"),
    "名称": ("企业名称", "主体名称", "失信主体名称"),
    "列入日期": ("列入严重失信主体名单日期", "认定日期"),
    "移出日期": (),
    "列入机关": ("认定部门", "列入部门", "认定机关"),
    "事由": ("列入事由", "失信事由", "列入原因"),
}


@dataclass(frozen=True)
class ListInForce:
    import_id: int | None
    imported_at: str | None
    file_name: str | None
    file_hash: str | None

    @property
    def note(self) -> str:
        if self.import_id is None:
            return "未导入严重失信主体名单，未能核查"
        when = (self.imported_at or "").replace("T", " ")
        return f"{when}导入的{self.file_name}（SHA-256 {str(self.file_hash)[:12]}）"


@dataclass(frozen=True)
class Listing:
    credit_code: str
    name: str
    listed_on: str
    removed_on: str | None
    authority: str
    reason: str

    def refusal(self, what: str, who: str) -> str:
        by = f"，列入机关：{self.authority}" if self.authority else ""
        return (
            f"{who}列入严重失信主体名单（列入日期：{self.listed_on}，事由：{self.reason or '未注明'}"
            f"{by}），按失信一票否决不能{what}"
        )


def list_in_force(db: Database) -> ListInForce:
    row = db.one(
        "SELECT id, imported_at, file_name, file_hash FROM blacklist_imports ORDER BY id DESC LIMIT 1"
    )
    if row is None:
        return ListInForce(None, None, None, None)
    return ListInForce(row[0], row[1], row[2], row[3])


def listing_on(db: Database, credit_code: str, on: date) -> Listing | None:
    """The entry that lists ``credit_code`` on day ``on`` in the list in force, or None."""
    current = list_in_force(db)
    if current.import_id is None:
        return None
    day = on.isoformat()
    row = db.one(
        "SELECT credit_code, name, listed_on, removed_on, authority, reason FROM blacklist_entries"
        " WHERE import_id = ? AND credit_code = ? AND listed_on <= ?"
        " AND (removed_on IS NULL OR removed_on > ?) ORDER BY listed_on LIMIT 1",
        (current.import_id, credit_code, day, day),
    )
    return None if row is None else Listing(*row)


def listings_on(db: Database, on: date) -> dict[str, Listing]:
    """Every credit code the list in force lists on day ``on`` (for checking many at once)."""
    current = list_in_force(db)
    if current.import_id is None:
        return {}
    day = on.isoformat()
    out: dict[str, Listing] = {}
    for row in db.query(
        "SELECT credit_code, name, listed_on, removed_on, authority, reason FROM blacklist_entries"
        " WHERE import_id = ? AND listed_on <= ? AND (removed_on IS NULL OR removed_on > ?)"
        " ORDER BY listed_on DESC",
        (current.import_id, day, day),
    ):
        out[row[0]] = Listing(*row)
    return out


def refuse_if_listed(db: Database, credit_code: str, name: str, on: date, what: str) -> None:
    """``PermissionDenied`` naming 列入日期 and 事由 when the enterprise is listed on ``on``."""
    listing = listing_on(db, credit_code, on)
    if listing is not None:
        raise PermissionDenied(listing.refusal(what, f"{name}（{credit_code}）于{on.isoformat()}"))


def refuse_enterprise_if_listed(db: Database, enterprise_id: int, on: date, what: str) -> None:
    row = db.one("SELECT credit_code, name FROM enterprises WHERE id = ?", (enterprise_id,))
    if row is not None:
        refuse_if_listed(db, row[0], row[1], on, what)


@dataclass(frozen=True)
class BlacklistImport:
    import_id: int
    rows: int
    registered: int  # how many listed enterprises are in our registry
    replaced: int | None  # the import id it replaced


def import_blacklist(db: Database, path: str | Path) -> BlacklistImport:
    """Read the 严重失信主体名单 workbook; all or nothing, bad rows by row number."""
    from desktop.services.workbook import read_sheet

    require_role(db, REVIEWER)
    path = Path(path)
    sheet = read_sheet(path, COLUMNS, ("统一社会信用代码", "名称", "列入日期"))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    entries, problems = [], []
    for row_no, v in sheet.rows():
        try:
            code = validate_credit_code(str(v.get("统一社会信用代码") or ""))
            name = text_field(v.get("名称"), "名称", required=True, max_length=200) or ""
            listed = parse_date(v.get("列入日期"), field="列入日期")
            removed_raw = v.get("移出日期")
            removed = None
            if removed_raw not in (None, ""):
                removed = parse_date(removed_raw, field="移出日期")
                if removed < listed:
                    raise ValidationError("移出日期早于列入日期", field="移出日期")
            authority = text_field(v.get("列入机关"), "列入机关", max_length=200) or ""
            reason = text_field(v.get("事由"), "事由", max_length=2000) or ""
        except ValidationError as exc:
            problems.append(RowProblem(row_no, str(exc)))
            continue
        entries.append(
            (
                code,
                name,
                listed.isoformat(),
                removed and removed.isoformat(),
                authority,
                reason,
                row_no,
            )
        )
    if problems:
        raise ImportRejected(problems)
    previous = list_in_force(db).import_id
    at = now_text()
    with db.transaction():
        import_id = db.insert(
            "INSERT INTO blacklist_imports (file_name, file_hash, rows, imported_at, imported_by)"
            " VALUES (?, ?, ?, ?, ?)",
            (path.name, digest, len(entries), at, db.user),
        )
        db.executemany(
            "INSERT INTO blacklist_entries (import_id, credit_code, name, listed_on, removed_on,"
            " authority, reason, row_no) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(import_id, *e) for e in entries],
        )
        db.log(
            "导入失信名单",
            "blacklist_imports",
            import_id,
            None if previous is None else {"list_in_force": previous},
            {
                "file_name": path.name,
                "file_hash": digest,
                "rows": len(entries),
                "entries": [
                    dict(
                        zip(
                            (
                                "credit_code",
                                "name",
                                "listed_on",
                                "removed_on",
                                "authority",
                                "reason",
                                "row_no",
                            ),
                            e,
                            strict=True,
                        )
                    )
                    for e in entries
                ],
            },
        )
    codes = {e[0] for e in entries}
    registered = 0
    if codes:
        marks = ",".join("?" * len(codes))
        registered = int(
            db.scalar(
                f"SELECT count(*) FROM enterprises WHERE credit_code IN ({marks})", list(codes)
            )
        )
    return BlacklistImport(import_id, len(entries), registered, previous)


def listed_entries(db: Database) -> list[Listing]:
    """The list in force, for the GUI."""
    current = list_in_force(db)
    if current.import_id is None:
        return []
    return [
        Listing(*r)
        for r in db.query(
            "SELECT credit_code, name, listed_on, removed_on, authority, reason FROM blacklist_entries"
            " WHERE import_id = ? ORDER BY row_no",
            (current.import_id,),
        )
    ]
