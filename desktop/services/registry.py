"""The enterprise registry (企业名录) and the towns (所属镇街)."""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from itertools import compress
from typing import Any

from desktop.core.creditcode import validate_credit_code
from desktop.core.errors import Conflict, NotFound, ValidationError
from desktop.services.cells import parse_choice, parse_yes_no, text_field
from desktop.services.users import ADMIN, CLERK, require_role
from desktop.storage.database import Database, LogItem, now_text

INDUSTRIES: tuple[str, ...] = ("新材料", "智能装备", "医药健康", "电子信息")


@dataclass(frozen=True)
class Town:
    id: int
    name: str
    sort_order: int


def towns(db: Database) -> list[Town]:
    return [
        Town(r["id"], r["name"], r["sort_order"])
        for r in db.query(
            "SELECT id, name, sort_order FROM towns WHERE active = 1 ORDER BY sort_order, id"
        )
    ]


def town_ids_by_name(db: Database) -> dict[str, int]:
    return {t.name: t.id for t in towns(db)}


def add_town(db: Database, name: str) -> int:
    require_role(db, ADMIN)
    name = text_field(name, "镇街名称", required=True, max_length=40, single_line=True) or ""
    if db.scalar("SELECT id FROM towns WHERE name = ?", (name,)):
        raise Conflict(f"镇街“{name}”已存在")
    with db.transaction():
        order = (db.scalar("SELECT max(sort_order) FROM towns") or 0) + 1
        town_id = db.insert("INSERT INTO towns (name, sort_order) VALUES (?, ?)", (name, order))
        db.log("新增", "towns", town_id, None, {"name": name})
    return town_id


@dataclass(frozen=True)
class EnterpriseInput:
    """One enterprise as entered (form or workbook row), already validated."""

    credit_code: str
    name: str
    town: str
    above_scale: bool
    industry: str | None = None
    contact: str | None = None
    phone: str | None = None
    bank_name: str | None = None  # None: not given (left as stored)
    bank_account: str | None = None
    account_name: str | None = None


def parse_enterprise(
    *,
    credit_code: object,
    name: object,
    town: object,
    above_scale: object = "否",
    industry: object = None,
    contact: object = None,
    phone: object = None,
    known_towns: Iterable[str],
) -> EnterpriseInput:
    """Validate raw values; raises ValidationError naming the first bad field."""
    code = validate_credit_code(str(credit_code or ""))
    name_text = text_field(name, "企业名称", required=True, max_length=100, single_line=True) or ""
    town_text = text_field(town, "所属镇街", required=True, max_length=40) or ""
    known = list(known_towns)
    if town_text not in known:
        raise ValidationError(f"所属镇街“{town_text}”不在镇街表中", field="所属镇街")
    return EnterpriseInput(
        credit_code=code,
        name=name_text,
        town=town_text,
        above_scale=parse_yes_no(above_scale, field="是否规上"),
        industry=parse_choice(industry, INDUSTRIES, field="四强产业", required=False),
        contact=text_field(contact, "联系人", max_length=40),
        phone=text_field(phone, "联系电话", max_length=40),
    )


@dataclass(frozen=True)
class Enterprise:
    id: int
    credit_code: str
    name: str
    town_id: int
    town: str
    above_scale: bool
    industry: str | None
    contact: str | None
    phone: str | None
    bank_name: str | None = None
    bank_account: str | None = None
    account_name: str | None = None  # None: the enterprise's own name

    @property
    def payee(self) -> str:
        """收款单位 / 账户名称: as given, else the enterprise name."""
        return self.account_name or self.name

    def json_row(self) -> dict[str, Any]:
        """The enterprise as ``list enterprises --json`` prints it (interfaces.md)."""
        return {
            "统一社会信用代码": self.credit_code,
            "企业名称": self.name,
            "所属镇街": self.town,
            "是否规上": "是" if self.above_scale else "否",
            "四强产业": self.industry or "",
            "开户银行": self.bank_name or "",
            "银行账号": self.bank_account or "",
            "账户名称": self.payee,
        }


_ENTERPRISE_SQL = "SELECT e.*, t.name AS town FROM enterprises e JOIN towns t ON t.id = e.town_id"


