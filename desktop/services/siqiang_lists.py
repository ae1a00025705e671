"""The yearly 四强 enterprise list: the statistics department's confirmed list, replaced whole."""

from __future__ import annotations

from dataclasses import dataclass

from desktop.core.errors import ValidationError
from desktop.services.users import CLERK, require_role
from desktop.storage.database import Database, now_text


@dataclass(frozen=True)
class ListMember:
    enterprise_id: int
    credit_code: str
    name: str
    town: str


@dataclass(frozen=True)
class ListChange:
    """What replacing a year's list did (or, in a dry run, would do)."""

    year: int
    added: list[ListMember]
    dropped: list[ListMember]
    kept: int

    @property
    def total(self) -> int:
        return len(self.added) + self.kept


def check_year(year: int) -> int:
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise ValidationError(f"年度“{year}”无效，应为2000—2100之间的年份", field="年度")
    return year


_MEMBER_SQL = (
    "SELECT e.id, e.credit_code, e.name, t.name AS town FROM siqiang_list l"
    " JOIN enterprises e ON e.id = l.enterprise_id JOIN towns t ON t.id = e.town_id"
)


def members(db: Database, year: int) -> list[ListMember]:
    rows = db.query(_MEMBER_SQL + " WHERE l.year = ? ORDER BY t.sort_order, e.name", (year,))
    return [ListMember(r["id"], r["credit_code"], r["name"], r["town"]) for r in rows]


def list_years(db: Database) -> list[int]:
    return [r[0] for r in db.query("SELECT DISTINCT year FROM siqiang_list ORDER BY year")]


def previous_list_missing(db: Database, year: int) -> bool:
    """True when ``year`` has a 四强 list but ``year - 1`` has none — the first year of a new
    database: every member then looks 新列入 (LZ41-3, first time listed), which may be wrong."""
    years = set(list_years(db))
    return year in years and year - 1 not in years


def plan_replacement(db: Database, year: int, enterprise_ids: set[int]) -> ListChange:
    current = {m.enterprise_id: m for m in members(db, year)}
    added_ids = enterprise_ids - set(current)
    added: list[ListMember] = []
    for start in range(0, len(added_ids), 500):
        chunk = sorted(added_ids)[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for r in db.query(
            "SELECT e.id, e.credit_code, e.name, t.name AS town FROM enterprises e"
            f" JOIN towns t ON t.id = e.town_id WHERE e.id IN ({marks})",
            chunk,
        ):
            added.append(ListMember(r["id"], r["credit_code"], r["name"], r["town"]))
    dropped = [m for eid, m in current.items() if eid not in enterprise_ids]
    return ListChange(
        year,
        sorted(added, key=lambda m: m.name),
        sorted(dropped, key=lambda m: m.name),
        len(set(current) & enterprise_ids),
    )


def replace_list(db: Database, year: int, enterprise_ids: set[int]) -> ListChange:
    """Make ``enterprise_ids`` the whole confirmed list of ``year`` (one transaction, logged)."""
    require_role(db, CLERK)
    check_year(year)
    change = plan_replacement(db, year, enterprise_ids)
    at = now_text()
    with db.transaction():
        db.executemany(
            "DELETE FROM siqiang_list WHERE year = ? AND enterprise_id = ?",
            [(year, m.enterprise_id) for m in change.dropped],
        )
        db.executemany(
            "INSERT INTO siqiang_list (year, enterprise_id, imported_at, imported_by) VALUES (?,?,?,?)",
            [(year, m.enterprise_id, at, db.user) for m in change.added],
        )
        db.log(
            "替换四强名单",
            "siqiang_list",
            year,
            None,
            {
                "year": year,
                "added": [m.credit_code for m in change.added],
                "dropped": [m.credit_code for m in change.dropped],
                "total": change.total,
            },
        )
    return change


def set_membership(db: Database, year: int, enterprise_id: int, on_list: bool) -> None:
    """Add or remove one enterprise (a correction by hand)."""
    require_role(db, CLERK)
    check_year(year)
    with db.transaction():
        if on_list:
            db.execute(
                "INSERT OR IGNORE INTO siqiang_list (year, enterprise_id, imported_at, imported_by)"
                " VALUES (?,?,?,?)",
                (year, enterprise_id, now_text(), db.user),
            )
        else:
            db.execute(
                "DELETE FROM siqiang_list WHERE year = ? AND enterprise_id = ?",
                (year, enterprise_id),
            )
        db.log(
            "列入名单" if on_list else "移出名单",
            "siqiang_list",
            f"{year}/{enterprise_id}",
            None,
            {"year": year, "enterprise_id": enterprise_id, "on_list": on_list},
        )


def years_on_list(db: Database, enterprise_id: int) -> list[int]:
    return [
        r[0]
        for r in db.query(
            "SELECT year FROM siqiang_list WHERE enterprise_id = ? ORDER BY year", (enterprise_id,)
        )
    ]


@dataclass(frozen=True)
class YearComparison:
    year: int
    newly_listed: list[ListMember]  # on this year's list, on no earlier list: LZ41-3 candidates
    returned: list[ListMember]  # on this year's list, not last year's, but some earlier year
    dropped: list[ListMember]  # on last year's list, not this year's
    kept: list[ListMember]


def compare_with_previous(db: Database, year: int) -> YearComparison:
    this = {m.enterprise_id: m for m in members(db, year)}
    last = {m.enterprise_id: m for m in members(db, year - 1)}
    earlier = {
        r[0]
        for r in db.query("SELECT DISTINCT enterprise_id FROM siqiang_list WHERE year < ?", (year,))
    }
    newly = [m for eid, m in this.items() if eid not in earlier]
    returned = [m for eid, m in this.items() if eid in earlier and eid not in last]
    dropped = [m for eid, m in last.items() if eid not in this]
    kept = [m for eid, m in this.items() if eid in last]
    return YearComparison(year, newly, returned, dropped, kept)