def _enterprise(row) -> Enterprise:
    return Enterprise(
        row["id"],
        row["credit_code"],
        row["name"],
        row["town_id"],
        row["town"],
        bool(row["above_scale"]),
        row["industry"],
        row["contact"],
        row["phone"],
        row["bank_name"],
        row["bank_account"],
        row["account_name"],
    )


def get_enterprise(db: Database, enterprise_id: int) -> Enterprise:
    row = db.one(_ENTERPRISE_SQL + " WHERE e.id = ?", (enterprise_id,))
    if row is None:
        raise NotFound(f"企业记录{enterprise_id}不存在")
    return _enterprise(row)


def find_by_code(db: Database, credit_code: str) -> Enterprise | None:
    row = db.one(_ENTERPRISE_SQL + " WHERE e.credit_code = ?", (credit_code,))
    return _enterprise(row) if row else None


def all_enterprises(db: Database) -> list[Enterprise]:
    return [_enterprise(r) for r in db.query(_ENTERPRISE_SQL + " ORDER BY t.sort_order, e.name")]


@dataclass(frozen=True)
class UpsertSummary:
    added: int
    updated: int
    unchanged: int


# The registry columns an import or a form may set, by workbook header.
FIELD_COLUMNS: dict[str, str] = {
    "企业名称": "name",
    "所属镇街": "town_id",
    "是否规上": "above_scale",
    "四强产业": "industry",
    "联系人": "contact",
    "联系电话": "phone",
    "开户银行": "bank_name",
    "银行账号": "bank_account",
    "账户名称": "account_name",
}
COLUMN_LABELS: dict[str, str] = {v: k for k, v in FIELD_COLUMNS.items()}
_STORED = ("id", "credit_code", *FIELD_COLUMNS.values())
_BANK_ACCOUNT = re.compile(r"\d{8,32}")


def parse_bank_account(value: object) -> str | None:
    """银行账号: digits only (spaces and dashes removed), 8–32 of them; ``None`` when blank."""
    if value is None:
        return None
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise ValidationError(f"银行账号“{value}”不是有效的账号", field="银行账号")
    if isinstance(value, int | float):
        if abs(value) >= 10**15:
            raise ValidationError(
                f"银行账号“{value:.0f}”存成了数字：超过15位的数字在表格中已丢失末几位，无法恢复。"
                "请将银行账号列设置为“文本”格式，重新填写账号后再导入",
                field="银行账号",
            )
        value = str(int(value))
    text = text_field(value, "银行账号", max_length=60)
    if text is None:
        return None
    digits = re.sub(r"[\s\-－—]", "", unicodedata.normalize("NFKC", text))
    if not _BANK_ACCOUNT.fullmatch(digits):
        raise ValidationError(
            f"银行账号“{text}”无效：应为8—32位数字（可含空格或短横线）", field="银行账号"
        )
    return digits


@dataclass(frozen=True)
class EnterpriseUpdate:
    """One registry row as a workbook gives it: only the columns it has and the cells it fills.

    ``values`` maps registry columns (``FIELD_COLUMNS``) to new values; a column not in it is left
    as stored. For an enterprise not yet registered, 企业名称 and 所属镇街 are required.
    """

    credit_code: str
    values: dict[str, Any]


def parse_enterprise_update(
    credit_code: object, cells: dict[str, object], known_towns: dict[str, int]
) -> EnterpriseUpdate:
    """Validate one workbook row (header → raw cell); blank cells are left out of ``values``."""
    code = validate_credit_code(str(credit_code or ""))
    values: dict[str, Any] = {}
    for header, raw in cells.items():
        column = FIELD_COLUMNS.get(header)
        if column is None or raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        if column == "town_id":
            town = text_field(raw, "所属镇街", max_length=40) or ""
            if town not in known_towns:
                raise ValidationError(f"所属镇街“{town}”不在镇街表中", field="所属镇街")
            values[column] = known_towns[town]
        elif column == "above_scale":
            values[column] = int(parse_yes_no(raw, field="是否规上"))
        elif column == "industry":
            values[column] = parse_choice(raw, INDUSTRIES, field="四强产业", required=False)
        elif column == "bank_account":
            values[column] = parse_bank_account(raw)
        else:
            limit = {"name": 100, "account_name": 100, "bank_name": 60}.get(column, 40)
            values[column] = text_field(raw, header, max_length=limit)
    return EnterpriseUpdate(code, values)


@dataclass(frozen=True)
class FieldChange:
    column: str
    old: Any
    new: Any


@dataclass(frozen=True)
class PlannedChange:
    """What an upsert does to one enterprise: 新增 (all values) or 修改 (the changed fields)."""

    index: int  # position in the list given to plan_upsert
    credit_code: str
    name: str
    action: str  # 新增 | 修改
    fields: tuple[FieldChange, ...]


@dataclass
class UpsertPlan:
    changes: list[PlannedChange]
    unchanged: int
    problems: list[tuple[int, str]]  # (index, message) of rows that cannot be applied
    inserts: list[dict[str, Any]]
    updates: list[tuple[str, dict[str, Any], dict[str, Any]]]  # code, old values, new values

    @property
    def summary(self) -> UpsertSummary:
        return UpsertSummary(len(self.inserts), len(self.updates), self.unchanged)


def _existing_by_code(db: Database, codes: set[str]) -> dict[str, dict]:
    """The stored rows of these credit codes, found through a temp table (one indexed join)."""
    db.conn.execute("CREATE TEMP TABLE IF NOT EXISTS upsert_codes (code TEXT PRIMARY KEY)")
    db.conn.execute("DELETE FROM temp.upsert_codes")
    # One statement (json_each), not one autocommitted INSERT per code.
    db.conn.execute(
        "INSERT OR IGNORE INTO temp.upsert_codes (code) SELECT value FROM json_each(?)",
        (json.dumps(sorted(codes)),),
    )
    cursor = db.conn.cursor()
    cursor.row_factory = None
    rows = cursor.execute(
        f"SELECT {', '.join('e.' + c for c in _STORED)}"
        " FROM temp.upsert_codes c JOIN enterprises e ON e.credit_code = c.code"
    ).fetchall()
    return {r[1]: dict(zip(_STORED, r, strict=True)) for r in rows}


_DEFAULT_RECORD: dict[str, Any] = {c: None for c in FIELD_COLUMNS.values()} | {"above_scale": 0}


def plan_upsert(db: Database, items: list[EnterpriseUpdate], *, details: bool = True) -> UpsertPlan:
    """What upserting ``items`` would change, field by field; writes nothing.

    ``details`` False leaves ``changes`` empty (a write that shows no preview)."""
    existing = _existing_by_code(db, {i.credit_code for i in items})
    plan = UpsertPlan([], 0, [], [], [])
    for index, item in enumerate(items):
        old = existing.get(item.credit_code)
        if old is None:
            missing = [COLUMN_LABELS[c] for c in ("name", "town_id") if not item.values.get(c)]
            if missing:
                plan.problems.append(
                    (
                        index,
                        f"统一社会信用代码{item.credit_code}尚未登记，新增企业须填写"
                        + "、".join(missing),
                    )
                )
                continue
            record = {"credit_code": item.credit_code, **_DEFAULT_RECORD, **item.values}
            plan.inserts.append(record)
            if details:
                fields = tuple(FieldChange(c, None, v) for c, v in record.items() if v is not None)
                plan.changes.append(
                    PlannedChange(index, item.credit_code, record["name"], "新增", fields[1:])
                )
            existing[item.credit_code] = {**record, "id": None}
            continue
        changed = {c: v for c, v in item.values.items() if old[c] != v}
        if not changed:
            plan.unchanged += 1
            continue
        before = {c: old[c] for c in changed}
        plan.updates.append((item.credit_code, before, changed))
        if details:
            plan.changes.append(
                PlannedChange(
                    index,
                    item.credit_code,
                    changed.get("name", old["name"]),
                    "修改",
                    tuple(FieldChange(c, before[c], v) for c, v in changed.items()),
                )
            )
        existing[item.credit_code] = {**old, **changed}
    return plan


_INSERT_COLUMNS = ("credit_code", *FIELD_COLUMNS.values())


def apply_upsert(db: Database, plan: UpsertPlan, *, action: str = "导入") -> UpsertSummary:
    """Write a plan made by :func:`plan_upsert` (in the caller's or its own transaction)."""
    require_role(db, CLERK)
    at = now_text()
    meta = {"created_at": at, "created_by": db.user, "updated_at": at, "updated_by": db.user}
    log: list[LogItem] = [
        (action + "新增", "enterprises", r["credit_code"], None, r) for r in plan.inserts
    ]
    log += [(action + "修改", "enterprises", code, old, new) for code, old, new in plan.updates]
    columns = (*_INSERT_COLUMNS, *meta)
    with db.transaction():
        db.executemany(
            f"INSERT INTO enterprises ({', '.join(columns)})"
            f" VALUES ({', '.join(':' + c for c in columns)})",
            [{**r, **meta} for r in plan.inserts],
        )
        by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for code, _old, new in plan.updates:
            by_columns.setdefault(tuple(sorted(new)), []).append(
                {**new, "credit_code": code, "updated_at": at, "updated_by": db.user}
            )
        for names, rows in by_columns.items():
            sets = ", ".join(f"{c} = :{c}" for c in (*names, "updated_at", "updated_by"))
            db.executemany(
                f"UPDATE enterprises SET {sets} WHERE credit_code = :credit_code",  # noqa: S608
                rows,
            )
        db.log_many(log)
    return plan.summary


def _record(item: EnterpriseInput, town_id: int) -> dict:
    """The form's fields of an enterprise as registry columns (bank details are not on the form)."""
    return {
        "credit_code": item.credit_code,
        "name": item.name,
        "town_id": town_id,
        "above_scale": int(item.above_scale),
        "industry": item.industry,
        "contact": item.contact,
        "phone": item.phone,
    }


def _full_update(item: EnterpriseInput, town_ids: dict[str, int]) -> EnterpriseUpdate:
    values: dict[str, Any] = {
        "name": item.name,
        "town_id": town_ids[item.town],
        "above_scale": int(item.above_scale),
        "industry": item.industry,
        "contact": item.contact,
        "phone": item.phone,
    }
    for column in ("bank_name", "bank_account", "account_name"):
        if getattr(item, column) is not None:
            values[column] = getattr(item, column)
    return EnterpriseUpdate(item.credit_code, values)


def upsert_enterprises(
    db: Database, items: list[EnterpriseInput], *, action: str = "导入", dry_run: bool = False
) -> UpsertSummary:
    """Insert new enterprises and update changed ones (whole records), by credit code."""
    if not dry_run:
        require_role(db, CLERK)
    town_ids = town_ids_by_name(db)
    plan = plan_upsert(db, [_full_update(i, town_ids) for i in items])
    if dry_run:  # what it would do, nothing written
        return plan.summary
    return apply_upsert(db, plan, action=action)


def save_enterprise(
    db: Database, item: EnterpriseInput, *, enterprise_id: int | None = None
) -> int:
    """Create (enterprise_id None) or edit one enterprise from the form."""
    require_role(db, CLERK)
    other = find_by_code(db, item.credit_code)
    if enterprise_id is None:
        if other is not None:
            raise Conflict(
                f"统一社会信用代码{item.credit_code}已登记为“{other.name}”",
            )
        upsert_enterprises(db, [item], action="录入")
        found = find_by_code(db, item.credit_code)
        assert found is not None
        return found.id
    current = get_enterprise(db, enterprise_id)
    if other is not None and other.id != enterprise_id:
        raise Conflict(f"统一社会信用代码{item.credit_code}已登记为“{other.name}”")
    town_id = town_ids_by_name(db)[item.town]
    record = _record(item, town_id)
    old = {k: v for k, v in asdict(current).items() if k in record}
    old["town_id"] = current.town_id
    old["above_scale"] = int(current.above_scale)
    with db.transaction():
        db.execute(
            "UPDATE enterprises SET credit_code = :credit_code, name = :name, town_id = :town_id,"
            " above_scale = :above_scale, industry = :industry, contact = :contact, phone = :phone,"
            " updated_at = :at, updated_by = :user WHERE id = :id",
            {**record, "at": now_text(), "user": db.user, "id": enterprise_id},
        )
        db.log(
            "修改",
            "enterprises",
            item.credit_code,
            {k: v for k, v in old.items() if record.get(k) != v},
            {k: v for k, v in record.items() if old.get(k) != v},
        )
    return enterprise_id


# The columns :func:`set_enterprise_columns` may set (an enterprise's credit code never changes).
ENTERPRISE_COLUMNS = (
    "name",
    "town_id",
    "above_scale",
    "industry",
    "contact",
    "phone",
    "bank_name",
    "bank_account",
    "account_name",
)


def set_enterprise_columns(
    db: Database, credit_code: str, values: dict[str, Any], *, action: str
) -> dict[str, Any]:
    """Set some columns of one enterprise (already validated values), logged as ``action``;
    returns the old values of the columns that changed (empty: nothing to do)."""
    require_role(db, CLERK)
    unknown = set(values) - set(ENTERPRISE_COLUMNS)
    if unknown:
        raise ValueError(f"not enterprise columns: {sorted(unknown)}")
    row = db.one("SELECT * FROM enterprises WHERE credit_code = ?", (credit_code,))
    if row is None:
        raise NotFound(f"统一社会信用代码{credit_code}未在企业名录中登记")
    changed = {k: v for k, v in values.items() if row[k] != v}
    if not changed:
        return {}
    old = {k: row[k] for k in changed}
    assignments = ", ".join(f"{k} = :{k}" for k in changed)
    with db.transaction():
        db.execute(
            f"UPDATE enterprises SET {assignments}, updated_at = :at, updated_by = :user"
            " WHERE credit_code = :code",
            {**changed, "at": now_text(), "user": db.user, "code": credit_code},
        )
        db.log(action, "enterprises", credit_code, old, changed)
    return old


@dataclass(frozen=True)
class EnterpriseFilter:
    text: str = ""
    town_id: int | None = None
    industry: str | None = None
    above_scale: bool | None = None
    on_list_year: int | None = None


def search_enterprise_ids(
    db: Database, flt: EnterpriseFilter, *, limit: int | None = None
) -> list[int]:
    """Ids of matching enterprises in display order (town, name); substring match on name and code."""
    where: list[str] = []
    params: list[Any] = []
    if flt.text.strip():
        where.append("(e.name LIKE ? ESCAPE '\\' OR e.credit_code LIKE ? ESCAPE '\\')")
        needle = (
            "%"
            + flt.text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            + "%"
        )
        params += [needle, needle.upper()]
    if flt.town_id is not None:
        where.append("e.town_id = ?")
        params.append(flt.town_id)
    if flt.industry:
        where.append("e.industry = ?")
        params.append(flt.industry)
    if flt.above_scale is not None:
        where.append("e.above_scale = ?")
        params.append(int(flt.above_scale))
    if flt.on_list_year is not None:
        where.append(
            "EXISTS (SELECT 1 FROM siqiang_list l WHERE l.year = ? AND l.enterprise_id = e.id)"
        )
        params.append(flt.on_list_year)
    sql = "SELECT e.id FROM enterprises e"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY e.town_id, e.name"
    if limit:
        sql += f" LIMIT {int(limit)}"
    cursor = db.conn.cursor()
    cursor.row_factory = None  # plain tuples: the whole registry may match
    return [r[0] for r in cursor.execute(sql, params)]


def enterprises_by_ids(db: Database, ids: list[int]) -> dict[int, Enterprise]:
    """Fetch a window of rows for a table view (a few hundred at a time)."""
    out: dict[int, Enterprise] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for row in db.query(_ENTERPRISE_SQL + f" WHERE e.id IN ({marks})", chunk):
            out[row["id"]] = _enterprise(row)
    return out


# The registry's columns a list may be sorted by, as SQL expressions (names are fixed words).
SORTABLE_FIELDS = {
    "credit_code": "e.credit_code",
    "name": "e.name",
    "town": "t.sort_order",
    "above_scale": "e.above_scale",
    "industry": "e.industry",
    "contact": "e.contact",
    "phone": "e.phone",
}


def enterprise_sort_values(db: Database, ids: list[int], field: str) -> list[Any]:
    """One value per id (in the order of ``ids``) to sort a registry list by ``field``, in one
    query, so sorting 100,000 rows never fetches them page by page."""
    expression = SORTABLE_FIELDS[field]
    cursor = db.conn.cursor()
    cursor.row_factory = None
    values = dict(
        cursor.execute(
            f"SELECT e.id, {expression} FROM enterprises e JOIN towns t ON t.id = e.town_id"
        ).fetchall()
    )
    return [values.get(i) for i in ids]


class EnterpriseIndex:
    """The registry's searchable columns in display order, held in memory for search-as-you-type.

    A substring scan over 100,000 names in Python takes ~15 ms, where SQLite's ``LIKE '%…%'``
    with the sort takes 60–170 ms; the index is rebuilt (one query) when the registry changes.
    """

    def __init__(self, db: Database) -> None:
        self._db = db
        self._lists: dict[int, set[int]] = {}
        # The last text searched and the positions it matched: typing on narrows those.
        self._last: tuple[str, list[int]] = ("", [])
        self.reload()

    def reload(self) -> None:
        # A plain table scan sorted in Python: ORDER BY through the (town, name) index would look
        # up every row by rowid, which is several times slower.
        cursor = self._db.conn.cursor()
        cursor.row_factory = None  # plain tuples: several times cheaper than sqlite3.Row here
        rows = cursor.execute(
            "SELECT id, name, credit_code, town_id, industry, above_scale FROM enterprises"
        ).fetchall()
        rows.sort(key=lambda r: (r[3], r[1], r[0]))
        columns = list(zip(*rows, strict=True)) if rows else [(), (), (), (), (), ()]
        self.ids, self._names, self._codes, self._towns, self._industries, scale = (
            list(c) for c in columns
        )
        self._scale = [bool(v) for v in scale]
        # Name and code in one string per row (NUL between: typed text never spans both), so a
        # search is one substring test per row.
        self._keys = [f"{n}\x00{c}" for n, c in zip(self._names, self._codes, strict=True)]
        # What every name and every code begins with (淄博…, 91370305…): text inside one of these
        # is in every row, so the first keystrokes need no scan at all.
        self._everywhere = (os.path.commonprefix(self._names), os.path.commonprefix(self._codes))
        self._lists.clear()
        self._last = ("", [])

    def detach(self) -> None:
        """Forget the connection (it belonged to the thread that built the index)."""
        self._db = None  # type: ignore[assignment]

    def attach(self, db: Database) -> None:
        """Use ``db`` (the caller's thread's connection) for the list filter from now on."""
        self._db = db

    def _list_members(self, year: int) -> set[int]:
        if year not in self._lists:
            self._lists[year] = {
                r[0]
                for r in self._db.conn.execute(
                    "SELECT enterprise_id FROM siqiang_list WHERE year = ?", (year,)
                )
            }
        return self._lists[year]

    def _matching(self, text: str, positions: list[int] | range) -> list[int]:
        """Positions whose name holds ``text`` or whose code holds it in capitals."""
        upper = text.upper()
        names_begin, codes_begin = self._everywhere
        if isinstance(positions, range) and (text in names_begin or upper in codes_begin):
            return list(positions)
        if upper == text:  # Chinese, digits, capitals: one test on the joined key
            keys = self._keys
            if isinstance(positions, range):
                return list(compress(positions, [text in k for k in keys]))
            return [i for i in positions if text in keys[i]]
        names, codes = self._names, self._codes
        return [i for i in positions if text in names[i] or upper in codes[i]]

    def search(self, flt: EnterpriseFilter) -> list[int]:
        """Ids matching ``flt`` in display order (same semantics as :func:`search_enterprise_ids`)."""
        positions: list[int] | range = range(len(self.ids))
        text = flt.text.strip()
        if text:
            last_text, last_positions = self._last
            if last_text and last_text in text:  # what holds the new text holds the old one
                positions = last_positions
            positions = self._matching(text, positions)
            self._last = (text, positions)
        if flt.town_id is not None:
            towns = self._towns
            positions = [i for i in positions if towns[i] == flt.town_id]
        if flt.industry:
            industries = self._industries
            positions = [i for i in positions if industries[i] == flt.industry]
        if flt.above_scale is not None:
            scale = self._scale
            positions = [i for i in positions if scale[i] == flt.above_scale]
        ids = self.ids
        if flt.on_list_year is not None:
            members = self._list_members(flt.on_list_year)
            return [ids[i] for i in positions if ids[i] in members]
        return list(ids) if isinstance(positions, range) else list(map(ids.__getitem__, positions))
